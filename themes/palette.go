// Package themes holds the console's colours and icons: a semantic palette
// per theme (built-in or from a user file), a Unicode and an ASCII glyph set,
// and Styles, the ready-made lipgloss styles every view draws with.
//
// Views never name a colour: they ask for a role (Faint, Err, Selected …), so
// that a theme file can restyle everything and a light terminal gets a light
// palette without any view knowing.
package themes

import (
	"fmt"
	"image/color"
	"strings"

	"acconsole/internal/suggest"
)

// Palette is the set of colours a theme defines, by role.
type Palette struct {
	Text   color.Color // ordinary text
	Faint  color.Color // secondary text: hints, footers, timestamps
	Accent color.Color // titles, keys in help, the filter prompt
	Border color.Color // box and separator lines

	SelectedFg color.Color // the cursor row
	SelectedBg color.Color

	HeaderFg color.Color // the table header band
	HeaderBg color.Color

	OK      color.Color // online, success
	Warn    color.Color // pending, degraded
	Err     color.Color // failures
	Offline color.Color // offline devices

	// ProductionFg/Bg draw the band that warns the operator that the console
	// is connected to a production cloud; red in every built-in theme.
	ProductionFg color.Color
	ProductionBg color.Color

	Disabled color.Color // actions that exist but are unavailable (read-only)
}

// paletteKey ties a theme-file key to its Palette field. One table serves the
// parser, the completeness check and Keys, so a new role is added in one place.
type paletteKey struct {
	name  string
	field func(*Palette) *color.Color
}

var paletteKeys = []paletteKey{
	{"text", func(p *Palette) *color.Color { return &p.Text }},
	{"faint", func(p *Palette) *color.Color { return &p.Faint }},
	{"accent", func(p *Palette) *color.Color { return &p.Accent }},
	{"border", func(p *Palette) *color.Color { return &p.Border }},
	{"selected_fg", func(p *Palette) *color.Color { return &p.SelectedFg }},
	{"selected_bg", func(p *Palette) *color.Color { return &p.SelectedBg }},
	{"header_fg", func(p *Palette) *color.Color { return &p.HeaderFg }},
	{"header_bg", func(p *Palette) *color.Color { return &p.HeaderBg }},
	{"ok", func(p *Palette) *color.Color { return &p.OK }},
	{"warn", func(p *Palette) *color.Color { return &p.Warn }},
	{"err", func(p *Palette) *color.Color { return &p.Err }},
	{"offline", func(p *Palette) *color.Color { return &p.Offline }},
	{"production_fg", func(p *Palette) *color.Color { return &p.ProductionFg }},
	{"production_bg", func(p *Palette) *color.Color { return &p.ProductionBg }},
	{"disabled", func(p *Palette) *color.Color { return &p.Disabled }},
}

// Keys returns the colour keys a theme file may set, in file order.
func Keys() []string {
	out := make([]string, len(paletteKeys))
	for i, k := range paletteKeys {
		out[i] = k.name
	}
	return out
}

// Get returns the colour for a theme-file key (nil, false for an unknown key).
func (p Palette) Get(key string) (color.Color, bool) {
	for _, k := range paletteKeys {
		if k.name == key {
			return *k.field(&p), true
		}
	}
	return nil, false
}

// Missing lists the keys whose colour is unset.
func (p Palette) Missing() []string {
	var out []string
	for _, k := range paletteKeys {
		if *k.field(&p) == nil {
			out = append(out, k.name)
		}
	}
	return out
}

func lookupKey(name string) (paletteKey, bool) {
	for _, k := range paletteKeys {
		if k.name == name {
			return k, true
		}
	}
	return paletteKey{}, false
}

// ParseError is a problem in a theme file. Line is 1-based; Key is set when
// the problem concerns one key, so a settings screen can point at it.
type ParseError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d: ", e.Line)
	} else if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(e.Msg)
	return b.String()
}

// parsed is what a theme file says, before a base theme fills the gaps.
type parsed struct {
	palette Palette
	base    string // "" when the file names none
	set     map[string]bool
}

// parseTheme reads the `key = "#rrggbb"` format: one assignment per line,
// blank lines and lines starting with # ignored, a # after the closing quote
// starts a comment. The special key `base` names a built-in theme whose
// colours fill the keys the file leaves out. It is strict about everything
// else (unknown and repeated keys, malformed colours) because a typo that
// silently falls back to a default colour is hard for a user to notice.
func parseTheme(file string, src string) (parsed, error) {
	p := parsed{set: map[string]bool{}}
	seen := map[string]int{}
	for i, line := range strings.Split(src, "\n") {
		n := i + 1
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			return p, &ParseError{File: file, Line: n, Msg: fmt.Sprintf("expected key = \"#rrggbb\", got %q", line)}
		}
		key := strings.ToLower(strings.TrimSpace(line[:eq]))
		if key == "" {
			return p, &ParseError{File: file, Line: n, Msg: "missing key before ="}
		}
		value, err := parseQuoted(strings.TrimSpace(line[eq+1:]))
		if err != nil {
			return p, &ParseError{File: file, Line: n, Key: key, Msg: fmt.Sprintf("%s: %v", key, err)}
		}
		if prev, dup := seen[key]; dup {
			return p, &ParseError{File: file, Line: n, Key: key, Msg: fmt.Sprintf("%s: already set on line %d", key, prev)}
		}
		seen[key] = n
		if key == "base" {
			p.base = value
			continue
		}
		k, ok := lookupKey(key)
		if !ok {
			msg := fmt.Sprintf("unknown key %q", key)
			if s := suggestKey(key); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return p, &ParseError{File: file, Line: n, Key: key, Msg: msg}
		}
		c, err := parseHexColor(value)
		if err != nil {
			return p, &ParseError{File: file, Line: n, Key: key, Msg: fmt.Sprintf("%s: %v", key, err)}
		}
		*k.field(&p.palette) = c
		p.set[key] = true
	}
	return p, nil
}

// parseQuoted takes `"value"` optionally followed by a # comment.
func parseQuoted(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' {
		return "", fmt.Errorf("value must be in double quotes, like \"#1a2b3c\", got %q", s)
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", fmt.Errorf("missing closing quote in %s", s)
	}
	value, rest := s[1:1+end], strings.TrimSpace(s[2+end:])
	if rest != "" && rest[0] != '#' {
		return "", fmt.Errorf("unexpected %q after the value", rest)
	}
	return value, nil
}

// parseHexColor accepts exactly #rrggbb: short forms and names are refused so
// that every theme file means the same colour on every terminal.
func parseHexColor(s string) (color.Color, error) {
	if len(s) != 7 || s[0] != '#' {
		return nil, fmt.Errorf("colour must look like \"#rrggbb\", got %q", s)
	}
	var v [3]uint8
	for i := range 3 {
		hi, ok1 := hexDigit(s[1+2*i])
		lo, ok2 := hexDigit(s[2+2*i])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("colour must look like \"#rrggbb\", got %q", s)
		}
		v[i] = hi<<4 | lo
	}
	return color.RGBA{R: v[0], G: v[1], B: v[2], A: 0xff}, nil
}

func hexDigit(c byte) (uint8, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// suggestKey returns the known key a misspelt one most likely means, or "".
func suggestKey(key string) string {
	names := make([]string, len(paletteKeys))
	for i, k := range paletteKeys {
		names[i] = k.name
	}
	return suggest.Closest(key, names)
}
