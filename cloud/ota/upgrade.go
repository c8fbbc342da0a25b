package ota

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// run is one upgrade of one device.
type run struct {
	id                              int64 // ota_upgrades row
	key                             hub.Key
	subID                           int64
	pid                             string
	deviceID                        int64
	otaType, mode                   int
	from, target                    string
	auto                            bool
	size                            int64
	state, phase, failure           string
	percent                         float64
	started, lastProgress, finished time.Time
	// avgGap is the moving average of the time between progress reports;
	// rate is bytes per second over the download, both from the device's
	// own history, so a slow device is not called stalled.
	avgGap time.Duration
	rate   float64
}

// errRolloutFull is start's answer for an automatic upgrade when MaxAuto
// of them already run (on any instance): the device waits in the queue.
var errRolloutFull = errors.New("ota: every rollout slot is taken")

// start begins an upgrade of t to v. auto marks silent/forced upgrades,
// which count against MaxAuto: their row is written first, as the claim
// of a rollout slot, and removed again when the device refuses.
func (s *Service) start(t target, v Version, trigger string, auto bool) error {
	k := t.key()
	s.mu.Lock()
	if r := s.active[k]; r != nil && r.state == models.UpgradeUpgrading {
		s.mu.Unlock()
		if r.target == v.Version && r.otaType == v.OTAType {
			return nil // confirming twice is harmless
		}
		return rpc.Errorf(models.ErrDeviceState, "device %s is already upgrading to %s: wait for it to finish", t.pid, r.target)
	}
	s.mu.Unlock()
	if !auto {
		// Automatic upgrades start only on the device's own instance (its
		// check-in); a confirmation may arrive anywhere.
		if handed, err := s.startElsewhere(t, v, trigger); handed {
			return err
		}
	}
	now := s.clock.Now()
	r := &run{
		key: k, subID: t.sub.ID, pid: t.pid, deviceID: t.deviceID, otaType: v.OTAType, mode: v.Mode,
		from: t.current(v.OTAType), target: v.Version, auto: auto, size: v.Size,
		state: models.UpgradeUpgrading, phase: "download", started: now, lastProgress: now,
	}
	if auto {
		claimed, err := s.claimSlot(context.Background(), r, trigger)
		if err != nil {
			return err
		}
		if !claimed {
			return errRolloutFull
		}
	}
	ch, err := s.deps.Upgrader.StartUpgrade(k, v.OTAType, v.Version)
	if err != nil {
		if auto {
			// The device never started: the claim goes, and with it the
			// slot.
			if _, derr := s.db.Exec(`DELETE FROM ota_upgrades WHERE id=?`, r.id); derr != nil {
				s.log.Warn("ota: release rollout slot", "device", t.pid, "err", derr)
			}
		}
		switch {
		case errors.Is(err, hub.ErrOffline):
			return rpc.Errorf(models.ErrDeviceOffline, "device %s is offline: the upgrade starts when it is confirmed again while online", t.pid)
		case errors.Is(err, ErrSameVersion):
			return rpc.Errorf(models.ErrOTANoNewVersion, "device %s already runs %s", t.pid, v.Version)
		case errors.Is(err, ErrUpgrading):
			return rpc.Errorf(models.ErrDeviceState, "device %s is busy with another upgrade", t.pid)
		}
		return err
	}
	if !auto {
		err = s.db.Tx(context.Background(), func(tx *sql.Tx) error {
			return tx.QueryRow(`INSERT INTO ota_upgrades(sub_domain_id, physical_id, device_id, ota_type, from_version, target_version, mode,
		trigger, state, phase, started_ms, last_progress_ms, instance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				r.subID, r.pid, r.deviceID, r.otaType, r.from, r.target, r.mode, trigger, r.state, r.phase, now.UnixMilli(), now.UnixMilli(), s.opt.Instance).Scan(&r.id)
		})
		if err != nil {
			s.log.Error("ota: record upgrade", "device", t.pid, "err", err)
		}
	}
	s.mu.Lock()
	if s.closed {
		// Close is waiting for the trackers: a request that arrives now
		// must not add one behind its back.
		s.mu.Unlock()
		return rpc.Errorf(models.ErrServiceDown, "the OTA service is shutting down: try again")
	}
	s.active[k] = r
	s.wg.Add(1)
	s.mu.Unlock()
	go s.track(r, ch)
	return nil
}

// autoTriggers are the triggers of automatic upgrades, those MaxAuto caps.
const autoTriggers = `('silent', 'forced')`

// claimSlot records r as a running automatic upgrade if fewer than MaxAuto
// run in the store, on every instance together; false when none is free.
//
// The count and the insert are one transaction. Two instances claiming the
// last slot at the same moment both count MaxAuto-1: on SQLite that cannot
// happen (one writer at a time, so the second counts the first's row); on
// PostgreSQL store.Tx runs SERIALIZABLE, so the second to commit fails
// with a serialization error, runs again, counts the first's row and finds
// no slot. The limit holds either way.
func (s *Service) claimSlot(ctx context.Context, r *run, trigger string) (bool, error) {
	if s.opt.Alive != nil {
		// Upgrades of an instance that is gone hold no slot: they are
		// failed as interrupted before counting.
		if err := s.interruptOrphans(ctx); err != nil {
			return false, err
		}
	}
	claimed := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		claimed = false
		var running int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM ota_upgrades WHERE state=? AND trigger IN `+autoTriggers,
			models.UpgradeUpgrading).Scan(&running); err != nil {
			return err
		}
		if running >= s.opt.MaxAuto {
			return nil
		}
		claimed = true
		return tx.QueryRow(`INSERT INTO ota_upgrades(sub_domain_id, physical_id, device_id, ota_type, from_version, target_version, mode,
		trigger, state, phase, started_ms, last_progress_ms, instance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.subID, r.pid, r.deviceID, r.otaType, r.from, r.target, r.mode, trigger, r.state, r.phase,
			r.started.UnixMilli(), r.started.UnixMilli(), s.opt.Instance).Scan(&r.id)
	})
	if err != nil {
		return false, fmt.Errorf("ota: claim a rollout slot: %w", err)
	}
	return claimed, nil
}

// track follows an upgrade's progress until it ends (or is timed out).
func (s *Service) track(r *run, ch <-chan Progress) {
	defer s.wg.Done()
	timer := s.clock.NewTimer(s.opt.NoProgressTimeout)
	timedOut := false
	for {
		select {
		case p, ok := <-ch:
			timer.Stop()
			if !ok {
				s.finish(r, "", models.UpgradeFailed, "the device stopped reporting before the end")
				return
			}
			ended := s.progress(r, p)
			if !ended {
				timer = s.clock.NewTimer(s.opt.NoProgressTimeout)
			}
			if s.afterProgress != nil {
				s.afterProgress()
			}
			if ended {
				return
			}
		case <-timer.C():
			if !timedOut {
				timedOut = true
				s.finish(r, "", models.UpgradeFailed, fmt.Sprintf("no progress for %s: timed out (a later success is still recorded)", s.opt.NoProgressTimeout))
			}
			// Keep listening with no deadline: the device may still
			// finish, and the status must then say so.
			timer = s.clock.NewTimer(365 * 24 * time.Hour)
			if s.afterProgress != nil {
				s.afterProgress()
			}
		case <-s.quit:
			timer.Stop()
			return
		}
	}
}

// progress applies one report; true when the upgrade ended.
func (s *Service) progress(r *run, p Progress) bool {
	at := p.At
	if at.IsZero() {
		at = s.clock.Now()
	}
	s.mu.Lock()
	gap := at.Sub(r.lastProgress)
	if gap > 0 {
		if r.avgGap == 0 {
			r.avgGap = gap
		} else {
			r.avgGap = (r.avgGap*3 + gap) / 4
		}
		if p.Phase == "download" && r.size > 0 && p.Percent > r.percent {
			// Download is 0–70 % of the whole (the simulated devices'
			// split); bytes follow the download share.
			bytes := (p.Percent - r.percent) / 70 * float64(r.size)
			inst := bytes / gap.Seconds()
			if r.rate == 0 {
				r.rate = inst
			} else {
				r.rate = (r.rate*3 + inst) / 4
			}
		}
	}
	r.phase, r.lastProgress = p.Phase, at
	if p.Percent > r.percent || p.Phase == "failed" {
		r.percent = p.Percent
	}
	gapMs, rate := r.avgGap.Milliseconds(), r.rate
	state, failure, finished := r.state, r.failure, int64(0)
	if !r.finished.IsZero() {
		finished = r.finished.UnixMilli()
	}
	s.mu.Unlock()
	switch p.Phase {
	case "done":
		s.finish(r, "done", models.UpgradeSucceeded, "")
		return true
	case "failed":
		reason := p.Reason
		if reason == "" {
			reason = "the device reported a failure"
		}
		s.finish(r, "failed", models.UpgradeFailed, reason)
		return true
	}
	// The pace goes with the step: another instance computes "stalled"
	// and the ETA from the row alone. The state goes too: this tracker is
	// the authority, so an instance that took it for gone (its PostgreSQL
	// session was reconnecting) and marked the run interrupted is put
	// right at the next step.
	if _, err := s.db.Exec(`UPDATE ota_upgrades SET state=?, failure=?, finished_ms=?, phase=?, percent=?, last_progress_ms=?, avg_gap_ms=?, rate=? WHERE id=?`,
		state, failure, finished, p.Phase, r.percent, at.UnixMilli(), gapMs, rate, r.id); err != nil {
		s.log.Warn("ota: record progress", "device", r.pid, "err", err)
	}
	return false
}

// finish ends an upgrade. A success moves the warehouse version; it may
// follow a timeout, which it then overrides. finish runs only on the run's
// own tracker goroutine, so r.state changes nowhere else meanwhile.
//
// The new version is written to the warehouse before the end is published
// in memory: a client that sees "succeeded" in getUpgradeStatus and then
// asks checkUpdate must find the new version, not the old one.
func (s *Service) finish(r *run, phase, state, failure string) {
	now := s.clock.Now()
	s.mu.Lock()
	wasRunning := r.state == models.UpgradeUpgrading
	s.mu.Unlock()
	ctx := context.Background()
	if state == models.UpgradeSucceeded {
		dev, mod := r.target, ""
		if r.otaType == TypeModule {
			dev, mod = "", r.target
		}
		if err := s.deps.Devices.SetDeviceVersion(ctx, r.subID, r.pid, dev, mod); err != nil {
			s.log.Error("ota: warehouse version after upgrade", "device", r.pid, "err", err)
		}
	}
	s.mu.Lock()
	r.state, r.failure, r.finished = state, failure, now
	if phase != "" {
		r.phase = phase
	}
	if state == models.UpgradeSucceeded {
		r.percent = 100
		r.failure = ""
	}
	if state == models.UpgradeFailed && r.auto {
		s.failedAt[failKey(r.key, r.otaType, r.target)] = now
	}
	st, ph, pct, fail := r.state, r.phase, r.percent, r.failure
	s.mu.Unlock()
	if _, err := s.db.Exec(`UPDATE ota_upgrades SET state=?, phase=?, percent=?, failure=?, finished_ms=? WHERE id=?`,
		st, ph, pct, fail, now.UnixMilli(), r.id); err != nil {
		s.log.Warn("ota: record end of upgrade", "device", r.pid, "err", err)
	}
	if wasRunning {
		// The slot is free: the next device waiting for a silent or forced
		// upgrade goes (here, and on the other instances), and this device
		// may have another (module after MCU).
		s.next(ctx)
		if r.auto && s.deps.Peers != nil {
			if err := s.deps.Peers.SlotFreed(ctx); err != nil {
				s.log.Warn("ota: announce a free rollout slot", "err", err)
			}
		}
		if state == models.UpgradeSucceeded {
			s.enqueue(r.key)
		}
	}
}

func failKey(k hub.Key, typ int, target string) string {
	return fmt.Sprintf("%s|%s|%d|%s", k.SubDomain, k.PhysicalID, typ, target)
}

func (s *Service) enqueue(k hub.Key) {
	select {
	case s.checkins <- k:
	default:
	}
}

// autoStart starts a silent or forced upgrade on a device that checked
// in, if one is due and a rollout slot is free; otherwise the device waits
// in the queue.
func (s *Service) autoStart(ctx context.Context, k hub.Key) {
	sd, ok := s.deps.Products.SubDomain(ctx, s.opt.DomainID, k.SubDomain)
	if !ok {
		return
	}
	info, ok, err := s.deps.Warehouse.DeviceInfo(ctx, sd.ID, k.PhysicalID)
	if err != nil || !ok {
		return
	}
	t := target{sub: sd, pid: k.PhysicalID, info: info}
	if d, ok, err := s.deps.Devices.DeviceByPhysical(ctx, sd.ID, k.PhysicalID); err == nil && ok {
		t.deviceID = d.DeviceID
	}
	now := s.clock.Now()
	for _, typ := range []int{TypeMCU, TypeModule} {
		s.mu.Lock()
		v, ok := s.cat.newest(sd.ID, typ, t.current(typ))
		busy := s.active[k] != nil && s.active[k].state == models.UpgradeUpgrading
		last, failed := s.failedAt[failKey(k, typ, v.Version)]
		s.mu.Unlock()
		if !ok || v.Mode == ModeConfirm || busy || (failed && now.Sub(last) < s.opt.RetryAfter) {
			continue
		}
		if !s.deps.Hub.Online(k) {
			return
		}
		trigger := "silent"
		if v.Mode == ModeForced {
			trigger = "forced"
		}
		err := s.start(t, v, trigger, true)
		if errors.Is(err, errRolloutFull) {
			s.mu.Lock()
			if !s.queued[k] {
				s.queued[k] = true
				s.queue = append(s.queue, k)
			}
			s.mu.Unlock()
		} else if err != nil {
			s.log.Info("ota: automatic upgrade not started", "device", k.PhysicalID, "err", err)
		}
		return // one upgrade at a time per device
	}
}

// next hands a free rollout slot to the first queued device (which goes
// back to the queue if another instance took the slot first).
func (s *Service) next(ctx context.Context) {
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.mu.Unlock()
		return
	}
	k := s.queue[0]
	s.queue = s.queue[1:]
	delete(s.queued, k)
	s.mu.Unlock()
	s.enqueue(k)
}

// rollout offers a freshly published silent or forced version to every
// online device of the product.
func (s *Service) rollout(ctx context.Context, subID int64) {
	sd, ok := s.deps.Products.SubDomainByID(subID)
	if !ok {
		return
	}
	_ = s.deps.Devices.WarehouseDevices(ctx, func(info models.DeviceInfo, sub string) error {
		if sub != sd.Name {
			return nil
		}
		k := hub.Key{SubDomain: sub, PhysicalID: info.PhysicalDeviceID}
		if s.deps.Hub.Online(k) {
			s.enqueue(k)
		}
		return nil
	})
}

// statusOf turns a run into the wire status at now: "stalled" when no
// progress came for StallIntervals of the device's own average interval
// (at least StallMin).
func (s *Service) statusOf(r *run, now time.Time) models.UpgradeStatus {
	st := models.UpgradeStatus{
		State: r.state, Phase: r.phase, Percent: r.percent, TargetVersion: r.target, FailureReason: r.failure,
		StartedAt: r.started, LastProgressAt: r.lastProgress,
		BytesPerSecond: r.rate, CurrentVersion: r.from, OTAType: r.otaType, ProgressInterval: r.avgGap,
	}
	if r.state == models.UpgradeSucceeded {
		st.CurrentVersion = r.target
	}
	if r.state != models.UpgradeUpgrading {
		return st
	}
	limit := time.Duration(s.opt.StallIntervals) * r.avgGap
	if limit < s.opt.StallMin {
		limit = s.opt.StallMin
	}
	if quiet := now.Sub(r.lastProgress); quiet > limit {
		st.State, st.StalledFor = models.UpgradeStalled, quiet
	}
	if el := r.lastProgress.Sub(r.started); r.percent > 0 && el > 0 {
		// Remaining share at the average pace so far.
		st.ETA = time.Duration(int64(el.Seconds()*(100-r.percent)/r.percent)) * time.Second
	}
	return st
}

func (s *Service) apiGetUpgradeStatus(c *rpc.Call) (any, error) {
	t, err := s.resolve(c, "")
	if err != nil {
		return nil, err
	}
	// From the store, whichever instance tracks the upgrade (this one, one
	// sharing the store, or one that stopped).
	r, ok, err := s.lastRun(c.Ctx, t.sub.ID, t.pid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return models.UpgradeStatus{State: models.UpgradeIdle, CurrentVersion: t.info.DevVersion, OTAType: TypeMCU}, nil
	}
	return s.statusOf(&r.run, c.Now), nil
}

func (s *Service) apiListUpgrades(c *rpc.Call) (any, error) {
	sd := c.SubDomainInfo
	if name, _ := c.OptString("subDomain"); strings.TrimSpace(name) != "" {
		x, ok := s.deps.Products.SubDomain(c.Ctx, c.MajorDomain.ID, strings.TrimSpace(name))
		if !ok {
			return nil, rpc.Errorf(models.ErrSubDomainAbsent, "sub-domain %q does not exist", name)
		}
		sd = &x
	}
	if sd == nil {
		return nil, rpc.Errorf(models.ErrSubDomainAbsent, "listUpgrades needs the product: set X-Zc-Sub-Domain or subDomain")
	}
	out := []models.UpgradeCandidate{}
	now := c.Now
	runs, err := s.lastRuns(c.Ctx, sd.ID)
	if err != nil {
		return nil, err
	}
	err = s.deps.Devices.WarehouseDevices(c.Ctx, func(info models.DeviceInfo, sub string) error {
		if sub != sd.Name {
			return nil
		}
		var r *run
		if sr, ok := runs[info.PhysicalDeviceID]; ok {
			r = &sr.run
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, typ := range []int{TypeMCU, TypeModule} {
			cur := info.DevVersion
			if typ == TypeModule {
				cur = info.ModVersion
			}
			e := models.UpgradeCandidate{PhysicalDeviceID: info.PhysicalDeviceID, OTAType: typ, CurrentVersion: cur, State: models.UpgradeIdle}
			if v, ok := s.cat.newest(sd.ID, typ, cur); ok {
				e.TargetVersion, e.OTAMode = v.Version, v.Mode
			}
			if r != nil && r.otaType == typ && (r.state == models.UpgradeUpgrading || r.state == models.UpgradeFailed) {
				st := s.statusOf(r, now)
				e.State, e.Percent, e.TargetVersion = st.State, st.Percent, r.target
			}
			if e.TargetVersion != "" {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"devices": out}, nil
}
