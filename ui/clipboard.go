package ui

import tea "charm.land/bubbletea/v2"

// copyToClipboard puts s on the terminal's clipboard with Bubble Tea's
// clipboard command (OSC 52, which works over SSH too) and says in the
// status line what was copied; the operator cannot see the clipboard, and
// a terminal that ignores OSC 52 leaves the text on screen to copy by hand.
func copyToClipboard(a *App, s string) tea.Cmd {
	return tea.Batch(tea.SetClipboard(s), a.Flash(a.T("shell.clipboard.copied", "Text", clipText(s, 60))))
}
