package ui

import (
	"acconsole/i18n"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
	"acconsole/ui/components/table"
)

// Pairing windows: a gateway's timer is one byte, so 254 s is the longest
// (FEATURES §4: 0xFF means "open for ever" on some stacks; never send it).
const (
	maxWindow    = 254
	extendBy     = 60
	pairPollGap  = time.Second // listNewDevices about once a second
	closingGrace = 3 * time.Second
)

var windowPresets = []int{60, 120, 254}

// Row states of a pairing run.
const (
	rowJoined  = "joined"
	rowAdding  = "adding"
	rowAdded   = "added"
	rowFailed  = "failed"
	rowSkipped = "skipped"
	rowLeft    = "left" // no longer waiting, added by someone else or evicted
)

// pairStateIDs name the row states on screen.
var pairStateIDs = map[string]string{
	rowJoined: "pairing.state.joined", rowAdding: "pairing.state.adding", rowAdded: "pairing.state.added",
	rowFailed: "pairing.state.failed", rowSkipped: "pairing.state.skipped", rowLeft: "pairing.state.left",
}

// Why a run ended: message ids of pairing.why.
const (
	whyOperator        = "pairing.why.operator"
	whyOperatorLeaving = "pairing.why.operator_leaving"
	whyGateway         = "pairing.why.gateway"
	whyTimeUp          = "pairing.why.time_up"
	whyTimeUpNoReport  = "pairing.why.time_up_no_report"
)

// Pairing phases.
const (
	phaseReady   = iota // window closed, nothing opened yet
	phaseOpening        // openGatewayMatch on its way
	phaseOpen
	phaseClosed // the run is over: summary
)

type pairRow struct {
	dev      JoinedDevice
	name     string
	state    string
	earlier  bool      // waiting before this run started (jemma#119)
	seen     time.Time // when the console first saw it
	err      string
	deviceID int64
}

func (r pairRow) joined() time.Time {
	if !r.dev.JoinedAt.IsZero() {
		return r.dev.JoinedAt
	}
	return r.seen
}

// pairingPage is a recorded pairing run on one gateway (FEATURES §2 E):
// before opening it lists sub-devices that joined and were never added;
// while the window is open the countdown follows the gateway's own
// deadline, "+" extends it, "x" closes it, and joined sub-devices stream
// in with their state; on close a summary goes to the screen and, as the
// note of the close call, to the audit log.
type pairingPage struct {
	gw     DeviceRef
	detail DeviceDetail

	preset int // index into windowPresets
	phase  int

	window   MatchWindow // the gateway's view
	local    time.Time   // our own deadline estimate, for clouds without history
	runStart time.Time
	runEnd   time.Time
	opened   bool

	rows map[string]*pairRow
	tbl  *table.Table[pairRow]

	pollGen  int
	pollTag  int
	cdTag    int
	loaded   bool
	err      error
	closeErr error
	// recorded: the close call carrying the summary was answered, so the
	// run is in the audit log (the screen says so only then).
	recorded bool
	// run is the last run's summary, said on screen in the console's
	// language; summary is the same in English, the note the close call
	// records in the audit log ("" until the run is summarised).
	run     pairSummary
	summary string
	// tr is the console's language as of the last key or frame, for
	// Unsaved (asked without an App).
	tr *i18n.Translator
	// pendingWhy holds why the run ended while adds were still in
	// flight: the summary waits for their answers.
	pendingWhy string
	// span is the length of the window as last opened (or first seen
	// open): the progress bar's whole.
	span time.Duration
}

type (
	pairPoll struct {
		joined []JoinedDevice
		window MatchWindow
		werr   error
	}
	pairPollTick  struct{ tag int }
	pairCountdown struct{ tag int }
	pairOpened    struct {
		seconds int
		at      time.Time
		err     error
	}
	pairClosed struct{ err error }
	pairAdded  struct {
		pid string
		dev models.Device
		err error
	}
	pairAddApproved struct{ pids []string }
	// pairCloseApproved is the yes to "close the window now?" (x).
	pairCloseApproved struct{}
	// closeAndLeave is the yes to "the window is open: close it and leave?".
	closeAndLeave struct{}
)

func newPairingPage(gw DeviceRef, d DeviceDetail) *pairingPage {
	return &pairingPage{gw: gw, detail: d, preset: 1, rows: map[string]*pairRow{}, tr: neutral()}
}

func (p *pairingPage) Title(tr *i18n.Translator) string { return tr.T("pairing.title") }

// windowActive reports a window that is open or being opened: the poll
// chain runs exactly then, and leaving needs a yes.
func (p *pairingPage) windowActive() bool {
	return p.phase == phaseOpen || p.phase == phaseOpening
}

// Unsaved implements Guarded: leaving the console with the window open
// would leave the gateway accepting devices with nobody adding them, and
// the run would never be summarised into the audit log.
func (p *pairingPage) Unsaved() string {
	if p.windowActive() || (p.opened && p.summary == "") {
		return p.tr.T("pairing.unsaved", "Gateway", deviceTitle(p.detail))
	}
	return ""
}

// Resume implements Resumer: the poll chain and the countdown end while
// the page is off the stack, so they start again, with fresh tags that
// void any older chain (never two at once), when it is back on top.
func (p *pairingPage) Resume(a *App) tea.Cmd {
	var cmds []tea.Cmd
	if p.windowActive() {
		cmds = append(cmds, p.restartPoll(a))
	}
	if p.phase == phaseOpen {
		cmds = append(cmds, p.startCountdown(a))
	}
	return tea.Batch(cmds...)
}

// pageKeys: the window's keys (open and its length before, extend and
// close while open; the footer offers the ones of the phase), then the
// joined sub-devices' (add, add all, name, skip), then the table's.
func (p *pairingPage) pageKeys() []pageKey {
	open := p.phase == phaseOpen || p.phase == phaseOpening
	tbl := func(a *App) *table.Table[pairRow] { p.ensureTable(a); return p.tbl }
	with := func(f func(a *App) tea.Cmd) func(a *App) tea.Cmd {
		return func(a *App) tea.Cmd { p.ensureTable(a); return f(a) }
	}
	list := []pageKey{
		{action: ActPairExtend, hint: open, writes: true, audit: "Pairing: open window", run: with(p.extend)},
		{action: ActPairClose, hint: open, writes: true, audit: "Pairing: close window", run: with(p.close)},
		{action: ActPairOpen, hint: !open, writes: true, audit: "Pairing: open window", run: with(p.askOpen)},
		{action: ActPairDuration, hint: !open, run: func(a *App) tea.Cmd {
			p.preset = (p.preset + 1) % len(windowPresets)
			return a.Flash(a.T("pairing.length_set", "Seconds", windowPresets[p.preset]))
		}},
	}
	if !open {
		list[0], list[1], list[2], list[3] = list[2], list[3], list[0], list[1]
	}
	// The table's select key is offered in the footer, after the
	// window's keys; the other table keys follow the page's own.
	var sel, shared []pageKey
	for _, e := range tableKeys(tbl, true) {
		if e.action == ActSelect {
			e.hint = true
			sel = append(sel, e)
		} else {
			shared = append(shared, e)
		}
	}
	list = append(list, sel...)
	list = append(list,
		pageKey{action: ActPairAdd, hint: true, writes: true, audit: "Pairing: add sub-devices", run: with(func(a *App) tea.Cmd { return p.confirmAdd(a, p.targets(false)) })},
		pageKey{action: ActPairAddAll, hint: true, writes: true, audit: "Pairing: add sub-devices", run: with(func(a *App) tea.Cmd { return p.confirmAdd(a, p.targets(true)) })},
		pageKey{action: ActPairName, hint: true, run: with(p.pairName)},
		pageKey{action: ActPairSkip, hint: true, run: with(func(a *App) tea.Cmd { p.skip(); return nil })},
	)
	return append(list, shared...)
}

func (p *pairingPage) Update(a *App, msg tea.Msg) tea.Cmd {
	p.tr = a.tr
	switch m := msg.(type) {
	case tickMsg:
		return p.tick(a, m.tick)
	case approvedMsg:
		return p.approved(a, m.yes)
	case loaded:
		return p.result(a, m)
	case doneMsg:
		return p.done(a, m.val)
	}
	return nil
}

func (p *pairingPage) claimKey(a *App, m tea.KeyPressMsg) (tea.Cmd, bool) {
	if !isLeaveKey(a, m) || (p.phase != phaseOpen && p.phase != phaseOpening) {
		return nil, false
	}
	a.Confirm(a.T("pairing.leave_confirm", "Left", fmtClock(p.remaining(a))),
		approve(p, closeAndLeave{}))
	return nil, true
}

// pairName asks for the name the row under the cursor is added as.
func (p *pairingPage) pairName(a *App) tea.Cmd {
	r, ok := p.tbl.CursorRow()
	if !ok {
		return nil
	}
	askWith(a, a.T("pairing.name_prompt", "PID", r.dev.PhysicalID), r.name, func(a *App, s string) tea.Cmd {
		s = strings.TrimSpace(s)
		if s == "" {
			return a.Fail(errorf(a.T("pairing.name_empty")))
		}
		if row := p.rows[r.dev.PhysicalID]; row != nil {
			row.name = s
			p.refresh()
		}
		return nil
	})
	return nil
}

// skip sets the targeted joined rows aside (or back).
func (p *pairingPage) skip() {
	for _, r := range p.targets(false) {
		row := p.rows[r.dev.PhysicalID]
		switch row.state {
		case rowJoined:
			row.state = rowSkipped
		case rowSkipped:
			row.state = rowJoined
		}
	}
	p.tbl.SelectNone()
	p.refresh()
}

// targets are the rows an action applies to: the selection, else the
// cursor row; all = every row waiting to be added.
func (p *pairingPage) targets(all bool) []pairRow {
	var out []pairRow
	if all {
		for _, r := range p.tbl.Rows() {
			if r.state == rowJoined || r.state == rowFailed {
				out = append(out, r)
			}
		}
		return out
	}
	if sel := p.tbl.Selected(); len(sel) > 0 {
		return sel
	}
	if r, ok := p.tbl.CursorRow(); ok {
		out = append(out, r)
	}
	return out
}

func (p *pairingPage) askOpen(a *App) tea.Cmd {
	if cmd := a.refuseWrite("Pairing: open window"); cmd != nil {
		return cmd
	}
	if p.phase == phaseOpen || p.phase == phaseOpening {
		return a.Flash(a.T("pairing.already_open", "ExtendKey", a.keys.Get(ActPairExtend).Label(), "CloseKey", a.keys.Get(ActPairClose).Label()))
	}
	if p.phase == phaseClosed {
		// A new run: what joined before counts as earlier now.
		for _, r := range p.rows {
			r.earlier = true
		}
		p.opened, p.summary, p.run, p.closeErr, p.recorded = false, "", pairSummary{}, nil, false
		p.phase = phaseReady
		p.refresh()
	}
	q := a.T("pairing.open_prompt", "Gateway", deviceTitle(p.detail), "Max", maxWindow)
	askWith(a, q, strconv.Itoa(windowPresets[p.preset]), func(a *App, s string) tea.Cmd {
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "s")))
		if err != nil || n < 1 || n > maxWindow {
			return a.Fail(errorf(a.T("pairing.bad_length", "Max", maxWindow)))
		}
		return p.open(a, n)
	})
	return nil
}

func (p *pairingPage) open(a *App, seconds int) tea.Cmd {
	if cmd := a.refuseWrite("Pairing: open window"); cmd != nil {
		return cmd
	}
	if p.phase != phaseOpen {
		p.phase = phaseOpening
	}
	api, gw := a.api, p.gw
	at := a.Now()
	return runVal(a, p, func(ctx context.Context) any {
		return pairOpened{seconds: seconds, at: at, err: api.OpenGatewayMatch(ctx, gw, seconds)}
	})
}

// extend moves the deadline 60 s later, by re-opening with the time left
// plus 60 (the protocol has no "extend"; opening an open window moves its
// end), never past the gateway's 254 s. It asks no confirm, unlike open
// and close: it only lengthens a window the operator opened and confirmed
// on this page, by a bounded minute, and write mode is still required.
func (p *pairingPage) extend(a *App) tea.Cmd {
	if p.phase != phaseOpen {
		return a.Flash(a.T("pairing.none_open_key", "OpenKey", a.keys.Get(ActPairOpen).Label()))
	}
	left := int((p.remaining(a) + time.Second - 1) / time.Second)
	n := min(max(left, 0)+extendBy, maxWindow)
	if n <= left {
		return a.Flash(a.T("pairing.at_longest", "Max", maxWindow))
	}
	return p.open(a, n)
}

// close asks before ending the run early: a close cannot be taken back
// (opening again starts a new run, and the devices still joining are cut
// off meanwhile).
func (p *pairingPage) close(a *App) tea.Cmd {
	if !p.windowActive() {
		return a.Flash(a.T("pairing.none_open"))
	}
	if cmd := a.refuseWrite("Pairing: close window"); cmd != nil {
		return cmd
	}
	q := a.T("pairing.close_confirm", "Gateway", deviceTitle(p.detail))
	if p.phase == phaseOpen {
		q = a.T("pairing.close_confirm_left", "Gateway", deviceTitle(p.detail), "Left", fmtClock(p.remaining(a)))
	}
	a.Confirm(q, approve(p, pairCloseApproved{}))
	return nil
}

func (p *pairingPage) confirmAdd(a *App, rows []pairRow) tea.Cmd {
	if cmd := a.refuseWrite("Pairing: add sub-devices"); cmd != nil {
		return cmd
	}
	var pids, names []string
	for _, r := range rows {
		if r.state == rowJoined || r.state == rowFailed || r.state == rowSkipped {
			pids = append(pids, r.dev.PhysicalID)
			names = append(names, fmt.Sprintf("%q", r.name))
		}
	}
	if len(pids) == 0 {
		return a.Flash(a.T("pairing.nothing_to_add", "SelectKey", a.keyLabel(ActSelect)))
	}
	q := a.N("pairing.add_confirm", len(pids), "Gateway", deviceTitle(p.detail), "Names", clipText(strings.Join(names, a.T("pairing.list_separator")), 200))
	a.Confirm(q, approve(p, pairAddApproved{pids: pids}))
	return nil
}

func (p *pairingPage) add(a *App, pids []string) tea.Cmd {
	if cmd := a.refuseWrite("Pairing: add sub-devices"); cmd != nil {
		return cmd
	}
	api, gw := a.api, p.gw
	var cmds []tea.Cmd
	for _, pid := range pids {
		r := p.rows[pid]
		if r == nil {
			continue
		}
		r.state, r.err = rowAdding, ""
		sub, name := r.dev.SubDomain, r.name
		cmds = append(cmds, runVal(a, p, func(ctx context.Context) any {
			d, err := api.AddSubDevice(ctx, gw, sub, pid, name)
			return pairAdded{pid: pid, dev: d, err: err}
		}))
	}
	p.tbl.SelectNone()
	p.refresh()
	return tea.Batch(cmds...)
}
