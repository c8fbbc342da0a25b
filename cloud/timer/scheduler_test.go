package timer

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/internal/clock"
	"acconsole/models"
)

// harness runs a scheduler on a fake clock and collects what it dispatches.
type harness struct {
	t     *testing.T
	clock *clock.Fake
	s     *Scheduler
	mu    sync.Mutex
	got   []Due
}

func newHarness(t *testing.T, start time.Time, grace time.Duration) *harness {
	t.Helper()
	h := &harness{t: t, clock: clock.NewFake(start)}
	h.s = NewScheduler(SchedulerOptions{Clock: h.clock, Grace: grace, Dispatch: func(b []Due) {
		h.mu.Lock()
		h.got = append(h.got, b...)
		h.mu.Unlock()
	}})
	h.s.Start()
	t.Cleanup(h.s.Close)
	return h
}

// take returns and forgets what was dispatched so far.
func (h *harness) take() []Due {
	h.s.Settle()
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.got
	h.got = nil
	return out
}

// step moves the clock to the scheduler's next deadline and returns what
// fell due there; false when nothing is scheduled.
func (h *harness) step() ([]Due, bool) {
	h.s.Settle()
	d, ok := h.clock.NextDeadline()
	if !ok {
		return nil, false
	}
	h.clock.Set(d)
	return h.take(), true
}

func (h *harness) schedule(id int64, sp Spec, after time.Time) {
	h.t.Helper()
	if err := h.s.Schedule(id, 1, sp, after); err != nil {
		h.t.Fatalf("schedule %d: %v", id, err)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := models.LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fire is one firing the harness saw: task and instant (UTC, RFC 3339).
type fire struct {
	id int64
	at string
}

// runUntil steps the clock from deadline to deadline up to end (inclusive)
// and returns every firing, checking that each batch fires at its instant.
func (h *harness) runUntil(end time.Time) []fire {
	h.t.Helper()
	var got []fire
	for {
		dues, ok := h.step()
		if !ok || h.clock.Now().After(end) {
			return got
		}
		var prev time.Time
		for _, d := range dues {
			if d.Kind != DueRun {
				h.t.Fatalf("unexpected %+v", d)
			}
			if d.At.Before(prev) {
				h.t.Fatalf("batch out of order: %v after %v", d.At, prev)
			}
			prev = d.At
			if !d.At.Equal(h.clock.Now()) {
				h.t.Fatalf("task %d fired for %v at %v", d.TaskID, d.At, h.clock.Now())
			}
			got = append(got, fire{d.TaskID, d.At.UTC().Format(time.RFC3339)})
		}
	}
}

// sameFirings compares firings in order; firings at one instant may come
// in any task order.
func sameFirings(t *testing.T, got, want []fire) {
	t.Helper()
	key := func(fs []fire) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = fmt.Sprintf("%s task %d", f.at, f.id)
		}
		sort.Strings(out)
		return out
	}
	for i := 1; i < len(got); i++ {
		if got[i].at < got[i-1].at {
			t.Fatalf("firing %d (%v) before firing %d (%v)", i, got[i], i-1, got[i-1])
		}
	}
	g, w := key(got), key(want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Fatalf("firings:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

func TestSchedulerFiresInOrderAcrossTasks(t *testing.T) {
	// Monday 2027-05-03 06:00 in Shanghai (UTC+8) is 2027-05-02 22:00 UTC.
	start := time.Date(2027, 5, 2, 22, 0, 0, 0, time.UTC)
	h := newHarness(t, start, 0)
	tasks := map[int64]Spec{
		1: {TimeZone: "Asia/Shanghai", TimePoint: "2027-05-03 07:30:00", TimeCycle: "day"},
		3: {TimeZone: "Asia/Shanghai", TimePoint: "2027-05-03 07:00:00", TimeCycle: "week[1,3]"},
		4: {TimeZone: "Europe/Berlin", TimePoint: "2027-05-03 01:00:00", TimeCycle: "once"}, // CEST, UTC+2
		5: {TimeZone: "UTC", TimePoint: "2027-05-02 23:20:00", TimeCycle: "day"},
		6: {TimeZone: "UTC", TimePoint: "2027-05-04 12:00:00", TimeCycle: "month"},
	}
	for id, sp := range tasks {
		h.schedule(id, sp, start)
	}
	// Worked out by hand from PROTOCOL §3.5 (week: 0 = Sunday, so 1 and 3
	// are Monday 3 and Wednesday 5 May; nothing on Tuesday).
	want := []fire{
		{3, "2027-05-02T23:00:00Z"}, // Mon 07:00 Shanghai
		{4, "2027-05-02T23:00:00Z"}, // 01:00 Berlin
		{5, "2027-05-02T23:20:00Z"},
		{1, "2027-05-02T23:30:00Z"},
		{5, "2027-05-03T23:20:00Z"},
		{1, "2027-05-03T23:30:00Z"},
		{6, "2027-05-04T12:00:00Z"},
		{3, "2027-05-04T23:00:00Z"}, // Wed 07:00 Shanghai
		{5, "2027-05-04T23:20:00Z"},
		{1, "2027-05-04T23:30:00Z"},
	}
	sameFirings(t, h.runUntil(time.Date(2027, 5, 5, 0, 0, 0, 0, time.UTC)), want)
	if _, ok := h.s.Next(4); ok {
		t.Fatal("the once task is still scheduled after its firing")
	}
	if next, _ := h.s.Next(6); !next.Equal(time.Date(2027, 6, 4, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("the monthly task next fires at %v, want 2027-06-04 12:00 UTC", next)
	}
}

func TestSchedulerMinuteAndHourTasksInterleave(t *testing.T) {
	start := time.Date(2027, 5, 2, 22, 0, 0, 0, time.UTC)
	h := newHarness(t, start, 0)
	h.schedule(1, Spec{TimeZone: "UTC", TimePoint: "2027-05-02 22:01:00", TimeCycle: "min"}, start)
	// 06:02:30 Shanghai is 22:02:30 UTC; hourly at mm:ss 02:30.
	h.schedule(2, Spec{TimeZone: "Asia/Shanghai", TimePoint: "2027-05-01 06:02:30", TimeCycle: "hour"}, start)
	want := []fire{
		{1, "2027-05-02T22:01:00Z"},
		{1, "2027-05-02T22:02:00Z"},
		{2, "2027-05-02T22:02:30Z"},
		{1, "2027-05-02T22:03:00Z"},
		{1, "2027-05-02T22:04:00Z"},
	}
	sameFirings(t, h.runUntil(time.Date(2027, 5, 2, 22, 4, 0, 0, time.UTC)), want)
	if next, _ := h.s.Next(2); !next.Equal(time.Date(2027, 5, 2, 23, 2, 30, 0, time.UTC)) {
		t.Fatalf("the hourly task next fires at %v, want 23:02:30 UTC", next)
	}
}

func TestSchedulerNewYorkSpringForward(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	start := time.Date(2027, 3, 12, 12, 0, 0, 0, ny)
	h := newHarness(t, start, 0)
	h.schedule(1, Spec{TimeZone: "America/New_York", TimePoint: "2027-03-10 02:30:00", TimeCycle: "day"}, start)
	want := []string{
		"2027-03-13 02:30:00 EST",
		"2027-03-14 03:00:00 EDT", // 02:30 does not exist: the first instant after the gap
		"2027-03-15 02:30:00 EDT",
	}
	for _, w := range want {
		dues, ok := h.step()
		if !ok || len(dues) != 1 {
			t.Fatalf("want one firing at %s, got %+v", w, dues)
		}
		if got := dues[0].At.In(ny).Format("2006-01-02 15:04:05 MST"); got != w {
			t.Fatalf("fired at %s, want %s", got, w)
		}
	}
}

func TestSchedulerNewYorkFallBack(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	start := time.Date(2027, 11, 6, 12, 0, 0, 0, ny)
	h := newHarness(t, start, 0)
	h.schedule(1, Spec{TimeZone: "America/New_York", TimePoint: "2027-11-01 01:30:00", TimeCycle: "day"}, start)
	want := []string{
		"2027-11-07 01:30:00 EDT", // happens twice: only the first
		"2027-11-08 01:30:00 EST",
	}
	for _, w := range want {
		dues, ok := h.step()
		if !ok || len(dues) != 1 {
			t.Fatalf("want one firing at %s, got %+v", w, dues)
		}
		if got := dues[0].At.In(ny).Format("2006-01-02 15:04:05 MST"); got != w {
			t.Fatalf("fired at %s, want %s", got, w)
		}
	}

	// An hourly task runs 25 times on the 25-hour day, an hour apart.
	h2 := newHarness(t, time.Date(2027, 11, 7, 0, 0, 0, 0, ny), 0)
	h2.schedule(2, Spec{TimeZone: "America/New_York", TimePoint: "2027-11-01 00:10:00", TimeCycle: "hour"}, h2.clock.Now())
	dayEnd := time.Date(2027, 11, 8, 0, 0, 0, 0, ny)
	var runs []time.Time
	for {
		dues, ok := h2.step()
		if !ok || !h2.clock.Now().Before(dayEnd) {
			break
		}
		for _, d := range dues {
			runs = append(runs, d.At)
		}
	}
	if len(runs) != 25 {
		t.Fatalf("hourly task ran %d times on the fall-back day, want 25", len(runs))
	}
	for i := 1; i < len(runs); i++ {
		if runs[i].Sub(runs[i-1]) != time.Hour {
			t.Fatalf("runs %d and %d are %v apart", i-1, i, runs[i].Sub(runs[i-1]))
		}
	}
}

func TestSchedulerCatchUpAfterDowntime(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	sp := Spec{TimeZone: "Asia/Shanghai", TimePoint: "2027-05-01 08:00:00", TimeCycle: "day"}
	handled := time.Date(2027, 5, 3, 7, 0, 0, 0, sh) // last handled before the outage

	t.Run("inside grace", func(t *testing.T) {
		// Down from the 3rd 07:00 to the 5th 08:00:30: the 3rd and 4th are
		// missed, the 5th is 30 s late and runs once.
		h := newHarness(t, time.Date(2027, 5, 5, 8, 0, 30, 0, sh), time.Minute)
		h.schedule(1, sp, handled)
		dues := h.take()
		if len(dues) != 2 {
			t.Fatalf("dues = %+v", dues)
		}
		m, r := dues[0], dues[1]
		if m.Kind != DueMissed || m.Count != 2 || !m.At.Equal(time.Date(2027, 5, 3, 8, 0, 0, 0, sh)) || !m.Last.Equal(time.Date(2027, 5, 4, 8, 0, 0, 0, sh)) {
			t.Fatalf("missed = %+v", m)
		}
		if r.Kind != DueRun || !r.At.Equal(time.Date(2027, 5, 5, 8, 0, 0, 0, sh)) {
			t.Fatalf("run = %+v", r)
		}
		if next, _ := h.s.Next(1); !next.Equal(time.Date(2027, 5, 6, 8, 0, 0, 0, sh)) {
			t.Fatalf("next = %v", next)
		}
	})
	t.Run("outside grace", func(t *testing.T) {
		h := newHarness(t, time.Date(2027, 5, 5, 8, 2, 0, 0, sh), time.Minute)
		h.schedule(1, sp, handled)
		dues := h.take()
		if len(dues) != 1 || dues[0].Kind != DueMissed || dues[0].Count != 3 {
			t.Fatalf("dues = %+v", dues)
		}
	})
	t.Run("once task missed", func(t *testing.T) {
		h := newHarness(t, time.Date(2027, 5, 5, 9, 0, 0, 0, sh), time.Minute)
		h.schedule(1, Spec{TimeZone: "Asia/Shanghai", TimePoint: "2027-05-04 08:00:00", TimeCycle: "once"}, handled)
		dues := h.take()
		if len(dues) != 1 || dues[0].Kind != DueMissed || !dues[0].Final {
			t.Fatalf("dues = %+v", dues)
		}
		if h.s.Len() != 0 {
			t.Fatal("a finished once task stays in the heap")
		}
	})
	t.Run("minute task after a week", func(t *testing.T) {
		// 10 080 missed firings are counted, not walked one by one to the
		// end, and the one inside the grace window runs.
		now := time.Date(2027, 5, 10, 7, 0, 20, 0, sh)
		h := newHarness(t, now, time.Minute)
		h.schedule(1, Spec{TimeZone: "Asia/Shanghai", TimePoint: "2027-05-01 00:00:00", TimeCycle: "min"}, handled)
		dues := h.take()
		if len(dues) != 2 || dues[0].Kind != DueMissed || !dues[0].Capped || dues[0].Count < maxWalk {
			t.Fatalf("dues = %+v", dues)
		}
		if dues[1].Kind != DueRun || !dues[1].At.Equal(time.Date(2027, 5, 10, 7, 0, 0, 0, sh)) {
			t.Fatalf("run = %+v", dues[1])
		}
	})
}

func TestSchedulerChangesWhileDue(t *testing.T) {
	utc := time.UTC
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, utc)
	h := newHarness(t, start, 0)
	daily := Spec{TimeZone: "UTC", TimePoint: "2027-01-01 08:00:00", TimeCycle: "day"}
	if err := h.s.Schedule(1, 7, daily, start); err != nil {
		t.Fatal(err)
	}
	// Due and handed over, then stopped before it is sent: the firing is
	// no longer valid, so the service drops it.
	dues, _ := h.step()
	if len(dues) != 1 || dues[0].Gen != 7 || !h.s.Valid(1, 7) {
		t.Fatalf("dues = %+v", dues)
	}
	h.s.Remove(1)
	if h.s.Valid(1, 7) {
		t.Fatal("a removed task's firing is still valid")
	}
	// Started again: the next run is tomorrow, not the one already past.
	if err := h.s.Schedule(1, 8, daily, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if next, _ := h.s.Next(1); !next.Equal(time.Date(2027, 1, 2, 8, 0, 0, 0, utc)) {
		t.Fatalf("next after restart = %v", next)
	}
	// Modified while due: the clock reaches the old time, but the task was
	// moved first; nothing fires until the new time.
	h.clock.Set(time.Date(2027, 1, 2, 7, 59, 59, 0, utc))
	if got := h.take(); len(got) != 0 {
		t.Fatalf("fired early: %+v", got)
	}
	if err := h.s.Schedule(1, 9, Spec{TimeZone: "UTC", TimePoint: "2027-01-01 09:00:00", TimeCycle: "day"}, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(time.Date(2027, 1, 2, 8, 0, 0, 0, utc))
	if got := h.take(); len(got) != 0 {
		t.Fatalf("fired at the old time after a modify: %+v", got)
	}
	dues, _ = h.step()
	if len(dues) != 1 || dues[0].Gen != 9 || !dues[0].At.Equal(time.Date(2027, 1, 2, 9, 0, 0, 0, utc)) {
		t.Fatalf("dues = %+v", dues)
	}
	// A once task in the past cannot be scheduled.
	if err := h.s.Schedule(2, 1, Spec{TimeZone: "UTC", TimePoint: "2026-12-31 00:00:00", TimeCycle: "once"}, h.clock.Now()); err != ErrNoFiring {
		t.Fatalf("past once task: %v", err)
	}
}

func TestSchedulerIdleMakesNoWakeups(t *testing.T) {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, start, 0)
	h.schedule(1, Spec{TimeZone: "UTC", TimePoint: "2027-06-01 00:00:00", TimeCycle: "once"}, start)
	h.s.Settle()
	// One timer armed for June, nothing else: the goroutine sleeps.
	before := h.clock.Made()
	for i := 0; i < 100; i++ {
		h.schedule(int64(100+i), Spec{TimeZone: "UTC", TimePoint: "2027-07-01 00:00:00", TimeCycle: "once"}, start)
	}
	h.s.Settle()
	// Later tasks do not change the earliest deadline, so they do not wake
	// the goroutine: the one timer made since is Settle's own round.
	if n := h.clock.Made() - before; n != 1 {
		t.Fatalf("%d timers made for 100 later tasks, want 1 (the settle round)", n)
	}
	if n := h.clock.Pending(); n != 1 {
		t.Fatalf("%d timers pending, want 1", n)
	}
	// An earlier task does wake it, once.
	before = h.clock.Made()
	h.schedule(999, Spec{TimeZone: "UTC", TimePoint: "2027-02-01 00:00:00", TimeCycle: "once"}, start)
	h.s.Settle()
	if next, _ := h.clock.NextDeadline(); !next.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("armed for %v after an earlier task", next)
	}
	if n := h.clock.Made() - before; n > 2 {
		t.Fatalf("%d timers made for one change", n)
	}
}
