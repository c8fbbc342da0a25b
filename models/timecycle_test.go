package models

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseTimeCycle(t *testing.T) {
	tests := []struct {
		in   string
		want string
		kind CycleKind
	}{
		{"once", "once", CycleOnce},
		{"ONCE", "once", CycleOnce},
		{" Min ", "min", CycleMinute},
		{"hour", "hour", CycleHour},
		{"Day", "day", CycleDay},
		{"month", "month", CycleMonth},
		{"yEaR", "year", CycleYear},
		{"week[1,5]", "week[1,5]", CycleWeek},
		{"week[5,1]", "week[1,5]", CycleWeek},
		{"week[5,1,5,1]", "week[1,5]", CycleWeek},
		{"week [ 1 , 5 ]", "week[1,5]", CycleWeek},
		{"w e e k[1,5]", "week[1,5]", CycleWeek},
		{"week[1，5]", "week[1,5]", CycleWeek},
		{"week［1，5］", "week[1,5]", CycleWeek},
		{"week（0，6）", "week[0,6]", CycleWeek},
		{"WEEK[6,5,4,3,2,1,0]", "week[0,1,2,3,4,5,6]", CycleWeek},
		{"\u3000week[3]\t\n", "week[3]", CycleWeek},
		{"week[01]", "week[1]", CycleWeek},
		{"week[0]", "week[0]", CycleWeek},
	}
	for _, tt := range tests {
		c, err := ParseTimeCycle(tt.in)
		if err != nil {
			t.Errorf("ParseTimeCycle(%q): %v", tt.in, err)
			continue
		}
		if got := c.String(); got != tt.want {
			t.Errorf("ParseTimeCycle(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if c.Kind() != tt.kind {
			t.Errorf("ParseTimeCycle(%q).Kind() = %v, want %v", tt.in, c.Kind(), tt.kind)
		}
		back, err := ParseTimeCycle(c.String())
		if err != nil || back != c {
			t.Errorf("round trip of %q: %v, %v", c.String(), back, err)
		}
	}
}

func TestParseTimeCycleErrors(t *testing.T) {
	const choices = "expected once, min, hour, day, week[…], month or year"
	tests := []struct{ in, want string }{
		{"", "empty timeCycle: " + choices},
		{"  \u3000", "empty timeCycle: " + choices},
		{"weekly", `unknown cycle "weekly": ` + choices},
		{"daily", `unknown cycle "daily": ` + choices},
		{"minute", `unknown cycle "minute": ` + choices},
		{"wee\u212a[1]", "unknown cycle \"wee\u212a[1]\": " + choices}, // Kelvin sign is not a k
		{"weekly[1]", `unknown cycle "weekly[1]": ` + choices},
		{"week", "week needs a weekday list, e.g. week[1,5] (0 = Sunday)"},
		{"week(1,5)", `unknown cycle "week(1,5)": the weekday list goes in square brackets, e.g. week[1,5] (0 = Sunday)`},
		{"week1,5", `unknown cycle "week1,5": the weekday list goes in square brackets, e.g. week[1,5] (0 = Sunday)`},
		{"week[]", "empty weekday list"},
		{"week[ ]", "empty weekday list"},
		{"week[7]", "weekday 7 out of range 0–6 (0 = Sunday)"},
		{"week[1,12]", "weekday 12 out of range 0–6 (0 = Sunday)"},
		{"week[99999999999999999999999]", "weekday 99999999999999999999999 out of range 0–6 (0 = Sunday)"},
		{"week[-1]", "weekday -1 out of range 0–6 (0 = Sunday)"},
		{"week[a]", `weekday "a" is not a number 0–6 (0 = Sunday)`},
		{"week[+1]", `weekday "+1" is not a number 0–6 (0 = Sunday)`},
		{"week[１]", `weekday "１" is not a number 0–6 (0 = Sunday)`},
		{"week[1、2]", `weekday "1、2" is not a number 0–6 (0 = Sunday)`},
		{"week[1,,2]", "empty item 2 in the weekday list"},
		{"week[1,]", "empty item 2 in the weekday list"},
		{"week[1,5", `missing "]" after the weekday list`},
		{"week[1][2]", `unexpected "[2]" after "]"`},
		{"week[1]x", `unexpected "x" after "]"`},
		{"day[1]", "only week takes a weekday list, not day"},
		{"ONCE[1]", "only week takes a weekday list, not once"},
		{strings.Repeat("x", 100), `unknown cycle "` + strings.Repeat("x", 32) + `…": ` + choices},
		{"week[" + strings.Repeat("9", 50) + "]", "weekday " + strings.Repeat("9", 32) + "… out of range 0–6 (0 = Sunday)"},
		{"\x1b[31mday", `unknown cycle "\x1b[31mday": ` + choices},
	}
	for _, tt := range tests {
		c, err := ParseTimeCycle(tt.in)
		if err == nil {
			t.Errorf("ParseTimeCycle(%q) = %v, want error %q", tt.in, c, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseTimeCycle(%q) error\n got %q\nwant %q", tt.in, err, tt.want)
		}
		if !c.IsZero() {
			t.Errorf("ParseTimeCycle(%q) returned %v with its error", tt.in, c)
		}
	}
}

func TestNewTimeCycle(t *testing.T) {
	c, err := NewTimeCycle(CycleWeek, time.Friday, time.Monday, time.Friday)
	if err != nil || c.String() != "week[1,5]" {
		t.Fatalf("NewTimeCycle(week, Fri, Mon, Fri) = %v, %v", c, err)
	}
	if !c.Weekdays().Has(time.Monday) || c.Weekdays().Has(time.Sunday) {
		t.Errorf("Weekdays() = %v", c.Weekdays().Days())
	}
	if got := c.Weekdays().Days(); len(got) != 2 || got[0] != time.Monday || got[1] != time.Friday {
		t.Errorf("Days() = %v", got)
	}
	if c, err := NewTimeCycle(CycleDay); err != nil || c.String() != "day" {
		t.Errorf("NewTimeCycle(day) = %v, %v", c, err)
	}
	bad := []struct {
		kind CycleKind
		days []time.Weekday
		want string
	}{
		{CycleWeek, nil, "empty weekday list"},
		{CycleWeek, []time.Weekday{7}, "weekday 7 out of range 0–6 (0 = Sunday)"},
		{CycleDay, []time.Weekday{1}, "only week takes a weekday list, not day"},
		{0, nil, "unknown cycle kind 0"},
		{42, nil, "unknown cycle kind 42"},
	}
	for _, b := range bad {
		if _, err := NewTimeCycle(b.kind, b.days...); err == nil || err.Error() != b.want {
			t.Errorf("NewTimeCycle(%d, %v) error = %v, want %q", b.kind, b.days, err, b.want)
		}
	}
	var zero TimeCycle
	if !zero.IsZero() || zero.String() != "" || zero.Words(time.Time{}).Shape != RuleNone {
		t.Errorf("zero TimeCycle: %q %v", zero.String(), zero.Words(time.Time{}).Shape)
	}
}

func TestWords(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(TimeLayout, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		cycle, point string
		shape        RuleShape
		clock        string
		days         []time.Weekday
	}{
		{"once", "2026-12-01 07:30:00", RuleOnce, "07:30", nil},
		{"min", "2026-12-01 07:30:20", RuleEveryMinute, "07:30:20", nil},
		{"hour", "2026-12-01 07:15:09", RuleEveryHour, "07:15:09", nil},
		{"day", "2026-12-01 07:30:00", RuleEveryDay, "07:30", nil},
		{"day", "2026-12-01 07:30:45", RuleEveryDay, "07:30:45", nil},
		{"week[1,2,3,4,5]", "2026-12-01 07:30:00", RuleWorkdays, "07:30", nil},
		{"week[0,6]", "2026-12-01 09:00:00", RuleWeekends, "09:00", nil},
		{"week[5,1,3]", "2026-12-01 07:30:00", RuleSomeWeekdays, "07:30", []time.Weekday{time.Monday, time.Wednesday, time.Friday}},
		{"week[1,0]", "2026-12-01 07:30:00", RuleSomeWeekdays, "07:30", []time.Weekday{time.Sunday, time.Monday}},
		{"week[2]", "2026-12-01 07:30:00", RuleOneWeekday, "07:30", []time.Weekday{time.Tuesday}},
		{"week[0,1,2,3,4,5,6]", "2026-12-01 07:30:00", RuleEveryDay, "07:30", nil},
		{"month", "2026-12-31 08:00:00", RuleMonthly, "08:00", nil},
		{"year", "2026-03-15 08:00:00", RuleYearly, "08:00", nil},
	}
	for _, tt := range tests {
		c, err := ParseTimeCycle(tt.cycle)
		if err != nil {
			t.Fatal(err)
		}
		w := c.Words(at(tt.point))
		if w.Shape != tt.shape || w.Clock != tt.clock || fmt.Sprint(w.Days) != fmt.Sprint(tt.days) {
			t.Errorf("%s at %s: Words = %v %q %v, want %v %q %v", tt.cycle, tt.point, w.Shape, w.Clock, w.Days, tt.shape, tt.clock, tt.days)
		}
	}
	yearly, _ := NewTimeCycle(CycleYear)
	w := yearly.Words(at("2026-03-15 08:04:09"))
	if w.Year != 2026 || w.Month != 3 || w.Day != 15 || w.Minute != 4 || w.Second != 9 {
		t.Errorf("year at 2026-03-15 08:04:09: fields %+v", w)
	}
}

func FuzzParseTimeCycle(f *testing.F) {
	for _, s := range []string{"once", "min", "hour", "day", "month", "year", "week[1,5]",
		"week［1，5］", "week（0，6）", " WEEK [ 6 , 0 ] ", "week[]", "week[7]", "weekly", "week[1,,2]", "wee\u212a[1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseTimeCycle(s)
		if err != nil {
			if !c.IsZero() {
				t.Fatalf("%q: error %v with a value %v", s, err, c)
			}
			if err.Error() == "" {
				t.Fatalf("%q: empty error message", s)
			}
			return
		}
		out := c.String()
		if strings.ContainsAny(out, " ，［］（）") {
			t.Fatalf("%q: String() = %q is not canonical ASCII", s, out)
		}
		back, err := ParseTimeCycle(out)
		if err != nil {
			t.Fatalf("%q: String() = %q does not parse: %v", s, out, err)
		}
		if back != c {
			t.Fatalf("%q: %q parses to %v, want %v", s, out, back, c)
		}
		if w := c.Words(time.Date(2026, 1, 1, 7, 30, 0, 0, time.UTC)); w.Shape == RuleNone {
			t.Fatalf("%q: a parsed cycle has no shape", s)
		}
	})
}
