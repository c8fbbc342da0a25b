package ui

import (
	"testing"
)

// While the screen is too small, keys the operator cannot see the effect
// of do nothing: the cursor stays, a blind "y" does not confirm.
func TestTooSmallScreenSwallowsBlindKeys(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 100, 30)
	g := &guardedPage{dirty: true}
	g.listPage = emptyUserList("Editor")
	h.run(h.app.Push(g))
	h.send(teaSize(60, 20))
	h.press("q") // quit asks first: unsaved work
	h.press("y") // typed blind: must not confirm
	if h.app.quitting {
		t.Fatal("a blind y confirmed quitting while the screen was too small")
	}
	h.send(teaSize(100, 30))
	h.must("Quit anyway?")
	h.press("n")

	g.dirty = false
	h.run(h.app.Replace(newUsersPage()))
	h.must("users 1–")
	before := h.screen()
	h.send(teaSize(60, 20))
	h.press("down", "down", ":", "enter")
	h.send(teaSize(100, 30))
	if h.screen() != before {
		t.Fatalf("keys pressed on a too-small screen changed the console:\n%s\nwas:\n%s", h.screen(), before)
	}
}
