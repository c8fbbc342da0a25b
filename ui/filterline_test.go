package ui

import (
	"strings"
	"testing"
)

// Under a filter the page header and the table footer tell the same
// story: the filter covers the loaded page (100 users of 250), not all.
func TestFilteredUsersHeaderAgreesWithFooter(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 120, 30)
	h.must("users 1–100 of 250")
	h.press("/")
	h.typeText("user00")
	h.press("enter")
	scr := h.screen()
	// user001 … user009 match: 9 of the 100 loaded.
	if !strings.Contains(scr, "users 1–100 of 250 (exact count) · filter: 9 of these 100 match (this page only)") {
		t.Fatalf("header does not say what the filter covers:\n%s", scr)
	}
	if !strings.Contains(scr, "1–9 of 9 (filtered from 100)") {
		t.Fatalf("footer disagrees:\n%s", scr)
	}
	if strings.Contains(scr, "users 1–9 of 250") {
		t.Fatalf("header claims 9 of all 250:\n%s", scr)
	}
}
