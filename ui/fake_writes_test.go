package ui

import (
	"context"
	"fmt"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

// write records a write the way acapi's guard would allow or refuse it.
func (f *fakeAPI) write(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("%s: %w", s, acapi.ErrReadOnly)
	}
	f.renames = append(f.renames, s)
	return nil
}

func (f *fakeAPI) Gateways(context.Context, int64) ([]models.Device, error) { return nil, nil }
func (f *fakeAPI) UnbindUser(_ context.Context, r DeviceRef, u int64) error {
	return f.write(fmt.Sprintf("unbind %d from %d", u, r.DeviceID))
}
func (f *fakeAPI) ChangeOwner(_ context.Context, r DeviceRef, u int64) error {
	return f.write(fmt.Sprintf("owner %d of %d", u, r.DeviceID))
}
func (f *fakeAPI) SetDeviceProfile(_ context.Context, r DeviceRef, k string, v any) error {
	return f.write(fmt.Sprintf("profile %d %s=%v", r.DeviceID, k, v))
}
func (f *fakeAPI) AddDeviceToHome(_ context.Context, r DeviceRef, h int64) error {
	return f.write(fmt.Sprintf("home %d += %d", h, r.DeviceID))
}
func (f *fakeAPI) MoveDeviceToRoom(_ context.Context, r DeviceRef, h, room int64) error {
	if err := f.write(fmt.Sprintf("room %d/%d += %d", h, room, r.DeviceID)); err != nil {
		return err
	}
	f.mu.Lock()
	f.roomOf[r.DeviceID] = room
	f.mu.Unlock()
	return nil
}
func (f *fakeAPI) RemoveDeviceFromRoom(_ context.Context, r DeviceRef, h, room int64) error {
	if err := f.write(fmt.Sprintf("room %d/%d -= %d", h, room, r.DeviceID)); err != nil {
		return err
	}
	f.mu.Lock()
	delete(f.roomOf, r.DeviceID)
	f.mu.Unlock()
	return nil
}
func (f *fakeAPI) CreateHome(_ context.Context, u int64, n string) error {
	return f.write(fmt.Sprintf("create home %q for %d", n, u))
}
func (f *fakeAPI) RenameHome(_ context.Context, u, h int64, n string) error {
	return f.write(fmt.Sprintf("rename home %d %q", h, n))
}
func (f *fakeAPI) DeleteHome(_ context.Context, u, h int64) error {
	return f.write(fmt.Sprintf("delete home %d", h))
}
func (f *fakeAPI) CreateRoom(_ context.Context, u, h int64, n string) error {
	return f.write(fmt.Sprintf("create room %q in %d", n, h))
}
func (f *fakeAPI) RenameRoom(_ context.Context, u, h, r int64, n string) error {
	return f.write(fmt.Sprintf("rename room %d %q", r, n))
}
func (f *fakeAPI) DeleteRoom(_ context.Context, u, h, r int64) error {
	return f.write(fmt.Sprintf("delete room %d", r))
}
func (f *fakeAPI) SetUserProfile(_ context.Context, u int64, k string, v any) error {
	return f.write(fmt.Sprintf("user %d %s=%v", u, k, v))
}

// SendVerifyCode works like the cloud's: one code per account, a new
// code replaces the old one, a second send within a minute is refused, and
// the code lands in the outbox.
func (f *fakeAPI) SendVerifyCode(_ context.Context, acc string) error {
	if err := f.write("code to " + acc); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.codes == nil {
		f.codes = map[string]string{}
	}
	for _, e := range f.outbox {
		if e.Account == acc && now.Sub(e.SentAt) < time.Minute {
			return &acapi.Error{Code: models.ErrNotAllowed, Message: "too many verify codes for " + acc + ": wait before asking again", Service: "zc-account", Method: "sendVerifyCode"}
		}
	}
	code := fmt.Sprintf("%06d", 482910+len(f.outbox)*7)
	f.codes[acc] = code
	f.outbox = append(f.outbox, OutboxEntry{Account: acc, Code: code, Template: 1, SentAt: now})
	return nil
}

// BindPhone accepts only the last code sent to the phone.
func (f *fakeAPI) BindPhone(_ context.Context, u int64, phone, code string) error {
	f.mu.Lock()
	want, ok := f.codes[phone]
	f.mu.Unlock()
	if !ok || code != want {
		return &acapi.Error{Code: models.ErrWrongVerifyCode, Message: "wrong verify code", Service: "zc-account", Method: "changePhone"}
	}
	if err := f.write(fmt.Sprintf("phone %d %s", u, phone)); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.codes, phone)
	for i := range f.users {
		if f.users[i].UserID == u {
			f.users[i].Phone = phone
		}
	}
	return nil
}
