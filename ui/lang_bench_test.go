package ui

import (
	"acconsole/internal/clock"
	"testing"

	"acconsole/i18n"
)

// BenchmarkLangSwitch measures ":lang" on a full stack: users, a user, its
// homes and rooms, a device and its timers, with the history behind them.
// "switch" is one switch and the frame after it (every page on the stack
// and in the history relabelled); "frame" is a frame alone in each
// language, from the same run, so a switch reads as a ratio to a frame.
func BenchmarkLangSwitch(b *testing.B) {
	stack := func(b *testing.B) *wfHarness {
		api := monkeyFake()
		clock := clock.NewFake(timeOfMonkey)
		api.wf().now = clock.Now
		r := &monkeyRun{t: b, w: 120, ht: 40}
		r.h = newAppHarness(b, api, clock, 120, 40)
		for _, s := range []string{":device 900", ":user 13800000042", "h", "enter", "enter", "enter", "t"} {
			r.do(s)
		}
		if n, h := len(r.h.app.stack), r.h; n < 4 {
			b.Fatalf("the stack holds %d pages: %s", n, h.app.View().Content)
		}
		return r.h
	}
	for _, lang := range i18n.Langs() {
		b.Run("frame/"+string(lang), func(b *testing.B) {
			h := stack(b)
			// Switched the same way, so the frame carries the same
			// flash as the frames of "switch".
			_ = cmdLang(h.app, string(lang))
			b.ReportAllocs()
			for b.Loop() {
				_ = h.app.View()
			}
		})
	}
	b.Run("switch", func(b *testing.B) {
		h := stack(b)
		langs := i18n.Langs()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			// The command as typed (":lang zh-CN"), without its flash's
			// timer, then the frame that shows the new language.
			_ = cmdLang(h.app, string(langs[(i+1)%len(langs)]))
			_ = h.app.View()
		}
	})
}
