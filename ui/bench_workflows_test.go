package ui

import (
	"fmt"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/models"
	"acconsole/ui/components/qr"
)

// benchEditor is a timer editor on a device with ten other timers (two of
// them hourly, the worst case for the clash search), as the preview sees
// it on every keystroke.
func benchEditor() (*timerEditor, time.Time) {
	now := time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC)
	list := &timersPage{ref: DeviceRef{DeviceID: 900, UserID: 42, SubDomain: "plug"}, data: &timersData{spec: ProductSpec{SubDomain: "plug", Messages: catalog.Messages("plug")}}}
	cycles := []string{"day", "week[1,3,5]", "hour", "month", "week[0,6]", "hour", "day", "year", "week[2,4]", "day"}
	for i, c := range cycles {
		list.data.tasks = append(list.data.tasks, models.TimerTask{TaskID: int64(i + 1), DeviceID: 900, Name: fmt.Sprint("t", i), TimeZone: "Europe/Berlin",
			TimePoint: fmt.Sprintf("2027-01-0%d %02d:%02d:00", i%9+1, (7+i)%24, (i*7)%60), TimeCycle: c, MessageCode: 68 + i%3, Status: models.TaskRunning})
	}
	e := newTimerEditor(list, nil, time.Now())
	e.text[teName].set("bench")
	e.text[teZone].set("Europe/Berlin")
	e.cycle = 3 // week
	return e, now
}

// BenchmarkTimerPreviewKeystroke is the editor's work per keystroke in the
// time field: parse, rule in words, the next ten firings with DST notes,
// and the clash search against the device's other timers for a month.
// Budget: under 1 ms (BENCHMARKS.md).
func BenchmarkTimerPreviewKeystroke(b *testing.B) {
	e, now := benchEditor()
	points := []string{"2027-03-28 02:30:00", "2027-03-28 02:31:00", "2027-03-28 07:30:00", "2027-03-28 07:31:00"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.text[tePoint].set(points[i%len(points)]) // a keystroke changed the form
		pv := e.preview(now)
		if pv.err != nil || len(pv.firings) != previewFirings {
			b.Fatalf("preview: %v (%d firings)", pv.err, len(pv.firings))
		}
	}
	// The budget (1 ms) is checked by reading the result (BENCHMARKS.md),
	// not here: a loaded machine must not fail the run.
}

// BenchmarkShareQR is the share page's cost per frame: the first frame of
// a payload encodes and draws the code ("first"), every later frame takes
// it from the cache ("cached"): one render per payload.
func BenchmarkShareQR(b *testing.B) {
	api := newFakeAPI()
	payload := `http://we.qq.com/d/AQC7Pp3MMTHeEFxg0GDgTqbsMRCmLHfqLFyyc7dn#{"sub_domain":"plug","share_code":"8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3"}`
	page := func(p string) (*sharePage, *App) {
		a := New(Options{API: api, Keys: DefaultKeyMap()})
		sp := &sharePage{subject: "bench", res: shareResult{code: "x", payload: p}}
		sp.issued = a.Now()
		sp.expires = sp.issued.Add(shareValid)
		return sp, a
	}
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			sp, a := page(fmt.Sprintf("%s-%d-%d", payload, i, time.Now().UnixNano()))
			_ = sp.View(a, 140, 45)
		}
	})
	b.Run("cached", func(b *testing.B) {
		sp, a := page(payload)
		_ = sp.View(a, 140, 45)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_ = sp.View(a, 140, 45)
		}
	})
	// The cache is what makes "cached" cheap: the same payload gives the
	// very same string without drawing it again.
	s1, _, _ := qr.RenderFit(payload, qr.DefaultQuiet, 140, 45, qr.HalfBlock)
	s2, _, _ := qr.RenderFit(payload, qr.DefaultQuiet, 140, 45, qr.HalfBlock)
	if s1 == "" || s1 != s2 {
		b.Fatal("the QR cache returned a different drawing")
	}
}
