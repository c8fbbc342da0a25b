package wechat

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"acconsole/acapi"
	"acconsole/models"
	"acconsole/wechat/wxapi"
)

// --- accounts -----------------------------------------------------------------

// GetUser returns the AbleCloud account of an OpenID (getUserByOpenId). It
// does not register: accounts are created when a user follows or binds
// (OnEventSubscribe, OnDeviceEventBind, CheckAndBindDevice), and a look-up
// that created accounts would let any OpenID a caller invents become one.
func (b *Bridge) GetUser(ctx context.Context, openID string) (models.User, error) {
	const op = "GetUser"
	if err := checkOpenID(op, openID); err != nil {
		return models.User{}, b.done(op, err)
	}
	u, err := b.lookupUser(ctx, openID)
	return u, b.done(op, err)
}

// GetUserOpenID returns the WeChat OpenID of an AbleCloud user (3501 when
// the user has none).
func (b *Bridge) GetUserOpenID(ctx context.Context, userID int64) (string, error) {
	const op = "GetUserOpenID"
	if userID <= 0 {
		return "", b.done(op, invalid(op, "user id %d is not a user", userID))
	}
	id, err := b.ac.Account().GetUserOpenID(ctx, userID, Provider)
	return id, b.done(op, err)
}

// SetPhone sets the phone number of the OpenID's account, with the verify
// code AbleCloud sent to that phone. The bridge knows no password, so it
// sends an empty one, which AbleCloud accepts under a developer signature
// (PROTOCOL Q9).
func (b *Bridge) SetPhone(ctx context.Context, openID, phone, verifyCode string) error {
	const op = "SetPhone"
	if err := checkOpenID(op, openID); err != nil {
		return b.done(op, err)
	}
	if phone == "" || verifyCode == "" {
		return b.done(op, invalid(op, "a phone number and its verify code are required"))
	}
	u, err := b.lookupUser(ctx, openID)
	if err != nil {
		return b.done(op, err)
	}
	return b.done(op, b.ac.As(u.UserID).Account().ChangePhone(ctx, phone, "", verifyCode))
}

// --- syncs --------------------------------------------------------------------

// SyncBindings makes WeChat's bindings of the user equal AbleCloud's
// (PROTOCOL §4.5): devices the user has in AbleCloud but not in WeChat are
// compel_bind-ed, devices bound in WeChat only are compel_unbind-ed. It
// returns whether the device statusPID (a physical id, may be empty) is
// online according to the same listing; false when the user does not hold
// it. An OpenID without an AbleCloud account holds nothing, so all its
// WeChat bindings go.
//
// Every repair is tried even when one fails; the failures come back
// together, with the online flag still valid when the listing worked.
func (b *Bridge) SyncBindings(ctx context.Context, openID, statusPID string) (bool, error) {
	const op = "SyncBindings"
	if err := checkOpenID(op, openID); err != nil {
		return false, b.done(op, err)
	}
	online, _, err := b.syncUser(ctx, openID, statusPID)
	return online, b.done(op, err)
}

// syncUser is SyncBindings; listed reports whether AbleCloud's listing
// worked (so that online means something even when a repair failed).
func (b *Bridge) syncUser(ctx context.Context, openID, statusPID string) (online, listed bool, err error) {
	have := map[string]models.Device{} // AbleCloud, by physical id
	u, err := b.lookupUser(ctx, openID)
	switch {
	case acapi.Code(err) == models.ErrAccountAbsent:
	case err != nil:
		return false, false, err
	default:
		devs, err := b.userDevices(ctx, u.UserID, true)
		if err != nil {
			return false, false, err
		}
		for _, d := range devs {
			if d.PhysicalDeviceID != "" {
				have[d.PhysicalDeviceID] = d
			}
		}
	}
	if d, ok := have[statusPID]; ok && statusPID != "" {
		online = d.Online()
	}
	wx, err := b.wx.GetBindDevices(ctx, openID)
	if err != nil {
		return online, true, err
	}
	inWX := map[string]bool{}
	for _, d := range wx {
		// Only this account's devices are ours to reconcile.
		if d.DeviceType == "" || d.DeviceType == b.accountID {
			inWX[d.DeviceID] = true
		}
	}
	var errs []error
	for _, pid := range sortedKeys(have) {
		if !inWX[pid] {
			errs = append(errs, b.compel(ctx, true, openID, pid))
		}
	}
	for _, pid := range sortedKeys(inWX) {
		if _, ok := have[pid]; !ok {
			errs = append(errs, b.compel(ctx, false, openID, pid))
		}
	}
	return online, true, errors.Join(errs...)
}

// SyncBindingsByDevice makes WeChat's users of a device equal AbleCloud's
// (PROTOCOL §4.5): AbleCloud users with a WeChat OpenID who are not bound in
// WeChat are compel_bind-ed; OpenIDs bound in WeChat that are not AbleCloud
// users of the device are compel_unbind-ed. deviceType "" means the
// account's gh_ id. A device nobody holds in AbleCloud has no users.
func (b *Bridge) SyncBindingsByDevice(ctx context.Context, physicalID, deviceType, subDomain string) error {
	const op = "SyncBindingsByDevice"
	if err := checkPID(op, physicalID); err != nil {
		return b.done(op, err)
	}
	if subDomain == "" {
		return b.done(op, invalid(op, "device %s: the product (sub-domain) is required", physicalID))
	}
	if deviceType == "" {
		deviceType = b.accountID
	}
	return b.done(op, b.syncDevice(ctx, physicalID, deviceType, subDomain))
}

func (b *Bridge) syncDevice(ctx context.Context, pid, deviceType, sub string) error {
	want, err := b.deviceOpenIDs(ctx, pid, sub)
	if err != nil {
		return err
	}
	have, err := b.wx.GetOpenIDs(ctx, deviceType, pid)
	if err != nil {
		return err
	}
	inWX := map[string]bool{}
	for _, id := range have {
		inWX[id] = true
	}
	var errs []error
	for _, id := range sortedKeys(want) {
		if !inWX[id] {
			errs = append(errs, b.compel(ctx, true, id, pid))
		}
	}
	for _, id := range sortedKeys(inWX) {
		if !want[id] {
			errs = append(errs, b.compel(ctx, false, id, pid))
		}
	}
	return errors.Join(errs...)
}

// deviceOpenIDs returns the OpenIDs of the device's AbleCloud users. Users
// without a WeChat identity (app users) are left out; any other failure is
// an error, because a partial set would compel_unbind users who are in
// fact bound.
func (b *Bridge) deviceOpenIDs(ctx context.Context, pid, sub string) (map[string]bool, error) {
	out := map[string]bool{}
	bind := b.ac.Bind()
	id, err := bind.GetDeviceID(ctx, sub, pid)
	if acapi.Code(err) == models.ErrDeviceAbsent {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	users, err := bind.ListUsers(ctx, sub, id)
	if acapi.Code(err) == models.ErrDeviceAbsent {
		return out, nil // unbound between the two calls
	}
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		oid, err := b.ac.Account().GetUserOpenID(ctx, u.UserID, Provider)
		if acapi.Code(err) == models.ErrAccountAbsent {
			continue
		}
		if err != nil {
			return nil, err
		}
		if oid != "" {
			out[oid] = true
		}
	}
	return out, nil
}

// compel forces a binding on or off in WeChat.
func (b *Bridge) compel(ctx context.Context, bind bool, openID, pid string) error {
	var err error
	if bind {
		err = b.wx.CompelBind(ctx, pid, openID)
	} else {
		err = b.wx.CompelUnbind(ctx, pid, openID)
	}
	if err != nil {
		verb := map[bool]string{true: "compel_bind", false: "compel_unbind"}[bind]
		return fmt.Errorf("%s %s to %s: %w", verb, openID, pid, err)
	}
	b.log.Info("WeChat binding synced", "openid", openID, "device", pid, "bound", bind)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// --- homes ----------------------------------------------------------------------

// DeleteHome deletes one of the user's homes, which unbinds its devices
// from its members (PROTOCOL §2.3), and then syncs each of those devices in
// WeChat. Homes of WeChat users must be deleted here rather than directly
// in AbleCloud, or WeChat keeps the bindings (DG-WX).
func (b *Bridge) DeleteHome(ctx context.Context, openID string, homeID int64) error {
	const op = "DeleteHome"
	if err := checkOpenID(op, openID); err != nil {
		return b.done(op, err)
	}
	if homeID <= 0 {
		return b.done(op, invalid(op, "home id %d is not a home", homeID))
	}
	u, err := b.lookupUser(ctx, openID)
	if err != nil {
		return b.done(op, err)
	}
	home := b.ac.As(u.UserID).Home()
	devs, err := home.ListHomeDevices(ctx, homeID, false)
	if err != nil {
		return b.done(op, err)
	}
	if err := home.DeleteHome(ctx, homeID); err != nil {
		return b.done(op, err)
	}
	for _, d := range devs {
		b.bestEffort(op, "sync device", b.syncDevice(ctx, d.PhysicalDeviceID, b.accountID, d.SubDomainName))
	}
	return b.done(op, nil)
}

// --- binding from the server side ------------------------------------------------

// CheckAndBindDevice binds a device to a user on both sides, for binds that
// do not start with a QR scan (an H5 page, a support tool): WeChat must have
// the device authorised (get_stat), AbleCloud binds it (as a gateway when
// isGateway; a device the user already holds is fine), WeChat gets the
// binding if it lacks it, and the user's bindings are synced. The user is
// registered if the OpenID has no account yet.
func (b *Bridge) CheckAndBindDevice(ctx context.Context, openID, physicalID, deviceName, subDomain string, isGateway bool) error {
	const op = "CheckAndBindDevice"
	if err := checkOpenID(op, openID); err != nil {
		return b.done(op, err)
	}
	if err := checkPID(op, physicalID); err != nil {
		return b.done(op, err)
	}
	if subDomain == "" {
		return b.done(op, invalid(op, "device %s: the product (sub-domain) is required", physicalID))
	}
	stat, err := b.wx.GetStat(ctx, physicalID)
	if err != nil {
		return b.done(op, err)
	}
	if stat.Status == wxapi.StatUnauthorized {
		msg := fmt.Sprintf("device %s is not authorised on the WeChat hardware platform (get_stat: %s)", physicalID, stat.Status)
		return b.done(op, &Error{Op: op, Code: CodeNotAuthorized, Msg: msg, Err: errors.New(msg)})
	}
	wxDevs, err := b.wx.GetBindDevices(ctx, openID)
	if err != nil {
		return b.done(op, err)
	}
	inWX := slices.ContainsFunc(wxDevs, func(d wxapi.BoundDevice) bool {
		return d.DeviceID == physicalID && (d.DeviceType == "" || d.DeviceType == b.accountID)
	})
	u, err := b.ensureUser(ctx, openID, "")
	if err != nil {
		return b.done(op, err)
	}
	if _, err := b.bindAC(ctx, u.UserID, physicalID, deviceName, subDomain, "", isGateway); err != nil {
		return b.done(op, err)
	}
	if !inWX {
		if err := b.wxBind(ctx, "", openID, physicalID); err != nil {
			return b.done(op, err)
		}
	}
	_, _, serr := b.syncUser(ctx, openID, "")
	b.bestEffort(op, "sync user", serr)
	return b.done(op, nil)
}

// WxBindDevice binds the user to the device in WeChat only. WeChat's bind
// wants a device-operation ticket that only the user's WeChat page can get
// (JS-API getWXDeviceTicket), which a server does not have, so this is a
// forced bind (compel_bind), as the PHP SDK falls back to. Pages that have
// a ticket use WxBindDeviceWithTicket.
func (b *Bridge) WxBindDevice(ctx context.Context, openID, physicalID string) error {
	return b.WxBindDeviceWithTicket(ctx, "", openID, physicalID)
}

// WxBindDeviceWithTicket binds with WeChat's bind and the page's ticket,
// falling back to compel_bind when there is no ticket or bind fails.
func (b *Bridge) WxBindDeviceWithTicket(ctx context.Context, ticket, openID, physicalID string) error {
	const op = "WxBindDevice"
	if err := checkOpenID(op, openID); err != nil {
		return b.done(op, err)
	}
	if err := checkPID(op, physicalID); err != nil {
		return b.done(op, err)
	}
	return b.done(op, b.wxBind(ctx, ticket, openID, physicalID))
}

func (b *Bridge) wxBind(ctx context.Context, ticket, openID, pid string) error {
	var first error
	if ticket != "" {
		if first = b.wx.Bind(ctx, ticket, pid, openID); first == nil {
			return nil
		}
		b.log.Info("WeChat bind with a ticket failed; forcing it", "openid", openID, "device", pid, "err", first)
	}
	if err := b.wx.CompelBind(ctx, pid, openID); err != nil {
		return errors.Join(first, err)
	}
	return nil
}

// WxUnbindDevice removes the user's binding in WeChat only, with
// compel_unbind (see WxBindDevice for why there is no ticket).
func (b *Bridge) WxUnbindDevice(ctx context.Context, openID, physicalID string) error {
	return b.WxUnbindDeviceWithTicket(ctx, "", openID, physicalID)
}

// WxUnbindDeviceWithTicket unbinds with WeChat's unbind and the page's
// ticket, falling back to compel_unbind.
func (b *Bridge) WxUnbindDeviceWithTicket(ctx context.Context, ticket, openID, physicalID string) error {
	const op = "WxUnbindDevice"
	if err := checkOpenID(op, openID); err != nil {
		return b.done(op, err)
	}
	if err := checkPID(op, physicalID); err != nil {
		return b.done(op, err)
	}
	var first error
	if ticket != "" {
		if first = b.wx.Unbind(ctx, ticket, physicalID, openID); first == nil {
			return b.done(op, nil)
		}
	}
	if err := b.wx.CompelUnbind(ctx, physicalID, openID); err != nil {
		return b.done(op, errors.Join(first, err))
	}
	return b.done(op, nil)
}
