package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"acconsole/themes"
)

// In the ascii theme every character the console draws is ASCII, except
// user data; here the data is ASCII too, so the whole screen must be.
func TestASCIIThemeDrawsOnlyASCII(t *testing.T) {
	api := newFakeAPI()
	api.users[41].NickName = "Zhang Wei"
	api.devices[42][0].Name = "Living room plug"
	dark, _ := themes.Builtin("dark")
	h := newHarnessOn(t, parkedClock(t), Options{API: api, Keys: DefaultKeyMap(), Styles: themes.NewStyles(dark, themes.ASCIIGlyphs()),
		Profile: Profile{Name: "prod", Router: "http://r", MajorDomain: "acme", Production: true}})
	a := h.app
	h.send(teaSize(80, 24))
	h.run(a.Init())
	check := func(where string) {
		t.Helper()
		// The fake's room names are fixed data with CJK in them; data is
		// shown as it is, so they are taken out before the check.
		drawn := strings.ReplaceAll(ansi.Strip(a.View().Content), "客厅 Living room", "")
		for _, r := range drawn {
			if r >= 0x80 {
				t.Fatalf("%s: %q (U+%04X) drawn in the ascii theme:\n%s", where, r, r, h.screen())
			}
		}
	}
	check("users list")
	h.must("PRODUCTION")
	h.press(":")
	h.typeText("user 42")
	h.press("enter")
	h.must("Zhang Wei")
	check("user page")
	h.press("enter")
	h.must("Living room plug")
	check("device page")
	h.press("?")
	check("help")
	h.press("esc")
	h.send(teaSize(60, 20))
	check("too small")
	if !strings.Contains(h.screen(), "too small") {
		t.Fatalf("no too-small screen:\n%s", h.screen())
	}
}
