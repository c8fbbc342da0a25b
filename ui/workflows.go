package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
)

// The console's workflows (pairing, timers, firmware, sharing, commands,
// service calls, live events) hang off the device page and the command bar
// through the seams below, so that each workflow lives in its own file
// (page_*.go) and the shell does not grow with them.

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

// afterFunc is how the console waits (status line, write mode, polls and
// the workflow pages' ticks): a tea.Tick. Model tests replace it
// with a manual clock, so that countdowns are tested without sleeping.
var afterFunc = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd { return tea.Tick(d, fn) }

// pageTick delivers tick to page p after d. It travels as a loaded
// message, which the App routes by page whether or not p is on top, so a
// countdown chain survives the operator looking at another page; the page
// drops ticks whose tag is not its latest, so a chain never doubles
// (UI_GUIDE §4.7).
func pageTick(p Page, d time.Duration, tick any) tea.Cmd {
	return afterFunc(d, func(time.Time) tea.Msg { return loaded{page: p, gen: -1, val: tick} })
}

// onStack reports whether p is still on the page stack; pages that are
// gone stop their ticks.
func onStack(a *App, p Page) bool {
	for _, q := range a.stack {
		if q == p {
			return true
		}
	}
	return false
}

// onTop reports whether p is the page on top. Pages that poll the cloud on
// their own chains keep the chain while hidden but skip the read (the
// events page's rule): nobody sees the answer, and coming back on top
// reads again at the next tick.
func onTop(a *App, p Page) bool {
	return len(a.stack) > 0 && a.top() == p
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
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
	return a.Flash("stopped typing: \":\" runs a command (such as :write), esc leaves, enter types again"), true
}

// askWith is App.Ask with the answer pre-filled, for edits of a value.
func askWith(a *App, question, value string, submit func(a *App, answer string) tea.Cmd) {
	a.Ask(question, submit)
	a.input.SetValue(value)
	a.input.CursorEnd()
}

// ownerOf finds the device's owner among its users.
func ownerOf(d DeviceDetail) (models.DeviceUser, bool) {
	for _, u := range d.Users {
		if u.UserType == 1 {
			return u, true
		}
	}
	return models.DeviceUser{}, false
}

func userLabel(u models.DeviceUser) string {
	name := u.NickName
	if name == "" {
		name = u.Phone
	}
	if name == "" {
		name = u.Email
	}
	if name == "" {
		return fmt.Sprintf("user #%d", u.UserID)
	}
	return fmt.Sprintf("%s (#%d)", models.SanitizeLine(name), u.UserID)
}

// actingRef is the device as the workflows reach it: for the user the
// console came through, else for the owner (as the device page does for
// rename), with every id filled in from the loaded detail.
func actingRef(ref DeviceRef, d DeviceDetail) DeviceRef {
	r := DeviceRef{UserID: ref.UserID, DeviceID: d.Device.DeviceID, SubDomain: d.Device.SubDomainName, PhysicalID: d.Device.PhysicalDeviceID}
	if r.DeviceID == 0 {
		r.DeviceID = ref.DeviceID
	}
	if r.SubDomain == "" {
		r.SubDomain = ref.SubDomain
	}
	if r.PhysicalID == "" {
		r.PhysicalID = ref.PhysicalID
	}
	if r.UserID == 0 {
		if o, ok := ownerOf(d); ok {
			r.UserID = o.UserID
		}
	}
	return r
}

// deviceTitle names a device in page titles and questions.
func deviceTitle(d DeviceDetail) string {
	name := d.Device.Name
	if name == "" {
		name = d.Device.PhysicalDeviceID
	}
	return models.SanitizeLine(name)
}

// looksLikeGateway decides whether the device page offers pairing: a
// device with sub-devices, or of a product whose state report has a
// pairing window.
func looksLikeGateway(d *DeviceDetail) bool {
	if d == nil || d.Device.IsSubDevice() {
		return false
	}
	if len(d.SubDevices) > 0 {
		return true
	}
	for _, m := range productMessages(d.Device.SubDomainName) {
		for _, f := range m.Fields {
			if f.Name == "permit join" {
				return true
			}
		}
	}
	return false
}

// deviceWorkflowKeys are the workflow keys of the device page (off: why
// none works for this device). Pairing is offered in the footer for what
// looks like a gateway only; the key works on any device and says why a
// sub-device cannot pair.
func deviceWorkflowKeys(p *devicePage, off string) []pageKey {
	loaded := p.detail != nil
	open := func(push func(r DeviceRef, d DeviceDetail) Page) func(a *App) tea.Cmd {
		return func(a *App) tea.Cmd {
			if p.detail == nil {
				return nil
			}
			return a.Push(push(actingRef(p.ref, *p.detail), *p.detail))
		}
	}
	return []pageKey{
		{action: ActPair, hint: looksLikeGateway(p.detail), off: off, run: func(a *App) tea.Cmd {
			if p.detail == nil {
				return nil
			}
			d := *p.detail
			if d.Device.IsSubDevice() {
				return a.Fail(errorf(fmt.Sprintf("%s is a sub-device of gateway #%d: open the gateway to pair", deviceTitle(d), d.Device.GatewayDeviceID)))
			}
			return a.Push(newPairingPage(actingRef(p.ref, d), d))
		}},
		{action: ActSendCommand, hint: loaded, off: off, run: open(func(r DeviceRef, d DeviceDetail) Page { return newComposerPage(r, d) })},
		{action: ActTimers, hint: loaded, off: off, run: open(func(r DeviceRef, d DeviceDetail) Page { return newTimersPage(r, d) })},
		{action: ActFirmware, hint: loaded, off: off, run: open(func(r DeviceRef, d DeviceDetail) Page { return newOTAPage(r, d) })},
		{action: ActShare, hint: loaded, off: off, run: func(a *App) tea.Cmd {
			if p.detail == nil {
				return nil
			}
			return a.Push(newDeviceSharePage(p.ref, *p.detail))
		}},
		{action: ActEvents, hint: loaded, run: open(func(r DeviceRef, d DeviceDetail) Page { return newEventsPage([]watchedDevice{watchOf(r, d)}) })},
	}
}

// workflowCommands are the ":" commands of the workflows.
func workflowCommands() []command {
	return []command{
		{"ota", []string{"firmware", "updates"}, "ota [product]", "devices with a firmware update, per product; confirm several", cmdOTA},
		{"call", []string{"uds", "service"}, "call <service>[/method]", "call a cloud service (UDS) with a JSON body", cmdCall},
		{"watch", []string{"tail", "events"}, "watch [device id|physical id …]", "live events of several devices, merged", cmdWatch},
		{"share", nil, "share", "share code and QR of the device or home in view", cmdShare},
	}
}

// cmdShare shares what the operator is looking at: the device page, or
// the home under the cursor of a homes list.
func cmdShare(a *App, _ string) tea.Cmd {
	switch p := a.top().(type) {
	case *devicePage:
		if p.detail == nil {
			return a.Fail(errorf("the device is still loading"))
		}
		return a.Push(newDeviceSharePage(p.ref, *p.detail))
	case *listPage[models.Home]:
		if h, ok := p.tbl.CursorRow(); ok {
			return a.Push(newHomeSharePage(homeViewer(a), h))
		}
	}
	return a.Fail(errorf("open a device or a homes list (:homes), then :share"))
}

// homeViewer is the user whose homes are in view (0 when none).
func homeViewer(a *App) int64 {
	for i := len(a.stack) - 1; i >= 0; i-- {
		if u, ok := a.stack[i].(interface{ UserID() int64 }); ok && u.UserID() != 0 {
			return u.UserID()
		}
	}
	return 0
}

// shortID is the tail of a physical id, for default names and narrow
// columns ("Bulb 3F2A").
func shortID(pid string) string {
	if len(pid) > 4 {
		return strings.ToUpper(pid[len(pid)-4:])
	}
	return strings.ToUpper(pid)
}

// approve is the yes-action of a confirmation: it hands v back to page p
// as a message, so that the page starts the work on the UI goroutine (a
// Cmd runs on its own goroutine and must not touch the page).
func approve(p Page, v any) tea.Cmd {
	return func() tea.Msg { return loaded{page: p, gen: -1, val: v} }
}

// runVal runs fn in the background and hands its result to page p as is
// (gen -1: results that carry their own identity, such as one add of
// several, are not superseded by a later request).
func runVal(a *App, p Page, fn func(ctx context.Context) any) tea.Cmd {
	ctx := a.ctx
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return loaded{page: p, gen: -1, val: fn(c)}
	}
}
