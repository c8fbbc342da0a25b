package themes

import (
	"image/color"
	"math"

	"charm.land/lipgloss/v2"
)

// Styles are the ready-made styles of one theme and glyph set. They are built
// once (at start and when the theme or the terminal background changes) and
// shared by pointer: building lipgloss styles inside View would cost on every
// message, since Bubble Tea v2 renders after each one.
type Styles struct {
	Theme   Theme
	Palette Palette
	Glyphs  Glyphs

	Text   lipgloss.Style
	Faint  lipgloss.Style
	Accent lipgloss.Style
	Title  lipgloss.Style // page and dialog titles
	Bold   lipgloss.Style

	Header lipgloss.Style // table header band
	// WriteHeader is the console's header line while write mode is on.
	WriteHeader lipgloss.Style
	Selected    lipgloss.Style // cursor row
	Marked      lipgloss.Style // multi-selected rows

	OK       lipgloss.Style
	Warn     lipgloss.Style
	Err      lipgloss.Style
	Offline  lipgloss.Style
	Disabled lipgloss.Style

	// Production is the full-width red band shown while connected to a
	// production cloud.
	Production lipgloss.Style

	HelpKey  lipgloss.Style // "enter" in the help line
	HelpDesc lipgloss.Style // "open" in the help line

	BorderFg lipgloss.Style // separator lines drawn by hand
	Dialog   lipgloss.Style // bordered overlay dialogs
	Prompt   lipgloss.Style // the ":" or "/" before an input
}

// NewStyles builds the styles for a theme and glyph set.
func NewStyles(t Theme, g Glyphs) *Styles {
	p := t.Palette
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	s := &Styles{Theme: t, Palette: p, Glyphs: g}

	s.Text = fg(p.Text)
	s.Faint = fg(p.Faint)
	s.Accent = fg(p.Accent)
	s.Title = fg(p.Accent).Bold(true)
	s.Bold = fg(p.Text).Bold(true)

	s.Header = lipgloss.NewStyle().Foreground(p.HeaderFg).Background(p.HeaderBg).Bold(true)
	s.Selected = lipgloss.NewStyle().Foreground(p.SelectedFg).Background(p.SelectedBg)
	s.Marked = fg(p.Accent).Bold(true)

	s.OK = fg(p.OK)
	s.Warn = fg(p.Warn)
	s.Err = fg(p.Err)
	s.Offline = fg(p.Offline)
	s.Disabled = fg(p.Disabled)

	// Write mode: the header in the warning colour. The warning colour is
	// a foreground colour in every palette, so it becomes the band and the
	// text takes whichever of the header's colours reads best on it
	// (yellow text on a white header was unreadable).
	s.WriteHeader = lipgloss.NewStyle().Foreground(Legible(p.Warn, p.HeaderFg, p.HeaderBg, p.Text)).Background(p.Warn).Bold(true)

	s.Production = lipgloss.NewStyle().Foreground(p.ProductionFg).Background(p.ProductionBg).Bold(true)

	s.HelpKey = fg(p.Accent)
	s.HelpDesc = fg(p.Faint)

	s.BorderFg = fg(p.Border)
	s.Dialog = lipgloss.NewStyle().Border(g.Border).BorderForeground(p.Accent).Padding(0, 1)
	s.Prompt = fg(p.Accent).Bold(true)
	return s
}

// DefaultStyles is NewStyles for PickDefault(isDark) with Unicode glyphs.
func DefaultStyles(isDark bool) *Styles {
	return NewStyles(PickDefault(isDark), UnicodeGlyphs())
}

// Contrast is the WCAG 2 contrast ratio of two colours, from 1 (same) to
// 21 (black on white).
func Contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG 2's relative luminance of an sRGB colour.
func luminance(c color.Color) float64 {
	if c == nil {
		return 0
	}
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// Legible picks, of the candidates, the colour that reads best on bg; pure
// black or white when none reaches WCAG's 4.5:1 for normal text.
func Legible(bg color.Color, candidates ...color.Color) color.Color {
	var best color.Color
	bestC := 0.0
	for _, c := range candidates {
		if c == nil {
			continue
		}
		if k := Contrast(c, bg); k > bestC {
			best, bestC = c, k
		}
	}
	if bestC >= 4.5 {
		return best
	}
	black, white := color.Color(color.Black), color.Color(color.White)
	if Contrast(black, bg) >= Contrast(white, bg) {
		return black
	}
	return white
}
