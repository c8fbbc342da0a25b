package ui

import (
	"context"
	"strconv"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

func (x *clientAPI) UserDevices(ctx context.Context, userID, afterID int64, limit int) ([]models.Device, int64, error) {
	return x.c.As(userID).Bind().ListDevicesPage(ctx, true, afterID, limit)
}

func (x *clientAPI) FleetCount(ctx context.Context) (int64, error) {
	return x.c.Warehouse().GetDeviceCount(ctx, "")
}

func (x *clientAPI) Fleet(ctx context.Context, offset, limit int) ([]models.FleetDevice, error) {
	return x.c.Warehouse().ListDevicesExt(ctx, "", offset, limit)
}

// FindDevices resolves what an operator typed after ":device": a
// physical id in any letter case or a MAC. No match is an error that says
// so; several come back for the operator to pick.
func (x *clientAPI) FindDevices(ctx context.Context, q string) ([]models.DeviceInfo, error) {
	found, truncated, err := x.c.Warehouse().FindDevices(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		id := "lists.find.no_device"
		if truncated {
			id = "lists.find.no_device_scanned"
		}
		return nil, newConsoleError(models.ErrDeviceAbsent, "zc-warehouse", "getDevicesInfo", id,
			"Query", strconv.Quote(models.SanitizeLine(q)), "Scanned", strconv.Itoa(acapi.MaxLookupScan))
	}
	return found, nil
}

// DeviceDetail gathers a device from the owner's point of view: the
// console acts for the user it came through, else for the owner. A
// warehouse device nobody has bound is shown as it is: its record and its
// connection, no made-up binding.
func (x *clientAPI) DeviceDetail(ctx context.Context, ref DeviceRef) (DeviceDetail, error) {
	var d DeviceDetail
	dev := x.c
	b := dev.Bind()
	if ref.DeviceID == 0 && ref.PhysicalID != "" {
		info, err := x.findByPhysical(ctx, ref.SubDomain, ref.PhysicalID)
		if err != nil {
			return d, err
		}
		ref.SubDomain = info.SubDomainName
		id, err := b.GetDeviceID(ctx, ref.SubDomain, ref.PhysicalID)
		if err != nil {
			if acapi.Code(err) != models.ErrDeviceAbsent {
				return d, err
			}
			d.Info, d.Unbound = info, true
			d.Device = models.Device{PhysicalDeviceID: info.PhysicalDeviceID, SubDomainName: ref.SubDomain}
			d.Online, err = b.IsDeviceOnline(ctx, ref.SubDomain, 0, info.PhysicalDeviceID)
			return d, err
		}
		ref.DeviceID = id
	}
	users, err := b.ListUsers(ctx, ref.SubDomain, ref.DeviceID)
	if err != nil {
		return d, err
	}
	d.Users = users
	actor := ref.UserID
	if actor == 0 {
		for _, u := range users {
			if u.UserType == 1 {
				actor = u.UserID
			}
		}
	}
	as := dev.As(actor)
	if d.Device, err = as.Bind().GetUserDevice(ctx, ref.SubDomain, ref.DeviceID); err != nil {
		return d, err
	}
	if ref.SubDomain == "" {
		ref.SubDomain = d.Device.SubDomainName
	}
	if d.Info, err = dev.Warehouse().GetDeviceInfo(ctx, ref.SubDomain, d.Device.PhysicalDeviceID); err != nil {
		return d, err
	}
	d.Online, _ = as.Bind().IsDeviceOnline(ctx, ref.SubDomain, ref.DeviceID, "")
	if d.Profile, err = as.Bind().GetDeviceProfile(ctx, ref.SubDomain, ref.DeviceID); err != nil {
		d.Profile = nil
	}
	if !d.Device.IsSubDevice() {
		if subs, err := as.Bind().ListSubDevices(ctx, ref.SubDomain, ref.DeviceID); err == nil {
			d.SubDevices = subs
		}
	}
	x.placeNames(ctx, as, &d)
	return d, nil
}

// placeNames names the home and room the device is in, as the acting
// user sees them; a failure leaves the ids.
func (x *clientAPI) placeNames(ctx context.Context, as *acapi.Client, d *DeviceDetail) {
	if d.Device.RootID == 0 {
		return
	}
	homes, err := as.Home().ListHomes(ctx)
	if err != nil {
		return
	}
	for _, h := range homes {
		if h.HomeID == d.Device.RootID {
			d.HomeName = h.Name
		}
	}
	rooms, err := as.Home().ListRooms(ctx, d.Device.RootID)
	if err != nil {
		return
	}
	d.Rooms = rooms
	// A device carries its home, not its room: ask each room.
	for _, r := range rooms {
		devs, err := as.Home().ListRoomDevices(ctx, d.Device.RootID, r.RoomID, false)
		if err != nil {
			return
		}
		for _, dv := range devs {
			if dv.DeviceID == d.Device.DeviceID {
				d.RoomID, d.RoomName = r.RoomID, r.Name
				return
			}
		}
	}
}

// findByPhysical reads the warehouse record of an exact physical id, in
// product sub when it is known. An id the warehouse does not know is an
// error, not an empty record.
func (x *clientAPI) findByPhysical(ctx context.Context, sub, pid string) (models.DeviceInfo, error) {
	if sub != "" {
		return x.c.Warehouse().GetDeviceInfo(ctx, sub, pid)
	}
	infos, err := x.c.Warehouse().GetDevicesInfo(ctx, []string{pid})
	if err != nil {
		return models.DeviceInfo{}, err
	}
	if len(infos) == 0 || infos[0].Status == 0 {
		return models.DeviceInfo{}, &acapi.Error{Code: models.ErrDeviceAbsent, Message: "no device with physical id " + pid, Service: "zc-warehouse", Method: "getDevicesInfo"}
	}
	return infos[0], nil
}

func (x *clientAPI) RenameDevice(ctx context.Context, ref DeviceRef, name string) error {
	return x.c.As(ref.UserID).Bind().ModifyDevice(ctx, ref.SubDomain, ref.DeviceID, name)
}

func (x *clientAPI) UnbindUser(ctx context.Context, ref DeviceRef, userID int64) error {
	return x.c.As(ref.UserID).Bind().UnbindDeviceWithUser(ctx, ref.SubDomain, ref.DeviceID, userID)
}

func (x *clientAPI) ChangeOwner(ctx context.Context, ref DeviceRef, newOwner int64) error {
	return x.c.As(ref.UserID).Bind().ChangeOwner(ctx, ref.SubDomain, ref.DeviceID, newOwner)
}

func (x *clientAPI) SetDeviceProfile(ctx context.Context, ref DeviceRef, key string, value any) error {
	return x.c.As(ref.UserID).Bind().SetDeviceProfile(ctx, ref.SubDomain, ref.DeviceID, map[string]any{key: value})
}

func (x *clientAPI) DeviceShareCode(ctx context.Context, ref DeviceRef, valid time.Duration) (string, error) {
	return x.as(ref.UserID).Bind().GetShareCode(ctx, ref.SubDomain, ref.DeviceID, int(valid/time.Second))
}
