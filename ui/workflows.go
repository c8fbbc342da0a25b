package ui

import tea "charm.land/bubbletea/v2"

// The console's workflows (pairing, timers, firmware, sharing, commands,
// service calls, live events) hang off the device page and the command bar
// through these three functions, so each workflow lives in its own file.

// deviceWorkflowKey handles a key on the device page that is not one of
// the page's own.
func deviceWorkflowKey(a *App, ref DeviceRef, d DeviceDetail, m tea.KeyPressMsg) (tea.Cmd, bool) {
	return nil, false
}

// deviceWorkflowMsg receives non-key messages routed to the device page.
func deviceWorkflowMsg(a *App, p *devicePage, msg tea.Msg) tea.Cmd { return nil }

// deviceWorkflowHints are the workflow actions the device page's footer
// offers for this device.
func deviceWorkflowHints(d *DeviceDetail) []string { return nil }

// workflowCommands are the ":" commands of the workflows.
func workflowCommands() []command { return nil }
