package acapi_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/hub"
	"acconsole/models"
)

// PROTOCOL §2.2.2: 32 alphanumerics, '#', the logical device id.
var shareCodeRE = regexp.MustCompile(`^[A-Za-z0-9]{32}#([0-9]+)$`)

func TestBindingOwnershipAndUsers(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice, bob, carol := w.person("Alice"), w.person("Bob"), w.person("Carol")

	pid := w.device("plug", &echoDevice{})
	bound, err := w.client.Bind().IsDeviceBound(ctx, "plug", pid)
	if err != nil || bound {
		t.Fatalf("isDeviceBound before any bind = %v, %v", bound, err)
	}
	// The first user to bind becomes the owner.
	d, err := alice.c.Bind().BindDevice(ctx, "plug", pid, "Lamp")
	must(t, "bindDevice", err)
	if d.DeviceID == 0 || d.PhysicalDeviceID != pid || d.Name != "Lamp" || d.Owner != alice.UserID || d.SubDomainName != "plug" || d.SubDomainID == 0 {
		t.Fatalf("bound device %+v", d)
	}
	if d.GatewayDeviceID != d.DeviceID {
		t.Errorf("PROTOCOL §3.2: gatewayDeviceId of a stand-alone device must equal deviceId, got %d for %d", d.GatewayDeviceID, d.DeviceID)
	}
	if bound, err := w.client.Bind().IsDeviceBound(ctx, "plug", pid); err != nil || !bound {
		t.Fatalf("isDeviceBound after bind = %v, %v", bound, err)
	}
	if id, err := w.client.Bind().GetDeviceID(ctx, "plug", pid); err != nil || id != d.DeviceID {
		t.Fatalf("getDeviceId = %d, %v", id, err)
	}
	got, err := alice.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID)
	if err != nil || got.DeviceID != d.DeviceID || got.Owner != alice.UserID || got.SubDomainName != "plug" {
		t.Fatalf("getUserDevice = %+v, %v", got, err)
	}
	// A device with an owner needs a share code.
	_, err = bob.c.Bind().BindDevice(ctx, "plug", pid, "")
	wantCode(t, "second bindDevice", err, models.ErrDeviceAlreadyBound)
	if !errors.Is(err, acapi.ErrAlreadyBound) {
		t.Errorf("3811 must match ErrAlreadyBound: %v", err)
	}

	// The owner binds Bob by his phone; Bob is an ordinary user.
	must(t, "bindDeviceWithUser", alice.c.Bind().BindDeviceWithUser(ctx, "plug", d.DeviceID, bob.Phone))
	users, err := w.client.Bind().ListUsers(ctx, "plug", d.DeviceID)
	must(t, "listUsers (developer scope)", err)
	if !slices.Equal(userIDs(users), sortedIDs(alice.UserID, bob.UserID)) {
		t.Fatalf("listUsers = %+v", users)
	}
	for _, u := range users {
		wantType := 0
		if u.UserID == alice.UserID {
			wantType = 1
		}
		if u.UserType != wantType || u.DeviceID != d.DeviceID {
			t.Errorf("user %+v: want userType %d", u, wantType)
		}
		if u.UserID == bob.UserID && (u.Phone != bob.Phone || u.NickName != "Bob") {
			t.Errorf("listUsers lacks Bob's phone/nick: %+v", u)
		}
	}
	if us, err := bob.c.Bind().ListUsers(ctx, "plug", d.DeviceID); err != nil || len(us) != 2 {
		t.Errorf("a bound user lists the device's users: %+v, %v", us, err)
	}
	_, err = carol.c.Bind().ListUsers(ctx, "plug", d.DeviceID)
	wantCode(t, "stranger listUsers", err, models.ErrDeviceAbsent, models.ErrNoPermission)
	if !sees(t, bob, d.DeviceID) || sees(t, carol, d.DeviceID) {
		t.Fatal("Bob must see the device and Carol must not")
	}

	// Only the owner manages users.
	wantCode(t, "ordinary user binds a third", bob.c.Bind().BindDeviceWithUser(ctx, "plug", d.DeviceID, carol.Phone), models.ErrNoPermission, models.ErrOwnerMismatch)
	wantCode(t, "ordinary user removes the owner", bob.c.Bind().UnbindDeviceWithUser(ctx, "plug", d.DeviceID, alice.UserID), models.ErrNoPermission, models.ErrOwnerMismatch)
	wantCode(t, "ordinary user takes ownership", bob.c.Bind().ChangeOwner(ctx, "plug", d.DeviceID, bob.UserID), models.ErrNoPermission, models.ErrOwnerMismatch)
	wantCode(t, "stranger changes owner", carol.c.Bind().ChangeOwner(ctx, "plug", d.DeviceID, carol.UserID), models.ErrDeviceAbsent, models.ErrNoPermission, models.ErrOwnerMismatch)
	wantCode(t, "stranger renames", carol.c.Bind().ModifyDevice(ctx, "plug", d.DeviceID, "mine"), models.ErrDeviceAbsent, models.ErrNoPermission)
	wantCode(t, "stranger unbinds", carol.c.Bind().UnbindDevice(ctx, "plug", d.DeviceID), models.ErrDeviceAbsent, models.ErrDeviceNotBound, models.ErrNoPermission)
	_, err = carol.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID)
	wantCode(t, "stranger getUserDevice", err, models.ErrDeviceAbsent)

	// Renaming by a bound user shows to every user.
	must(t, "modifyDevice", alice.c.Bind().ModifyDevice(ctx, "plug", d.DeviceID, "Desk lamp"))
	if got := val(bob.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID))(t, "GetUserDevice"); got.Name != "Desk lamp" {
		t.Errorf("after rename Bob sees %q", got.Name)
	}

	// Ownership moves to Bob; Alice becomes ordinary and loses the owner's rights.
	must(t, "changeOwner", alice.c.Bind().ChangeOwner(ctx, "plug", d.DeviceID, bob.UserID))
	got, err = alice.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID)
	if err != nil || got.Owner != bob.UserID {
		t.Fatalf("after changeOwner: %+v, %v", got, err)
	}
	wantCode(t, "old owner removes the new one", alice.c.Bind().UnbindDeviceWithUser(ctx, "plug", d.DeviceID, bob.UserID), models.ErrNoPermission, models.ErrOwnerMismatch)

	// The owner removes an ordinary user: only that user goes.
	must(t, "unbindDeviceWithUser", bob.c.Bind().UnbindDeviceWithUser(ctx, "plug", d.DeviceID, alice.UserID))
	if sees(t, alice, d.DeviceID) || !sees(t, bob, d.DeviceID) {
		t.Fatal("unbindDeviceWithUser must remove Alice only")
	}
	// An ordinary user unbinding removes only themselves.
	must(t, "bindDeviceWithUser carol", bob.c.Bind().BindDeviceWithUser(ctx, "plug", d.DeviceID, carol.Phone))
	must(t, "ordinary unbind", carol.c.Bind().UnbindDevice(ctx, "plug", d.DeviceID))
	if sees(t, carol, d.DeviceID) || !sees(t, bob, d.DeviceID) {
		t.Fatal("an ordinary unbind must remove Carol only")
	}
	// The owner unbinding removes everyone and the record.
	must(t, "bindDeviceWithUser alice", bob.c.Bind().BindDeviceWithUser(ctx, "plug", d.DeviceID, alice.Phone))
	must(t, "owner unbind", bob.c.Bind().UnbindDevice(ctx, "plug", d.DeviceID))
	if sees(t, alice, d.DeviceID) || sees(t, bob, d.DeviceID) {
		t.Fatal("after the owner's unbind nobody may keep the device")
	}
	if bound, err := w.client.Bind().IsDeviceBound(ctx, "plug", pid); err != nil || bound {
		t.Fatalf("isDeviceBound after owner unbind = %v, %v", bound, err)
	}
	_, err = w.client.Bind().GetDeviceID(ctx, "plug", pid)
	wantCode(t, "getDeviceId of a removed record", err, models.ErrDeviceAbsent, models.ErrDeviceNotBound)
	// Anyone may bind it again, as its new owner, under a new logical id
	// (ids are never reused: timers and WeChat keep them).
	d2, err := carol.c.Bind().BindDevice(ctx, "plug", pid, "")
	must(t, "rebind", err)
	if d2.Owner != carol.UserID || d2.DeviceID == d.DeviceID {
		t.Fatalf("rebound device %+v (old id %d)", d2, d.DeviceID)
	}

	// A device the warehouse does not know cannot be bound.
	_, err = alice.c.Bind().BindDevice(ctx, "plug", "0000DEADBEEF0000", "")
	wantCode(t, "bind an unknown device", err, models.ErrDeviceAbsent, models.ErrDeviceNotActivated)
	// Nor in a product that does not exist.
	_, err = alice.c.Bind().BindDevice(ctx, "no-such-product", pid, "")
	wantCode(t, "bind in an unknown product", err, models.ErrSubDomainAbsent)
}

func sortedIDs(v ...int64) []int64 {
	slices.Sort(v)
	return v
}

func TestShareCodes(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice, bob, carol := w.person("Alice"), w.person("Bob"), w.person("Carol")
	d := w.bound(alice, "Heater")

	code, err := alice.c.Bind().GetShareCode(ctx, "plug", d.DeviceID, 60)
	must(t, "getShareCode", err)
	m := shareCodeRE.FindStringSubmatch(code)
	if m == nil || m[1] != strconv.FormatInt(d.DeviceID, 10) {
		t.Fatalf("share code %q: want 32 alphanumerics, '#', device id %d", code, d.DeviceID)
	}
	got, err := bob.c.Bind().BindDeviceWithShareCode(ctx, code)
	must(t, "bindDeviceWithShareCode", err)
	if got.DeviceID != d.DeviceID || got.Owner != alice.UserID {
		t.Fatalf("shared device %+v", got)
	}
	if !sees(t, bob, d.DeviceID) {
		t.Fatal("Bob does not see the shared device")
	}
	// Still within its lifetime, the code serves more users; its holder
	// becomes an ordinary user, never the owner.
	if _, err := carol.c.Bind().BindDeviceWithShareCode(ctx, code); err != nil {
		t.Fatalf("second use of a live code: %v", err)
	}
	users := val(w.client.Bind().ListUsers(ctx, "plug", d.DeviceID))(t, "ListUsers")
	owners := 0
	for _, u := range users {
		if u.UserType == 1 {
			owners++
			if u.UserID != alice.UserID {
				t.Errorf("owner is %d after sharing", u.UserID)
			}
		}
	}
	if owners != 1 || len(users) != 3 {
		t.Errorf("users after sharing: %+v", users)
	}

	// Expiry: a 1-second code is refused once the cloud's clock passes it.
	dave := w.person("Dave")
	short, err := alice.c.Bind().GetShareCode(ctx, "plug", d.DeviceID, 1)
	must(t, "getShareCode(1s)", err)
	w.clock.advance(3 * time.Second)
	_, err = dave.c.Bind().BindDeviceWithShareCode(ctx, short)
	wantCode(t, "expired share code", err, models.ErrShareCodeExpired)
	if sees(t, dave, d.DeviceID) {
		t.Fatal("an expired code bound Dave")
	}

	// Garbage and unknown codes.
	_, err = dave.c.Bind().BindDeviceWithShareCode(ctx, strings.Repeat("x", 32)+"#"+strconv.FormatInt(d.DeviceID, 10))
	wantCode(t, "unknown share code", err, models.ErrShareCodeAbsent, models.ErrShareCodeInvalid)
	_, err = dave.c.Bind().BindDeviceWithShareCode(ctx, "not a code")
	wantCode(t, "malformed share code", err, models.ErrShareCodeInvalid, models.ErrShareCodeAbsent, models.ErrInvalidParam)

	// A stranger cannot mint a code for someone else's device.
	_, err = dave.c.Bind().GetShareCode(ctx, "plug", d.DeviceID, 60)
	wantCode(t, "stranger getShareCode", err, models.ErrDeviceAbsent, models.ErrNoPermission)

	// After the owner unbinds, old codes for the device are dead.
	fresh, err := alice.c.Bind().GetShareCode(ctx, "plug", d.DeviceID, 600)
	must(t, "getShareCode", err)
	must(t, "owner unbind", alice.c.Bind().UnbindDevice(ctx, "plug", d.DeviceID))
	_, err = dave.c.Bind().BindDeviceWithShareCode(ctx, fresh)
	if err == nil {
		t.Fatal("a share code outlived its device's binding")
	}
}

func TestGatewayMatchWindowAndSubDevices(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice, bob, carol := w.person("Alice"), w.person("Bob"), w.person("Carol")
	gw := &testGateway{}
	gwPID := w.device("gateway", gw)
	g, err := alice.c.Bind().BindGateway(ctx, "gateway", gwPID, "Hub")
	must(t, "bindGateway", err)
	if g.Owner != alice.UserID || g.IsSubDevice() {
		t.Fatalf("gateway %+v", g)
	}
	gws, err := alice.c.Bind().ListGateways(ctx, "gateway")
	if err != nil || !slices.Equal(ids(gws), []int64{g.DeviceID}) {
		t.Fatalf("listGateways = %+v, %v", gws, err)
	}
	bulb1, bulb2, late := w.device("bulb", &echoDevice{}), w.device("bulb", &echoDevice{}), w.device("bulb", &echoDevice{})

	// Closed window: joins are refused and nothing is new.
	if w.join("gateway", gwPID, "bulb", bulb1) {
		t.Fatal("a sub-device joined a gateway whose match window was never opened")
	}
	if nd, err := alice.c.Bind().ListNewDevices(ctx, "gateway", g.DeviceID); err != nil || len(nd) != 0 {
		t.Fatalf("listNewDevices with a closed window = %+v, %v", nd, err)
	}
	// A stranger cannot open it.
	wantCode(t, "stranger opens the match window", carol.c.Bind().OpenGatewayMatch(ctx, "gateway", g.DeviceID, 30), models.ErrDeviceAbsent, models.ErrNoPermission)

	must(t, "openGatewayMatch", alice.c.Bind().OpenGatewayMatch(ctx, "gateway", g.DeviceID, 30))
	if n := gw.timesOpened(); n != 1 {
		t.Fatalf("the gateway was told to open %d times", n)
	}
	if !w.join("gateway", gwPID, "bulb", bulb1) || !w.join("gateway", gwPID, "bulb", bulb2) {
		t.Fatal("joins refused while the window is open")
	}
	nd, err := alice.c.Bind().ListNewDevices(ctx, "gateway", g.DeviceID)
	must(t, "listNewDevices", err)
	bulbProduct, ok := w.cloud.Platform.SubDomain(ctx, w.cloud.Domain.ID, "bulb")
	if !ok {
		t.Fatal("no bulb product")
	}
	wantNew := []models.NewDevice{
		{SubDomainID: strconv.FormatInt(bulbProduct.ID, 10), PhysicalDeviceID: bulb1},
		{SubDomainID: strconv.FormatInt(bulbProduct.ID, 10), PhysicalDeviceID: bulb2},
	}
	if !slices.Equal(nd, wantNew) {
		t.Fatalf("listNewDevices = %+v, want %+v", nd, wantNew)
	}
	_, err = carol.c.Bind().ListNewDevices(ctx, "gateway", g.DeviceID)
	wantCode(t, "stranger listNewDevices", err, models.ErrDeviceAbsent, models.ErrNoPermission)

	// The window closes early on request; later joins are refused.
	must(t, "closeGatewayMatch", alice.c.Bind().CloseGatewayMatch(ctx, "gateway", g.DeviceID))
	if w.join("gateway", gwPID, "bulb", late) {
		t.Fatal("a sub-device joined after closeGatewayMatch")
	}
	// And on its own when its time is up.
	must(t, "openGatewayMatch(5s)", alice.c.Bind().OpenGatewayMatch(ctx, "gateway", g.DeviceID, 5))
	w.clock.advance(6 * time.Second)
	if w.join("gateway", gwPID, "bulb", late) {
		t.Fatal("a sub-device joined after the window expired")
	}
	if nd := val(alice.c.Bind().ListNewDevices(ctx, "gateway", g.DeviceID))(t, "ListNewDevices"); len(nd) != 2 {
		t.Fatalf("new devices after the windows: %+v", nd)
	}

	// Adding: sub is the sub-device's product.
	s1, err := alice.c.Bind().AddSubDevice(ctx, "bulb", g.DeviceID, bulb1, "Ceiling")
	must(t, "addSubDevice", err)
	if s1.DeviceID == 0 || s1.GatewayDeviceID != g.DeviceID || !s1.IsSubDevice() || s1.Owner != alice.UserID || s1.Name != "Ceiling" || s1.SubDomainName != "bulb" {
		t.Fatalf("sub-device %+v", s1)
	}
	if nd := val(alice.c.Bind().ListNewDevices(ctx, "gateway", g.DeviceID))(t, "ListNewDevices"); len(nd) != 1 || nd[0].PhysicalDeviceID != bulb2 {
		t.Fatalf("an added sub-device is still new: %+v", nd)
	}
	// A device that never joined cannot be added.
	_, err = alice.c.Bind().AddSubDevice(ctx, "bulb", g.DeviceID, late, "Late")
	if err == nil {
		t.Fatal("a sub-device that never joined was added")
	}
	// A stranger cannot add to someone else's gateway.
	_, err = carol.c.Bind().AddSubDevice(ctx, "bulb", g.DeviceID, bulb2, "Mine")
	wantCode(t, "stranger addSubDevice", err, models.ErrDeviceAbsent, models.ErrNoPermission, models.ErrGatewayAbsent, models.ErrOwnerMismatch)
	// A non-gateway cannot have sub-devices.
	plug := w.bound(alice, "Plug")
	_, err = alice.c.Bind().AddSubDevice(ctx, "bulb", plug.DeviceID, bulb2, "x")
	wantCode(t, "addSubDevice to a plug", err, models.ErrGatewayAbsent, models.ErrGatewayMismatch, models.ErrInvalidParam, models.ErrDeviceAbsent)
	wantCode(t, "openGatewayMatch on a plug", alice.c.Bind().OpenGatewayMatch(ctx, "plug", plug.DeviceID, 30), models.ErrGatewayAbsent, models.ErrInvalidParam)

	s2, err := alice.c.Bind().AddSubDevice(ctx, "bulb", g.DeviceID, bulb2, "Lamp")
	must(t, "addSubDevice 2", err)
	subs, err := alice.c.Bind().ListSubDevices(ctx, "gateway", g.DeviceID)
	if err != nil || !slices.Equal(ids(subs), sortedIDs(s1.DeviceID, s2.DeviceID)) {
		t.Fatalf("listSubDevices = %+v, %v", subs, err)
	}
	for _, s := range subs {
		if s.GatewayDeviceID != g.DeviceID {
			t.Errorf("sub-device %+v lacks its gateway", s)
		}
	}
	if !sees(t, alice, s1.DeviceID) {
		t.Error("the gateway's owner does not see its sub-device")
	}
	if gws := val(alice.c.Bind().ListGateways(ctx, "gateway"))(t, "ListGateways"); !slices.Equal(ids(gws), []int64{g.DeviceID}) {
		t.Errorf("listGateways lists sub-devices or plugs: %+v", gws)
	}
	// Sub-devices are controlled through the cloud like any device.
	if r, err := alice.c.Bind().SendToDevice(ctx, "bulb", s1.DeviceID, "", 70, []byte{1}); err != nil || r.Code != echoReplyCode {
		t.Errorf("command to a sub-device: %+v, %v", r, err)
	}

	// Sharing the gateway shares its sub-devices (PROTOCOL §2.2.1: binding a
	// gateway binds its sub-devices for non-first users).
	code, err := alice.c.Bind().GetShareCode(ctx, "gateway", g.DeviceID, 60)
	must(t, "getShareCode(gateway)", err)
	_, err = bob.c.Bind().BindDeviceWithShareCode(ctx, code)
	must(t, "bob joins the gateway", err)
	for _, s := range []int64{g.DeviceID, s1.DeviceID, s2.DeviceID} {
		if !sees(t, bob, s) {
			t.Errorf("Bob bound the gateway but does not see device %d", s)
		}
	}
	if sees(t, carol, s1.DeviceID) {
		t.Error("a stranger sees a sub-device")
	}
	_, err = carol.c.Bind().SendToDevice(ctx, "bulb", s1.DeviceID, "", 70, nil)
	wantCode(t, "stranger commands a sub-device", err, models.ErrDeviceAbsent)

	// Delete and evict.
	must(t, "deleteSubDevice", alice.c.Bind().DeleteSubDevice(ctx, "bulb", s2.DeviceID))
	if subs := val(alice.c.Bind().ListSubDevices(ctx, "gateway", g.DeviceID))(t, "ListSubDevices"); !slices.Equal(ids(subs), []int64{s1.DeviceID}) {
		t.Fatalf("after deleteSubDevice: %+v", subs)
	}
	if sees(t, alice, s2.DeviceID) || sees(t, bob, s2.DeviceID) {
		t.Error("a deleted sub-device is still listed")
	}
	must(t, "evictSubDevice", alice.c.Bind().EvictSubDevice(ctx, "gateway", g.DeviceID, bulb1))
	if subs := val(alice.c.Bind().ListSubDevices(ctx, "gateway", g.DeviceID))(t, "ListSubDevices"); len(subs) != 0 {
		t.Fatalf("after evictSubDevice: %+v", subs)
	}
	wantCode(t, "stranger evicts", carol.c.Bind().EvictSubDevice(ctx, "gateway", g.DeviceID, bulb1), models.ErrDeviceAbsent, models.ErrNoPermission)

	// Unbinding the gateway takes its sub-devices with it.
	must(t, "openGatewayMatch", alice.c.Bind().OpenGatewayMatch(ctx, "gateway", g.DeviceID, 30))
	if !w.join("gateway", gwPID, "bulb", late) {
		t.Fatal("join refused")
	}
	s3, err := alice.c.Bind().AddSubDevice(ctx, "bulb", g.DeviceID, late, "Late")
	must(t, "addSubDevice late", err)
	must(t, "unbindGateway", alice.c.Bind().UnbindGateway(ctx, "gateway", g.DeviceID))
	for _, p := range []person{alice, bob} {
		if sees(t, p, g.DeviceID) || sees(t, p, s3.DeviceID) {
			t.Errorf("user %d keeps the gateway or its sub-device after unbindGateway", p.UserID)
		}
	}
}

func TestSendToDeviceRepliesOfflineAndTimeout(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice, bob := w.person("Alice"), w.person("Bob")
	dev := &echoDevice{}
	pid := w.device("plug", dev)
	d, err := alice.c.Bind().BindDevice(ctx, "plug", pid, "Plug")
	must(t, "bindDevice", err)

	payload := []byte{0x00, 0x01, 0x1b, '[', '2', 'J', 0xff}
	r, err := alice.c.Bind().SendToDevice(ctx, "plug", d.DeviceID, "", 66, payload)
	must(t, "sendToDevice", err)
	if r.Code != echoReplyCode || !bytes.Equal(r.Payload, append([]byte("ok:"), payload...)) {
		t.Fatalf("reply %+v", r)
	}
	// By physical id only, and by both.
	if r, err := alice.c.Bind().SendToDevice(ctx, "plug", 0, pid, 67, []byte("p")); err != nil || string(r.Payload) != "ok:p" {
		t.Fatalf("by physical id: %+v, %v", r, err)
	}
	if r, err := alice.c.Bind().SendToDevice(ctx, "plug", d.DeviceID, pid, 68, nil); err != nil || string(r.Payload) != "ok:" {
		t.Fatalf("by both ids, empty payload: %+v, %v", r, err)
	}
	if dev.commands.Load() != 3 {
		t.Fatalf("the device got %d commands, want 3", dev.commands.Load())
	}
	// Message codes outside 65–199 are refused before reaching the device.
	_, err = alice.c.Bind().SendToDevice(ctx, "plug", d.DeviceID, "", 200, nil)
	wantCode(t, "report code as a command", err, models.ErrBadMessageCode)
	_, err = alice.c.Bind().SendToDevice(ctx, "plug", d.DeviceID, "", 10, nil)
	wantCode(t, "platform code as a command", err, models.ErrBadMessageCode)
	// No device named at all.
	_, err = alice.c.Bind().SendToDevice(ctx, "plug", 0, "", 66, nil)
	wantCode(t, "sendToDevice without ids", err, models.ErrInvalidParam, models.ErrDeviceAbsent)
	// Not the user's device: 3802, and the device hears nothing.
	_, err = bob.c.Bind().SendToDevice(ctx, "plug", d.DeviceID, "", 66, nil)
	wantCode(t, "stranger sendToDevice", err, models.ErrDeviceAbsent)
	_, err = bob.c.Bind().SendToDevice(ctx, "plug", 0, pid, 66, nil)
	wantCode(t, "stranger sendToDevice by physical id", err, models.ErrDeviceAbsent)
	if dev.commands.Load() != 3 {
		t.Fatal("a refused command reached the device")
	}

	// Online state follows the hub.
	key := hub.Key{SubDomain: "plug", PhysicalID: pid}
	online, err := alice.c.Bind().IsDeviceOnline(ctx, "plug", d.DeviceID, "")
	if err != nil || !online {
		t.Fatalf("isDeviceOnline = %v, %v", online, err)
	}
	if online, err := w.client.Bind().IsDeviceOnline(ctx, "plug", 0, pid); err != nil || !online {
		t.Fatalf("isDeviceOnline by physical id = %v, %v", online, err)
	}
	list, err := alice.c.Bind().ListDevices(ctx, true)
	if err != nil || len(list) != 1 || list[0].Status == nil || *list[0].Status != 1 {
		t.Fatalf("listDevices(status) = %+v, %v", list, err)
	}
	if list := val(alice.c.Bind().ListDevices(ctx, false))(t, "ListDevices"); len(list) != 1 || list[0].Status != nil {
		t.Fatalf("listDevices without status carries one: %+v", list)
	}
	w.cloud.Hub.Disconnect(key)
	if online := val(alice.c.Bind().IsDeviceOnline(ctx, "plug", d.DeviceID, ""))(t, "IsDeviceOnline"); online {
		t.Fatal("isDeviceOnline after disconnect")
	}
	if list := val(alice.c.Bind().ListDevices(ctx, true))(t, "ListDevices"); len(list) != 1 || list[0].Status == nil || *list[0].Status != 0 {
		t.Fatalf("listDevices(status) offline = %+v", list)
	}
	_, err = alice.c.Bind().SendToDevice(ctx, "plug", d.DeviceID, "", 66, nil)
	wantCode(t, "offline device", err, models.ErrDeviceOffline)
	if !errors.Is(err, acapi.ErrOffline) {
		t.Errorf("3807 must match ErrOffline: %v", err)
	}

	// A device that never answers: 3814 within the asked reply timeout.
	w.cloud.Hub.Connect(key, silentDevice{}, "127.0.0.1")
	_, err = alice.c.Bind().SendToDevice(ctx, "plug", d.DeviceID, "", 66, nil, acapi.WithReplyTimeout(time.Second))
	wantCode(t, "silent device", err, models.ErrDeviceTimeout)
	if !errors.Is(err, acapi.ErrTimeout) {
		t.Errorf("3814 must match ErrTimeout: %v", err)
	}
	if err == nil || !strings.Contains(err.Error(), "within 1s") {
		t.Errorf("the cloud must give up on the asked 1 s reply timeout, and say so: %v", err)
	}

	// Every command, answered or not, was audited with its payload size.
	n := 0
	for _, a := range w.audit.all() {
		if a.Method == "sendToDevice" {
			n++
			if a.SubDomain != "plug" {
				t.Errorf("audit entry lacks the product: %+v", a)
			}
		}
	}
	if n != 10 {
		t.Errorf("audited %d sendToDevice calls, want 10", n)
	}
}

func TestDeviceProfileRenameAndReplace(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice, bob := w.person("Alice"), w.person("Bob")
	d := w.bound(alice, "Plug")

	prof, err := alice.c.Bind().GetDeviceProfile(ctx, "plug", d.DeviceID)
	if err != nil || len(prof) != 0 {
		t.Fatalf("fresh profile = %v, %v", prof, err)
	}
	must(t, "setDeviceProfile", alice.c.Bind().SetDeviceProfile(ctx, "plug", d.DeviceID, map[string]any{"room": "hall\x1b[31m", "watts": 60, "tags": []any{"a", "b"}}))
	prof, err = alice.c.Bind().GetDeviceProfile(ctx, "plug", d.DeviceID)
	if err != nil || prof["room"] != "hall" || prof["watts"] != float64(60) || len(prof["tags"].([]any)) != 2 {
		t.Fatalf("profile (flat, sanitised) = %#v, %v", prof, err)
	}
	// Developer scope reads it too (PHP getDeviceProfile with a NULL user).
	if prof, err := w.client.Bind().GetDeviceProfile(ctx, "plug", d.DeviceID); err != nil || prof["watts"] != float64(60) {
		t.Fatalf("developer-scope profile = %v, %v", prof, err)
	}
	// listDevicesExt: the devices of listDevices, with the cloud's extras
	// (their keys are not fixed by the protocol; the local cloud sends the
	// profile among them).
	ext, err := alice.c.Bind().ListDevicesExt(ctx, true)
	must(t, "listDevicesExt", err)
	if len(ext) != 1 || ext[0].DeviceID != d.DeviceID || ext[0].Owner != alice.UserID || ext[0].Status == nil || len(ext[0].Extra) == 0 {
		t.Fatalf("listDevicesExt = %+v", ext)
	}
	if p, ok := ext[0].Extra["deviceProfile"].(map[string]any); ok && p["room"] != "hall" {
		t.Errorf("listDevicesExt profile %v (not sanitised?)", p)
	}
	if ext := val(bob.c.Bind().ListDevicesExt(ctx, false))(t, "ListDevicesExt"); len(ext) != 0 {
		t.Errorf("a stranger's listDevicesExt = %+v", ext)
	}
	_, err = bob.c.Bind().GetDeviceProfile(ctx, "plug", d.DeviceID)
	wantCode(t, "stranger getDeviceProfile", err, models.ErrDeviceAbsent, models.ErrNoPermission)
	wantCode(t, "stranger setDeviceProfile", bob.c.Bind().SetDeviceProfile(ctx, "plug", d.DeviceID, map[string]any{"x": 1}), models.ErrDeviceAbsent, models.ErrNoPermission)

	// A hostile name is refused (3002) or stored; if stored, it reaches
	// the client clean.
	if err := alice.c.Bind().ModifyDevice(ctx, "plug", d.DeviceID, "\x1b]0;pwn\x07Lamp\u202e"); err == nil {
		if got := val(alice.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID))(t, "GetUserDevice"); got.Name != "Lamp" {
			t.Errorf("name reached the client as %q", got.Name)
		}
	} else {
		wantCode(t, "modifyDevice with control characters", err, models.ErrInvalidParam)
	}

	// updateAccessKey gives the device a new key.
	before := val(alice.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID))(t, "GetUserDevice")
	must(t, "updateAccessKey", alice.c.Bind().UpdateAccessKey(ctx, "plug", d.DeviceID))
	after := val(alice.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID))(t, "GetUserDevice")
	if before.AESKey != "" && before.AESKey == after.AESKey {
		t.Error("updateAccessKey left the key unchanged")
	}
	wantCode(t, "stranger updateAccessKey", bob.c.Bind().UpdateAccessKey(ctx, "plug", d.DeviceID), models.ErrDeviceAbsent, models.ErrNoPermission)

	// changeDevice: new hardware behind the same logical id.
	newPID := w.device("plug", &echoDevice{})
	must(t, "changeDevice", alice.c.Bind().ChangeDevice(ctx, "plug", d.DeviceID, newPID))
	got, err := alice.c.Bind().GetUserDevice(ctx, "plug", d.DeviceID)
	if err != nil || got.PhysicalDeviceID != newPID || got.DeviceID != d.DeviceID {
		t.Fatalf("after changeDevice: %+v, %v", got, err)
	}
	if id, err := w.client.Bind().GetDeviceID(ctx, "plug", newPID); err != nil || id != d.DeviceID {
		t.Fatalf("getDeviceId(new hardware) = %d, %v", id, err)
	}
	if bound := val(w.client.Bind().IsDeviceBound(ctx, "plug", d.PhysicalDeviceID))(t, "IsDeviceBound"); bound {
		t.Error("the replaced hardware is still bound")
	}
	// Replacing with hardware that is bound elsewhere is refused.
	other := w.bound(bob, "Bob's")
	err = alice.c.Bind().ChangeDevice(ctx, "plug", d.DeviceID, other.PhysicalDeviceID)
	wantCode(t, "changeDevice onto a bound device", err, models.ErrDeviceAlreadyBound, models.ErrDeviceExists)
}

func TestHomesRoomsAndMembers(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice, bob, carol := w.person("Alice"), w.person("Bob"), w.person("Carol")

	h, err := alice.c.Home().CreateHome(ctx, "Flat")
	must(t, "createHome", err)
	if h.HomeID == 0 || h.Owner != alice.UserID || h.Name != "Flat" {
		t.Fatalf("home %+v", h)
	}
	must(t, "changeHomeName", alice.c.Home().ChangeHomeName(ctx, h.HomeID, "Home"))
	homes, err := alice.c.Home().ListHomes(ctx)
	if err != nil || len(homes) != 1 || homes[0].Name != "Home" {
		t.Fatalf("listHomes = %+v, %v", homes, err)
	}
	wantCode(t, "stranger renames the home", carol.c.Home().ChangeHomeName(ctx, h.HomeID, "x"), models.ErrGroupAbsent, models.ErrNoPermission, models.ErrMemberAbsent)

	// Devices: by logical id (an owned device) and by physical id (binds a
	// new device straight into the home).
	lamp := w.bound(alice, "Lamp")
	got, err := alice.c.Home().AddDeviceToHome(ctx, h.HomeID, lamp.DeviceID, "Hall lamp")
	must(t, "addDeviceToHome", err)
	if got.DeviceID != lamp.DeviceID || got.RootID != h.HomeID || got.Name != "Hall lamp" {
		t.Fatalf("added device %+v", got)
	}
	pid := w.device("plug", &echoDevice{})
	kettle, err := alice.c.Home().AddDeviceToHomeByPhysicalID(ctx, "plug", h.HomeID, pid, "Kettle")
	must(t, "addDeviceToHome by physical id", err)
	if kettle.DeviceID == 0 || kettle.Owner != alice.UserID || kettle.RootID != h.HomeID || kettle.PhysicalDeviceID != pid {
		t.Fatalf("device added by physical id %+v", kettle)
	}
	// A stranger's device cannot be added.
	bobs := w.bound(bob, "Bob's")
	_, err = alice.c.Home().AddDeviceToHome(ctx, h.HomeID, bobs.DeviceID, "x")
	wantCode(t, "add another user's device", err, models.ErrDeviceAbsent, models.ErrNoPermission, models.ErrOwnerMismatch)
	_, err = carol.c.Home().AddDeviceToHome(ctx, h.HomeID, lamp.DeviceID, "x")
	wantCode(t, "stranger adds to the home", err, models.ErrGroupAbsent, models.ErrNoPermission, models.ErrMemberAbsent, models.ErrDeviceAbsent)

	hd, err := alice.c.Home().ListHomeDevices(ctx, h.HomeID, true)
	if err != nil || !slices.Equal(ids(hd), sortedIDs(lamp.DeviceID, kettle.DeviceID)) {
		t.Fatalf("listHomeDevices = %+v, %v", hd, err)
	}
	for _, d := range hd {
		if d.Status == nil || *d.Status != 1 {
			t.Errorf("home device %d lacks online status: %+v", d.DeviceID, d)
		}
	}

	// Rooms.
	kitchen, err := alice.c.Home().CreateRoom(ctx, h.HomeID, "Kitchen")
	must(t, "createRoom", err)
	if kitchen.RoomID == 0 || kitchen.HomeID != h.HomeID || kitchen.Owner != alice.UserID {
		t.Fatalf("room %+v", kitchen)
	}
	study, err := alice.c.Home().CreateRoom(ctx, h.HomeID, "Stuyd")
	must(t, "createRoom 2", err)
	must(t, "changeRoomName", alice.c.Home().ChangeRoomName(ctx, h.HomeID, study.RoomID, "Study"))
	rooms, err := alice.c.Home().ListRooms(ctx, h.HomeID)
	if err != nil || len(rooms) != 2 {
		t.Fatalf("listRooms = %+v, %v", rooms, err)
	}
	for _, r := range rooms {
		if r.RoomID == study.RoomID && r.Name != "Study" {
			t.Errorf("renamed room %+v", r)
		}
	}
	must(t, "moveDeviceToRoom", alice.c.Home().MoveDeviceToRoom(ctx, h.HomeID, kitchen.RoomID, kettle.DeviceID))
	rd, err := alice.c.Home().ListRoomDevices(ctx, h.HomeID, kitchen.RoomID, false)
	if err != nil || !slices.Equal(ids(rd), []int64{kettle.DeviceID}) {
		t.Fatalf("listRoomDevices = %+v, %v", rd, err)
	}
	must(t, "moveDeviceToRoom (move on)", alice.c.Home().MoveDeviceToRoom(ctx, h.HomeID, study.RoomID, kettle.DeviceID))
	if rd := val(alice.c.Home().ListRoomDevices(ctx, h.HomeID, kitchen.RoomID, false))(t, "ListRoomDevices"); len(rd) != 0 {
		t.Fatalf("a moved device stays in its old room: %+v", rd)
	}
	must(t, "removeDeviceFromRoom", alice.c.Home().RemoveDeviceFromRoom(ctx, h.HomeID, study.RoomID, kettle.DeviceID))
	if rd := val(alice.c.Home().ListRoomDevices(ctx, h.HomeID, study.RoomID, false))(t, "ListRoomDevices"); len(rd) != 0 {
		t.Fatalf("removeDeviceFromRoom left %+v", rd)
	}
	if hd := val(alice.c.Home().ListHomeDevices(ctx, h.HomeID, false))(t, "ListHomeDevices"); len(hd) != 2 {
		t.Fatalf("removing from a room must keep the device in the home: %+v", hd)
	}
	must(t, "moveDeviceToRoom", alice.c.Home().MoveDeviceToRoom(ctx, h.HomeID, kitchen.RoomID, lamp.DeviceID))
	must(t, "deleteRoom", alice.c.Home().DeleteRoom(ctx, h.HomeID, kitchen.RoomID))
	if hd := val(alice.c.Home().ListHomeDevices(ctx, h.HomeID, false))(t, "ListHomeDevices"); len(hd) != 2 {
		t.Fatalf("deleting a room must keep its devices in the home: %+v", hd)
	}

	// Members: a member is bound to every device of the home.
	must(t, "addUserToHome", alice.c.Home().AddUserToHome(ctx, h.HomeID, bob.Phone))
	hu, err := alice.c.Home().ListHomeUsers(ctx, h.HomeID)
	must(t, "listHomeUsers", err)
	if len(hu) != 2 {
		t.Fatalf("listHomeUsers = %+v", hu)
	}
	for _, u := range hu {
		want := 0
		if u.UserID == alice.UserID {
			want = 1
		}
		if u.UserType != want || u.HomeID != h.HomeID {
			t.Errorf("home user %+v, want type %d", u, want)
		}
	}
	if !sees(t, bob, lamp.DeviceID) || !sees(t, bob, kettle.DeviceID) {
		t.Fatal("a home member does not see the home's devices")
	}
	if homes := val(bob.c.Home().ListHomes(ctx))(t, "ListHomes"); len(homes) != 1 || homes[0].HomeID != h.HomeID {
		t.Fatalf("member's listHomes = %+v", homes)
	}
	if r, err := bob.c.Bind().SendToDevice(ctx, "plug", lamp.DeviceID, "", 66, []byte("m")); err != nil || string(r.Payload) != "ok:m" {
		t.Fatalf("member controls a home device: %+v, %v", r, err)
	}
	// A device added later reaches members too.
	late := w.bound(alice, "Late")
	_, err = alice.c.Home().AddDeviceToHome(ctx, h.HomeID, late.DeviceID, "Late")
	must(t, "addDeviceToHome late", err)
	if !sees(t, bob, late.DeviceID) {
		t.Fatal("a member does not see a device added after they joined")
	}
	// Members are not owners of the home.
	wantCode(t, "member deletes the home", bob.c.Home().DeleteHome(ctx, h.HomeID), models.ErrNoPermission, models.ErrGroupState, models.ErrOwnerMismatch)
	wantCode(t, "member removes the owner", bob.c.Home().RemoveUserFromHome(ctx, h.HomeID, alice.UserID), models.ErrNoPermission, models.ErrGroupState, models.ErrOwnerMismatch)
	if sees(t, carol, lamp.DeviceID) {
		t.Fatal("a stranger sees a home device")
	}
	_, err = carol.c.Home().ListHomeDevices(ctx, h.HomeID, false)
	wantCode(t, "stranger lists home devices", err, models.ErrGroupAbsent, models.ErrNoPermission, models.ErrMemberAbsent)

	// Removing a device from the home unbinds it from the members.
	must(t, "deleteDeviceFromHome", alice.c.Home().DeleteDeviceFromHome(ctx, h.HomeID, late.DeviceID))
	if sees(t, bob, late.DeviceID) {
		t.Fatal("a member keeps a device removed from the home")
	}
	if hd := val(alice.c.Home().ListHomeDevices(ctx, h.HomeID, false))(t, "ListHomeDevices"); slices.Contains(ids(hd), late.DeviceID) {
		t.Fatal("deleteDeviceFromHome left the device in the home")
	}

	// Share codes for homes.
	code, err := alice.c.Home().GetHomeShareCode(ctx, h.HomeID, 60)
	must(t, "getHomeShareCode", err)
	if code == "" {
		t.Fatal("empty home share code")
	}
	joined, err := carol.c.Home().JoinHomeWithShareCode(ctx, code)
	must(t, "joinHomeWithShareCode", err)
	if joined.HomeID != h.HomeID || !sees(t, carol, lamp.DeviceID) {
		t.Fatalf("joined %+v; sees lamp %v", joined, sees(t, carol, lamp.DeviceID))
	}
	short, err := alice.c.Home().GetHomeShareCode(ctx, h.HomeID, 1)
	must(t, "getHomeShareCode(1s)", err)
	w.clock.advance(3 * time.Second)
	dave := w.person("Dave")
	_, err = dave.c.Home().JoinHomeWithShareCode(ctx, short)
	wantCode(t, "expired home share code", err, models.ErrShareCodeExpired)

	// Removing a member unbinds the home's devices from them.
	must(t, "removeUserFromHome", alice.c.Home().RemoveUserFromHome(ctx, h.HomeID, carol.UserID))
	if sees(t, carol, lamp.DeviceID) || sees(t, carol, kettle.DeviceID) {
		t.Fatal("a removed member keeps home devices")
	}

	// Deleting the home unbinds its devices from the members.
	must(t, "deleteHome", alice.c.Home().DeleteHome(ctx, h.HomeID))
	if sees(t, bob, lamp.DeviceID) || sees(t, bob, kettle.DeviceID) {
		t.Fatal("a member keeps devices of a deleted home")
	}
	if homes := val(alice.c.Home().ListHomes(ctx))(t, "ListHomes"); len(homes) != 0 {
		t.Fatalf("listHomes after delete = %+v", homes)
	}
	_, err = alice.c.Home().ListRooms(ctx, h.HomeID)
	wantCode(t, "listRooms of a deleted home", err, models.ErrGroupAbsent)
}

func TestWarehouseAndFleet(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice := w.person("Alice")
	base, err := w.client.Warehouse().GetDeviceCount(ctx, "")
	must(t, "getDeviceCount", err)
	basePlugs, err := w.client.Warehouse().GetDeviceCount(ctx, "plug")
	must(t, "getDeviceCount(plug)", err)

	var pids []string
	for i := 0; i < 5; i++ {
		pids = append(pids, w.device("plug", &echoDevice{}))
	}
	bulb := w.device("bulb", nil)
	d, err := alice.c.Bind().BindDevice(ctx, "plug", pids[0], "Lamp")
	must(t, "bindDevice", err)

	if n, err := w.client.Warehouse().GetDeviceCount(ctx, ""); err != nil || n != base+6 {
		t.Fatalf("getDeviceCount = %d, %v; want %d", n, err, base+6)
	}
	if n, err := w.client.Warehouse().GetDeviceCount(ctx, "plug"); err != nil || n != basePlugs+5 {
		t.Fatalf("getDeviceCount(plug) = %d, %v; want %d", n, err, basePlugs+5)
	}
	info, err := w.client.Warehouse().GetDeviceInfo(ctx, "plug", pids[0])
	must(t, "getDeviceInfo", err)
	if info.PhysicalDeviceID != pids[0] || info.DevVersion != "1-0-0" || info.ModVersion != "2-0-0" || info.Status != 2 || info.ActiveTime == "" {
		t.Fatalf("device info %+v", info)
	}
	if _, err := models.ParseTime(info.ActiveTime); err != nil {
		t.Errorf("activeTime %q: %v", info.ActiveTime, err)
	}
	_, err = w.client.Warehouse().GetDeviceInfo(ctx, "plug", "0000000000000000")
	wantCode(t, "getDeviceInfo(unknown)", err, models.ErrDeviceAbsent)
	many, err := w.client.Warehouse().GetDevicesInfo(ctx, []string{pids[1], bulb, "0000000000000000"})
	must(t, "getDevicesInfo", err)
	byPID := map[string]models.DeviceInfo{}
	for _, m := range many {
		byPID[m.PhysicalDeviceID] = m
	}
	// An unknown id is left out or answered with status 0 ("not exist",
	// PROTOCOL §3.7).
	if byPID[pids[1]].Status != 2 || byPID[bulb].Status != 2 || byPID["0000000000000000"].Status != 0 {
		t.Fatalf("getDevicesInfo = %+v", many)
	}

	// Pages of the plug product: every plug exactly once, in a stable order.
	seen := map[string]int{}
	for off := 0; ; off += 2 {
		page, err := w.client.Warehouse().ListDevices(ctx, "plug", off, 2)
		must(t, "warehouse listDevices", err)
		for _, p := range page {
			seen[p.PhysicalDeviceID]++
		}
		if len(page) < 2 {
			break
		}
	}
	for _, p := range pids {
		if seen[p] != 1 {
			t.Errorf("device %s listed %d times", p, seen[p])
		}
	}
	if seen[bulb] != 0 {
		t.Error("a bulb listed among plugs")
	}
	if int64(len(seen)) != basePlugs+5 {
		t.Errorf("pages held %d plugs, count says %d", len(seen), basePlugs+5)
	}
	_, err = w.client.Warehouse().ListDevices(ctx, "", 0, 0)
	wantCode(t, "warehouse listDevices limit 0", err, models.ErrInvalidParam)
	_, err = w.client.Warehouse().ListDevices(ctx, "", -1, 10)
	wantCode(t, "warehouse listDevices offset -1", err, models.ErrInvalidParam)

	// The fleet view (local extension): binding and online state per row.
	fleet, err := w.client.Warehouse().ListDevicesExt(ctx, "", 0, 100)
	must(t, "warehouse listDevicesExt", err)
	rows := map[string]models.FleetDevice{}
	for _, f := range fleet {
		rows[f.PhysicalDeviceID] = f
	}
	if r := rows[pids[0]]; r.DeviceID != d.DeviceID || r.Owner != alice.UserID || r.OwnerNickName != "Alice" || r.Name != "Lamp" || !r.Online || r.DevVersion != "1-0-0" {
		t.Errorf("fleet row of the bound plug: %+v", r)
	}
	if r := rows[pids[1]]; r.DeviceID != 0 || r.Owner != 0 || !r.Online {
		t.Errorf("fleet row of an unbound online plug: %+v", r)
	}
	if r, ok := rows[bulb]; !ok || r.Online {
		t.Errorf("fleet row of an offline bulb: %+v (present %v)", r, ok)
	}
	if plugs := val(w.client.Warehouse().ListDevicesExt(ctx, "plug", 0, 100))(t, "ListDevicesExt"); int64(len(plugs)) != basePlugs+5 {
		t.Errorf("fleet of plugs has %d rows", len(plugs))
	}

	// Activation belongs to the device and the factory tools: a user-signed
	// call is refused (3005, developer only) and creates nothing, although
	// PROTOCOL §2.6 lists "user/dev" (PROTOCOL-EXTENSIONS.md says why).
	appPID := "F0F0F0F0F0F0F0F0"
	app := w.client.WithUser(alice.UserID, alice.Token)
	wantCode(t, "activateDevice (user-signed)", app.Warehouse().ActivateDevice(ctx, "plug", acapi.Activation{PhysicalDeviceID: appPID, DevVersion: "1-0-1"}), 3005)
	if n := val(w.client.Warehouse().GetDeviceCount(ctx, "plug"))(t, "GetDeviceCount"); n != basePlugs+5 {
		t.Errorf("a refused activation changed the fleet: count %d", n)
	}
	must(t, "activateDevice (developer)", w.client.Warehouse().ActivateDevice(ctx, "plug", acapi.Activation{PhysicalDeviceID: appPID, DevVersion: "1-0-1", Latitude: 30.27, Longitude: 120.15}))
	if info, err := w.client.Warehouse().GetDeviceInfo(ctx, "plug", appPID); err != nil || info.DevVersion != "1-0-1" {
		t.Fatalf("info of an app-activated device = %+v, %v", info, err)
	}
	// Activating again reports a new version, not a second device.
	must(t, "re-activate", w.client.Warehouse().ActivateDevice(ctx, "plug", acapi.Activation{PhysicalDeviceID: appPID, DevVersion: "1-0-2"}))
	if n := val(w.client.Warehouse().GetDeviceCount(ctx, "plug"))(t, "GetDeviceCount"); n != basePlugs+6 {
		t.Errorf("re-activation added a device: count %d", n)
	}
	if info := val(w.client.Warehouse().GetDeviceInfo(ctx, "plug", appPID))(t, "GetDeviceInfo"); info.DevVersion != "1-0-2" {
		t.Errorf("re-activation kept version %q", info.DevVersion)
	}
}

func TestProducts(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-product")
	ctx := w.ctx
	prods, err := w.client.Product().GetDomainProducts(ctx)
	must(t, "getDomainProducts", err)
	names := map[string]models.Product{}
	for _, p := range prods {
		names[p.SubDomainName] = p
	}
	for _, want := range []string{"plug", "purifier", "gateway", "bulb", "doorsensor", "switch"} {
		p, ok := names[want]
		if !ok {
			t.Errorf("product %q missing from %v", want, prods)
			continue
		}
		if p.SubDomainID == "" || p.DomainName != w.cloud.Domain.Name || p.Name == "" {
			t.Errorf("product %q: %+v", want, p)
		}
	}
	dps, err := w.client.Product().GetSubDomainDataPoints(ctx, "plug")
	must(t, "getSubDomainDataPoints", err)
	if len(dps) == 0 {
		t.Error("the plug has no data points")
	}
	for _, d := range dps {
		if d.Key == "" || d.Type == "" {
			t.Errorf("data point %+v", d)
		}
	}
	_, err = w.client.Product().GetSubDomainDataPoints(ctx, "no-such-product")
	wantCode(t, "data points of an unknown product", err, models.ErrSubDomainAbsent)
}

// TestDeviceReadOnlyRefusals: every mutating device method fails on a
// read-only client with ErrReadOnly, sends nothing, and is audited as
// refused; every read still goes through.
func TestDeviceReadOnlyRefusals(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ro := e.newClient(t, true).As(12345)
	ctx := context.Background()
	mutating := 0
	for _, dc := range deviceCalls() {
		if !dc.mutating {
			continue
		}
		mutating++
		before := e.counter.n.Load()
		err := dc.call(ctx, ro)
		if !errors.Is(err, acapi.ErrReadOnly) {
			t.Errorf("%s on a read-only client: %v, want ErrReadOnly", dc.name, err)
		}
		if n := e.counter.n.Load() - before; n != 0 {
			t.Errorf("%s on a read-only client made %d requests", dc.name, n)
		}
	}
	refused := map[string]int{}
	for _, a := range e.audit.all() {
		if a.ReadOnlyRefused && a.ActingUser == 12345 {
			refused[a.Service+"/"+a.Method]++
		}
	}
	total := 0
	for _, n := range refused {
		total += n
	}
	if total != mutating {
		t.Errorf("audited %d refusals for %d mutating calls: %v", total, mutating, refused)
	}
	for _, dc := range deviceCalls() {
		if dc.mutating && refused[dc.method] == 0 {
			t.Errorf("%s: refusal not audited", dc.name)
		}
	}
	if mutating < 35 {
		t.Errorf("only %d mutating methods in the table", mutating)
	}
	// Reads reach the network (their answer here does not matter).
	before := e.counter.n.Load()
	_, _ = ro.Bind().ListDevices(ctx, false)
	if e.counter.n.Load() == before {
		t.Error("a read on a read-only client did not reach the cloud")
	}
}

// TestHomeAddBindsEveryMember: PROTOCOL §2.3 "adding a device … to a home
// binds it to all members of the home". A member who unbound one home device
// on their own is bound again when the owner adds it (again) to the home:
// a successful add leaves no member without the device. (Found by the
// random-operations property test.)
func TestHomeAddBindsEveryMember(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice, bob := w.person("Alice"), w.person("Bob")
	h, err := alice.c.Home().CreateHome(ctx, "Flat")
	must(t, "createHome", err)
	d := w.bound(alice, "Lamp")
	_, err = alice.c.Home().AddDeviceToHome(ctx, h.HomeID, d.DeviceID, "")
	must(t, "addDeviceToHome", err)
	must(t, "addUserToHome", alice.c.Home().AddUserToHome(ctx, h.HomeID, bob.Phone))
	if !sees(t, bob, d.DeviceID) {
		t.Fatal("a member does not see the home's device")
	}
	// Bob, an ordinary user, unbinds himself from the one device.
	must(t, "member unbinds a home device", bob.c.Bind().UnbindDevice(ctx, "plug", d.DeviceID))
	if sees(t, bob, d.DeviceID) {
		t.Fatal("unbindDevice left the member bound")
	}
	// The owner adds it to the home again: either that binds every member
	// again, or it is refused; it may not succeed and leave Bob out.
	if _, err := alice.c.Home().AddDeviceToHome(ctx, h.HomeID, d.DeviceID, ""); err == nil && !sees(t, bob, d.DeviceID) {
		t.Error("addDeviceToHome succeeded, but home member Bob is not bound to the device")
	}
}

// ListDevicesPage pages a user's devices by id with the user's total.
func TestListDevicesPageThroughTheClient(t *testing.T) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	alice := w.person("Alice")
	var want []int64
	for i := 0; i < 5; i++ {
		d, err := alice.c.Bind().BindDevice(ctx, "plug", w.device("plug", &echoDevice{}), "")
		must(t, "bindDevice", err)
		want = append(want, d.DeviceID)
	}
	var got []int64
	after := int64(0)
	for {
		page, total, err := alice.c.Bind().ListDevicesPage(ctx, true, after, 2)
		must(t, "listDevices page", err)
		if total != 5 {
			t.Fatalf("total %d, want 5", total)
		}
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			got = append(got, d.DeviceID)
		}
		after = page[len(page)-1].DeviceID
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
}
