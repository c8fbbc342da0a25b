package sim

import (
	"sync"
	"time"
)

// Clock is where the fleet reads the time and sets its timers. Production
// uses the wall clock; tests pass a *FakeClock and drive time with Advance,
// so that nothing in a test sleeps.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once, d from now, on a goroutine of the clock's
	// choosing.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface {
	// Stop prevents the call if it has not started; it reports whether it
	// did.
	Stop() bool
}

type realClock struct{}

// RealClock is the wall clock.
func RealClock() Clock { return realClock{} }

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// FakeClock is a manual clock for tests: time stands still until Advance,
// which runs every timer that falls due on the caller's goroutine, in time
// order, with Now set to each timer's due time while it runs.
type FakeClock struct {
	adv sync.Mutex // one Advance at a time, so timers run in order

	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers map[uint64]*fakeTimer
}

type fakeTimer struct {
	c   *FakeClock
	id  uint64
	at  time.Time
	fn  func()
	run bool
}

// NewFakeClock returns a clock that reads start until advanced.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start, timers: map[uint64]*fakeTimer{}}
}

// Now implements Clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc implements Clock. A timer due now or in the past runs at the
// next Advance (even Advance(0)), never inside AfterFunc, so callers may
// hold their locks while setting timers.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, id: c.seq, at: c.now.Add(d), fn: f}
	c.timers[t.id] = t
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if _, ok := t.c.timers[t.id]; !ok {
		return false
	}
	delete(t.c.timers, t.id)
	return true
}

// Advance moves the clock forward by d and runs the timers that fall due,
// including timers that those timers set within the same span.
func (c *FakeClock) Advance(d time.Duration) {
	c.adv.Lock()
	defer c.adv.Unlock()
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if t.at.After(target) {
				continue
			}
			if next == nil || t.at.Before(next.at) || (t.at.Equal(next.at) && t.id < next.id) {
				next = t
			}
		}
		if next == nil {
			c.now = target
			c.mu.Unlock()
			return
		}
		delete(c.timers, next.id)
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.fn()
	}
}

// Pending is the number of timers not yet run, for tests that check that
// nothing is left ticking.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
