package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

// NewAPI is the console's view of a real (or the local) AbleCloud router.
func NewAPI(c *acapi.Client) API { return &clientAPI{c: c} }

type clientAPI struct{ c *acapi.Client }

func (x *clientAPI) ReadOnly() bool      { return x.c.ReadOnly() }
func (x *clientAPI) SetReadOnly(on bool) { x.c.SetReadOnly(on) }

func (x *clientAPI) CountUsers(ctx context.Context) (int64, error) {
	return x.c.Account().GetAccountCount(ctx)
}

func (x *clientAPI) ListUsers(ctx context.Context, afterID int64, limit int) ([]models.User, error) {
	return x.c.Account().ListAccountsAfter(ctx, afterID, limit)
}

// FindUser tries the query as the user page writes it: "provider:openid",
// an email, a phone (with or without +86, spaces or dashes), a user id,
// and finally a bare WeChat OpenID, in the order that is least ambiguous.
func (x *clientAPI) FindUser(ctx context.Context, q string) (models.User, error) {
	q = strings.TrimSpace(q)
	acc := x.c.Account()
	if q == "" {
		return models.User{}, errorf("empty search")
	}
	if !strings.Contains(q, "@") {
		if prov, oid, ok := acapi.SplitOpenID(q); ok {
			u, err := acc.GetUserByOpenID(ctx, prov, oid, "")
			if err != nil {
				return models.User{}, err
			}
			return acc.GetAccountInfo(ctx, u.UserID)
		}
	}
	if strings.Contains(q, "@") {
		id, err := acc.GetIDByAccount(ctx, q)
		if err != nil {
			return models.User{}, err
		}
		return acc.GetAccountInfo(ctx, id)
	}
	forms := acapi.PhoneForms(q)
	for _, f := range forms {
		id, err := acc.GetIDByAccount(ctx, f)
		if err == nil {
			return acc.GetAccountInfo(ctx, id)
		}
		if !errors.Is(err, acapi.ErrNotFound) && acapi.Code(err) != models.ErrInvalidPhone {
			return models.User{}, err
		}
	}
	if isDigits(q) {
		if id, err := strconv.ParseInt(q, 10, 64); err == nil {
			u, err := acc.GetAccountInfo(ctx, id)
			if err == nil || !errors.Is(err, acapi.ErrNotFound) {
				return u, err
			}
		}
		what := "no user has the id " + q
		if forms != nil {
			what = "no user has the id or the phone " + q
		}
		return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Message: what, Service: "zc-account", Method: "getAccountInfo"}
	}
	if forms != nil {
		return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Message: "no user has the phone " + q, Service: "zc-account", Method: "getIdByAccount"}
	}
	u, err := acc.GetUserByOpenID(ctx, "weixin", q, "")
	if err == nil {
		return acc.GetAccountInfo(ctx, u.UserID)
	}
	return models.User{}, err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (x *clientAPI) UserDetail(ctx context.Context, id int64) (UserDetail, error) {
	var d UserDetail
	var err error
	if d.User, err = x.c.Account().GetAccountInfo(ctx, id); err != nil {
		return d, err
	}
	as := x.c.As(id)
	if d.Profile, err = as.Account().GetUserProfile(ctx); err != nil {
		return d, err
	}
	if d.OpenIDs, err = as.Account().ListAllOpenIDs(ctx); err != nil {
		return d, err
	}
	d.Homes, err = as.Home().ListHomes(ctx)
	return d, err
}

func (x *clientAPI) Homes(ctx context.Context, userID int64) ([]models.Home, error) {
	return x.c.As(userID).Home().ListHomes(ctx)
}

func (x *clientAPI) Rooms(ctx context.Context, userID, homeID int64) ([]models.Room, error) {
	return x.c.As(userID).Home().ListRooms(ctx, homeID)
}

func (x *clientAPI) HomeDevices(ctx context.Context, userID, homeID int64) ([]models.Device, error) {
	return x.c.As(userID).Home().ListHomeDevices(ctx, homeID, true)
}

func (x *clientAPI) RoomDevices(ctx context.Context, userID, homeID, roomID int64) ([]models.Device, error) {
	return x.c.As(userID).Home().ListRoomDevices(ctx, homeID, roomID, true)
}

func (x *clientAPI) UserDevices(ctx context.Context, userID, afterID int64, limit int) ([]models.Device, int64, error) {
	return x.c.As(userID).Bind().ListDevicesPage(ctx, true, afterID, limit)
}

func (x *clientAPI) FleetCount(ctx context.Context) (int64, error) {
	return x.c.Warehouse().GetDeviceCount(ctx, "")
}

func (x *clientAPI) Fleet(ctx context.Context, offset, limit int) ([]FleetDevice, error) {
	rows, err := x.c.Warehouse().ListDevicesExt(ctx, "", offset, limit)
	out := make([]FleetDevice, len(rows))
	for i, r := range rows {
		out[i] = FleetDevice{Info: r.DeviceInfo, DeviceID: r.DeviceID, Name: r.Name, Owner: r.Owner, OwnerNickName: r.OwnerNickName, Online: r.Online}
	}
	return out, err
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
		msg := "no device has the physical id or MAC " + strconv.Quote(models.SanitizeLine(q))
		if truncated {
			msg += " among the first " + strconv.Itoa(acapi.MaxLookupScan) + " warehouse records"
		}
		return nil, &acapi.Error{Code: models.ErrDeviceAbsent, Message: msg, Service: "zc-warehouse", Method: "getDevicesInfo"}
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

func (x *clientAPI) Outbox(ctx context.Context, limit int) ([]OutboxEntry, error) {
	msgs, err := x.c.Account().ListSMSOutbox(ctx, limit)
	out := make([]OutboxEntry, len(msgs))
	for i, m := range msgs {
		t, _ := time.ParseInLocation(models.TimeLayout, m.SentAt, time.UTC)
		out[i] = OutboxEntry{Account: m.Account, Code: m.Code, Template: m.Template, SentAt: t}
	}
	return out, err
}

// Gateways lists the user's devices that are gateways of any product.
func (x *clientAPI) Gateways(ctx context.Context, userID int64) ([]models.Device, error) {
	prods, err := x.c.Product().GetDomainProducts(ctx)
	if err != nil {
		return nil, err
	}
	var out []models.Device
	as := x.c.As(userID).Bind()
	for _, p := range prods {
		gws, err := as.ListGateways(ctx, p.SubDomainName)
		if err != nil {
			return nil, err
		}
		out = append(out, gws...)
	}
	return out, nil
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

func (x *clientAPI) AddDeviceToHome(ctx context.Context, ref DeviceRef, homeID int64) error {
	_, err := x.c.As(ref.UserID).Home().AddDeviceToHome(ctx, homeID, ref.DeviceID, "")
	return err
}

func (x *clientAPI) MoveDeviceToRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error {
	return x.c.As(ref.UserID).Home().MoveDeviceToRoom(ctx, homeID, roomID, ref.DeviceID)
}

func (x *clientAPI) RemoveDeviceFromRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error {
	return x.c.As(ref.UserID).Home().RemoveDeviceFromRoom(ctx, homeID, roomID, ref.DeviceID)
}

func (x *clientAPI) CreateHome(ctx context.Context, userID int64, name string) error {
	_, err := x.c.As(userID).Home().CreateHome(ctx, name)
	return err
}

func (x *clientAPI) RenameHome(ctx context.Context, userID, homeID int64, name string) error {
	return x.c.As(userID).Home().ChangeHomeName(ctx, homeID, name)
}

func (x *clientAPI) DeleteHome(ctx context.Context, userID, homeID int64) error {
	return x.c.As(userID).Home().DeleteHome(ctx, homeID)
}

func (x *clientAPI) CreateRoom(ctx context.Context, userID, homeID int64, name string) error {
	_, err := x.c.As(userID).Home().CreateRoom(ctx, homeID, name)
	return err
}

func (x *clientAPI) RenameRoom(ctx context.Context, userID, homeID, roomID int64, name string) error {
	return x.c.As(userID).Home().ChangeRoomName(ctx, homeID, roomID, name)
}

func (x *clientAPI) DeleteRoom(ctx context.Context, userID, homeID, roomID int64) error {
	return x.c.As(userID).Home().DeleteRoom(ctx, homeID, roomID)
}

func (x *clientAPI) SetUserProfile(ctx context.Context, userID int64, key string, value any) error {
	return x.c.As(userID).Account().SetUserProfile(ctx, map[string]any{key: value})
}

func (x *clientAPI) SendVerifyCode(ctx context.Context, account string) error {
	return x.c.Account().SendVerifyCode(ctx, account, 1, 0)
}

// BindPhone sets a user's phone with the verify code the user received;
// under the developer's signature the password may be empty (PROTOCOL Q9).
func (x *clientAPI) BindPhone(ctx context.Context, userID int64, phone, code string) error {
	return x.c.As(userID).Account().ChangePhone(ctx, phone, "", code)
}
