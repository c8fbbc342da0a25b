package models

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Timer firings: when a TimerTask runs.
//
// A task's timePoint is wall-clock time in its IANA timeZone; it is the first
// run and the anchor of the repeats. NextFirings applies the rules below, so
// a scheduler that runs timers from it fires exactly what the console
// previews:
//
//   - day, week, month, year and once keep the wall-clock time of timePoint
//     in the task's zone, whatever the UTC offset of the day: a 07:30 timer
//     fires at 07:30 local before and after a DST change.
//   - Spring-forward gap: a wall time the zone skips fires at the first
//     instant after the gap (New York 2027-03-14 02:30 fires at 03:00 EDT;
//     Lord Howe 2027-10-03 02:15 fires at 02:30 +11), noted FiringGap.
//     Skipping the run instead is the failure people complain about most.
//   - Fall-back repeat: a wall time that happens twice fires once, at the
//     first (earlier, still-DST) occurrence, noted FiringRepeat. Firing at
//     both would run the command twice.
//   - week[…]: fires on the listed weekdays on or after timePoint's date; the
//     date of timePoint itself fires only when its weekday is listed, since
//     a Monday-and-Friday timer that also ran on a Wednesday would look
//     broken.
//   - month on a day a month lacks (29–31): that month is skipped, as cron
//     does; a "day 31" timer runs in the seven 31-day months only. Moving it
//     to the month's last day would make timers set for the 30th and the
//     31st fire on the same day.
//   - year on Feb 29: fires only in leap years (same reasoning).
//   - hour and min step in absolute time from timePoint (every 3600 s or
//     60 s), not on the wall clock: a 25-hour fall-back day has 25 hourly
//     runs (the repeated hour runs at both of its occurrences) and a
//     23-hour spring-forward day has 23: never two runs less than an hour
//     apart, nor more than an hour. Where the zone shifts by a whole hour, the runs
//     keep timePoint's mm:ss on the wall clock; across Lord Howe's 30-minute
//     shift the wall minute moves by 30 with it. These firings carry no note,
//     except the first (timePoint itself) when it fell in a gap or repeat;
//     if it fell in a gap, the series keeps the moved first run's phase.
//   - once: timePoint only.
//   - The task's status is ignored: a stopped or frozen task still has
//     firings, and the caller decides what to show.

// FiringNote says how DST changed a firing's intended wall time.
type FiringNote uint8

const (
	// FiringNormal: fired at the intended wall time, which exists once.
	FiringNormal FiringNote = iota
	// FiringGap: the wall time did not exist (spring forward); fired at
	// the first instant after the gap.
	FiringGap
	// FiringRepeat: the wall time happened twice (fall back); fired once,
	// at the first occurrence.
	FiringRepeat
)

// String is a short label for a console column; "" for FiringNormal.
func (n FiringNote) String() string {
	switch n {
	case FiringGap:
		return "DST gap"
	case FiringRepeat:
		return "DST repeat"
	}
	return ""
}

// Firing is one run of a timer task.
type Firing struct {
	At   time.Time // the instant, in the task's zone
	Wall string    // the intended local wall time, in TimeLayout
	Note FiringNote
}

// wallClock is a civil date and time with no zone attached; timers are
// defined on it, and it may not exist (or exist twice) in a zone.
type wallClock struct {
	y              int
	mo             time.Month
	d, hh, mi, sec int
}

func (w wallClock) asUTC() time.Time {
	return time.Date(w.y, w.mo, w.d, w.hh, w.mi, w.sec, 0, time.UTC)
}

func (w wallClock) String() string { return w.asUTC().Format(TimeLayout) }

// resolve finds the instant at which w fires in loc, by the gap and repeat
// rules above. time.Date alone is not enough: for a skipped or repeated
// wall time it picks an offset depending on the zone's side of UTC.
func (w wallClock) resolve(loc *time.Location) (time.Time, FiringNote) {
	t := time.Date(w.y, w.mo, w.d, w.hh, w.mi, w.sec, 0, loc)
	if loc == time.UTC {
		return t, FiringNormal
	}
	want := w.asUTC().Unix()
	_, off := t.Zone()
	got := t.Unix() + int64(off)
	start, end := t.ZoneBounds()
	if got != want {
		// Skipped: time.Date landed next to the transition that skipped
		// w, on one side or the other; that transition is the first
		// instant after the gap.
		if got < want && !end.IsZero() {
			return end, FiringGap
		}
		if got > want && !start.IsZero() {
			return start, FiringGap
		}
		return t, FiringGap
	}
	if !start.IsZero() {
		// Did w also happen in the previous period, before clocks went back?
		_, prev := start.Add(-time.Second).Zone()
		if prev > off {
			if early := want - int64(prev); early < start.Unix() {
				e := time.Unix(early, 0).In(loc)
				if _, o := e.Zone(); o == prev {
					return e, FiringRepeat
				}
			}
		}
	}
	if !end.IsZero() {
		// Will w happen again in the next period, after clocks go back?
		if _, next := end.Zone(); next < off && want-int64(next) >= end.Unix() {
			return t, FiringRepeat
		}
	}
	return t, FiringNormal
}

// zoneCache keeps loaded zones: time.LoadLocation reads and parses the
// tzdata file on every call, and the console recomputes previews per
// keystroke. Only successful loads are kept, so its size is bounded by the
// tz database.
var zoneCache sync.Map // string → *time.Location

// LoadZone loads an IANA zone by name. Unlike time.LoadLocation it refuses
// "" and "Local", which would silently mean UTC or the machine's own zone:
// a timer's zone must be stated.
func LoadZone(name string) (*time.Location, error) {
	if v, ok := zoneCache.Load(name); ok {
		return v.(*time.Location), nil
	}
	switch strings.TrimSpace(name) {
	case "":
		return nil, errors.New("time zone is empty: expected an IANA zone such as Asia/Shanghai")
	case "Local":
		return nil, errors.New(`time zone "Local" depends on the machine: expected an IANA zone such as Asia/Shanghai`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: expected an IANA zone such as Asia/Shanghai", name)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// parseWall reads a timePoint as a civil time, before any zone applies, so
// that a wall time inside a DST gap keeps its intended fields.
func parseWall(s string) (wallClock, error) {
	s = strings.TrimSpace(s)
	t, err := time.ParseInLocation(TimeLayout, s, time.UTC)
	if err != nil {
		why := "does not match yyyy-MM-dd HH:mm:ss"
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			why = strings.TrimPrefix(pe.Message, ": ") + " (expected yyyy-MM-dd HH:mm:ss)"
		}
		return wallClock{}, fmt.Errorf("bad timePoint %q: %s", s, why)
	}
	y, mo, d := t.Date()
	hh, mi, sec := t.Clock()
	return wallClock{y, mo, d, hh, mi, sec}, nil
}

// ParseTimePoint reads a timePoint ("yyyy-MM-dd HH:mm:ss") as wall-clock
// time in the IANA zone and returns the instant of the first run, in that
// zone, with the zone. A wall time the zone skipped or repeated follows the
// firing rules: the first instant after a gap, the first of two repeats.
func ParseTimePoint(s, zone string) (time.Time, *time.Location, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return time.Time{}, nil, err
	}
	w, err := parseWall(s)
	if err != nil {
		return time.Time{}, nil, err
	}
	t, _ := w.resolve(loc)
	return t, loc, nil
}

// schedule is a task reduced to what its firings depend on.
type schedule struct {
	cycle     TimeCycle
	loc       *time.Location
	anchor    wallClock
	first     time.Time // timePoint resolved: the first run
	firstNote FiringNote
}

func newSchedule(task *TimerTask) (schedule, error) {
	cycle, err := ParseTimeCycle(task.TimeCycle)
	if err != nil {
		return schedule{}, fmt.Errorf("timeCycle: %w", err)
	}
	loc, err := LoadZone(task.TimeZone)
	if err != nil {
		return schedule{}, err
	}
	w, err := parseWall(task.TimePoint)
	if err != nil {
		return schedule{}, err
	}
	first, note := w.resolve(loc)
	return schedule{cycle: cycle, loc: loc, anchor: w, first: first, firstNote: note}, nil
}

// firingIter yields a schedule's firings strictly after a given instant, in
// order. It steps by the cycle (a day, a month, a year, or a fixed number
// of seconds) and resolves only the candidates that can fire.
type firingIter struct {
	s     *schedule
	after time.Time
	k     int64     // min, hour: index of the next run from the first
	date  time.Time // day, week: next civil date, as UTC midnight
	month int       // month: next year*12 + month-1
	year  int       // year: next year
	done  bool      // once
}

func (s *schedule) firings(after time.Time) firingIter {
	it := firingIter{s: s, after: after}
	a := s.anchor
	local := after.In(s.loc)
	switch s.cycle.kind {
	case CycleMinute, CycleHour:
		if !s.first.After(after) {
			it.k = (after.Unix()-s.first.Unix())/s.step() + 1
		}
	case CycleDay, CycleWeek:
		// A day's run can move into the next date (a gap at midnight),
		// so the search starts one date early.
		it.date = time.Date(a.y, a.mo, a.d, 0, 0, 0, 0, time.UTC)
		y, mo, d := local.Date()
		if from := time.Date(y, mo, d-1, 0, 0, 0, 0, time.UTC); from.After(it.date) {
			it.date = from
		}
	case CycleMonth:
		it.month = a.y*12 + int(a.mo) - 1
		if from := local.Year()*12 + int(local.Month()) - 2; from > it.month {
			it.month = from
		}
	case CycleYear:
		it.year = max(a.y, local.Year()-1)
	}
	return it
}

func (s *schedule) step() int64 {
	if s.cycle.kind == CycleMinute {
		return 60
	}
	return 3600
}

// next returns the next firing; ok is false when there is none (once).
func (it *firingIter) next() (f Firing, ok bool) {
	s := it.s
	a := s.anchor
	switch s.cycle.kind {
	case CycleOnce:
		if it.done {
			return Firing{}, false
		}
		it.done = true
		if !s.first.After(it.after) {
			return Firing{}, false
		}
		return Firing{At: s.first, Wall: a.String(), Note: s.firstNote}, true
	case CycleMinute, CycleHour:
		k := it.k
		it.k++
		if k == 0 {
			return Firing{At: s.first, Wall: a.String(), Note: s.firstNote}, true
		}
		at := time.Unix(s.first.Unix()+k*s.step(), 0).In(s.loc)
		return Firing{At: at, Wall: at.Format(TimeLayout)}, true
	case CycleDay, CycleWeek:
		for {
			d := it.date
			it.date = d.Add(24 * time.Hour)
			if s.cycle.kind == CycleWeek && !s.cycle.days.Has(d.Weekday()) {
				continue
			}
			y, mo, day := d.Date()
			if f, ok := it.try(wallClock{y, mo, day, a.hh, a.mi, a.sec}); ok {
				return f, true
			}
		}
	case CycleMonth:
		for {
			y, mo := it.month/12, time.Month(it.month%12+1)
			it.month++
			if a.d > daysIn(y, mo) {
				continue
			}
			if f, ok := it.try(wallClock{y, mo, a.d, a.hh, a.mi, a.sec}); ok {
				return f, true
			}
		}
	case CycleYear:
		for {
			y := it.year
			it.year++
			if a.d > daysIn(y, a.mo) {
				continue
			}
			if f, ok := it.try(wallClock{y, a.mo, a.d, a.hh, a.mi, a.sec}); ok {
				return f, true
			}
		}
	}
	return Firing{}, false
}

// try resolves a candidate and keeps it when it is after the search start
// and not before the first run.
func (it *firingIter) try(w wallClock) (Firing, bool) {
	at, note := w.resolve(it.s.loc)
	if !at.After(it.after) || at.Before(it.s.first) {
		return Firing{}, false
	}
	return Firing{At: at, Wall: w.String(), Note: note}, true
}

func daysIn(y int, mo time.Month) int {
	switch mo {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// NextFirings returns the next n runs of task strictly after from, and not
// before its timePoint, computed in the task's IANA zone by the rules at
// the top of this file (wall-clock cycles keep their local time; a skipped
// wall time fires at the end of the gap, a repeated one at its first
// occurrence; month skips months lacking the day, year on Feb 29 fires in
// leap years only; hour and min step in absolute time). The task's status is
// ignored. n <= 0 gives no firings; a bad timeZone, timePoint or timeCycle
// gives an error that names the field. The result is shorter than n only
// for a once task.
func NextFirings(task TimerTask, from time.Time, n int) ([]Firing, error) {
	s, err := newSchedule(&task)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	if s.cycle.kind == CycleOnce {
		n = 1
	}
	out := make([]Firing, 0, min(n, 1024))
	it := s.firings(from)
	for len(out) < n {
		f, ok := it.next()
		if !ok {
			break
		}
		out = append(out, f)
	}
	return out, nil
}

// Conflict is two running timers of one device that send different
// commands within the same minute. A < B.
type Conflict struct {
	A, B int64     // task ids
	At   time.Time // the earlier of the two firings of their first clash
}

// FindConflicts finds pairs of running tasks on the same device (equal
// DeviceID, taken as given) that fire within the same clock minute, with
// different commands (MessageCode or Payload bytes differ), at firings
// strictly after from and no later than from+horizon. Each pair is reported
// once, at its first clash, ordered by time then ids. Tasks whose fields do
// not parse cannot fire and are left out; the editor reports those.
//
// The firings of one device's tasks are merged in time order, so each clash
// is found at its earliest minute, and a task stops being followed once
// every pair it belongs to is reported.
func FindConflicts(tasks []TimerTask, from time.Time, horizon time.Duration) []Conflict {
	if horizon <= 0 {
		return nil
	}
	end := from.Add(horizon)
	var order []int64
	byDevice := map[int64][]*TimerTask{}
	for i := range tasks {
		t := &tasks[i]
		if t.Status != TaskRunning {
			continue
		}
		if _, seen := byDevice[t.DeviceID]; !seen {
			order = append(order, t.DeviceID)
		}
		byDevice[t.DeviceID] = append(byDevice[t.DeviceID], t)
	}
	var out []Conflict
	for _, dev := range order {
		if group := byDevice[dev]; len(group) > 1 {
			out = deviceConflicts(out, group, from, end)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.A != b.A {
			return a.A < b.A
		}
		return a.B < b.B
	})
	return out
}

type follower struct {
	task    *TimerTask
	sched   schedule
	it      firingIter
	next    Firing
	minute  int64
	open    bool
	pending int // open partners with a different command, not yet reported
}

func deviceConflicts(out []Conflict, group []*TimerTask, from, end time.Time) []Conflict {
	fs := make([]*follower, 0, len(group))
	for _, t := range group {
		s, err := newSchedule(t)
		if err != nil {
			continue
		}
		fs = append(fs, &follower{task: t, sched: s})
	}
	n := len(fs)
	clash := make([]bool, n*n) // pairs that may still clash, both ways
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			a, b := fs[i].task, fs[j].task
			if a.TaskID != b.TaskID && (a.MessageCode != b.MessageCode || !bytes.Equal(a.Payload, b.Payload)) {
				clash[i*n+j], clash[j*n+i] = true, true
				fs[i].pending++
				fs[j].pending++
			}
		}
	}
	// drop stops following a task (no firing left in the horizon, or every
	// pair reported) and releases its partners, which may then have nothing
	// left to find either; this keeps a min task from being walked to the
	// end of a long horizon for nothing.
	var drop func(i int)
	drop = func(i int) {
		if !fs[i].open {
			return
		}
		fs[i].open = false
		for j := 0; j < n; j++ {
			if clash[i*n+j] {
				clash[i*n+j], clash[j*n+i] = false, false
				fs[i].pending--
				if fs[j].pending--; fs[j].pending == 0 {
					drop(j)
				}
			}
		}
	}
	advance := func(i int) {
		f := fs[i]
		if !f.open {
			return
		}
		nx, ok := f.it.next()
		if !ok || nx.At.After(end) {
			drop(i)
			return
		}
		f.next, f.minute = nx, floorDiv(nx.At.Unix(), 60)
	}
	for _, f := range fs {
		if f.pending > 0 {
			f.open = true
			f.it = f.sched.firings(from)
		}
	}
	for i := range fs {
		advance(i)
	}
	var same []int
	for {
		minute, live := int64(0), 0
		for _, f := range fs {
			if !f.open {
				continue
			}
			if live == 0 || f.minute < minute {
				minute = f.minute
			}
			live++
		}
		if live < 2 {
			return out
		}
		same = same[:0]
		for i, f := range fs {
			if f.open && f.minute == minute {
				same = append(same, i)
			}
		}
		for x, i := range same {
			for _, j := range same[x+1:] {
				if !clash[i*n+j] {
					continue
				}
				a, b := fs[i], fs[j]
				at := a.next.At
				if b.next.At.Before(at) {
					at = b.next.At
				}
				idA, idB := a.task.TaskID, b.task.TaskID
				if idA > idB {
					idA, idB = idB, idA
				}
				out = append(out, Conflict{A: idA, B: idB, At: at})
				clash[i*n+j], clash[j*n+i] = false, false
				a.pending--
				b.pending--
			}
		}
		for _, i := range same {
			if fs[i].pending == 0 {
				drop(i)
			}
			advance(i)
		}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
