package main

import (
	"fmt"
	"strings"

	"acconsole/ui"
)

// defaultBindings is every default key of the console, in the order of the
// help screen. Users rebind by action name in the config's [keys] table.
func defaultBindings() []ui.Binding {
	return append(coreBindings(), workflowBindings()...)
}

func coreBindings() []ui.Binding {
	return []ui.Binding{
		{Action: ui.ActOpen, Keys: []string{"enter"}, Desc: "open", Scope: "table"},
		{Action: ui.ActBack, Keys: []string{"esc"}, Desc: "back"},
		{Action: ui.ActCommand, Keys: []string{":"}, Desc: "command"},
		{Action: ui.ActFilter, Keys: []string{"/"}, Desc: "filter"},
		{Action: ui.ActHelp, Keys: []string{"?"}, Desc: "keys"},
		{Action: ui.ActQuit, Keys: []string{"q"}, Desc: "quit"},
		{Action: ui.ActHistBack, Keys: []string{"["}, Desc: "history back"},
		{Action: ui.ActHistFwd, Keys: []string{"]"}, Desc: "history forward"},
		{Action: ui.ActLastToggle, Keys: []string{"-"}, Desc: "last view"},
		{Action: ui.ActRefresh, Keys: []string{"ctrl+r", "f5"}, Help: "ctrl+r", Desc: "refresh"},
		{Action: ui.ActErrors, Keys: []string{"e"}, Desc: "last error"},
		{Action: ui.ActUp, Keys: []string{"up", "k"}, Help: "↑/k", Desc: "up", Scope: "table"},
		{Action: ui.ActDown, Keys: []string{"down", "j"}, Help: "↓/j", Desc: "down", Scope: "table"},
		{Action: ui.ActPageUp, Keys: []string{"pgup", "ctrl+b"}, Desc: "page up", Scope: "table"},
		{Action: ui.ActPageDown, Keys: []string{"pgdown", "ctrl+f"}, Desc: "page down", Scope: "table"},
		{Action: ui.ActTop, Keys: []string{"home", "g"}, Desc: "top", Scope: "table"},
		{Action: ui.ActBottom, Keys: []string{"end", "G"}, Desc: "bottom", Scope: "table"},
		{Action: ui.ActSelect, Keys: []string{"space"}, Desc: "select", Scope: "table"},
		{Action: ui.ActSelectAll, Keys: []string{"ctrl+a"}, Desc: "select all/none", Scope: "table"},
		{Action: ui.ActSort, Keys: []string{"o"}, Desc: "sort by next column", Scope: "table"},
		{Action: ui.ActSortRev, Keys: []string{"O"}, Desc: "reverse sort", Scope: "table"},
		{Action: ui.ActNextPage, Keys: []string{"n"}, Desc: "next page", Scope: "table"},
		{Action: ui.ActPrevPage, Keys: []string{"b"}, Desc: "previous page", Scope: "table"},
		{Action: ui.ActRename, Keys: []string{"R"}, Desc: "rename", Writes: true, Scope: "device"},
		{Action: ui.ActUnbindUser, Keys: []string{"x"}, Desc: "unbind a user", Writes: true, Scope: "device"},
		{Action: ui.ActOwner, Keys: []string{"W"}, Desc: "change owner", Writes: true, Scope: "device"},
		{Action: ui.ActProfile, Keys: []string{"P"}, Desc: "set profile value", Writes: true, Scope: "device"},
		{Action: ui.ActAddToHome, Keys: []string{"H"}, Desc: "add to home", Writes: true, Scope: "device"},
		{Action: ui.ActMoveRoom, Keys: []string{"m"}, Desc: "move to room", Writes: true, Scope: "device"},
		{Action: ui.ActOutOfRoom, Keys: []string{"M"}, Desc: "take out of room", Writes: true, Scope: "device"},
		{Action: ui.ActCreate, Keys: []string{"a"}, Desc: "add", Writes: true, Scope: "device"},
		{Action: ui.ActDelete, Keys: []string{"D"}, Desc: "delete", Writes: true, Scope: "device"},
		{Action: ui.ActBindPhone, Keys: []string{"B"}, Desc: "bind phone", Writes: true, Scope: "device"},
		{Action: ui.ActHomes, Keys: []string{"h"}, Desc: "homes of the user", Scope: "user"},
	}
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
