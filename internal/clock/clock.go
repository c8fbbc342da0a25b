// Package clock is the one time source of the program's background parts:
// the local cloud (timer scheduler, OTA progress, simulated devices,
// accounts and share codes), the WeChat bridge, client and emulator, the
// SSH server, and the console's own waits (ui.Options.Clock). They take a
// Clock instead of calling time.Now, time.NewTimer and time.AfterFunc so
// that tests move time by hand with a Fake and never sleep. It lives
// outside cloud/ because wechat and ui must not import the cloud.
package clock

import "time"

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// NewTimer fires once, d after now; d <= 0 fires at once.
	NewTimer(d time.Duration) Timer
	// After is NewTimer(d).C() for waits that are never stopped.
	After(d time.Duration) <-chan time.Time
	// AfterFunc calls f once, d from now, on a goroutine of the clock's
	// choosing.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is the part of *time.Timer a Clock user needs.
type Timer interface {
	// C is where a NewTimer timer delivers its time; nil for AfterFunc.
	C() <-chan time.Time
	// Stop prevents the timer from firing (or its function from starting);
	// false when it already fired or was stopped.
	Stop() bool
}

// Real is the system clock.
func Real() Clock { return realClock{now: time.Now} }

// FromFunc is a clock whose Now is now and whose timers wait real
// durations: deadlines are computed in now's time and slept on the wall
// clock, which is what a server started with a shifted or frozen Now
// expects (an end-to-end test that runs the whole cloud from a chosen
// instant while real timers still fire). nil means Real.
func FromFunc(now func() time.Time) Clock {
	if now == nil {
		return Real()
	}
	return realClock{now: now}
}

// Or is c, or Real when c is nil: the default of every optional Clock
// field.
func Or(c Clock) Clock {
	if c == nil {
		return Real()
	}
	return c
}

type realClock struct{ now func() time.Time }

func (c realClock) Now() time.Time { return c.now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }
