package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/internal/clock"
)

// Every action a user can bind does something somewhere: it is a global
// key or in some page's key list. An action in DefaultBindings that no
// page lists would be a key in the help and the config that does nothing.
func TestNoDeadActions(t *testing.T) {
	listed := map[string]bool{}
	for _, a := range globalActions {
		listed[a] = true
	}
	for _, acts := range PageActions() {
		for _, a := range acts {
			listed[a] = true
		}
	}
	for _, b := range DefaultBindings() {
		if !listed[b.Action] {
			t.Errorf("action %q (%s) is in no page's key list and is not global", b.Action, b.Desc)
		}
	}
}

// On every kind of page, every entry of its key list is reached by its
// default keys: pressed on an App with that page on top, the key runs that
// entry, not a global key or an earlier entry of the same list.
func TestEveryPageKeyIsReachableByItsDefaultKeys(t *testing.T) {
	km := DefaultKeyMap()
	for _, kind := range pageKinds() {
		a := New(Options{API: newFakeAPI(), Keys: km})
		a.stack = append(a.stack, kind.page())
		list := keysOf(a.top())
		if len(list) == 0 {
			t.Errorf("%s: no keys", kind.name)
		}
		for _, e := range list {
			b := km.Get(e.action)
			if len(b.Keys) == 0 {
				t.Errorf("%s: %s has no default key", kind.name, e.action)
				continue
			}
			if e.run == nil {
				continue // a footer-only entry of a global key
			}
			for _, k := range b.Keys {
				got, ok := a.keyEntry(wfKey(k))
				if !ok || got.action != e.action {
					t.Errorf("%s: pressing %q for %s runs %q", kind.name, k, e.action, got.action)
				}
			}
		}
	}
}

// In read-only mode every write key of every page is refused before its
// handler runs, with the same reason as any other write, and the refusal
// is audited with what was tried.
func TestEveryWriteKeyPassesTheWriteGate(t *testing.T) {
	for _, kind := range pageKinds() {
		for _, e := range keysOf(kind.page()) {
			if !e.writes || e.run == nil {
				continue
			}
			var audited []string
			a := New(Options{API: newFakeAPI(), Keys: DefaultKeyMap(), Profile: Profile{CanWrite: true},
				AuditRefused: func(action, why string) { audited = append(audited, action+" | "+why) }})
			a.width, a.height = 120, 40
			page := kind.page()
			a.stack = append(a.stack, page)
			a.key(wfKey(DefaultKeyMap().Get(e.action).Keys[0]))
			if !strings.HasPrefix(a.status, "read-only: type :write to enable changes for 15 min") || !a.statusErr {
				t.Errorf("%s: %s in read-only mode says %q", kind.name, e.action, a.status)
			}
			if len(audited) != 1 || !strings.HasSuffix(audited[0], " | read-only: type :write to enable changes for 15 min") || strings.HasPrefix(audited[0], " | ") {
				t.Errorf("%s: %s audited as %q", kind.name, e.action, audited)
			}
			if a.mode != inputNone || len(a.dialogs) != 0 || a.top() != page {
				t.Errorf("%s: %s opened something in read-only mode", kind.name, e.action)
			}
		}
	}
}

// The footer and the help come from the key lists and the key map: a
// rebinding moves the key in both, and the old key no longer renames.
func TestRebindingMovesTheFooterAndTheHelp(t *testing.T) {
	km, err := DefaultKeyMap().Override(map[string][]string{"rename": {"F2"}, "last_error": {"E"}})
	if err != nil {
		t.Fatal(err)
	}
	h := newWFHarness(t, newFakeAPI(), 140, 40, func(o *Options) { o.Keys = km })
	h.command("device 900")
	h.must("f2 rename")
	h.mustNot("R rename")
	h.press("?")
	h.must("f2             rename (write mode)")
	h.press("esc")
	h.press("R") // the old key does nothing now: no refusal, no prompt
	if h.app.status != "" || h.app.mode != inputNone {
		t.Fatalf("R still acts after rename moved to F2: status %q", h.app.status)
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyF2}) // what a terminal sends for F2
	h.must("read-only: type :write")
	// Texts that name a key say the bound one.
	if got := h.app.errorLine(&acapi.Error{Code: 3002, Message: "owner"}); !strings.Contains(got, "press E for details") {
		t.Fatalf("the error line says %q", got)
	}
}

// A rebinding that makes two actions of one page share a key is reported
// with both actions and the page, so the console refuses to start with it.
func TestConflictInAPageListNamesBothActions(t *testing.T) {
	km, err := DefaultKeyMap().Override(map[string][]string{"pair_add": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	got := km.Conflicts(PageActions())
	want := `key "x" is bound to both pair_close and pair_add (pairing page)`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("conflicts %q, want [%q]", got, want)
	}
	if c := DefaultKeyMap().Conflicts(PageActions()); len(c) != 0 {
		t.Fatalf("the default keys conflict: %q", c)
	}
}

// A key that is off on this page says why instead of doing nothing: on a
// device nobody has bound, rename is off and the footer leaves it out
// (copying its physical id and its live events still work).
func TestOffKeySaysWhy(t *testing.T) {
	a := New(Options{API: newFakeAPI(), Keys: DefaultKeyMap(), Clock: clock.NewFake(time.Unix(0, 0))})
	a.width, a.height = 120, 40
	p := newDevicePage(DeviceRef{PhysicalID: "A1"}, "")
	p.detail = &DeviceDetail{Unbound: true}
	a.stack = append(a.stack, p)
	if got := strings.Join(hintActions(p), " "); got != "copy_id events" {
		t.Fatalf("the unbound device's footer offers %q", got)
	}
	a.key(wfKey("R"))
	if a.status != "nobody has bound this device: it has no logical id and no owner to act for yet" {
		t.Fatalf("rename on an unbound device says %q", a.status)
	}
}

// The list pages that have no keys beyond a table's (outbox, audit,
// sessions, the device picker) are in the conflict check too: a rebinding
// that makes their open key shadow a global key is reported for each of
// them, so a key added to one of them later is checked the same way.
func TestConflictCheckCoversEveryListPage(t *testing.T) {
	km, err := DefaultKeyMap().Override(map[string][]string{"open": {"?"}})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(km.Conflicts(PageActions()), "\n")
	for _, page := range []string{"SMS outbox", "audit", "sessions", "device picker"} {
		if want := `key "?" is bound to both open and help (` + page + ` page)`; !strings.Contains(got, want) {
			t.Errorf("no conflict reported for the %s page; conflicts:\n%s", page, got)
		}
	}
}
