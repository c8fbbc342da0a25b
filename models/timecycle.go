package models

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// CycleKind is the repeat rule of a timer task (PROTOCOL §3.5). The zero
// value is no rule at all, so that a zero TimeCycle is never mistaken for
// "once".
type CycleKind uint8

// The timeCycle keywords, in the order a console offers them.
const (
	CycleOnce   CycleKind = iota + 1 // "once"
	CycleMinute                      // "min"
	CycleHour                        // "hour"
	CycleDay                         // "day"
	CycleWeek                        // "week[d,…]"
	CycleMonth                       // "month"
	CycleYear                        // "year"
)

var cycleKeywords = [...]string{
	CycleOnce:   "once",
	CycleMinute: "min",
	CycleHour:   "hour",
	CycleDay:    "day",
	CycleWeek:   "week",
	CycleMonth:  "month",
	CycleYear:   "year",
}

// String is the wire keyword; "week" without its list.
func (k CycleKind) String() string {
	if k == 0 || int(k) >= len(cycleKeywords) {
		return ""
	}
	return cycleKeywords[k]
}

// Weekdays is a set of days of the week: bit d stands for time.Weekday(d),
// so bit 0 is Sunday as on the wire.
type Weekdays uint8

const (
	allWeekdays  Weekdays = 0x7f
	workWeekdays Weekdays = 0x3e // Monday to Friday
	weekendDays  Weekdays = 0x41 // Saturday and Sunday
)

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool {
	return d >= time.Sunday && d <= time.Saturday && w&(1<<uint(d)) != 0
}

// Days lists the set from Sunday to Saturday.
func (w Weekdays) Days() []time.Weekday {
	var out []time.Weekday
	for d := time.Sunday; d <= time.Saturday; d++ {
		if w.Has(d) {
			out = append(out, d)
		}
	}
	return out
}

// TimeCycle is a parsed timeCycle value. It is comparable with ==: two
// cycles are equal exactly when their canonical strings are equal.
type TimeCycle struct {
	kind CycleKind
	days Weekdays // only for CycleWeek, never empty there
}

// NewTimeCycle builds a cycle from its parts; days are required for
// CycleWeek (duplicates are fine) and refused for every other kind.
func NewTimeCycle(kind CycleKind, days ...time.Weekday) (TimeCycle, error) {
	if kind == 0 || int(kind) >= len(cycleKeywords) {
		return TimeCycle{}, fmt.Errorf("unknown cycle kind %d", kind)
	}
	if kind != CycleWeek {
		if len(days) > 0 {
			return TimeCycle{}, fmt.Errorf("only week takes a weekday list, not %s", kind)
		}
		return TimeCycle{kind: kind}, nil
	}
	if len(days) == 0 {
		return TimeCycle{}, errors.New("empty weekday list")
	}
	var set Weekdays
	for _, d := range days {
		if d < time.Sunday || d > time.Saturday {
			return TimeCycle{}, fmt.Errorf("weekday %d out of range 0–6 (0 = Sunday)", int(d))
		}
		set |= 1 << uint(d)
	}
	return TimeCycle{kind: CycleWeek, days: set}, nil
}

// Kind is the repeat rule; 0 for the zero TimeCycle.
func (c TimeCycle) Kind() CycleKind { return c.kind }

// Weekdays is the day set of a week cycle, empty for the other kinds.
func (c TimeCycle) Weekdays() Weekdays { return c.days }

// IsZero reports whether c holds no rule (it was not parsed or built).
func (c TimeCycle) IsZero() bool { return c.kind == 0 }

// String is the canonical ASCII wire form ("week[1,5]", no spaces), the only
// form a client sends. The zero TimeCycle gives "".
func (c TimeCycle) String() string {
	if c.kind != CycleWeek {
		return c.kind.String()
	}
	b := make([]byte, 0, len("week[0,1,2,3,4,5,6]"))
	b = append(b, "week["...)
	first := true
	for d := time.Sunday; d <= time.Saturday; d++ {
		if !c.days.Has(d) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		b = append(b, byte('0'+d))
		first = false
	}
	return string(append(b, ']'))
}

const cycleChoices = "expected once, min, hour, day, week[…], month or year"

// ParseTimeCycle reads a timeCycle. It is lenient where people and old SDK
// docs are sloppy: spaces anywhere, full-width commas (，) and brackets
// (［］ or （）) as typed by Chinese input methods, upper-case keywords, and
// repeated weekdays. Everything else is refused with a message that names
// the problem, because the operator has to fix it by hand.
func ParseTimeCycle(s string) (TimeCycle, error) {
	norm := normaliseCycle(s)
	shown := clip(strings.TrimSpace(s))
	if norm == "" {
		return TimeCycle{}, errors.New("empty timeCycle: " + cycleChoices)
	}
	open := strings.IndexByte(norm, '[')
	if open < 0 {
		switch norm {
		case "once":
			return TimeCycle{kind: CycleOnce}, nil
		case "min":
			return TimeCycle{kind: CycleMinute}, nil
		case "hour":
			return TimeCycle{kind: CycleHour}, nil
		case "day":
			return TimeCycle{kind: CycleDay}, nil
		case "month":
			return TimeCycle{kind: CycleMonth}, nil
		case "year":
			return TimeCycle{kind: CycleYear}, nil
		case "week":
			return TimeCycle{}, errors.New("week needs a weekday list, e.g. week[1,5] (0 = Sunday)")
		}
		if rest, ok := strings.CutPrefix(norm, "week"); ok && strings.ContainsAny(rest[:1], "0123456789,(){}<>]") {
			return TimeCycle{}, fmt.Errorf(`unknown cycle %q: the weekday list goes in square brackets, e.g. week[1,5] (0 = Sunday)`, shown)
		}
		return TimeCycle{}, fmt.Errorf("unknown cycle %q: %s", shown, cycleChoices)
	}
	switch head := norm[:open]; head {
	case "week":
	case "once", "min", "hour", "day", "month", "year":
		return TimeCycle{}, fmt.Errorf("only week takes a weekday list, not %s", head)
	default:
		return TimeCycle{}, fmt.Errorf("unknown cycle %q: %s", shown, cycleChoices)
	}
	rest := norm[open+1:]
	closing := strings.IndexByte(rest, ']')
	if closing < 0 {
		return TimeCycle{}, errors.New(`missing "]" after the weekday list`)
	}
	if tail := rest[closing+1:]; tail != "" {
		return TimeCycle{}, fmt.Errorf(`unexpected %q after "]"`, clip(tail))
	}
	list := rest[:closing]
	if list == "" {
		return TimeCycle{}, errors.New("empty weekday list")
	}
	var set Weekdays
	for i, item := range strings.Split(list, ",") {
		d, err := parseWeekday(item, i+1)
		if err != nil {
			return TimeCycle{}, err
		}
		set |= 1 << uint(d)
	}
	return TimeCycle{kind: CycleWeek, days: set}, nil
}

// parseWeekday reads one list item; pos is 1-based for the message.
func parseWeekday(item string, pos int) (int, error) {
	if item == "" {
		return 0, fmt.Errorf("empty item %d in the weekday list", pos)
	}
	digits, negative := strings.CutPrefix(item, "-")
	if digits == "" || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("weekday %q is not a number 0–6 (0 = Sunday)", clip(item))
	}
	v := 0
	for i := 0; i < len(digits) && v <= 6; i++ {
		v = v*10 + int(digits[i]-'0')
	}
	if negative || v > 6 {
		return 0, fmt.Errorf("weekday %s out of range 0–6 (0 = Sunday)", clip(item))
	}
	return v, nil
}

// clip shortens user input quoted in an error, so that a pasted screenful
// does not become a screenful of error.
func clip(s string) string {
	const limit = 32
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// normaliseCycle drops white space, maps the full-width punctuation to
// ASCII and lower-cases ASCII letters only: a Unicode case fold would let
// look-alikes such as the Kelvin sign K spell a keyword.
func normaliseCycle(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c <= ' ' || c >= 'A' && c <= 'Z' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r == '，':
			r = ','
		case r == '［' || r == '（':
			r = '['
		case r == '］' || r == '）':
			r = ']'
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RuleShape is how a rule reads to a person, one sentence shape each; a
// console picks the sentence in its own language.
type RuleShape uint8

// The shapes RuleWords gives.
const (
	RuleNone         RuleShape = iota // the zero TimeCycle
	RuleOnce                          // once on Year-Month-Day at Clock
	RuleEveryMinute                   // every minute (at Second when not 0)
	RuleEveryHour                     // every hour at :Minute:Second
	RuleEveryDay                      // every day at Clock (day, or a week of all seven days)
	RuleWorkdays                      // Monday to Friday at Clock
	RuleWeekends                      // Saturday and Sunday at Clock
	RuleOneWeekday                    // one day a week (Days[0]) at Clock
	RuleSomeWeekdays                  // Days at Clock
	RuleMonthly                       // monthly on Day at Clock
	RuleYearly                        // yearly on Month-Day at Clock
)

// RuleWords is a rule broken into what a sentence about it needs, with
// no words of any language: the shape, and the wall-clock fields of
// timePoint as written (a wall time inside a DST gap still reads 02:30).
type RuleWords struct {
	Shape RuleShape
	// Clock is "07:30", or "07:30:15" when the seconds are not zero.
	Clock            string
	Year, Month, Day int
	Minute, Second   int
	Days             []time.Weekday // RuleOneWeekday and RuleSomeWeekdays, Sunday first as on the wire
}

// Words describes the rule with the wall-clock fields of timePoint as
// they are, so pass the time as written in the task.
func (c TimeCycle) Words(timePoint time.Time) RuleWords {
	w := RuleWords{
		Clock: clockText(timePoint),
		Year:  timePoint.Year(), Month: int(timePoint.Month()), Day: timePoint.Day(),
		Minute: timePoint.Minute(), Second: timePoint.Second(),
	}
	switch c.kind {
	case CycleOnce:
		w.Shape = RuleOnce
	case CycleMinute:
		w.Shape = RuleEveryMinute
	case CycleHour:
		w.Shape = RuleEveryHour
	case CycleDay:
		w.Shape = RuleEveryDay
	case CycleWeek:
		switch c.days {
		case allWeekdays:
			w.Shape = RuleEveryDay
		case workWeekdays:
			w.Shape = RuleWorkdays
		case weekendDays:
			w.Shape = RuleWeekends
		default:
			w.Days = c.days.Days()
			w.Shape = RuleSomeWeekdays
			if len(w.Days) == 1 {
				w.Shape = RuleOneWeekday
			}
		}
	case CycleMonth:
		w.Shape = RuleMonthly
	case CycleYear:
		w.Shape = RuleYearly
	}
	return w
}

func clockText(t time.Time) string {
	if t.Second() != 0 {
		return t.Format("15:04:05")
	}
	return t.Format("15:04")
}
