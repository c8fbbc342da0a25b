package devices

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"acconsole/models"
)

func TestBindOwnerOrdinaryStranger(t *testing.T) {
	e := newEnv(t)
	owner, friend, stranger := e.user(1), e.user(2), e.user(3)
	e.activate("plug", "AAAA000000000001")

	// Not in the warehouse: 3822.
	wantCode(t, e.bind(owner, "plug", "bindDevice", map[string]any{"physicalDeviceId": "FFFF000000000009"}, nil), models.ErrDeviceNotActivated)

	d := e.bindDev(owner, "plug", "AAAA000000000001")
	if d.Owner != owner || d.DeviceID == 0 || d.GatewayDeviceID != d.DeviceID || d.RootID != 0 || d.SubDomainName != "plug" ||
		d.SubDomainID != e.subs["plug"].ID || len(d.AESKey) != 16 || d.Name != "dev AAAA000000000001" {
		t.Fatalf("first bind: %+v", d)
	}
	// A retried bind by the owner is harmless; anyone else needs a code.
	if again := e.bindDev(owner, "plug", "AAAA000000000001"); again.DeviceID != d.DeviceID {
		t.Fatalf("rebind gave device %d, want %d", again.DeviceID, d.DeviceID)
	}
	wantCode(t, e.bind(stranger, "plug", "bindDevice", map[string]any{"physicalDeviceId": "AAAA000000000001"}, nil), models.ErrDeviceAlreadyBound)

	code := e.shareCode(owner, "plug", d.DeviceID, 0)
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}#` + strconv.FormatInt(d.DeviceID, 10) + `$`).MatchString(code) {
		t.Fatalf("share code %q", code)
	}
	var got struct {
		Device models.Device `json:"device"`
	}
	e.must(e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, &got))
	if got.Device.DeviceID != d.DeviceID || got.Device.Owner != owner {
		t.Fatalf("share bind: %+v", got.Device)
	}
	// Ordinary users cannot share or rename; strangers see nothing.
	wantCode(t, e.bind(friend, "plug", "getShareCode", map[string]any{"deviceId": d.DeviceID}, nil), models.ErrOwnerMismatch)
	wantCode(t, e.bind(friend, "plug", "modifyDevice", map[string]any{"deviceId": d.DeviceID, "name": "x"}, nil), models.ErrOwnerMismatch)
	wantCode(t, e.bind(stranger, "plug", "getShareCode", map[string]any{"deviceId": d.DeviceID}, nil), models.ErrDeviceAbsent)
	wantCode(t, e.bind(stranger, "plug", "listUsers", map[string]any{"deviceId": d.DeviceID}, nil), models.ErrDeviceAbsent)
	wantCode(t, e.bind(stranger, "plug", "unbindDevice", map[string]any{"deviceId": d.DeviceID}, nil), models.ErrDeviceAbsent)

	var users struct {
		Users []models.DeviceUser `json:"users"`
	}
	e.must(e.bind(friend, "plug", "listUsers", map[string]any{"deviceId": d.DeviceID}, &users))
	if len(users.Users) != 2 || users.Users[0].UserID != owner || users.Users[0].UserType != 1 || users.Users[1].UserType != 0 ||
		users.Users[0].NickName != "User 1" || users.Users[0].Email != "u1@example.com" || users.Users[1].DeviceID != d.DeviceID {
		t.Fatalf("listUsers: %+v", users.Users)
	}
	// Developer scope (no user) may list the users too.
	e.must(e.bind(0, "plug", "listUsers", map[string]any{"deviceId": d.DeviceID}, &users))
	if len(users.Users) != 2 {
		t.Fatalf("developer listUsers: %+v", users.Users)
	}

	// An ordinary user's unbind removes only them.
	e.takeUnbinds()
	e.must(e.bind(friend, "plug", "unbindDevice", map[string]any{"deviceId": d.DeviceID}, nil))
	if hasID(e.listDevices(friend, false), d.DeviceID) || !hasID(e.listDevices(owner, false), d.DeviceID) {
		t.Fatal("ordinary unbind removed the wrong binding")
	}
	if u := e.takeUnbinds(); len(u) != 1 || u[0] != (unbound{d.DeviceID, friend, false}) {
		t.Fatalf("hooks after ordinary unbind: %+v", u)
	}

	// The owner's unbind removes everyone and the record.
	e.must(e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))
	e.must(e.bind(owner, "plug", "unbindDevice", map[string]any{"deviceId": d.DeviceID}, nil))
	if len(e.listDevices(owner, false)) != 0 || len(e.listDevices(friend, false)) != 0 {
		t.Fatal("owner unbind left bindings")
	}
	wantCode(t, e.bind(0, "plug", "getUserDevice", map[string]any{"deviceId": d.DeviceID}, nil), models.ErrDeviceAbsent)
	if u := e.takeUnbinds(); len(u) != 2 || !u[0].owner || !u[1].owner {
		t.Fatalf("hooks after owner unbind: %+v", u)
	}
	// Its share codes went with it.
	wantCode(t, e.bind(stranger, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil), models.ErrShareCodeAbsent)

	// The device is free again: the next binder owns it, under a new id.
	d2 := e.bindDev(friend, "plug", "AAAA000000000001")
	if d2.Owner != friend || d2.DeviceID == d.DeviceID {
		t.Fatalf("bind after owner unbind: %+v (old id %d)", d2, d.DeviceID)
	}
}

func TestBindWithUserChangeOwnerUnbindWithUser(t *testing.T) {
	e := newEnv(t)
	owner, friend, other := e.user(1), e.user(2), e.user(3)
	e.activate("purifier", "BBBB000000000001")
	d := e.bindDev(owner, "purifier", "BBBB000000000001")

	wantCode(t, e.bind(owner, "purifier", "bindDeviceWithUser", map[string]any{"deviceId": d.DeviceID, "account": "nobody@example.com"}, nil), models.ErrAccountAbsent)
	e.must(e.bind(owner, "purifier", "bindDeviceWithUser", map[string]any{"deviceId": d.DeviceID, "account": "u2@example.com"}, nil))
	if !hasID(e.listDevices(friend, false), d.DeviceID) {
		t.Fatal("bindDeviceWithUser did not bind")
	}
	wantCode(t, e.bind(friend, "purifier", "bindDeviceWithUser", map[string]any{"deviceId": d.DeviceID, "account": "u3@example.com"}, nil), models.ErrOwnerMismatch)

	wantCode(t, e.bind(owner, "purifier", "unbindDeviceWithUser", map[string]any{"deviceId": d.DeviceID, "userId": other}, nil), models.ErrDeviceNotBound)
	wantCode(t, e.bind(owner, "purifier", "unbindDeviceWithUser", map[string]any{"deviceId": d.DeviceID, "userId": owner}, nil), models.ErrInvalidParam)

	// Hand over: the old owner stays as an ordinary user.
	wantCode(t, e.bind(owner, "purifier", "changeOwner", map[string]any{"deviceId": d.DeviceID, "userId": 999999}, nil), models.ErrAccountAbsent)
	e.must(e.bind(owner, "purifier", "changeOwner", map[string]any{"deviceId": d.DeviceID, "userId": other}, nil))
	var got struct {
		Device models.Device `json:"device"`
	}
	e.must(e.bind(owner, "purifier", "getUserDevice", map[string]any{"deviceId": d.DeviceID}, &got))
	if got.Device.Owner != other {
		t.Fatalf("owner after changeOwner: %d", got.Device.Owner)
	}
	wantCode(t, e.bind(owner, "purifier", "changeOwner", map[string]any{"deviceId": d.DeviceID, "userId": owner}, nil), models.ErrOwnerMismatch)

	e.must(e.bind(other, "purifier", "unbindDeviceWithUser", map[string]any{"deviceId": d.DeviceID, "userId": friend}, nil))
	if hasID(e.listDevices(friend, false), d.DeviceID) {
		t.Fatal("unbindDeviceWithUser left the binding")
	}

	// Rename, new key, new hardware.
	e.must(e.bind(other, "purifier", "modifyDevice", map[string]any{"deviceId": d.DeviceID, "name": "卧室净化器"}, nil))
	e.must(e.bind(other, "purifier", "updateAccessKey", map[string]any{"deviceId": d.DeviceID}, nil))
	wantCode(t, e.bind(other, "purifier", "changeDevice", map[string]any{"deviceId": d.DeviceID, "physicalDeviceId": "BBBB000000000002"}, nil), models.ErrDeviceNotActivated)
	e.activate("purifier", "BBBB000000000002")
	e.must(e.bind(other, "purifier", "changeDevice", map[string]any{"deviceId": d.DeviceID, "physicalDeviceId": "BBBB000000000002"}, nil))
	e.must(e.bind(other, "purifier", "getUserDevice", map[string]any{"deviceId": d.DeviceID}, &got))
	if got.Device.Name != "卧室净化器" || got.Device.PhysicalDeviceID != "BBBB000000000002" || got.Device.AESKey == d.AESKey {
		t.Fatalf("after modify/changeDevice/updateAccessKey: %+v", got.Device)
	}
	// The old hardware is free; the new one is taken.
	var id struct {
		DeviceID int64 `json:"deviceId"`
	}
	wantCode(t, e.bind(0, "purifier", "getDeviceId", map[string]any{"physicalDeviceId": "BBBB000000000001"}, nil), models.ErrDeviceAbsent)
	e.must(e.bind(0, "purifier", "getDeviceId", map[string]any{"physicalDeviceId": "BBBB000000000002"}, &id))
	if id.DeviceID != d.DeviceID {
		t.Fatalf("getDeviceId = %d", id.DeviceID)
	}
	var b map[string]bool
	e.must(e.bind(0, "purifier", "isDeviceBound", map[string]any{"physicalDeviceId": "BBBB000000000001"}, &b))
	if b["isBound"] {
		t.Fatal("old hardware still bound")
	}
	e.must(e.bind(other, "purifier", "isDeviceBound", map[string]any{"physicalDeviceId": "BBBB000000000002"}, &b))
	if !b["isBound"] {
		t.Fatal("new hardware not bound")
	}
}

func TestShareCodeExpiryAndForms(t *testing.T) {
	e := newEnv(t)
	owner, friend := e.user(1), e.user(2)
	e.activate("plug", "CCCC000000000001")
	d := e.bindDev(owner, "plug", "CCCC000000000001")

	code := e.shareCode(owner, "plug", d.DeviceID, 60)
	e.clock.Advance(59 * time.Second)
	e.must(e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))
	e.must(e.bind(friend, "plug", "unbindDevice", map[string]any{"deviceId": d.DeviceID}, nil))
	e.clock.Advance(time.Second)
	wantCode(t, e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil), models.ErrShareCodeExpired)

	// The default lifetime is 300 s.
	code = e.shareCode(owner, "plug", d.DeviceID, 0)
	e.clock.Advance(299 * time.Second)
	e.must(e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))
	e.clock.Advance(time.Second)
	wantCode(t, e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil), models.ErrShareCodeExpired)

	// At most 7 days.
	e.shareCode(owner, "plug", d.DeviceID, 7*24*3600)
	wantCode(t, e.bind(owner, "plug", "getShareCode", map[string]any{"deviceId": d.DeviceID, "timeout": 7*24*3600 + 1}, nil), models.ErrInvalidParam)

	for _, bad := range []string{"", "abc", "#5", "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#", "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#x",
		"8mRftXCMM21ZyQfzoTtHZfQWYvH1H6n!#3", "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#-3", "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni3"} {
		a := e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": bad}, nil)
		want := models.ErrShareCodeInvalid
		if bad == "" {
			want = models.ErrInvalidParam
		}
		if a == nil || a.Code != want {
			t.Errorf("share code %q: got %v, want %d", bad, a, want)
		}
	}
	// Well formed but never issued.
	wantCode(t, e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3"}, nil), models.ErrShareCodeAbsent)
	// A home code is not a device code.
	var home struct {
		Home models.Home `json:"home"`
	}
	e.must(e.bind(owner, "", "createHome", map[string]any{"name": "Home"}, &home))
	var hc map[string]string
	e.must(e.bind(owner, "", "getHomeShareCode", map[string]any{"homeId": home.Home.HomeID}, &hc))
	wantCode(t, e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": hc["shareCode"]}, nil), models.ErrShareCodeInvalid)
	wantCode(t, e.bind(friend, "", "joinHomeWithShareCode", map[string]any{"shareCode": code}, nil), models.ErrShareCodeInvalid)
}

func TestProfilesFlat(t *testing.T) {
	e := newEnv(t)
	owner, friend, stranger := e.user(1), e.user(2), e.user(3)
	e.activate("plug", "DDDD000000000001")
	d := e.bindDev(owner, "plug", "DDDD000000000001")
	e.must(e.bind(owner, "plug", "bindDeviceWithUser", map[string]any{"deviceId": d.DeviceID, "account": "13900000002"}, nil))

	e.must(e.bind(owner, "plug", "setDeviceProfile", map[string]any{"deviceId": d.DeviceID, "deviceProfile": map[string]any{"color": "red", "watts": 1500, "big": 9007199254740993}}, nil))
	e.must(e.bind(friend, "plug", "setDeviceProfile", map[string]any{"deviceId": d.DeviceID, "deviceProfile": map[string]any{"color": nil, "room": "厨房"}}, nil))
	var prof map[string]any
	e.must(e.bind(friend, "plug", "getDeviceProfile", map[string]any{"deviceId": d.DeviceID}, &prof))
	if len(prof) != 3 || prof["room"] != "厨房" || prof["watts"] != float64(1500) || prof["color"] != nil {
		t.Fatalf("profile: %v", prof)
	}
	_, raw := e.raw(req{method: "getDeviceProfile", sub: "plug", params: map[string]any{"deviceId": d.DeviceID}})
	if !regexp.MustCompile(`"big":9007199254740993`).Match(raw) {
		t.Fatalf("64-bit value not kept exactly: %s", raw)
	}
	wantCode(t, e.bind(stranger, "plug", "getDeviceProfile", map[string]any{"deviceId": d.DeviceID}, nil), models.ErrDeviceAbsent)
	wantCode(t, e.bind(owner, "plug", "setDeviceProfile", map[string]any{"deviceId": d.DeviceID}, nil), models.ErrInvalidParam)
	wantCode(t, e.bind(owner, "plug", "setDeviceProfile", map[string]any{"deviceId": d.DeviceID, "deviceProfile": []int{1}}, nil), models.ErrInvalidParam)
}

func TestListDevicesExtAndStatus(t *testing.T) {
	e := newEnv(t)
	owner := e.user(1)
	e.activate("plug", "EEEE000000000001")
	e.activate("plug", "EEEE000000000002")
	d1 := e.bindDev(owner, "plug", "EEEE000000000001")
	d2 := e.bindDev(owner, "plug", "EEEE000000000002")
	e.hub.Connect(hubKey("plug", "EEEE000000000002"), &fakeDevice{}, "10.0.0.2")

	ds := e.listDevices(owner, true)
	if len(ds) != 2 || ds[0].DeviceID != d1.DeviceID || ds[0].Status == nil || *ds[0].Status != 0 || *ds[1].Status != 1 {
		t.Fatalf("listDevices with status: %+v", ds)
	}
	_, raw := e.raw(req{method: "listDevices", uid: owner, params: map[string]any{}})
	if regexp.MustCompile(`"status"`).Match(raw) {
		t.Fatalf("status sent without being asked: %s", raw)
	}
	var ext struct {
		Devices []map[string]any `json:"devices"`
	}
	e.must(e.bind(owner, "", "listDevicesExt", map[string]any{"status": true}, &ext))
	if len(ext.Devices) != 2 || ext.Devices[1]["deviceId"] != float64(d2.DeviceID) || ext.Devices[1]["userType"] != float64(1) ||
		ext.Devices[1]["bindTime"] != "2026-03-01 08:00:00" || ext.Devices[1]["status"] != float64(1) {
		t.Fatalf("listDevicesExt: %+v", ext.Devices)
	}
	var on map[string]bool
	e.must(e.bind(owner, "plug", "isDeviceOnline", map[string]any{"deviceId": d2.DeviceID}, &on))
	if !on["online"] {
		t.Fatal("isDeviceOnline by id")
	}
	e.must(e.bind(0, "plug", "isDeviceOnline", map[string]any{"physicalDeviceId": "EEEE000000000001"}, &on))
	if on["online"] {
		t.Fatal("isDeviceOnline by physical id")
	}
	wantCode(t, e.bind(0, "plug", "isDeviceOnline", map[string]any{"deviceId": d1.DeviceID, "physicalDeviceId": "EEEE000000000002"}, nil), models.ErrInvalidParam)
	wantCode(t, e.bind(0, "plug", "isDeviceOnline", map[string]any{"physicalDeviceId": "NOPE"}, nil), models.ErrDeviceAbsent)
}

// TestConcurrentFirstBind: many users race to bind one device; exactly one
// becomes its owner and the others are told to ask for a share code.
func TestConcurrentFirstBind(t *testing.T) {
	e := newEnv(t)
	e.activate("plug", "RACE000000000001")
	const n = 8
	users := make([]int64, n)
	for i := range users {
		users[i] = e.user(i + 1)
	}
	errs := make(chan *apiErr, n)
	for _, u := range users {
		go func() {
			errs <- e.bind(u, "plug", "bindDevice", map[string]any{"physicalDeviceId": "RACE000000000001"}, nil)
		}()
	}
	ok := 0
	for range users {
		switch a := <-errs; {
		case a == nil:
			ok++
		case a.Code != models.ErrDeviceAlreadyBound:
			t.Errorf("racing bind: %v", a)
		}
	}
	if ok != 1 {
		t.Fatalf("%d users bound the device, want 1", ok)
	}
	owners := 0
	for _, u := range users {
		owners += len(e.listDevices(u, false))
	}
	if owners != 1 {
		t.Fatalf("%d bindings after the race", owners)
	}
}
