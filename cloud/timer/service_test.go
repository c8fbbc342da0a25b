package timer

import (
	"acconsole/cloud/rpc/rpctest"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// fakeDevices stands in for cloud/devices: devices and who is bound.
type fakeDevices struct {
	mu    sync.Mutex
	devs  map[int64]models.Device
	users map[int64]map[int64]bool // device → user → owner
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

func (f *fakeDevices) UserCanAccess(_ context.Context, uid, id int64) (bool, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	owner, bound := f.users[id][uid]
	return owner, bound, nil
}

func (f *fakeDevices) bind(dev, uid int64, owner bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users[dev] == nil {
		f.users[dev] = map[int64]bool{}
	}
	f.users[dev][uid] = owner
}

func (f *fakeDevices) unbind(dev, uid int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users[dev], uid)
}

// endpoint is a device on the hub that records commands.
type endpoint struct {
	mu    sync.Mutex
	got   []string // "code:payload"
	block bool
}

func (e *endpoint) Deliver(ctx context.Context, code int, payload []byte) (int, []byte, error) {
	e.mu.Lock()
	e.got = append(e.got, fmt.Sprintf("%d:%s", code, payload))
	block := e.block
	e.mu.Unlock()
	if block {
		<-ctx.Done()
		return 0, nil, ctx.Err()
	}
	return code + 100, []byte("done"), nil
}

func (e *endpoint) commands() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.got...)
}

type noTokens struct{}

func (noTokens) AccessToken(context.Context, int64) (string, time.Time, bool) {
	return "", time.Time{}, false
}
func (noTokens) RefreshToken(context.Context, int64) (string, time.Time, bool) {
	return "", time.Time{}, false
}

// world is a timer service behind a real router on a loopback server.
type world struct {
	t       testing.TB
	dbPath  string
	db      *store.DB
	clock   *clock.Fake
	plat    *platform.Platform
	dev     rpc.Developer
	dom     rpc.Domain
	devices *fakeDevices
	hub     *hub.Hub
	plug    *endpoint
	lamp    *endpoint
	svc     *Service
	srv     *httptest.Server
	opt     Options
}

const (
	plugID = 11 // product "plug": taskMode 1, policy 1
	lampID = 12 // product "lamp": taskMode 0, policy 2
	alice  = 101
	bob    = 102
	carol  = 103
)

var t0 = time.Date(2027, 5, 3, 7, 0, 0, 0, time.UTC) // 15:00 in Shanghai

func newWorld(t testing.TB, opt Options) *world {
	t.Helper()
	w := &world{t: t, dbPath: storetest.Location(t), clock: clock.NewFake(t0)}
	var err error
	if w.db, err = store.Open(w.dbPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.db.Close() })
	ctx := context.Background()
	if w.plat, err = platform.Open(ctx, w.db); err != nil {
		t.Fatal(err)
	}
	if w.dev, w.dom, err = w.plat.EnsureDomain(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	plug, err := w.plat.EnsureProduct(ctx, w.dom.ID, models.Product{SubDomainName: "plug", TaskMode: 1, TaskUpdatePolicy: 1})
	if err != nil {
		t.Fatal(err)
	}
	lamp, err := w.plat.EnsureProduct(ctx, w.dom.ID, models.Product{SubDomainName: "lamp", TaskUpdatePolicy: 2})
	if err != nil {
		t.Fatal(err)
	}
	w.devices = &fakeDevices{
		devs: map[int64]models.Device{
			plugID: {DeviceID: plugID, PhysicalDeviceID: "PLUG000000000011", SubDomainID: plug.ID, Owner: alice, GatewayDeviceID: plugID},
			lampID: {DeviceID: lampID, PhysicalDeviceID: "LAMP000000000012", SubDomainID: lamp.ID, SubDomainName: "lamp", Owner: alice, GatewayDeviceID: lampID},
		},
		users: map[int64]map[int64]bool{},
	}
	w.devices.bind(plugID, alice, true)
	w.devices.bind(plugID, bob, false)
	w.devices.bind(lampID, alice, true)
	w.devices.bind(lampID, bob, false)
	w.hub = hub.New(w.clock.Now)
	w.plug, w.lamp = &endpoint{}, &endpoint{}
	w.hub.Connect(hub.Key{SubDomain: "plug", PhysicalID: "PLUG000000000011"}, w.plug, "127.0.0.1")
	w.hub.Connect(hub.Key{SubDomain: "lamp", PhysicalID: "LAMP000000000012"}, w.lamp, "127.0.0.1")
	if opt.SendTimeout == 0 {
		opt.SendTimeout = 200 * time.Millisecond
	}
	w.opt = opt
	w.open()
	return w
}

// open starts (or restarts, after stop) the service on the same database.
func (w *world) open() {
	w.t.Helper()
	opt := w.opt
	opt.Clock = w.clock
	svc, err := New(Deps{DB: w.db, Devices: w.devices, Products: w.plat, Sender: w.hub, Hosts: w.hub}, opt)
	if err != nil {
		w.t.Fatal(err)
	}
	reg := rpc.NewRegistry()
	svc.Register(reg)
	if err := svc.Start(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.svc = svc
	w.srv = httptest.NewServer(rpc.NewHandler(reg, w.plat, noTokens{}, rpc.Options{Now: w.clock.Now}))
	// Keep connections for many callers at once, as acapi's client does:
	// the default two would make concurrent benchmarks reconnect.
	w.srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	w.t.Cleanup(w.stop)
}

func (w *world) stop() {
	if w.srv != nil {
		w.srv.Close()
		w.srv = nil
	}
	if w.svc != nil {
		w.svc.Close()
		w.svc = nil
	}
}

// answer is a decoded reply: the body keys, or the error.
type answer struct {
	body map[string]any
	code int
	msg  string
}

func (a answer) err() error {
	if a.code != 0 {
		return fmt.Errorf("%d: %s", a.code, a.msg)
	}
	return nil
}

// call signs a request as the developer acting for user uid (0 = none),
// the way PROTOCOL §1.5 describes; payload != nil makes it an
// octet-stream call with the keys in the query.
func (w *world) call(method string, uid int64, params map[string]any, payload []byte) answer {
	w.t.Helper()
	u := w.srv.URL + "/" + ServiceName + "/v1/" + method
	var body []byte
	ct := "application/x-zc-object"
	if payload != nil {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, fmt.Sprint(v))
		}
		u += "?" + q.Encode()
		body, ct = payload, "application/octet-stream"
	} else {
		body, _ = json.Marshal(params)
	}
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	rpctest.Developer{ID: w.dev.ID, SecretKey: w.dev.SecretKey, MajorDomain: "acme"}.Sign(req.Header, method, "", uid, w.clock.Now(), "")
	resp, err := w.srv.Client().Do(req)
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

func taskParams(dev int64, point, cycle string, code int) map[string]any {
	return map[string]any{
		"deviceId": dev, "taskFlag": 0, "timeZone": "Asia/Shanghai", "timePoint": point,
		"timeCycle": cycle, "name": "lights", "messageCode": code,
	}
}

func (w *world) add(uid int64, p map[string]any, payload []byte) models.TimerTask {
	w.t.Helper()
	body := w.must(w.call("addTask", uid, p, payload))
	raw, _ := json.Marshal(body["task"])
	var tk models.TimerTask
	if err := json.Unmarshal(raw, &tk); err != nil || tk.TaskID == 0 {
		w.t.Fatalf("addTask answer %s", raw)
	}
	w.svc.Settle() // a task due this very second fires before the clock moves
	return tk
}

func (w *world) list(uid, dev int64) []models.TimerTask {
	w.t.Helper()
	raw, _ := json.Marshal(w.must(w.call("listTasks", uid, map[string]any{"deviceId": dev}, nil))["tasks"])
	var out []models.TimerTask
	_ = json.Unmarshal(raw, &out)
	return out
}

func (w *world) history(uid, dev, task int64) []HistoryEntry {
	w.t.Helper()
	raw, _ := json.Marshal(w.must(w.call("listTaskHistory", uid, map[string]any{"deviceId": dev, "taskId": task, "limit": 50}, nil))["history"])
	var out []HistoryEntry
	_ = json.Unmarshal(raw, &out)
	return out
}

// advance moves the fake clock and waits until everything due has been
// sent and recorded.
func (w *world) advance(d time.Duration) {
	w.clock.Advance(d)
	w.svc.Settle()
}

func TestAddTaskValidation(t *testing.T) {
	w := newWorld(t, Options{})
	cases := []struct {
		name   string
		uid    int64
		change map[string]any
		code   int
		msg    string
	}{
		{"zone", alice, map[string]any{"timeZone": "Mars/Olympus"}, 3002, `timeZone: unknown time zone "Mars/Olympus"`},
		{"empty zone", alice, map[string]any{"timeZone": ""}, 3002, "timeZone is required"},
		{"time point", alice, map[string]any{"timePoint": "2027-13-01 00:00:00"}, 3002, "timePoint: "},
		{"time point format", alice, map[string]any{"timePoint": "2027/05/04 08:00"}, 3002, "yyyy-MM-dd HH:mm:ss"},
		{"cycle", alice, map[string]any{"timeCycle": "fortnight"}, 3002, `timeCycle: unknown cycle "fortnight"`},
		{"weekday", alice, map[string]any{"timeCycle": "week[1,9]"}, 3002, "timeCycle: weekday 9 out of range"},
		{"code low", alice, map[string]any{"messageCode": 12}, 3002, "messageCode 12 is out of range"},
		{"code high", alice, map[string]any{"messageCode": 200}, 3002, "65–199"},
		{"flag", alice, map[string]any{"taskFlag": 3}, 3002, "taskFlag must be 0"},
		{"task mode", alice, map[string]any{"taskFlag": 1}, 3002, "cloud timers only (taskMode 1)"},
		{"not bound", carol, nil, 3802, "not bound to user 103"},
		{"no device", alice, map[string]any{"deviceId": 999}, 3802, "device 999"},
		{"expired once", alice, map[string]any{"timePoint": "2027-05-03 14:59:59", "timeCycle": "once"}, 4401, "2027-05-03 14:59:59 (Asia/Shanghai) has passed"},
		{"long name", alice, map[string]any{"name": strings.Repeat("x", 129)}, 3002, "name is 129 characters long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := taskParams(plugID, "2027-05-04 08:00:00", "day", 70)
			for k, v := range c.change {
				p[k] = v
			}
			w.wantErr(w.call("addTask", c.uid, p, []byte{1}), c.code, c.msg)
		})
	}
	// Full-width commas are accepted and stored in the canonical form; a
	// once task at the current second is not expired.
	tk := w.add(alice, taskParams(plugID, "2027-05-04 08:00:00", "week[5，1， 1]", 70), []byte{1})
	if tk.TimeCycle != "week[1,5]" || tk.TaskType != "cloud" || tk.Status != models.TaskRunning || tk.UserID != alice {
		t.Fatalf("task = %+v", tk)
	}
	w.add(alice, taskParams(plugID, "2027-05-03 15:00:00", "once", 70), []byte{1})
	// A user-signed or acting user is required to add.
	w.wantErr(w.call("addTask", 0, taskParams(plugID, "2027-05-04 08:00:00", "day", 70), []byte{1}), 3001, "X-Zc-User-Id")
}

func TestOnceTaskSwitchesTheDeviceAndStops(t *testing.T) {
	w := newWorld(t, Options{})
	tk := w.add(alice, taskParams(plugID, "2027-05-03 15:00:10", "once", 70), []byte("on"))
	if got := w.list(bob, plugID); len(got) != 1 || got[0].TaskID != tk.TaskID || got[0].MessageCode != 70 || got[0].DeviceID != plugID {
		t.Fatalf("bob's list = %+v", got)
	}
	w.advance(9 * time.Second)
	if got := w.plug.commands(); len(got) != 0 {
		t.Fatalf("fired early: %v", got)
	}
	w.advance(time.Second)
	if got := w.plug.commands(); len(got) != 1 || got[0] != "70:on" {
		t.Fatalf("device got %v", got)
	}
	h := w.history(alice, plugID, tk.TaskID)
	if len(h) != 1 || h[0].Result != ResultOK || h[0].ReplyCode != 170 || h[0].ScheduledFor != "2027-05-03 07:00:10" || h[0].LateMs != 0 {
		t.Fatalf("history = %+v", h)
	}
	if got := w.list(alice, plugID); got[0].Status != models.TaskStopped {
		t.Fatalf("once task after firing: status %d", got[0].Status)
	}
	w.wantErr(w.call("startTask", alice, map[string]any{"deviceId": plugID, "taskId": tk.TaskID}, nil), 4401, "has passed")
	// The developer (support console) reads history without a user; a
	// stranger cannot.
	if raw := w.must(w.call("listTaskHistory", 0, map[string]any{"deviceId": plugID, "taskId": tk.TaskID}, nil)); len(raw["history"].([]any)) != 1 {
		t.Fatalf("developer history = %v", raw)
	}
	w.wantErr(w.call("listTaskHistory", carol, map[string]any{"deviceId": plugID, "taskId": tk.TaskID}, nil), 3802, "")
	w.wantErr(w.call("listTaskHistory", alice, map[string]any{"deviceId": lampID, "taskId": tk.TaskID}, nil), 4402, "")
}

func TestModifyStartStopDelete(t *testing.T) {
	w := newWorld(t, Options{})
	tk := w.add(alice, taskParams(plugID, "2027-05-03 15:01:00", "min", 70), []byte("A"))
	ids := map[string]any{"deviceId": plugID, "taskId": tk.TaskID}
	w.advance(time.Minute)
	// modifyTask with an empty body (Android's bug) keeps the command.
	p := taskParams(plugID, "2027-05-03 15:00:30", "min", 71)
	p["taskId"] = tk.TaskID
	w.must(w.call("modifyTask", alice, p, []byte{}))
	w.advance(30 * time.Second) // 15:01:30
	// A body replaces it.
	w.must(w.call("modifyTask", alice, p, []byte("B")))
	w.advance(time.Minute) // 15:02:30
	want := []string{"70:A", "71:A", "71:B"}
	if got := w.plug.commands(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("commands %v, want %v", got, want)
	}

	// Bob is bound but neither creator nor owner.
	w.wantErr(w.call("stopTask", bob, ids, nil), 3005, "only its creator or the device's owner")
	w.must(w.call("stopTask", alice, ids, nil))
	w.wantErr(w.call("stopTask", alice, ids, nil), 4403, "already stopped")
	w.advance(5*time.Minute + 10*time.Second) // 15:07:40
	if n := len(w.plug.commands()); n != 3 {
		t.Fatalf("a stopped task fired: %d commands", n)
	}
	// The owner may act on it too; start resumes from now, without a burst.
	w.must(w.call("startTask", alice, ids, nil))
	w.wantErr(w.call("startTask", alice, ids, nil), 4403, "already running")
	w.advance(time.Minute)
	if n := len(w.plug.commands()); n != 4 {
		t.Fatalf("after start: %d commands, want 4", n)
	}
	w.wantErr(w.call("modifyTask", alice, map[string]any{"deviceId": plugID, "taskId": 999, "messageCode": 70}, []byte{}), 4402, "")
	w.must(w.call("deleteTask", alice, ids, nil))
	w.wantErr(w.call("deleteTask", alice, ids, nil), 4402, "does not exist")
	w.advance(5 * time.Minute)
	if n := len(w.plug.commands()); n != 4 || len(w.list(alice, plugID)) != 0 || w.svc.Scheduler().Len() != 0 {
		t.Fatalf("deleted task still around")
	}
}

func TestOfflineAndTimeoutAreRecorded(t *testing.T) {
	w := newWorld(t, Options{SendTimeout: 50 * time.Millisecond})
	tk := w.add(alice, taskParams(plugID, "2027-05-03 15:00:00", "min", 70), nil)
	w.advance(time.Minute)
	w.hub.Disconnect(hub.Key{SubDomain: "plug", PhysicalID: "PLUG000000000011"})
	w.advance(time.Minute)
	w.hub.Connect(hub.Key{SubDomain: "plug", PhysicalID: "PLUG000000000011"}, w.plug, "")
	w.plug.mu.Lock()
	w.plug.block = true
	w.plug.mu.Unlock()
	w.advance(time.Minute)
	h := w.history(alice, plugID, tk.TaskID)
	var results []string
	for _, e := range h {
		results = append(results, e.Result)
	}
	if strings.Join(results, ",") != "timeout,offline,ok,ok" { // 15:03, 15:02, 15:01, 15:00 (due when added)
		t.Fatalf("history (newest first) = %v", results)
	}
}

func TestDeviceTimerIsHandedNotSent(t *testing.T) {
	w := newWorld(t, Options{})
	p := taskParams(lampID, "2027-05-03 15:00:05", "day", 80)
	p["taskFlag"] = 1
	tk := w.add(alice, p, []byte{1})
	if tk.TaskType != "device" {
		t.Fatalf("taskType %q", tk.TaskType)
	}
	w.advance(5 * time.Second)
	if n := len(w.lamp.commands()); n != 0 {
		t.Fatalf("a device timer was sent by the cloud")
	}
	if h := w.history(alice, lampID, tk.TaskID); len(h) != 1 || h[0].Result != ResultHanded {
		t.Fatalf("history = %+v", h)
	}
}

func TestRestartRunsOrRecordsMissedFirings(t *testing.T) {
	w := newWorld(t, Options{Grace: time.Minute})
	daily := w.add(alice, taskParams(plugID, "2027-05-03 15:10:00", "day", 70), []byte("d"))
	soon := w.add(alice, taskParams(plugID, "2027-05-03 15:30:00", "once", 71), []byte("s"))
	late := w.add(alice, taskParams(plugID, "2027-05-03 15:29:00", "once", 72), []byte("l"))
	w.stop()
	// Down from 15:00 until 15:30:20: the daily 15:10 run is 20 minutes
	// late and the 15:29 once task 80 s late, both beyond the 60 s grace,
	// so they are recorded as missed; the 15:30 once task is 20 s late and
	// runs.
	w.clock.Set(time.Date(2027, 5, 3, 7, 30, 20, 0, time.UTC))
	w.open()
	w.svc.Settle()
	if got := w.plug.commands(); len(got) != 1 || got[0] != "71:s" {
		t.Fatalf("after restart the device got %v, want only the once task inside grace", got)
	}
	if h := w.history(alice, plugID, daily.TaskID); len(h) != 1 || h[0].Result != ResultMissed || !strings.Contains(h[0].Detail, "1 firing(s) not run") {
		t.Fatalf("daily history = %+v", h)
	}
	if h := w.history(alice, plugID, late.TaskID); len(h) != 1 || h[0].Result != ResultMissed {
		t.Fatalf("late once history = %+v", h)
	}
	if h := w.history(alice, plugID, soon.TaskID); len(h) != 1 || h[0].Result != ResultOK || h[0].LateMs != 20000 {
		t.Fatalf("soon once history = %+v", h)
	}
	for _, tk := range w.list(alice, plugID) {
		want := models.TaskStopped
		if tk.TaskID == daily.TaskID {
			want = models.TaskRunning
		}
		if tk.Status != want {
			t.Fatalf("task %d status %d, want %d", tk.TaskID, tk.Status, want)
		}
	}
	// A second restart does not run anything again (handled on disk).
	w.stop()
	w.open()
	w.svc.Settle()
	if n := len(w.plug.commands()); n != 1 {
		t.Fatalf("a restart re-sent a firing: %d commands", n)
	}
	if next, ok := w.svc.Scheduler().Next(daily.TaskID); !ok || !next.Equal(time.Date(2027, 5, 4, 7, 10, 0, 0, time.UTC)) {
		t.Fatalf("daily next = %v %v", next, ok)
	}
}

func TestUnbindFreezesByPolicy(t *testing.T) {
	w := newWorld(t, Options{})
	// plug: policy 1. Bob's unbind keeps his task; the owner's freezes all.
	bobPlug := w.add(bob, taskParams(plugID, "2027-05-03 15:05:00", "day", 70), nil)
	alicePlug := w.add(alice, taskParams(plugID, "2027-05-03 15:06:00", "day", 70), nil)
	w.devices.unbind(plugID, bob)
	w.svc.OnUnbind(plugID, bob, false)
	for _, tk := range w.list(alice, plugID) {
		if tk.Status != models.TaskRunning {
			t.Fatalf("policy 1: ordinary unbind changed task %d to %d", tk.TaskID, tk.Status)
		}
	}
	w.svc.OnUnbind(plugID, alice, true)
	for _, tk := range w.list(0, plugID) {
		if tk.Status != models.TaskFrozen {
			t.Fatalf("owner unbind left task %d in status %d", tk.TaskID, tk.Status)
		}
	}
	w.advance(10 * time.Minute)
	if n := len(w.plug.commands()); n != 0 {
		t.Fatalf("a frozen task fired")
	}
	if h := w.history(0, plugID, alicePlug.TaskID); len(h) != 1 || h[0].Result != ResultFrozen || !strings.Contains(h[0].Detail, "owner (user 101)") {
		t.Fatalf("history = %+v", h)
	}
	_ = bobPlug

	// lamp: policy 2. Bob's unbind freezes Bob's tasks only.
	bobLamp := w.add(bob, taskParams(lampID, "2027-05-04 08:00:00", "day", 70), nil)
	aliceLamp := w.add(alice, taskParams(lampID, "2027-05-04 08:00:00", "day", 71), nil)
	w.devices.unbind(lampID, bob)
	w.svc.OnUnbind(lampID, bob, false)
	st := map[int64]int{}
	for _, tk := range w.list(alice, lampID) {
		st[tk.TaskID] = tk.Status
	}
	if st[bobLamp.TaskID] != models.TaskFrozen || st[aliceLamp.TaskID] != models.TaskRunning {
		t.Fatalf("policy 2 statuses = %v", st)
	}
	ids := map[string]any{"deviceId": lampID, "taskId": bobLamp.TaskID}
	w.wantErr(w.call("startTask", alice, ids, nil), 4403, "frozen (its creator (user 102) unbound the device)")
	w.wantErr(w.call("modifyTask", alice, map[string]any{"deviceId": lampID, "taskId": bobLamp.TaskID, "name": "x"}, []byte{}), 4403, "frozen")
	// Frozen tasks can be deleted by the owner.
	w.must(w.call("deleteTask", alice, ids, nil))
}

func TestSchedulerErrorsStayInternal(t *testing.T) {
	// A device that vanished from zc-bind between add and firing is
	// recorded as an error, not a crash.
	w := newWorld(t, Options{})
	tk := w.add(alice, taskParams(plugID, "2027-05-03 15:00:03", "once", 70), nil)
	w.devices.mu.Lock()
	delete(w.devices.devs, plugID)
	w.devices.mu.Unlock()
	w.advance(3 * time.Second)
	h := w.history(0, plugID, tk.TaskID)
	if len(h) != 1 || h[0].Result != ResultError || !strings.Contains(h[0].Detail, "device 11") {
		t.Fatalf("history = %+v", h)
	}
}

// An owner's unbind that committed while the freeze never ran (a crash in
// between) is repaired at the next start: the device's tasks freeze before
// they can fire again.
func TestStartFreezesTasksOfRemovedDevices(t *testing.T) {
	w := newWorld(t, Options{})
	daily := w.add(alice, taskParams(plugID, "2027-05-03 15:10:00", "day", 70), []byte("d"))
	w.stop()
	w.devices.mu.Lock()
	delete(w.devices.devs, plugID)
	w.devices.mu.Unlock()
	w.open()
	w.svc.Settle()
	var status int
	var reason string
	if err := w.db.QueryRow(`SELECT status, frozen_reason FROM timer_tasks WHERE id=?`, daily.TaskID).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != models.TaskFrozen || !strings.Contains(reason, "unbound") {
		t.Fatalf("task status %d (%q), want frozen", status, reason)
	}
	if _, ok := w.svc.Scheduler().Next(daily.TaskID); ok {
		t.Fatal("a task of a removed device is still scheduled")
	}
	w.clock.Set(time.Date(2027, 5, 3, 7, 10, 30, 0, time.UTC))
	w.svc.Settle()
	if n := len(w.plug.commands()); n != 0 {
		t.Fatalf("the removed device got %d commands", n)
	}
}

// TestModifyTaskCreatedWithoutCommand: the app adds timers as JSON (no
// command bytes), and some clients send an octet-stream call with an empty
// body; either task must stay editable by either kind of modifyTask, and
// keep sending its (empty) command.
func TestModifyTaskCreatedWithoutCommand(t *testing.T) {
	w := newWorld(t, Options{})
	for _, add := range []struct {
		name    string
		payload []byte // nil: JSON addTask; empty: octet-stream with no body
	}{{"json", nil}, {"empty stream", []byte{}}} {
		tk := w.add(alice, taskParams(plugID, "2027-05-04 08:00:00", "day", 70), add.payload)
		for _, mod := range []struct {
			name    string
			payload []byte
		}{{"json", nil}, {"empty stream", []byte{}}} {
			p := taskParams(plugID, "2027-05-04 09:00:00", "day", 72)
			p["taskId"] = tk.TaskID
			p["name"] = add.name + " then " + mod.name
			if a := w.call("modifyTask", alice, p, mod.payload); a.code != 0 {
				t.Fatalf("added by %s, modified by %s: %d %s", add.name, mod.name, a.code, a.msg)
			}
		}
	}
	var names []string
	for _, tk := range w.list(alice, plugID) {
		if tk.MessageCode != 72 || tk.TimePoint != "2027-05-04 09:00:00" {
			t.Fatalf("modified task = %+v", tk)
		}
		names = append(names, tk.Name)
	}
	if got := strings.Join(names, ", "); got != "json then empty stream, empty stream then empty stream" {
		t.Fatalf("tasks after modify: %s", got)
	}
	// 09:00 Shanghai on 2027-05-04 is 01:00 UTC; the clock starts 07:00 UTC
	// the day before: 18 h later both tasks fire with their empty command.
	w.advance(18 * time.Hour)
	if got := w.plug.commands(); strings.Join(got, " ") != "72: 72:" {
		t.Fatalf("device got %q", got)
	}
}

// Android calls stopTask and startTask closeTask and openTask (PROTOCOL
// §2.4): the same calls under those names, over HTTP, with the same
// answers and the same effect on firings.
func TestAndroidNamesCloseAndOpenTask(t *testing.T) {
	w := newWorld(t, Options{})
	tk := w.add(alice, taskParams(plugID, "2027-05-03 15:00:30", "min", 70), []byte("A"))
	ids := map[string]any{"deviceId": plugID, "taskId": tk.TaskID}
	w.advance(time.Minute) // 15:00:30: the first firing
	if n := len(w.plug.commands()); n != 1 {
		t.Fatalf("before closeTask: %d commands, want 1", n)
	}
	w.must(w.call("closeTask", alice, ids, nil))
	w.wantErr(w.call("closeTask", alice, ids, nil), 4403, "already stopped")
	if got := w.list(alice, plugID); len(got) != 1 || got[0].Status != models.TaskStopped {
		t.Fatalf("after closeTask: %+v", got)
	}
	w.advance(3 * time.Minute)
	if n := len(w.plug.commands()); n != 1 {
		t.Fatalf("a closed task fired: %d commands", n)
	}
	w.must(w.call("openTask", alice, ids, nil))
	w.wantErr(w.call("openTask", alice, ids, nil), 4403, "already running")
	if got := w.list(alice, plugID); len(got) != 1 || got[0].Status != models.TaskRunning {
		t.Fatalf("after openTask: %+v", got)
	}
	w.advance(time.Minute)
	if n := len(w.plug.commands()); n != 2 {
		t.Fatalf("after openTask: %d commands, want 2", n)
	}
	w.wantErr(w.call("closeTask", bob, ids, nil), 3005, "only its creator or the device's owner")
}
