package sim

import (
	"sync"
	"time"

	"acconsole/internal/clock"
	"acconsole/internal/heapq"
)

// sched runs the whole fleet's timed work (telemetry and churn wheels,
// joins, window expiries, upgrade phases) from one clock timer armed for the
// earliest event. A fleet of 100 000 devices therefore holds one timer and
// no goroutine per device, and sleeps between events.
type sched struct {
	clock clock.Clock

	run sync.Mutex // one batch of events at a time

	mu     sync.Mutex
	q      *heapq.Heap[*event]
	seq    uint64
	timer  clock.Timer
	armed  time.Time // due time of timer; zero when none is pending
	closed bool
}

type event struct {
	at  time.Time
	seq uint64
	fn  func()
	idx int // position in the heap; -1 once run or cancelled
}

func newSched(c clock.Clock) *sched {
	return &sched{clock: c, q: heapq.New(eventBefore, func(e *event, i int) { e.idx = i })}
}

// at runs fn at t (or as soon as possible if t has passed). It returns nil
// once the scheduler is closed.
func (s *sched) at(t time.Time, fn func()) *event {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.seq++
	e := &event{at: t, seq: s.seq, fn: fn}
	s.q.Push(e)
	s.armLocked()
	return e
}

func (s *sched) after(d time.Duration, fn func()) *event {
	return s.at(s.clock.Now().Add(d), fn)
}

// cancel drops e if it has not run; nil is allowed.
func (s *sched) cancel(e *event) bool {
	if e == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.idx < 0 || e.idx >= s.q.Len() || s.q.At(e.idx) != e {
		return false
	}
	s.q.Remove(e.idx)
	return true
}

// armLocked makes sure the clock timer fires no later than the earliest
// event.
func (s *sched) armLocked() {
	if s.q.Len() == 0 {
		return
	}
	next := s.q.Peek().at
	if !s.armed.IsZero() && !next.Before(s.armed) {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.armed = next
	s.timer = s.clock.AfterFunc(next.Sub(s.clock.Now()), s.fire)
}

// fire runs every event that is due, outside the lock, so that events may
// schedule further events.
func (s *sched) fire() {
	s.run.Lock()
	defer s.run.Unlock()
	s.mu.Lock()
	s.armed = time.Time{}
	s.timer = nil
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if s.closed || s.q.Len() == 0 || s.q.Peek().at.After(s.clock.Now()) {
			if !s.closed {
				s.armLocked()
			}
			s.mu.Unlock()
			return
		}
		e := s.q.Pop()
		s.mu.Unlock()
		e.fn()
	}
}

// close drops every pending event and stops the timer; later at calls are
// ignored.
func (s *sched) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.q.Clear()
}

// eventBefore orders events by due time, then by when they were set.
func eventBefore(a, b *event) bool {
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}
