package themes

import (
	"errors"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestBuiltinsSetEveryColourExplicitly(t *testing.T) {
	names := BuiltinNames()
	if want := []string{"dark", "high-contrast", "light"}; !slices.Equal(names, want) {
		t.Fatalf("BuiltinNames = %v, want %v", names, want)
	}
	for _, name := range names {
		// Parse the embedded file itself: a built-in must not lean on a base.
		src, err := builtinFS.ReadFile("builtin/" + name + FileExt)
		if err != nil {
			t.Fatal(err)
		}
		p, err := parseTheme(name, string(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.base != "" {
			t.Errorf("%s: built-ins must not use base", name)
		}
		for _, k := range Keys() {
			if !p.set[k] {
				t.Errorf("%s: %s not set", name, k)
			}
		}
		th, ok := Builtin(name)
		if !ok {
			t.Fatalf("Builtin(%q) missing", name)
		}
		if m := th.Palette.Missing(); len(m) > 0 {
			t.Errorf("%s: missing %v", name, m)
		}
		// Reflection guards against a Palette field added without a key.
		v := reflect.ValueOf(th.Palette)
		for i := range v.NumField() {
			if v.Field(i).IsNil() {
				t.Errorf("%s: field %s nil", name, v.Type().Field(i).Name)
			}
		}
		if v.NumField() != len(Keys()) {
			t.Errorf("Palette has %d fields but %d keys", v.NumField(), len(Keys()))
		}
	}
}

func TestProductionBandIsRedEverywhere(t *testing.T) {
	for _, name := range BuiltinNames() {
		th, _ := Builtin(name)
		r, g, b, _ := th.Palette.ProductionBg.RGBA()
		if r>>8 < 0xa0 || g>>8 > 0x40 || b>>8 > 0x40 {
			t.Errorf("%s: production_bg %v is not red", name, th.Palette.ProductionBg)
		}
	}
}

func TestPickDefault(t *testing.T) {
	if th := PickDefault(true); th.Name != "dark" || !th.Dark {
		t.Errorf("PickDefault(true) = %s dark=%v", th.Name, th.Dark)
	}
	if th := PickDefault(false); th.Name != "light" || th.Dark {
		t.Errorf("PickDefault(false) = %s dark=%v", th.Name, th.Dark)
	}
}

func writeTheme(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name+FileExt)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func rgb(c color.Color) [3]uint8 {
	r, g, b, _ := c.RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

func TestLoadBuiltinWithoutUserDir(t *testing.T) {
	for _, name := range BuiltinNames() {
		th, err := Load(name, "")
		if err != nil {
			t.Fatalf("Load(%q): %v", name, err)
		}
		if th.Name != name || th.Path != "" {
			t.Errorf("Load(%q) = %+v", name, th)
		}
	}
	// A missing user directory is the normal case, not an error.
	if _, err := Load("dark", filepath.Join(t.TempDir(), "nope")); err != nil {
		t.Fatal(err)
	}
}

func TestLoadUserFileFillsFromBase(t *testing.T) {
	dir := t.TempDir()
	path := writeTheme(t, dir, "ocean", `
# my theme
base   = "light"
accent = "#00AAFF"   # trailing comment
  err  = "#aa0000"
`)
	th, err := Load("ocean", dir)
	if err != nil {
		t.Fatal(err)
	}
	light, _ := Builtin("light")
	if th.Path != path || th.Name != "ocean" || th.Dark {
		t.Errorf("theme = %+v", th)
	}
	if got := rgb(th.Palette.Accent); got != [3]uint8{0, 0xaa, 0xff} {
		t.Errorf("accent = %v", got)
	}
	if got := rgb(th.Palette.Err); got != [3]uint8{0xaa, 0, 0} {
		t.Errorf("err = %v", got)
	}
	if rgb(th.Palette.Text) != rgb(light.Palette.Text) {
		t.Errorf("text not inherited from light")
	}
	if len(th.Palette.Missing()) != 0 {
		t.Errorf("missing %v", th.Palette.Missing())
	}
}

func TestLoadUserFileDefaultsToDarkBase(t *testing.T) {
	dir := t.TempDir()
	writeTheme(t, dir, "mine", "ok = \"#010203\"\n")
	th, err := Load("mine", dir)
	if err != nil {
		t.Fatal(err)
	}
	dark, _ := Builtin("dark")
	if !th.Dark || rgb(th.Palette.Text) != rgb(dark.Palette.Text) || rgb(th.Palette.OK) != [3]uint8{1, 2, 3} {
		t.Errorf("theme = %+v", th)
	}
}

func TestUserFileOverridesBuiltinOfSameName(t *testing.T) {
	dir := t.TempDir()
	writeTheme(t, dir, "dark", "text = \"#123456\"\n")
	th, err := Load("dark", dir)
	if err != nil {
		t.Fatal(err)
	}
	if rgb(th.Palette.Text) != [3]uint8{0x12, 0x34, 0x56} || th.Path == "" {
		t.Errorf("user dark not used: %+v", th)
	}
}

func TestLoadErrorsCarryLineAndKey(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		key       string
		contains  string
	}{
		{"unknown", "# c\ntext = \"#ffffff\"\ntxet = \"#000000\"\n", 3, "txet", `unknown key "txet" (did you mean "text"?)`},
		{"unknown-far", "\n\nbananas = \"#000000\"\n", 3, "bananas", `unknown key "bananas"`},
		{"bad-colour", "text = \"#fff\"\n", 1, "text", `"#rrggbb"`},
		{"bad-hex", "ok = \"#gg0000\"\n", 1, "ok", `"#rrggbb"`},
		{"unquoted", "faint = #101010\n", 1, "faint", "double quotes"},
		{"no-close", "faint = \"#101010\n", 1, "faint", "closing quote"},
		{"junk-after", "faint = \"#101010\" x\n", 1, "faint", "unexpected"},
		{"no-equals", "text\n", 1, "", "expected key"},
		{"dup", "warn = \"#101010\"\n\nwarn = \"#202020\"\n", 3, "warn", "already set on line 1"},
		{"empty-key", " = \"#101010\"\n", 1, "", "missing key"},
		{"crlf", "text = \"#ffffff\"\r\noops = \"#000000\"\r\n", 2, "oops", "unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeTheme(t, dir, "bad", c.src)
			_, err := Load("bad", dir)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			if pe.Line != c.line || pe.Key != c.key || pe.File != path {
				t.Errorf("got line %d key %q file %q, want line %d key %q", pe.Line, pe.Key, pe.File, c.line, c.key)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.contains) {
				t.Errorf("message %q lacks %q", msg, c.contains)
			}
			if prefix := path + ":" + strconv.Itoa(c.line) + ": "; !strings.HasPrefix(msg, prefix) {
				t.Errorf("message %q does not start with %q", msg, prefix)
			}
		})
	}
}

func TestLoadBadBase(t *testing.T) {
	dir := t.TempDir()
	writeTheme(t, dir, "child", "base = \"parent\"\n")
	writeTheme(t, dir, "parent", "text = \"#101010\"\n")
	_, err := Load("child", dir)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Key != "base" || !strings.Contains(err.Error(), "not a built-in") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadUnknownAndInvalidNames(t *testing.T) {
	dir := t.TempDir()
	writeTheme(t, dir, "mine", "")
	_, err := Load("solarized", dir)
	if !errors.Is(err, ErrUnknownTheme) || !strings.Contains(err.Error(), "ascii, dark, high-contrast, light, mine") {
		t.Errorf("err = %v", err)
	}
	for _, bad := range []string{"../etc/passwd", "a/b", "a.b", strings.Repeat("x", 65)} {
		if _, err := Load(bad, dir); err == nil || errors.Is(err, ErrUnknownTheme) {
			t.Errorf("Load(%q) err = %v, want a name error", bad, err)
		}
	}
	// An empty user file is a valid theme: all of dark.
	if _, err := Load("mine", dir); err != nil {
		t.Error(err)
	}
}

func TestNames(t *testing.T) {
	dir := t.TempDir()
	writeTheme(t, dir, "zeta", "")
	writeTheme(t, dir, "dark", "") // overrides, listed once
	_ = os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o600)
	_ = os.Mkdir(filepath.Join(dir, "dir"+FileExt), 0o700)
	got := Names(dir)
	want := []string{"ascii", "dark", "high-contrast", "light", "zeta"}
	if !slices.Equal(got, want) {
		t.Errorf("Names = %v, want %v", got, want)
	}
	if got := Names(""); !slices.Equal(got, []string{"ascii", "dark", "high-contrast", "light"}) {
		t.Errorf("Names(\"\") = %v", got)
	}
}

func glyphStrings(g Glyphs) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(g)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.String {
			out[v.Type().Field(i).Name] = f.String()
		}
	}
	b := reflect.ValueOf(g.Border)
	for i := range b.NumField() {
		out["Border."+b.Type().Field(i).Name] = b.Field(i).String()
	}
	return out
}

func TestGlyphSets(t *testing.T) {
	for _, ascii := range []bool{false, true} {
		g := GlyphSet(ascii)
		if g.ASCII != ascii {
			t.Fatalf("GlyphSet(%v).ASCII = %v", ascii, g.ASCII)
		}
		for name, s := range glyphStrings(g) {
			if w := lipgloss.Width(s); w != 1 {
				t.Errorf("ascii=%v %s = %q width %d, want 1", ascii, name, s, w)
			}
			if ascii {
				for _, r := range s {
					if r < 0x20 || r > 0x7e {
						t.Errorf("ASCII glyph %s = %q is not printable ASCII", name, s)
					}
				}
			}
		}
	}
}

func TestStylesUseThePalette(t *testing.T) {
	for _, name := range BuiltinNames() {
		th, _ := Builtin(name)
		s := NewStyles(th, UnicodeGlyphs())
		if s.Selected.GetBackground() != th.Palette.SelectedBg || s.Selected.GetForeground() != th.Palette.SelectedFg {
			t.Errorf("%s: Selected does not use the palette", name)
		}
		if s.Production.GetBackground() != th.Palette.ProductionBg {
			t.Errorf("%s: Production band colour", name)
		}
		if s.Header.GetBackground() != th.Palette.HeaderBg {
			t.Errorf("%s: Header band colour", name)
		}
		if out := s.Err.Render("x"); !strings.Contains(out, "x") || out == "x" {
			t.Errorf("%s: Err.Render = %q, want styled", name, out)
		}
	}
	if s := DefaultStyles(false); s.Theme.Name != "light" {
		t.Errorf("DefaultStyles(false) = %s", s.Theme.Name)
	}
}

func BenchmarkLoadUserTheme(b *testing.B) {
	dir := b.TempDir()
	p := filepath.Join(dir, "u"+FileExt)
	_ = os.WriteFile(p, []byte("base = \"light\"\naccent = \"#00aaff\"\nerr = \"#aa0000\"\n"), 0o600)
	for b.Loop() {
		if _, err := Load("u", dir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewStyles(b *testing.B) {
	th := PickDefault(true)
	g := UnicodeGlyphs()
	for b.Loop() {
		_ = NewStyles(th, g)
	}
}

// contrast is the WCAG contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		lin := func(v uint32) float64 {
			x := float64(v>>8) / 255
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestBuiltinsAreReadable(t *testing.T) {
	for _, name := range BuiltinNames() {
		th, _ := Builtin(name)
		p := th.Palette
		var bg color.Color = color.White
		if th.Dark {
			bg = color.Black
		}
		for key, c := range map[string]color.Color{"text": p.Text, "faint": p.Faint, "accent": p.Accent, "ok": p.OK, "warn": p.Warn, "err": p.Err, "offline": p.Offline} {
			if r := contrast(c, bg); r < 4.5 {
				t.Errorf("%s: %s contrast %.1f on the terminal background", name, key, r)
			}
		}
		for band, pair := range map[string][2]color.Color{"selected": {p.SelectedFg, p.SelectedBg}, "header": {p.HeaderFg, p.HeaderBg}, "production": {p.ProductionFg, p.ProductionBg}} {
			if r := contrast(pair[0], pair[1]); r < 4.5 {
				t.Errorf("%s: %s band contrast %.1f", name, band, r)
			}
		}
	}
}

// With no name, Load lists the themes to choose from (":theme" alone).
func TestLoadWithoutANameListsThemes(t *testing.T) {
	_, err := Load("", "")
	if err == nil || !strings.Contains(err.Error(), "ascii, dark, high-contrast, light") {
		t.Errorf("Load(\"\") err = %v", err)
	}
}

// WCAG 2's own reference points: black on white is 21:1, a colour on
// itself 1:1.
func TestContrastReferencePoints(t *testing.T) {
	black, white := color.Color(color.Black), color.Color(color.White)
	if c := Contrast(black, white); c < 20.99 || c > 21.01 {
		t.Errorf("black on white = %.2f, want 21", c)
	}
	if c := Contrast(white, white); c != 1 {
		t.Errorf("white on white = %.2f, want 1", c)
	}
	// #777777 on white is 4.48:1 (a common worked example of failing AA).
	grey := color.Color(color.RGBA{0x77, 0x77, 0x77, 0xff})
	if c := Contrast(grey, white); c < 4.47 || c > 4.49 {
		t.Errorf("#777 on white = %.3f, want 4.48", c)
	}
}

// Every built-in theme's bands are readable: header, write-mode header,
// production band and the selected row reach WCAG AA (4.5:1).
func TestEveryThemeBandIsLegible(t *testing.T) {
	for _, name := range BuiltinNames() {
		th, _ := Builtin(name)
		st := NewStyles(th, UnicodeGlyphs())
		for _, c := range []struct {
			what string
			s    lipgloss.Style
		}{{"header", st.Header}, {"write-mode header", st.WriteHeader}, {"production", st.Production}, {"selected row", st.Selected}} {
			if k := Contrast(c.s.GetForeground(), c.s.GetBackground()); k < 4.5 {
				t.Errorf("%s: %s contrast %.2f:1, below 4.5:1", name, c.what, k)
			}
		}
	}
}
