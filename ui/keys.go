package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Action names are the config's vocabulary: `[keys] rename = "R"`.
const (
	ActQuit       = "quit"
	ActHelp       = "help"
	ActCommand    = "command"
	ActFilter     = "filter"
	ActBack       = "back"
	ActHistBack   = "history_back"
	ActHistFwd    = "history_forward"
	ActLastToggle = "last_toggle"
	ActRefresh    = "refresh"
	ActUp         = "up"
	ActDown       = "down"
	ActPageUp     = "page_up"
	ActPageDown   = "page_down"
	ActTop        = "top"
	ActBottom     = "bottom"
	ActOpen       = "open"
	ActSelect     = "select"
	ActSelectAll  = "select_all"
	ActSort       = "sort"
	ActSortRev    = "sort_reverse"
	ActErrors     = "last_error"
	ActRename     = "rename"
	ActConfirm    = "confirm"
	ActCancel     = "cancel"
	ActUnbindUser = "unbind_user"
	ActOwner      = "change_owner"
	ActProfile    = "set_profile"
	ActAddToHome  = "add_to_home"
	ActMoveRoom   = "move_to_room"
	ActOutOfRoom  = "remove_from_room"
	ActCreate     = "create"
	ActDelete     = "delete"
	ActBindPhone  = "bind_phone"
	ActNextPage   = "next_page"
	ActPrevPage   = "prev_page"
)

// Binding is one named action and its keys.
type Binding struct {
	Action string
	Keys   []string
	Help   string // what the footer shows for the key, e.g. "enter"
	Desc   string
	// Writes marks actions that change the cloud: in read-only mode they
	// stay visible, greyed, and say why when pressed.
	Writes bool
	// Scope groups bindings that are live at the same time; the same key
	// twice in one scope is a conflict.
	Scope string
}

// Matches reports whether a key press triggers the binding. Keys compare by
// their String() form, which is how a terminal's bytes parse.
func (b Binding) Matches(msg tea.KeyPressMsg) bool {
	s := msg.String()
	for _, k := range b.Keys {
		if k == s {
			return true
		}
	}
	return false
}

// Label is the footer text of the binding's first key.
func (b Binding) Label() string {
	if b.Help != "" {
		return b.Help
	}
	if len(b.Keys) > 0 {
		return b.Keys[0]
	}
	return "unbound"
}

// KeyMap holds every binding by action.
type KeyMap struct {
	byAction map[string]Binding
	order    []string
}

// NewKeyMap builds a key map from bindings, in the order given (the order
// of the help screen).
func NewKeyMap(bs []Binding) KeyMap {
	km := KeyMap{byAction: map[string]Binding{}}
	for _, b := range bs {
		if _, dup := km.byAction[b.Action]; !dup {
			km.order = append(km.order, b.Action)
		}
		km.byAction[b.Action] = b
	}
	return km
}

// Get returns the binding of an action (an empty binding when unknown).
func (km KeyMap) Get(action string) Binding { return km.byAction[action] }

// Is reports whether msg triggers action.
func (km KeyMap) Is(msg tea.KeyPressMsg, action string) bool {
	b, ok := km.byAction[action]
	return ok && b.Matches(msg)
}

// All lists the bindings in help order.
func (km KeyMap) All() []Binding {
	out := make([]Binding, 0, len(km.order))
	for _, a := range km.order {
		out = append(out, km.byAction[a])
	}
	return out
}

// Override replaces the keys of actions; unknown actions are errors.
func (km KeyMap) Override(over map[string][]string) (KeyMap, error) {
	var errs []string
	next := NewKeyMap(km.All())
	names := make([]string, 0, len(over))
	for a := range over {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		b, ok := next.byAction[a]
		if !ok {
			errs = append(errs, fmt.Sprintf("unknown action %q (known: %s)", a, strings.Join(km.order, ", ")))
			continue
		}
		b.Keys = over[a]
		b.Help = ""
		next.byAction[a] = b
	}
	if len(errs) > 0 {
		return km, fmt.Errorf("keys: %s", strings.Join(errs, "; "))
	}
	return next, nil
}

// Conflicts lists keys bound to two actions that are live at once: the
// same scope, or one of them global ("").
func (km KeyMap) Conflicts() []string {
	var out []string
	all := km.All()
	for i, a := range all {
		for _, b := range all[i+1:] {
			if a.Scope != b.Scope && a.Scope != "" && b.Scope != "" {
				continue
			}
			for _, ka := range a.Keys {
				for _, kb := range b.Keys {
					if ka == kb {
						out = append(out, fmt.Sprintf("key %q is bound to both %s and %s", ka, a.Action, b.Action))
					}
				}
			}
		}
	}
	return out
}
