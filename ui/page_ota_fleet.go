// The fleet's firmware (:ota): devices with an update, the dry run and the bulk start.

package ui

import (
	"acconsole/i18n"
	"context"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
	"acconsole/ui/components/table"
)

// --- the fleet view (:ota) ---

// cmdOTA lists, per product, the devices with an update on offer (or
// running, or failed), and confirms several after a dry run.
func cmdOTA(a *App, arg string) tea.Cmd {
	return a.Replace(newFleetOTAPage(strings.TrimSpace(arg)))
}

// newFleetOTAPage is the :ota list. Its title, column titles and empty
// text are catalog ids; its cells name types, modes and states in the
// language the list page draws them in.
func newFleetOTAPage(only string) Page {
	var p *listPage[models.UpgradeCandidate]
	p = &listPage[models.UpgradeCandidate]{
		title: "firmware.fleet.title", poll: true, empty: "firmware.fleet.empty",
		cols: []table.Column{
			{Key: "product", Title: "firmware.col.product", Width: 10},
			{Key: "pid", Title: "firmware.col.physical_id", Width: 16},
			{Key: "type", Title: "firmware.col.type", Width: 6},
			{Key: "from", Title: "firmware.col.current", Width: 9},
			{Key: "to", Title: "firmware.col.target", Width: 9},
			{Key: "mode", Title: "firmware.col.mode", Width: 13},
			{Key: "state", Title: "firmware.col.state", Flex: 1, MinWidth: 10},
			{Key: "pct", Title: "%", Width: 5, Align: table.AlignRight},
		},
		id: func(c models.UpgradeCandidate) string {
			return c.SubDomain + "/" + c.PhysicalDeviceID + "/" + strconv.Itoa(c.OTAType)
		},
		cells: func(c models.UpgradeCandidate) []string {
			pct := ""
			if c.State != "" && c.State != "available" && c.State != models.UpgradeIdle {
				pct = strconv.FormatFloat(c.Percent, 'f', 0, 64)
			}
			tr := p.tr
			if tr == nil {
				tr = neutral()
			}
			return []string{c.SubDomain, c.PhysicalDeviceID, otaTypeName(tr, c.OTAType), c.CurrentVersion, c.TargetVersion, otaModeName(tr, c.OTAMode), upgradeStateName(tr, c.State), pct}
		},
		tone: func(c models.UpgradeCandidate, col int) table.Tone {
			if col != 6 {
				return table.ToneDefault
			}
			switch c.State {
			case models.UpgradeFailed:
				return table.ToneErr
			case models.UpgradeStalled:
				return table.ToneWarn
			case models.UpgradeUpgrading:
				return table.ToneAccent
			case models.UpgradeSucceeded:
				return table.ToneOK
			}
			return table.ToneDefault
		},
	}
	p.load = func(ctx context.Context, api API) ([]models.UpgradeCandidate, error) {
		var subs []string
		if only != "" {
			subs = []string{only}
		} else {
			prods, err := api.Products(ctx)
			if err != nil {
				return nil, err
			}
			for _, pr := range prods {
				subs = append(subs, pr.SubDomainName)
			}
		}
		var out []models.UpgradeCandidate
		for _, sub := range subs {
			cs, err := api.PendingUpgrades(ctx, sub)
			if err != nil {
				return out, err
			}
			out = append(out, cs...)
		}
		return out, nil
	}
	p.summary = func(a *App) string {
		// A device can have an update for its MCU and its module: two
		// rows, one device.
		rows, running, failed := p.tbl.Total(), 0, 0
		devices := map[string]bool{}
		for _, c := range p.tbl.Rows() {
			devices[c.SubDomain+"/"+c.PhysicalDeviceID] = true
			switch c.State {
			case models.UpgradeUpgrading, models.UpgradeStalled:
				running++
			case models.UpgradeFailed:
				failed++
			}
		}
		scope := a.T("firmware.fleet.every_product")
		if only != "" {
			scope = only
		}
		return a.T("firmware.fleet.summary", "Devices", a.N("firmware.fleet.devices", len(devices)), "Updates", a.N("firmware.fleet.updates", rows),
			"Scope", scope, "Running", running, "Failed", failed, "Select", a.keyLabel(ActSelect), "Confirm", a.keyLabel(ActOTAConfirm))
	}
	p.more = func(row models.UpgradeCandidate, ok bool) []pageKey {
		return []pageKey{
			// The table's own select key, offered in this list's footer.
			{action: ActSelect, hint: true, run: func(a *App) tea.Cmd { p.ensureTable(a); p.tbl.ToggleSelect(); p.tbl.MoveDown(); return nil }},
			{action: ActOTAConfirm, hint: true, run: func(a *App) tea.Cmd {
				sel := p.tbl.Selected()
				if len(sel) == 0 && ok {
					sel = []models.UpgradeCandidate{row}
				}
				if len(sel) == 0 {
					return a.Flash(a.T("firmware.fleet.select_first", "Key", a.keyLabel(ActSelect)))
				}
				return a.Push(newDryRunPage(sel))
			}},
		}
	}
	return p
}

// dryRun is one planned confirm and, after the run, its result.
type dryRun struct {
	c      models.UpgradeCandidate
	plan   string // the message id of what will happen (firmware.plan.*)
	skip   bool
	result string
	failed bool
}

// planText is what will happen to a row, in tr's language.
func (r dryRun) planText(tr *i18n.Translator) string {
	return tr.T(r.plan, "From", r.c.CurrentVersion, "To", r.c.TargetVersion)
}

// dryRunPage shows what a bulk confirm would do before it does it (every
// bulk action has a dry run, FEATURES §2 J), then runs it a few devices at
// a time and keeps the results on screen.
type dryRunPage struct {
	tr   *i18n.Translator // the language of the table
	rows []dryRun

	tbl   *table.Table[dryRun]
	ran   bool
	busy  int
	queue *pendingQueue
}

func newDryRunPage(sel []models.UpgradeCandidate) *dryRunPage {
	p := &dryRunPage{tr: neutral()}
	for _, c := range sel {
		forced := c.OTAMode == 2
		r := dryRun{c: c, plan: "firmware.plan.confirm"}
		if forced {
			r.plan = "firmware.plan.confirm_forced"
		}
		switch c.State {
		case models.UpgradeUpgrading, models.UpgradeStalled:
			r.plan, r.skip = "firmware.plan.skip_running", true
		case models.UpgradeSucceeded:
			r.plan, r.skip = "firmware.plan.skip_done", true
		case models.UpgradeFailed:
			r.plan = "firmware.plan.retry"
			if forced {
				r.plan = "firmware.plan.retry_forced"
			}
		}
		p.rows = append(p.rows, r)
	}
	return p
}

func (p *dryRunPage) Title(tr *i18n.Translator) string { return tr.T("firmware.dry.title") }

// Relabel implements Relabeler: column titles and plans in the new
// language.
func (p *dryRunPage) Relabel(a *App) {
	p.tr = a.Tr()
	if p.tbl == nil {
		return
	}
	titles := map[string]string{}
	for _, c := range dryRunColumns(p.tr) {
		titles[c.Key] = c.Title
	}
	p.tbl.SetTitles(titles)
	p.tbl.SetTexts("", tableTexts(a))
	p.tbl.Reread() // the plans and types, keeping the cursor
}

func dryRunColumns(tr *i18n.Translator) []table.Column {
	return []table.Column{
		{Key: "product", Title: tr.T("firmware.col.product"), Width: 10},
		{Key: "pid", Title: tr.T("firmware.col.physical_id"), Width: 16},
		{Key: "type", Title: tr.T("firmware.col.type"), Width: 6},
		{Key: "plan", Title: tr.T("firmware.col.plan"), Flex: 3, MinWidth: 20},
		{Key: "result", Title: tr.T("firmware.col.result"), Flex: 2, MinWidth: 10},
	}
}

// pageKeys: confirm the whole run (after a reason and a yes), and move
// through its rows.
func (p *dryRunPage) pageKeys() []pageKey {
	return []pageKey{
		{action: ActOTAConfirm, hint: true, writes: true, audit: "OTA dry run", run: p.askRun},
		{action: ActUp, run: func(a *App) tea.Cmd { p.ensure(a); p.tbl.MoveUp(); return nil }},
		{action: ActDown, run: func(a *App) tea.Cmd { p.ensure(a); p.tbl.MoveDown(); return nil }},
	}
}
func (p *dryRunPage) Load(a *App) tea.Cmd {
	p.ensure(a)
	return nil
}

func (p *dryRunPage) ensure(a *App) {
	if p.tbl != nil {
		return
	}
	p.tr = a.Tr()
	p.tbl = table.New(table.Options[dryRun]{
		Columns: dryRunColumns(p.tr),
		ID: func(r dryRun) string {
			return r.c.SubDomain + "/" + r.c.PhysicalDeviceID + "/" + strconv.Itoa(r.c.OTAType)
		},
		Cells: func(r dryRun) []string {
			return []string{r.c.SubDomain, r.c.PhysicalDeviceID, otaTypeName(p.tr, r.c.OTAType), r.planText(p.tr), r.result}
		},
		Tone: func(r dryRun, col int) table.Tone {
			switch {
			case col == 3 && r.skip:
				return table.ToneFaint
			case col == 4 && r.failed:
				return table.ToneErr
			case col == 4 && r.result != "":
				return table.ToneOK
			}
			return table.ToneDefault
		},
		Styles: a.styles,
		Texts:  tableTexts(a),
	})
	p.tbl.SetRows(p.rows)

}

type (
	bulkApproved struct{ reason string }
	bulkDone     struct {
		i   int
		err error
	}
)

func (p *dryRunPage) Update(a *App, msg tea.Msg) tea.Cmd {
	p.ensure(a)
	switch m := msg.(type) {
	case approvedMsg:
		switch v := m.yes.(type) {
		case bulkApproved:
			return p.run(a, v.reason)
		}
		return nil
	case doneMsg:
		switch v := m.val.(type) {
		case bulkDone:
			p.busy--
			r := &p.rows[v.i]
			if v.err != nil {
				r.result, r.failed = a.errorLine(v.err), true
			} else {
				r.result = a.T("firmware.bulk.confirmed")
			}
			p.tbl.SetRows(p.rows)
			if p.busy == 0 {
				ok, bad := 0, 0
				for _, r := range p.rows {
					switch {
					case r.failed:
						bad++
					case r.result != "":
						ok++
					}
				}
				return a.Flash(a.T("firmware.bulk.done", "Confirmed", ok, "Failed", bad))
			}
			return p.next(a)
		}
	}
	return nil
}

// askRun asks for the run's reason, then confirms the whole run.
func (p *dryRunPage) askRun(a *App) tea.Cmd {
	p.ensure(a)
	if p.ran {
		return a.Flash(a.T("firmware.bulk.ran"))
	}
	if cmd := a.refuseWrite("OTA dry run"); cmd != nil {
		return cmd
	}
	n := 0
	for _, r := range p.rows {
		if !r.skip {
			n++
		}
	}
	if n == 0 {
		return a.Flash(a.T("firmware.bulk.all_skipped"))
	}
	a.Ask(a.T("firmware.bulk.ask_reason"), func(a *App, reason string) tea.Cmd {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return a.Fail(errorf(a.T("firmware.bulk.needs_reason")))
		}
		a.Confirm(a.T("firmware.bulk.confirm_question", "Updates", a.N("firmware.fleet.updates", n), "Parallel", fleetParallel, "Reason", reason),
			approve(p, bulkApproved{reason: reason}))
		return nil
	})
	return nil
}

// pendingQueue holds the rows not started yet, with the run's reason.
type pendingQueue struct {
	next   int
	reason string
}

func (p *dryRunPage) run(a *App, reason string) tea.Cmd {
	if cmd := a.refuseWrite("OTA dry run"); cmd != nil {
		return cmd
	}
	p.ran = true
	q := &pendingQueue{reason: reason}
	p.queue = q
	var cmds []tea.Cmd
	for range fleetParallel {
		if c := p.start(a, q); c != nil {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		return a.Flash(a.T("firmware.bulk.nothing"))
	}
	return tea.Batch(cmds...)
}

// next starts the queue's next confirm as one finishes, so that at most
// fleetParallel are in flight.
func (p *dryRunPage) next(a *App) tea.Cmd {
	if p.queue == nil {
		return nil
	}
	return p.start(a, p.queue)
}

// start begins the next confirm of the queue (nil when none is left).
func (p *dryRunPage) start(a *App, q *pendingQueue) tea.Cmd {
	for q.next < len(p.rows) && p.rows[q.next].skip {
		q.next++
	}
	if q.next >= len(p.rows) {
		return nil
	}
	i := q.next
	q.next++
	p.busy++
	p.rows[i].result = a.T("firmware.bulk.confirming")
	c, api, reason := p.rows[i].c, a.api, q.reason
	return runVal(a, p, func(ctx context.Context) any {
		ref := DeviceRef{SubDomain: c.SubDomain, PhysicalID: c.PhysicalDeviceID, DeviceID: c.DeviceID}
		return bulkDone{i: i, err: api.ConfirmUpdate(ctx, ref, c.TargetVersion, c.OTAType, reason)}
	})
}

func (p *dryRunPage) View(a *App, w, h int) string {
	p.ensure(a)
	s := a.styles
	n := 0
	for _, r := range p.rows {
		if !r.skip {
			n++
		}
	}
	head := s.Title.Render(" "+a.T("firmware.dry.heading")) + s.Faint.Render("  "+a.T("firmware.dry.would", "Confirmed", n, "Updates", a.N("firmware.fleet.updates", len(p.rows))))
	if p.ran {
		head = s.Title.Render(" "+a.T("firmware.bulk.heading")) + s.Faint.Render("  "+a.T("firmware.bulk.sub", "Updates", a.N("firmware.fleet.updates", n), "Parallel", fleetParallel))
	}
	sub := s.Faint.Render(" " + a.T("firmware.dry.hint", "Key", a.keys.Get(ActOTAConfirm).Label(), "Back", a.keyLabel(ActBack)))

	p.tbl.SetSize(w, max(h-2, 3))
	return head + "\n" + sub + "\n" + p.tbl.View()
}
