package wechat

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"acconsole/acapi"
	"acconsole/models"
	"acconsole/wechat/wxpush"
)

// The push handlers of ACBridgeWeChat (PROTOCOL §4.3, §4.5). They take the
// parsed push (wxpush.ParseMessage) rather than the XML text.

// OnEventSubscribe handles event/subscribe: the follower's OpenID
// (FromUserName) gets an AbleCloud account, registered on first sight,
// found afterwards. unionID may be empty.
func (b *Bridge) OnEventSubscribe(ctx context.Context, msg wxpush.Message, unionID string) (models.User, error) {
	const op = "OnEventSubscribe"
	openID := msg.UserOpenID()
	if err := checkOpenID(op, openID); err != nil {
		return models.User{}, b.done(op, err)
	}
	u, err := b.ensureUser(ctx, openID, unionID)
	return u, b.done(op, err)
}

// OnEventUnsubscribe handles event/unsubscribe: the user is unbound from
// every device in AbleCloud (an owner's unbind takes the device from every
// user). WeChat drops a leaving follower's bindings itself; the other users
// of devices the leaver owned are unbound in WeChat by a sync per device
// (the rule: syncBindingsByDevice after any AbleCloud-side unbind).
//
// A user without an account has nothing to unbind. Every device is tried
// even when one fails; the failures are returned together.
func (b *Bridge) OnEventUnsubscribe(ctx context.Context, msg wxpush.Message) error {
	return b.done("OnEventUnsubscribe", b.onEventUnsubscribe(ctx, msg, nil))
}

func (b *Bridge) onEventUnsubscribe(ctx context.Context, msg wxpush.Message, gw func(string) bool) error {
	const op = "OnEventUnsubscribe"
	openID := msg.UserOpenID()
	if err := checkOpenID(op, openID); err != nil {
		return err
	}
	u, err := b.lookupUser(ctx, openID)
	if acapi.Code(err) == models.ErrAccountAbsent {
		return nil
	}
	if err != nil {
		return err
	}
	devs, err := b.userDevices(ctx, u.UserID, false)
	if err != nil {
		return err
	}
	ids := map[int64]bool{}
	for _, d := range devs {
		ids[d.DeviceID] = true
	}
	var errs []error
	failed := map[int64]bool{}
	for _, d := range devs {
		if d.IsSubDevice() && ids[d.GatewayDeviceID] {
			continue // leaves with its gateway
		}
		if err := b.unbindAC(ctx, u.UserID, d, isGatewayIn(d, devs, gw)); err != nil {
			errs = append(errs, err)
			failed[d.DeviceID] = true
		}
	}
	// The devices that changed are synced, sub-devices included (their
	// users changed with the gateway's). One whose unbind failed is not:
	// the sync would bind the leaver again in WeChat, while WeChat's retry
	// (or the next sync) finishes the job.
	for _, d := range devs {
		if failed[d.DeviceID] || failed[d.GatewayDeviceID] {
			continue
		}
		b.bestEffort(op, "sync device", b.syncDevice(ctx, d.PhysicalDeviceID, b.accountID, d.SubDomainName))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// In case WeChat kept any binding of the leaver (the user has no
	// device left in AbleCloud, so each is compel_unbind-ed).
	_, _, serr := b.syncUser(ctx, openID, "")
	b.bestEffort(op, "sync user", serr)
	return nil
}

// OnDeviceEventBind handles device_event/bind, pushed after a user scanned
// a device QR code (and WeChat bound the device on its side). The QR's data
// (Content, PROTOCOL §4.4 and Q7) decides how AbleCloud binds: with a share
// code the user joins the device as an ordinary user; without one, the user
// binds it as a gateway or device of the product the QR names (the QR's
// sub_domain wins over subDomain), and becomes its owner if nobody is.
// deviceName names a newly bound device. The user is registered if the
// subscribe push has not been handled yet.
//
// Then the user's bindings are synced: WeChat gets the gateway's
// sub-devices, and a bind AbleCloud refused (a device someone else owns,
// scanned without a share code) is taken back in WeChat, because AbleCloud
// is the record. A bind of a device the user already holds succeeds, so a
// rescanned QR or a retried push is harmless.
func (b *Bridge) OnDeviceEventBind(ctx context.Context, msg wxpush.Message, deviceName, subDomain string, isGateway bool) (models.Device, error) {
	d, err := b.onDeviceEventBind(ctx, msg, deviceName, subDomain, constGateway(isGateway))
	return d, b.done("OnDeviceEventBind", err)
}

func (b *Bridge) onDeviceEventBind(ctx context.Context, msg wxpush.Message, name, sub string, gw func(string) bool) (models.Device, error) {
	const op = "OnDeviceEventBind"
	openID, pid := msg.UserOpenID(), msg.DeviceID
	if err := checkOpenID(op, openID); err != nil {
		return models.Device{}, err
	}
	if err := checkPID(op, pid); err != nil {
		return models.Device{}, err
	}
	qr, qerr := wxpush.DecodeQRContent(msg.Content)
	if qerr != nil {
		// Q7: data that does not decode is ignored, and the device is
		// bound as a plain QR would bind it.
		b.log.Warn("bind push: ignoring QR data that does not decode", "openid", openID, "device", pid, "err", qerr)
		qr = wxpush.QRData{}
	}
	if qr.SubDomain != "" {
		sub = qr.SubDomain
	}
	if sub == "" {
		return models.Device{}, refused(op, errNoProduct, "device %s: the QR code names no product (sub_domain) and no default product is configured", pid)
	}
	u, err := b.ensureUser(ctx, openID, "")
	if err != nil {
		return models.Device{}, err
	}
	d, err := b.bindAC(ctx, u.UserID, pid, name, sub, qr.ShareCode, gw(sub))
	if err != nil && Retryable(err) {
		// Not a refusal: leave WeChat's binding for the retry to confirm
		// rather than take it back now.
		return models.Device{}, err
	}
	if err != nil {
		b.log.Info("bind push: AbleCloud refused the bind; WeChat follows AbleCloud", "openid", openID, "device", pid, "err", err)
	}
	_, _, serr := b.syncUser(ctx, openID, "")
	b.bestEffort(op, "sync user", serr)
	return d, err
}

// bindAC binds pid of product sub to the user in AbleCloud: with a share
// code if there is one, else as a gateway or a device. "Already bound" is
// success when the user holds the device.
func (b *Bridge) bindAC(ctx context.Context, userID int64, pid, name, sub, shareCode string, gateway bool) (models.Device, error) {
	bind := b.ac.As(userID).Bind()
	var d models.Device
	var err error
	switch {
	case shareCode != "":
		if err := b.checkShareCode(ctx, pid, sub, shareCode); err != nil {
			return models.Device{}, err
		}
		d, err = bind.BindDeviceWithShareCode(ctx, shareCode)
	case gateway:
		d, err = bind.BindGateway(ctx, sub, pid, name)
	default:
		d, err = bind.BindDevice(ctx, sub, pid, name)
	}
	if err == nil || acapi.Code(err) != models.ErrDeviceAlreadyBound {
		return d, err
	}
	devs, lerr := b.userDevices(ctx, userID, false)
	if lerr != nil {
		return models.Device{}, err
	}
	if held, ok := findDevice(devs, pid, sub); ok {
		return held, nil
	}
	return models.Device{}, err
}

// checkShareCode refuses a share code that names another device than the
// one WeChat bound: the QR's ticket and its data are separate, and binding
// the user to a device they did not scan would leave the two sides
// disagreeing about which device the user has.
func (b *Bridge) checkShareCode(ctx context.Context, pid, sub, code string) error {
	const op = "OnDeviceEventBind"
	i := strings.LastIndexByte(code, '#')
	if i < 0 {
		return nil // not the documented format; AbleCloud judges it
	}
	want, perr := strconv.ParseInt(code[i+1:], 10, 64)
	if perr != nil {
		return nil
	}
	id, err := b.ac.Bind().GetDeviceID(ctx, sub, pid)
	if acapi.Code(err) == models.ErrDeviceAbsent {
		return refused(op, errShareCodeNoOwner, "the share code is for device %d, but device %s of %s has no owner to share it", want, pid, sub)
	}
	if err != nil {
		return err
	}
	if id != want {
		return refused(op, errShareCodeOtherDevice, "the share code is for device %d, but the QR code is device %s (%d)", want, pid, id)
	}
	return nil
}

// OnDeviceEventUnbind handles device_event/unbind: the user removed the
// device in WeChat, so it is unbound in AbleCloud too (as a gateway when
// isGateway), then the device's users and the user's devices are synced
// (an owner's unbind removes every user). The product comes from the user's
// own device list; subDomain is the fall-back for the device sync when the
// user does not hold the device in AbleCloud.
func (b *Bridge) OnDeviceEventUnbind(ctx context.Context, msg wxpush.Message, subDomain string, isGateway bool) error {
	return b.done("OnDeviceEventUnbind", b.onDeviceEventUnbind(ctx, msg, subDomain, constGateway(isGateway)))
}

func (b *Bridge) onDeviceEventUnbind(ctx context.Context, msg wxpush.Message, sub string, gw func(string) bool) error {
	const op = "OnDeviceEventUnbind"
	openID, pid := msg.UserOpenID(), msg.DeviceID
	if err := checkOpenID(op, openID); err != nil {
		return err
	}
	if err := checkPID(op, pid); err != nil {
		return err
	}
	deviceType := msg.DeviceType
	if deviceType == "" {
		deviceType = b.accountID
	}
	u, err := b.lookupUser(ctx, openID)
	switch {
	case acapi.Code(err) == models.ErrAccountAbsent:
		// No account, so no AbleCloud binding to remove.
	case err != nil:
		return err
	default:
		devs, err := b.userDevices(ctx, u.UserID, false)
		if err != nil {
			return err
		}
		if d, ok := findDevice(devs, pid, sub); ok {
			sub = d.SubDomainName
			if err := b.unbindAC(ctx, u.UserID, d, isGatewayIn(d, devs, gw)); err != nil {
				return err
			}
		}
	}
	if sub != "" {
		b.bestEffort(op, "sync device", b.syncDevice(ctx, pid, deviceType, sub))
	}
	_, _, serr := b.syncUser(ctx, openID, "")
	b.bestEffort(op, "sync user", serr)
	return nil
}

// OnDeviceEventSubscribeStatus handles device_event/subscribe_status (the
// user opened the device's page) and returns the device_status passive
// reply (PROTOCOL §4.3c). With doSync the user's bindings are synced first
// and the device's state comes from that listing; otherwise it is one
// isDeviceOnline call. A device the user does not hold in AbleCloud is
// reported as not connected.
func (b *Bridge) OnDeviceEventSubscribeStatus(ctx context.Context, msg wxpush.Message, doSync bool) ([]byte, error) {
	reply, err := b.statusReply(ctx, "OnDeviceEventSubscribeStatus", msg, doSync)
	return reply, b.done("OnDeviceEventSubscribeStatus", err)
}

// OnDeviceEventUnsubscribeStatus handles device_event/unsubscribe_status;
// the reply is the same device_status message.
func (b *Bridge) OnDeviceEventUnsubscribeStatus(ctx context.Context, msg wxpush.Message, doSync bool) ([]byte, error) {
	reply, err := b.statusReply(ctx, "OnDeviceEventUnsubscribeStatus", msg, doSync)
	return reply, b.done("OnDeviceEventUnsubscribeStatus", err)
}

func (b *Bridge) statusReply(ctx context.Context, op string, msg wxpush.Message, doSync bool) ([]byte, error) {
	openID, pid := msg.UserOpenID(), msg.DeviceID
	if err := checkOpenID(op, openID); err != nil {
		return nil, err
	}
	if err := checkPID(op, pid); err != nil {
		return nil, err
	}
	var online bool
	if doSync {
		var listed bool
		var err error
		online, listed, err = b.syncUser(ctx, openID, pid)
		if !listed {
			return nil, err
		}
		// The state is known; a repair that failed is the next sync's.
		b.bestEffort(op, "sync user", err)
	} else {
		var err error
		if online, err = b.deviceOnline(ctx, openID, pid); err != nil {
			return nil, err
		}
	}
	return wxpush.StatusReply(msg, online, b.now()), nil
}

// deviceOnline asks AbleCloud whether the user's device is connected; the
// push names no product, so the user's device list supplies it.
func (b *Bridge) deviceOnline(ctx context.Context, openID, pid string) (bool, error) {
	u, err := b.lookupUser(ctx, openID)
	if acapi.Code(err) == models.ErrAccountAbsent {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	devs, err := b.userDevices(ctx, u.UserID, false)
	if err != nil {
		return false, err
	}
	d, ok := findDevice(devs, pid, "")
	if !ok {
		return false, nil
	}
	return b.ac.As(u.UserID).Bind().IsDeviceOnline(ctx, d.SubDomainName, 0, pid)
}

// bestEffort logs the failure of a follow-up sync (see the package
// documentation for why it does not fail the method).
func (b *Bridge) bestEffort(op, what string, err error) {
	if err != nil {
		b.log.Warn(op+": "+what+" failed; the next sync repairs it", "err", err)
	}
}
