package ui

import (
	"context"
	"fmt"
	"time"

	"acconsole/models"
)

func (f *fakeAPI) Homes(context.Context, int64) ([]models.Home, error) {
	return []models.Home{{HomeID: 5, Name: "Home"}}, nil
}

func (f *fakeAPI) Rooms(context.Context, int64, int64) ([]models.Room, error) {
	return f.rooms(), nil
}

func (f *fakeAPI) rooms() []models.Room {
	return []models.Room{{HomeID: 5, RoomID: 1, Name: "客厅 Living room"}, {HomeID: 5, RoomID: 2, Name: "Kitchen"}}
}

func (f *fakeAPI) HomeDevices(_ context.Context, u, _ int64) ([]models.Device, error) {
	return f.devices[u], nil
}

func (f *fakeAPI) RoomDevices(_ context.Context, u, _, _ int64) ([]models.Device, error) {
	return f.devices[u][:min(1, len(f.devices[u]))], nil
}

func (f *fakeAPI) HomeShareCode(_ context.Context, userID, homeID int64, valid time.Duration) (string, error) {
	if err := f.guard("getHomeShareCode"); err != nil {
		return "", err
	}
	return fmt.Sprintf("HOME%dSHARE%d", homeID, userID), nil
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
