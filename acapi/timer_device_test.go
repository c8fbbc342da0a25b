package acapi_test

import (
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/hub"
	"acconsole/internal/clock"
	"acconsole/models"
)

// TestTimerDeviceTimerRunsOnSimulatedPlugWhileCutOff: a device timer
// (taskFlag 1) is handed to a simulated plug, which switches itself at the
// due time while it cannot reach the cloud; after it reconnects, the task's
// history has the firing with the time it happened.
//
// The whole cloud (its Now, its scheduler and the simulated devices'
// timers) reads one fake clock that starts at the wall clock's second, so
// the test moves time instead of waiting; it moves it by less than the
// signature lifetime, so the client's real-time signatures stay valid. The
// scheduler follows the device timer at its due instant ("handed"); the
// device's report replaces that entry, so the history holds what the
// device reported.
func TestTimerDeviceTimerRunsOnSimulatedPlugWhileCutOff(t *testing.T) {
	fake := clock.NewFake(time.Now().Truncate(time.Second))
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true, Clock: fake})
	featuresWired(t, w, "zc-timer-task")
	ctx := w.ctx
	c, id, pid := simDevice(t, w, catalog.SubPlug)
	dev := w.cloud.Fleet().Device(hub.Key{SubDomain: catalog.SubPlug, PhysicalID: pid})
	if dev == nil {
		t.Fatalf("no simulated device for %s", pid)
	}
	if _, err := c.Bind().SendToDevice(ctx, catalog.SubPlug, id, "", catalog.CodeSetPower, []byte{0}); err != nil {
		t.Fatalf("switch off: %v", err)
	}
	sh, _ := models.LoadZone("Asia/Shanghai")
	due := fake.Now().In(sh).Add(time.Minute)
	point, zone := acapi.TimePoint(due)
	task, err := c.Timer().AddTask(ctx, models.TimerTask{
		DeviceID: id, TaskFlag: 1, TimeZone: zone, TimePoint: point, TimeCycle: "once", Name: "on in a minute",
		MessageCode: catalog.CodeSetPower, Payload: []byte{1},
	})
	if err != nil || task.TaskType != "device" || task.Status != models.TaskRunning {
		t.Fatalf("addTask = %+v, %v", task, err)
	}
	if ts := dev.Timers(); len(ts) != 1 || ts[0].TaskID != task.TaskID || !ts[0].Running || ts[0].TimePoint != point {
		t.Fatalf("the plug holds %+v", ts)
	}

	dev.SetLinked(false) // the cloud is unreachable
	fake.Advance(time.Minute)
	if !dev.State().On {
		t.Fatal("the plug did not run its timer while cut off")
	}
	fake.Advance(2 * time.Minute)
	dev.SetLinked(true)
	w.cloud.Timers().Settle()

	runs, err := c.Timer().ListTaskHistory(ctx, id, task.TaskID, 5)
	if err != nil {
		t.Fatalf("listTaskHistory: %v", err)
	}
	at := models.FormatTime(due)
	if len(runs) != 1 || runs[0].Result != "fired-by-device" || runs[0].At != at || runs[0].ScheduledFor != at ||
		runs[0].ReplyCode != catalog.CodeState || runs[0].LateMs != 0 {
		t.Fatalf("history = %+v (due %s)", runs, at)
	}
	r, err := c.Bind().SendToDevice(ctx, catalog.SubPlug, id, "", catalog.CodeQueryState, nil)
	if err != nil || len(r.Payload) == 0 || r.Payload[0] != 1 {
		t.Fatalf("plug after its timer: %+v, %v", r, err)
	}
	// Deleting the task takes it off the plug.
	must(t, "deleteTask", c.Timer().DeleteTask(ctx, id, task.TaskID))
	if ts := dev.Timers(); len(ts) != 0 {
		t.Fatalf("the plug still holds %+v", ts)
	}
}
