package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

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

func (f *fakeAPI) Fleet(context.Context, int, int) ([]models.FleetDevice, error) {
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
		return nil, newConsoleError(models.ErrDeviceAbsent, "zc-warehouse", "getDevicesInfo", "lists.find.no_device", "Query", strconv.Quote(q))
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

func (f *fakeAPI) DeviceShareCode(_ context.Context, ref DeviceRef, valid time.Duration) (string, error) {
	if err := f.guard("getShareCode"); err != nil {
		return "", err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.shares++
	return fmt.Sprintf("8mRftXCMM21ZyQfzoTtHZfQWYvH1H6n%d#%d", w.shares%10, ref.DeviceID), nil
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
