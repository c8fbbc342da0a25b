package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"acconsole/acapi"
	"acconsole/models"
)

// fakeAPI is an in-memory cloud for model tests. Writes honour the
// read-only switch the way acapi does.
type fakeAPI struct {
	mu       sync.Mutex
	readOnly bool
	users    []models.User
	devices  map[int64][]models.Device
	renames  []string
}

func newFakeAPI() *fakeAPI {
	on := 1
	f := &fakeAPI{readOnly: true, devices: map[int64][]models.Device{}}
	for i := 1; i <= 250; i++ {
		f.users = append(f.users, models.User{UserID: int64(i), NickName: fmt.Sprintf("user%03d", i), Phone: fmt.Sprintf("13800000%03d", i)})
	}
	f.users[41].NickName = "张伟"
	f.devices[42] = []models.Device{
		{DeviceID: 900, PhysicalDeviceID: "A1B2C3D4E5F60001", Name: "客厅插座", Owner: 42, SubDomainName: "plug", GatewayDeviceID: 900, Status: &on},
		{DeviceID: 901, PhysicalDeviceID: "A1B2C3D4E5F60002", Name: models.SanitizeLine("evil\x1b]0;pwned\x07lamp"), Owner: 7, SubDomainName: "bulb", GatewayDeviceID: 901, Status: new(int)},
	}
	return f
}

func (f *fakeAPI) ReadOnly() bool      { f.mu.Lock(); defer f.mu.Unlock(); return f.readOnly }
func (f *fakeAPI) SetReadOnly(on bool) { f.mu.Lock(); f.readOnly = on; f.mu.Unlock() }

func (f *fakeAPI) CountUsers(context.Context) (int64, error) { return int64(len(f.users)), nil }
func (f *fakeAPI) ListUsers(_ context.Context, after int64, lim int) ([]models.User, error) {
	var out []models.User
	for _, u := range f.users {
		if u.UserID > after && len(out) < lim {
			out = append(out, u)
		}
	}
	return out, nil
}
func (f *fakeAPI) FindUser(_ context.Context, q string) (models.User, error) {
	for _, u := range f.users {
		if u.Phone == q || fmt.Sprint(u.UserID) == q {
			return u, nil
		}
	}
	return models.User{}, &acapi.Error{Code: 3501, Service: "zc-account", Method: "getIdByAccount"}
}
func (f *fakeAPI) UserDetail(ctx context.Context, id int64) (UserDetail, error) {
	u, err := f.FindUser(ctx, fmt.Sprint(id))
	f.mu.Lock()
	defer f.mu.Unlock()
	return UserDetail{User: u, Homes: []models.Home{{HomeID: 5, Owner: id, Name: "Home"}}}, err
}
func (f *fakeAPI) Homes(context.Context, int64) ([]models.Home, error) {
	return []models.Home{{HomeID: 5, Name: "Home"}}, nil
}
func (f *fakeAPI) Rooms(context.Context, int64, int64) ([]models.Room, error) {
	return []models.Room{{HomeID: 5, RoomID: 1, Name: "客厅 Living room"}}, nil
}
func (f *fakeAPI) HomeDevices(_ context.Context, u, _ int64) ([]models.Device, error) {
	return f.devices[u], nil
}
func (f *fakeAPI) RoomDevices(_ context.Context, u, _, _ int64) ([]models.Device, error) {
	return f.devices[u][:1], nil
}
func (f *fakeAPI) UserDevices(_ context.Context, u, after int64, lim int) ([]models.Device, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []models.Device
	for _, d := range f.devices[u] {
		if d.DeviceID > after && len(out) < lim {
			out = append(out, d)
		}
	}
	return out, int64(len(f.devices[u])), nil
}
func (f *fakeAPI) FleetCount(context.Context) (int64, error) { return 0, nil }
func (f *fakeAPI) Fleet(context.Context, int, int) ([]FleetDevice, error) {
	return nil, nil
}
func (f *fakeAPI) DeviceDetail(_ context.Context, ref DeviceRef) (DeviceDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ds := range f.devices {
		for _, d := range ds {
			if d.DeviceID == ref.DeviceID {
				return DeviceDetail{Device: d, Online: d.Online(), Users: []models.DeviceUser{{UserID: d.Owner, UserType: 1}}}, nil
			}
		}
	}
	return DeviceDetail{}, &acapi.Error{Code: 3802}
}
func (f *fakeAPI) RenameDevice(_ context.Context, ref DeviceRef, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("zc-bind/modifyDevice: %w", acapi.ErrReadOnly)
	}
	f.renames = append(f.renames, fmt.Sprintf("%d:%s", ref.DeviceID, name))
	for u, ds := range f.devices {
		for i := range ds {
			if ds[i].DeviceID == ref.DeviceID {
				f.devices[u][i].Name = name
			}
		}
	}
	return nil
}
func (f *fakeAPI) Outbox(context.Context, int) ([]OutboxEntry, error) { return nil, nil }

func (f *fakeAPI) renamesSoFar() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.renames, ",")
}
