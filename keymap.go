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
// help screen: the one place a reader finds them all. The list lives in
// package ui (ui/defaultkeys.go) so that the tests press the same keys;
// which page listens to which action is each page's key list (pageKeys in
// package ui), from which ui.PageActions derives the conflict check.
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
	if c := km.Conflicts(ui.PageActions()); len(c) > 0 {
		return km, fmt.Errorf("key conflicts in the configuration:\n  %s", strings.Join(c, "\n  "))
	}
	return km, nil
}
