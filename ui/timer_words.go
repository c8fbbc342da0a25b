package ui

import (
	"fmt"
	"strings"
	"time"

	"acconsole/i18n"
	"acconsole/models"
)

// Timer rules and firing times as a person reads them, in the console's
// language. models gives the rule's shape and fields (RuleWords); the
// sentence around them is the catalog's, so word order is the
// translation's.

// ruleShapeIDs is the sentence of each rule shape.
var ruleShapeIDs = map[models.RuleShape]string{
	models.RuleNone:         "timers.rule.none",
	models.RuleOnce:         "timers.rule.once",
	models.RuleEveryMinute:  "timers.rule.every_minute",
	models.RuleEveryHour:    "timers.rule.every_hour",
	models.RuleEveryDay:     "timers.rule.every_day",
	models.RuleWorkdays:     "timers.rule.workdays",
	models.RuleWeekends:     "timers.rule.weekends",
	models.RuleOneWeekday:   "timers.rule.one_weekday",
	models.RuleSomeWeekdays: "timers.rule.some_weekdays",
	models.RuleMonthly:      "timers.rule.monthly",
	models.RuleYearly:       "timers.rule.yearly",
}

// weekdayLongIDs name a day on its own ("every Tuesday", "每周二").
var weekdayLongIDs = [...]string{"timers.weekday_long.sun", "timers.weekday_long.mon", "timers.weekday_long.tue", "timers.weekday_long.wed", "timers.weekday_long.thu", "timers.weekday_long.fri", "timers.weekday_long.sat"}

// ruleDesc is a timer's rule ready to be said in any language: its words
// when its cycle and first run parse, else the cycle as written.
type ruleDesc struct {
	words  models.RuleWords
	zone   string
	raw    string
	parsed bool
}

// text is the rule in tr's language ("weekdays at 06:45, Asia/Shanghai",
// "工作日 06:45（Asia/Shanghai）").
func (d ruleDesc) text(tr *i18n.Translator) string {
	if !d.parsed {
		return d.raw
	}
	return ruleText(tr, d.words, d.zone)
}

// ruleText says w, with zone after it when not empty. Weekday lists run
// Sunday first, as on the wire.
func ruleText(tr *i18n.Translator, w models.RuleWords, zone string) string {
	var days string
	switch w.Shape {
	case models.RuleOneWeekday:
		if len(w.Days) > 0 {
			days = tr.T(weekdayLongIDs[w.Days[0]])
		}
	case models.RuleSomeWeekdays:
		names := make([]string, len(w.Days))
		for i, d := range w.Days {
			names[i] = tr.Weekday(d)
		}
		days = strings.Join(names, tr.T("timers.rule.day_separator"))
	}
	id, ok := ruleShapeIDs[w.Shape]
	switch {
	case !ok:
		id = "timers.rule.none"
	case w.Shape == models.RuleEveryMinute && w.Second != 0:
		id = "timers.rule.every_minute_at_second"
	}
	s := tr.T(id, "Clock", w.Clock, "Year", w.Year, "Month", w.Month, "Day", w.Day,
		"Minute", two(w.Minute), "Second", w.Second, "SecondPadded", two(w.Second), "Days", days)
	if w.Shape == models.RuleNone || zone == "" {
		return s
	}
	return tr.T("timers.rule.with_zone", "Rule", s, "Zone", zone)
}

// two is a clock field as it reads in a time: two digits.
func two(n int) string { return fmt.Sprintf("%02d", n) }

// describeTask is the rule of t, and why it cannot run ("" when it can).
// The reasons are models' own messages.
func describeTask(t models.TimerTask) (ruleDesc, string) {
	c, err := models.ParseTimeCycle(t.TimeCycle)
	if err != nil {
		return ruleDesc{raw: t.TimeCycle}, err.Error()
	}
	at, _, err := models.ParseTimePoint(t.TimePoint, t.TimeZone)
	if err != nil {
		return ruleDesc{raw: c.String()}, err.Error()
	}
	// The words read the wall-clock fields as written, so pass them as
	// such (a 02:30 inside a DST gap still reads 02:30).
	wall, werr := time.ParseInLocation(models.TimeLayout, strings.TrimSpace(t.TimePoint), time.UTC)
	if werr != nil {
		wall = at
	}
	return ruleDesc{words: c.Words(wall), zone: t.TimeZone, parsed: true}, ""
}

// stampFields are the fields of the timer dates: the day in t's own
// location and its zone's abbreviation.
func stampFields(tr *i18n.Translator, t time.Time, clock string) []any {
	zone, _ := t.Zone()
	return []any{"Year", t.Year(), "Month", int(t.Month()), "Day", t.Day(),
		"Weekday", tr.Weekday(t.Weekday()), "Clock", clock, "Zone", zone}
}

// firingText is a firing in the editor's preview, to the second
// ("Sun 2027-03-28 03:00:00 CEST", "2027年3月28日 周日 03:00:00 CEST").
func firingText(tr *i18n.Translator, t time.Time) string {
	return tr.T("timers.stamp.firing", stampFields(tr, t, t.Format("15:04:05"))...)
}

// nextText is a next firing in the timer list, short enough for its
// column ("11-30 06:45 CST", "11月30日 06:45 CST").
func nextText(tr *i18n.Translator, t time.Time) string {
	return tr.T("timers.stamp.next", stampFields(tr, t, t.Format("15:04"))...)
}

// minuteText is a firing in a sentence, to the minute
// ("2026-11-30 06:45 CST", "2026年11月30日 周一 06:45 CST").
func minuteText(tr *i18n.Translator, t time.Time) string {
	return tr.T("timers.stamp.minute", stampFields(tr, t, t.Format("15:04"))...)
}
