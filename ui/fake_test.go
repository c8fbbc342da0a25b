package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
	// macs and unbound stand in for the warehouse: the MAC of each
	// physical id, and records nobody has bound.
	macs    map[string]string
	unbound []models.DeviceInfo
	roomOf  map[int64]int64 // device id → room id
	codes   map[string]string
	outbox  []OutboxEntry
	deleted map[string]bool // "home5", "room2": deleted by a write
}

func newFakeAPI() *fakeAPI {
	on := 1
	f := &fakeAPI{readOnly: true, devices: map[int64][]models.Device{}}
	for i := 1; i <= 250; i++ {
		f.users = append(f.users, models.User{UserID: int64(i), NickName: fmt.Sprintf("user%03d", i), Phone: fmt.Sprintf("13800000%03d", i)})
	}
	f.users[41].NickName = "张伟"
	f.devices[42] = []models.Device{
		{DeviceID: 900, PhysicalDeviceID: "A1B2C3D4E5F60001", Name: "客厅插座", Owner: 42, SubDomainName: "plug", GatewayDeviceID: 900, Status: &on, RootID: 5},
		{DeviceID: 901, PhysicalDeviceID: "A1B2C3D4E5F60002", Name: models.SanitizeLine("evil\x1b]0;pwned\x07lamp"), Owner: 7, SubDomainName: "bulb", GatewayDeviceID: 901, Status: new(int)},
	}
	// User 7 shares the plug: unbinding 7 from it is a real write.
	f.devices[7] = []models.Device{f.devices[42][0]}
	f.roomOf = map[int64]int64{900: 1}
	f.deleted = map[string]bool{}
	f.users[6].Email = "user007@example.com"
	f.users[6].Phone = "+8613800028183"
	f.macs = map[string]string{"A1B2C3D4E5F60001": "a1:b2:c3:00:00:01", "A1B2C3D4E5F60002": "a1:b2:c3:00:00:02"}
	f.unbound = []models.DeviceInfo{
		{PhysicalDeviceID: "FFEE000000000001", SubDomainName: "plug", MAC: "ff:ee:00:00:00:01", Status: 2},
		{PhysicalDeviceID: "ffee000000000001", SubDomainName: "bulb", MAC: "ff:ee:00:00:00:02", Status: 2},
		{PhysicalDeviceID: "860012345678", SubDomainName: "switch", MAC: "ff:ee:00:00:00:03", Status: 2},
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

// FindUser answers like the cloud: email, phone (with or without +86),
// "weixin:<openid>" or a bare OpenID (the fake's OpenIDs are "oid-<id>"),
// then a user id.
func (f *fakeAPI) FindUser(_ context.Context, q string) (models.User, error) {
	q = strings.TrimSpace(q)
	if prov, oid, ok := acapi.SplitOpenID(q); ok && !strings.Contains(q, "@") {
		if prov != "weixin" {
			return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Service: "zc-account", Method: "loginWithOpenId"}
		}
		q = oid
	}
	forms := acapi.PhoneForms(q)
	for _, u := range f.users {
		switch {
		case u.Email != "" && strings.EqualFold(u.Email, q),
			u.Phone != "" && slices.Contains(forms, u.Phone),
			fmt.Sprintf("oid-%d", u.UserID) == q:
			return u, nil
		}
	}
	for _, u := range f.users {
		if fmt.Sprint(u.UserID) == q {
			return u, nil
		}
	}
	what := "no user matches " + q
	if _, err := strconv.ParseInt(q, 10, 64); err == nil {
		what = "no user has the id " + q
	}
	return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Message: what, Service: "zc-account", Method: "getIdByAccount"}
}
func (f *fakeAPI) UserDetail(ctx context.Context, id int64) (UserDetail, error) {
	var u models.User
	var err error = &acapi.Error{Code: models.ErrAccountAbsent, Service: "zc-account", Method: "getAccountInfo"}
	for _, x := range f.users {
		if x.UserID == id {
			u, err = x, nil
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return UserDetail{User: u, Homes: []models.Home{{HomeID: 5, Owner: id, Name: "Home"}}}, err
}
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

// FindDevices is the warehouse lookup: an exact physical id alone, else
// every record matching without regard to case or by MAC.
func (f *fakeAPI) FindDevices(_ context.Context, q string) ([]models.DeviceInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q = strings.TrimSpace(q)
	var all []models.DeviceInfo
	seen := map[string]bool{}
	for _, d := range f.allDevices() {
		if seen[d.SubDomainName+"/"+d.PhysicalDeviceID] {
			continue
		}
		seen[d.SubDomainName+"/"+d.PhysicalDeviceID] = true
		all = append(all, models.DeviceInfo{PhysicalDeviceID: d.PhysicalDeviceID, SubDomainName: d.SubDomainName, MAC: f.macs[d.PhysicalDeviceID], Status: 2})
	}
	all = append(all, f.unbound...)
	var found []models.DeviceInfo
	mac := acapi.NormalizeMAC(q)
	for _, in := range all {
		if in.PhysicalDeviceID == q {
			return []models.DeviceInfo{in}, nil
		}
		if strings.EqualFold(in.PhysicalDeviceID, q) || mac != "" && acapi.NormalizeMAC(in.MAC) == mac {
			found = append(found, in)
		}
	}
	if len(found) == 0 {
		return nil, &acapi.Error{Code: models.ErrDeviceAbsent, Message: "no device has the physical id or MAC " + strconv.Quote(q), Service: "zc-warehouse", Method: "getDevicesInfo"}
	}
	return found, nil
}

// DeviceDetail finds a device by id or by product and physical id; an
// unbound warehouse record comes back as such.
func (f *fakeAPI) DeviceDetail(_ context.Context, ref DeviceRef) (DeviceDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.allDevices() {
		if ref.DeviceID != 0 && d.DeviceID == ref.DeviceID ||
			ref.DeviceID == 0 && d.PhysicalDeviceID == ref.PhysicalID && (ref.SubDomain == "" || ref.SubDomain == d.SubDomainName) {
			dd := DeviceDetail{Device: d, Online: d.Online(), Users: []models.DeviceUser{{UserID: d.Owner, UserType: 1}}}
			if d.RootID != 0 {
				dd.HomeName, dd.Rooms = "Home", f.rooms()
				if room, ok := f.roomOf[d.DeviceID]; ok {
					for _, r := range dd.Rooms {
						if r.RoomID == room {
							dd.RoomID, dd.RoomName = r.RoomID, r.Name
						}
					}
				}
			}
			return dd, nil
		}
	}
	if ref.DeviceID == 0 {
		for _, in := range f.unbound {
			if in.PhysicalDeviceID == ref.PhysicalID && (ref.SubDomain == "" || ref.SubDomain == in.SubDomainName) {
				return DeviceDetail{Info: in, Unbound: true, Online: true, Device: models.Device{PhysicalDeviceID: in.PhysicalDeviceID, SubDomainName: in.SubDomainName}}, nil
			}
		}
	}
	return DeviceDetail{}, &acapi.Error{Code: models.ErrDeviceAbsent, Service: "zc-bind", Method: "getUserDevice"}
}
func (f *fakeAPI) RenameDevice(_ context.Context, ref DeviceRef, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("zc-bind/modifyDevice: %w", acapi.ErrReadOnly)
	}
	if strings.TrimSpace(name) == "" {
		return &acapi.Error{Code: models.ErrInvalidParam, Message: "name is required", Service: "zc-bind", Method: "modifyDevice"}
	}
	if _, ok := f.device(ref.DeviceID); !ok {
		return &acapi.Error{Code: models.ErrDeviceAbsent, Message: fmt.Sprintf("device %d does not exist", ref.DeviceID), Service: "zc-bind", Method: "modifyDevice"}
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
func (f *fakeAPI) Outbox(context.Context, int) ([]OutboxEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]OutboxEntry(nil), f.outbox...), nil
}

func (f *fakeAPI) renamesSoFar() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.renames, ",")
}

// allDevices is every device the fake knows, once each, in a fixed order
// (by user id), taking the owner's record where a share holds a copy: a
// lookup never depends on map order or finds a stale copy.
func (f *fakeAPI) allDevices() []models.Device {
	users := make([]int64, 0, len(f.devices))
	for u := range f.devices {
		users = append(users, u)
	}
	slices.Sort(users)
	var out []models.Device
	seen := map[int64]bool{}
	for _, owners := range []bool{true, false} {
		for _, u := range users {
			for _, d := range f.devices[u] {
				if seen[d.DeviceID] || (d.Owner == u) != owners {
					continue
				}
				seen[d.DeviceID] = true
				out = append(out, d)
			}
		}
	}
	return out
}
