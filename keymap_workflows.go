package main

import "acconsole/ui"

// workflowBindings are the default keys of the console's workflows
// (pairing, timers, firmware, sharing, commands, live events). Scopes:
// "device" for the keys on the device page, "form" for the keys the three
// forms share (timer editor, command composer, service call), "composer"
// for the composer's own, and one for each other workflow page (pairing,
// timers, firmware, share, events). None reuses a global key (esc : / ? q
// [ ] - ctrl+r f5 e), so that typing into a workflow form never collides
// with navigation.
func workflowBindings() []ui.Binding {
	return []ui.Binding{
		// On the device page.
		{Action: ui.ActPair, Keys: []string{"p"}, Desc: "pair sub-devices (gateway)", Writes: true, Scope: "device"},
		{Action: ui.ActTimers, Keys: []string{"t"}, Desc: "timers", Scope: "device"},
		{Action: ui.ActFirmware, Keys: []string{"f"}, Desc: "firmware update", Scope: "device"},
		{Action: ui.ActShare, Keys: []string{"s"}, Desc: "share code and QR (devices, homes)", Writes: true, Scope: "device"},
		{Action: ui.ActSendCommand, Keys: []string{"c"}, Desc: "send a command", Writes: true, Scope: "device"},
		{Action: ui.ActEvents, Keys: []string{"v"}, Desc: "live events", Scope: "device"},

		// Pairing.
		{Action: ui.ActPairOpen, Keys: []string{"o"}, Desc: "open the pairing window", Writes: true, Scope: "pairing"},
		{Action: ui.ActPairDuration, Keys: []string{"d"}, Desc: "window length 60/120/254 s", Scope: "pairing"},
		{Action: ui.ActPairExtend, Keys: []string{"+"}, Desc: "+60 s", Writes: true, Scope: "pairing"},
		{Action: ui.ActPairClose, Keys: []string{"x"}, Desc: "close the window", Writes: true, Scope: "pairing"},
		{Action: ui.ActPairAdd, Keys: []string{"a"}, Desc: "add the selected", Writes: true, Scope: "pairing"},
		{Action: ui.ActPairAddAll, Keys: []string{"A"}, Desc: "add all joined", Writes: true, Scope: "pairing"},
		{Action: ui.ActPairSkip, Keys: []string{"s"}, Desc: "skip", Scope: "pairing"},
		{Action: ui.ActPairName, Keys: []string{"r"}, Desc: "name to add as", Scope: "pairing"},

		// Forms: timer editor, command composer, service call.
		{Action: ui.ActSave, Keys: []string{"ctrl+s"}, Desc: "save / send", Writes: true, Scope: "form"},
		{Action: ui.ActNextField, Keys: []string{"tab"}, Desc: "next field", Scope: "form"},
		{Action: ui.ActPrevField, Keys: []string{"shift+tab"}, Desc: "previous field", Scope: "form"},
		{Action: ui.ActTimeout, Keys: []string{"ctrl+t"}, Desc: "reply timeout", Scope: "composer"},
		{Action: ui.ActResend, Keys: []string{"r"}, Desc: "re-send from history", Writes: true, Scope: "composer"},

		// Timers (a adds and D deletes, as elsewhere).
		{Action: ui.ActTimerToggle, Keys: []string{"space"}, Desc: "start / stop timer", Writes: true, Scope: "timers"},

		// Firmware.
		{Action: ui.ActOTAConfirm, Keys: []string{"u"}, Desc: "confirm update", Writes: true, Scope: "firmware"},
		{Action: ui.ActOTAType, Keys: []string{"m"}, Desc: "MCU / module firmware", Scope: "firmware"},

		// Sharing.
		{Action: ui.ActCopy, Keys: []string{"y"}, Desc: "copy (OSC 52)", Scope: "share"},
		{Action: ui.ActRenew, Keys: []string{"n"}, Desc: "new code", Writes: true, Scope: "share"},
		{Action: ui.ActQRStyle, Keys: []string{"a"}, Desc: "QR style", Scope: "share"},

		// Live events.
		{Action: ui.ActWatchAdd, Keys: []string{"+"}, Desc: "watch another device", Scope: "events"},
		{Action: ui.ActWatchRemove, Keys: []string{"x"}, Desc: "stop watching", Scope: "events"},
		{Action: ui.ActPause, Keys: []string{"p"}, Desc: "pause / follow", Scope: "events"},
	}
}
