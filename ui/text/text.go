// Package text measures, cuts and pads strings in terminal cells, for the
// whole console. A string is measured by grapheme cluster (a family emoji
// joined with zero-width joiners is one character, two cells; a letter and
// its combining accent are one cell; CJK is two cells each), using the same
// width rules as lipgloss (github.com/charmbracelet/x/ansi), so what these
// helpers measure is what the layout measures.
//
// Every helper also takes styled strings: SGR escape sequences (colours,
// bold) are zero cells wide and never cut in half. Other escape sequences
// and control characters have no place on a console line; API strings are
// scrubbed when they are decoded (models.SanitizeLine), and these helpers
// drop whatever is left so that it cannot move the cursor: a tab is drawn
// as one space, every other control character and non-SGR sequence as
// nothing.
package text

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
)

// Ellipsis is the mark Clip puts where it cut text off. It is one and the
// same for every console in the process (an SSH server runs many, each with
// its own theme): the ascii theme turns it into "~" when it draws the
// screen, as it does every other non-ASCII mark.
const Ellipsis = "…"

// Clean drops control characters and escape sequences other than SGR
// (styling) from s, and turns tabs into single spaces. Text without any is
// returned as it is.
func Clean(s string) string {
	if !hasControl(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var state byte
	for len(s) > 0 {
		seq, _, n, st := ansi.DecodeSequence(s, state, nil)
		state = st
		s = s[n:]
		switch {
		case seq == "\t":
			b.WriteByte(' ')
		case isSGR(seq):
			b.WriteString(seq)
		case isControl(seq):
			// dropped
		default:
			b.WriteString(seq)
		}
	}
	return b.String()
}

// hasControl reports whether s holds a C0 control, DEL or a C1 control.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || (c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f) {
			return true
		}
	}
	return false
}

func isSGR(seq string) bool {
	return len(seq) >= 3 && seq[0] == 0x1b && seq[1] == '[' && seq[len(seq)-1] == 'm'
}

func isControl(seq string) bool {
	if seq == "" {
		return true
	}
	c := seq[0]
	return c < 0x20 || c == 0x7f || (c == 0xc2 && len(seq) > 1 && seq[1] >= 0x80 && seq[1] <= 0x9f)
}

// Width is how many cells s takes on screen.
func Width(s string) int { return ansi.StringWidth(Clean(s)) }

// Clip cuts s to at most n cells, ending in the ellipsis when something
// was cut. A wide character that does not fit whole is left out, so the
// result can be one cell narrower than n.
func Clip(s string, n int) string { return ClipWith(s, n, Ellipsis) }

// ClipWith is Clip with its own mark ("" cuts without one).
func ClipWith(s string, n int, tail string) string {
	s = Clean(s)
	if n <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= n {
		return s
	}
	if ansi.StringWidth(tail) > n {
		tail = ""
	}
	return ansi.Truncate(s, n, tail)
}

// ClipLeft cuts s to at most n cells from the left, starting with the
// ellipsis when something was cut: the end of s (a breadcrumb's current
// view, say) stays in sight.
func ClipLeft(s string, n int) string {
	s = Clean(s)
	if n <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w <= n {
		return s
	}
	head := Ellipsis
	hw := ansi.StringWidth(head)
	if hw > n {
		head, hw = "", 0
	}
	// A wide character cut in half is kept whole by TruncateLeft: drop
	// one more cell until the rest fits.
	for k := w - n + hw; ; k++ {
		if out := ansi.TruncateLeft(s, k, head); ansi.StringWidth(out) <= n {
			return out
		}
	}
}

// Pad adds spaces on the right of s up to n cells; a wider s is left as
// it is.
func Pad(s string, n int) string {
	s = Clean(s)
	if w := ansi.StringWidth(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// PadLeft adds spaces on the left of s up to n cells (right alignment).
func PadLeft(s string, n int) string {
	s = Clean(s)
	if w := ansi.StringWidth(s); w < n {
		return strings.Repeat(" ", n-w) + s
	}
	return s
}

// Fit makes s exactly n cells: cut with the ellipsis, then padded.
func Fit(s string, n int) string { return Pad(Clip(s, n), n) }

// Wrap breaks s into lines of at most w cells, between characters (never
// inside a grapheme cluster). A character wider than w gets a line of its
// own.
func Wrap(s string, w int) []string {
	s = Clean(s)
	w = max(w, 1)
	var out []string
	var line strings.Builder
	lw := 0
	var state byte
	for len(s) > 0 {
		seq, cw, n, st := ansi.DecodeSequence(s, state, nil)
		state = st
		s = s[n:]
		if lw > 0 && lw+cw > w {
			out = append(out, line.String())
			line.Reset()
			lw = 0
		}
		line.WriteString(seq)
		lw += cw
	}
	return append(out, line.String())
}

// WordWrap breaks s into lines of at most w cells at spaces; a word wider
// than w is broken between characters.
func WordWrap(s string, w int) []string {
	s = Clean(s)
	w = max(w, 1)
	var out []string
	line, lw := "", 0
	for _, word := range strings.Fields(s) {
		ww := ansi.StringWidth(word)
		if ww > w {
			if line != "" {
				out = append(out, line)
				line, lw = "", 0
			}
			parts := Wrap(word, w)
			out = append(out, parts[:len(parts)-1]...)
			word = parts[len(parts)-1]
			ww = ansi.StringWidth(word)
		}
		switch {
		case line == "":
			line, lw = word, ww
		case lw+1+ww <= w:
			line += " " + word
			lw += 1 + ww
		default:
			out = append(out, line)
			line, lw = word, ww
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// Graphemes splits s into its characters as a reader sees them (grapheme
// clusters): "e" + combining accent is one, a ZWJ family emoji is one.
// Escape sequences and control characters are dropped, tabs become spaces.
func Graphemes(s string) []string {
	s = ansi.Strip(Clean(s))
	var out []string
	state := -1
	for len(s) > 0 {
		var c string
		c, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		out = append(out, c)
	}
	return out
}
