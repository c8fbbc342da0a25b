package ui

// The workflows (pairing, timers, firmware, sharing, commands, service
// calls, live events) live in their own files (page_*.go); what they keep
// for the whole session is here.

// workflowState is what the workflows keep for the whole session (on the
// App, so it outlives the pages): per-device command history, the service
// call history, the watch list, and the bridge for WeChat QR codes.
type workflowState struct {
	shareQR  ShareQRFunc
	scanHint string                  // where a WeChat QR can be scanned without a phone
	commands map[int64][]sentCommand // by device id, newest last
	calls    []callRecord
	watch    []watchedDevice
}

func newWorkflowState(o Options) workflowState {
	return workflowState{shareQR: o.ShareQR, scanHint: o.ShareScanHint, commands: map[int64][]sentCommand{}}
}
