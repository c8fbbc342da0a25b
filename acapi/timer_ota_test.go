package acapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/hub"
	"acconsole/cloud/sim"
	"acconsole/models"
)

// stubRouter answers every call with body and records the last request.
type stubRouter struct {
	srv   *httptest.Server
	last  *http.Request
	body  []byte
	reply string
}

func newStubRouter(t *testing.T, reply string) (*stubRouter, *acapi.Client) {
	t.Helper()
	f := &stubRouter{reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.last = r
		f.body, _ = io.ReadAll(r.Body)
		w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
		w.Header().Set("Content-Type", "application/x-zc-object")
		_, _ = w.Write([]byte(f.reply))
	}))
	t.Cleanup(f.srv.Close)
	c, err := acapi.New(acapi.Config{Routers: []string{f.srv.URL}, DeveloperID: 1, AccessKey: "ak", SecretKey: "sk", MajorDomain: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func TestTimerAddTaskWireForm(t *testing.T) {
	f, c := newStubRouter(t, `{"task":{"taskId":7,"taskType":"cloud","timeCycle":"week[1,5]","status":1}}`)
	sh, _ := models.LoadZone("Asia/Shanghai")
	point, zone := acapi.TimePoint(time.Date(2027, 5, 4, 8, 0, 0, 0, sh))
	task, err := c.As(5).Timer().AddTask(context.Background(), models.TimerTask{
		DeviceID: 9, TimeZone: zone, TimePoint: point, TimeCycle: "week[5，1]", Name: "lights on", MessageCode: 68, Payload: []byte{1},
	})
	if err != nil || task.TaskID != 7 || task.DeviceID != 9 || !acapi.IsCloudTimer(task) {
		t.Fatalf("addTask = %+v, %v", task, err)
	}
	r := f.last
	if r.URL.Path != "/zc-timer-task/v1/addTask" || r.Header.Get("Content-Type") != acapi.ContentStream || string(f.body) != "\x01" {
		t.Fatalf("request %s %s body %q", r.URL.Path, r.Header.Get("Content-Type"), f.body)
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	want := map[string]string{"deviceId": "9", "taskFlag": "0", "timeZone": "Asia/Shanghai", "timePoint": "2027-05-04 08:00:00",
		"timeCycle": "week[1,5]", "name": "lights on", "messageCode": "68"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Fatalf("query %s = %q, want %q (query %s)", k, q.Get(k), v, r.URL.RawQuery)
		}
	}
	if r.Header.Get("X-Zc-Sub-Domain") != "" || r.Header.Get("X-Zc-User-Id") != "5" {
		t.Fatalf("headers %v", r.Header)
	}
	// Every write is refused on a read-only client, before any I/O.
	c.SetReadOnly(true)
	f.last = nil
	tm := c.As(5).Timer()
	for name, err := range map[string]error{
		"add":    func() error { _, err := tm.AddTask(context.Background(), models.TimerTask{DeviceID: 9}); return err }(),
		"modify": tm.ModifyTask(context.Background(), models.TimerTask{DeviceID: 9, TaskID: 7}),
		"delete": tm.DeleteTask(context.Background(), 9, 7),
		"stop":   tm.StopTask(context.Background(), 9, 7),
		"start":  tm.StartTask(context.Background(), 9, 7),
	} {
		if !errors.Is(err, acapi.ErrReadOnly) {
			t.Fatalf("%s on a read-only client: %v", name, err)
		}
	}
	if f.last != nil {
		t.Fatal("a read-only write reached the network")
	}
	if _, err := tm.ListTasks(context.Background(), 9); err != nil {
		t.Fatalf("a read on a read-only client: %v", err)
	}
}

func TestOTACheckUpdateReadsOldKeys(t *testing.T) {
	// An old server: oldVersion / upgradeVersion / file only (Q5).
	f, c := newStubRouter(t, `{"update":1,"oldVersion":"1-0-1","upgradeVersion":"1-0-2","otaMode":1,"upgradeLog":"notes","file":[{"name":"a.bin","downloadUrl":"u","type":1,"checksum":5}]}`)
	v, err := c.OTA().CheckUpdate(context.Background(), "plug", 9, "", 0)
	if err != nil || v.TargetVersion != "1-0-2" || v.CurrentVersion != "1-0-1" || len(v.Files) != 1 || !v.CanUpdate() {
		t.Fatalf("old shape = %+v, %v", v, err)
	}
	if f.last.Header.Get("X-Zc-Sub-Domain") != "plug" {
		t.Fatalf("sub-domain header %q", f.last.Header.Get("X-Zc-Sub-Domain"))
	}
	var sent map[string]any
	_ = json.Unmarshal(f.body, &sent)
	if sent["deviceId"] != 9.0 || sent["otaType"] != 1.0 {
		t.Fatalf("sent %v", sent)
	}
	// PHP's newVersion, and the current keys winning over the old ones.
	f.reply = `{"update":1,"newVersion":"2-0-0","currentVersion":"1-0-0"}`
	if v, _ := c.OTA().CheckUpdate(context.Background(), "plug", 9, "", 1); v.TargetVersion != "2-0-0" {
		t.Fatalf("newVersion = %+v", v)
	}
	f.reply = `{"update":1,"targetVersion":"3-0-0","upgradeVersion":"2-0-0","currentVersion":"1-0-0","oldVersion":"0-9"}`
	if v, _ := c.OTA().CheckUpdate(context.Background(), "plug", 9, "", 1); v.TargetVersion != "3-0-0" || v.CurrentVersion != "1-0-0" {
		t.Fatalf("current keys = %+v", v)
	}
	c.SetReadOnly(true)
	if err := c.OTA().ConfirmUpdate(context.Background(), "plug", 9, "", 1); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("confirm on a read-only client: %v", err)
	}
	if err := c.OTA().OTAMediaDone(context.Background(), "plug", "P", "1", "2", 1); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("otaMediaDone on a read-only client: %v", err)
	}
}

// featuresWired skips an end-to-end test until the local cloud serves the
// timer and OTA services: cloud/server.go's init must call s.initTimers
// and s.initOTA (cloud/timer_wiring.go, cloud/ota_wiring.go), after
// initDevices and initSimulation.
func featuresWired(t *testing.T, w *world, services ...string) {
	t.Helper()
	servicesReady(t, w.env, append([]string{"zc-bind", "zc-warehouse"}, services...)...)
}

// TestTimerOnceTaskSwitchesSimulatedPlug: a once task due a moment ahead
// switches a simulated plug on, and its history says so.
func TestTimerOnceTaskSwitchesSimulatedPlug(t *testing.T) {
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true})
	featuresWired(t, w, "zc-timer-task")
	ctx := w.ctx
	c, id := simPlug(t, w)
	// Off first, so that "on" is the timer's doing.
	if _, err := c.Bind().SendToDevice(ctx, catalog.SubPlug, id, "", catalog.CodeSetPower, []byte{0}); err != nil {
		t.Fatalf("switch off: %v", err)
	}
	sh, _ := models.LoadZone("Asia/Shanghai")
	due := w.clock.now().In(sh).Truncate(time.Second).Add(2 * time.Second)
	point, zone := acapi.TimePoint(due)
	task, err := c.Timer().AddTask(ctx, models.TimerTask{
		DeviceID: id, TimeZone: zone, TimePoint: point, TimeCycle: "once", Name: "on soon", MessageCode: catalog.CodeSetPower, Payload: []byte{1},
	})
	if err != nil || task.Status != models.TaskRunning || task.TimePoint != point {
		t.Fatalf("addTask = %+v, %v", task, err)
	}
	tasks, err := c.Timer().ListTasks(ctx, id)
	if err != nil || len(tasks) != 1 || tasks[0].TaskID != task.TaskID {
		t.Fatalf("listTasks = %+v, %v", tasks, err)
	}
	var runs []acapi.TaskRun
	deadline := time.Now().Add(10 * time.Second)
	for len(runs) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the task did not fire within 10 s")
		}
		time.Sleep(100 * time.Millisecond) // the cloud runs on the real clock here
		if runs, err = c.Timer().ListTaskHistory(ctx, id, task.TaskID, 5); err != nil {
			t.Fatalf("listTaskHistory: %v", err)
		}
	}
	if runs[0].Result != "ok" || runs[0].ReplyCode != catalog.CodeState {
		t.Fatalf("history = %+v", runs)
	}
	r, err := c.Bind().SendToDevice(ctx, catalog.SubPlug, id, "", catalog.CodeQueryState, nil)
	if err != nil || len(r.Payload) == 0 || r.Payload[0] != 1 {
		t.Fatalf("plug after the timer: %+v, %v", r, err)
	}
	if tasks, _ := c.Timer().ListTasks(ctx, id); tasks[0].Status != models.TaskStopped {
		t.Fatalf("a once task after its firing: %+v", tasks[0])
	}
	wantCode(t, "start an expired once task", c.Timer().StartTask(ctx, id, task.TaskID), models.ErrTaskExpired)
	must(t, "deleteTask", c.Timer().DeleteTask(ctx, id, task.TaskID))
	wantCode(t, "delete twice", c.Timer().DeleteTask(ctx, id, task.TaskID), models.ErrTaskAbsent)
}

// TestOTAConfirmedUpgradeOfSimulatedPlug: a confirmed upgrade runs on a
// simulated plug, can be watched step by step, and moves the device's
// version in the warehouse.
func TestOTAConfirmedUpgradeOfSimulatedPlug(t *testing.T) {
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true})
	featuresWired(t, w, "zc-ota")
	ctx := w.ctx
	w.cloud.SetSimUpgradeOptions(sim.UpgradeOptions{Download: time.Second, Verify: 200 * time.Millisecond, Flash: 400 * time.Millisecond, Reboot: 300 * time.Millisecond, Steps: 5})
	c, id, pid := simDevice(t, w, catalog.SubPlug)
	v, err := c.OTA().CheckUpdate(ctx, catalog.SubPlug, id, "", 1)
	if err != nil || !v.CanUpdate() || v.TargetVersion == "" || v.OTAMode != 1 || len(v.Files) == 0 {
		t.Fatalf("checkUpdate = %+v, %v", v, err)
	}
	if cands, err := w.client.OTA().ListUpgrades(ctx, catalog.SubPlug); err != nil || len(cands) == 0 {
		t.Fatalf("listUpgrades = %d entries, %v", len(cands), err)
	}
	must(t, "confirmUpdate", c.OTA().ConfirmUpdate(ctx, catalog.SubPlug, id, v.TargetVersion, 1))
	phases := map[string]bool{}
	last := -1.0
	deadline := time.Now().Add(15 * time.Second)
	var st models.UpgradeStatus
	for {
		if st, err = c.OTA().GetUpgradeStatus(ctx, catalog.SubPlug, id); err != nil {
			t.Fatalf("getUpgradeStatus: %v", err)
		}
		if st.Percent < last {
			t.Fatalf("percent went back: %v after %v", st.Percent, last)
		}
		last = st.Percent
		phases[st.Phase] = true
		if !st.Running() || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.State != "succeeded" || st.Percent != 100 || st.CurrentVersion != v.TargetVersion {
		t.Fatalf("end of upgrade = %+v (phases seen %v)", st, phases)
	}
	if !phases["download"] || len(phases) < 3 {
		t.Fatalf("watched phases %v", phases)
	}
	after, err := c.OTA().CheckUpdate(ctx, catalog.SubPlug, id, "", 1)
	if err != nil || after.CanUpdate() || after.CurrentVersion != v.TargetVersion {
		t.Fatalf("checkUpdate after = %+v, %v", after, err)
	}
	info, err := w.client.Warehouse().GetDeviceInfo(ctx, catalog.SubPlug, pid)
	if err != nil || info.DevVersion != v.TargetVersion {
		t.Fatalf("warehouse = %+v, %v", info, err)
	}
	wantCode(t, "confirm with nothing newer", c.OTA().ConfirmUpdate(ctx, catalog.SubPlug, id, "", 1), models.ErrOTANoNewVersion)
	if d := w.cloud.Fleet().Device(hub.Key{SubDomain: catalog.SubPlug, PhysicalID: pid}); d == nil || strings.TrimSpace(d.Firmware()) != v.TargetVersion {
		t.Fatal("the simulated device does not run the new firmware")
	}
}

func TestOTAIgnoreUpdateAgainstTheLocalCloud(t *testing.T) {
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true})
	featuresWired(t, w, "zc-ota")
	ctx := w.ctx
	c, id, _ := simDevice(t, w, catalog.SubPlug)
	v, err := c.OTA().CheckUpdate(ctx, catalog.SubPlug, id, "", 1)
	if err != nil || !v.CanUpdate() {
		t.Fatalf("checkUpdate = %+v, %v", v, err)
	}
	got, err := c.OTA().IgnoreUpdate(ctx, catalog.SubPlug, id, "", 1, 24)
	if err != nil || got.TargetVersion != v.TargetVersion || got.IgnoredUntil == "" {
		t.Fatalf("ignoreUpdate = %+v, %v", got, err)
	}
	if after, err := c.OTA().CheckUpdate(ctx, catalog.SubPlug, id, "", 1); err != nil || after.CanUpdate() ||
		after.IgnoredVersion != v.TargetVersion || after.IgnoredUntil != got.IgnoredUntil {
		t.Fatalf("checkUpdate while ignored = %+v, %v", after, err)
	}
	ro := w.client.As(0)
	ro.SetReadOnly(true)
	defer ro.SetReadOnly(false)
	if _, err := ro.OTA().IgnoreUpdate(ctx, catalog.SubPlug, id, "", 1, 0); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("read-only ignoreUpdate: %v", err)
	}
}

// TestOTAMediaDoneAgainstTheLocalCloud: an app that upgraded a device
// itself (over BLE) reports it with otaMediaDone; the warehouse then has
// the new version and the upgrade reads succeeded. Only a user of the
// device may report it, and a version must look like one.
func TestOTAMediaDoneAgainstTheLocalCloud(t *testing.T) {
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true})
	featuresWired(t, w, "zc-ota")
	ctx := w.ctx
	c, id, pid := simDevice(t, w, catalog.SubPlug)
	before := val(w.client.Warehouse().GetDeviceInfo(ctx, catalog.SubPlug, pid))(t, "getDeviceInfo")
	const target = "7-3-1" // published nowhere: the app brought it
	if before.DevVersion == target {
		t.Fatalf("the simulated plug already runs %s", target)
	}

	stranger := w.person("Stranger")
	wantCode(t, "a stranger's otaMediaDone", stranger.c.OTA().OTAMediaDone(ctx, catalog.SubPlug, pid, before.DevVersion, target, 1),
		models.ErrDeviceAbsent, models.ErrNoPermission)
	wantCode(t, "otaMediaDone with no version", c.OTA().OTAMediaDone(ctx, catalog.SubPlug, pid, before.DevVersion, "latest", 1), models.ErrInvalidParam)
	if got := val(w.client.Warehouse().GetDeviceInfo(ctx, catalog.SubPlug, pid))(t, "getDeviceInfo"); got.DevVersion != before.DevVersion {
		t.Fatalf("refused reports moved the version to %q", got.DevVersion)
	}

	must(t, "otaMediaDone", c.OTA().OTAMediaDone(ctx, catalog.SubPlug, pid, before.DevVersion, target, 1))
	if got := val(w.client.Warehouse().GetDeviceInfo(ctx, catalog.SubPlug, pid))(t, "getDeviceInfo"); got.DevVersion != target {
		t.Fatalf("warehouse version after otaMediaDone: %q, want %s", got.DevVersion, target)
	}
	st := val(c.OTA().GetUpgradeStatus(ctx, catalog.SubPlug, id))(t, "getUpgradeStatus")
	if st.State != models.UpgradeSucceeded || st.Percent != 100 || st.TargetVersion != target {
		t.Fatalf("upgrade after otaMediaDone: %+v", st)
	}
}
