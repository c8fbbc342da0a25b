package table

import (
	"image/color"
	"strings"
	"unicode"
	"unicode/utf8"

	"acconsole/models"
	"acconsole/themes"

	"acconsole/ui/text"
	"charm.land/lipgloss/v2"
)

// sgrSet holds the escape sequences a style opens and closes with. They are
// taken once from lipgloss when the styles change; rendering a row is then
// plain string building. Calling Style.Render per row would redo its
// layout work (width, wrapping, padding) for every line of every frame that
// misses the cache.
type sgrSet struct {
	text, cursor, marked, header, faint string
	close                               string
	tones                               [numTones]string

	cursorMark, checkOn, checkOff string // one cell each
	ellipsis                      string
	ellipsisW                     int
}

// sgrOf splits a style's rendering of a sentinel into what comes before and
// after it. Only valid for styles without padding, margins, borders or width,
// which is what the row styles are.
func sgrOf(s lipgloss.Style) (open, close string) {
	const sentinel = "X"
	out := s.Render(sentinel)
	i := strings.Index(out, sentinel)
	if i < 0 {
		return "", ""
	}
	return out[:i], out[i+len(sentinel):]
}

func fgOnly(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }

func newSGRSet(s *themes.Styles) sgrSet {
	var g sgrSet
	var closes []string
	take := func(st lipgloss.Style) string {
		open, cl := sgrOf(st)
		if cl != "" {
			closes = append(closes, cl)
		}
		return open
	}
	g.text = take(s.Text)
	g.cursor = take(s.Selected)
	g.marked = take(s.Marked)
	g.header = take(s.Header)
	g.faint = take(s.Faint)
	// Tones change only the foreground, so a toned cell can go back to its
	// row's style by re-opening it, without a reset in between.
	p := s.Palette
	tones := [numTones]color.Color{
		ToneFaint:    p.Faint,
		ToneAccent:   p.Accent,
		ToneOK:       p.OK,
		ToneWarn:     p.Warn,
		ToneErr:      p.Err,
		ToneOffline:  p.Offline,
		ToneDisabled: p.Disabled,
	}
	for tn, c := range tones {
		if c != nil {
			g.tones[tn] = take(fgOnly(c))
		}
	}
	if len(closes) > 0 {
		g.close = closes[0]
	}
	// Custom glyph sets may not honour the one-cell rule; force it, the
	// gutter is two cells.
	oneCell := func(s, fallback string) string {
		if text.Width(s) != 1 {
			return fallback
		}
		return s
	}
	gl := s.Glyphs
	g.cursorMark = oneCell(gl.Cursor, ">")
	g.checkOn = oneCell(gl.CheckOn, "x")
	g.checkOff = oneCell(gl.CheckOff, " ")
	g.ellipsis = oneCell(gl.Ellipsis, "~")
	g.ellipsisW = 1
	return g
}

const spaces = "                                                                                                                                "

func writeSpaces(b *strings.Builder, n int) {
	for n > len(spaces) {
		b.WriteString(spaces)
		n -= len(spaces)
	}
	if n > 0 {
		b.WriteString(spaces[:n])
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// writeCell writes s into exactly w cells: truncated with the ellipsis when
// too wide (never splitting a wide character; a gap it leaves is padded),
// padded according to align when narrow.
func writeCell(b *strings.Builder, s string, w int, align Align, ascii bool, ell string, ellW int) {
	if w <= 0 {
		return
	}
	var sw int
	if ascii {
		sw = len(s)
	} else {
		sw = text.Width(s)
	}
	if sw > w {
		if w <= ellW {
			writeSpaces(b, w-ellW)
			b.WriteString(ell)
			return
		}
		if ascii {
			b.WriteString(s[:w-ellW])
			b.WriteString(ell)
			return
		}
		s = text.ClipWith(s, w, ell)
		sw = text.Width(s)
		// A wide character that did not fit leaves a one-cell gap: pad it
		// after the ellipsis, where it reads as part of the column gap.
		b.WriteString(s)
		writeSpaces(b, w-sw)
		return
	}
	pad := w - sw
	switch align {
	case AlignRight:
		writeSpaces(b, pad)
		b.WriteString(s)
	case AlignCenter:
		writeSpaces(b, pad/2)
		b.WriteString(s)
		writeSpaces(b, pad-pad/2)
	default:
		b.WriteString(s)
		writeSpaces(b, pad)
	}
}

// cleanCell makes a cell safe to lay out. Strings from the API are sanitised
// already; this guards the table's own promise (every line exactly the table
// width) against callers that pass something else: control characters and
// escapes are scrubbed, and characters that would join the padding or the
// column gap into one grapheme (a leading combining mark or variation
// selector, a trailing zero-width joiner or prepend mark) are dropped, since
// a cell measured alone would then not measure the same inside the line.
func cleanCell(s string) string {
	if needsScrub(s) {
		s = models.SanitizeLine(s)
	}
	if isASCII(s) {
		return s
	}
	for s != "" {
		r, size := utf8.DecodeRuneInString(s)
		if !joinsPrevious(r) {
			break
		}
		s = s[size:]
	}
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		if !joinsNext(r) {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

func needsScrub(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20 || c == 0x7f:
			return true
		case c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f: // C1 controls
			return true
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] >= 0xaa && s[i+2] <= 0xae: // U+202A–202E
			return true
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x81 && s[i+2] >= 0xa6 && s[i+2] <= 0xa9: // U+2066–2069
			return true
		}
	}
	return false
}

// joinsPrevious: characters that extend the grapheme before them.
func joinsPrevious(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf) ||
		(r >= 0x1f3fb && r <= 0x1f3ff) // emoji skin-tone modifiers
}

// joinsNext: characters that extend into the grapheme after them.
func joinsNext(r rune) bool {
	if unicode.Is(unicode.Cf, r) {
		return true // ZWJ, and the Arabic prepended number signs U+0600–0605
	}
	switch {
	case r == 0x06dd || r == 0x070f || r == 0x0890 || r == 0x0891 || r == 0x08e2,
		r == 0x110bd || r == 0x110cd || r == 0x111c2 || r == 0x111c3,
		r == 0x1193f || r == 0x11941 || r == 0x11a3a || (r >= 0x11a84 && r <= 0x11a89) || r == 0x11d46:
		return true
	}
	return false
}
