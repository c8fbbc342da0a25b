package table

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	btable "charm.land/bubbles/v2/table"
)

// makeDevices builds n device rows: mostly ASCII names, every 7th and 11th
// in Chinese, owners in two scripts, deterministic.
func makeDevices(n int) []device {
	rng := rand.New(rand.NewPCG(1, 2))
	products := []string{"plug", "gateway", "空调", "sensor-th", "light-strip"}
	out := make([]device, n)
	for i := range out {
		var name string
		switch {
		case i%7 == 0:
			name = fmt.Sprintf("客厅 plug-%d", i)
		case i%11 == 0:
			name = fmt.Sprintf("卧室空调控制器 %d", i)
		default:
			name = fmt.Sprintf("dev-%d", i)
		}
		owner := fmt.Sprintf("user%d@example.com", rng.IntN(5000))
		if i%5 == 0 {
			owner = fmt.Sprintf("张伟%d", rng.IntN(100))
		}
		out[i] = device{
			ID:         int64(i),
			Physical:   fmt.Sprintf("AC%012X", rng.Uint64()&0xffffffffffff),
			Name:       name,
			Product:    products[rng.IntN(len(products))],
			Firmware:   fmt.Sprintf("1.%d.%d", rng.IntN(12), rng.IntN(30)),
			Online:     rng.IntN(3) != 0,
			LastOnline: baseTime.Add(-time.Duration(rng.IntN(1e6)) * time.Second),
			Owner:      owner,
		}
	}
	return out
}

const benchRows = 100_000

var benchData = makeDevices(benchRows)

func benchTable(b *testing.B) *Table[device] {
	b.Helper()
	tb := newDeviceTable(nil)
	tb.SetRows(benchData)
	tb.SetSize(120, 40)
	_ = tb.View()
	return tb
}

// cursorMoves times the common frame: the cursor moved one row (two
// lines re-render), wrapping at the end.
func cursorMoves(b *testing.B, tb *Table[device]) {
	b.ReportAllocs()
	for b.Loop() {
		tb.MoveDown()
		if tb.Cursor() == tb.Len()-1 {
			tb.Home()
		}
		_ = tb.View()
	}
}

// pageDowns times the worst frame: every visible line is new.
func pageDowns(b *testing.B, tb *Table[device]) {
	b.ReportAllocs()
	for b.Loop() {
		tb.PageDown()
		if tb.Cursor() == tb.Len()-1 {
			tb.Home()
		}
		_ = tb.View()
	}
}

func BenchmarkView(b *testing.B) {
	b.Run("cached", func(b *testing.B) {
		tb := benchTable(b)
		b.ReportAllocs()
		for b.Loop() {
			_ = tb.View()
		}
	})
	b.Run("cursor-move", func(b *testing.B) {
		// The common frame: the cursor moved one row (two lines re-render).
		tb := benchTable(b)
		cursorMoves(b, tb)
	})
	b.Run("page-down", func(b *testing.B) {
		// Worst case: every visible line is new.
		tb := benchTable(b)
		pageDowns(b, tb)
	})
	b.Run("page-down-sorted-filtered", func(b *testing.B) {
		tb := benchTable(b)
		tb.SortBy("name")
		if err := tb.SetFilter("plug"); err != nil {
			b.Fatal(err)
		}
		pageDowns(b, tb)
	})
}

func BenchmarkFilterKeystroke(b *testing.B) {
	alternate := func(b *testing.B, a, c string) {
		tb := benchTable(b)
		qs := [2]string{a, c}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if err := tb.SetFilter(qs[i&1]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
	// Neither filter narrows the other, so every call scans all rows: the
	// cost of the first keystroke, of a backspace, of a paste.
	b.Run("full-scan", func(b *testing.B) { alternate(b, "plug-12", "dev-34") })
	b.Run("full-scan-cjk", func(b *testing.B) { alternate(b, "客厅", "张伟") })
	// The worst keystroke: one letter that nearly every row contains.
	b.Run("full-scan-all-match", func(b *testing.B) { alternate(b, "d", "e") })
	b.Run("inverted", func(b *testing.B) { alternate(b, "!dev", "!plug") })
	b.Run("regex", func(b *testing.B) { alternate(b, `/^dev-1\d+$/`, "/plug-2/") })
	b.Run("clear", func(b *testing.B) { alternate(b, "", "dev-1") })
	b.Run("typing", func(b *testing.B) {
		// Typing "dev-12" from an empty filter, then clearing it: 7
		// keystrokes, of which 5 only rescan the previous matches.
		tb := benchTable(b)
		word := []string{"d", "de", "dev", "dev-", "dev-1", "dev-12", ""}
		b.ReportAllocs()
		for b.Loop() {
			for _, q := range word {
				if err := tb.SetFilter(q); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(word)), "ns/keystroke")
	})
}

func BenchmarkSetRows(b *testing.B) {
	b.Run("new-table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tb := newDeviceTable(nil)
			tb.SetSize(120, 40)
			tb.SetRows(benchData)
		}
	})
	b.Run("refresh-unchanged", func(b *testing.B) {
		// A poll that brings the same rows back: prepared text is reused.
		tb := benchTable(b)
		b.ReportAllocs()
		for b.Loop() {
			tb.SetRows(benchData)
		}
	})
	b.Run("refresh-sorted-filtered", func(b *testing.B) {
		tb := benchTable(b)
		tb.SortBy("name")
		_ = tb.SetFilter("plug")
		tb.SetCursor(500)
		tb.ToggleSelect()
		b.ReportAllocs()
		for b.Loop() {
			tb.SetRows(benchData)
		}
	})
	b.Run("sort-by-name", func(b *testing.B) {
		tb := benchTable(b)
		b.ReportAllocs()
		for b.Loop() {
			tb.SortBy("name") // toggles asc/desc: a full sort each time
		}
	})
}

// heapAfterGC returns the live heap.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkMemory reports what a table holding 100 000 rows keeps alive: the
// rows themselves (copied in), their prepared text, the indexes and the line
// cache. The input slice is built inside the measured region and dropped, so
// the figure is the table's whole footprint.
func BenchmarkMemory(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		var used uint64
		for b.Loop() {
			before := heapAfterGC()
			tb := newDeviceTable(nil)
			tb.SetRows(makeDevices(benchRows))
			tb.SetSize(120, 40)
			_ = tb.View()
			used = heapAfterGC() - before
			runtime.KeepAlive(tb)
		}
		b.ReportMetric(float64(used)/1e6, "MB")
	})
	b.Run("input-only", func(b *testing.B) {
		// For reference: the []device alone.
		var used uint64
		for b.Loop() {
			before := heapAfterGC()
			rows := makeDevices(benchRows)
			used = heapAfterGC() - before
			runtime.KeepAlive(rows)
		}
		b.ReportMetric(float64(used)/1e6, "MB")
	})
	b.Run("bubbles", func(b *testing.B) {
		var used uint64
		for b.Loop() {
			before := heapAfterGC()
			m := newBubbles(makeDevices(benchRows))
			_ = m.View()
			used = heapAfterGC() - before
			runtime.KeepAlive(m)
		}
		b.ReportMetric(float64(used)/1e6, "MB")
	})
}

func bubblesColumns() []btable.Column {
	// bubbles/table has only fixed widths: these add up to what ours lays
	// out at 120 columns.
	return []btable.Column{
		{Title: "ID", Width: 7}, {Title: "Physical ID", Width: 14}, {Title: "Name", Width: 22},
		{Title: "Product", Width: 9}, {Title: "Firmware", Width: 9}, {Title: "Status", Width: 7},
		{Title: "Last online", Width: 16}, {Title: "Owner", Width: 9},
	}
}

func bubblesRows(devs []device) []btable.Row {
	rows := make([]btable.Row, len(devs))
	for i, d := range devs {
		rows[i] = deviceCells(d)
	}
	return rows
}

func newBubbles(devs []device) *btable.Model {
	m := btable.New(btable.WithColumns(bubblesColumns()), btable.WithHeight(40), btable.WithWidth(120), btable.WithFocused(true))
	m.SetRows(bubblesRows(devs))
	return &m
}

// BenchmarkVsBubbles runs the same work on both tables in one loop and
// reports each side's time per op and the ratio bubbles/ours (above 1 means
// ours is faster).
func BenchmarkVsBubbles(b *testing.B) {
	side := func(b *testing.B, ours, theirs func()) {
		var tOurs, tTheirs time.Duration
		for b.Loop() {
			t0 := time.Now()
			ours()
			t1 := time.Now()
			theirs()
			tTheirs += time.Since(t1)
			tOurs += t1.Sub(t0)
		}
		n := float64(b.N)
		b.ReportMetric(float64(tOurs.Nanoseconds())/n, "ours-ns/op")
		b.ReportMetric(float64(tTheirs.Nanoseconds())/n, "bubbles-ns/op")
		b.ReportMetric(float64(tTheirs)/float64(tOurs), "bubbles/ours")
	}
	b.Run("setrows+view+move", func(b *testing.B) {
		tb := benchTable(b)
		m := newBubbles(benchData)
		side(b, func() {
			tb.SetRows(benchData)
			_ = tb.View()
			tb.MoveDown()
			_ = tb.View()
		}, func() {
			m.SetRows(bubblesRows(benchData))
			_ = m.View()
			m.MoveDown(1)
			_ = m.View()
		})
	})
	b.Run("setrows-new+view+move", func(b *testing.B) {
		// Ours from a fresh table, so no prepared row is reused.
		m := newBubbles(benchData)
		side(b, func() {
			tb := newDeviceTable(nil)
			tb.SetSize(120, 40)
			tb.SetRows(benchData)
			_ = tb.View()
			tb.MoveDown()
			_ = tb.View()
		}, func() {
			m.SetRows(bubblesRows(benchData))
			_ = m.View()
			m.MoveDown(1)
			_ = m.View()
		})
	})
	b.Run("move+view", func(b *testing.B) {
		// The per-keystroke frame, rows already loaded.
		tb := benchTable(b)
		m := newBubbles(benchData)
		m.SetCursor(benchRows / 2)
		tb.SetCursor(benchRows / 2)
		i := 0
		side(b, func() {
			if i&1 == 0 {
				tb.MoveDown()
			} else {
				tb.MoveUp()
			}
			_ = tb.View()
		}, func() {
			if i&1 == 0 {
				m.MoveDown(1)
			} else {
				m.MoveUp(1)
			}
			_ = m.View()
			i++
		})
	})
	b.Run("view", func(b *testing.B) {
		tb := benchTable(b)
		m := newBubbles(benchData)
		side(b, func() { _ = tb.View() }, func() { _ = m.View() })
	})
}
