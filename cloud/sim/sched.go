package sim

import (
	"container/heap"
	"sync"
	"time"

	"acconsole/internal/clock"
)

// sched runs the whole fleet's timed work (telemetry and churn wheels,
// joins, window expiries, upgrade phases) from one clock timer armed for the
// earliest event. A fleet of 100 000 devices therefore holds one timer and
// no goroutine per device, and sleeps between events.
type sched struct {
	clock clock.Clock

	run sync.Mutex // one batch of events at a time

	mu     sync.Mutex
	q      evHeap
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

func newSched(c clock.Clock) *sched { return &sched{clock: c} }

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
	heap.Push(&s.q, e)
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
	if e.idx < 0 || e.idx >= len(s.q) || s.q[e.idx] != e {
		return false
	}
	heap.Remove(&s.q, e.idx)
	e.idx = -1
	return true
}

// armLocked makes sure the clock timer fires no later than the earliest
// event.
func (s *sched) armLocked() {
	if len(s.q) == 0 {
		return
	}
	next := s.q[0].at
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
		if s.closed || len(s.q) == 0 || s.q[0].at.After(s.clock.Now()) {
			if !s.closed {
				s.armLocked()
			}
			s.mu.Unlock()
			return
		}
		e := heap.Pop(&s.q).(*event)
		e.idx = -1
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
	for _, e := range s.q {
		e.idx = -1
	}
	s.q = nil
}

type evHeap []*event

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *evHeap) Push(x any) {
	e := x.(*event)
	e.idx = len(*h)
	*h = append(*h, e)
}
func (h *evHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
