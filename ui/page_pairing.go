package ui

import (
	"acconsole/i18n"
	"context"
	"fmt"
	"sort"
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

func (p *pairingPage) ensureTable(a *App) {
	if p.tbl != nil {
		return
	}
	p.tbl = table.New(table.Options[pairRow]{
		Texts:   tableTexts(a),
		Columns: p.columns(a),
		ID:      func(r pairRow) string { return r.dev.PhysicalID },
		Cells: func(r pairRow) []string {
			joined := a.T("pairing.joined_earlier")
			if !r.earlier {
				joined = r.joined().Local().Format("15:04:05")
				if r.dev.JoinedAt.IsZero() {
					joined = "~" + r.seen.Local().Format("15:04:05")
				}
			}
			note := r.err
			if r.state == rowAdded && r.deviceID != 0 {
				note = a.T("pairing.added_as_device", "ID", r.deviceID)
			}
			state := r.state
			if id, ok := pairStateIDs[r.state]; ok {
				state = a.T(id)
			}
			return []string{r.dev.PhysicalID, orDash(r.dev.SubDomain), joined, state, r.name, note}
		},
		Tone: func(r pairRow, col int) table.Tone {
			if col != 3 && col != 5 {
				return table.ToneDefault
			}
			switch r.state {
			case rowAdded:
				return table.ToneOK
			case rowFailed:
				return table.ToneErr
			case rowAdding:
				return table.ToneWarn
			case rowSkipped, rowLeft:
				return table.ToneFaint
			}
			return table.ToneAccent
		},
		Styles: a.styles,
		Empty:  a.T("pairing.empty"),
	})
}

// columns are the table's columns in the console's language.
func (p *pairingPage) columns(a *App) []table.Column {
	return []table.Column{
		{Key: "pid", Title: a.T("pairing.col.pid"), Width: 16},
		{Key: "product", Title: a.T("pairing.col.product"), Width: 10},
		{Key: "joined", Title: a.T("pairing.col.joined"), Width: 9},
		{Key: "state", Title: a.T("pairing.col.state"), Width: 8},
		{Key: "name", Title: a.T("pairing.col.name"), Flex: 2, MinWidth: 10},
		{Key: "note", Title: "", Flex: 3, MinWidth: 8},
	}
}

// Relabel rebuilds the table in the new language, keeping the rows, the
// cursor and the selection (the empty text is set when a table is made).
func (p *pairingPage) Relabel(a *App) {
	p.tr = a.tr
	if p.tbl == nil {
		return
	}
	cursor, selected := p.tbl.CursorID(), p.tbl.Selected()
	w, h := p.tbl.Width(), p.tbl.Height()
	p.tbl = nil
	p.ensureTable(a)
	p.tbl.SetSize(w, h)
	p.refresh()
	p.tbl.SetCursorByID(cursor)
	for _, r := range selected {
		if p.tbl.SetCursorByID(r.dev.PhysicalID) {
			p.tbl.ToggleSelect()
		}
	}
	p.tbl.SetCursorByID(cursor)
}

func (p *pairingPage) Restyle(a *App) {
	if p.tbl != nil {
		p.tbl.SetStyles(a.styles)
	}
}

// Load reads what is waiting before anything is opened, and whether a
// window is open already (opened from another console or the app).
func (p *pairingPage) Load(a *App) tea.Cmd {
	p.ensureTable(a)
	return p.poll(a)
}

func (p *pairingPage) poll(a *App) tea.Cmd {
	p.pollGen++
	api, gw := a.api, p.gw
	return Run(a, p, p.pollGen, true, func(ctx context.Context) (pairPoll, error) {
		joined, err := api.JoinedSubDevices(ctx, gw)
		if err != nil {
			return pairPoll{}, err
		}
		w, werr := api.GatewayWindow(ctx, gw)
		return pairPoll{joined: joined, window: w, werr: werr}, nil
	})
}

// deadline is the end of the window: the gateway's when it reports one,
// else the console's own estimate from its open call.
func (p *pairingPage) deadline() time.Time {
	if p.window.Known && p.window.Open {
		return p.window.Deadline
	}
	return p.local
}

func (p *pairingPage) remaining(a *App) time.Duration {
	return p.deadline().Sub(a.Now())
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

// tick handles the page's own timers: the poll of the joined list and the
// countdown.
func (p *pairingPage) tick(a *App, tick any) tea.Cmd {
	switch v := tick.(type) {
	case pairPollTick:
		if v.tag != p.pollTag || !onStack(a, p) || !p.windowActive() {
			// An older chain, the page is gone (Resume restarts it), or
			// the run is over: stop.
			return nil
		}
		if !onTop(a, p) {
			return p.schedulePoll(a) // hidden: keep the chain, skip the read
		}
		return p.poll(a)
	case pairCountdown:
		if v.tag != p.cdTag || !onStack(a, p) {
			return nil
		}
		return p.countdown(a)
	}
	return nil
}

// approved starts what the operator said yes to.
func (p *pairingPage) approved(a *App, yes any) tea.Cmd {
	switch v := yes.(type) {
	case pairAddApproved:
		return p.add(a, v.pids)
	case pairCloseApproved:
		if !p.windowActive() {
			return nil // it ended by itself while the dialog was open
		}
		if cmd := a.refuseWrite("Pairing: close window"); cmd != nil {
			return cmd
		}
		return p.finish(a, whyOperator)
	case closeAndLeave:
		cmd := p.finish(a, whyOperatorLeaving)
		if len(a.stack) > 1 && a.top() == Page(p) {
			cmd = tea.Batch(cmd, a.pop())
		}
		return cmd
	}
	return nil
}

func (p *pairingPage) result(a *App, m loaded) tea.Cmd {
	switch v := m.val.(type) {
	case pairPoll:
		if m.gen != p.pollGen {
			return nil // a newer read (or a write) superseded it
		}
		if m.err != nil {
			// Say it once, not every second: the page shows it meanwhile.
			var flash tea.Cmd
			if p.err == nil || p.err.Error() != m.err.Error() {
				flash = a.Fail(m.err)
			}
			p.err = m.err
			// While the window is open a failed read must not end the
			// chain (joins would stop appearing): try again at the next
			// tick. Otherwise there is no chain to keep.
			if !p.windowActive() {
				return flash
			}
			return tea.Batch(flash, p.schedulePoll(a))
		}
		p.err = nil
		return p.merge(a, v)
	}
	return nil
}

// done handles the answers of the page's writes (open, close, add).
func (p *pairingPage) done(a *App, val any) tea.Cmd {
	switch v := val.(type) {
	case pairOpened:
		if v.err != nil {
			if p.phase == phaseOpening {
				p.phase = phaseReady
				if p.opened {
					p.phase = phaseOpen
				}
			}
			return a.Fail(v.err)
		}
		if !p.opened {
			p.opened, p.runStart = true, v.at
		}
		p.phase = phaseOpen
		p.span = time.Duration(v.seconds) * time.Second
		p.local = v.at.Add(p.span)
		if p.window.Known {
			// Until the gateway's next report, trust the new deadline.
			p.window.Open, p.window.Deadline = true, p.local
		}
		return tea.Batch(p.restartPoll(a), p.startCountdown(a), a.Flash(a.T("pairing.opened", "Seconds", v.seconds)))
	case pairClosed:
		p.closeErr, p.recorded = v.err, v.err == nil
		if v.err != nil {
			return a.Fail(v.err)
		}
		return nil
	case pairAdded:
		r := p.rows[v.pid]
		if r == nil {
			return nil
		}
		if v.err != nil {
			r.state, r.err = rowFailed, a.errorLine(v.err)
		} else {
			r.state, r.err, r.deviceID = rowAdded, "", v.dev.DeviceID
		}
		p.refresh()
		if p.pendingWhy != "" && p.addsInFlight() == 0 {
			// The run ended while adds were on their way: every one has
			// answered now, so the summary counts them right.
			why := p.pendingWhy
			p.pendingWhy = ""
			cmd := p.record(a, why)
			if v.err != nil {
				cmd = tea.Batch(cmd, a.Fail(v.err))
			}
			return cmd
		}
		// A read started before the add would show the row waiting still:
		// drop it and read again. The new read carries the poll chain on
		// while the window is open; dropping the read in flight without
		// one would end the chain, and later joins would never show.
		poll := p.restartPoll(a)
		if v.err != nil {
			return tea.Batch(poll, a.Fail(v.err))
		}
		return tea.Batch(poll, a.Flash(a.T("pairing.added", "PID", v.pid, "Name", strconv.Quote(r.name))))
	}
	return nil
}

// merge folds a poll into the run. A row never goes back from adding or
// added: the cloud's list may lag a write by one read.
func (p *pairingPage) merge(a *App, v pairPoll) tea.Cmd {
	now := a.Now()
	first := !p.loaded
	p.loaded = true
	waiting := map[string]bool{}
	for _, j := range v.joined {
		waiting[j.PhysicalID] = true
		r := p.rows[j.PhysicalID]
		if r == nil {
			r = &pairRow{dev: j, state: rowJoined, seen: now, earlier: first || !p.opened, name: defaultSubName(j)}
			p.rows[j.PhysicalID] = r
		}
		if r.dev.JoinedAt.IsZero() {
			r.dev.JoinedAt = j.JoinedAt
		}
		if r.dev.SubDomain == "" {
			r.dev.SubDomain = j.SubDomain
		}
		if r.state == rowLeft {
			r.state = rowJoined
		}
	}
	for pid, r := range p.rows {
		if !waiting[pid] && (r.state == rowJoined || r.state == rowSkipped) {
			r.state = rowLeft
		}
	}
	p.refresh()
	var cmds []tea.Cmd
	if v.werr == nil {
		p.window = v.window
	} else {
		p.window.Known = false
	}
	open := p.window.Known && p.window.Open && p.window.Deadline.After(now)
	switch {
	case open && p.phase == phaseReady:
		// Opened elsewhere (another console, the app): follow it.
		if !p.opened {
			p.opened, p.runStart = true, now
		}
		p.phase = phaseOpen
		p.span = p.window.Deadline.Sub(now).Round(time.Second)
		cmds = append(cmds, p.startCountdown(a), a.Flash(a.T("pairing.opened_elsewhere")))
	case p.phase == phaseOpen && p.window.Known && !p.window.Open && p.window.AsOf.After(p.runStart.Add(-time.Second)):
		// The gateway says it is shut: expired, or closed elsewhere.
		cmds = append(cmds, p.finish(a, whyGateway))
	case p.phase == phaseOpen && !p.window.Known && !now.Before(p.local):
		cmds = append(cmds, p.finish(a, whyTimeUp))
	}
	if p.phase == phaseOpen || p.phase == phaseOpening {
		cmds = append(cmds, p.schedulePoll(a))
	}
	return tea.Batch(cmds...)
}

func defaultSubName(j JoinedDevice) string {
	prod := j.SubDomain
	if prod == "" {
		prod = "Sub-device"
	}
	return strings.ToUpper(prod[:1]) + prod[1:] + " " + shortID(j.PhysicalID)
}

func (p *pairingPage) refresh() {
	rows := make([]pairRow, 0, len(p.rows))
	for _, r := range p.rows {
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].earlier != rows[j].earlier {
			return rows[i].earlier
		}
		if a, b := rows[i].joined(), rows[j].joined(); !a.Equal(b) {
			return a.Before(b)
		}
		return rows[i].dev.PhysicalID < rows[j].dev.PhysicalID
	})
	if p.tbl != nil {
		p.tbl.SetRows(rows)
	}
}

func (p *pairingPage) schedulePoll(a *App) tea.Cmd {
	p.pollTag++
	return a.pageTick(p, pairPollGap, pairPollTick{p.pollTag})
}

// restartPoll reads now (a write just changed things) and drops any read
// in flight.
func (p *pairingPage) restartPoll(a *App) tea.Cmd {
	p.pollTag++ // the pending tick, if any, is void
	return p.poll(a)
}

// startCountdown begins a new countdown chain; any older chain dies at its
// next tick (its tag is stale).
func (p *pairingPage) startCountdown(a *App) tea.Cmd {
	p.cdTag++
	return p.countdown(a)
}

// countdown redraws at each whole second of the time left, computed from
// the deadline every time (never by counting ticks), and ends the run on
// the gateway's word or, without one, at the deadline.
func (p *pairingPage) countdown(a *App) tea.Cmd {
	if p.phase != phaseOpen {
		return nil
	}
	left := p.remaining(a)
	if left <= 0 {
		if !p.window.Known {
			return p.finish(a, whyTimeUp)
		}
		// Wait for the gateway to confirm; poll now rather than in a second.
		// These reads run even while the page is hidden: they are a few
		// (closingGrace), and they are what ends and records the run.
		if left < -closingGrace {
			return p.finish(a, whyTimeUpNoReport)
		}
		return tea.Batch(p.restartPoll(a), a.pageTick(p, 500*time.Millisecond, pairCountdown{p.cdTag}))
	}
	d := left % time.Second
	if d == 0 {
		d = time.Second
	}
	return a.pageTick(p, d+5*time.Millisecond, pairCountdown{p.cdTag})
}

// finish ends the run: the summary goes on screen and, as the note of a
// close call, into the audit log (a close is harmless on a shut window, and
// it is the write that records the run). why is a pairing.why id.
func (p *pairingPage) finish(a *App, why string) tea.Cmd {
	if p.phase == phaseClosed {
		return nil
	}
	p.phase = phaseClosed
	p.runEnd = a.Now()
	p.cdTag++
	if n := p.addsInFlight(); n > 0 {
		// The summary (and the close call that records it) waits for
		// every add on its way: counted now, they would be neither added
		// nor failed.
		p.pendingWhy = why
		return a.Flash(a.N("pairing.closing_wait", n))
	}
	return p.record(a, why)
}

// addsInFlight counts the rows whose add has not answered yet.
func (p *pairingPage) addsInFlight() int {
	n := 0
	for _, r := range p.rows {
		if r.state == rowAdding {
			n++
		}
	}
	return n
}

// record puts the summary on screen and, as the note of a close call,
// into the audit log (in English, whatever the screen's language).
func (p *pairingPage) record(a *App, why string) tea.Cmd {
	p.run = p.summarise(why)
	p.summary = p.run.text(neutral())
	api, gw, note := a.api, p.gw, p.summary
	return tea.Batch(a.Flash(p.run.text(a.tr)), p.poll(a), runVal(a, p, func(ctx context.Context) any {
		return pairClosed{err: api.CloseGatewayMatch(ctx, gw, note)}
	}))
}

// pairSummary is what a pairing run came to, ready to be said in any
// language.
type pairSummary struct {
	gateway  string
	why      string // a pairing.why id
	duration time.Duration
	timed    bool // the run's start is known, so is its duration
	joined   int
	added    []pairAddedRow
	failed   []pairAddedRow // name holds the error
	skipped  []string
	waiting  int
}

type pairAddedRow struct{ pid, name string }

func (p *pairingPage) summarise(why string) pairSummary {
	sum := pairSummary{gateway: p.gw.PhysicalID, why: why}
	for _, r := range p.sortedRows() {
		if !r.earlier {
			sum.joined++
		}
		switch r.state {
		case rowAdded:
			sum.added = append(sum.added, pairAddedRow{r.dev.PhysicalID, r.name})
		case rowFailed:
			sum.failed = append(sum.failed, pairAddedRow{r.dev.PhysicalID, r.err})
		case rowSkipped:
			sum.skipped = append(sum.skipped, r.dev.PhysicalID)
		case rowJoined:
			sum.waiting++
		}
	}
	if !p.runStart.IsZero() {
		sum.duration, sum.timed = p.runEnd.Sub(p.runStart), true
	}
	return sum
}

// text is the summary in tr's language: "pairing run on gateway … ended
// after 1:30 (closed by the operator): 3 joined, 2 added, 0 failed, 0
// skipped, 1 still waiting; added: …".
func (s pairSummary) text(tr *i18n.Translator) string {
	counts := []any{"Gateway", s.gateway, "Why", tr.T(s.why), "Added", len(s.added), "Failed", len(s.failed),
		"Skipped", len(s.skipped), "Waiting", s.waiting}
	var out string
	if s.timed {
		out = tr.N("pairing.summary", s.joined, append(counts, "Duration", fmtClock(s.duration))...)
	} else {
		out = tr.N("pairing.summary_untimed", s.joined, counts...)
	}
	sep := tr.T("pairing.list_separator")
	list := func(id string, items []string) {
		if len(items) > 0 {
			out += tr.T("pairing.part_separator") + tr.T(id, "List", strings.Join(items, sep))
		}
	}
	var added, failed []string
	for _, r := range s.added {
		added = append(added, tr.T("pairing.summary_added_item", "PID", r.pid, "Name", strconv.Quote(r.name)))
	}
	for _, r := range s.failed {
		failed = append(failed, tr.T("pairing.summary_failed_item", "PID", r.pid, "Error", r.name))
	}
	list("pairing.summary_added", added)
	list("pairing.summary_failed", failed)
	list("pairing.summary_skipped", s.skipped)
	return out
}

func (p *pairingPage) sortedRows() []pairRow {
	if p.tbl == nil {
		return nil
	}
	return p.tbl.Rows()
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

func (p *pairingPage) View(a *App, w, h int) string {
	p.ensureTable(a)
	p.tr = a.tr
	s := a.styles
	title := s.Title.Render(" "+a.T("pairing.head", "Gateway", deviceTitle(p.detail))) +
		s.Faint.Render("  "+a.T("pairing.head_ids", "SubDomain", p.gw.SubDomain, "PID", p.gw.PhysicalID, "User", p.gw.UserID))
	lines := []string{title}
	if !p.detail.Online {
		lines = append(lines, s.Warn.Render(" "+a.T("pairing.gateway_offline")))
	}
	waiting := 0
	for _, r := range p.rows {
		if r.state == rowJoined {
			waiting++
		}
	}
	switch p.phase {
	case phaseReady:
		line := " " + a.T("pairing.closed_length") + " "
		for i, n := range windowPresets {
			if i == p.preset {
				line += s.Bold.Render("‹"+a.T("pairing.seconds", "Seconds", n)+"›") + " "
			} else {
				line += " " + a.T("pairing.seconds", "Seconds", n) + "  "
			}
		}
		lines = append(lines, line+s.Faint.Render(" "+a.T("pairing.length_keys", "LengthKey", a.keys.Get(ActPairDuration).Label(), "OpenKey", a.keys.Get(ActPairOpen).Label())))
		switch {
		case !p.loaded && p.err == nil:
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.checking")))
		case waiting > 0:
			lines = append(lines, s.Warn.Render(" "+a.N("pairing.waiting_earlier", waiting)))
		default:
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.none_waiting")))
		}
	case phaseOpening:
		lines = append(lines, s.Warn.Render(" "+a.T("pairing.opening")), "")
	case phaseOpen:
		left := p.remaining(a)
		src := a.T("pairing.deadline_gateway")
		if !p.window.Known {
			src = a.T("pairing.deadline_estimated")
		}
		span := p.span
		if span <= 0 {
			span = maxWindow * time.Second
		}
		bar := progressBar(float64(max(left, 0))/float64(span), 20, s.Glyphs.ASCII)
		lines = append(lines, s.OK.Render(" "+a.T("pairing.open_left", "Left", fmtClock(left))+" ")+bar+s.Faint.Render(" · "+src),
			s.Faint.Render(" "+a.N("pairing.open_waiting", waiting)))
	case phaseClosed:
		lines = append(lines, s.Bold.Render(" "+a.T("pairing.window_closed")))
		if p.pendingWhy != "" {
			lines = append(lines, s.Warn.Render(" "+a.N("pairing.summary_wait", p.addsInFlight())))
		}
		if p.summary != "" {
			for _, part := range wordWrap(p.run.text(a.tr), w-2) {
				lines = append(lines, " "+part)
			}
		}
		switch {
		case p.closeErr != nil:
			lines = append(lines, s.Warn.Render(" "+a.T("pairing.record_failed", "Error", a.errorLine(p.closeErr))))
		case p.recorded:
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.recorded")))
		case p.summary != "":
			lines = append(lines, s.Faint.Render(" "+a.T("pairing.recording")))
		}
	}
	if p.err != nil {
		lines = append(lines, s.Err.Render(" "+a.errorLine(p.err)))
	}
	p.tbl.SetSize(w, max(h-len(lines), 3))
	return strings.Join(lines, "\n") + "\n" + p.tbl.View()
}

// progressBar draws a fraction as blocks (or # in the ASCII set).
func progressBar(f float64, n int, ascii bool) string {
	f = min(max(f, 0), 1)
	full := int(f*float64(n) + 0.5)
	on, off := "█", "░"
	if ascii {
		on, off = "#", "."
	}
	return strings.Repeat(on, full) + strings.Repeat(off, n-full)
}
