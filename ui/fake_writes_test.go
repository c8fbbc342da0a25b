package ui

import (
	"context"
	"fmt"

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
func (f *fakeAPI) SendVerifyCode(_ context.Context, acc string) error {
	return f.write("code to " + acc)
}
func (f *fakeAPI) BindPhone(_ context.Context, u int64, phone, code string) error {
	if code != "123456" {
		return &acapi.Error{Code: 3505, Service: "zc-account", Method: "changePhone"}
	}
	return f.write(fmt.Sprintf("phone %d %s", u, phone))
}
