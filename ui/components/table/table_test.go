package table

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"acconsole/themes"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// goldenTable is the scene every golden shows: sorted by name, the cursor on
// the third row, two rows selected.
func goldenTable(s *themes.Styles, w int) *Table[device] {
	tb := newDeviceTable(s)
	tb.SetRows(sampleDevices())
	tb.SetSize(w, 14)
	tb.SortBy("name")
	tb.SetCursor(2)
	tb.ToggleSelect()
	tb.SetCursor(4)
	tb.ToggleSelect()
	tb.MoveUp()
	tb.MoveUp()
	return tb
}

var goldenWidths = []int{40, 80, 120}

func TestGoldenPlain(t *testing.T) {
	for _, w := range goldenWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			out := goldenTable(themes.DefaultStyles(true), w).View()
			checkLines(t, out, w, 14, "golden")
			golden.RequireEqual(t, ansi.Strip(out))
		})
	}
}

func TestGoldenStyled(t *testing.T) {
	for _, theme := range []string{"dark", "light"} {
		for _, w := range goldenWidths {
			t.Run(fmt.Sprintf("%s_%d", theme, w), func(t *testing.T) {
				th, _ := themes.Builtin(theme)
				out := goldenTable(themes.NewStyles(th, themes.UnicodeGlyphs()), w).View()
				checkLines(t, out, w, 14, "golden")
				golden.RequireEqual(t, out)
			})
		}
	}
}

func TestGoldenASCIIGlyphs(t *testing.T) {
	th, _ := themes.Builtin("high-contrast")
	tb := goldenTable(themes.NewStyles(th, themes.ASCIIGlyphs()), 80)
	tb.SortBy("name") // descending
	out := ansi.Strip(tb.View())
	checkLines(t, out, 80, 14, "ascii")
	golden.RequireEqual(t, out)
}

func TestGoldenEmptyAndFiltered(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetSize(60, 6)
	var b strings.Builder
	b.WriteString(ansi.Strip(tb.View()) + "\n---\n")
	tb.SetRows(sampleDevices())
	if err := tb.SetFilter("no such device"); err != nil {
		t.Fatal(err)
	}
	b.WriteString(ansi.Strip(tb.View()) + "\n---\n")
	if err := tb.SetFilter("plug"); err != nil {
		t.Fatal(err)
	}
	b.WriteString(ansi.Strip(tb.View()))
	golden.RequireEqual(t, b.String())
}

// hostile rows go beyond the sample: leading combining marks and variation
// selectors, trailing joiners, raw escapes a caller forgot to sanitise.
func hostileDevices() []device {
	rows := sampleDevices()
	extra := []string{
		"\u0301leading combining",
		"\uFE0Fvariation selector first",
		"zwj at end\u200d",
		"prepend at end\u0600",
		"\x1b[31mred\x1b[0m raw escape",
		"tab\tand\nnewline",
		"\u202eright-to-left override",
		"中中中中中中中中中中中中中中中中中中中中中中",
		"a中b中c中d中e中f中g中h中i中j中",
		"👍🏽 skin tone",
		"\u200b",
		"",
	}
	for i, n := range extra {
		rows = append(rows, device{ID: int64(1000 + i), Physical: "中" + n, Name: n, Product: n, Firmware: "固件" + n, Owner: n})
	}
	return rows
}

func TestHostileRowsStayAligned(t *testing.T) {
	styles := []*themes.Styles{
		themes.DefaultStyles(true),
		themes.NewStyles(themes.PickDefault(false), themes.ASCIIGlyphs()),
	}
	for si, st := range styles {
		tb := newDeviceTable(st)
		tb.SetRows(hostileDevices())
		for w := 0; w <= 140; w++ {
			for _, h := range []int{0, 1, 2, 3, 8, 40} {
				tb.SetSize(w, h)
				tb.SelectAll()
				for _, sort := range []string{"", "name", "name", "owner"} {
					tb.SortBy(sort)
					// Every row under the cursor at some widths, a stride
					// through the rows at the others (this test is the
					// slowest of the package).
					step := 5
					if w%10 == 0 {
						step = 1
					}
					tb.Home()
					for {
						checkLines(t, tb.View(), w, h, fmt.Sprintf("styles %d w=%d h=%d sort=%s cursor=%d", si, w, h, sort, tb.Cursor()))
						if tb.Cursor() >= tb.Len()-1 {
							break
						}
						tb.MoveBy(step)
					}
				}
				tb.SelectNone()
				checkLines(t, tb.View(), w, h, "unselected")
			}
		}
	}
}

func TestNarrowWidthsDoNotPanic(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetRows(hostileDevices())
	for w := -1; w <= 25; w++ {
		for h := -1; h <= 5; h++ {
			tb.SetSize(w, h)
			out := tb.View()
			checkLines(t, out, max(w, 0), max(h, 0), fmt.Sprintf("w=%d h=%d", w, h))
			tb.PageDown()
			tb.ScrollBy(3)
			tb.RowAt(1)
			tb.ColumnAt(3)
		}
	}
	tb.SetSize(20, 10)
	if !strings.Contains(ansi.Strip(tb.View()), "ID") {
		t.Error("20 columns should still show the first column")
	}
}

func TestWideCharsAreNeverSplit(t *testing.T) {
	tb := New(Options[string]{
		Columns: []Column{{Key: "n", Title: "N", Width: 6}},
		ID:      func(s string) string { return s },
		Cells:   func(s string) []string { return []string{s} },
	})
	tb.SetRows([]string{"中文字符串", "ab中文字", "abcdefgh", "中"})
	tb.SetSize(2+1+6, 6)
	lines := strings.Split(ansi.Strip(tb.View()), "\n")
	want := []string{
		"   N     ",
		"›  中文… ", // 中文 (4) + … (1) and the cell left by a half 字
		"   ab中… ",
		"   abcde…",
		"   中    ",
		"  1–4 of…",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got\n%q\nwant\n%q", lines, want)
	}
}

func TestFilterSemantics(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetRows(sampleDevices())
	tb.SetSize(120, 30)
	names := func() []string {
		var out []string
		for _, d := range tb.Rows() {
			out = append(out, d.Name)
		}
		return out
	}
	// Case-insensitive substring over visible cells.
	must(t, tb.SetFilter("KITCHEN"))
	if got := names(); !slices.Equal(got, []string{"Kitchen plug"}) {
		t.Errorf("KITCHEN: %v", got)
	}
	// Any column counts: "张伟" is the owner of every 4th row.
	must(t, tb.SetFilter("张伟"))
	if tb.Len() != 4 {
		t.Errorf("owner filter: %d rows", tb.Len())
	}
	// CJK and the ü survive lowercasing.
	must(t, tb.SetFilter("KÜCHE"))
	if got := names(); !slices.Equal(got, []string{"Küche Steckdose"}) {
		t.Errorf("KÜCHE: %v", got)
	}
	// A match may not span two cells.
	must(t, tb.SetFilter("plug\nplug"))
	if tb.Len() != 0 {
		t.Errorf("cross-cell match: %v", names())
	}
	// ! inverts.
	must(t, tb.SetFilter("!plug"))
	for _, n := range names() {
		if strings.Contains(strings.ToLower(n), "plug") {
			t.Errorf("!plug kept %q", n)
		}
	}
	if tb.Len() == 0 || tb.Len() == tb.Total() {
		t.Errorf("!plug: %d of %d", tb.Len(), tb.Total())
	}
	// Regex, case-insensitive, anchored per cell.
	must(t, tb.SetFilter("/^gateway \\d+$/"))
	if got := names(); !slices.Equal(got, []string{"Gateway 10", "Gateway 9"}) {
		t.Errorf("regex: %v", got)
	}
	must(t, tb.SetFilter("/^1\\.10/")) // firmware column, anchored
	for _, d := range tb.Rows() {
		if d.Firmware != "1.10.0" {
			t.Errorf("anchored regex kept firmware %q", d.Firmware)
		}
	}
	// The closing slash is optional while typing.
	must(t, tb.SetFilter("/kitchen|küche"))
	if tb.Len() != 2 {
		t.Errorf("open regex: %v", names())
	}
	must(t, tb.SetFilter("!/kitchen|küche/"))
	if tb.Len() != tb.Total()-2 {
		t.Errorf("inverted regex: %d", tb.Len())
	}
	// A bad regex is an error and the previous filter stays.
	err := tb.SetFilter("/gate(/")
	var fe *FilterError
	if !errors.As(err, &fe) || fe.Filter != "/gate(/" {
		t.Fatalf("bad regex err = %v", err)
	}
	var se *syntax.Error
	if !errors.As(err, &se) {
		t.Errorf("FilterError should wrap *syntax.Error, got %T", fe.Err)
	}
	if tb.Filter() != "!/kitchen|küche/" || tb.Len() != tb.Total()-2 {
		t.Errorf("bad regex replaced the filter: %q, %d rows", tb.Filter(), tb.Len())
	}
	// Empty, "!" and "//" show everything.
	for _, q := range []string{"", "!", "//", "   "} {
		must(t, tb.SetFilter(q))
		if tb.Len() != tb.Total() {
			t.Errorf("%q: %d of %d", q, tb.Len(), tb.Total())
		}
	}
	// Filter text is the visible text: the status column says "offline".
	must(t, tb.SetFilter("offline"))
	for _, d := range tb.Rows() {
		if d.Online {
			t.Errorf("offline filter kept online %s", d.Name)
		}
	}
	footer := lastLine(tb.View())
	if !strings.Contains(footer, fmt.Sprintf("of %d (filtered from %d)", tb.Len(), tb.Total())) {
		t.Errorf("footer %q", footer)
	}
}

func TestIncrementalFilterMatchesFullScan(t *testing.T) {
	rows := makeDevices(5000)
	inc := newDeviceTable(nil)
	inc.SetRows(rows)
	full := newDeviceTable(nil)
	full.SetRows(rows)
	typed := ""
	for _, r := range "客厅 plug-1" {
		typed += string(r)
		must(t, inc.SetFilter(typed))
		must(t, full.SetFilter(""))
		must(t, full.SetFilter(typed))
		if !slices.Equal(ids(inc.Rows()), ids(full.Rows())) {
			t.Fatalf("%q: incremental %d rows, full %d", typed, inc.Len(), full.Len())
		}
	}
	// Backspace widens again.
	must(t, inc.SetFilter("客厅"))
	must(t, full.SetFilter("客厅"))
	if inc.Len() != full.Len() || inc.Len() == 0 {
		t.Fatalf("after backspace: %d vs %d", inc.Len(), full.Len())
	}
}

func TestSort(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetRows(sampleDevices())
	tb.SetSize(120, 30)

	tb.SortBy("id")
	if got := ids(tb.Rows())[:6]; !slices.Equal(got, []string{"1", "2", "3", "4", "5", "6"}) {
		t.Errorf("numeric sort: %v", got)
	}
	tb.SortBy("id") // toggles
	if k, desc := tb.Sort(); k != "id" || !desc {
		t.Errorf("Sort() = %s %v", k, desc)
	}
	if got := ids(tb.Rows())[:3]; !slices.Equal(got, []string{"100", "55", "14"}) {
		t.Errorf("numeric desc: %v", got)
	}
	if h := firstLine(tb.View()); !strings.Contains(h, "ID ▼") {
		t.Errorf("header lacks the desc marker: %q", h)
	}

	tb.SortBy("name")
	var gw []string
	for _, d := range tb.Rows() {
		if strings.HasPrefix(d.Name, "Gateway") {
			gw = append(gw, d.Name)
		}
	}
	if !slices.Equal(gw, []string{"Gateway 9", "Gateway 10"}) {
		t.Errorf("natural sort: %v", gw)
	}
	if h := firstLine(tb.View()); !strings.Contains(h, "Name ▲") {
		t.Errorf("header lacks the asc marker: %q", h)
	}

	// Firmware: natural order, stable ties in input order, also descending.
	tb.SortBy("firmware")
	var fw []string
	for _, d := range tb.Rows() {
		fw = append(fw, d.Firmware)
	}
	if !slices.IsSortedFunc(fw, compareNatural) || fw[0] != "0.9" || fw[len(fw)-1] != "1.10.0" {
		t.Errorf("firmware: %v", fw)
	}
	checkStable := func(desc bool) {
		t.Helper()
		pos := map[string]int{}
		for i, d := range sampleDevices() {
			pos[deviceID(d)] = i
		}
		rows := tb.Rows()
		for i := 1; i < len(rows); i++ {
			if rows[i].Firmware == rows[i-1].Firmware && pos[deviceID(rows[i])] < pos[deviceID(rows[i-1])] {
				t.Errorf("desc=%v: unstable at %d", desc, i)
			}
		}
	}
	checkStable(false)
	tb.SortBy("firmware")
	checkStable(true)

	// "" restores the given order.
	tb.SortBy("")
	if !slices.Equal(ids(tb.Rows()), ids(sampleDevices())) {
		t.Error("SortBy(\"\") did not restore the input order")
	}
}

func TestCompareNatural(t *testing.T) {
	ordered := []string{"", "-", "a", "A2", "a10", "dev-01", "dev-2", "dev-10", "firmware 1.9", "firmware 1.10", "z", "Ä", "中"}
	for i := 1; i < len(ordered); i++ {
		if c := compareNatural(ordered[i-1], ordered[i]); c >= 0 {
			t.Errorf("compare(%q, %q) = %d, want < 0", ordered[i-1], ordered[i], c)
		}
	}
	cells := []string{"-70", "-5", "0.5", "3", "20", "1e3", "n/a", "N/b"}
	keys := make([]sortKey, len(cells))
	for i, c := range cells {
		keys[i].num, keys[i].isNum = parseNumber(c)
		if !keys[i].isNum {
			keys[i].key = appendNaturalKey(nil, c)
		}
	}
	for i := 1; i < len(keys); i++ {
		if compareKeys(&keys[i-1], &keys[i]) >= 0 {
			t.Errorf("%q should sort before %q", cells[i-1], cells[i])
		}
	}
}

func TestSelectionAndCursorKeptAcrossSetRows(t *testing.T) {
	tb := newDeviceTable(nil)
	rows := makeDevices(200)
	tb.SetRows(rows)
	tb.SetSize(100, 12) // 10 body lines
	tb.SortBy("id")

	tb.SetCursor(5)
	tb.ToggleSelect()
	tb.SetCursor(7)
	tb.ToggleSelect()
	tb.SetCursor(9)
	tb.ToggleSelect()
	tb.SetCursor(30)
	cursorID := tb.CursorID()
	line := cursorLineOnScreen(tb.View())
	sel := ids(tb.Selected())
	if len(sel) != 3 || tb.SelectedCount() != 3 {
		t.Fatalf("selected %v", sel)
	}

	// Refresh: rows shuffled, one selected row gone, five new rows before the
	// cursor (in sort order), one renamed.
	next := slices.Clone(rows)
	slices.Reverse(next)
	gone := sel[1]
	next = slices.DeleteFunc(next, func(d device) bool { return deviceID(d) == gone })
	for i := range 5 {
		next = append(next, device{ID: int64(-1 - i), Name: "new"})
	}
	for i := range next {
		if deviceID(next[i]) == cursorID {
			next[i].Name = "renamed while selected"
		}
	}
	tb.SetRows(next)

	if tb.CursorID() != cursorID {
		t.Errorf("cursor moved to %s, want %s", tb.CursorID(), cursorID)
	}
	if d, _ := tb.CursorRow(); d.Name != "renamed while selected" {
		t.Errorf("cursor row not refreshed: %q", d.Name)
	}
	if got := cursorLineOnScreen(tb.View()); got != line {
		t.Errorf("cursor on screen line %d, was %d", got, line)
	}
	want := []string{sel[0], sel[2]}
	if got := ids(tb.Selected()); !slices.Equal(got, want) {
		t.Errorf("selected after refresh %v, want %v", got, want)
	}
	if !strings.Contains(lastLine(tb.View()), "2 selected") {
		t.Errorf("footer %q", lastLine(tb.View()))
	}
	if k, _ := tb.Sort(); k != "id" {
		t.Error("sort lost on refresh")
	}

	// The cursor row disappears: the cursor stays at its index.
	idx := tb.Cursor()
	tb.SetRows(slices.DeleteFunc(slices.Clone(next), func(d device) bool { return deviceID(d) == cursorID }))
	if tb.Cursor() != idx {
		t.Errorf("cursor index %d, want %d", tb.Cursor(), idx)
	}

	// Filter keeps the cursor row when it still matches.
	tb.SetCursor(0)
	id0 := tb.CursorID()
	must(t, tb.SetFilter(id0))
	if tb.CursorID() != id0 {
		t.Errorf("filter moved the cursor to %q", tb.CursorID())
	}

	tb.SelectNone()
	if tb.SelectedCount() != 0 || tb.Selected() != nil {
		t.Error("SelectNone")
	}
	must(t, tb.SetFilter(""))
	must(t, tb.SetFilter("/^dev-1\\d$/"))
	tb.SelectAll()
	if tb.SelectedCount() != tb.Len() || tb.Len() == 0 {
		t.Errorf("SelectAll selected %d of %d", tb.SelectedCount(), tb.Len())
	}
}

func cursorLineOnScreen(view string) int {
	for i, l := range strings.Split(ansi.Strip(view), "\n") {
		if strings.HasPrefix(l, "›") {
			return i
		}
	}
	return -1
}

func TestCursorMoves(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetSize(80, 12) // 10 body lines
	if tb.Cursor() != -1 {
		t.Error("empty table cursor")
	}
	tb.MoveDown() // no panic on empty
	tb.ToggleSelect()
	if _, ok := tb.CursorRow(); ok {
		t.Error("CursorRow on empty")
	}
	tb.SetRows(makeDevices(95))
	steps := []struct {
		do   func()
		want int
	}{
		{tb.MoveDown, 1}, {tb.MoveUp, 0}, {tb.MoveUp, 0},
		{tb.PageDown, 10}, {tb.PageDown, 20}, {tb.PageUp, 10},
		{tb.HalfPageDown, 15}, {tb.HalfPageUp, 10},
		{tb.End, 94}, {tb.MoveDown, 94}, {tb.PageDown, 94}, {tb.Home, 0}, {tb.PageUp, 0},
	}
	for i, s := range steps {
		s.do()
		if tb.Cursor() != s.want {
			t.Fatalf("step %d: cursor %d, want %d", i, tb.Cursor(), s.want)
		}
		if c := cursorLineOnScreen(tb.View()); c < 1 || c > 10 {
			t.Fatalf("step %d: cursor off screen (line %d)", i, c)
		}
	}
	tb.End()
	if f := lastLine(tb.View()); !strings.Contains(f, "86–95 of 95") {
		t.Errorf("footer at end %q", f)
	}
	if !tb.SetCursorByID("42") || tb.CursorID() != "42" {
		t.Error("SetCursorByID")
	}
	must(t, tb.SetFilter("dev-1"))
	if tb.SetCursorByID("42") {
		t.Error("SetCursorByID found a filtered-out row")
	}
	if tb.SetCursorByID("nope") {
		t.Error("SetCursorByID found a missing row")
	}
}

func TestMouseHelpers(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetRows(makeDevices(50))
	tb.SetSize(100, 12)
	if _, ok := tb.RowAt(0); ok {
		t.Error("RowAt(header)")
	}
	if d, ok := tb.RowAt(1); !ok || deviceID(d) != "0" {
		t.Errorf("RowAt(1) = %v %v", d.ID, ok)
	}
	if _, ok := tb.RowAt(11); ok {
		t.Error("RowAt(footer)")
	}
	tb.ScrollBy(5)
	if d, _ := tb.RowAt(1); deviceID(d) != "5" {
		t.Errorf("after ScrollBy(5) top row %d", d.ID)
	}
	if tb.Cursor() != 5 {
		t.Errorf("cursor dragged to %d, want 5", tb.Cursor())
	}
	tb.ScrollBy(1000)
	if d, _ := tb.RowAt(10); deviceID(d) != "49" {
		t.Errorf("scrolled past the end: bottom row %d", d.ID)
	}
	tb.ScrollBy(-1000)
	if d, _ := tb.RowAt(1); deviceID(d) != "0" {
		t.Errorf("scrolled before the start: %d", d.ID)
	}
	// ColumnAt: the ID column starts after the 2-cell gutter.
	for x, want := range map[int]string{2: "id", 9: "id", 10: "physical"} {
		if k, ok := tb.ColumnAt(x); !ok || k != want {
			t.Errorf("ColumnAt(%d) = %q, want %q", x, k, want)
		}
	}
	if _, ok := tb.ColumnAt(0); ok {
		t.Error("ColumnAt(gutter)")
	}
}

func TestUnchangedRowsKeepTheirCachedLine(t *testing.T) {
	tb := newDeviceTable(nil)
	rows := makeDevices(100)
	tb.SetRows(rows)
	tb.SetSize(120, 40)
	tb.SetCursor(20)
	before := strings.Split(tb.View(), "\n")

	changed := slices.Clone(rows)
	changed[3].Name = "changed"
	tb.SetRows(changed)
	after := strings.Split(tb.View(), "\n")
	for i := 1; i < len(before)-1; i++ {
		same := unsafe.StringData(before[i]) == unsafe.StringData(after[i])
		if i == 4 { // row 3 is body line 4
			if same || !strings.Contains(after[i], "changed") {
				t.Errorf("changed row not re-rendered")
			}
			continue
		}
		if before[i] != after[i] {
			t.Errorf("line %d differs", i)
		}
	}
	// Cached strings are reused by the line cache, not rebuilt.
	var r0 = tb.rows[0]
	c1 := tb.cache[r0.ver].s
	tb.SetRows(changed)
	_ = tb.View()
	if c2 := tb.cache[tb.rows[0].ver].s; unsafe.StringData(c1) != unsafe.StringData(c2) {
		t.Error("an unchanged row was rendered again after SetRows")
	}
	if unsafe.StringData(tb.rows[0].text) != unsafe.StringData(r0.text) || tb.lowerOf(0) != strings.ToLower(r0.text) {
		t.Error("an unchanged row's prepared text was rebuilt")
	}
}

func TestToneColoursCells(t *testing.T) {
	st := themes.DefaultStyles(true)
	tb := newDeviceTable(st)
	tb.SetRows(sampleDevices())
	tb.SetSize(120, 10)
	tb.SetCursor(3)
	out := tb.View()
	okSGR := tb.sgr.tones[ToneOK]
	if okSGR == "" || !strings.Contains(out, okSGR+"online") {
		t.Errorf("status cell not toned")
	}
	cursorLine := strings.Split(out, "\n")[4]
	if strings.Contains(cursorLine, okSGR) || !strings.HasPrefix(cursorLine, tb.sgr.cursor) {
		t.Errorf("cursor line should use the selection colours only: %q", cursorLine)
	}
}

func TestSetColumnsAndCell(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetRows(sampleDevices())
	tb.SetSize(60, 8)
	tb.SortBy("owner")
	tb.SetColumns(deviceColumns[:3])
	if k, _ := tb.Sort(); k != "" {
		t.Errorf("sort on a removed column kept: %q", k)
	}
	tb.SortBy("name")
	checkLines(t, tb.View(), 60, 8, "3 columns")
	if v, ok := tb.Cell("10", "name"); !ok || v != "Kitchen plug" {
		t.Errorf("Cell = %q %v", v, ok)
	}
	if _, ok := tb.Cell("10", "owner"); ok {
		t.Error("Cell of a removed column")
	}
	// Cells returning too few or too many values.
	short := New(Options[int]{
		Columns: deviceColumns[:3],
		ID:      func(i int) string { return fmt.Sprint(i) },
		Cells: func(i int) []string {
			return slices.Repeat([]string{"x"}, i)
		},
	})
	short.SetRows([]int{0, 1, 5})
	short.SetSize(50, 5)
	checkLines(t, short.View(), 50, 5, "short cells")
	// No columns at all is odd but must not break.
	none := New(Options[int]{ID: func(i int) string { return fmt.Sprint(i) }, Cells: func(int) []string { return nil }})
	none.SetRows([]int{1, 2, 3})
	none.SortBy("x")
	must(t, none.SetFilter("1"))
	none.SetSize(30, 5)
	checkLines(t, none.View(), 30, 5, "no columns")
}

func TestNewPanicsWithoutFuncs(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without ID did not panic")
		}
	}()
	New(Options[int]{})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func firstLine(view string) string { return strings.Split(ansi.Strip(view), "\n")[0] }

func lastLine(view string) string {
	lines := strings.Split(ansi.Strip(view), "\n")
	return lines[len(lines)-1]
}

func TestRegexFilterEqualsRowByRowMatch(t *testing.T) {
	rows := makeDevices(3000)
	for i, n := range []string{"ſensor long s", "\u212Aelvin plug", "µ-meter", "STRASSE straße", "dev-1x", "Dev-12"} {
		rows = append(rows, device{ID: int64(10000 + i), Name: n})
	}
	tb := newDeviceTable(nil)
	tb.SetRows(rows)
	tb.SortBy("name")
	for _, expr := range []string{
		`^dev-1\d+$`, `plug-2`, `sensor`, `kelvin`, `(dev)-(1)`, `μ-meter`, `strasse`, `straße`,
		`kitchen|plug`, `\d{3}`, `^客厅`, `ev-1x`, `example\.com$`,
	} {
		for _, inv := range []string{"", "!"} {
			q := inv + "/" + expr + "/"
			must(t, tb.SetFilter(q))
			re := regexp.MustCompile("(?im)" + expr)
			var want []string
			for _, i := range tb.order {
				if re.MatchString(tb.rows[i].text) != (inv == "!") {
					want = append(want, tb.rows[i].id)
				}
			}
			if got := ids(tb.Rows()); !slices.Equal(got, want) {
				t.Errorf("%s: %d rows, want %d (literal %q)", q, len(got), len(want), tb.match.text)
			}
		}
	}
	if lit := requiredLiteral(`^dev-1\d+$`); lit != "dev-1" {
		t.Errorf("requiredLiteral = %q", lit)
	}
	if lit := requiredLiteral(`sensor`); lit != "" {
		t.Errorf("a literal with s must not be used (ſ folds to s): %q", lit)
	}
}

// naturalOracle is the natural order written the obvious way, two strings
// walked side by side; the sort's byte encoding must agree with it.
func naturalOracle(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			da, db := trimZeros(a[si:i]), trimZeros(b[sj:j])
			if len(da) != len(db) {
				return cmpInt(len(da), len(db))
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a[i:])
		rb, sb := utf8.DecodeRuneInString(b[j:])
		if la, lb := unicode.ToLower(ra), unicode.ToLower(rb); la != lb {
			return cmpInt(int(la), int(lb))
		}
		i += sa
		j += sb
	}
	return cmpInt(len(a)-i, len(b)-j)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestNaturalKeyAgreesWithOracle(t *testing.T) {
	parts := []string{"", "a", "B", "z", "-", " ", ".", "/", ":", "0", "00", "007", "1", "9", "10", "99", "100", "中", "Ä", "ä", "é", "ẞ", "~", "dev-", "1.10", "1.9"}
	var strs []string
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range []string{"", "x", "2", "中"} {
				strs = append(strs, a+b+c)
			}
		}
	}
	for _, a := range strs {
		for _, b := range strs {
			if got, want := compareNatural(a, b), naturalOracle(a, b); got != want {
				t.Fatalf("compare(%q, %q) = %d, oracle %d", a, b, got, want)
			}
		}
	}
}

func TestCursorReturnsAfterAFilterMatchedNothing(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetRows(makeDevices(300))
	tb.SetSize(80, 12)
	tb.SetCursor(137)
	id := tb.CursorID()
	must(t, tb.SetFilter("no such thing"))
	if tb.Cursor() != -1 || tb.CursorID() != "" {
		t.Errorf("empty view: cursor %d %q", tb.Cursor(), tb.CursorID())
	}
	tb.MoveDown() // must not lose the remembered row
	must(t, tb.SetFilter(""))
	if tb.CursorID() != id {
		t.Errorf("cursor on %q after clearing the filter, want %q", tb.CursorID(), id)
	}
}

func TestScanTextEqualsRowByRow(t *testing.T) {
	tb := newDeviceTable(nil)
	tb.SetRows(append(makeDevices(2000), hostileDevices()...))
	hits := make([]bool, tb.Total())
	for _, needle := range []string{"d", "dev-1", "1", "9", "a", "ac0", "客", "@example.com", "\n", "com\n", "00", "offline\n20", "张伟1", "zzz"} {
		tb.scanText(needle, hits)
		for i := range tb.rows {
			if want := strings.Contains(tb.lowerOf(int32(i)), needle); hits[i] != want {
				t.Fatalf("needle %q row %d: hit %v, want %v", needle, i, hits[i], want)
			}
		}
	}
}
