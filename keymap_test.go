package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"acconsole/config"
)

func TestDefaultKeyMapHasNoConflicts(t *testing.T) {
	km, err := buildKeyMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(km.All()) != len(defaultBindings()) {
		t.Fatal("bindings lost")
	}
}

func TestKeyOverridesAndConflicts(t *testing.T) {
	km, err := buildKeyMap(map[string][]string{"rename": {"F2"}, "save": {"Ctrl+S"}})
	if err != nil {
		t.Fatal(err)
	}
	// What a terminal delivers for F2 and ctrl+s must trigger the actions.
	if !km.Is(tea.KeyPressMsg{Code: tea.KeyF2}, "rename") {
		t.Fatalf("F2 does not rename: bound to %q", km.Get("rename").Keys)
	}
	if !km.Is(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}, "save") {
		t.Fatalf("ctrl+s does not save: bound to %q", km.Get("save").Keys)
	}
	if _, err := buildKeyMap(map[string][]string{"rename": {"Hyper+R"}}); err == nil || !strings.Contains(err.Error(), `unknown modifier "hyper"`) {
		t.Fatalf("an unknown modifier: %v", err)
	}
	if _, err := buildKeyMap(map[string][]string{"rename": {"escape"}}); err == nil || !strings.Contains(err.Error(), "is not a key name") {
		t.Fatalf("an unknown key name: %v", err)
	}
	if _, err := buildKeyMap(map[string][]string{"renam": {"x"}}); err == nil || !strings.Contains(err.Error(), `unknown action "renam"`) {
		t.Fatalf("unknown action: %v", err)
	}
	_, err = buildKeyMap(map[string][]string{"refresh": {"q"}})
	if err == nil || !strings.Contains(err.Error(), `key "q" is bound to both`) {
		t.Fatalf("conflict not reported: %v", err)
	}
	// Keys that one page's list and the global keys hold together clash.
	_, err = buildKeyMap(map[string][]string{"pair_open": {"space"}})
	if err == nil || !strings.Contains(err.Error(), "(pairing page)") {
		t.Fatalf("a clash on the pairing page not reported: %v", err)
	}
	_, err = buildKeyMap(map[string][]string{"create": {"o"}})
	if err == nil || !strings.Contains(err.Error(), `key "o" is bound to both sort and create (homes list page)`) {
		t.Fatalf("a clash on list pages not reported: %v", err)
	}
}

// A mistake in the config's [keys] table names the file and line, and the
// action the user most likely meant.
func TestKeysTableErrorsPointAtTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	text := "theme = \"dark\"\n\n[keys]\nrefresh = \"f5\"\nrenam = \"F2\"\npair-open = \"o\"\nzzzzzz = \"z\"\nsave = \"Hyper+S\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = keyMapFromConfig(cfg)
	if err == nil {
		t.Fatal("unknown actions accepted")
	}
	for _, want := range []string{
		path + `:5: [keys] unknown action "renam"; did you mean "rename"?`,
		path + `:6: [keys] unknown action "pair-open"; did you mean "pair_open"?`,
		path + `:7: [keys] unknown action "zzzzzz" (known: open, back,`,
		path + `:8: [keys] save: key "Hyper+S": unknown modifier "hyper"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// A correct table builds.
	if err := os.WriteFile(path, []byte("[keys]\nrename = \"F2\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err = config.Load(path); err != nil {
		t.Fatal(err)
	}
	km, err := keyMapFromConfig(cfg)
	if err != nil || !km.Is(tea.KeyPressMsg{Code: tea.KeyF2}, "rename") {
		t.Fatalf("F2 does not rename: %v", err)
	}
}
