package i18n

import (
	"strconv"
	"time"
)

// Dates and durations as a person reads them in the translator's language:
// "Sat 5 Dec 2026 07:30" or "2026年12月5日 周六 07:30". The patterns and
// names are catalog messages, so word order is the translation's. Machine
// output (the audit log, JSON) keeps ISO 8601 and never comes here.

var weekdayIDs = [...]string{"date.weekday.sun", "date.weekday.mon", "date.weekday.tue", "date.weekday.wed", "date.weekday.thu", "date.weekday.fri", "date.weekday.sat"}

var monthIDs = [...]string{"date.month.jan", "date.month.feb", "date.month.mar", "date.month.apr", "date.month.may", "date.month.jun", "date.month.jul", "date.month.aug", "date.month.sep", "date.month.oct", "date.month.nov", "date.month.dec"}

// Weekday is the short name of d ("Sat", "周六").
func (t *Translator) Weekday(d time.Weekday) string { return t.T(weekdayIDs[d]) }

// Date is the day of tm in its own location ("Sat 5 Dec 2026").
func (t *Translator) Date(tm time.Time) string {
	return t.T("date.day", t.dateFields(tm)...)
}

// DateTime is the day and the minute of tm in its own location
// ("Sat 5 Dec 2026 07:30", "2026年12月5日 周六 07:30").
func (t *Translator) DateTime(tm time.Time) string {
	return t.T("date.day_time", append(t.dateFields(tm), "Clock", tm.Format("15:04"))...)
}

func (t *Translator) dateFields(tm time.Time) []any {
	return []any{
		"Year", strconv.Itoa(tm.Year()),
		"Month", t.T(monthIDs[tm.Month()-1]),
		"Day", strconv.Itoa(tm.Day()),
		"Weekday", t.Weekday(tm.Weekday()),
	}
}

// Duration is d rounded to what a person needs: seconds under a minute,
// minutes and seconds under an hour, hours and minutes beyond
// ("1h 05m", "1小时05分").
func (t *Translator) Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	two := func(n int) string {
		if n < 10 {
			return "0" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	}
	switch {
	case h > 0:
		return t.T("duration.hours_minutes", "Hours", strconv.Itoa(h), "Minutes", two(m))
	case m > 0:
		return t.T("duration.minutes_seconds", "Minutes", strconv.Itoa(m), "Seconds", two(s))
	default:
		return t.T("duration.seconds", "Seconds", strconv.Itoa(s))
	}
}
