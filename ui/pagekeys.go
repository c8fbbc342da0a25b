package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
)

// pageKey is one key of a page as data, the way a reader and the App both
// find it: the action (its keys come from the App's key map, so a config
// rebinding by action name moves it), what it does, whether the footer
// offers it, why it does nothing right now, and whether it changes the
// cloud. The App dispatches, draws the footer, lists the page's help and
// checks key conflicts from this one list, so none of them can drift from
// what the page does.
type pageKey struct {
	action string
	// run does the action; the App calls it only when the key is live (not
	// off, and, for writes, in write mode).
	run func(a *App) tea.Cmd
	// hint: offered in the footer (with the binding's description).
	hint bool
	// off is why the key does nothing now ("" when it works), a catalog
	// id (or text shown as it is): pressing it shows the reason, and the
	// footer leaves it out.
	off string
	// writes: the key changes the cloud. It goes through the write gate
	// (refuseWrite, the read-only check of askWrite): in read-only mode it
	// is refused with the reason and audited, and the footer greys it.
	writes bool
	// audit is what the audit log names when read-only mode refuses the
	// key ("Pairing: open window"); "" names the page and the action.
	audit string
	// readOnlyNote is added to the read-only refusal, in parentheses, where
	// the page has more to say ("your edits stay in the form").
	readOnlyNote string
}

// keyed pages declare their keys as one list (pageKey). Keys that are not
// actions (text typed into a form's field) stay in the page's Update.
type keyed interface {
	pageKeys() []pageKey
}

// globalActions are the keys that work on every page (App.globalKeys).
// A page's own keys may not reuse their keys (KeyMap.Conflicts).
var globalActions = []string{ActBack, ActCommand, ActFilter, ActHelp, ActQuit, ActHistBack, ActHistFwd, ActLastToggle, ActRefresh, ActErrors}

// globalKeys are the keys every page shares, as the same data the pages
// declare theirs in.
func (a *App) globalKeys() []pageKey {
	return []pageKey{
		{action: ActQuit, run: func(a *App) tea.Cmd {
			if len(a.stack) > 1 {
				return a.pop()
			}
			return a.quit()
		}},
		{action: ActHelp, run: func(a *App) tea.Cmd { a.showHelp = true; return nil }},
		{action: ActCommand, run: func(a *App) tea.Cmd { a.startInput(inputCommand, ""); return nil }},
		{action: ActFilter, run: func(a *App) tea.Cmd {
			if f, ok := a.top().(Filterable); ok {
				a.startInput(inputFilter, f.Filter())
			}
			return nil
		}},
		{action: ActBack, run: func(a *App) tea.Cmd {
			if f, ok := a.top().(Filterable); ok && f.Filter() != "" {
				_ = f.SetFilter("")
				return nil
			}
			return a.pop()
		}},
		{action: ActHistBack, run: func(a *App) tea.Cmd { return a.history(false) }},
		{action: ActHistFwd, run: func(a *App) tea.Cmd { return a.history(true) }},
		{action: ActLastToggle, run: func(a *App) tea.Cmd { return a.toggleLast() }},
		{action: ActRefresh, run: func(a *App) tea.Cmd { return a.top().Load(a) }},
		{action: ActErrors, run: func(a *App) tea.Cmd {
			if a.lastErr == nil {
				return a.Flash(a.T("shell.no_error"))
			}
			a.dialogs = append(a.dialogs, &errorDialog{err: a.lastErr, at: a.lastErrAt})
			return nil
		}},
	}
}

// keysOf is the page's key list (nil for a page without keys of its own).
func keysOf(p Page) []pageKey {
	if k, ok := p.(keyed); ok {
		return k.pageKeys()
	}
	return nil
}

// keyEntry is the entry a key press runs: a global key first, then the
// top page's (the conflict check keeps the two apart). Entries without a
// handler are left to the page's Update.
func (a *App) keyEntry(m tea.KeyPressMsg) (pageKey, bool) {
	for _, list := range [][]pageKey{a.globalKeys(), keysOf(a.top())} {
		for _, e := range list {
			if e.run != nil && a.keys.Is(m, e.action) {
				return e, true
			}
		}
	}
	return pageKey{}, false
}

// runKey runs an entry: a key that is off says why, a write in read-only
// mode is refused (and audited) with the reason, anything else runs.
func (a *App) runKey(e pageKey) tea.Cmd {
	if e.off != "" {
		return a.Fail(errorf(textOf(a.tr, e.off)))
	}
	if e.writes {
		if why := a.RequireWrite(); why != "" {
			what := e.audit
			if what == "" {
				what = a.top().Title(neutral()) + ": " + a.keys.Get(e.action).Desc
			}
			a.auditRefusal(what, why)
			if e.readOnlyNote != "" {
				why = a.T("shell.read_only.note", "Why", why, "Note", e.readOnlyNote)
			}
			return a.Fail(errorf(why))
		}
	}
	return e.run(a)
}

// hintActions are the actions the page's footer offers, in its order.
func hintActions(p Page) []string {
	var out []string
	for _, e := range keysOf(p) {
		if e.hint && e.off == "" {
			out = append(out, e.action)
		}
	}
	return out
}

// writesOf reports whether the page's entry for action is a write.
func writesOf(p Page, action string) bool {
	for _, e := range keysOf(p) {
		if e.action == action {
			return e.writes
		}
	}
	return false
}

// pageKind is one kind of page as the help screen and the conflict check
// see it: a name and a page of that kind (built without loading), whose
// key list is the kind's.
type pageKind struct {
	name string // in English: config errors name the page by it
	// label is the catalog id of the name the help screen shows.
	label string
	page  func() Page
	// notInHelp: the conflict check takes the kind's keys, but the help
	// screen gives it no section of its own, since its list is a plain
	// table's (the keys "In tables" lists) and a section would only repeat
	// them. A kind that gains a key of its own should drop this.
	notInHelp bool
}

// PageActions lists, for each kind of page, the actions of its key list:
// with the global actions, the keys one page listens to at once, which
// must not share a key (KeyMap.Conflicts).
func PageActions() map[string][]string {
	out := map[string][]string{}
	for _, k := range pageKinds() {
		seen := map[string]bool{}
		for _, e := range keysOf(k.page()) {
			if !seen[e.action] {
				seen[e.action] = true
				out[k.name] = append(out[k.name], e.action)
			}
		}
	}
	return out
}

// keyLabel is the footer label of the key bound to action, for texts that
// tell the operator which key to press ("press e for details").
func (a *App) keyLabel(action string) string { return a.keys.Get(action).Label() }

// pageHelp is the help screen's list of a kind of page's keys.
func pageHelp(a *App, list []pageKey, entry func(Binding) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range list {
		b := a.keys.Get(e.action)
		if b.Action == "" || seen[e.action] {
			continue
		}
		seen[e.action] = true
		if e.writes && !b.Writes {
			b.Writes = true
		}
		out = append(out, entry(b))
	}
	return out
}

// conflictText names the two actions that share a key on a page.
func conflictText(key, first, second, page string) string {
	return fmt.Sprintf("key %q is bound to both %s and %s (%s page)", key, first, second, strings.TrimSpace(page))
}

// pageKinds are every kind of page with keys, each built empty (nothing
// is loaded): the help screen lists their keys under their names, and the
// conflict check takes each kind's list with the global keys. A page
// kind missing here would escape the check: a key added to it could
// shadow another of its keys unnoticed.
func pageKinds() []pageKind {
	noDevices := func(context.Context, API) ([]models.Device, error) { return nil, nil }
	return []pageKind{
		{name: "users list", label: "shell.kind.users_list", page: func() Page { return newUsersPage() }},
		{name: "user", label: "shell.kind.user", page: func() Page { return newUserPage(0, "") }},
		{name: "homes list", label: "shell.kind.homes_list", page: func() Page { return newHomesPage(0, "") }},
		{name: "rooms list", label: "shell.kind.rooms_list", page: func() Page { return newRoomsPage(0, models.Home{}) }},
		{name: "devices list", label: "shell.kind.devices_list", page: func() Page { return newDeviceList("Devices", 0, noDevices, false) }},
		{name: "fleet list", label: "shell.kind.fleet_list", page: func() Page { return newFleetPage() }},
		{name: "device", label: "shell.kind.device", page: func() Page { return newDevicePage(DeviceRef{}, "") }},
		{name: "room picker", label: "shell.kind.room_picker", page: func() Page { return newRoomPickPage(&devicePage{}, DeviceRef{}, DeviceDetail{}) }},
		{name: "firmware updates list", label: "shell.kind.firmware_updates_list", page: func() Page { return newFleetOTAPage("") }},
		{name: "pairing", label: "shell.kind.pairing", page: func() Page { return newPairingPage(DeviceRef{}, DeviceDetail{}) }},
		{name: "timers", label: "shell.kind.timers", page: func() Page { return newTimersPage(DeviceRef{}, DeviceDetail{}) }},
		{name: "timer editor", label: "shell.kind.timer_editor", page: func() Page { return newTimerEditor(newTimersPage(DeviceRef{}, DeviceDetail{}), nil, time.Time{}) }},
		{name: "firmware", label: "shell.kind.firmware", page: func() Page { return newOTAPage(DeviceRef{}, DeviceDetail{}) }},
		{name: "firmware dry run", label: "shell.kind.firmware_dry_run", page: func() Page { return newDryRunPage(nil) }},
		{name: "share", label: "shell.kind.share", page: func() Page { return newHomeSharePage(0, models.Home{}) }},
		{name: "composer", label: "shell.kind.composer", page: func() Page { return newComposerPage(DeviceRef{}, DeviceDetail{}) }},
		{name: "service call", label: "shell.kind.service_call", page: func() Page { return newCallPage("", "", 0) }},
		{name: "events", label: "shell.kind.events", page: func() Page { return newEventsPage(nil) }},
		{name: "SMS outbox", page: func() Page { return newOutboxPage() }, notInHelp: true},
		{name: "audit", page: func() Page { return newAuditPage() }, notInHelp: true},
		{name: "sessions", page: func() Page { return newSessionsPage(nil) }, notInHelp: true},
		{name: "device picker", page: func() Page { return newDevicePickPage("", nil) }, notInHelp: true},
	}
}

// withoutTableKeys drops the keys every table shares (moving about,
// selecting, sorting), which the help lists once.
func withoutTableKeys(list []pageKey) []pageKey {
	shared := map[string]bool{ActUp: true, ActDown: true, ActPageUp: true, ActPageDown: true, ActTop: true, ActBottom: true,
		ActSelect: true, ActSelectAll: true, ActSort: true, ActSortRev: true}
	var out []pageKey
	for _, e := range list {
		if !shared[e.action] {
			out = append(out, e)
		}
	}
	return out
}
