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
		{Action: ActOpen, Keys: []string{"enter"}, Desc: "open"},
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
		{Action: ActUp, Keys: []string{"up", "k"}, Help: "↑/k", Desc: "up"},
		{Action: ActDown, Keys: []string{"down", "j"}, Help: "↓/j", Desc: "down"},
		{Action: ActPageUp, Keys: []string{"pgup", "ctrl+b"}, Desc: "page up"},
		{Action: ActPageDown, Keys: []string{"pgdown", "ctrl+f"}, Desc: "page down"},
		{Action: ActTop, Keys: []string{"home", "g"}, Desc: "top"},
		{Action: ActBottom, Keys: []string{"end", "G"}, Desc: "bottom"},
		{Action: ActSelect, Keys: []string{"space"}, Desc: "select"},
		{Action: ActSelectAll, Keys: []string{"ctrl+a"}, Desc: "select all/none"},
		{Action: ActSort, Keys: []string{"o"}, Desc: "sort by next column"},
		{Action: ActSortRev, Keys: []string{"O"}, Desc: "reverse sort"},
		{Action: ActNextPage, Keys: []string{"n"}, Desc: "next page"},
		{Action: ActPrevPage, Keys: []string{"b"}, Desc: "previous page"},
		{Action: ActRename, Keys: []string{"R"}, Desc: "rename", Writes: true},
		{Action: ActUnbindUser, Keys: []string{"x"}, Desc: "unbind a user", Writes: true},
		{Action: ActOwner, Keys: []string{"W"}, Desc: "change owner", Writes: true},
		{Action: ActProfile, Keys: []string{"P"}, Desc: "set profile value", Writes: true},
		{Action: ActAddToHome, Keys: []string{"H"}, Desc: "add to home", Writes: true},
		{Action: ActMoveRoom, Keys: []string{"m"}, Desc: "move to room", Writes: true},
		{Action: ActOutOfRoom, Keys: []string{"M"}, Desc: "take out of room", Writes: true},
		{Action: ActCreate, Keys: []string{"a"}, Desc: "add", Writes: true},
		{Action: ActDelete, Keys: []string{"D"}, Desc: "delete", Writes: true},
		{Action: ActBindPhone, Keys: []string{"B"}, Desc: "bind phone", Writes: true},
		{Action: ActHomes, Keys: []string{"h"}, Desc: "homes of the user"},
	}
}

// workflowBindings are the default keys of the console's workflows
// (pairing, timers, firmware, sharing, commands, live events). Which page
// listens to which is in each page's key list (pageKeys). None reuses a
// global key (esc : / ? q [ ] - ctrl+r f5 e), so that typing into a
// workflow form never collides with navigation.
func workflowBindings() []Binding {
	return []Binding{
		// On the device page.
		{Action: ActPair, Keys: []string{"p"}, Desc: "pair sub-devices (gateway)", Writes: true},
		{Action: ActTimers, Keys: []string{"t"}, Desc: "timers"},
		{Action: ActFirmware, Keys: []string{"f"}, Desc: "firmware update"},
		{Action: ActShare, Keys: []string{"s"}, Desc: "share code and QR (devices, homes)", Writes: true},
		{Action: ActSendCommand, Keys: []string{"c"}, Desc: "send a command", Writes: true},
		{Action: ActEvents, Keys: []string{"v"}, Desc: "live events"},
		{Action: ActCopyID, Keys: []string{"y"}, Desc: "copy physical id"},

		// Pairing.
		{Action: ActPairOpen, Keys: []string{"o"}, Desc: "open the pairing window", Writes: true},
		{Action: ActPairDuration, Keys: []string{"d"}, Desc: "window length 60/120/254 s"},
		{Action: ActPairExtend, Keys: []string{"+"}, Desc: "+60 s", Writes: true},
		{Action: ActPairClose, Keys: []string{"x"}, Desc: "close the window", Writes: true},
		{Action: ActPairAdd, Keys: []string{"a"}, Desc: "add the selected", Writes: true},
		{Action: ActPairAddAll, Keys: []string{"A"}, Desc: "add all joined", Writes: true},
		{Action: ActPairSkip, Keys: []string{"s"}, Desc: "skip"},
		{Action: ActPairName, Keys: []string{"r"}, Desc: "name to add as"},

		// Forms: timer editor, command composer, service call.
		{Action: ActSave, Keys: []string{"ctrl+s"}, Desc: "save / send", Writes: true},
		{Action: ActNextField, Keys: []string{"tab"}, Desc: "next field"},
		{Action: ActPrevField, Keys: []string{"shift+tab"}, Desc: "previous field"},
		{Action: ActTimeout, Keys: []string{"ctrl+t"}, Desc: "reply timeout"},
		{Action: ActResend, Keys: []string{"r"}, Desc: "re-send from history", Writes: true},

		// Timers (a adds and D deletes, as elsewhere).
		{Action: ActTimerToggle, Keys: []string{"space"}, Desc: "start / stop timer", Writes: true},

		// Firmware.
		{Action: ActOTAConfirm, Keys: []string{"u"}, Desc: "confirm update", Writes: true},
		{Action: ActOTAType, Keys: []string{"m"}, Desc: "MCU / module firmware"},

		// Sharing.
		{Action: ActCopy, Keys: []string{"y"}, Desc: "copy (OSC 52)"},
		{Action: ActRenew, Keys: []string{"n"}, Desc: "new code", Writes: true},
		{Action: ActQRStyle, Keys: []string{"a"}, Desc: "QR style"},

		// Live events.
		{Action: ActWatchAdd, Keys: []string{"+"}, Desc: "watch another device"},
		{Action: ActWatchRemove, Keys: []string{"x"}, Desc: "stop watching"},
		{Action: ActPause, Keys: []string{"p"}, Desc: "pause / follow"},
	}
}
