package ui

import (
	"acconsole/i18n"
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
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

// otaModeName is an OTA mode (the cloud's otaMode number) in words; ""
// for a mode the protocol does not define.
func otaModeName(tr *i18n.Translator, mode int) string {
	switch mode {
	case 0:
		return tr.T("firmware.mode.silent")
	case 1:
		return tr.T("firmware.mode.user_confirms")
	case 2:
		return tr.T("firmware.mode.forced")
	}
	return ""
}

func otaTypeName(tr *i18n.Translator, t int) string {
	if t == 2 {
		return tr.T("firmware.type.module")
	}
	return tr.T("firmware.type.mcu")
}

// phaseName is an upgrade phase as the device reports it (download,
// verify, flash, reboot, done, failed) in the reader's language; a phase
// this console does not know shows as the device sent it.
func phaseName(tr *i18n.Translator, phase string) string {
	switch phase {
	case "download":
		return tr.T("firmware.phase.download")
	case "verify":
		return tr.T("firmware.phase.verify")
	case "flash":
		return tr.T("firmware.phase.flash")
	case "reboot":
		return tr.T("firmware.phase.reboot")
	case "done":
		return tr.T("firmware.phase.done")
	case "failed":
		return tr.T("firmware.phase.failed")
	}
	return orDash(models.SanitizeLine(phase))
}

// upgradeStateName is an upgrade's state (models' constants, and the
// fleet list's "available") in the reader's language.
func upgradeStateName(tr *i18n.Translator, state string) string {
	switch state {
	case "":
		return orDash("")
	case "available":
		return tr.T("firmware.state.available")
	case models.UpgradeIdle:
		return tr.T("firmware.state.idle")
	case models.UpgradeUpgrading:
		return tr.T("firmware.state.upgrading")
	case models.UpgradeStalled:
		return tr.T("firmware.state.stalled")
	case models.UpgradeSucceeded:
		return tr.T("firmware.state.succeeded")
	case models.UpgradeFailed:
		return tr.T("firmware.state.failed")
	}
	return models.SanitizeLine(state)
}

// intervalText is how often a device reported: whole seconds in the
// reader's words, a fraction as Go writes it ("1.5s").
func intervalText(tr *i18n.Translator, d time.Duration) string {
	d = d.Round(100 * time.Millisecond)
	if d%time.Second == 0 {
		return tr.Duration(d)
	}
	return d.String()
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

func (p *otaPage) Title(tr *i18n.Translator) string { return tr.T("firmware.title") }

// pageKeys: confirm the offered upgrade, and switch between the MCU and
// the module firmware.
func (p *otaPage) pageKeys() []pageKey {
	return []pageKey{
		{action: ActOTAConfirm, hint: true, writes: true, audit: "Firmware: confirm upgrade", run: p.askConfirm},
		{action: ActOTAType, hint: true, run: func(a *App) tea.Cmd {
			p.otaType = 3 - p.otaType
			p.data, p.samples = nil, nil
			return tea.Batch(a.Flash(a.T("firmware.checking_type", "Type", otaTypeName(a.Tr(), p.otaType))), p.Load(a))
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
			return tea.Batch(a.Flash(a.T("firmware.confirmed")), p.fetch(a, false))
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
		return a.Fail(errorf(a.T("firmware.check_first")))
	}
	v := p.data.version
	if !v.CanUpdate() {
		return a.Flash(a.T("firmware.newest", "Device", deviceTitle(p.detail), "Version", v.CurrentVersion, "Type", otaTypeName(a.Tr(), p.otaType)))
	}
	if p.data.serr == nil && p.data.status.Running() {
		return a.Flash(a.T("firmware.already_running"))
	}
	// Confirming on the user's behalf needs a note: who asked, which
	// ticket (FEATURES §2 G); it goes to the audit log with the call.
	a.Ask(a.T("firmware.ask_reason"), func(a *App, reason string) tea.Cmd {
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return a.Fail(errorf(a.T("firmware.needs_reason")))
		}
		q := a.T("firmware.confirm_question", "Device", deviceTitle(p.detail), "Type", otaTypeName(a.Tr(), p.otaType),
			"From", v.CurrentVersion, "To", v.TargetVersion, "Mode", otaModeName(a.Tr(), v.OTAMode), "Reason", reason)
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
	tr := a.Tr()
	lines := []string{s.Title.Render(" "+a.T("firmware.heading", "Device", deviceTitle(p.detail))) +
		s.Faint.Render("  "+a.T("firmware.subheading", "Product", p.ref.SubDomain, "PhysicalID", p.ref.PhysicalID,
			"Type", otaTypeName(tr, p.otaType), "Key", a.keys.Get(ActOTAType).Label(), "User", p.ref.UserID))}
	if p.data == nil {
		if p.err != nil {
			return strings.Join(append(lines, s.Err.Render(" "+a.T("firmware.could_not_check", "Error", a.errorLine(p.err)))), "\n")
		}
		return strings.Join(append(lines, s.Faint.Render(" "+a.T("firmware.checking"))), "\n")
	}
	d := p.data
	if d.verr != nil {
		lines = append(lines, s.Err.Render(" "+a.T("firmware.check_failed", "Error", a.errorLine(d.verr))))
	} else {
		v := d.version
		confirmKey := a.keys.Get(ActOTAConfirm).Label()
		if v.CanUpdate() {
			lines = append(lines, " "+a.T("firmware.current_target", "Current", s.Bold.Render(orDash(v.CurrentVersion)), "Target", s.OK.Render(v.TargetVersion))+
				"  "+s.Faint.Render(a.T("firmware.mode_label", "Mode", otaModeName(tr, v.OTAMode))))
			st := d.status
			switch {
			case d.serr == nil && st.Running():
				// Confirmed: the line says where the upgrade is, not what
				// it waited for.
				lines = append(lines, s.Accent.Render(" "+a.T("firmware.upgrading_confirmed", "Phase", phaseName(tr, st.Phase), "Percent", fmt.Sprintf("%.0f", st.Percent))))
			case d.serr == nil && st.State == models.UpgradeSucceeded && (st.TargetVersion == "" || st.TargetVersion == v.TargetVersion):
				lines = append(lines, s.OK.Render(" "+a.T("firmware.upgraded", "Version", v.TargetVersion)))
			case d.serr == nil && st.State == models.UpgradeFailed:
				lines = append(lines, s.Err.Render(" "+a.T("firmware.last_failed", "Key", confirmKey)))
			case v.OTAMode == 1:
				lines = append(lines, s.Faint.Render(" "+a.T("firmware.waits_confirmation", "Key", confirmKey)))
			default:
				lines = append(lines, s.Faint.Render(" "+a.T("firmware.starts_by_itself", "Mode", otaModeName(tr, v.OTAMode))))
			}
		} else {
			lines = append(lines, " "+a.T("firmware.current_up_to_date", "Current", s.Bold.Render(orDash(v.CurrentVersion)), "UpToDate", s.OK.Render(a.T("firmware.up_to_date"))))
		}
		if notes := strings.TrimSpace(v.UpgradeLog); notes != "" {
			lines = append(lines, s.Bold.Render(" "+a.T("firmware.release_notes")))
			for _, l := range strings.Split(models.SanitizeText(notes), "\n") {
				for _, part := range wordWrap(l, w-4) {
					lines = append(lines, "   "+part)
				}
			}
		}
		if len(v.Files) > 0 {
			lines = append(lines, s.Bold.Render(" "+a.T("firmware.files")))
			for _, f := range v.Files {
				lines = append(lines, "   "+a.T("firmware.file_line", "Name", padRight(clipText(f.Name, 24), 24), "Type", f.Type, "Checksum", f.Checksum,
					"URL", s.Faint.Render(clipText(f.DownloadURL, max(w-60, 10)))))
			}
		}
	}
	lines = append(lines, "")
	if p.pending {
		lines = append(lines, s.Warn.Render(" "+a.T("firmware.confirming")))
	}
	if d.serr != nil {
		lines = append(lines, s.Faint.Render(" "+a.T("firmware.progress_unavailable", "Error", a.errorLine(d.serr))))
		return strings.Join(lines, "\n")
	}
	st := d.status
	switch st.State {
	case "", models.UpgradeIdle:
		lines = append(lines, s.Faint.Render(" "+a.T("firmware.no_upgrade")))
	default:
		lines = append(lines, p.statusLines(a, now, st, w)...)
	}
	return strings.Join(lines, "\n")
}

func (p *otaPage) statusLines(a *App, now time.Time, st models.UpgradeStatus, w int) []string {
	s := a.styles
	tr := a.Tr()
	var lines []string
	bar := progressBar(st.Percent/100, 30, s.Glyphs.ASCII)
	head := fmt.Sprintf(" %s %5.1f %% %s", bar, st.Percent, phaseName(tr, st.Phase))
	if st.TargetVersion != "" {
		head += "  → " + st.TargetVersion
	}
	switch {
	case st.State == models.UpgradeSucceeded:
		lines = append(lines, s.OK.Render(head+"  "+a.T("firmware.mark.done")))
		if !st.LastProgressAt.IsZero() && !st.StartedAt.IsZero() {
			lines = append(lines, s.Faint.Render(" "+a.T("firmware.finished", "At", st.LastProgressAt.Local().Format("15:04:05"), "Took", tr.Duration(st.LastProgressAt.Sub(st.StartedAt)))))
		}
	case st.State == models.UpgradeFailed:
		lines = append(lines, s.Err.Render(head+"  "+a.T("firmware.mark.failed")))
		lines = append(lines, s.Err.Render(" "+a.T("firmware.failure_reason", "Reason", orDash(models.SanitizeLine(st.FailureReason)))))
		lines = append(lines, s.Faint.Render(" "+a.T("firmware.try_again", "Key", a.keys.Get(ActOTAConfirm).Label())))
	default:
		stall, quiet := stalled(now, st)
		if stall {
			lines = append(lines, s.Warn.Render(head+"  "+a.T("firmware.mark.stalled")))
			msg := a.T("firmware.no_progress", "Quiet", tr.Duration(quiet))
			if st.ProgressInterval > 0 {
				msg = a.T("firmware.no_progress_interval", "Quiet", tr.Duration(quiet), "Interval", intervalText(tr, st.ProgressInterval))
			}
			lines = append(lines, s.Warn.Render(" "+msg))
		} else {
			lines = append(lines, s.Accent.Render(head))
			var info []string
			if eta, ok := p.eta(st); ok {
				info = append(info, a.T("firmware.eta", "Left", tr.Duration(eta)))
			} else {
				info = append(info, a.T("firmware.estimating"))
			}
			if !st.LastProgressAt.IsZero() {
				info = append(info, a.T("firmware.last_progress", "Ago", tr.Duration(quiet)))
			}
			if st.BytesPerSecond > 0 {
				info = append(info, fmt.Sprintf("%.0f B/s", st.BytesPerSecond))
			}
			lines = append(lines, s.Faint.Render(" "+strings.Join(info, " · ")))
		}
	}
	if !st.StartedAt.IsZero() {
		lines = append(lines, s.Faint.Render(" "+a.T("firmware.started", "At", tr.DateTime(st.StartedAt.Local()))))
	}
	return lines

}
