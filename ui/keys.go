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
	ActUnbindUser = "unbind_user"
	ActOwner      = "change_owner"
	ActProfile    = "set_profile"
	ActAddToHome  = "add_to_home"
	ActMoveRoom   = "move_to_room"
	ActOutOfRoom  = "remove_from_room"
	ActCreate     = "create"
	ActDelete     = "delete"
	ActBindPhone  = "bind_phone"
	ActHomes      = "homes"
	ActNextPage   = "next_page"
	ActPrevPage   = "prev_page"
)

// Action names of the workflows (pairing, timers, firmware, sharing,
// commands, service calls, live events). Their default keys are in
// defaultkeys.go; which page listens to which is in each page's key list
// (pageKeys).
const (
	// On the device page.
	ActPair        = "pair"
	ActTimers      = "timers"
	ActFirmware    = "firmware"
	ActShare       = "share"
	ActSendCommand = "send_command"
	ActEvents      = "events"

	// The device page's copy of its physical id (not a workflow: the
	// README's example of adding a key).
	ActCopyID = "copy_id"

	// Pairing.
	ActPairOpen     = "pair_open"
	ActPairDuration = "pair_duration"
	ActPairExtend   = "pair_extend"
	ActPairClose    = "pair_close"
	ActPairAdd      = "pair_add"
	ActPairAddAll   = "pair_add_all"
	ActPairSkip     = "pair_skip"
	ActPairName     = "pair_name"

	// Forms (timer editor, command composer, service call).
	ActSave      = "save"
	ActNextField = "next_field"
	ActPrevField = "prev_field"

	// Timers (add and delete reuse ActCreate and ActDelete).
	ActTimerToggle = "timer_toggle"

	// Firmware.
	ActOTAConfirm = "ota_confirm"
	ActOTAType    = "ota_type"

	// Sharing.
	ActCopy    = "copy"
	ActRenew   = "share_renew"
	ActQRStyle = "qr_style"

	// Commands and calls.
	ActResend  = "resend"
	ActTimeout = "reply_timeout"

	// Live events.
	ActWatchAdd    = "watch_add"
	ActWatchRemove = "watch_remove"
	ActPause       = "pause"
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

// Override replaces the keys of actions; unknown actions and key names a
// terminal never sends are errors, so a rebinding cannot fail silently.
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
		keys := make([]string, 0, len(over[a]))
		for _, k := range over[a] {
			norm, err := NormalizeKey(k)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", a, err))
				continue
			}
			keys = append(keys, norm)
		}
		b.Keys = keys
		b.Help = ""
		next.byAction[a] = b
	}
	if len(errs) > 0 {
		return km, fmt.Errorf("keys: %s", strings.Join(errs, "; "))
	}
	return next, nil
}

// namedKeys are the key names Bubble Tea's KeyPressMsg.String() produces.
var namedKeys = map[string]bool{
	"enter": true, "esc": true, "space": true, "tab": true, "backspace": true,
	"delete": true, "insert": true, "home": true, "end": true, "pgup": true,
	"pgdown": true, "up": true, "down": true, "left": true, "right": true,
}

// NormalizeKey turns a key as a person writes it in the config ("F2",
// "Ctrl+S", "G") into the form a key press reports ("f2", "ctrl+s", "G"):
// modifiers and key names are lower case, a lone character keeps its case
// (G is shift+g), a character with a modifier is lower case (ctrl+s).
func NormalizeKey(k string) (string, error) {
	k = strings.TrimSpace(k)
	if k == "" {
		return "", fmt.Errorf("empty key")
	}
	if k == "+" || k == "-" {
		return k, nil
	}
	parts := strings.Split(k, "+")
	base := parts[len(parts)-1]
	mods := parts[:len(parts)-1]
	for i, m := range mods {
		m = strings.ToLower(strings.TrimSpace(m))
		if m != "ctrl" && m != "alt" && m != "shift" {
			return "", fmt.Errorf("key %q: unknown modifier %q (ctrl, alt or shift)", k, m)
		}
		mods[i] = m
	}
	if base == "" { // "ctrl++"
		base = "+"
	}
	switch {
	case len([]rune(base)) == 1:
		if len(mods) > 0 {
			// With a modifier a terminal reports the letter itself
			// ("ctrl+s"); shift is then written out.
			base = strings.ToLower(base)
		}
	case namedKeys[strings.ToLower(base)]:
		base = strings.ToLower(base)
	case isFunctionKey(strings.ToLower(base)):
		base = strings.ToLower(base)
	default:
		return "", fmt.Errorf("key %q: %q is not a key name (one character, f1–f20, or %s)", k, base, strings.Join(sortedKeys(namedKeys), ", "))
	}
	return strings.Join(append(mods, base), "+"), nil
}

func isFunctionKey(s string) bool {
	if len(s) < 2 || s[0] != 'f' {
		return false
	}
	n := 0
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 20
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Conflicts lists keys bound to two actions that one page listens to at
// once. pages names each kind of page and the actions of its key list
// (PageActions); the global actions count on every page.
func (km KeyMap) Conflicts(pages map[string][]string) []string {
	var out []string
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	for _, page := range names {
		live := map[string]bool{}
		for _, a := range globalActions {
			live[a] = true
		}
		for _, a := range pages[page] {
			live[a] = true
		}
		owner := map[string]string{}
		for _, b := range km.All() {
			if !live[b.Action] {
				continue
			}
			for _, k := range b.Keys {
				if other, ok := owner[k]; ok && other != b.Action {
					msg := conflictText(k, other, b.Action, page)
					if !seen[msg] {
						seen[msg] = true
						out = append(out, msg)
					}
					continue
				}
				owner[k] = b.Action
			}
		}
	}
	return out
}
