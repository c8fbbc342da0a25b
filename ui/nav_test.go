package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

var ctrlC = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}

// ctrl+c leaves from any input, asking first when work would be lost; a
// second ctrl+c at that question leaves.
func TestCtrlCAlwaysLeaves(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 100, 30)
	h.press(":")
	h.typeText("wri")
	h.send(ctrlC)
	if !h.app.quitting {
		t.Fatal("ctrl+c in the command bar did not leave")
	}

	h = newHarness(t, newFakeAPI(), 100, 30)
	g := &guardedPage{dirty: true}
	g.listPage = emptyUserList("Editor")
	h.run(h.app.Push(g))
	h.press("/")
	h.send(ctrlC)
	if h.app.quitting {
		t.Fatal("ctrl+c left without asking although work would be lost")
	}
	h.must("There is unsaved edits to timer X. Quit anyway?")
	h.send(ctrlC)
	if !h.app.quitting {
		t.Fatal("a second ctrl+c at the question did not leave")
	}
}

// Esc climbs the path and adds no history entry: "[" after Esc does not
// bring back the page Esc left.
func TestEscAddsNoHistoryEntry(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 100, 30)
	h.press(":")
	h.typeText("user 42")
	h.press("enter")
	h.must("张伟")
	h.press("enter") // open the first device
	h.must("physical id")
	h.press("esc")
	h.must("devices 1–2 of 2")
	h.press("[")
	if strings.Contains(h.screen(), "physical id") {
		t.Fatalf("[ after esc went back to the page esc left:\n%s", h.screen())
	}
}

// The breadcrumb is cut from the left: the current view always shows.
func TestBreadcrumbKeepsTheCurrentView(t *testing.T) {
	api := newFakeAPI()
	api.devices[42][0].Name = "设备👩\u200d👩\u200d👧\u200d👦 living room ceiling light, the big one with five arms over the dining table"
	h := newHarness(t, api, 80, 24)
	h.press(":")
	h.typeText("user 42")
	h.press("enter")
	h.press("enter")
	crumb := strings.TrimRight(strings.Split(h.screen(), "\n")[1], " ")
	if !strings.HasSuffix(crumb, "over the dining table") {
		t.Fatalf("the current view is cut off the breadcrumb: %q", crumb)
	}
	if cellWidth(strings.Split(h.screen(), "\n")[1]) > 80 {
		t.Fatalf("breadcrumb wider than the screen")
	}
}
