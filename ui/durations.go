package ui

import (
	"fmt"
	"time"

	"acconsole/i18n"
	"acconsole/models"
)

// fmtClock shows time left as m:ss (a countdown), never negative. The
// form is the same in every language.
func fmtClock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// fmtDuration shows a configured span in English: whole minutes as
// "15 min", else Go's form ("90s"). It is what logs read; a screen uses
// spanIn.
func fmtDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return d.String()
}

// spanIn is a configured span (how long write mode or a share code lasts)
// as a person reads it in tr's language: whole minutes as "15 min"
// ("15 分钟"), anything else as the translator's duration ("1m 30s").
func spanIn(tr *i18n.Translator, d time.Duration) string {
	if d%time.Minute == 0 {
		return tr.T("durations.whole_minutes", "Minutes", int(d.Minutes()))
	}
	return tr.Duration(d)
}

// cloudTime is a time the cloud reports as text ("2026-12-05 07:30:00",
// its local wall clock) as a person reads it in tr's language
// ("Sat 5 Dec 2026 07:30", "2026年12月5日 周六 07:30"). Text in another
// form is shown as it came: it is the cloud's data.
func cloudTime(tr *i18n.Translator, s string) string {
	t, err := time.ParseInLocation(models.TimeLayout, s, time.Local)
	if err != nil {
		return s
	}
	return tr.DateTime(t)
}
