// The pairing run over time: polling, the countdown, call results merged into rows, the summary.

package ui

import (
	"acconsole/i18n"
	"context"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

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
