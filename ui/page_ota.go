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

const (
	otaPollGap = time.Second
	// stallAfter is how many of the device's own progress intervals may
	// pass without progress before the upgrade shows as stalled rather
	// than slow (FEATURES §2 G).
	stallAfter = 3
	// rateWindow is how far back the ETA's rate looks: recent enough to
	// follow a device that slowed down, long enough to smooth one report.
	rateWindow = 30 * time.Second
	// fleetParallel bounds the confirms in flight during a bulk confirm.
	fleetParallel = 4
)

var otaModes = map[int]string{0: "silent", 1: "user confirms", 2: "forced"}

func otaTypeName(t int) string {
	if t == 2 {
		return "module"
	}
	return "MCU"
}

// progressSample is one observation of an upgrade's percent.
type progressSample struct {
	at      time.Time
	percent float64
}

type otaData struct {
	version models.OTAVersion
	verr    error
	status  models.UpgradeStatus
	serr    error
}

// otaPage checks and confirms a device's firmware update and follows it:
// percent, phase, ETA from the recent rate, "stalled" after several of the
// device's own progress intervals without progress, and the final state
// with the failure reason.
type otaPage struct {
	ref     DeviceRef
	detail  DeviceDetail
	otaType int

	data    *otaData
	err     error
	gen     int
	tag     int
	samples []progressSample
	pending bool // a confirm is on its way
}

func newOTAPage(ref DeviceRef, d DeviceDetail) *otaPage {
	return &otaPage{ref: ref, detail: d, otaType: 1}
}

func (p *otaPage) Title(tr *i18n.Translator) string { return "Firmware" }

// pageKeys: confirm the offered upgrade, and switch between the MCU and
// the module firmware.
func (p *otaPage) pageKeys() []pageKey {
	return []pageKey{
		{action: ActOTAConfirm, hint: true, writes: true, audit: "Firmware: confirm upgrade", run: p.askConfirm},
		{action: ActOTAType, hint: true, run: func(a *App) tea.Cmd {
			p.otaType = 3 - p.otaType
			p.data, p.samples = nil, nil
			return tea.Batch(a.Flash("checking the "+otaTypeName(p.otaType)+" firmware"), p.Load(a))
		}},
	}
}

func (p *otaPage) Load(a *App) tea.Cmd { return p.fetch(a, false) }

// Poll follows the app's refresh interval when nothing runs; while an
// upgrade runs the page polls every second on its own chain.
func (p *otaPage) Poll(a *App) tea.Cmd { return p.fetch(a, true) }

func (p *otaPage) fetch(a *App, bg bool) tea.Cmd {
	p.gen++
	api, ref, typ := a.api, p.ref, p.otaType
	return Run(a, p, p.gen, bg, func(ctx context.Context) (otaData, error) {
		var d otaData
		d.version, d.verr = api.CheckUpdate(ctx, ref, typ)
		d.status, d.serr = api.UpgradeStatus(ctx, ref, typ)
		if d.verr != nil && d.serr != nil {
			return d, d.verr
		}
		return d, nil
	})
}

type (
	otaTick            struct{ tag int }
	otaConfirmApproved struct {
		target, reason string
	}
	otaConfirmed struct{ err error }
)

func (p *otaPage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tickMsg:
		switch v := m.tick.(type) {
		case otaTick:
			if v.tag != p.tag || !onStack(a, p) {
				return nil // an older chain, or the page is gone (Resume restarts it)
			}
			if !onTop(a, p) {
				// Hidden: keep the chain, skip the read; back on top,
				// Resume reads at once.
				return a.pageTick(p, otaPollGap, otaTick{p.tag})
			}
			return p.fetch(a, true)
		}
		return nil
	case approvedMsg:
		switch v := m.yes.(type) {
		case otaConfirmApproved:
			return p.confirm(a, v)
		}
		return nil
	case loaded:
		switch v := m.val.(type) {
		case otaData:
			if m.gen != p.gen {
				return nil
			}
			if m.err != nil {
				if p.data == nil {
					p.err = m.err
				}
				return a.Fail(m.err)
			}
			p.data, p.err = &v, nil
			if v.serr == nil {
				p.sample(a.Now(), v.status)
			}
			if v.serr == nil && v.status.Running() {
				p.tag++
				return a.pageTick(p, otaPollGap, otaTick{p.tag})
			}
			return nil
		}
		return nil
	case doneMsg:
		switch v := m.val.(type) {
		case otaConfirmed:
			p.pending = false
			if v.err != nil {
				return a.Fail(v.err)
			}
			p.samples = nil
			return tea.Batch(a.Flash("upgrade confirmed: following its progress"), p.fetch(a, false))
		}
		return nil
	}
	return nil
}

// Resume implements Resumer: the progress chain ends while the page is off
// the stack, so when it is back on top and an upgrade was running, it reads
// again (a fresh gen; the answer starts a chain under a fresh tag, and the
// tag bumped here voids any tick of an older one).
func (p *otaPage) Resume(a *App) tea.Cmd {
	if p.data == nil || p.data.serr != nil || !p.data.status.Running() {
		return nil
	}
	p.tag++
	return p.fetch(a, true)
}

// sample records progress for the rate, dropping what is older than the
// window (and everything when a new upgrade started).
func (p *otaPage) sample(now time.Time, st models.UpgradeStatus) {
	if !st.Running() {
		return
	}
	if n := len(p.samples); n > 0 && st.Percent < p.samples[n-1].percent {
		p.samples = nil // a new run
	}
	at := st.LastProgressAt
	if at.IsZero() {
		at = now
	}
	if n := len(p.samples); n == 0 || p.samples[n-1].percent != st.Percent {
		p.samples = append(p.samples, progressSample{at: at, percent: st.Percent})
	}
	cut := 0
	for cut < len(p.samples)-2 && now.Sub(p.samples[cut].at) > rateWindow {
		cut++
	}
	p.samples = p.samples[cut:]
}

// eta is the time left at the recent rate (0, false when unknown).
func (p *otaPage) eta(st models.UpgradeStatus) (time.Duration, bool) {
	if len(p.samples) >= 2 {
		a, b := p.samples[0], p.samples[len(p.samples)-1]
		if dp, dt := b.percent-a.percent, b.at.Sub(a.at); dp > 0 && dt > 0 {
			return time.Duration((100 - st.Percent) / dp * float64(dt)), true
		}
	}
	if st.ETA > 0 {
		return st.ETA, true
	}
	return 0, false
}

// stalled reports an upgrade with no progress for stallAfter of the
// device's own intervals (or the cloud's say-so).
func stalled(now time.Time, st models.UpgradeStatus) (bool, time.Duration) {
	if !st.Running() {
		return false, 0
	}
	quiet := now.Sub(st.LastProgressAt)
	if st.LastProgressAt.IsZero() {
		quiet = now.Sub(st.StartedAt)
	}
	if st.State == models.UpgradeStalled {
		return true, max(quiet, st.StalledFor)
	}
	if st.ProgressInterval > 0 && quiet > stallAfter*st.ProgressInterval {
		return true, quiet
	}
	return false, quiet
}

func (p *otaPage) askConfirm(a *App) tea.Cmd {
	if cmd := a.refuseWrite("Firmware: confirm upgrade"); cmd != nil {
		return cmd
	}
	if p.data == nil || p.data.verr != nil {
		return a.Fail(errorf("check for an update first (it is still loading, or the check failed)"))
	}
	v := p.data.version
	if !v.CanUpdate() {
		return a.Flash(fmt.Sprintf("%s %s is the newest %s firmware: nothing to confirm", deviceTitle(p.detail), v.CurrentVersion, otaTypeName(p.otaType)))
	}
	if p.data.serr == nil && p.data.status.Running() {
		return a.Flash("an upgrade is already running")
	}
	// Confirming on the user's behalf needs a note: who asked, which
	// ticket (FEATURES §2 G); it goes to the audit log with the call.
	a.Ask("reason (ticket id) for confirming this upgrade for the user:", func(a *App, reason string) tea.Cmd {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return a.Fail(errorf("confirming an upgrade for a user needs a reason (a ticket id, say)"))
		}
		q := fmt.Sprintf("Upgrade %s's %s firmware from %s to %s (%s)? The device restarts. Reason: %s",
			deviceTitle(p.detail), otaTypeName(p.otaType), v.CurrentVersion, v.TargetVersion, otaModes[v.OTAMode], reason)
		a.Confirm(q, approve(p, otaConfirmApproved{target: v.TargetVersion, reason: reason}))
		return nil
	})
	return nil
}

func (p *otaPage) confirm(a *App, v otaConfirmApproved) tea.Cmd {
	if cmd := a.refuseWrite("Firmware: confirm upgrade"); cmd != nil {
		return cmd
	}
	p.pending = true
	api, ref, typ := a.api, p.ref, p.otaType
	return runVal(a, p, func(ctx context.Context) any {
		return otaConfirmed{err: api.ConfirmUpdate(ctx, ref, v.target, typ, v.reason)}
	})
}

func (p *otaPage) View(a *App, w, h int) string {
	s := a.styles
	now := a.Now()
	lines := []string{s.Title.Render(" Firmware of "+deviceTitle(p.detail)) +
		s.Faint.Render(fmt.Sprintf("  %s %s · %s firmware (%s switches) · as user #%d", p.ref.SubDomain, p.ref.PhysicalID, otaTypeName(p.otaType), a.keys.Get(ActOTAType).Label(), p.ref.UserID))}
	if p.data == nil {
		if p.err != nil {
			return strings.Join(append(lines, s.Err.Render(" could not check: "+a.errorLine(p.err))), "\n")
		}
		return strings.Join(append(lines, s.Faint.Render(" checking for an update…")), "\n")
	}
	d := p.data
	if d.verr != nil {
		lines = append(lines, s.Err.Render(" check failed: "+a.errorLine(d.verr)))
	} else {
		v := d.version
		if v.CanUpdate() {
			lines = append(lines, fmt.Sprintf(" current %s → target %s  %s", s.Bold.Render(orDash(v.CurrentVersion)), s.OK.Render(v.TargetVersion), s.Faint.Render("mode "+otaModes[v.OTAMode])))
			st := d.status
			switch {
			case d.serr == nil && st.Running():
				// Confirmed: the line says where the upgrade is, not what
				// it waited for.
				lines = append(lines, s.Accent.Render(fmt.Sprintf(" upgrading: %s, %.0f %% — confirmed, nothing to do but wait", orDash(st.Phase), st.Percent)))
			case d.serr == nil && st.State == models.UpgradeSucceeded && (st.TargetVersion == "" || st.TargetVersion == v.TargetVersion):
				lines = append(lines, s.OK.Render(" upgraded: the device reports "+v.TargetVersion+" at its next check-in"))
			case d.serr == nil && st.State == models.UpgradeFailed:
				lines = append(lines, s.Err.Render(" the last upgrade failed: "+a.keys.Get(ActOTAConfirm).Label()+" tries again (asks for a reason)"))
			case v.OTAMode == 1:
				lines = append(lines, s.Faint.Render(" waits for a confirmation: "+a.keys.Get(ActOTAConfirm).Label()+" confirms on the user's behalf (asks for a reason)"))
			default:
				lines = append(lines, s.Faint.Render(" "+otaModes[v.OTAMode]+": starts by itself when the device checks in; confirming starts it now"))
			}
		} else {
			lines = append(lines, fmt.Sprintf(" current %s %s", s.Bold.Render(orDash(v.CurrentVersion)), s.OK.Render("up to date")))
		}
		if notes := strings.TrimSpace(v.UpgradeLog); notes != "" {
			lines = append(lines, s.Bold.Render(" release notes"))
			for _, l := range strings.Split(models.SanitizeText(notes), "\n") {
				for _, part := range wordWrap(l, w-4) {
					lines = append(lines, "   "+part)
				}
			}
		}
		if len(v.Files) > 0 {
			lines = append(lines, s.Bold.Render(" files"))
			for _, f := range v.Files {
				lines = append(lines, fmt.Sprintf("   %s type %d  checksum %d  %s", padRight(clipText(f.Name, 24), 24), f.Type, f.Checksum, s.Faint.Render(clipText(f.DownloadURL, max(w-60, 10)))))
			}
		}
	}
	lines = append(lines, "")
	if p.pending {
		lines = append(lines, s.Warn.Render(" confirming…"))
	}
	if d.serr != nil {
		lines = append(lines, s.Faint.Render(" upgrade progress unavailable: "+a.errorLine(d.serr)))
		return strings.Join(lines, "\n")
	}
	st := d.status
	switch st.State {
	case "", models.UpgradeIdle:
		lines = append(lines, s.Faint.Render(" no upgrade has run on this device"))
	default:
		lines = append(lines, p.statusLines(a, now, st, w)...)
	}
	return strings.Join(lines, "\n")
}

func (p *otaPage) statusLines(a *App, now time.Time, st models.UpgradeStatus, w int) []string {
	s := a.styles
	var lines []string
	bar := progressBar(st.Percent/100, 30, s.Glyphs.ASCII)
	head := fmt.Sprintf(" %s %5.1f %% %s", bar, st.Percent, orDash(st.Phase))
	if st.TargetVersion != "" {
		head += "  → " + st.TargetVersion
	}
	switch {
	case st.State == models.UpgradeSucceeded:
		lines = append(lines, s.OK.Render(head+"  done"))
		if !st.LastProgressAt.IsZero() && !st.StartedAt.IsZero() {
			lines = append(lines, s.Faint.Render(fmt.Sprintf(" finished %s after %s", st.LastProgressAt.Local().Format("15:04:05"), st.LastProgressAt.Sub(st.StartedAt).Round(time.Second))))
		}
	case st.State == models.UpgradeFailed:
		lines = append(lines, s.Err.Render(head+"  failed"))
		lines = append(lines, s.Err.Render(" reason: "+orDash(st.FailureReason)))
		lines = append(lines, s.Faint.Render(" "+a.keys.Get(ActOTAConfirm).Label()+" tries again (the device keeps its old firmware)"))
	default:
		stall, quiet := stalled(now, st)
		if stall {
			lines = append(lines, s.Warn.Render(head+"  STALLED"))
			msg := fmt.Sprintf(" no progress for %s", quiet.Round(time.Second))
			if st.ProgressInterval > 0 {
				msg += fmt.Sprintf(" (the device reported every %s before): it may be out of range, asleep or stuck", st.ProgressInterval.Round(100*time.Millisecond))
			}
			lines = append(lines, s.Warn.Render(msg))
		} else {
			lines = append(lines, s.Accent.Render(head))
			info := " "
			if eta, ok := p.eta(st); ok {
				info += "about " + eta.Round(time.Second).String() + " left at the recent rate"
			} else {
				info += "estimating the time left…"
			}
			if !st.LastProgressAt.IsZero() {
				info += " · last progress " + quiet.Round(time.Second).String() + " ago"
			}
			if st.BytesPerSecond > 0 {
				info += fmt.Sprintf(" · %.0f B/s", st.BytesPerSecond)
			}
			lines = append(lines, s.Faint.Render(info))
		}
	}
	if !st.StartedAt.IsZero() {
		lines = append(lines, s.Faint.Render(" started "+st.StartedAt.Local().Format("2006-01-02 15:04:05")))
	}
	return lines
}

// --- the fleet view (:ota) ---

// cmdOTA lists, per product, the devices with an update on offer (or
// running, or failed), and confirms several after a dry run.
func cmdOTA(a *App, arg string) tea.Cmd {
	return a.Replace(newFleetOTAPage(strings.TrimSpace(arg)))
}

func newFleetOTAPage(only string) Page {
	p := &listPage[models.UpgradeCandidate]{
		title: "Updates", poll: true, empty: "no device has an update on offer",
		cols: []table.Column{
			{Key: "product", Title: "PRODUCT", Width: 10},
			{Key: "pid", Title: "PHYSICAL ID", Width: 16},
			{Key: "type", Title: "TYPE", Width: 6},
			{Key: "from", Title: "CURRENT", Width: 9},
			{Key: "to", Title: "TARGET", Width: 9},
			{Key: "mode", Title: "MODE", Width: 13},
			{Key: "state", Title: "STATE", Flex: 1, MinWidth: 10},
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
			return []string{c.SubDomain, c.PhysicalDeviceID, otaTypeName(c.OTAType), c.CurrentVersion, c.TargetVersion, otaModes[c.OTAMode], orDash(c.State), pct}
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
		scope := "every product"
		if only != "" {
			scope = only
		}
		return fmt.Sprintf("%s with an update (%s, %s): %d upgrading, %d failed · %s selects, %s confirms the selection after a dry run",
			count(len(devices), "device"), count(rows, "update"), scope, running, failed, a.keyLabel(ActSelect), a.keyLabel(ActOTAConfirm))
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
					return a.Flash("select devices with " + a.keyLabel(ActSelect) + " first")
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
	plan   string // what will happen
	skip   bool
	result string
	failed bool
}

// dryRunPage shows what a bulk confirm would do before it does it (every
// bulk action has a dry run, FEATURES §2 J), then runs it a few devices at
// a time and keeps the results on screen.
type dryRunPage struct {
	rows  []dryRun
	tbl   *table.Table[dryRun]
	ran   bool
	busy  int
	queue *pendingQueue
}

func newDryRunPage(sel []models.UpgradeCandidate) *dryRunPage {
	p := &dryRunPage{}
	for _, c := range sel {
		r := dryRun{c: c, plan: fmt.Sprintf("confirm %s → %s", c.CurrentVersion, c.TargetVersion)}
		switch c.State {
		case models.UpgradeUpgrading, models.UpgradeStalled:
			r.plan, r.skip = "skip: already upgrading", true
		case models.UpgradeSucceeded:
			r.plan, r.skip = "skip: already done", true
		case models.UpgradeFailed:
			r.plan = fmt.Sprintf("retry %s → %s (the last attempt failed)", c.CurrentVersion, c.TargetVersion)
		}
		if c.OTAMode == 2 && !r.skip {
			r.plan += " (forced: would start by itself at the next check-in)"
		}
		p.rows = append(p.rows, r)
	}
	return p
}

func (p *dryRunPage) Title(tr *i18n.Translator) string { return "Dry run" }

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
	p.tbl = table.New(table.Options[dryRun]{
		Columns: []table.Column{
			{Key: "product", Title: "PRODUCT", Width: 10},
			{Key: "pid", Title: "PHYSICAL ID", Width: 16},
			{Key: "type", Title: "TYPE", Width: 6},
			{Key: "plan", Title: "PLAN", Flex: 3, MinWidth: 20},
			{Key: "result", Title: "RESULT", Flex: 2, MinWidth: 10},
		},
		ID: func(r dryRun) string {
			return r.c.SubDomain + "/" + r.c.PhysicalDeviceID + "/" + strconv.Itoa(r.c.OTAType)
		},
		Cells: func(r dryRun) []string {
			return []string{r.c.SubDomain, r.c.PhysicalDeviceID, otaTypeName(r.c.OTAType), r.plan, r.result}
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
				r.result = "confirmed"
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
				return a.Flash(fmt.Sprintf("bulk confirm done: %d confirmed, %d failed; :ota shows their progress", ok, bad))
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
		return a.Flash("this run is done: go back to :ota for another")
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
		return a.Flash("nothing to confirm: every device is skipped")
	}
	a.Ask("reason (ticket id) for this bulk upgrade:", func(a *App, reason string) tea.Cmd {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return a.Fail(errorf("a bulk upgrade needs a reason (a ticket id, say)"))
		}
		a.Confirm(fmt.Sprintf("Confirm %s, %d at a time, as in the dry run? Reason: %s", count(n, "update"), fleetParallel, reason),
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
		return a.Flash("nothing to confirm")
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
	p.rows[i].result = "confirming…"
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
	head := s.Title.Render(" Dry run: confirm firmware updates") + s.Faint.Render(fmt.Sprintf("  %d of %s would be confirmed; nothing has been sent yet", n, count(len(p.rows), "update")))
	if p.ran {
		head = s.Title.Render(" Bulk confirm") + s.Faint.Render(fmt.Sprintf("  %s, %d at a time", count(n, "update"), fleetParallel))
	}
	sub := s.Faint.Render(" " + a.keys.Get(ActOTAConfirm).Label() + " asks for a reason, then confirms every device not skipped; esc goes back without sending anything")
	p.tbl.SetSize(w, max(h-2, 3))
	return head + "\n" + sub + "\n" + p.tbl.View()
}
