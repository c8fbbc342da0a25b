package ui

// DefaultBindings is every default key of the console, in the order of the
// help screen. It is the one list the binary and the tests share: the
// binary applies the config's [keys] overrides to it, the tests press these
// keys. Users rebind by action name.
func DefaultBindings() []Binding {
	return append(coreBindings(), workflowBindings()...)
}

// DefaultKeyMap is the key map of DefaultBindings, without overrides.
func DefaultKeyMap() KeyMap { return NewKeyMap(DefaultBindings()) }

func coreBindings() []Binding {
	return []Binding{
		{Action: ActOpen, Keys: []string{"enter"}, Desc: "open", Scope: "table"},
		{Action: ActBack, Keys: []string{"esc"}, Desc: "back"},
		{Action: ActCommand, Keys: []string{":"}, Desc: "command"},
		{Action: ActFilter, Keys: []string{"/"}, Desc: "filter"},
		{Action: ActHelp, Keys: []string{"?"}, Desc: "keys"},
		{Action: ActQuit, Keys: []string{"q"}, Desc: "quit"},
		{Action: ActHistBack, Keys: []string{"["}, Desc: "history back"},
		{Action: ActHistFwd, Keys: []string{"]"}, Desc: "history forward"},
		{Action: ActLastToggle, Keys: []string{"-"}, Desc: "last view"},
		{Action: ActRefresh, Keys: []string{"ctrl+r", "f5"}, Help: "ctrl+r", Desc: "refresh"},
		{Action: ActErrors, Keys: []string{"e"}, Desc: "last error"},
		{Action: ActUp, Keys: []string{"up", "k"}, Help: "↑/k", Desc: "up", Scope: "table"},
		{Action: ActDown, Keys: []string{"down", "j"}, Help: "↓/j", Desc: "down", Scope: "table"},
		{Action: ActPageUp, Keys: []string{"pgup", "ctrl+b"}, Desc: "page up", Scope: "table"},
		{Action: ActPageDown, Keys: []string{"pgdown", "ctrl+f"}, Desc: "page down", Scope: "table"},
		{Action: ActTop, Keys: []string{"home", "g"}, Desc: "top", Scope: "table"},
		{Action: ActBottom, Keys: []string{"end", "G"}, Desc: "bottom", Scope: "table"},
		{Action: ActSelect, Keys: []string{"space"}, Desc: "select", Scope: "table"},
		{Action: ActSelectAll, Keys: []string{"ctrl+a"}, Desc: "select all/none", Scope: "table"},
		{Action: ActSort, Keys: []string{"o"}, Desc: "sort by next column", Scope: "table"},
		{Action: ActSortRev, Keys: []string{"O"}, Desc: "reverse sort", Scope: "table"},
		{Action: ActNextPage, Keys: []string{"n"}, Desc: "next page", Scope: "table"},
		{Action: ActPrevPage, Keys: []string{"b"}, Desc: "previous page", Scope: "table"},
		{Action: ActRename, Keys: []string{"R"}, Desc: "rename", Writes: true, Scope: "device"},
		{Action: ActUnbindUser, Keys: []string{"x"}, Desc: "unbind a user", Writes: true, Scope: "device"},
		{Action: ActOwner, Keys: []string{"W"}, Desc: "change owner", Writes: true, Scope: "device"},
		{Action: ActProfile, Keys: []string{"P"}, Desc: "set profile value", Writes: true, Scope: "device"},
		{Action: ActAddToHome, Keys: []string{"H"}, Desc: "add to home", Writes: true, Scope: "device"},
		{Action: ActMoveRoom, Keys: []string{"m"}, Desc: "move to room", Writes: true, Scope: "device"},
		{Action: ActOutOfRoom, Keys: []string{"M"}, Desc: "take out of room", Writes: true, Scope: "device"},
		{Action: ActCreate, Keys: []string{"a"}, Desc: "add", Writes: true, Scope: "device"},
		{Action: ActDelete, Keys: []string{"D"}, Desc: "delete", Writes: true, Scope: "device"},
		{Action: ActBindPhone, Keys: []string{"B"}, Desc: "bind phone", Writes: true, Scope: "device"},
		{Action: ActHomes, Keys: []string{"h"}, Desc: "homes of the user", Scope: "user"},
	}
}

// workflowBindings are the default keys of the console's workflows
// (pairing, timers, firmware, sharing, commands, live events). Scopes:
// "device" for the keys on the device page, "form" for the keys the three
// forms share (timer editor, command composer, service call), "composer"
// for the composer's own, and one for each other workflow page (pairing,
// timers, firmware, share, events). None reuses a global key (esc : / ? q
// [ ] - ctrl+r f5 e), so that typing into a workflow form never collides
// with navigation.
func workflowBindings() []Binding {
	return []Binding{
		// On the device page.
		{Action: ActPair, Keys: []string{"p"}, Desc: "pair sub-devices (gateway)", Writes: true, Scope: "device"},
		{Action: ActTimers, Keys: []string{"t"}, Desc: "timers", Scope: "device"},
		{Action: ActFirmware, Keys: []string{"f"}, Desc: "firmware update", Scope: "device"},
		{Action: ActShare, Keys: []string{"s"}, Desc: "share code and QR (devices, homes)", Writes: true, Scope: "device"},
		{Action: ActSendCommand, Keys: []string{"c"}, Desc: "send a command", Writes: true, Scope: "device"},
		{Action: ActEvents, Keys: []string{"v"}, Desc: "live events", Scope: "device"},

		// Pairing.
		{Action: ActPairOpen, Keys: []string{"o"}, Desc: "open the pairing window", Writes: true, Scope: "pairing"},
		{Action: ActPairDuration, Keys: []string{"d"}, Desc: "window length 60/120/254 s", Scope: "pairing"},
		{Action: ActPairExtend, Keys: []string{"+"}, Desc: "+60 s", Writes: true, Scope: "pairing"},
		{Action: ActPairClose, Keys: []string{"x"}, Desc: "close the window", Writes: true, Scope: "pairing"},
		{Action: ActPairAdd, Keys: []string{"a"}, Desc: "add the selected", Writes: true, Scope: "pairing"},
		{Action: ActPairAddAll, Keys: []string{"A"}, Desc: "add all joined", Writes: true, Scope: "pairing"},
		{Action: ActPairSkip, Keys: []string{"s"}, Desc: "skip", Scope: "pairing"},
		{Action: ActPairName, Keys: []string{"r"}, Desc: "name to add as", Scope: "pairing"},

		// Forms: timer editor, command composer, service call.
		{Action: ActSave, Keys: []string{"ctrl+s"}, Desc: "save / send", Writes: true, Scope: "form"},
		{Action: ActNextField, Keys: []string{"tab"}, Desc: "next field", Scope: "form"},
		{Action: ActPrevField, Keys: []string{"shift+tab"}, Desc: "previous field", Scope: "form"},
		{Action: ActTimeout, Keys: []string{"ctrl+t"}, Desc: "reply timeout", Scope: "composer"},
		{Action: ActResend, Keys: []string{"r"}, Desc: "re-send from history", Writes: true, Scope: "composer"},

		// Timers (a adds and D deletes, as elsewhere).
		{Action: ActTimerToggle, Keys: []string{"space"}, Desc: "start / stop timer", Writes: true, Scope: "timers"},

		// Firmware.
		{Action: ActOTAConfirm, Keys: []string{"u"}, Desc: "confirm update", Writes: true, Scope: "firmware"},
		{Action: ActOTAType, Keys: []string{"m"}, Desc: "MCU / module firmware", Scope: "firmware"},

		// Sharing.
		{Action: ActCopy, Keys: []string{"y"}, Desc: "copy (OSC 52)", Scope: "share"},
		{Action: ActRenew, Keys: []string{"n"}, Desc: "new code", Writes: true, Scope: "share"},
		{Action: ActQRStyle, Keys: []string{"a"}, Desc: "QR style", Scope: "share"},

		// Live events.
		{Action: ActWatchAdd, Keys: []string{"+"}, Desc: "watch another device", Scope: "events"},
		{Action: ActWatchRemove, Keys: []string{"x"}, Desc: "stop watching", Scope: "events"},
		{Action: ActPause, Keys: []string{"p"}, Desc: "pause / follow", Scope: "events"},
	}
}
