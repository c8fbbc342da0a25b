package ui

import (
	"testing"
)

// ":device" with what an operator copies from elsewhere: a lower-case
// physical id, a MAC, an unknown word. The answer is the real device, a
// list to pick from, or "no device": never a made-up device #0.
func TestDeviceLookupByCaseAndMAC(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []string
		bad   string
	}{
		{"a1b2c3d4e5f60001", []string{"客厅插座", "device #900"}, "device #0"},
		{"A1-B2-C3-00-00-02", []string{"device #901"}, "device #0"},
		{"a1b2c3000002", []string{"device #901"}, "device #0"},
		// A number no device id matches is looked up as a physical id.
		{"860012345678", []string{"860012345678", "not bound to anyone", "product switch"}, "device #0"},
		{"4242", []string{`no device has the physical id or MAC "4242"`}, "device #0"},
		{"hello-world", []string{`no device has the physical id or MAC "hello-world"`}, "device #0"},
		{"ff:ee:00:00:00:01", []string{"FFEE000000000001", "not bound to anyone"}, "device #0"},
		// Two products hold the id in different cases: pick one.
		{"FfEe000000000001", []string{"2 devices match", "FFEE000000000001", "ffee000000000001"}, "device #0"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			h := newWFHarness(t, newFakeAPI(), 120, 30)
			h.command("device " + tc.query)
			h.must(tc.want...)
			h.mustNot(tc.bad)
		})
	}
}

// Picking from the list opens the device the row names.
func TestDeviceLookupPickList(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 120, 30)
	h.command("device FfEe000000000001")
	h.must("2 devices match")
	h.press("down", "enter")
	h.must("ffee000000000001", "not bound to anyone", "product bulb")
	// Keys that need a bound device say why they do nothing.
	h.writeMode()
	for _, k := range []string{"R", "t", "c"} {
		h.press(k)
		h.must("nobody has bound this device")
	}
}

// ":user" with a phone and an OpenID exactly as the user page writes
// them, and an unknown numeric id reported as such.
func TestFindUserAsTheUserPageWritesIt(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"+8613800028183", "user #7"},
		{"13800028183", "user #7"},
		{"138 0002 8183", "user #7"},
		{"+86 13800000042", "user #42"},
		{"weixin:oid-42", "user #42"},
		{"oid-42", "user #42"},
		{"USER007@example.com", "user #7"},
		{"99999", "no user has the id"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			h := newWFHarness(t, newFakeAPI(), 120, 30)
			h.command("user " + tc.query)
			h.must(tc.want)
		})
	}
}

// The device page names the home and room, not just the home's id.
func TestDevicePageNamesHomeAndRoom(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 120, 30)
	h.command("device 900")
	h.must(`in home "Home" (#5), room "客厅 Living room" (#1)`)
}

// The user's device list names the home, and R renames the device under
// the cursor (it used to do nothing and say nothing).
func TestUserDeviceListNamesHomeAndRenamesRow(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 30)
	h.command("user 42")
	h.must("客厅插座", " Home ")
	h.mustNot("      5 ")
	h.writeMode()
	h.press("R")
	h.must(`new name for "客厅插座":`)
	h.answer("Desk plug")
	h.must(`Rename "客厅插座" to "Desk plug"?`)
	h.press("y")
	if got := api.renamesSoFar(); got != "900:Desk plug" {
		t.Fatalf("renames sent: %q", got)
	}
	h.must("Desk plug")
}

// Moving a device offers the home's rooms by name instead of asking for
// a room id.
func TestMoveDevicePicksRoomByName(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 30)
	h.writeMode()
	h.command("device 900")
	h.must(`room "客厅 Living room" (#1)`)
	h.press("m")
	h.must("Kitchen", "客厅 Living room", "(the device is here)")
	h.mustNot("room id")
	h.press("down", "enter")
	h.must(`Move "客厅插座" to room "Kitchen" (#2)?`)
	h.press("y")
	if got := api.renamesSoFar(); got != "room 5/2 += 900" {
		t.Fatalf("writes sent: %q", got)
	}
	h.press("M")
	h.must(`Take "客厅插座" out of room "Kitchen"?`)
}

// Enter in the command bar accepts the completion when only one command
// fits, and says which ones when several do.
func TestCommandBarEnterAcceptsUniqueCompletion(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 120, 30)
	h.command("outb")
	h.must("SMS outbox")
	h.command("aud")
	h.must("Audit")
	h.command("devic")
	h.must(`"devic" could be :devices or :device`)
}

// ":call" from a device page: the method's parameters from the protocol
// table, the ids of the device and user in view pre-filled, and the next
// ":" opens the command bar instead of going into the body.
func TestCallOffersParametersAndPrefillsIDs(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 140, 40)
	h.command("user 42")
	h.press("enter") // the first device, 900
	h.must("device #900")
	h.command("call zc-bind/modifyDevice")
	h.must(`{"deviceId":900}`, "parameters: deviceId int, name str", "missing name", "plug", "user #42")
	h.press("ctrl+u")
	h.typeText(`{"deviceId":900,"name":"x"}`)
	h.mustNot("missing name")
	h.command("call zc-bind/moveDeviceToRoom")
	h.must(`{"deviceId":900,"homeId":5,"roomId":1}`)
	h.mustNot("plug") // home methods take no product
	// The method typed in the form fills the body the same way.
	h.command("call zc-bind")
	h.typeText("listUsers")
	h.must(`{"deviceId":900}`, "parameters: deviceId int")
	h.press("esc")
	h.command("call zc-bind/nosuch")
	h.must("nosuch is not in the protocol's zc-bind table")
	h.command("outbox")
	h.must("SMS outbox")
}

// Binding a phone in one console: the prompt shows the local cloud's
// code, closing it to look at :outbox keeps the code pending, and the bind
// key asks for that code again instead of sending a new one.
func TestBindPhoneSurvivesALookAtTheOutbox(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 140, 30)
	h.writeMode()
	h.command("user 42")
	h.press("B")
	h.answer("13912345678")
	h.must("verify code sent to 13912345678 (the local cloud sent 482910)")
	h.press("esc")
	h.command("outbox")
	h.must("13912345678", "482910")
	h.press("esc")
	h.must("verify code sent to 13912345678 at", "B enters it")
	h.press("B")
	h.must("verify code sent to 13912345678 (the local cloud sent 482910)")
	h.answer("482910")
	h.must("Bind phone 13912345678 to user #42?")
	h.press("y")
	h.must("phone 13912345678")
	h.mustNot("B enters it")
	if got := api.renamesSoFar(); got != "code to 13912345678,phone 42 13912345678" {
		t.Fatalf("writes sent: %q", got)
	}
}
