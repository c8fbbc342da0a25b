package ui

import (
	"testing"
	"time"
)

func writeMode(h *harness) {
	h.press(":")
	h.typeText("write")
	h.press("enter")
	h.typeText("SUP-9")
	h.press("enter")
}

func openUser42(h *harness) {
	h.press(":")
	h.typeText("user 42")
	h.press("enter")
}

func TestHomeAndRoomWritesGoThroughConfirm(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	openUser42(h)
	h.press("h")
	h.must("Home")
	h.press("a") // read-only: refused with the reason
	h.must("read-only")
	writeMode(h)
	h.press("a")
	h.typeText("Summer house")
	h.press("enter")
	h.must(`Create home "Summer house"?`)
	h.press("y")
	h.press("R")
	h.typeText("Main")
	h.press("enter")
	h.press("y")
	h.press("D")
	h.must(`Delete home "Home"?`)
	h.press("n")
	h.press("enter") // rooms
	h.must("(all devices of the home)")
	h.press("down", "D", "y")
	want := `create home "Summer house" for 42,rename home 5 "Main",delete room 1`
	if got := api.renamesSoFar(); got != want {
		t.Fatalf("writes = %s\nwant     %s", got, want)
	}
}

func TestDeviceUnbindAndProfileAndBadInput(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	openUser42(h)
	writeMode(h)
	h.press("enter")
	h.press("x")
	h.typeText("abc")
	h.press("enter")
	h.must(`the user id must be a positive number, not "abc"`)
	h.press("x")
	h.typeText("7")
	h.press("enter")
	h.press("y")
	h.press("P")
	h.typeText(`floor=3`)
	h.press("enter")
	h.must("Set floor = 3")
	h.press("y")
	if got := api.renamesSoFar(); got != "unbind 7 from 900,profile 900 floor=3" {
		t.Fatalf("writes = %s", got)
	}
}

func TestBindPhoneSendsCodeThenBinds(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	openUser42(h)
	writeMode(h)
	h.press("B")
	h.typeText("13912345678")
	h.press("enter")
	h.must("verify code sent to 13912345678")
	h.typeText("000000")
	h.press("enter")
	h.press("y")
	h.must("wrong verify code")
	if got := api.renamesSoFar(); got != "code to 13912345678" {
		t.Fatalf("writes = %s", got)
	}
}

func TestYesAfterWriteModeEndedSendsNothing(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	openUser42(h)
	writeMode(h)
	h.press("enter")
	h.press("R")
	h.typeText("Late name")
	h.press("enter")
	h.must(`to "Late name"?`)
	// Write mode runs out while the dialog is open.
	h.app.writeUntil = time.Now().Add(-time.Second)
	h.press("y")
	h.must("nothing was sent")
	if got := api.renamesSoFar(); got != "" {
		t.Fatalf("a write went out after write mode ended: %s", got)
	}
}
