package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"acconsole/config"
	"acconsole/internal/suggest"
	"acconsole/ui"
)

// defaultBindings is every default key of the console, in the order of the
// help screen (the list lives in package ui so tests press the same keys).
// Users rebind by action name in the config's [keys] table.
func defaultBindings() []ui.Binding { return ui.DefaultBindings() }

// keyMapFromConfig checks the config's [keys] table against the actions the
// console knows, reporting each mistake at its file:line (with the action
// it most likely means), then builds the key map.
func keyMapFromConfig(cfg config.Config) (ui.KeyMap, error) {
	var known []string
	isKnown := map[string]bool{}
	for _, b := range defaultBindings() {
		known = append(known, b.Action)
		isKnown[b.Action] = true
	}
	actions := make([]string, 0, len(cfg.Keys))
	for a := range cfg.Keys {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	var errs []error
	for _, a := range actions {
		if !isKnown[a] {
			msg := fmt.Sprintf("unknown action %q", a)
			if s := suggest.Closest(a, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
			}
			errs = append(errs, cfg.KeyError(a, msg))
			continue
		}
		for _, k := range cfg.Keys[a] {
			if _, err := ui.NormalizeKey(k); err != nil {
				errs = append(errs, cfg.KeyError(a, fmt.Sprintf("%s: %v", a, err)))
			}
		}
	}
	if len(errs) > 0 {
		return ui.KeyMap{}, errors.Join(errs...)
	}
	return buildKeyMap(cfg.Keys)
}

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
