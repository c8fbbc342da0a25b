package themes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Theme is a named palette.
type Theme struct {
	Name string
	// Dark says whether the palette is meant for a dark background; it
	// chooses the bubbles components' own defaults (help, textinput) to match.
	Dark    bool
	Palette Palette
	// Path is the user file the theme came from; empty for built-ins.
	Path string
}

// FileExt is the extension of user theme files.
const FileExt = ".theme"

// DefaultDark and DefaultLight are the names PickDefault chooses between.
const (
	DefaultDark  = "dark"
	DefaultLight = "light"
)

// The built-ins are written in the same format as user files, so the sample
// a user copies is the real thing and the parser is exercised by every run.
//
//go:embed builtin/*.theme
var builtinFS embed.FS

// darkBuiltins says which built-ins are for dark backgrounds; the file format
// carries only colours.
var darkBuiltins = map[string]bool{"dark": true, "light": false, "high-contrast": true}

var builtins = sync.OnceValue(func() map[string]Theme {
	out := map[string]Theme{}
	for name, dark := range darkBuiltins {
		file := "builtin/" + name + FileExt
		src, err := builtinFS.ReadFile(file)
		if err != nil {
			panic(fmt.Sprintf("themes: built-in %s missing: %v", name, err))
		}
		p, err := parseTheme(file, string(src))
		if err != nil {
			panic(fmt.Sprintf("themes: built-in %s: %v", name, err))
		}
		if m := p.palette.Missing(); len(m) > 0 {
			panic(fmt.Sprintf("themes: built-in %s lacks %s", name, strings.Join(m, ", ")))
		}
		out[name] = Theme{Name: name, Dark: dark, Palette: p.palette}
	}
	return out
})

// Builtin returns a built-in theme by name.
func Builtin(name string) (Theme, bool) {
	t, ok := builtins()[name]
	return t, ok
}

// BuiltinNames lists the built-in themes, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(darkBuiltins))
	for n := range darkBuiltins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// PickDefault returns the built-in that suits the terminal background, as
// reported by tea.BackgroundColorMsg.IsDark.
func PickDefault(isDark bool) Theme {
	if isDark {
		t, _ := Builtin(DefaultDark)
		return t
	}
	t, _ := Builtin(DefaultLight)
	return t
}

// ErrUnknownTheme is wrapped by Load when no theme has the name.
var ErrUnknownTheme = errors.New("unknown theme")

// Load finds a theme by name: a user file <userDir>/<name>.theme first (so a
// user may override a built-in by copying it), then the built-ins. userDir may
// be empty or missing. A user file may name a built-in with `base = "light"`;
// keys it leaves out come from that base (dark when it names none).
func Load(name, userDir string) (Theme, error) {
	if name == "" {
		return Theme{}, fmt.Errorf("name a theme: %s", strings.Join(Names(userDir), ", "))
	}
	if !validName(name) {
		return Theme{}, fmt.Errorf("theme name %q: use letters, digits, '-' and '_' only", name)
	}
	if userDir != "" {
		path := filepath.Join(userDir, name+FileExt)
		src, err := os.ReadFile(path)
		switch {
		case err == nil:
			return loadUser(name, path, string(src))
		case !errors.Is(err, fs.ErrNotExist):
			return Theme{}, fmt.Errorf("theme %q: %w", name, err)
		}
	}
	if t, ok := Builtin(name); ok {
		return t, nil
	}
	return Theme{}, fmt.Errorf("%w %q (available: %s)", ErrUnknownTheme, name, strings.Join(Names(userDir), ", "))
}

func loadUser(name, path, src string) (Theme, error) {
	p, err := parseTheme(path, src)
	if err != nil {
		return Theme{}, err
	}
	baseName := p.base
	if baseName == "" {
		baseName = DefaultDark
	}
	// Only built-ins can be a base: it keeps loading one file deep, with no
	// cycles to detect.
	base, ok := Builtin(baseName)
	if !ok {
		return Theme{}, &ParseError{File: path, Key: "base", Msg: fmt.Sprintf("base %q is not a built-in theme (built-ins: %s)", baseName, strings.Join(BuiltinNames(), ", "))}
	}
	pal := base.Palette
	for _, k := range paletteKeys {
		if p.set[k.name] {
			*k.field(&pal) = *k.field(&p.palette)
		}
	}
	return Theme{Name: name, Dark: base.Dark, Palette: pal, Path: path}, nil
}

// ASCII is the name of the theme that draws with ASCII only: the dark
// palette with ASCIIGlyphs. The console chooses the glyphs by this name;
// it is listed with the others so that every list of themes offers it.
const ASCII = "ascii"

// Names lists the themes a user can choose: built-ins, ascii and the user
// files in userDir, sorted, without duplicates. An unreadable userDir contributes
// nothing: a missing directory is the normal case.
func Names(userDir string) []string {
	names := append(BuiltinNames(), ASCII)
	if userDir != "" {
		entries, _ := os.ReadDir(userDir)
		for _, e := range entries {
			n, ok := strings.CutSuffix(e.Name(), FileExt)
			if ok && !e.IsDir() && validName(n) && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names
}

// validName keeps a theme name from reaching outside userDir ("../x").
func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}
