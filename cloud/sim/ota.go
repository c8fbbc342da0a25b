package sim

import (
	"errors"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

// UpgradePhase is a step of a firmware upgrade.
type UpgradePhase int

// Phases of an upgrade, in order; Done and Failed are final.
const (
	PhaseDownload UpgradePhase = 1 + iota
	PhaseVerify
	PhaseFlash
	PhaseReboot
	PhaseDone
	PhaseFailed
)

func (p UpgradePhase) String() string { return catalog.PhaseName(int(p)) }

// Failure codes of report 203 (its third byte).
const (
	failNone byte = iota
	failDownload
	failChecksum
	failFlash
	failCancelled
	failRemoved
)

// UpgradeOptions shape a simulated upgrade. Zero values take the defaults.
type UpgradeOptions struct {
	// Phase lengths; defaults 20 s, 2 s, 8 s, 5 s.
	Download, Verify, Flash, Reboot time.Duration
	// Steps is how many progress updates the download sends; default 10.
	Steps int
	// FailFraction is the share of upgrades that fail (0.1 = one in ten).
	// Whether a given attempt fails is drawn from the fleet seed, the
	// device, the target and the attempt number, so a run replays exactly
	// and a retry may succeed.
	FailFraction float64
	// FailPhase is where a failing upgrade fails (download, verify or
	// flash); 0 lets the draw choose.
	FailPhase UpgradePhase
	// FailReason replaces the phase's failure text in UpgradeProgress.
	FailReason string
	// Module upgrades the communication module (otaType 2) instead of the
	// MCU firmware.
	Module bool
}

// UpgradeProgress is one step of an upgrade, sent on the channel that
// StartUpgrade returns and also reported to the hub as message 203.
type UpgradeProgress struct {
	Phase UpgradePhase
	// Percent of the whole upgrade: download 0–70, verify 70–80, flash
	// 80–95, reboot 95, done 100.
	Percent  int
	From, To string
	// Reason says why an upgrade failed.
	Reason string
	At     time.Time
}

// Errors of StartUpgrade.
var (
	ErrUpgrading   = errors.New("sim: an upgrade is already running")
	ErrSameVersion = errors.New("sim: the device already runs that version")
	ErrNoTarget    = errors.New("sim: no target version")
)

type upStep struct {
	at    time.Duration
	phase UpgradePhase
	pct   int
}

type upgrade struct {
	from, to string
	module   bool
	start    time.Time
	steps    []upStep
	i        int
	ev       *event
	busy     bool // flashing or rebooting: commands are refused
	ch       chan UpgradeProgress
	failCode byte
	reason   string
}

// StartUpgrade starts a firmware upgrade to target. Progress arrives on the
// channel, which is closed after the final Done or Failed entry; it is
// buffered for every entry, so a caller that reads late loses nothing. At
// the end the device runs target (as SetVersion would set it) and has
// rebooted (offline for the reboot phase).
func (d *Device) StartUpgrade(target string, opt UpgradeOptions) (<-chan UpgradeProgress, error) {
	if target == "" {
		return nil, ErrNoTarget
	}
	if opt.Download <= 0 {
		opt.Download = 20 * time.Second
	}
	if opt.Verify <= 0 {
		opt.Verify = 2 * time.Second
	}
	if opt.Flash <= 0 {
		opt.Flash = 8 * time.Second
	}
	if opt.Reboot <= 0 {
		opt.Reboot = 5 * time.Second
	}
	if opt.Steps <= 0 {
		opt.Steps = 10
	}
	f := d.f
	d.mu.Lock()
	if !d.liveLocked() {
		d.mu.Unlock()
		return nil, hub.ErrOffline
	}
	if d.up != nil {
		d.mu.Unlock()
		return nil, ErrUpgrading
	}
	current := d.firmware
	if opt.Module {
		current = d.module
	}
	if target == current {
		d.mu.Unlock()
		return nil, ErrSameVersion
	}
	d.st.upgrades++
	steps := upgradePlan(opt)
	u := &upgrade{from: current, to: target, module: opt.Module, start: f.now()}
	draw := mix3(f.seed, d.h^fnv64(target), uint64(d.st.upgrades))
	if unit(draw) < opt.FailFraction {
		steps, u.failCode = failPlan(steps, opt, mix(draw))
		u.reason = catalog.FailureName(int(u.failCode))
		if opt.FailReason != "" {
			u.reason = opt.FailReason
		}
	}
	u.steps = steps
	u.ch = make(chan UpgradeProgress, len(steps)+1)
	d.up = u
	first := d.upgradeStepLocked(u)
	d.mu.Unlock()
	d.emit([]msg{first})
	return u.ch, nil
}

// upgradePlan lists the steps of a successful upgrade.
func upgradePlan(o UpgradeOptions) []upStep {
	var s []upStep
	for i := 0; i <= o.Steps; i++ {
		s = append(s, upStep{o.Download * time.Duration(i) / time.Duration(o.Steps), PhaseDownload, 70 * i / o.Steps})
	}
	t := o.Download
	s = append(s, upStep{t, PhaseVerify, 70})
	t += o.Verify
	s = append(s, upStep{t, PhaseFlash, 80}, upStep{t + o.Flash/2, PhaseFlash, 88})
	t += o.Flash
	s = append(s, upStep{t, PhaseReboot, 95})
	t += o.Reboot
	return append(s, upStep{t, PhaseDone, 100})
}

// failPlan cuts a plan at the failure point and ends it with Failed.
func failPlan(s []upStep, o UpgradeOptions, draw uint64) ([]upStep, byte) {
	phase := o.FailPhase
	if phase < PhaseDownload || phase > PhaseFlash {
		phase = PhaseDownload + UpgradePhase(draw%3)
	}
	// The failure comes after the last step of the phase that is kept.
	var keep int
	switch phase {
	case PhaseDownload:
		keep = 1 + int(draw>>8)%o.Steps // somewhere into the download
	default:
		for i, st := range s {
			if st.phase == phase {
				keep = i + 1
				break
			}
		}
	}
	at := s[keep-1].at + (s[keep].at-s[keep-1].at)/2
	code := map[UpgradePhase]byte{PhaseDownload: failDownload, PhaseVerify: failChecksum, PhaseFlash: failFlash}[phase]
	out := append(s[:keep:keep], upStep{at, PhaseFailed, s[keep-1].pct})
	return out, code
}

// upgradeStepLocked performs step u.i, sends its progress, schedules the
// next step and returns the report to emit once d.mu is released.
func (d *Device) upgradeStepLocked(u *upgrade) msg {
	s := u.steps[u.i]
	u.i++
	p := UpgradeProgress{Phase: s.phase, Percent: s.pct, From: u.from, To: u.to, At: d.f.now()}
	var fail byte
	switch s.phase {
	case PhaseFlash:
		u.busy = true
	case PhaseReboot:
		u.busy, d.rebooting = true, true
	case PhaseDone:
		d.rebooting = false
		if u.module {
			d.module = u.to
		} else {
			d.firmware = u.to
		}
		d.up = nil
	case PhaseFailed:
		d.up = nil
		fail, p.Reason = u.failCode, u.reason
	}
	u.ch <- p
	if s.phase == PhaseDone || s.phase == PhaseFailed {
		close(u.ch)
	} else {
		u.ev = d.f.sched.at(u.start.Add(u.steps[u.i].at), func() { d.upgradeTick(u) })
	}
	return msg{catalog.CodeUpgrade, []byte{byte(s.phase), byte(s.pct), fail}}
}

func (d *Device) upgradeTick(u *upgrade) {
	d.mu.Lock()
	if d.up != u {
		d.mu.Unlock()
		return
	}
	u.ev = nil
	m := d.upgradeStepLocked(u)
	phase := UpgradePhase(m.payload[0])
	d.mu.Unlock()
	switch phase {
	case PhaseReboot:
		// Say it before going dark, as a device would.
		d.emit([]msg{m})
		d.reconcile()
	case PhaseDone:
		d.reconcile()
		d.emit([]msg{m})
	default:
		d.emit([]msg{m})
	}
}

// CancelUpgrade stops an upgrade that is still downloading or verifying; a
// device that is flashing cannot stop, and CancelUpgrade reports false.
func (d *Device) CancelUpgrade() bool {
	d.mu.Lock()
	u := d.up
	d.mu.Unlock()
	if u == nil {
		return false
	}
	return d.abortUpgrade(u, failCancelled)
}

// abortUpgrade ends u as failed with code; a removed device aborts even
// while flashing.
func (d *Device) abortUpgrade(u *upgrade, code byte) bool {
	d.mu.Lock()
	if d.up != u || (u.busy && code != failRemoved) {
		d.mu.Unlock()
		return false
	}
	d.f.sched.cancel(u.ev)
	d.up = nil
	d.rebooting = false
	pct := u.steps[max(u.i-1, 0)].pct
	u.ch <- UpgradeProgress{Phase: PhaseFailed, Percent: pct, From: u.from, To: u.to, Reason: catalog.FailureName(int(code)), At: d.f.now()}
	close(u.ch)
	d.mu.Unlock()
	d.emit([]msg{{catalog.CodeUpgrade, []byte{byte(PhaseFailed), byte(pct), code}}})
	d.reconcile()
	return true
}
