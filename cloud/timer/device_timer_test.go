package timer

import (
	"context"
	"strings"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
	"acconsole/cloud/sim"
	"acconsole/internal/clock"
	"acconsole/models"
)

// simWorld is the timer world with a simulated plug in place of the
// recording endpoint: device timers are handed to it through the hub and
// it fires them from its own clock, a second fake clock that the tests
// move together with the cloud's.
type simWorld struct {
	*world
	devClock *clock.Fake
	fleet    *sim.Fleet
	dev      *sim.Device
	key      hub.Key
}

func newSimWorld(t *testing.T, opt ...Options) *simWorld {
	t.Helper()
	w := newWorld(t, append(opt, Options{})[0])
	// The test plug product runs cloud timers only; this one takes both.
	if _, err := w.plat.EnsureProduct(context.Background(), w.dom.ID, models.Product{SubDomainName: "plug", TaskUpdatePolicy: 1}); err != nil {
		t.Fatal(err)
	}
	sw := &simWorld{world: w, devClock: clock.NewFake(t0), key: hub.Key{SubDomain: "plug", PhysicalID: "PLUG000000000011"}}
	sw.fleet = sim.NewFleet(w.hub, sim.Options{Clock: sw.devClock, TelemetryEvery: sim.Off})
	t.Cleanup(sw.fleet.Close)
	var err error
	if sw.dev, err = sw.fleet.Add(catalog.SubPlug, sw.key.PhysicalID, ""); err != nil {
		t.Fatal(err)
	}
	w.svc.Settle()
	sw.switchPlug(0)
	return sw
}

func (w *simWorld) switchPlug(on byte) {
	w.t.Helper()
	if _, _, err := w.hub.Send(context.Background(), w.key, catalog.CodeSetPower, []byte{on}, time.Second); err != nil {
		w.t.Fatalf("switch the plug: %v", err)
	}
}

// tick moves the device's clock, then the cloud's: the device reports a
// firing before the cloud finds it due.
func (w *simWorld) tick(d time.Duration) {
	w.devClock.Advance(d)
	w.clock.Advance(d)
	w.svc.Settle()
}

// tickCloudFirst moves the cloud's clock first: the cloud records the
// firing as handed, and the device's report replaces that entry.
func (w *simWorld) tickCloudFirst(d time.Duration) {
	w.clock.Advance(d)
	w.svc.Settle()
	w.devClock.Advance(d)
	w.svc.Settle()
}

// link connects the device to the cloud and waits for what that
// causes (the push of its set, the history of its reports).
func (w *simWorld) link(on bool) {
	w.dev.SetLinked(on)
	w.svc.Settle()
}

func deviceTask(point, cycle string, on byte) (map[string]any, []byte) {
	p := taskParams(plugID, point, cycle, catalog.CodeSetPower)
	p["taskFlag"] = 1
	return p, []byte{on}
}

func (w *simWorld) addDeviceTimer(point, cycle string, on byte) models.TimerTask {
	w.t.Helper()
	p, body := deviceTask(point, cycle, on)
	tk := w.add(alice, p, body)
	if tk.TaskType != "device" {
		w.t.Fatalf("taskType %q", tk.TaskType)
	}
	return tk
}

func results(h []HistoryEntry) string {
	var out []string
	for _, e := range h {
		out = append(out, e.Result+"@"+e.ScheduledFor[11:])
	}
	return strings.Join(out, " ")
}

func (w *simWorld) deviceTimers() string {
	var out []string
	for _, t := range w.dev.Timers() {
		s := t.TimeCycle
		if !t.Running {
			s += "(stopped)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestDeviceTimerSwitchesSimulatedPlug(t *testing.T) {
	w := newSimWorld(t)
	tk := w.addDeviceTimer("2027-05-03 15:00:10", "day", 1)
	// The device holds its timer as soon as addTask has answered.
	if ts := w.dev.Timers(); len(ts) != 1 || ts[0].TaskID != tk.TaskID || !ts[0].Running || ts[0].TimeZone != "Asia/Shanghai" ||
		ts[0].MessageCode != catalog.CodeSetPower || string(ts[0].Payload) != "\x01" {
		t.Fatalf("device timers %+v", ts)
	}
	w.tick(9 * time.Second)
	if w.dev.State().On {
		t.Fatal("fired early")
	}
	w.tick(time.Second)
	if !w.dev.State().On {
		t.Fatal("the device timer did not switch the plug")
	}
	h := w.history(alice, plugID, tk.TaskID)
	if len(h) != 1 || h[0].Result != ResultFiredByDevice || h[0].At != "2027-05-03 07:00:10" || h[0].ScheduledFor != "2027-05-03 07:00:10" ||
		h[0].ReplyCode != catalog.CodeState || h[0].LateMs != 0 || strings.Contains(h[0].Detail, "later") {
		t.Fatalf("history = %+v", h)
	}
	// The next day the cloud finds the firing due before the device
	// reports it: "handed" until the report replaces it.
	w.switchPlug(0)
	w.clock.Advance(24 * time.Hour)
	w.svc.Settle()
	if got := results(w.history(alice, plugID, tk.TaskID)); got != "handed@07:00:10 fired-by-device@07:00:10" {
		t.Fatalf("before the report: %s", got)
	}
	w.devClock.Advance(24 * time.Hour)
	w.svc.Settle()
	h = w.history(alice, plugID, tk.TaskID)
	if got := results(h); got != "fired-by-device@07:00:10 fired-by-device@07:00:10" || h[0].At != "2027-05-04 07:00:10" || !w.dev.State().On {
		t.Fatalf("after the report: %s %+v", got, h[0])
	}
	if got := w.plug.commands(); len(got) != 0 {
		t.Fatalf("the cloud sent a device timer's command: %v", got)
	}
}

func TestDeviceTimerFiresWhileCloudUnreachable(t *testing.T) {
	w := newSimWorld(t)
	tk := w.addDeviceTimer("2027-05-03 15:01:00", "once", 1)
	w.link(false)
	w.tick(time.Minute)
	if !w.dev.State().On {
		t.Fatal("a device cut off from the cloud did not run its timer")
	}
	// The cloud saw the due time, not the firing; the once task stops.
	if got := results(w.history(alice, plugID, tk.TaskID)); got != "handed@07:01:00" {
		t.Fatalf("while cut off: %s", got)
	}
	if got := w.list(alice, plugID); got[0].Status != models.TaskStopped {
		t.Fatalf("once task status %d", got[0].Status)
	}
	w.tick(4 * time.Minute)
	w.link(true)
	h := w.history(alice, plugID, tk.TaskID)
	if len(h) != 1 || h[0].Result != ResultFiredByDevice || h[0].At != "2027-05-03 07:01:00" || h[0].LateMs != 0 ||
		!strings.Contains(h[0].Detail, "reported 4m0s later") {
		t.Fatalf("after reconnecting: %+v", h)
	}
	// The device fired it once and holds it as done.
	if got := w.deviceTimers(); got != "once(stopped)" || len(w.dev.TimerFirings()) != 1 {
		t.Fatalf("device: %s, %d firings", got, len(w.dev.TimerFirings()))
	}
	// A report arriving twice (a resend) is recorded once.
	if err := w.hub.TimerFired(w.key, hub.TimerFiring{TaskID: tk.TaskID, Scheduled: w.dev.TimerFirings()[0].Scheduled,
		At: w.dev.TimerFirings()[0].At, Code: catalog.CodeSetPower, Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	w.svc.Settle()
	if n := len(w.history(alice, plugID, tk.TaskID)); n != 1 {
		t.Fatalf("a repeated report was recorded again: %d entries", n)
	}
}

func TestDeviceTimerChangesReachTheDevice(t *testing.T) {
	w := newSimWorld(t)
	daily := w.addDeviceTimer("2027-05-03 16:00:00", "day", 1)
	hourly := w.addDeviceTimer("2027-05-03 15:30:00", "hour", 0)
	if got := w.deviceTimers(); got != "day hour" {
		t.Fatalf("device timers: %s", got)
	}
	ids := func(tk models.TimerTask) map[string]any {
		return map[string]any{"deviceId": plugID, "taskId": tk.TaskID}
	}

	// stop: kept on the device, not fired.
	w.must(w.call("stopTask", alice, ids(daily), nil))
	if _, armed := w.dev.NextTimerFiring(daily.TaskID); armed || w.deviceTimers() != "day(stopped) hour" {
		t.Fatalf("after stop: %s", w.deviceTimers())
	}
	// start, then modify: the device follows.
	w.must(w.call("startTask", alice, ids(daily), nil))
	p, _ := deviceTask("2027-05-03 17:00:00", "day", 1)
	p["taskId"] = daily.TaskID
	w.must(w.call("modifyTask", alice, p, []byte{}))
	if next, ok := w.dev.NextTimerFiring(daily.TaskID); !ok || !next.Equal(time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("after modify the device fires at %v %v", next, ok)
	}
	// taskFlag 0: it becomes a cloud timer and leaves the device.
	p["taskFlag"] = 0
	w.must(w.call("modifyTask", alice, p, []byte{}))
	if got := w.deviceTimers(); got != "hour" {
		t.Fatalf("after becoming a cloud timer: %s", got)
	}

	// Changes made while the device is unreachable reach it when it is
	// back.
	w.link(false)
	w.must(w.call("deleteTask", alice, ids(hourly), nil))
	if got := w.deviceTimers(); got != "hour" {
		t.Fatalf("an unreachable device changed: %s", got)
	}
	w.link(true)
	if got := w.deviceTimers(); got != "" {
		t.Fatalf("after reconnecting: %q", got)
	}

	// A reconnect pushes the set again: a device that lost its timers
	// (a reboot) gets them back.
	again := w.addDeviceTimer("2027-05-03 18:00:00", "day", 1)
	if err := w.dev.SetTimers(nil); err != nil {
		t.Fatal(err)
	}
	w.link(false)
	w.link(true)
	if ts := w.dev.Timers(); len(ts) != 1 || ts[0].TaskID != again.TaskID || !ts[0].Running {
		t.Fatalf("after a reconnect: %+v", ts)
	}
	// So does a restart of the cloud.
	if err := w.dev.SetTimers(nil); err != nil {
		t.Fatal(err)
	}
	w.stop()
	w.open()
	w.svc.Settle()
	if got := w.deviceTimers(); got != "day" {
		t.Fatalf("after a cloud restart: %q", got)
	}

	// The owner's unbind freezes the tasks: the device forgets them.
	w.svc.OnUnbind(plugID, alice, true)
	if got := w.deviceTimers(); got != "" {
		t.Fatalf("after the owner's unbind: %q", got)
	}
	w.tick(24 * time.Hour)
	if n := len(w.dev.TimerFirings()); n != 0 {
		t.Fatalf("a frozen timer fired %d times", n)
	}
}

func TestDeviceFiringReportsAreMatchedToTheirTask(t *testing.T) {
	w := newSimWorld(t)
	tk := w.addDeviceTimer("2027-05-03 15:00:10", "day", 1)
	at := time.Date(2027, 5, 3, 7, 0, 10, 0, time.UTC)
	// Another device claiming the task is not believed, nor is a report
	// for a task that does not exist.
	w.hub.Connect(hub.Key{SubDomain: "lamp", PhysicalID: "LAMP000000000012"}, w.lamp, "")
	_ = w.hub.TimerFired(hub.Key{SubDomain: "lamp", PhysicalID: "LAMP000000000012"}, hub.TimerFiring{TaskID: tk.TaskID, Scheduled: at, At: at, Result: "ok"})
	_ = w.hub.TimerFired(w.key, hub.TimerFiring{TaskID: tk.TaskID + 100, Scheduled: at, At: at, Result: "ok"})
	w.svc.Settle()
	if h := w.history(alice, plugID, tk.TaskID); len(h) != 0 {
		t.Fatalf("history = %+v", h)
	}
	// A device whose product keeps no timers (the lamp's endpoint only
	// answers commands): its device timers stay "handed".
	p, body := deviceTask("2027-05-03 15:00:05", "once", 1)
	p["deviceId"] = lampID
	lampTask := w.add(alice, p, body)
	w.tick(5 * time.Second)
	if got := results(w.history(alice, lampID, lampTask.TaskID)); got != "handed@07:00:05" {
		t.Fatalf("lamp history: %s", got)
	}
}

func TestDeviceTimerAcrossCloudDowntime(t *testing.T) {
	w := newSimWorld(t, Options{Grace: time.Minute, HistoryKeep: 4})
	tk := w.addDeviceTimer("2027-05-03 15:01:00", "min", 1)
	// The cloud goes down (and with it the device's connection) for five
	// firings; the device runs every one of them.
	w.link(false)
	w.stop()
	w.devClock.Advance(5 * time.Minute)
	w.clock.Advance(5 * time.Minute)
	if n := len(w.dev.TimerFirings()); n != 5 {
		t.Fatalf("the device fired %d times", n)
	}
	// Back up at 15:05:00: nothing is "missed", since the device runs its
	// timers itself; the firings found late are handed, the four beyond
	// the grace period as one entry at the last of them.
	w.open()
	w.svc.Settle()
	h := w.history(alice, plugID, tk.TaskID)
	if got := results(h); got != "handed@07:05:00 handed@07:04:00" || !strings.Contains(h[1].Detail, "4 firings due while the cloud was down") {
		t.Fatalf("after the restart: %s %+v", got, h)
	}
	// The device reconnects and reports all five; the history keeps the
	// newest four firings, in the order they happened.
	w.link(true)
	h = w.history(alice, plugID, tk.TaskID)
	want := "fired-by-device@07:05:00 fired-by-device@07:04:00 fired-by-device@07:03:00 fired-by-device@07:02:00"
	if got := results(h); got != want {
		t.Fatalf("after reconnecting: %s", got)
	}
}

// TestPushNowWaitsForTheStart: another instance's change can reach this
// one while it starts, before its service hosts device timers. The push
// waits for the start and then succeeds, so the other instance's API call
// is acknowledged instead of answered "offline" with the device left on
// its old set until it reconnects.
func TestPushNowWaitsForTheStart(t *testing.T) {
	w := newSimWorld(t)
	w.addDeviceTimer("2027-05-03 16:00:00", "day", 1)
	w.stop()
	opt := w.opt
	opt.Clock = w.clock
	svc, err := New(Deps{DB: w.db, Devices: w.devices, Products: w.plat, Sender: w.hub, Hosts: w.hub}, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	pushed := make(chan error, 1)
	go func() { pushed <- svc.PushNow(context.Background(), w.key) }()
	select {
	case err := <-pushed:
		t.Fatalf("PushNow answered %v before the service started", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-pushed; err != nil {
		t.Fatalf("PushNow after the start: %v, want the device's set handed", err)
	}
	if got := w.deviceTimers(); got != "day" {
		t.Fatalf("device timers: %q", got)
	}

	// A push whose caller gives up before the start answers offline.
	idle, err := New(Deps{DB: w.db, Devices: w.devices, Products: w.plat, Sender: w.hub, Hosts: w.hub}, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idle.Close)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := idle.PushNow(ctx, w.key); err != hub.ErrOffline {
		t.Fatalf("PushNow with its caller gone, service never started: %v, want offline", err)
	}
}
