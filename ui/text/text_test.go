package text

import (
	"strings"
	"testing"
)

// Widths are counted by hand from the Unicode tables: CJK ideographs are
// East Asian Wide (2 cells), an emoji ZWJ sequence is one grapheme shown
// as one emoji (2 cells), a combining mark adds nothing to its base.
const (
	family = "👩\u200d👩\u200d👧\u200d👦" // one grapheme, 2 cells
	cjkFam = "设备" + family            // 2+2+2 = 6 cells, 2+7 runes
	accent = "Cafe\u0301"             // "Café" written with a combining acute: 4 cells, 5 runes
)

func TestWidthHandMadeFixtures(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"lamp", 4},
		{"设备", 4},
		{family, 2},
		{cjkFam, 6},
		{accent, 4},
		{"a\tb", 3},                    // a tab is drawn as one space
		{"\x1b[31mred\x1b[0m", 3},      // SGR takes no cells
		{"\x1b]0;evil title\x07ok", 2}, // an OSC title change is dropped
		{"bell\x07", 4},                // other controls are dropped
		{"\x1b[2J\x1b[Hhome", 4},       // cursor moves are dropped
		{"\u00e9t\u00e9", 3},           // precomposed letters
		{"🇨🇳", 2},                      // a flag: two regional indicators, one grapheme
		{"e\u0301\u0301\u0301", 1},     // stacked combining marks
	} {
		if got := Width(c.s); got != c.want {
			t.Errorf("Width(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

func TestClipNeverSplitsAGrapheme(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{cjkFam, 6, cjkFam}, // fits exactly
		{cjkFam, 5, "设备…"},  // the family does not fit with the mark: cut before it
		{cjkFam, 4, "设…"},   // 设 + … = 3 cells; 备 would make 5
		{cjkFam, 1, "…"},
		{cjkFam, 0, ""},
		{family + "x", 2, "…"},    // never half a family, never a lone 👩
		{accent + "s", 4, "Caf…"}, // the accent goes with its e or not at all
		{accent, 4, accent},
		{"a\tb", 3, "a b"},
		{"x\x1b]0;t\x07yz", 2, "x…"},
	} {
		got := Clip(c.s, c.n)
		if got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
		if Width(got) > c.n {
			t.Errorf("Clip(%q, %d) is %d cells", c.s, c.n, Width(got))
		}
		if strings.Contains(got, "\u200d…") || strings.HasSuffix(strings.TrimSuffix(got, "…"), "\u200d") {
			t.Errorf("Clip(%q, %d) = %q ends inside a ZWJ sequence", c.s, c.n, got)
		}
	}
}

func TestClipKeepsStylesWhole(t *testing.T) {
	s := "\x1b[1mbold text\x1b[0m"
	got := Clip(s, 5)
	if !strings.HasPrefix(got, "\x1b[1m") || Width(got) != 5 || !strings.Contains(got, "bold") {
		t.Errorf("Clip(%q, 5) = %q", s, got)
	}
}

func TestClipLeftKeepsTheEnd(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"users › alice › homes", 30, "users › alice › homes"},
		{"users › alice › homes", 9, "… › homes"},
		{family + "设备", 5, "…设备"},
		{family + "设备", 4, "…备"}, // 设 does not fit whole after the mark
		{"设备" + family, 3, "…" + family},
	} {
		if got := ClipLeft(c.s, c.n); got != c.want {
			t.Errorf("ClipLeft(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

func TestPadAndFitCountCells(t *testing.T) {
	if got := Pad(cjkFam, 8); got != cjkFam+"  " {
		t.Errorf("Pad = %q, want two spaces after 6 cells", got)
	}
	if got := PadLeft("设", 4); got != "  设" {
		t.Errorf("PadLeft = %q", got)
	}
	if got := Pad(accent, 6); got != accent+"  " {
		t.Errorf("Pad(accent) = %q, want two spaces after 4 cells", got)
	}
	for n := 0; n <= 8; n++ {
		if got := Fit(cjkFam+" living room", n); Width(got) != n {
			t.Errorf("Fit(_, %d) = %q, %d cells", n, got, Width(got))
		}
	}
}

func TestWrapByCells(t *testing.T) {
	got := Wrap("设备"+family+"ab", 3)
	want := []string{"设", "备", family + "a", "b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	got = WordWrap("the 设备设备 is "+family+" ok", 5)
	want = []string{"the", "设备", "设备", "is " + family, "ok"} // "is 👩‍👩‍👧‍👦" is 2+1+2 cells
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("WordWrap = %q, want %q", got, want)
	}
	for _, l := range WordWrap("a very long sentence with 中文字符 and "+family+" mixed in", 7) {
		if Width(l) > 7 {
			t.Errorf("line %q is %d cells", l, Width(l))
		}
	}
}

func TestGraphemes(t *testing.T) {
	got := Graphemes("a" + family + "设e\u0301\tb")
	want := []string{"a", family, "设", "e\u0301", " ", "b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Graphemes = %q, want %q", got, want)
	}
}
