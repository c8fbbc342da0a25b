package wechat

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/hub"
	"acconsole/models"
	"acconsole/wechat/wxpush"
)

// TestFollowScanShareUnfollow is the life of a device in WeChat: a new user
// scans its QR code (follow + bind), shares it with a QR carrying a share
// code, a third user's scan without a code is refused and rolled back, the
// device page shows the online state, and the owner's unfollow unbinds
// everybody on both sides.
func TestFollowScanShareUnfollow(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	pid := e.device("plug", true)
	const alice, bob, carol = "o_alice_0000000000000000001", "o_bob_00000000000000000002", "o_carol_000000000000000003"

	qr := e.qr(pid, "")
	ticket, data, err := wxpush.SplitQRString(qr)
	if err != nil || data.SubDomain != "plug" || data.ShareCode != "" || ticket != e.emu.QRTicket(pid) {
		t.Fatalf("plain QR %q: ticket %q data %+v err %v", qr, ticket, data, err)
	}
	if !strings.HasSuffix(qr, `#{"sub_domain":"plug"}`) {
		t.Fatalf("QR %q: want the §4.4 form", qr)
	}

	// A new user scans: WeChat pushes subscribe and bind.
	e.scan(alice, qr)
	u := e.user(alice)
	ids, err := e.dev.As(u.UserID).Account().ListAllOpenIDs(ctx)
	if err != nil || !slices.ContainsFunc(ids, func(o models.OpenID) bool { return o.Provider == "weixin" && o.OpenID == alice }) {
		t.Fatalf("alice's identities %+v, %v: want weixin/%s", ids, err, alice)
	}
	e.agree(alice, pid)
	devs, _ := e.dev.As(u.UserID).Bind().ListDevices(ctx, false)
	if len(devs) != 1 || devs[0].Owner != u.UserID || devs[0].Name != "WeChat device" {
		t.Fatalf("alice's devices %+v: want one she owns, named by the callback config", devs)
	}
	if id, err := e.bridge.GetUserOpenID(ctx, u.UserID); err != nil || id != alice {
		t.Fatalf("GetUserOpenID = %q, %v", id, err)
	}

	// Alice shares: Bob scans a QR with her share code and joins as an
	// ordinary user.
	shareQR := e.qr(pid, alice)
	if _, d, err := wxpush.SplitQRString(shareQR); err != nil || d.SubDomain != "plug" || !strings.HasSuffix(d.ShareCode, "#"+strconv.FormatInt(devs[0].DeviceID, 10)) {
		t.Fatalf("share QR %q: %+v %v", shareQR, d, err)
	}
	e.scan(bob, shareQR)
	e.agree(bob, pid)
	e.agree(alice, pid)
	users, err := e.dev.Bind().ListUsers(ctx, "plug", devs[0].DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	ub := e.user(bob)
	for _, du := range users {
		if du.UserID == ub.UserID && du.UserType != 0 {
			t.Fatalf("bob is %+v, want an ordinary user", du)
		}
	}

	// Carol scans the plain QR: the device has an owner, AbleCloud refuses,
	// and WeChat's binding is taken back.
	e.scan(carol, qr)
	e.user(carol) // she followed, so she has an account
	e.agree(carol)

	// The device page shows the state AbleCloud knows.
	r, err := e.emu.OpenDevicePage(ctx, bob, pid)
	if err != nil || r.DeviceStatus != 1 {
		t.Fatalf("status of an online device: %+v, %v", r, err)
	}
	e.cloud.Hub.Disconnect(hub.Key{SubDomain: "plug", PhysicalID: pid})
	r, err = e.emu.OpenDevicePage(ctx, alice, pid)
	if err != nil || r.DeviceStatus != 0 {
		t.Fatalf("status of an offline device: %+v, %v", r, err)
	}

	// Alice (the owner) unfollows: every binding goes, on both sides.
	if err := e.emu.Unfollow(ctx, alice); err != nil {
		t.Fatal(err)
	}
	e.agree(alice)
	e.agree(bob)
	if bs := e.emu.Bindings(); len(bs) != 0 {
		t.Fatalf("WeChat still has bindings %v", bs)
	}
}

// TestUnbindPush: a user removing the device in WeChat unbinds it in
// AbleCloud; an owner's removal takes it from the shared user in WeChat too.
func TestUnbindPush(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	pid, other := e.device("plug", true), e.device("plug", false)
	const dan, eve = "o_dan_00000000000000000000001", "o_eve_00000000000000000000002"
	e.scan(dan, e.qr(pid, ""))
	e.scan(dan, e.qr(other, ""))
	e.scan(eve, e.qr(pid, dan))
	e.agree(eve, pid)

	// The ordinary user leaves: only she goes.
	if err := e.emu.UnbindDevice(ctx, eve, pid); err != nil {
		t.Fatal(err)
	}
	e.agree(eve)
	e.agree(dan, pid, other)

	// Back again, then the owner leaves: everybody goes.
	e.scan(eve, e.qr(pid, dan))
	e.agree(eve, pid)
	if err := e.emu.UnbindDevice(ctx, dan, pid); err != nil {
		t.Fatal(err)
	}
	e.agree(dan, other)
	e.agree(eve)
}

// TestSyncBindingsRepairs diverges the two sides in each direction and lets
// the syncs repair them, AbleCloud being the record.
func TestSyncBindingsRepairs(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	const fay, gus = "o_fay_00000000000000000000001", "o_gus_00000000000000000000002"
	d1, d2, d3 := e.device("plug", false), e.device("plug", false), e.device("plug", true)
	e.scan(fay, e.qr(d1, ""))
	u := e.user(fay)

	// WeChat only: a binding AbleCloud never heard of.
	e.emu.SetBinding(fay, d2, true)
	// AbleCloud only: a bind made outside WeChat.
	dev3, err := e.dev.As(u.UserID).Bind().BindDevice(ctx, "plug", d3, "Side door")
	if err != nil {
		t.Fatal(err)
	}
	// Unbound in AbleCloud, still bound in WeChat.
	devs, _ := e.dev.As(u.UserID).Bind().ListDevices(ctx, false)
	for _, d := range devs {
		if d.PhysicalDeviceID == d1 {
			if err := e.dev.As(u.UserID).Bind().UnbindDevice(ctx, "plug", d.DeviceID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if slices.Equal(e.acDevices(fay), e.wxDevices(fay)) {
		t.Fatal("setup: the sides should disagree")
	}
	online, err := e.bridge.SyncBindings(ctx, fay, d3)
	if err != nil || !online {
		t.Fatalf("SyncBindings = %v, %v; want d3 online", online, err)
	}
	e.agree(fay, d3)
	if le := e.bridge.LastError(); le.ErrCode != 0 {
		t.Fatalf("LastError after success = %+v", le)
	}

	// By device: Gus joins d3 in AbleCloud only (as a WeChat user without
	// the WeChat binding); a stranger is bound in WeChat only.
	if _, err := e.bridge.OnEventSubscribe(ctx, wxpush.Message{FromUserName: gus}, ""); err != nil {
		t.Fatal(err)
	}
	code, err := e.dev.As(u.UserID).Bind().GetShareCode(ctx, "plug", dev3.DeviceID, 60)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.dev.As(e.user(gus).UserID).Bind().BindDeviceWithShareCode(ctx, code); err != nil {
		t.Fatal(err)
	}
	e.emu.SetBinding("o_stranger_0000000000000000", d3, true)
	if err := e.bridge.SyncBindingsByDevice(ctx, d3, "", "plug"); err != nil {
		t.Fatal(err)
	}
	e.agree(gus, d3)
	e.agree(fay, d3)
	if e.emu.IsBound("o_stranger_0000000000000000", d3) {
		t.Fatal("a WeChat-only user of d3 was kept")
	}
}

// TestServerSideBinds covers the methods that start outside a QR scan.
func TestServerSideBinds(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	const hal = "o_hal_00000000000000000000001"
	pid := e.device("plug", true)

	if err := e.bridge.CheckAndBindDevice(ctx, hal, pid, "Kettle", "plug", false); err != nil {
		t.Fatal(err)
	}
	e.agree(hal, pid)
	// Idempotent: the user already holds it on both sides.
	if err := e.bridge.CheckAndBindDevice(ctx, hal, pid, "Kettle", "plug", false); err != nil {
		t.Fatal(err)
	}

	// A device WeChat has not authorised.
	unauth := "UNAUTHORISED0001"
	err := e.bridge.CheckAndBindDevice(ctx, hal, unauth, "X", "plug", false)
	var be *Error
	if !errors.As(err, &be) || be.Code != CodeNotAuthorized {
		t.Fatalf("unauthorised device: %v", err)
	}
	if le := e.bridge.LastError(); le.ErrCode != CodeNotAuthorized || le.ErrMessage == "" {
		t.Fatalf("LastError = %+v", le)
	}

	// WeChat-only binds and unbinds fall back to the forced calls.
	if err := e.bridge.WxUnbindDevice(ctx, hal, pid); err != nil || e.emu.IsBound(hal, pid) {
		t.Fatalf("WxUnbindDevice: %v", err)
	}
	if err := e.bridge.WxBindDevice(ctx, hal, pid); err != nil || !e.emu.IsBound(hal, pid) {
		t.Fatalf("WxBindDevice: %v", err)
	}
	ticket := e.emu.IssueDeviceTicket(pid)
	if err := e.bridge.WxUnbindDeviceWithTicket(ctx, ticket, hal, pid); err != nil || e.emu.IsBound(hal, pid) {
		t.Fatalf("WxUnbindDeviceWithTicket: %v", err)
	}
	if err := e.bridge.WxBindDeviceWithTicket(ctx, "bogus-ticket", hal, pid); err != nil || !e.emu.IsBound(hal, pid) {
		t.Fatalf("WxBindDeviceWithTicket with a bad ticket must fall back: %v", err)
	}
	// A WeChat failure keeps WeChat's code.
	err = e.bridge.WxUnbindDevice(ctx, hal, "UNAUTHORISED0002")
	if !errors.As(err, &be) || be.WXCode == 0 || be.ACCode != 0 || be.Code != be.WXCode {
		t.Fatalf("WeChat failure: %#v", err)
	}

	// DeviceQR for an AbleCloud user: the console's share QR.
	u := e.user(hal)
	s, err := e.bridge.DeviceQR(ctx, u.UserID, "plug", pid, true, 0)
	if _, d, perr := wxpush.SplitQRString(s); err != nil || perr != nil || d.ShareCode == "" || d.SubDomain != "plug" {
		t.Fatalf("DeviceQR = %q, %v", s, err)
	}
	// Only the owner can share.
	const ivy = "o_ivy_00000000000000000000002"
	if _, err := e.bridge.OnEventSubscribe(ctx, wxpush.Message{FromUserName: ivy}, ""); err != nil {
		t.Fatal(err)
	}
	s, err = e.bridge.GetDeviceQRCode(ctx, pid, "plug", true, ivy, time.Minute)
	if s != "" || !errors.As(err, &be) || be.ACCode == 0 {
		t.Fatalf("a non-owner's share QR = %q, %v", s, err)
	}
	if le := e.bridge.LastError(); le.ErrCode != be.ACCode {
		t.Fatalf("LastError = %+v, want AbleCloud's %d", le, be.ACCode)
	}
	// GetUser looks up and never registers.
	if _, err := e.bridge.GetUser(ctx, "o_nobody_000000000000000000"); acapi.Code(err) != models.ErrAccountAbsent {
		t.Fatalf("GetUser of a stranger: %v", err)
	}
	e.noUser("o_nobody_000000000000000000")
}

// TestShareCodeForAnotherDevice: a QR whose share code names a device other
// than the one scanned binds nothing.
func TestShareCodeForAnotherDevice(t *testing.T) {
	e := newEnv(t)
	const jo, kim = "o_jo_000000000000000000000001", "o_kim_00000000000000000000002"
	a, b := e.device("plug", false), e.device("plug", false)
	e.scan(jo, e.qr(a, ""))
	e.scan(jo, e.qr(b, ""))
	_, dataA, _ := wxpush.SplitQRString(e.qr(a, jo))
	// Device b's ticket with device a's share code.
	forged := wxpush.BuildQRString(e.emu.QRTicket(b), "plug", dataA.ShareCode)
	e.scan(kim, forged)
	e.agree(kim)
}

// TestSetPhoneAndDeleteHome: a WeChat user gets a phone number (Q9: no
// password), and deleting a home through the bridge keeps WeChat in step.
func TestSetPhoneAndDeleteHome(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	const lee = "o_lee_00000000000000000000001"
	pid := e.device("plug", false)
	e.scan(lee, e.qr(pid, ""))
	u := e.user(lee)

	phone := "13900000077"
	acc := e.dev.Account()
	if err := acc.SendVerifyCode(ctx, phone, 1, 0); err != nil {
		t.Fatal(err)
	}
	code, err := acc.GetVerifyCode(ctx, phone, 300)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.bridge.SetPhone(ctx, lee, phone, code); err != nil {
		t.Fatal(err)
	}
	if got, _ := acc.GetAccountInfo(ctx, u.UserID); got.Phone != phone {
		t.Fatalf("phone = %q, want %q", got.Phone, phone)
	}

	home, err := e.dev.As(u.UserID).Home().CreateHome(ctx, "Flat")
	if err != nil {
		t.Fatal(err)
	}
	devs, _ := e.dev.As(u.UserID).Bind().ListDevices(ctx, false)
	if _, err := e.dev.As(u.UserID).Home().AddDeviceToHome(ctx, home.HomeID, devs[0].DeviceID, "Lamp"); err != nil {
		t.Fatal(err)
	}
	if err := e.bridge.DeleteHome(ctx, lee, home.HomeID); err != nil {
		t.Fatal(err)
	}
	// Whatever AbleCloud did to the home's devices, WeChat agrees.
	if ac, wx := e.acDevices(lee), e.wxDevices(lee); !slices.Equal(ac, wx) {
		t.Fatalf("after DeleteHome: AbleCloud %v, WeChat %v", ac, wx)
	}
}

// TestBindVariants: the QR's product decides gateway or device (the
// callback's per-product flag), QR data may arrive as raw JSON (Q7) or not
// decode at all, and the Bridge methods work on pushes given directly.
func TestBindVariants(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	const una, vic = "o_una_00000000000000000000001", "o_vic_00000000000000000000002"

	gw := e.device("gateway", true)
	s, err := e.bridge.GetDeviceQRCode(ctx, gw, "gateway", false, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.scan(una, s)
	e.agree(una, gw)
	if n := e.audit.count("bindGateway"); n != 1 {
		t.Fatalf("%d bindGateway calls for a gateway product, want 1", n)
	}

	// Direct calls: raw JSON in Content, the QR's sub_domain winning over
	// the argument.
	pid := e.device("plug", true)
	e.emu.SetBinding(vic, pid, true) // WeChat bound it before pushing
	msg := wxpush.Message{ToUserName: e.emu.AccountID(), FromUserName: vic, OpenID: vic, MsgType: "device_event",
		Event: "bind", DeviceType: e.emu.AccountID(), DeviceID: pid, Content: `{"sub_domain":"plug"}`}
	d, err := e.bridge.OnDeviceEventBind(ctx, msg, "Desk lamp", "purifier", false)
	if err != nil || d.PhysicalDeviceID != pid || d.Name != "Desk lamp" {
		t.Fatalf("OnDeviceEventBind = %+v, %v", d, err)
	}
	e.agree(vic, pid)

	// Content that does not decode is ignored: the argument's product is used.
	other := e.device("plug", false)
	e.emu.SetBinding(vic, other, true)
	msg.DeviceID, msg.Content = other, "%%% not data %%%"
	if _, err := e.bridge.OnDeviceEventBind(ctx, msg, "", "plug", false); err != nil {
		t.Fatal(err)
	}
	e.agree(vic, pid, other)

	// Status without a sync: one online check.
	msg.Event, msg.DeviceID, msg.Content = "subscribe_status", pid, ""
	reply, err := e.bridge.OnDeviceEventSubscribeStatus(ctx, msg, false)
	if err != nil || !strings.Contains(string(reply), "<DeviceStatus>1</DeviceStatus>") || !strings.Contains(string(reply), "<ToUserName><![CDATA["+vic+"]]>") {
		t.Fatalf("status reply %s, %v", reply, err)
	}
	msg.Event = "unsubscribe_status"
	if reply, err = e.bridge.OnDeviceEventUnsubscribeStatus(ctx, msg, true); err != nil || !strings.Contains(string(reply), "<MsgType><![CDATA[device_status]]>") {
		t.Fatalf("unsubscribe_status reply %s, %v", reply, err)
	}

	// Unbind through the method: the product comes from the user's list.
	e.emu.SetBinding(vic, other, false)
	msg.Event, msg.DeviceID = "unbind", other
	if err := e.bridge.OnDeviceEventUnbind(ctx, msg, "", false); err != nil {
		t.Fatal(err)
	}
	e.agree(vic, pid)

	// A push without an OpenID is refused before any call.
	_, err = e.bridge.OnDeviceEventBind(ctx, wxpush.Message{DeviceID: pid}, "", "plug", false)
	var be *Error
	if !errors.As(err, &be) || be.Code != CodeInvalidInput || Retryable(err) {
		t.Fatalf("push without an OpenID: %v", err)
	}
}
