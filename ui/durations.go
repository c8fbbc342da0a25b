package ui

import (
	"fmt"
	"time"

	"acconsole/i18n"
)

// fmtClock shows time left as m:ss (a countdown), never negative.
func fmtClock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// fmtDuration shows a configured span: whole minutes as "15 min", else
// Go's form ("90s").
func fmtDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return d.String()
}

// spanIn is fmtDuration in tr's language.
func spanIn(tr *i18n.Translator, d time.Duration) string {
	if d%time.Minute == 0 {
		return tr.T("shell.span_minutes", "Minutes", int(d.Minutes()))
	}
	return d.String()
}
