package clock

import (
	"sort"
	"sync"
	"time"
)

// Fake is a manual clock for tests: time moves only with Advance or Set.
// Safe for concurrent use.
//
// The two kinds of timer fire the way their users expect:
//   - a NewTimer timer is a channel a goroutine waits on; when time passes
//     its deadline the clock first jumps to the new time, then delivers the
//     due timers earliest first, so a woken goroutine reads the final time
//     and arms its next wait from there;
//   - an AfterFunc function runs on the goroutine that moves the clock, in
//     time order, with Now set to its due time while it runs, including
//     functions that earlier ones set within the same span. One due now or
//     in the past runs at the next Advance (even Advance(0)), never inside
//     AfterFunc, so callers may hold their locks while setting timers.
type Fake struct {
	adv sync.Mutex // one Advance at a time, so functions run in order

	mu      sync.Mutex
	now     time.Time
	seq     uint64
	timers  []*fakeTimer  // pending, in no particular order
	changed chan struct{} // closed and replaced whenever a timer is made
	made    int
}

// NewFake starts a fake clock at t.
func NewFake(t time.Time) *Fake {
	return &Fake{now: t, changed: make(chan struct{})}
}

type fakeTimer struct {
	f    *Fake
	seq  uint64
	at   time.Time
	c    chan time.Time // NewTimer
	fn   func()         // AfterFunc
	done bool
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
	t := f.makeLocked(d)
	t.c = make(chan time.Time, 1)
	if d <= 0 {
		t.c <- f.now
		t.done = true
	} else {
		f.timers = append(f.timers, t)
	}
	return t
}

// After is NewTimer(d).C().
func (f *Fake) After(d time.Duration) <-chan time.Time { return f.NewTimer(d).C() }

// AfterFunc calls fn at the Advance that passes now+d.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.makeLocked(d)
	t.fn = fn
	f.timers = append(f.timers, t)
	return t
}

func (f *Fake) makeLocked(d time.Duration) *fakeTimer {
	f.made++
	f.seq++
	close(f.changed)
	f.changed = make(chan struct{})
	return &fakeTimer{f: f, seq: f.seq, at: f.now.Add(d)}
}

// Advance moves time forward by d and fires the timers that fall due.
func (f *Fake) Advance(d time.Duration) {
	f.adv.Lock()
	defer f.adv.Unlock()
	f.mu.Lock()
	f.moveLocked(f.now.Add(d))
}

// Set moves time to t (never backwards) and fires the timers now due.
func (f *Fake) Set(t time.Time) {
	f.adv.Lock()
	defer f.adv.Unlock()
	f.mu.Lock()
	if t.Before(f.now) {
		t = f.now
	}
	f.moveLocked(t)
}

// moveLocked fires what falls due up to target and unlocks f.mu.
func (f *Fake) moveLocked(target time.Time) {
	for {
		next := -1
		for i, x := range f.timers {
			if x.at.After(target) {
				continue
			}
			if next < 0 || earlier(x, f.timers[next]) {
				next = i
			}
		}
		if next < 0 {
			if target.After(f.now) {
				f.now = target
			}
			f.mu.Unlock()
			return
		}
		if t := f.timers[next]; t.fn != nil {
			f.timers = append(f.timers[:next], f.timers[next+1:]...)
			t.done = true
			if t.at.After(f.now) {
				f.now = t.at
			}
			f.mu.Unlock()
			t.fn()
			f.mu.Lock()
			continue
		}
		f.fireChannelsLocked(target)
	}
}

// fireChannelsLocked jumps to target and delivers every due channel timer,
// earliest first.
func (f *Fake) fireChannelsLocked(target time.Time) {
	if target.After(f.now) {
		f.now = target
	}
	var due, keep []*fakeTimer
	for _, x := range f.timers {
		if x.c != nil && !x.at.After(target) {
			due = append(due, x)
		} else {
			keep = append(keep, x)
		}
	}
	f.timers = keep
	sort.Slice(due, func(i, j int) bool { return earlier(due[i], due[j]) })
	for _, x := range due {
		x.done = true
		x.c <- x.at
	}
}

func earlier(a, b *fakeTimer) bool {
	return a.at.Before(b.at) || (a.at.Equal(b.at) && a.seq < b.seq)
}

// Pending is the number of timers waiting to fire, for tests that check
// that nothing is left ticking.
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
