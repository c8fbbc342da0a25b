package ota

import (
	"acconsole/cloud/rpc/rpctest"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/platform"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/cloud/store/storetest"
	"acconsole/internal/clock"
	"acconsole/models"
)

// fakeDevices is cloud/devices and its warehouse in miniature.
type fakeDevices struct {
	mu    sync.Mutex
	devs  map[int64]models.Device
	users map[int64]map[int64]bool // device → user → owner
	wh    map[string]*models.DeviceInfo
	sub   map[string]string // pid → product name
	// beforeSetVersion, when set, runs as a warehouse version write
	// begins (before it is applied).
	beforeSetVersion func()
}

func (f *fakeDevices) Device(_ context.Context, id int64) (models.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devs[id]
	if !ok {
		return d, rpc.Errorf(models.ErrDeviceAbsent, "device %d does not exist", id)
	}
	return d, nil
}

func (f *fakeDevices) DeviceByPhysical(_ context.Context, sub int64, pid string) (models.Device, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.devs {
		if d.SubDomainID == sub && d.PhysicalDeviceID == pid {
			return d, true, nil
		}
	}
	return models.Device{}, false, nil
}

func (f *fakeDevices) UserCanAccess(_ context.Context, uid, id int64) (bool, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	owner, bound := f.users[id][uid]
	return owner, bound, nil
}

func (f *fakeDevices) SetDeviceVersion(_ context.Context, _ int64, pid, dev, mod string) error {
	f.mu.Lock()
	hook := f.beforeSetVersion
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.wh[pid]
	if dev != "" {
		w.DevVersion = dev
	}
	if mod != "" {
		w.ModVersion = mod
	}
	return nil
}

func (f *fakeDevices) WarehouseDevices(_ context.Context, fn func(models.DeviceInfo, string) error) error {
	f.mu.Lock()
	var infos []models.DeviceInfo
	for _, w := range f.wh {
		infos = append(infos, *w)
	}
	f.mu.Unlock()
	for _, i := range infos {
		if err := fn(i, f.sub[i.PhysicalDeviceID]); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeDevices) DeviceInfo(_ context.Context, _ int64, pid string) (models.DeviceInfo, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.wh[pid]
	if !ok {
		return models.DeviceInfo{}, false, nil
	}
	return *w, true, nil
}

func (f *fakeDevices) version(pid string) (string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wh[pid].DevVersion, f.wh[pid].ModVersion
}

// fakeUpgrader hands the test a channel per upgrade to drive by hand.
type fakeUpgrader struct {
	mu      sync.Mutex
	started []string
	chans   map[string]chan Progress
}

func (u *fakeUpgrader) StartUpgrade(k hub.Key, typ int, target string) (<-chan Progress, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.started = append(u.started, fmt.Sprintf("%s:%d:%s", k.PhysicalID, typ, target))
	ch := make(chan Progress, 32)
	u.chans[k.PhysicalID] = ch
	return ch, nil
}

func (u *fakeUpgrader) ch(pid string) chan Progress {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.chans[pid]
}

func (u *fakeUpgrader) starts() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.started...)
}

type endpoint struct{}

func (endpoint) Deliver(context.Context, int, []byte) (int, []byte, error) { return 0, nil, nil }

type noTokens struct{}

func (noTokens) AccessToken(context.Context, int64) (string, time.Time, bool) {
	return "", time.Time{}, false
}
func (noTokens) RefreshToken(context.Context, int64) (string, time.Time, bool) {
	return "", time.Time{}, false
}

type world struct {
	t        *testing.T
	db       *store.DB
	clock    *clock.Fake
	plat     *platform.Platform
	dev      rpc.Developer
	plug     rpc.SubDomain
	devices  *fakeDevices
	hub      *hub.Hub
	up       *fakeUpgrader
	svc      *Service
	srv      *httptest.Server
	progress chan struct{}
	checkin  chan struct{}
}

const (
	devID = 21
	alice = 201 // owner
	bob   = 202 // bound
	carol = 203 // stranger
	pid   = "PLUG000000000021"
	pid2  = "PLUG000000000022" // in the warehouse, not bound
)

var t0 = time.Date(2027, 5, 3, 7, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, opt Options) *world {
	t.Helper()
	w := &world{t: t, clock: clock.NewFake(t0), progress: make(chan struct{}, 100), checkin: make(chan struct{}, 100)}
	var err error
	if w.db, err = store.Open(storetest.Location(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.db.Close() })
	ctx := context.Background()
	w.plat, _ = platform.Open(ctx, w.db)
	var dom rpc.Domain
	if w.dev, dom, err = w.plat.EnsureDomain(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if w.plug, err = w.plat.EnsureProduct(ctx, dom.ID, models.Product{SubDomainName: "plug"}); err != nil {
		t.Fatal(err)
	}
	w.devices = &fakeDevices{
		devs:  map[int64]models.Device{devID: {DeviceID: devID, PhysicalDeviceID: pid, SubDomainID: w.plug.ID, Owner: alice}},
		users: map[int64]map[int64]bool{devID: {alice: true, bob: false}},
		wh: map[string]*models.DeviceInfo{
			pid:  {PhysicalDeviceID: pid, DevVersion: "1-0-1", ModVersion: "1-0-0", Status: 2},
			pid2: {PhysicalDeviceID: pid2, DevVersion: "1-0-0", ModVersion: "1-0-0", Status: 2},
		},
		sub: map[string]string{pid: "plug", pid2: "plug"},
	}
	w.hub = hub.New(w.clock.Now)
	w.up = &fakeUpgrader{chans: map[string]chan Progress{}}
	opt.Clock, opt.DomainID = w.clock, dom.ID
	w.svc, err = New(Deps{DB: w.db, Devices: w.devices, Warehouse: w.devices, Products: w.plat, Hub: w.hub, Upgrader: w.up}, opt)
	if err != nil {
		t.Fatal(err)
	}
	w.svc.afterProgress = func() { w.progress <- struct{}{} }
	w.svc.afterCheckin = func() { w.checkin <- struct{}{} }
	if err := w.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.svc.Close)
	reg := rpc.NewRegistry()
	w.svc.Register(reg)
	w.srv = httptest.NewServer(rpc.NewHandler(reg, w.plat, noTokens{}, rpc.Options{Now: w.clock.Now}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *world) publish(v Version) {
	w.t.Helper()
	v.SubDomainID = w.plug.ID
	if err := w.svc.Publish(context.Background(), v); err != nil {
		w.t.Fatal(err)
	}
}

type answer struct {
	body map[string]any
	code int
	msg  string
}

// call signs as the developer acting for uid (0 = developer scope), with
// product sub.
func (w *world) call(method string, uid int64, sub string, params map[string]any) answer {
	w.t.Helper()
	body, _ := json.Marshal(params)
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/"+ServiceName+"/v1/"+method, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-zc-object")
	rpctest.Developer{ID: w.dev.ID, SecretKey: w.dev.SecretKey, MajorDomain: "acme"}.Sign(req.Header, method, sub, uid, w.clock.Now(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a answer
	if err := json.Unmarshal(raw, &a.body); err != nil {
		w.t.Fatalf("%s: bad JSON %q", method, raw)
	}
	if resp.Header.Get("X-Zc-Msg-Name") == "X-Zc-Err" {
		a.code = int(a.body["errorCode"].(float64))
		a.msg, _ = a.body["error"].(string)
	}
	return a
}

func (w *world) must(a answer) map[string]any {
	w.t.Helper()
	if a.code != 0 {
		w.t.Fatalf("unexpected error %d: %s", a.code, a.msg)
	}
	return a.body
}

func (w *world) wantErr(a answer, code int, substr string) {
	w.t.Helper()
	if a.code != code || !strings.Contains(a.msg, substr) {
		w.t.Fatalf("got %d %q, want %d containing %q", a.code, a.msg, code, substr)
	}
}

// step feeds one progress report and waits until it is applied.
func (w *world) step(p string, phase string, pct float64, reason string) {
	w.t.Helper()
	w.up.ch(p) <- Progress{Phase: phase, Percent: pct, Reason: reason, At: w.clock.Now()}
	select {
	case <-w.progress:
	case <-time.After(5 * time.Second):
		w.t.Fatal("progress not applied")
	}
}

func (w *world) status(uid int64) models.UpgradeStatus {
	w.t.Helper()
	raw, _ := json.Marshal(w.must(w.call("getUpgradeStatus", uid, "", map[string]any{"deviceId": devID})))
	var st models.UpgradeStatus
	_ = json.Unmarshal(raw, &st)
	return st
}

func TestCheckUpdate(t *testing.T) {
	w := newWorld(t, Options{})
	a := w.must(w.call("checkUpdate", alice, "", map[string]any{"deviceId": devID, "otaType": 1}))
	if a["update"] != 0.0 || a["currentVersion"] != "1-0-1" || a["oldVersion"] != "1-0-1" {
		t.Fatalf("nothing published: %v", a)
	}
	w.publish(Version{OTAType: TypeMCU, Version: "1-0-1", Mode: ModeConfirm})
	w.publish(Version{OTAType: TypeMCU, Version: "1-0-10", Mode: ModeConfirm, UpgradeLog: "fixes", Size: 1000,
		Files: []models.OTAFile{{Name: "mcu.bin", DownloadURL: "http://x/mcu.bin", Type: 1, Checksum: 42}}})
	w.publish(Version{OTAType: TypeMCU, Version: "1-0-9", Mode: ModeConfirm})
	a = w.must(w.call("checkUpdate", bob, "", map[string]any{"deviceId": devID}))
	if a["update"] != 1.0 || a["targetVersion"] != "1-0-10" || a["upgradeVersion"] != "1-0-10" || a["otaMode"] != 1.0 || a["upgradeLog"] != "fixes" {
		t.Fatalf("update offered: %v", a)
	}
	if files := a["files"].([]any); len(files) != 1 || files[0].(map[string]any)["checksum"] != 42.0 {
		t.Fatalf("files = %v", a["files"])
	}
	// By physical id, in the product named by the header; a device that
	// says it runs something else is believed.
	a = w.must(w.call("checkUpdate", 0, "plug", map[string]any{"physicalDeviceId": pid2, "version": "1-0-10"}))
	if a["update"] != 0.0 {
		t.Fatalf("device on the newest: %v", a)
	}
	w.wantErr(w.call("checkUpdate", carol, "", map[string]any{"deviceId": devID}), 3802, "not bound to user 203")
	w.wantErr(w.call("checkUpdate", alice, "", map[string]any{"deviceId": devID, "otaType": 3}), 3002, "otaType must be 1")
	w.wantErr(w.call("checkUpdate", 0, "", map[string]any{"physicalDeviceId": pid2}), 3008, "X-Zc-Sub-Domain")
	w.wantErr(w.call("checkUpdate", alice, "plug", map[string]any{"physicalDeviceId": pid2}), 3802, "not bound")
}

func TestConfirmedUpgradeStepByStep(t *testing.T) {
	w := newWorld(t, Options{StallMin: 5 * time.Second})
	ids := map[string]any{"deviceId": devID, "otaType": 1}
	w.wantErr(w.call("confirmUpdate", alice, "", ids), 4101, "no newer version")
	w.publish(Version{OTAType: TypeMCU, Version: "1-1-0", Mode: ModeConfirm, Size: 700_000})
	w.must(w.call("checkUpdate", alice, "", ids))
	w.wantErr(w.call("confirmUpdate", bob, "", ids), 3821, "only the owner")
	w.wantErr(w.call("confirmUpdate", alice, "", map[string]any{"deviceId": devID, "targetVersion": "9-9-9"}), 3002, "not published")
	w.wantErr(w.call("confirmUpdate", alice, "", map[string]any{"deviceId": devID, "targetVersion": "1-0-1"}), 3002, "not published")

	// The offer expires after the confirm window.
	w.clock.Advance(25 * time.Hour)
	w.wantErr(w.call("confirmUpdate", alice, "", ids), 4102, "check for updates again")
	w.must(w.call("checkUpdate", alice, "", ids))
	w.must(w.call("confirmUpdate", alice, "", map[string]any{"deviceId": devID, "targetVersion": "1-1-0"}))
	w.must(w.call("confirmUpdate", alice, "", ids)) // twice is harmless
	if got := w.up.starts(); len(got) != 1 || got[0] != pid+":1:1-1-0" {
		t.Fatalf("upgrades started: %v", got)
	}
	if st := w.status(bob); st.State != models.UpgradeUpgrading || st.Phase != "download" || st.TargetVersion != "1-1-0" || st.CurrentVersion != "1-0-1" {
		t.Fatalf("status at start = %+v", st)
	}
	// Download: 7 % every 2 s = 70 000 bytes per 2 s.
	for i := 1; i <= 5; i++ {
		w.clock.Advance(2 * time.Second)
		w.step(pid, "download", float64(7*i), "")
	}
	st := w.status(alice)
	if st.State != models.UpgradeUpgrading || st.Percent != 35 || st.BytesPerSecond < 34_000 || st.BytesPerSecond > 36_000 {
		t.Fatalf("during download = %+v", st)
	}
	if st.ETA != 18*time.Second || st.ProgressInterval != 2*time.Second {
		t.Fatalf("eta %s, interval %s", st.ETA, st.ProgressInterval)
	}
	// Slow is not stalled: 5 s of quiet is within 3 intervals (6 s)...
	w.clock.Advance(5 * time.Second)
	if st := w.status(alice); st.State != models.UpgradeUpgrading {
		t.Fatalf("after 5 s quiet: %+v", st)
	}
	// ...7 s is not.
	w.clock.Advance(2 * time.Second)
	if st := w.status(alice); st.State != models.UpgradeStalled || st.StalledFor != 7*time.Second {
		t.Fatalf("after 7 s quiet: %+v", st)
	}
	w.step(pid, "verify", 70, "")
	if st := w.status(alice); st.State != models.UpgradeUpgrading || st.Phase != "verify" {
		t.Fatalf("resumed: %+v", st)
	}
	w.step(pid, "flash", 80, "")
	w.step(pid, "reboot", 95, "")
	w.step(pid, "done", 100, "")
	st = w.status(alice)
	if st.State != models.UpgradeSucceeded || st.Percent != 100 || st.CurrentVersion != "1-1-0" {
		t.Fatalf("after done = %+v", st)
	}
	if dev, _ := w.devices.version(pid); dev != "1-1-0" {
		t.Fatalf("warehouse devVersion %s after the upgrade", dev)
	}
	a := w.must(w.call("checkUpdate", alice, "", ids))
	if a["update"] != 0.0 || a["currentVersion"] != "1-1-0" || a["status"] != float64(statusSucceeded) {
		t.Fatalf("check after upgrade: %v", a)
	}
}

func TestFailedAndTimedOutUpgrades(t *testing.T) {
	w := newWorld(t, Options{NoProgressTimeout: time.Minute})
	w.publish(Version{OTAType: TypeMCU, Version: "1-1-0", Mode: ModeConfirm})
	ids := map[string]any{"deviceId": devID}
	w.must(w.call("confirmUpdate", 0, "", ids)) // a developer confirms on the user's behalf
	w.step(pid, "download", 10, "")
	w.step(pid, "failed", 10, "checksum mismatch")
	if st := w.status(alice); st.State != models.UpgradeFailed || st.FailureReason != "checksum mismatch" {
		t.Fatalf("failed = %+v", st)
	}
	if dev, _ := w.devices.version(pid); dev != "1-0-1" {
		t.Fatalf("a failed upgrade moved the version to %s", dev)
	}
	// A retry that goes silent is failed by the timeout, and a late
	// success still counts.
	w.must(w.call("confirmUpdate", alice, "", ids))
	w.step(pid, "download", 20, "")
	w.clock.Advance(61 * time.Second)
	select {
	case <-w.progress: // the timeout was applied
	case <-time.After(5 * time.Second):
		t.Fatal("no timeout")
	}
	if st := w.status(alice); !strings.Contains(st.FailureReason, "no progress for 1m0s") {
		t.Fatalf("timed out = %+v", st)
	}
	w.step(pid, "done", 100, "")
	if st := w.status(alice); st.State != models.UpgradeSucceeded {
		t.Fatalf("late success = %+v", st)
	}
	if dev, _ := w.devices.version(pid); dev != "1-1-0" {
		t.Fatalf("version %s after the late success", dev)
	}
}

func TestSilentAndForcedStartThemselves(t *testing.T) {
	w := newWorld(t, Options{})
	key := hub.Key{SubDomain: "plug", PhysicalID: pid}
	// Published while the device is offline: nothing starts.
	w.publish(Version{OTAType: TypeModule, Version: "1-0-4", Mode: ModeSilent})
	if got := w.up.starts(); len(got) != 0 {
		t.Fatalf("started on an offline device: %v", got)
	}
	// The device checks in: the silent module upgrade starts by itself.
	w.hub.Connect(key, endpoint{}, "")
	<-w.checkin
	if got := w.up.starts(); len(got) != 1 || got[0] != pid+":2:1-0-4" {
		t.Fatalf("after check-in: %v", got)
	}
	w.step(pid, "done", 100, "")
	<-w.checkin // the finished device is looked at again (nothing more due)
	if _, mod := w.devices.version(pid); mod != "1-0-4" {
		t.Fatalf("modVersion %s", mod)
	}
	// A forced version published while it is online starts at once, and
	// needs no confirmation.
	w.publish(Version{OTAType: TypeMCU, Version: "2-0-0", Mode: ModeForced})
	<-w.checkin
	if got := w.up.starts(); len(got) != 2 || got[1] != pid+":1:2-0-0" {
		t.Fatalf("forced: %v", got)
	}
	// The unbound warehouse device pid2 is not online: it waits.
	for _, s := range w.up.starts() {
		if strings.HasPrefix(s, pid2) {
			t.Fatalf("offline device upgraded: %v", s)
		}
	}
	// listUpgrades shows the fleet: pid upgrading, pid2 with updates due.
	raw, _ := json.Marshal(w.must(w.call("listUpgrades", 0, "plug", nil))["devices"])
	var fleet []models.UpgradeCandidate
	_ = json.Unmarshal(raw, &fleet)
	got := map[string]string{}
	for _, e := range fleet {
		got[fmt.Sprintf("%s:%d", e.PhysicalDeviceID, e.OTAType)] = e.State + " " + e.TargetVersion
	}
	want := map[string]string{pid + ":1": "upgrading 2-0-0", pid2 + ":1": "idle 2-0-0", pid2 + ":2": "idle 1-0-4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fleet = %v, want %v", got, want)
	}
}

func TestRestartFailsInterruptedUpgrades(t *testing.T) {
	w := newWorld(t, Options{})
	w.publish(Version{OTAType: TypeMCU, Version: "1-1-0", Mode: ModeConfirm})
	w.must(w.call("confirmUpdate", alice, "", map[string]any{"deviceId": devID}))
	w.step(pid, "download", 30, "")
	w.svc.Close()
	svc, err := New(w.svc.deps, w.svc.opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	w.svc = svc
	reg := rpc.NewRegistry()
	svc.Register(reg)
	w.srv.Config.Handler = rpc.NewHandler(reg, w.plat, noTokens{}, rpc.Options{Now: w.clock.Now})
	st := w.status(alice)
	if st.State != models.UpgradeFailed || !strings.Contains(st.FailureReason, "interrupted") || st.Percent != 30 {
		t.Fatalf("after restart = %+v", st)
	}
	if vs := svc.Versions(w.plug.ID, TypeMCU); len(vs) != 1 || vs[0].Version != "1-1-0" {
		t.Fatalf("catalog after restart = %+v", vs)
	}
}

func TestSeedFor(t *testing.T) {
	now := time.Now()
	vs := SeedFor(1, "plug", "1-4-2", true, now)
	if len(vs) != 2 || vs[0].Version != "1-5-0" || vs[0].Mode != ModeConfirm || vs[1].Version != "1-0-4" || vs[1].Mode != ModeSilent {
		t.Fatalf("seed = %+v", vs)
	}
	if vs := SeedFor(1, "bulb", "1-1-5", false, now); len(vs) != 1 || vs[0].Version != "1-3-0" {
		t.Fatalf("seed above the demo's 1-2-0 = %+v", vs)
	}
}

func TestIgnoreUpdateDeclinesConfirmVersionsOnly(t *testing.T) {
	w := newWorld(t, Options{})
	ids := map[string]any{"deviceId": devID, "otaType": 1}
	w.wantErr(w.call("ignoreUpdate", alice, "", ids), 4101, "no newer version is published")
	w.publish(Version{OTAType: TypeMCU, Version: "1-1-0", Mode: ModeConfirm})
	if got := w.must(w.call("checkUpdate", alice, "", ids)); got["update"] != float64(1) {
		t.Fatalf("before ignoring: %v", got)
	}
	w.wantErr(w.call("ignoreUpdate", bob, "", ids), 3821, "only the owner")
	w.wantErr(w.call("ignoreUpdate", alice, "", map[string]any{"deviceId": devID, "hours": 0}), 3002, "hours must be")
	got := w.must(w.call("ignoreUpdate", alice, "", map[string]any{"deviceId": devID, "hours": 48}))
	if got["targetVersion"] != "1-1-0" || got["ignoredUntil"] == "" {
		t.Fatalf("ignoreUpdate answered %v", got)
	}
	quiet := w.must(w.call("checkUpdate", alice, "", ids))
	if quiet["update"] != float64(0) || quiet["ignoredVersion"] != "1-1-0" {
		t.Fatalf("checkUpdate while ignored: %v", quiet)
	}
	// A newer version is a new offer, declined or not.
	w.publish(Version{OTAType: TypeMCU, Version: "1-2-0", Mode: ModeConfirm})
	if got := w.must(w.call("checkUpdate", alice, "", ids)); got["update"] != float64(1) || got["targetVersion"] != "1-2-0" {
		t.Fatalf("a newer version after ignoring: %v", got)
	}
	// After the decline lapses the offer comes back.
	w.must(w.call("ignoreUpdate", alice, "", map[string]any{"deviceId": devID, "hours": 1}))
	w.clock.Advance(61 * time.Minute)
	if got := w.must(w.call("checkUpdate", alice, "", ids)); got["update"] != float64(1) {
		t.Fatalf("after the decline lapsed: %v", got)
	}
	// A new owner is not bound by the last owner's decline.
	w.must(w.call("ignoreUpdate", alice, "", map[string]any{"deviceId": devID, "hours": 48}))
	w.devices.mu.Lock()
	d := w.devices.devs[devID]
	d.Owner = bob
	w.devices.devs[devID] = d
	w.devices.users[devID] = map[int64]bool{bob: true}
	w.devices.mu.Unlock()
	if got := w.must(w.call("checkUpdate", bob, "", ids)); got["update"] != float64(1) {
		t.Fatalf("the new owner does not see the update the last owner declined: %v", got)
	}
	// Silent and forced versions cannot be declined.
	w.publish(Version{OTAType: TypeModule, Version: "1-0-5", Mode: ModeSilent})
	w.wantErr(w.call("ignoreUpdate", bob, "", map[string]any{"deviceId": devID, "otaType": 2}), 4103, "silent update")
	w.publish(Version{OTAType: TypeMCU, Version: "2-0-0", Mode: ModeForced})
	w.wantErr(w.call("ignoreUpdate", bob, "", map[string]any{"deviceId": devID, "targetVersion": "2-0-0"}), 4103, "forced update")
}

// A console looking on the user's behalf (peek) records no offer: the
// user's confirm window neither starts nor slides.
func TestPeekDoesNotStartOrSlideTheConfirmWindow(t *testing.T) {
	w := newWorld(t, Options{})
	ids := map[string]any{"deviceId": devID, "otaType": 1}
	peek := map[string]any{"deviceId": devID, "otaType": 1, "peek": true}
	w.publish(Version{OTAType: TypeMCU, Version: "1-1-0", Mode: ModeConfirm})
	if got := w.must(w.call("checkUpdate", alice, "", peek)); got["update"] != float64(1) {
		t.Fatalf("peek: %v", got)
	}
	var n int
	_ = w.db.QueryRow(`SELECT COUNT(*) FROM ota_offers`).Scan(&n)
	if n != 0 {
		t.Fatalf("a peek recorded %d offers", n)
	}
	w.must(w.call("checkUpdate", alice, "", ids)) // the user is offered it
	w.clock.Advance(20 * time.Hour)
	w.must(w.call("checkUpdate", alice, "", peek)) // support looks again
	w.clock.Advance(5 * time.Hour)
	w.wantErr(w.call("confirmUpdate", alice, "", ids), 4102, "check for updates again")
}

// TestSucceededOnlyOnceTheWarehouseHasTheVersion: a client that sees
// "succeeded" and then asks checkUpdate must be told the new version. The
// warehouse write is held back; meanwhile the upgrade is not yet reported
// as succeeded.
func TestSucceededOnlyOnceTheWarehouseHasTheVersion(t *testing.T) {
	w := newWorld(t, Options{})
	w.publish(Version{OTAType: TypeMCU, Version: "1-1-0", Mode: ModeConfirm})
	ids := map[string]any{"deviceId": devID, "otaType": 1}
	w.must(w.call("checkUpdate", alice, "", ids))
	w.must(w.call("confirmUpdate", alice, "", ids))
	w.step(pid, "download", 70, "")
	w.step(pid, "reboot", 95, "")
	entered, release := make(chan struct{}), make(chan struct{})
	w.devices.mu.Lock()
	w.devices.beforeSetVersion = func() {
		close(entered)
		<-release
	}
	w.devices.mu.Unlock()
	w.up.ch(pid) <- Progress{Phase: "done", Percent: 100, At: w.clock.Now()}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the warehouse version was not written after done")
	}
	st := w.status(alice)
	a := w.must(w.call("checkUpdate", alice, "", ids))
	close(release)
	if st.State == models.UpgradeSucceeded && a["currentVersion"] != "1-1-0" {
		t.Fatalf("status says %s (current %s) while checkUpdate says current %v", st.State, st.CurrentVersion, a["currentVersion"])
	}
	if st.State != models.UpgradeUpgrading {
		t.Fatalf("status while the warehouse is written = %+v", st)
	}
	select {
	case <-w.progress:
	case <-time.After(5 * time.Second):
		t.Fatal("done not applied")
	}
	if st := w.status(alice); st.State != models.UpgradeSucceeded || st.CurrentVersion != "1-1-0" {
		t.Fatalf("after done = %+v", st)
	}
	if a := w.must(w.call("checkUpdate", alice, "", ids)); a["currentVersion"] != "1-1-0" || a["update"] != 0.0 {
		t.Fatalf("checkUpdate after done = %v", a)
	}
}
