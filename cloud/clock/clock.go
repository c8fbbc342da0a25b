// Package clock is the time source of the local cloud's background parts
// (the timer scheduler, OTA progress tracking). They take a Clock instead of
// calling time.Now and time.NewTimer so that tests move time by hand and
// never sleep.
package clock

import (
	"sort"
	"sync"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// NewTimer fires once, d after now; d <= 0 fires at once.
	NewTimer(d time.Duration) Timer
	// After is NewTimer(d).C() for waits that are never stopped.
	After(d time.Duration) <-chan time.Time
}

// Timer is the part of *time.Timer a Clock user needs.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; false when it already fired or
	// was stopped.
	Stop() bool
}

// Real is the system clock.
func Real() Clock { return realClock{now: time.Now} }

// FromFunc is a clock whose Now is now (the server's injected Now) and
// whose timers wait real durations: deadlines are computed in now's time
// and slept on the wall clock, which is what a server started with a
// shifted or frozen Now expects. nil means Real.
func FromFunc(now func() time.Time) Clock {
	if now == nil {
		return Real()
	}
	return realClock{now: now}
}

type realClock struct{ now func() time.Time }

func (c realClock) Now() time.Time { return c.now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// Fake is a manual clock for tests: time moves only with Advance or Set,
// and timers fire when it passes their deadline. Safe for concurrent use.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced whenever a timer is made
	made    int
}

// NewFake starts a fake clock at t.
func NewFake(t time.Time) *Fake {
	return &Fake{now: t, changed: make(chan struct{})}
}

// Now is the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer makes a timer that fires when the fake time reaches now+d.
func (f *Fake) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.made++
	t := &fakeTimer{f: f, at: f.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- f.now
		t.done = true
	} else {
		f.timers = append(f.timers, t)
	}
	close(f.changed)
	f.changed = make(chan struct{})
	return t
}

// After is NewTimer(d).C().
func (f *Fake) After(d time.Duration) <-chan time.Time { return f.NewTimer(d).C() }

// Advance moves time forward by d and fires the timers now due, earliest
// first.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves time to t (never backwards) and fires the timers now due.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.After(f.now) {
		f.now = t
	}
	var due, keep []*fakeTimer
	for _, x := range f.timers {
		if !x.at.After(f.now) {
			due = append(due, x)
		} else {
			keep = append(keep, x)
		}
	}
	f.timers = keep
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, x := range due {
		x.done = true
		x.c <- x.at
	}
	f.mu.Unlock()
}

// Pending is the number of timers waiting to fire.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// NextDeadline is the earliest pending timer's deadline (false for none),
// so that a test can jump exactly to it.
func (f *Fake) NextDeadline() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var best time.Time
	for i, x := range f.timers {
		if i == 0 || x.at.Before(best) {
			best = x.at
		}
	}
	return best, len(f.timers) > 0
}

// Made counts the timers made so far: a test of a goroutine that should
// sleep checks that it did not wake (and re-arm) needlessly.
func (f *Fake) Made() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.made
}

// TimerMade returns a channel closed the next time a timer is made, so a
// test can wait for a goroutine to start waiting instead of sleeping.
func (f *Fake) TimerMade() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

type fakeTimer struct {
	f    *Fake
	at   time.Time
	c    chan time.Time
	done bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	for i, x := range t.f.timers {
		if x == t {
			t.f.timers = append(t.f.timers[:i], t.f.timers[i+1:]...)
			break
		}
	}
	return true
}
