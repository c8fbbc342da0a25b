package models

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustInstant(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func timer(zone, point, cycle string) TimerTask {
	return TimerTask{TaskID: 1, DeviceID: 7, TimeZone: zone, TimePoint: point, TimeCycle: cycle, Status: TaskRunning}
}

// render shows a firing as the console would: local time with its offset,
// plus the DST note.
func render(f Firing) string {
	s := f.At.Format("2006-01-02 15:04:05 -07:00")
	switch f.Note {
	case FiringGap:
		s += " gap"
	case FiringRepeat:
		s += " repeat"
	}
	return s
}

func TestNextFirings(t *testing.T) {
	tests := []struct {
		name, zone, point, cycle, from string
		want                           []string
	}{
		{"Shanghai day", "Asia/Shanghai", "2027-03-01 07:30:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-03-02 07:30:00 +08:00",
			"2027-03-03 07:30:00 +08:00",
			"2027-03-04 07:30:00 +08:00",
		}},
		{"UTC min keeps seconds", "UTC", "2027-01-01 00:00:30", "min", "2027-01-01T00:05:30Z", []string{
			"2027-01-01 00:06:30 +00:00",
			"2027-01-01 00:07:30 +00:00",
			"2027-01-01 00:08:30 +00:00",
		}},
		{"UTC hour", "UTC", "2027-01-01 00:15:00", "hour", "2026-01-01T00:00:00Z", []string{
			"2027-01-01 00:15:00 +00:00",
			"2027-01-01 01:15:00 +00:00",
			"2027-01-01 02:15:00 +00:00",
		}},
		{"New York day across the spring gap", "America/New_York", "2027-03-12 02:30:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-03-12 02:30:00 -05:00",
			"2027-03-13 02:30:00 -05:00",
			"2027-03-14 03:00:00 -04:00 gap",
			"2027-03-15 02:30:00 -04:00",
		}},
		{"New York day across the fall repeat", "America/New_York", "2027-11-05 01:30:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-11-05 01:30:00 -04:00",
			"2027-11-06 01:30:00 -04:00",
			"2027-11-07 01:30:00 -04:00 repeat",
			"2027-11-08 01:30:00 -05:00",
		}},
		{"New York once in the gap", "America/New_York", "2027-03-14 02:30:00", "once", "2027-03-01T00:00:00Z", []string{
			"2027-03-14 03:00:00 -04:00 gap",
		}},
		{"New York once at the gap's edge", "America/New_York", "2027-03-14 03:00:00", "once", "2027-03-01T00:00:00Z", []string{
			"2027-03-14 03:00:00 -04:00",
		}},
		{"New York month on a gap day", "America/New_York", "2027-01-14 02:30:00", "month", "2027-01-01T00:00:00Z", []string{
			"2027-01-14 02:30:00 -05:00",
			"2027-02-14 02:30:00 -05:00",
			"2027-03-14 03:00:00 -04:00 gap",
			"2027-04-14 02:30:00 -04:00",
		}},
		{"Berlin day across the spring gap", "Europe/Berlin", "2027-03-27 02:30:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-03-27 02:30:00 +01:00",
			"2027-03-28 03:00:00 +02:00 gap",
			"2027-03-29 02:30:00 +02:00",
		}},
		{"Berlin day across the fall repeat", "Europe/Berlin", "2027-10-30 02:30:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-10-30 02:30:00 +02:00",
			"2027-10-31 02:30:00 +02:00 repeat",
			"2027-11-01 02:30:00 +01:00",
		}},
		{"Berlin once on the repeat", "Europe/Berlin", "2027-10-31 02:00:00", "once", "2027-03-01T00:00:00Z", []string{
			"2027-10-31 02:00:00 +02:00 repeat",
		}},
		{"Berlin once just after the repeat", "Europe/Berlin", "2027-10-31 03:00:00", "once", "2027-03-01T00:00:00Z", []string{
			"2027-10-31 03:00:00 +01:00",
		}},
		{"Lord Howe day across the 30-minute gap", "Australia/Lord_Howe", "2027-10-02 02:15:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-10-02 02:15:00 +10:30",
			"2027-10-03 02:30:00 +11:00 gap",
			"2027-10-04 02:15:00 +11:00",
		}},
		{"Lord Howe day before the gap is untouched", "Australia/Lord_Howe", "2027-10-02 01:59:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-10-02 01:59:00 +10:30",
			"2027-10-03 01:59:00 +10:30",
			"2027-10-04 01:59:00 +11:00",
		}},
		{"Lord Howe day across the 30-minute repeat", "Australia/Lord_Howe", "2027-04-03 01:45:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-04-03 01:45:00 +11:00",
			"2027-04-04 01:45:00 +11:00 repeat",
			"2027-04-05 01:45:00 +10:30",
		}},
		{"Lord Howe 01:15 is not repeated", "Australia/Lord_Howe", "2027-04-03 01:15:00", "day", "2027-03-01T00:00:00Z", []string{
			"2027-04-03 01:15:00 +11:00",
			"2027-04-04 01:15:00 +11:00",
			"2027-04-05 01:15:00 +10:30",
		}},
		{"Berlin week keeps its wall time across spring", "Europe/Berlin", "2027-03-22 07:30:00", "week[1,5]", "2027-03-01T00:00:00Z", []string{
			"2027-03-22 07:30:00 +01:00",
			"2027-03-26 07:30:00 +01:00",
			"2027-03-29 07:30:00 +02:00",
			"2027-04-02 07:30:00 +02:00",
		}},
		{"New York Sunday timer across fall", "America/New_York", "2027-10-31 01:30:00", "week[0]", "2027-03-01T00:00:00Z", []string{
			"2027-10-31 01:30:00 -04:00",
			"2027-11-07 01:30:00 -04:00 repeat",
			"2027-11-14 01:30:00 -05:00",
		}},
		{"week starts on the first listed day", "Asia/Shanghai", "2027-03-03 07:30:00", "week[1,5]", "2027-03-01T00:00:00Z", []string{
			"2027-03-05 07:30:00 +08:00", // 03-03 is a Wednesday
			"2027-03-08 07:30:00 +08:00",
			"2027-03-12 07:30:00 +08:00",
		}},
		{"month skips months without the 31st", "Asia/Shanghai", "2027-01-31 08:00:00", "month", "2027-01-01T00:00:00Z", []string{
			"2027-01-31 08:00:00 +08:00",
			"2027-03-31 08:00:00 +08:00",
			"2027-05-31 08:00:00 +08:00",
			"2027-07-31 08:00:00 +08:00",
			"2027-08-31 08:00:00 +08:00",
			"2027-10-31 08:00:00 +08:00",
			"2027-12-31 08:00:00 +08:00",
			"2028-01-31 08:00:00 +08:00",
		}},
		{"month on the 30th skips February only", "UTC", "2027-12-30 08:00:00", "month", "2027-01-01T00:00:00Z", []string{
			"2027-12-30 08:00:00 +00:00",
			"2028-01-30 08:00:00 +00:00",
			"2028-03-30 08:00:00 +00:00",
		}},
		{"month on the 29th keeps leap February", "UTC", "2028-01-29 08:00:00", "month", "2027-01-01T00:00:00Z", []string{
			"2028-01-29 08:00:00 +00:00",
			"2028-02-29 08:00:00 +00:00",
			"2028-03-29 08:00:00 +00:00",
		}},
		{"year on Feb 29 fires in leap years", "Asia/Shanghai", "2028-02-29 08:00:00", "year", "2027-01-01T00:00:00Z", []string{
			"2028-02-29 08:00:00 +08:00",
			"2032-02-29 08:00:00 +08:00",
			"2036-02-29 08:00:00 +08:00",
		}},
		{"year on Feb 29 skips 2100", "UTC", "2096-02-29 08:00:00", "year", "2096-03-01T00:00:00Z", []string{
			"2104-02-29 08:00:00 +00:00",
			"2108-02-29 08:00:00 +00:00",
		}},
		{"year on 03-15", "Europe/Berlin", "2026-03-15 08:00:00", "year", "2027-03-15T07:00:00Z", []string{
			"2028-03-15 08:00:00 +01:00", // 2027-03-15 08:00 CET is exactly from
			"2029-03-15 08:00:00 +01:00",
		}},
		{"New York hour on the 25-hour day", "America/New_York", "2027-11-07 00:15:00", "hour", "2027-01-01T00:00:00Z", []string{
			"2027-11-07 00:15:00 -04:00",
			"2027-11-07 01:15:00 -04:00",
			"2027-11-07 01:15:00 -05:00",
			"2027-11-07 02:15:00 -05:00",
		}},
		{"New York hour on the 23-hour day", "America/New_York", "2027-03-14 00:15:00", "hour", "2027-01-01T00:00:00Z", []string{
			"2027-03-14 00:15:00 -05:00",
			"2027-03-14 01:15:00 -05:00",
			"2027-03-14 03:15:00 -04:00",
			"2027-03-14 04:15:00 -04:00",
		}},
		{"Lord Howe hour moves by the 30-minute shift", "Australia/Lord_Howe", "2027-04-04 00:15:00", "hour", "2027-01-01T00:00:00Z", []string{
			"2027-04-04 00:15:00 +11:00",
			"2027-04-04 01:15:00 +11:00",
			"2027-04-04 01:45:00 +10:30",
			"2027-04-04 02:45:00 +10:30",
		}},
		{"hour anchored in a gap keeps the moved phase", "America/New_York", "2027-03-14 02:30:00", "hour", "2027-01-01T00:00:00Z", []string{
			"2027-03-14 03:00:00 -04:00 gap",
			"2027-03-14 04:00:00 -04:00",
		}},
		{"min across the spring gap", "Europe/Berlin", "2027-03-28 01:58:00", "min", "2027-01-01T00:00:00Z", []string{
			"2027-03-28 01:58:00 +01:00",
			"2027-03-28 01:59:00 +01:00",
			"2027-03-28 03:00:00 +02:00",
			"2027-03-28 03:01:00 +02:00",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := NextFirings(timer(tt.zone, tt.point, tt.cycle), mustInstant(t, tt.from), len(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(fs))
			for i, f := range fs {
				got[i] = render(f)
				if f.At.Location().String() != tt.zone {
					t.Errorf("firing %d is in %v, want %s", i, f.At.Location(), tt.zone)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("firings\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
		})
	}
}

func TestFiringWallIsTheIntendedTime(t *testing.T) {
	fs, err := NextFirings(timer("America/New_York", "2027-03-13 02:30:00", "day"), mustInstant(t, "2027-03-01T00:00:00Z"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if fs[1].Wall != "2027-03-14 02:30:00" || fs[1].Note != FiringGap || fs[1].At.Format("15:04") != "03:00" {
		t.Errorf("gap firing = %+v", fs[1])
	}
	fs, err = NextFirings(timer("America/New_York", "2027-11-07 00:15:00", "hour"), mustInstant(t, "2027-01-01T00:00:00Z"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if fs[1].Wall != "2027-11-07 01:15:00" || fs[2].Wall != "2027-11-07 01:15:00" || fs[1].At.Equal(fs[2].At) {
		t.Errorf("hourly firings in the repeated hour = %+v", fs)
	}
	if FiringNormal.String() != "" || FiringGap.String() != "DST gap" || FiringRepeat.String() != "DST repeat" {
		t.Error("FiringNote labels changed")
	}
}

// The hour cycle steps in absolute time: a 23-hour day has 23 runs and a
// 25-hour day 25, in whole-hour zones.
func TestHourCycleDayLengths(t *testing.T) {
	tests := []struct {
		zone, day string
		want      int
	}{
		{"America/New_York", "2027-03-14", 23},
		{"America/New_York", "2027-11-07", 25},
		{"America/New_York", "2027-11-08", 24},
		{"Europe/Berlin", "2027-03-28", 23},
		{"Europe/Berlin", "2027-10-31", 25},
		{"Asia/Shanghai", "2027-10-31", 24},
		// Lord Howe's days are 23.5 and 24.5 hours long; the runs follow the
		// absolute hour, so their wall minute moves by 30 at each shift.
		{"Australia/Lord_Howe", "2027-10-03", 23}, // 00:45, 01:45 (+10:30), then 03:15…23:15 (+11)
		{"Australia/Lord_Howe", "2027-04-04", 25}, // 00:15, 01:15 (+11), then 01:45…23:45 (+10:30)
	}
	for _, tt := range tests {
		loc := mustZone(t, tt.zone)
		fs, err := NextFirings(timer(tt.zone, "2027-01-01 00:15:00", "hour"), mustInstant(t, "2027-01-01T00:00:00Z"), 24*365)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range fs {
			if f.At.In(loc).Format("2006-01-02") == tt.day {
				n++
			}
		}
		if n != tt.want {
			t.Errorf("%s %s: %d hourly runs, want %d", tt.zone, tt.day, n, tt.want)
		}
	}
}

func TestNextFiringsBounds(t *testing.T) {
	from := mustInstant(t, "2027-03-01T00:00:00Z")
	daily := timer("Asia/Shanghai", "2027-03-02 07:30:00", "day")
	if fs, err := NextFirings(daily, from, 0); err != nil || len(fs) != 0 {
		t.Errorf("n = 0: %v, %v", fs, err)
	}
	if fs, err := NextFirings(daily, from, -3); err != nil || len(fs) != 0 {
		t.Errorf("n < 0: %v, %v", fs, err)
	}
	running, _ := NextFirings(daily, from, 5)
	for _, st := range []int{TaskStopped, TaskFrozen} {
		task := daily
		task.Status = st
		fs, err := NextFirings(task, from, 5)
		if err != nil || !reflect.DeepEqual(fs, running) {
			t.Errorf("status %d: %v, %v; want the running task's firings", st, fs, err)
		}
	}
	// Strictly after from: from on a firing skips it.
	fs, _ := NextFirings(daily, running[1].At, 1)
	if !fs[0].At.Equal(running[2].At) {
		t.Errorf("from on a firing: got %v, want %v", fs[0].At, running[2].At)
	}
	fs, _ = NextFirings(daily, running[1].At.Add(-time.Nanosecond), 1)
	if !fs[0].At.Equal(running[1].At) {
		t.Errorf("from just before a firing: got %v, want %v", fs[0].At, running[1].At)
	}
	// Never before timePoint, however early from is.
	fs, _ = NextFirings(daily, time.Time{}, 1)
	if fs[0].Wall != "2027-03-02 07:30:00" {
		t.Errorf("from the zero time: first firing %v", fs[0])
	}
	once := timer("UTC", "2027-03-02 07:30:00", "once")
	if fs, _ := NextFirings(once, from, 10); len(fs) != 1 || fs[0].Wall != "2027-03-02 07:30:00" {
		t.Errorf("once ahead: %v", fs)
	}
	if fs, _ := NextFirings(once, mustInstant(t, "2027-03-02T07:30:00Z"), 10); len(fs) != 0 {
		t.Errorf("once at from: %v", fs)
	}
	if fs, _ := NextFirings(once, mustInstant(t, "2028-01-01T00:00:00Z"), 10); len(fs) != 0 {
		t.Errorf("once in the past: %v", fs)
	}
}

func TestNextFiringsErrors(t *testing.T) {
	tests := []struct {
		task TimerTask
		want string
	}{
		{timer("Mars/Olympus_Mons", "2027-03-02 07:30:00", "day"), `unknown time zone "Mars/Olympus_Mons": expected an IANA zone such as Asia/Shanghai`},
		{timer("", "2027-03-02 07:30:00", "day"), "time zone is empty: expected an IANA zone such as Asia/Shanghai"},
		{timer("UTC", "2027-02-30 07:30:00", "day"), `bad timePoint "2027-02-30 07:30:00": day out of range (expected yyyy-MM-dd HH:mm:ss)`},
		{timer("UTC", "2027-03-02", "day"), `bad timePoint "2027-03-02": does not match yyyy-MM-dd HH:mm:ss`},
		{timer("UTC", "2027-03-02 07:30:00", "weekly"), `timeCycle: unknown cycle "weekly": expected once, min, hour, day, week[…], month or year`},
		{timer("UTC", "2027-03-02 07:30:00", "week[7]"), "timeCycle: weekday 7 out of range 0–6 (0 = Sunday)"},
	}
	for _, tt := range tests {
		_, err := NextFirings(tt.task, time.Time{}, 3)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s / %q / %q: error %v, want %q", tt.task.TimeZone, tt.task.TimePoint, tt.task.TimeCycle, err, tt.want)
		}
	}
}

func TestParseTimePoint(t *testing.T) {
	tm, loc, err := ParseTimePoint("2026-12-01 07:30:00", "Asia/Shanghai")
	if err != nil || loc.String() != "Asia/Shanghai" || !tm.Equal(mustInstant(t, "2026-11-30T23:30:00Z")) || tm.Location() != loc {
		t.Errorf("Shanghai: %v %v %v", tm, loc, err)
	}
	tm, _, err = ParseTimePoint(" 2027-03-14 02:30:00 ", "America/New_York")
	if err != nil || tm.Format("15:04 -07:00") != "03:00 -04:00" {
		t.Errorf("New York gap: %v %v", tm, err)
	}
	tm, _, err = ParseTimePoint("2027-10-31 02:30:00", "Europe/Berlin")
	if err != nil || tm.Format("15:04 -07:00") != "02:30 +02:00" {
		t.Errorf("Berlin repeat: %v %v", tm, err)
	}
	bad := []struct{ s, zone, want string }{
		{"2026-12-01 07:30:00", "Asia/Shang_hai", `unknown time zone "Asia/Shang_hai": expected an IANA zone such as Asia/Shanghai`},
		{"2026-12-01 07:30:00", "Local", `time zone "Local" depends on the machine: expected an IANA zone such as Asia/Shanghai`},
		{"2026-12-01 07:30:00", " ", "time zone is empty: expected an IANA zone such as Asia/Shanghai"},
		{"2026-13-01 07:30:00", "UTC", `bad timePoint "2026-13-01 07:30:00": month out of range (expected yyyy-MM-dd HH:mm:ss)`},
		{"2026-12-01 24:00:00", "UTC", `bad timePoint "2026-12-01 24:00:00": hour out of range (expected yyyy-MM-dd HH:mm:ss)`},
		{"2026-12-01T07:30:00", "UTC", `bad timePoint "2026-12-01T07:30:00": does not match yyyy-MM-dd HH:mm:ss`},
		{"", "UTC", `bad timePoint "": does not match yyyy-MM-dd HH:mm:ss`},
	}
	for _, b := range bad {
		if _, _, err := ParseTimePoint(b.s, b.zone); err == nil || err.Error() != b.want {
			t.Errorf("ParseTimePoint(%q, %q) error %v, want %q", b.s, b.zone, err, b.want)
		}
	}
}

// Starting the search from any instant must give the same firings as
// walking the whole series from timePoint: the shortcut that jumps to from
// must not lose or invent a run, least of all next to a DST change.
func TestNextFiringsSkipAheadMatchesWalk(t *testing.T) {
	zones := []string{"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"}
	points := []string{"2027-01-31 02:30:00", "2027-03-14 02:15:00", "2027-04-04 01:45:00", "2027-10-03 00:00:00", "2028-02-29 23:59:59"}
	cycles := []string{"once", "min", "hour", "day", "week[0]", "week[1,3,5]", "month", "year"}
	for _, zone := range zones {
		for _, point := range points {
			for _, cycle := range cycles {
				task := timer(zone, point, cycle)
				all, err := NextFirings(task, time.Time{}, 120)
				if err != nil {
					t.Fatal(err)
				}
				for i, f := range all {
					if i > 0 && !f.At.After(all[i-1].At) {
						t.Fatalf("%s %s %s: firings out of order at %d: %v then %v", zone, point, cycle, i, all[i-1].At, f.At)
					}
				}
				for i := 0; i+4 < len(all); i += 7 {
					for _, from := range []time.Time{all[i].At.Add(-time.Nanosecond), all[i].At, all[i].At.Add(30 * time.Second)} {
						got, err := NextFirings(task, from, 4)
						if err != nil {
							t.Fatal(err)
						}
						j := i
						if !all[i].At.After(from) {
							j++
						}
						if !reflect.DeepEqual(got, all[j:j+4]) {
							t.Fatalf("%s %s %s from %v:\n got %v\nwant %v", zone, point, cycle, from, got, all[j:j+4])
						}
					}
				}
			}
		}
	}
}

func TestFindConflicts(t *testing.T) {
	from := mustInstant(t, "2027-02-28T00:00:00Z")
	mk := func(id, dev int64, zone, point, cycle string, code int, payload string) TimerTask {
		return TimerTask{TaskID: id, DeviceID: dev, TimeZone: zone, TimePoint: point, TimeCycle: cycle,
			MessageCode: code, Payload: []byte(payload), Status: TaskRunning}
	}
	stopped := mk(2, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 2, "off")
	stopped.Status = TaskStopped
	frozen := stopped
	frozen.Status = TaskFrozen
	broken := mk(2, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "weekly", 2, "off")
	on := mk(1, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 1, "on")
	tests := []struct {
		name    string
		tasks   []TimerTask
		horizon time.Duration
		want    []string
	}{
		{"different codes", []TimerTask{on, mk(2, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 2, "on")}, 7 * 24 * time.Hour,
			[]string{"1×2 2027-03-01 07:30:00 +08:00"}},
		{"same command is no conflict", []TimerTask{on, mk(2, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 1, "on")}, 7 * 24 * time.Hour, nil},
		{"different payloads", []TimerTask{on, mk(2, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 1, "off")}, 7 * 24 * time.Hour,
			[]string{"1×2 2027-03-01 07:30:00 +08:00"}},
		{"other device", []TimerTask{on, mk(2, 8, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 2, "off")}, 7 * 24 * time.Hour, nil},
		{"stopped", []TimerTask{on, stopped}, 7 * 24 * time.Hour, nil},
		{"frozen", []TimerTask{on, frozen}, 7 * 24 * time.Hour, nil},
		{"unparsable task left out", []TimerTask{on, broken}, 7 * 24 * time.Hour, nil},
		{"same task listed twice", []TimerTask{on, mk(1, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 2, "off")}, 7 * 24 * time.Hour, nil},
		{"same minute, different seconds", []TimerTask{
			mk(5, 7, "UTC", "2027-03-01 07:30:50", "day", 1, ""),
			mk(4, 7, "UTC", "2027-03-01 07:30:10", "day", 2, ""),
		}, 7 * 24 * time.Hour, []string{"4×5 2027-03-01 07:30:10 +00:00"}},
		{"adjacent minutes", []TimerTask{
			mk(4, 7, "UTC", "2027-03-01 07:30:50", "day", 1, ""),
			mk(5, 7, "UTC", "2027-03-01 07:31:10", "day", 2, ""),
		}, 7 * 24 * time.Hour, nil},
		{"clash after the horizon", []TimerTask{on, mk(2, 7, "Asia/Shanghai", "2027-03-20 07:30:00", "once", 2, "")}, 7 * 24 * time.Hour, nil},
		{"zones differ, instants match", []TimerTask{
			mk(1, 7, "Asia/Shanghai", "2027-03-01 15:30:00", "day", 1, ""),
			mk(2, 7, "Europe/Berlin", "2027-03-01 08:30:00", "day", 2, ""),
		}, 7 * 24 * time.Hour, []string{"1×2 2027-03-01 15:30:00 +08:00"}},
		{"weekly meets daily on its first listed day", []TimerTask{
			mk(1, 7, "UTC", "2027-03-01 07:30:00", "week[5]", 1, ""),
			mk(2, 7, "UTC", "2027-03-01 07:30:00", "day", 2, ""),
		}, 30 * 24 * time.Hour, []string{"1×2 2027-03-05 07:30:00 +00:00"}},
		{"minute timer meets a once timer weeks ahead", []TimerTask{
			mk(1, 7, "UTC", "2027-01-01 00:00:00", "min", 1, ""),
			mk(2, 7, "UTC", "2027-03-20 12:34:56", "once", 2, ""),
		}, 365 * 24 * time.Hour, []string{"1×2 2027-03-20 12:34:00 +00:00"}},
		{"minute timer and a once timer already past", []TimerTask{
			mk(1, 7, "UTC", "2027-01-01 00:00:00", "min", 1, ""),
			mk(2, 7, "UTC", "2027-01-20 12:34:56", "once", 2, ""),
		}, 10 * 365 * 24 * time.Hour, nil},
		{"hourly at different minutes never meet", []TimerTask{
			mk(1, 7, "UTC", "2027-01-01 00:15:00", "hour", 1, ""),
			mk(2, 7, "UTC", "2027-01-01 00:45:00", "hour", 2, ""),
		}, 30 * 24 * time.Hour, nil},
		{"three tasks, three pairs, by time then ids", []TimerTask{
			mk(3, 7, "UTC", "2027-03-01 07:30:00", "day", 3, ""),
			mk(1, 7, "UTC", "2027-03-01 07:30:00", "week[3]", 1, ""), // first Wednesday: 03-03
			mk(2, 7, "UTC", "2027-03-01 07:30:00", "day", 2, ""),
			mk(9, 9, "UTC", "2027-03-01 07:30:00", "day", 2, ""),
		}, 30 * 24 * time.Hour, []string{
			"2×3 2027-03-01 07:30:00 +00:00",
			"1×2 2027-03-03 07:30:00 +00:00",
			"1×3 2027-03-03 07:30:00 +00:00",
		}},
		{"DST repeat: daily 01:30 meets hourly at the first occurrence", []TimerTask{
			mk(1, 7, "America/New_York", "2027-11-07 01:30:00", "once", 1, ""),
			mk(2, 7, "America/New_York", "2027-11-06 00:30:00", "hour", 2, ""),
		}, 365 * 24 * time.Hour, []string{"1×2 2027-11-07 01:30:00 -04:00"}},
		{"zero horizon", []TimerTask{on, mk(2, 7, "Asia/Shanghai", "2027-03-01 07:30:00", "day", 2, "")}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range FindConflicts(tt.tasks, from, tt.horizon) {
				got = append(got, fmt.Sprintf("%d×%d %s", c.A, c.B, c.At.Format("2006-01-02 15:04:05 -07:00")))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("conflicts\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func BenchmarkNextFirings10(b *testing.B) {
	const zone = "America/New_York"
	from := mustInstant(b, "2027-03-10T12:00:00Z") // the run crosses the spring gap
	cases := []struct{ name, point, cycle string }{
		{"once", "2027-03-14 02:30:00", "once"},
		{"min", "2020-01-01 00:00:30", "min"},
		{"hour", "2020-01-01 00:15:00", "hour"},
		{"day", "2020-01-01 02:30:00", "day"},
		{"week", "2020-01-01 02:30:00", "week[0]"},
		{"weekdays", "2020-01-01 07:30:00", "week[1,2,3,4,5]"},
		{"month", "2020-01-14 02:30:00", "month"},
		{"month31", "2020-01-31 08:00:00", "month"},
		{"year", "2020-03-14 02:30:00", "year"},
		{"yearFeb29", "2020-02-29 08:00:00", "year"},
	}
	for _, c := range cases {
		task := timer(zone, c.point, c.cycle)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NextFirings(task, from, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFindConflicts(b *testing.B) {
	// A device at the usual limit of 30 timers, a week ahead.
	var tasks []TimerTask
	cycles := []string{"day", "week[1,2,3,4,5]", "week[0,6]", "hour", "month", "year"}
	for i := range 30 {
		tasks = append(tasks, TimerTask{
			TaskID: int64(i + 1), DeviceID: 7, TimeZone: "Europe/Berlin",
			TimePoint:   fmt.Sprintf("2027-01-01 %02d:%02d:00", i%24, (i*7)%60),
			TimeCycle:   cycles[i%len(cycles)],
			MessageCode: i % 3, Status: TaskRunning,
		})
	}
	from := mustInstant(b, "2027-03-25T00:00:00Z")
	for b.Loop() {
		FindConflicts(tasks, from, 7*24*time.Hour)
	}
}
