package ui

import (
	tea "charm.land/bubbletea/v2"
)

// keyClaimer pages see key presses before the global bindings. Forms
// claim printable keys while a text field has focus, so that typing "q" or
// "e" into a field does not quit or open the last error; pages with work
// in flight claim esc to ask before leaving it.
type keyClaimer interface {
	claimKey(a *App, m tea.KeyPressMsg) (tea.Cmd, bool)
}

func claimKey(a *App, m tea.KeyPressMsg) (tea.Cmd, bool) {
	if len(a.stack) == 0 || m.String() == "ctrl+c" {
		return nil, false
	}
	if c, ok := a.top().(keyClaimer); ok {
		return c.claimKey(a, m)
	}
	return nil, false
}

// isLeaveKey reports a key that takes the operator off the page: back,
// quit (which pops), and the history keys.
func isLeaveKey(a *App, m tea.KeyPressMsg) bool {
	k := a.keys
	return m.String() == "esc" || k.Is(m, ActBack) || k.Is(m, ActQuit) || k.Is(m, ActHistBack) || k.Is(m, ActHistFwd) || k.Is(m, ActLastToggle)
}

// escStopsTyping is esc in a form's text field (timer editor, command
// composer, service call): while typing, the first esc stops typing, so
// that ":" (the command bar, e.g. :write) and a second esc (leave) work
// again without losing the form. It claims the key only when it stopped
// typing; otherwise esc goes on to the page's leave handling.
func escStopsTyping(a *App, typing *bool) (tea.Cmd, bool) {
	if !*typing {
		return nil, false
	}
	*typing = false
	return a.Flash(a.T("shell.stopped_typing", "Key", a.keyLabel(ActCommand))), true
}
