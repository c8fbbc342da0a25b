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

// FindUser tries the query as an email, a phone, a user id and finally a
// WeChat OpenID, in the order that is least ambiguous.
func (x *clientAPI) FindUser(ctx context.Context, q string) (models.User, error) {
	q = strings.TrimSpace(q)
	acc := x.c.Account()
	if q == "" {
		return models.User{}, errorf("empty search")
	}
	if strings.Contains(q, "@") {
		id, err := acc.GetIDByAccount(ctx, q)
		if err != nil {
			return models.User{}, err
		}
		return acc.GetAccountInfo(ctx, id)
	}
	if isDigits(strings.TrimPrefix(q, "+")) {
		if len(q) >= 6 {
			if id, err := acc.GetIDByAccount(ctx, q); err == nil {
				return acc.GetAccountInfo(ctx, id)
			} else if !errors.Is(err, acapi.ErrNotFound) && acapi.Code(err) != models.ErrInvalidPhone {
				return models.User{}, err
			}
		}
		if id, err := strconv.ParseInt(q, 10, 64); err == nil {
			u, err := acc.GetAccountInfo(ctx, id)
			if err == nil || !errors.Is(err, acapi.ErrNotFound) {
				return u, err
			}
		}
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

// DeviceDetail gathers a device from the owner's point of view: the
// console acts for the user it came through, else for the owner.
func (x *clientAPI) DeviceDetail(ctx context.Context, ref DeviceRef) (DeviceDetail, error) {
	var d DeviceDetail
	dev := x.c
	b := dev.Bind()
	if ref.DeviceID == 0 && ref.PhysicalID != "" {
		info, err := x.findByPhysical(ctx, ref.PhysicalID)
		if err != nil {
			return d, err
		}
		ref.SubDomain = info.SubDomainName
		id, err := b.GetDeviceID(ctx, ref.SubDomain, ref.PhysicalID)
		if err != nil {
			d.Info = info
			d.Device = models.Device{PhysicalDeviceID: ref.PhysicalID, SubDomainName: ref.SubDomain, Name: "(not bound)"}
			return d, nil
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
	return d, nil
}

func (x *clientAPI) findByPhysical(ctx context.Context, pid string) (models.DeviceInfo, error) {
	infos, err := x.c.Warehouse().GetDevicesInfo(ctx, []string{pid})
	if err != nil {
		return models.DeviceInfo{}, err
	}
	if len(infos) == 0 {
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
