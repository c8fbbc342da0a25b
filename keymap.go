package main

import (
	"fmt"
	"strings"

	"acconsole/ui"
)

// defaultBindings is every default key of the console, in the order of the
// help screen (the list lives in package ui so tests press the same keys).
// Users rebind by action name in the config's [keys] table.
func defaultBindings() []ui.Binding { return ui.DefaultBindings() }

// buildKeyMap applies the config's overrides and refuses conflicts, so a
// rebinding mistake is reported at start instead of a key silently doing
// the wrong thing.
func buildKeyMap(overrides map[string][]string) (ui.KeyMap, error) {
	km := ui.NewKeyMap(defaultBindings())
	km, err := km.Override(overrides)
	if err != nil {
		return km, err
	}
	if c := km.Conflicts(pageActions(km)); len(c) > 0 {
		return km, fmt.Errorf("key conflicts in the configuration:\n  %s", strings.Join(c, "\n  "))
	}
	return km, nil
}

// pageActions lists, for each kind of page, the actions it listens to
// besides the global ones: two of them sharing a key would hide one.
func pageActions(km ui.KeyMap) map[string][]string {
	scope := func(names ...string) []string {
		var out []string
		for _, b := range km.All() {
			for _, n := range names {
				if b.Scope == n {
					out = append(out, b.Action)
				}
			}
		}
		return out
	}
	nav := []string{ui.ActUp, ui.ActDown, ui.ActPageUp, ui.ActPageDown, ui.ActTop, ui.ActBottom}
	with := func(base []string, more ...string) []string { return append(append([]string(nil), base...), more...) }
	return map[string][]string{
		"list (users, fleet, homes, rooms, devices)": with(scope("table"), ui.ActCreate, ui.ActRename, ui.ActDelete, ui.ActShare),
		"user":     with(scope("table", "user"), ui.ActProfile, ui.ActBindPhone),
		"device":   scope("device"),
		"pairing":  with(scope("pairing"), append(nav, ui.ActSelect, ui.ActSelectAll)...),
		"timers":   with(scope("timers"), append(nav, ui.ActOpen, ui.ActCreate, ui.ActDelete)...),
		"firmware": with(scope("firmware"), ui.ActUp, ui.ActDown, ui.ActSelect),
		"events":   with(scope("events"), nav...),
		"share":    scope("share"),
		"forms":    scope("form", "composer"),
	}
}
