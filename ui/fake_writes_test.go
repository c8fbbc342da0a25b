package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// The fake refuses what the cloud refuses, with the cloud's codes
// (TestWritesAgreeOnFakeAndCloud holds the two to the same table).
func fakeErr(code int, service, method, msg string) error {
	return &acapi.Error{Code: code, Message: msg, Service: service, Method: method}
}

// device finds a device the fake knows; the caller holds f.mu.
func (f *fakeAPI) device(id int64) (models.Device, bool) {
	for _, d := range f.allDevices() {
		if d.DeviceID == id {
			return d, true
		}
	}
	return models.Device{}, false
}

// check runs a validation under the lock before a write is recorded.
func (f *fakeAPI) check(fn func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return nil // the write itself reports read-only first
	}
	return fn()
}

func (f *fakeAPI) UnbindUser(_ context.Context, r DeviceRef, u int64) error {
	if err := f.check(func() error {
		d, ok := f.device(r.DeviceID)
		switch {
		case !ok:
			return fakeErr(models.ErrDeviceAbsent, "zc-bind", "unbindDeviceWithUser", "no such device")
		case u == d.Owner:
			return fakeErr(models.ErrInvalidParam, "zc-bind", "unbindDeviceWithUser", "the owner leaves with unbindDevice")
		case !slices.ContainsFunc(f.devices[u], func(x models.Device) bool { return x.DeviceID == d.DeviceID }):
			return fakeErr(models.ErrDeviceNotBound, "zc-bind", "unbindDeviceWithUser", "the user is not bound to the device")
		}
		return nil
	}); err != nil {
		return err
	}
	return f.write(fmt.Sprintf("unbind %d from %d", u, r.DeviceID))
}
func (f *fakeAPI) ChangeOwner(_ context.Context, r DeviceRef, u int64) error {
	if err := f.check(func() error {
		d, ok := f.device(r.DeviceID)
		switch {
		case !ok:
			return fakeErr(models.ErrDeviceAbsent, "zc-bind", "changeOwner", "no such device")
		case d.RootID != 0:
			return fakeErr(models.ErrGroupState, "zc-bind", "changeOwner", "the device is in a home: remove it from the home first")
		case !slices.ContainsFunc(f.devices[u], func(x models.Device) bool { return x.DeviceID == d.DeviceID }):
			return fakeErr(models.ErrDeviceNotBound, "zc-bind", "changeOwner", "the new owner is not bound to the device")
		}
		return nil
	}); err != nil {
		return err
	}
	return f.write(fmt.Sprintf("owner %d of %d", u, r.DeviceID))
}
func (f *fakeAPI) SetDeviceProfile(_ context.Context, r DeviceRef, k string, v any) error {
	return f.write(fmt.Sprintf("profile %d %s=%v", r.DeviceID, k, v))
}
func (f *fakeAPI) AddDeviceToHome(_ context.Context, r DeviceRef, h int64) error {
	if err := f.check(func() error { return f.homeExists("addDeviceToHome", h) }); err != nil {
		return err
	}
	return f.write(fmt.Sprintf("home %d += %d", h, r.DeviceID))
}

// homeExists and roomExists answer 3601 like the cloud; the caller holds
// f.mu. The fake has one home (5) with rooms 1 and 2 until they are
// deleted.
func (f *fakeAPI) homeExists(method string, h int64) error {
	if h != 5 || f.deleted[fmt.Sprint("home", h)] {
		return fakeErr(models.ErrGroupAbsent, "zc-bind", method, fmt.Sprintf("home %d does not exist", h))
	}
	return nil
}
func (f *fakeAPI) roomExists(method string, h, r int64) error {
	if err := f.homeExists(method, h); err != nil {
		return err
	}
	if (r != 1 && r != 2) || f.deleted[fmt.Sprint("room", r)] {
		return fakeErr(models.ErrGroupAbsent, "zc-bind", method, fmt.Sprintf("room %d does not exist in home %d", r, h))
	}
	return nil
}
func named(method, name string) error {
	if strings.TrimSpace(name) == "" {
		return fakeErr(models.ErrInvalidParam, "zc-bind", method, "name is required")
	}
	return nil
}

func (f *fakeAPI) MoveDeviceToRoom(_ context.Context, r DeviceRef, h, room int64) error {
	if err := f.check(func() error { return f.roomExists("moveDeviceToRoom", h, room) }); err != nil {
		return err
	}
	if err := f.write(fmt.Sprintf("room %d/%d += %d", h, room, r.DeviceID)); err != nil {
		return err
	}
	f.mu.Lock()
	f.roomOf[r.DeviceID] = room
	f.mu.Unlock()
	return nil
}
func (f *fakeAPI) RemoveDeviceFromRoom(_ context.Context, r DeviceRef, h, room int64) error {
	if err := f.check(func() error { return f.roomExists("removeDeviceFromRoom", h, room) }); err != nil {
		return err
	}
	if err := f.write(fmt.Sprintf("room %d/%d -= %d", h, room, r.DeviceID)); err != nil {
		return err
	}
	f.mu.Lock()
	delete(f.roomOf, r.DeviceID)
	f.mu.Unlock()
	return nil
}
func (f *fakeAPI) CreateHome(_ context.Context, u int64, n string) error {
	if err := f.check(func() error { return named("createHome", n) }); err != nil {
		return err
	}
	return f.write(fmt.Sprintf("create home %q for %d", n, u))
}
func (f *fakeAPI) RenameHome(_ context.Context, u, h int64, n string) error {
	if err := f.check(func() error {
		if err := named("changeHomeName", n); err != nil {
			return err
		}
		return f.homeExists("changeHomeName", h)
	}); err != nil {
		return err
	}
	return f.write(fmt.Sprintf("rename home %d %q", h, n))
}
func (f *fakeAPI) DeleteHome(_ context.Context, u, h int64) error {
	if err := f.check(func() error { return f.homeExists("deleteHome", h) }); err != nil {
		return err
	}
	if err := f.write(fmt.Sprintf("delete home %d", h)); err != nil {
		return err
	}
	f.mu.Lock()
	f.deleted[fmt.Sprint("home", h)] = true
	f.mu.Unlock()
	return nil
}
func (f *fakeAPI) CreateRoom(_ context.Context, u, h int64, n string) error {
	if err := f.check(func() error {
		if err := named("createRoom", n); err != nil {
			return err
		}
		return f.homeExists("createRoom", h)
	}); err != nil {
		return err
	}
	return f.write(fmt.Sprintf("create room %q in %d", n, h))
}
func (f *fakeAPI) RenameRoom(_ context.Context, u, h, r int64, n string) error {
	if err := f.check(func() error {
		if err := named("changeRoomName", n); err != nil {
			return err
		}
		return f.roomExists("changeRoomName", h, r)
	}); err != nil {
		return err
	}
	return f.write(fmt.Sprintf("rename room %d %q", r, n))
}
func (f *fakeAPI) DeleteRoom(_ context.Context, u, h, r int64) error {
	if err := f.check(func() error { return f.roomExists("deleteRoom", h, r) }); err != nil {
		return err
	}
	if err := f.write(fmt.Sprintf("delete room %d", r)); err != nil {
		return err
	}
	f.mu.Lock()
	f.deleted[fmt.Sprint("room", r)] = true
	f.mu.Unlock()
	return nil
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
