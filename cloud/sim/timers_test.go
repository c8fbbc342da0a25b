package sim

import (
	"errors"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

// t0 is 17:00:00 in Shanghai.
const shanghai = "Asia/Shanghai"

func timer(id int64, point, cycle string, code int, payload ...byte) hub.DeviceTimer {
	return hub.DeviceTimer{TaskID: id, TimeZone: shanghai, TimePoint: point, TimeCycle: cycle, MessageCode: code, Payload: payload, Running: true}
}

// plugOff is a plug switched off through the hub, events cleared.
func (r *rig) plugOff(pid string) *Device {
	r.t.Helper()
	d := r.add(catalog.SubPlug, pid)
	r.mustSend(d, catalog.CodeSetPower, "00", catalog.CodeState)
	r.reset()
	return d
}

func (r *rig) setTimers(d *Device, ts ...hub.DeviceTimer) {
	r.t.Helper()
	if err := r.hub.SetTimers(d.Key(), ts); err != nil {
		r.t.Fatalf("SetTimers: %v", err)
	}
}

func firedAt(evs []hub.Event) []time.Time {
	var out []time.Time
	for _, e := range evs {
		if e.Kind == hub.EventTimerFired {
			out = append(out, e.At)
		}
	}
	return out
}

func TestDeviceTimerSwitchesThePlug(t *testing.T) {
	r := newRig(t, Options{})
	d := r.plugOff("TP00000000000001")
	r.setTimers(d, timer(7, "2026-03-01 17:00:10", "day", catalog.CodeSetPower, 1))
	r.clock.Advance(9 * time.Second)
	if d.State().On || len(r.take(0, "")) != 0 {
		t.Fatal("the timer fired early")
	}
	r.clock.Advance(time.Second)
	if !d.State().On {
		t.Fatal("the timer did not switch the plug on")
	}
	evs := r.take(0, "")
	if got := reports(evs); len(got) != 1 || got[0][:19] != "state changed: on, " {
		t.Fatalf("reports %q", got)
	}
	due := t0.Add(10 * time.Second)
	var fired []hub.Event
	for _, e := range evs {
		if e.Kind == hub.EventTimerFired {
			fired = append(fired, e)
		}
	}
	if len(fired) != 1 {
		t.Fatalf("timer events %+v", evs)
	}
	e := fired[0]
	if e.TaskID != 7 || !e.At.Equal(due) || !e.Scheduled.Equal(due) || e.Code != catalog.CodeSetPower || string(e.Payload) != "\x01" ||
		e.Result != "ok" || e.ReplyCode != catalog.CodeState {
		t.Fatalf("timer event %+v", e)
	}
	log := d.TimerFirings()
	if len(log) != 1 || log[0].Offline || !log[0].At.Equal(due) {
		t.Fatalf("device log %+v", log)
	}
	if next, ok := d.NextTimerFiring(7); !ok || !next.Equal(due.Add(24*time.Hour)) {
		t.Fatalf("next firing %v %v", next, ok)
	}
	// A refused command is still a firing: the result says so.
	r.setTimers(d, timer(8, "2026-03-01 17:00:20", "once", catalog.CodeSetPower, 9))
	r.clock.Advance(10 * time.Second)
	if ev := r.take(hub.EventTimerFired, ""); len(ev) != 1 || ev[0].Result != "error" || ev[0].ReplyCode != catalog.CodeError {
		t.Fatalf("refused firing %+v", ev)
	}
}

func TestDeviceTimerFiresWhileCutOff(t *testing.T) {
	r := newRig(t, Options{})
	d := r.plugOff("TP00000000000002")
	r.setTimers(d, timer(1, "2026-03-01 17:01:00", "min", catalog.CodeSetPower, 2)) // toggle every minute
	d.SetLinked(false)
	if d.Online() || r.hub.Online(d.Key()) || d.Linked() {
		t.Fatal("a cut-off device is online")
	}
	r.reset()
	r.clock.Advance(3 * time.Minute)
	// off → on → off → on, with nobody to tell.
	if !d.State().On || len(d.TimerFirings()) != 3 {
		t.Fatalf("cut off: on=%v, %d firings", d.State().On, len(d.TimerFirings()))
	}
	if evs := r.take(0, ""); len(evs) != 0 {
		t.Fatalf("a cut-off device reached the hub: %+v", evs)
	}
	if q, _ := d.UnreportedFirings(); q != 3 {
		t.Fatalf("%d firings queued", q)
	}
	if err := r.hub.SetTimers(d.Key(), nil); !errors.Is(err, hub.ErrOffline) {
		t.Fatalf("SetTimers while cut off: %v", err)
	}
	r.clock.Advance(30 * time.Second)
	d.SetLinked(true)
	evs := r.take(0, "")
	if len(evs) != 5 || evs[0].Kind != hub.EventOnline {
		t.Fatalf("after relinking: %+v", evs)
	}
	// The firings come with the times they happened, then the state.
	for i, at := range firedAt(evs) {
		if want := t0.Add(time.Duration(i+1) * time.Minute); !at.Equal(want) {
			t.Fatalf("firing %d reported at %v, want %v", i, at, want)
		}
	}
	if got := reports(evs); len(got) != 1 || got[0][:19] != "state changed: on, " {
		t.Fatalf("state after relinking %q", got)
	}
	if q, _ := d.UnreportedFirings(); q != 0 {
		t.Fatalf("%d firings still queued", q)
	}
	// Online again, firings are reported as they happen.
	r.clock.Advance(30 * time.Second)
	if got := firedAt(r.take(0, "")); len(got) != 1 || !got[0].Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("online firing %v", got)
	}

	// A long outage keeps the last MaxQueuedFirings reports.
	d.SetLinked(false)
	r.clock.Advance(150 * time.Minute)
	if q, dropped := d.UnreportedFirings(); q != MaxQueuedFirings || dropped != 50 {
		t.Fatalf("queued %d, dropped %d", q, dropped)
	}
	r.reset()
	d.SetLinked(true)
	got := firedAt(r.take(0, ""))
	if len(got) != MaxQueuedFirings || !got[0].Equal(t0.Add(55*time.Minute)) || !got[99].Equal(t0.Add(154*time.Minute)) {
		t.Fatalf("after a long outage %d reports, first %v", len(got), got[0])
	}
}

func TestDeviceTimerOfSubDeviceBehindCutOffGateway(t *testing.T) {
	// A sub-device whose gateway cannot reach the cloud fires too, and
	// reports when its gateway is back.
	r := newRig(t, Options{})
	gw := r.add(catalog.SubGateway, "TG00000000000001")
	bulb, err := r.fleet.AddSubDevice(gw.Key(), catalog.SubBulb, "00000000000000B1", "")
	if err != nil {
		t.Fatal(err)
	}
	r.mustSend(bulb, catalog.CodeSetPower, "00", catalog.CodeState)
	r.setTimers(bulb, timer(3, "2026-03-01 17:05:00", "once", catalog.CodeSetPower, 1))
	gw.SetLinked(false)
	if bulb.Online() {
		t.Fatal("a sub-device of a cut-off gateway is online")
	}
	r.reset()
	r.clock.Advance(5 * time.Minute)
	if !bulb.State().On || len(r.take(hub.EventTimerFired, "")) != 0 {
		t.Fatal("the bulb did not fire on its own")
	}
	gw.SetLinked(true)
	if got := firedAt(r.take(0, bulb.Key().PhysicalID)); len(got) != 1 || !got[0].Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("bulb's reports after its gateway came back: %v", got)
	}
	if ts := bulb.Timers(); len(ts) != 1 || ts[0].Running {
		t.Fatalf("a fired once timer is still running: %+v", ts)
	}
}

func TestDeviceTimerStopDeleteAndRepush(t *testing.T) {
	r := newRig(t, Options{})
	d := r.plugOff("TP00000000000003")
	on := timer(1, "2026-03-01 17:00:00", "once", catalog.CodeSetPower, 1) // due this very second
	daily := timer(2, "2026-03-01 18:00:00", "day", catalog.CodeSetPower, 0)
	r.setTimers(d, on, daily)
	r.clock.Advance(0)
	if !d.State().On || len(d.TimerFirings()) != 1 {
		t.Fatal("a once timer due this second did not fire")
	}
	// The cloud pushes the same set again (a reconnect) in the same second:
	// nothing fires twice, and the once timer is done.
	r.setTimers(d, on, daily)
	r.clock.Advance(time.Second)
	if n := len(d.TimerFirings()); n != 1 {
		t.Fatalf("a re-push fired again: %d firings", n)
	}
	if _, ok := d.NextTimerFiring(1); ok {
		t.Fatal("a once timer that fired is still armed")
	}
	if next, ok := d.NextTimerFiring(2); !ok || !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("daily next %v %v", next, ok)
	}
	// Stopped: kept, not fired.
	daily.Running = false
	r.setTimers(d, daily)
	if ts := d.Timers(); len(ts) != 1 || ts[0].TaskID != 2 || ts[0].Running {
		t.Fatalf("timers after stop %+v", ts)
	}
	r.clock.Advance(2 * time.Hour)
	if n := len(d.TimerFirings()); n != 1 || !d.State().On {
		t.Fatalf("a stopped timer fired: %d firings", n)
	}
	// Deleted: gone.
	r.setTimers(d)
	if ts := d.Timers(); len(ts) != 0 {
		t.Fatalf("timers after delete %+v", ts)
	}
	// Unplugged at the due time: the firing is lost, the next one runs.
	daily.Running = true
	r.setTimers(d, daily) // next: tomorrow 18:00
	d.SetPowered(false)
	r.clock.Advance(23 * time.Hour)
	d.SetPowered(true)
	if n := len(d.TimerFirings()); n != 1 {
		t.Fatalf("an unplugged device fired: %d firings", n)
	}
	r.clock.Advance(24 * time.Hour)
	if n := len(d.TimerFirings()); n != 2 || d.State().On {
		t.Fatalf("after power came back: %d firings, on=%v", n, d.State().On)
	}
	// Removed from the fleet: nothing left ticking for it.
	r.fleet.Remove(d.Key())
	if ts := d.Timers(); len(ts) != 0 {
		t.Fatalf("a removed device keeps timers %+v", ts)
	}
}
