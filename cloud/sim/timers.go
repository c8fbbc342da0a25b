package sim

import (
	"errors"
	"fmt"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
	"acconsole/models"
)

// Device timers (taskFlag 1, PROTOCOL §2.4). The cloud hands a device its
// whole set of timers (hub.TimerHost); the device runs them from its own
// clock with models.NextFirings in each timer's zone, so it fires exactly
// what the cloud previews. A firing applies the command the way a command
// from the cloud would (state change, report 201), connected or not: a
// device that cannot reach the cloud still switches at 07:00. Firings made
// while offline are queued (at most MaxQueuedFirings) and reported when the
// device is connected again, with the time they happened.
//
// Every timer is an event on the fleet's one scheduler: no goroutine and no
// clock timer per device.

// MaxQueuedFirings bounds the firing reports a device keeps while it
// cannot reach the cloud; past it the oldest are dropped, as a device with
// a small buffer would.
const MaxQueuedFirings = 100

// firingLogSize is how many of its own firings a device remembers for
// TimerFirings.
const firingLogSize = 100

// TimerFiring is one run of a device timer as the device recorded it.
type TimerFiring struct {
	hub.TimerFiring
	// Offline: the device was not connected when it fired; the report
	// waited for the reconnect.
	Offline bool
}

// timers is a device's timer state; a device without timers has none, so
// that a fleet of 100 000 devices pays one pointer each.
type timers struct {
	set []*devTimer
	// last is the last firing instant per task, kept across pushes: the
	// cloud pushes the whole set again after a reconnect or any change, and
	// a push in the second a timer fired must not fire it again.
	last map[int64]time.Time
	gen  uint64

	log []TimerFiring // the last firingLogSize firings, oldest first

	queue    []queuedFiring // not yet reported to the hub, oldest first
	seq      uint64
	dropped  int
	flushing bool // one goroutine reports at a time, in order
	// dirty: a firing changed the state while the device was offline; its
	// state report (201) is sent after the queued firings.
	dirty bool
}

type devTimer struct {
	spec hub.DeviceTimer
	next time.Time // zero: no further firing
	ev   *event
	gen  uint64 // 0 once replaced or dropped: a late event does nothing
}

type queuedFiring struct {
	seq uint64
	f   hub.TimerFiring
}

// secondStart is where timers are scheduled from: the start of the current
// second (timePoints have whole seconds), less a nanosecond because
// firings are taken strictly after it. The cloud does the same, so a once
// timer due this very second still fires.
func secondStart(now time.Time) time.Time { return now.Truncate(time.Second).Add(-time.Nanosecond) }

// SetTimers implements hub.TimerHost: the device's timers become tasks.
// A timer that was in the previous set keeps its last firing, so pushing
// the same set again changes nothing. It is hub.ErrOffline when the device
// cannot hear the cloud.
func (d *Device) SetTimers(tasks []hub.DeviceTimer) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.liveLocked() {
		return hub.ErrOffline
	}
	tm := d.tm
	if tm == nil {
		tm = &timers{last: map[int64]time.Time{}}
		d.tm = tm
	}
	d.cancelTimersLocked()
	now := d.f.now()
	ref := secondStart(now)
	last := make(map[int64]time.Time, len(tasks))
	set := make([]*devTimer, 0, len(tasks))
	var errs []error
	for _, spec := range tasks {
		spec.Payload = append([]byte(nil), spec.Payload...)
		t := &devTimer{spec: spec}
		from := ref
		if l, ok := tm.last[spec.TaskID]; ok {
			last[spec.TaskID] = l
			if l.After(from) {
				from = l
			}
		}
		if spec.Running {
			if err := d.armLocked(t, from, now); err != nil {
				errs = append(errs, fmt.Errorf("sim: timer %d: %w", spec.TaskID, err))
			}
		}
		set = append(set, t)
	}
	tm.set, tm.last = set, last
	return errors.Join(errs...)
}

// cancelTimersLocked drops the pending events of the current set.
func (d *Device) cancelTimersLocked() {
	if d.tm == nil {
		return
	}
	for _, t := range d.tm.set {
		d.f.sched.cancel(t.ev)
		t.ev, t.gen = nil, 0
	}
}

// dropTimersLocked forgets every timer and unsent report (the device left
// the fleet).
func (d *Device) dropTimersLocked() {
	d.cancelTimersLocked()
	if d.tm != nil {
		d.tm.set, d.tm.queue, d.tm.dirty = nil, nil, false
	}
}

// armLocked schedules t's first firing strictly after from; a timer with
// none left (a once timer that fired) stops running.
func (d *Device) armLocked(t *devTimer, from, now time.Time) error {
	t.next = time.Time{}
	fs, err := models.NextFirings(models.TimerTask{TimeZone: t.spec.TimeZone, TimePoint: t.spec.TimePoint, TimeCycle: t.spec.TimeCycle}, from, 1)
	if err != nil || len(fs) == 0 {
		t.spec.Running = false
		return err
	}
	d.tm.gen++
	gen := d.tm.gen
	t.next, t.gen = fs[0].At, gen
	// A delay, not an instant: the fleet's Now may be shifted from its
	// clock (a cloud started with an injected Now), and the timer is due
	// in the device's time.
	t.ev = d.f.sched.after(t.next.Sub(now), func() { d.timerDue(t, gen) })
	return nil
}

// timerDue fires t, if it is still the device's timer, and arms its next
// firing.
func (d *Device) timerDue(t *devTimer, gen uint64) {
	d.mu.Lock()
	if t.gen != gen || d.tm == nil {
		d.mu.Unlock()
		return
	}
	now := d.f.now()
	if now.Before(t.next) {
		// The device's Now runs behind the clock that woke it: wait the
		// rest.
		t.ev = d.f.sched.after(t.next.Sub(now), func() { d.timerDue(t, gen) })
		d.mu.Unlock()
		return
	}
	due := t.next
	t.ev = nil
	d.tm.last[t.spec.TaskID] = due
	// The next firing comes after this one and after the current second,
	// so that a clock that jumped ahead gives one late firing, not a
	// burst.
	from := due
	if r := secondStart(now); r.After(from) {
		from = r
	}
	_ = d.armLocked(t, from, now) // the spec parsed when it was armed
	awake := d.awakeLocked()
	spec := t.spec
	d.mu.Unlock()
	if !awake {
		return // unplugged or rebooting: the firing is lost, as on a real device
	}
	rc, _, out, err := d.run(spec.MessageCode, spec.Payload, true)
	if err != nil {
		return // went to sleep in between
	}
	f := hub.TimerFiring{
		TaskID: spec.TaskID, Scheduled: due, At: now, Code: spec.MessageCode, Payload: spec.Payload,
		ReplyCode: rc, Result: "ok",
	}
	if rc == catalog.CodeError {
		f.Result = "error"
	}
	d.emit(out)
	d.mu.Lock()
	if tm := d.tm; tm != nil && !d.removed {
		offline := !d.connected.Load()
		tm.log = appendBounded(tm.log, TimerFiring{TimerFiring: f, Offline: offline}, firingLogSize)
		tm.seq++
		if len(tm.queue) >= MaxQueuedFirings {
			tm.queue = tm.queue[1:]
			tm.dropped++
		}
		tm.queue = append(tm.queue, queuedFiring{seq: tm.seq, f: f})
		if offline && len(out) > 0 {
			tm.dirty = true
		}
	}
	d.mu.Unlock()
	d.flushFirings()
}

func appendBounded[T any](s []T, v T, n int) []T {
	if len(s) >= n {
		s = append(s[:0], s[len(s)-n+1:]...)
	}
	return append(s, v)
}

// flushFirings reports the queued firings while the device is connected,
// oldest first, then the state they left behind if it changed offline.
// One goroutine flushes at a time; one that finds another at work leaves
// its firing to it.
func (d *Device) flushFirings() {
	d.mu.Lock()
	tm := d.tm
	if tm == nil || tm.flushing || (len(tm.queue) == 0 && !tm.dirty) {
		d.mu.Unlock()
		return
	}
	tm.flushing = true
	for len(tm.queue) > 0 && d.connected.Load() {
		q := tm.queue[0]
		d.mu.Unlock()
		err := d.f.hub.TimerFired(d.key, q.f)
		d.mu.Lock()
		if err != nil {
			break // offline again: kept for the next reconnect
		}
		// The queue may have lost its oldest entries meanwhile (bounded),
		// so what was sent is found by sequence number.
		for len(tm.queue) > 0 && tm.queue[0].seq <= q.seq {
			tm.queue = tm.queue[1:]
		}
	}
	var state []byte
	if tm.dirty && len(tm.queue) == 0 && d.connected.Load() {
		tm.dirty = false
		now := d.f.now()
		d.settle(now)
		state = d.stateBytes(now)
	}
	tm.flushing = false
	d.mu.Unlock()
	if state != nil {
		d.emit([]msg{{catalog.CodeStateChanged, state}})
	}
}

// Timers is the device's set of timers as the cloud last handed it, in
// its order. Running is false for a stopped timer and for a once timer
// that has fired.
func (d *Device) Timers() []hub.DeviceTimer {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tm == nil {
		return nil
	}
	out := make([]hub.DeviceTimer, len(d.tm.set))
	for i, t := range d.tm.set {
		out[i] = t.spec
		out[i].Payload = append([]byte(nil), t.spec.Payload...)
	}
	return out
}

// NextTimerFiring is when the device will next fire task taskID; false
// when it does not hold the task or will not fire it again.
func (d *Device) NextTimerFiring(taskID int64) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tm == nil {
		return time.Time{}, false
	}
	for _, t := range d.tm.set {
		if t.spec.TaskID == taskID && t.ev != nil {
			return t.next, true
		}
	}
	return time.Time{}, false
}

// TimerFirings lists the device's last firings (up to 100), oldest first.
func (d *Device) TimerFirings() []TimerFiring {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tm == nil {
		return nil
	}
	return append([]TimerFiring(nil), d.tm.log...)
}

// UnreportedFirings is how many firings wait for the device to reconnect,
// and how many were dropped because the queue was full.
func (d *Device) UnreportedFirings() (queued, dropped int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tm == nil {
		return 0, 0
	}
	return len(d.tm.queue), d.tm.dropped
}

var _ hub.TimerHost = (*Device)(nil)
var _ hub.TimerHost = (*gatewayEP)(nil)
