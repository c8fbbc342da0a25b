package timer

import (
	"errors"
	"sync"
	"time"

	"acconsole/internal/clock"
	"acconsole/internal/heapq"
	"acconsole/models"
)

// Spec is what a task's firings depend on: its IANA zone, its first run as
// wall-clock time in that zone, and its repeat rule (PROTOCOL §3.5). The
// firings themselves come from models.NextFirings, so the scheduler fires
// exactly what the console previews, DST rules included.
type Spec struct {
	TimeZone, TimePoint, TimeCycle string
}

func (sp Spec) next(after time.Time) (time.Time, bool, error) {
	fs, err := models.NextFirings(models.TimerTask{TimeZone: sp.TimeZone, TimePoint: sp.TimePoint, TimeCycle: sp.TimeCycle}, after, 1)
	if err != nil || len(fs) == 0 {
		return time.Time{}, false, err
	}
	return fs[0].At, true, nil
}

// DueKind says what to do with a Due.
type DueKind uint8

const (
	// DueRun: send the task's command now.
	DueRun DueKind = iota + 1
	// DueMissed: one or more firings were too late to run (the cloud was
	// down, or stalled, for longer than the grace period); record them.
	DueMissed
)

// Due is a firing the scheduler hands over.
type Due struct {
	TaskID int64
	Kind   DueKind
	// At is the scheduled instant: of the run, or of the first missed
	// firing.
	At time.Time
	// Last is the last missed firing (DueMissed only).
	Last time.Time
	// Count of missed firings; at least Count when Capped (a long outage of
	// a minute timer is not walked one firing at a time).
	Count  int
	Capped bool
	// Final: the task has no firing after this one (a once task, or a
	// schedule that ran out), so it stops.
	Final bool
	// Gen identifies the schedule the firing came from; Valid(TaskID, Gen)
	// turns false once the task is stopped, modified or deleted.
	Gen uint64
}

// ErrNoFiring is returned by Schedule for a schedule with no firing after
// the given instant (a once task in the past).
var ErrNoFiring = errors.New("the schedule has no firing left")

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	// Clock is the time source; nil means the system clock.
	Clock clock.Clock
	// Grace is how late a firing may run: a firing found due more than
	// Grace after its instant (after downtime) is reported as missed
	// instead. 0 means DefaultGrace.
	Grace time.Duration
	// Dispatch receives the due firings of one wake-up, in time order, on
	// the scheduler goroutine. It should hand the sending off and return:
	// while it runs, later firings wait.
	Dispatch func([]Due)
}

// DefaultGrace is how late a firing missed during downtime may still run.
const DefaultGrace = 60 * time.Second

// maxWalk bounds how many missed firings of one task are looked at one by
// one after an outage; past it the count is "at least".
const maxWalk = 1000

// Scheduler keeps every running task in a min-heap keyed by its next firing
// and runs one goroutine that sleeps until the earliest one. It does not
// poll: changes (Schedule, Remove) wake it through a channel only when they
// change the earliest deadline, so an idle cloud costs no CPU, and a change
// costs O(log n).
type Scheduler struct {
	clock clock.Clock
	grace time.Duration
	disp  func([]Due)

	mu     sync.Mutex
	h      *heapq.Heap[*entry]
	byID   map[int64]*entry
	intern map[string]string

	wake    chan struct{}
	syncReq chan chan struct{}
	quit    chan struct{}
	done    chan struct{}
	started bool
	closed  bool
}

// entry is one task in the heap; it holds the schedule as three strings
// (zone and cycle interned, since thousands of tasks share them) and the
// next due instant in Unix nanoseconds, to keep 100 000 tasks small.
type entry struct {
	id    int64
	due   int64 // Unix ns; meaningless when idx < 0
	idx   int   // heap index; -1 when finished but not yet released
	gen   uint64
	spec  Spec
	final bool
}

// NewScheduler returns a stopped scheduler; add tasks, then Start it.
func NewScheduler(opt SchedulerOptions) *Scheduler {
	if opt.Clock == nil {
		opt.Clock = clock.Real()
	}
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	if opt.Dispatch == nil {
		opt.Dispatch = func([]Due) {}
	}
	return &Scheduler{
		clock: opt.Clock, grace: opt.Grace, disp: opt.Dispatch,
		h:    heapq.New(entryBefore, func(e *entry, i int) { e.idx = i }),
		byID: map[int64]*entry{}, intern: map[string]string{},
		wake: make(chan struct{}, 1), syncReq: make(chan chan struct{}),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
}

// Start runs the scheduler goroutine.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	go s.run()
}

// Close stops the goroutine and waits for it; Dispatch is not called after
// Close returns.
func (s *Scheduler) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	started := s.started
	close(s.quit)
	s.mu.Unlock()
	if started {
		<-s.done
	}
}

// Schedule adds or replaces task id at version gen (the caller's version
// of the task, which must change whenever the task does): its next firing
// is the first one strictly after after. A replaced task's pending firing is
// cancelled (its Gen is no longer Valid). ErrNoFiring means there is none
// (the task is not scheduled); a spec that does not parse gives its error.
func (s *Scheduler) Schedule(id int64, gen uint64, spec Spec, after time.Time) error {
	at, ok, err := spec.next(after)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		s.removeLocked(id)
		return ErrNoFiring
	}
	spec.TimeZone, spec.TimeCycle = s.internLocked(spec.TimeZone), s.internLocked(spec.TimeCycle)
	wasTop := s.h.Len() > 0 && s.h.Peek().id == id
	e := s.byID[id]
	if e == nil {
		e = &entry{id: id, idx: -1}
		s.byID[id] = e
	}
	e.spec, e.gen, e.due, e.final = spec, gen, at.UnixNano(), false
	if e.idx < 0 {
		s.h.Push(e)
	} else {
		s.h.Fix(e.idx)
	}
	if wasTop || s.h.Peek() == e {
		s.poke()
	}
	return nil
}

// Remove drops task id (stopped, frozen or deleted); a firing of it that
// was already handed over is no longer Valid.
func (s *Scheduler) Remove(id int64) {
	s.mu.Lock()
	s.removeLocked(id)
	s.mu.Unlock()
}

func (s *Scheduler) removeLocked(id int64) {
	e := s.byID[id]
	if e == nil {
		return
	}
	delete(s.byID, id)
	if e.idx >= 0 {
		top := e.idx == 0
		s.h.Remove(e.idx)
		if top {
			s.poke()
		}
	}
}

// Valid reports whether a handed-over firing still belongs to the task's
// current schedule: false once the task was stopped, modified or deleted.
func (s *Scheduler) Valid(id int64, gen uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.byID[id]
	return e != nil && e.gen == gen
}

// Finish releases a task whose final firing was handled, unless it was
// rescheduled meanwhile.
func (s *Scheduler) Finish(id int64, gen uint64) {
	s.mu.Lock()
	if e := s.byID[id]; e != nil && e.gen == gen && e.idx < 0 {
		delete(s.byID, id)
	}
	s.mu.Unlock()
}

// Gens is every task the scheduler holds, with the generation it holds.
func (s *Scheduler) Gens() map[int64]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]uint64, len(s.byID))
	for id, e := range s.byID {
		out[id] = e.gen
	}
	return out
}

// Next is the next firing of task id, if it is scheduled.
func (s *Scheduler) Next(id int64) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.byID[id]; e != nil && e.idx >= 0 {
		return time.Unix(0, e.due), true
	}
	return time.Time{}, false
}

// Len is the number of tasks waiting for a firing.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h.Len()
}

// Settle returns once the scheduler goroutine has dispatched everything due
// at the clock's current time. Tests call it after moving a fake clock.
func (s *Scheduler) Settle() {
	ack := make(chan struct{})
	select {
	case s.syncReq <- ack:
		<-ack
	case <-s.done:
	}
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) internLocked(v string) string {
	if x, ok := s.intern[v]; ok {
		return x
	}
	if len(s.intern) < 4096 { // zones and cycles are few; never grow without bound
		s.intern[v] = v
	}
	return v
}

func (s *Scheduler) run() {
	defer close(s.done)
	var acks []chan struct{}
	for {
		if batch := s.collect(); len(batch) > 0 {
			s.disp(batch)
		}
		var t clock.Timer
		var fire <-chan time.Time
		s.mu.Lock()
		if s.h.Len() > 0 {
			t = s.clock.NewTimer(time.Unix(0, s.h.Peek().due).Sub(s.clock.Now()))
			fire = t.C()
		}
		s.mu.Unlock()
		// Acknowledged only now, with the timer armed, so that a test
		// that settles and then reads the fake clock's next deadline
		// sees this wait.
		for _, a := range acks {
			close(a)
		}
		acks = acks[:0]
		select {
		case <-fire:
		case <-s.wake:
		case a := <-s.syncReq:
			acks = append(acks, a)
		case <-s.quit:
			if t != nil {
				t.Stop()
			}
			return
		}
		if t != nil {
			t.Stop()
		}
	}
}

// collect pops every entry due now, works out what to do with each, and
// pushes the ones with a further firing back.
func (s *Scheduler) collect() []Due {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	nowN := now.UnixNano()
	var out []Due
	for s.h.Len() > 0 && s.h.Peek().due <= nowN {
		e := s.h.Peek()
		dues, next, more := s.catchUp(e, now)
		out = append(out, dues...)
		if more {
			e.due = next.UnixNano()
			s.h.Fix(0)
			continue
		}
		// Kept in byID until Finish, so that the final run stays Valid
		// while it is sent.
		s.h.Pop()
		e.final = true
	}
	return out
}

// catchUp classifies the firings of e from its due instant up to now: the
// latest one less than Grace late runs, every earlier one is missed (a run
// "once" after downtime, not a burst). It returns the next firing after
// now.
func (s *Scheduler) catchUp(e *entry, now time.Time) ([]Due, time.Time, bool) {
	d := time.Unix(0, e.due).In(time.UTC)
	cutoff := now.Add(-s.grace)
	nx, more, err := e.spec.next(d)
	if err != nil {
		more = false
	}
	if d.After(cutoff) && (!more || nx.After(now)) {
		// The common case: on time, nothing else due.
		return []Due{{TaskID: e.id, Kind: DueRun, At: d, Final: !more, Gen: e.gen}}, nx, more
	}
	var (
		run    time.Time
		miss   Due
		steps  int
		cur    = d
		have   = true
		curErr error
	)
	miss = Due{TaskID: e.id, Kind: DueMissed, Gen: e.gen}
	addMissed := func(t time.Time) {
		if miss.Count == 0 {
			miss.At = t
		}
		miss.Last = t
		miss.Count++
	}
	for have && !cur.After(now) {
		if cur.After(cutoff) {
			if !run.IsZero() {
				addMissed(run) // superseded by a later firing inside the grace period
			}
			run = cur
		} else {
			addMissed(cur)
		}
		steps++
		if steps >= maxWalk && !cur.After(cutoff) {
			// Too many to walk: count the rest as "at least" and jump to
			// the grace window.
			miss.Capped = true
			cur, have, curErr = e.spec.next(cutoff)
			steps = 0
			continue
		}
		cur, have, curErr = e.spec.next(cur)
	}
	if curErr != nil {
		have = false
	}
	var out []Due
	if miss.Count > 0 {
		out = append(out, miss)
	}
	if !run.IsZero() {
		out = append(out, Due{TaskID: e.id, Kind: DueRun, At: run, Gen: e.gen})
	}
	if !have {
		out[len(out)-1].Final = true
	}
	return out, cur, have
}

// entryBefore orders the heap by due instant, then by task id.
func entryBefore(a, b *entry) bool {
	if a.due != b.due {
		return a.due < b.due
	}
	return a.id < b.id
}
