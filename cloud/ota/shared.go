package ota

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

// The store, not the memory of one process, is what every instance reads
// an upgrade from: the tracking instance writes each step (phase, percent,
// pace) to ota_upgrades as it applies it, and getUpgradeStatus,
// checkUpdate's status and listUpgrades read the rows back, so that a
// console on any instance sees the same upgrade.

func init() {
	// Instances sharing a store read an upgrade's whole state from here:
	// the device's own pace (for "stalled" and the ETA) and which instance
	// tracks it (its upgrades are interrupted only once it is gone).
	store.Register(store.Migration{Component: "ota", Version: 4, SQL: `
ALTER TABLE ota_upgrades ADD COLUMN avg_gap_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ota_upgrades ADD COLUMN rate REAL NOT NULL DEFAULT 0;
ALTER TABLE ota_upgrades ADD COLUMN instance TEXT NOT NULL DEFAULT '';
`, Postgres: `
ALTER TABLE ota_upgrades ADD COLUMN avg_gap_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ota_upgrades ADD COLUMN rate DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE ota_upgrades ADD COLUMN instance TEXT NOT NULL DEFAULT '';
`})
}

// interruptedReason is the failure of an upgrade whose tracker went away.
const interruptedReason = "interrupted: the cloud stopped during the upgrade"

// runCols are the columns scanRun reads.
const runCols = `id, ota_type, from_version, target_version, state, phase, percent, started_ms, last_progress_ms, failure, avg_gap_ms, rate, instance`

// storedRun is a run read back from the store and the instance tracking it.
type storedRun struct {
	run
	instance string
}

func scanRun(sc interface{ Scan(...any) error }) (storedRun, error) {
	var r storedRun
	var started, last, gap int64
	err := sc.Scan(&r.id, &r.otaType, &r.from, &r.target, &r.state, &r.phase, &r.percent, &started, &last, &r.failure, &gap, &r.rate, &r.instance)
	r.started, r.lastProgress, r.avgGap = time.UnixMilli(started), time.UnixMilli(last), time.Duration(gap)*time.Millisecond
	return r, err
}

// lastRun is the device's latest upgrade run in the store; false when it
// never had one. A run still marked upgrading whose instance is gone is
// failed as interrupted first, so no instance shows it stalled forever.
func (s *Service) lastRun(ctx context.Context, subID int64, pid string) (storedRun, bool, error) {
	// A running upgrade comes first: an app's otaMediaDone recorded
	// meanwhile does not hide it.
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM ota_upgrades WHERE sub_domain_id=? AND physical_id=?
		ORDER BY CASE WHEN state=? THEN 1 ELSE 0 END DESC, id DESC LIMIT 1`, subID, pid, models.UpgradeUpgrading))
	if store.IsNoRows(err) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return s.checkOrphan(ctx, r), true, nil
}

// lastRuns is lastRun for every device of a product that had an upgrade.
func (s *Service) lastRuns(ctx context.Context, subID int64) (map[string]storedRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runCols+`, physical_id FROM ota_upgrades u WHERE sub_domain_id=?
		AND id = (SELECT MAX(id) FROM ota_upgrades l WHERE l.sub_domain_id=u.sub_domain_id AND l.physical_id=u.physical_id)`, subID)
	if err != nil {
		return nil, err
	}
	out := map[string]storedRun{}
	for rows.Next() {
		var pid string
		r, err := scanRun(scanWith{rows, &pid})
		if err != nil {
			rows.Close()
			return nil, err
		}
		out[pid] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for pid, r := range out {
		out[pid] = s.checkOrphan(ctx, r)
	}
	return out, nil
}

// scanWith appends destinations after those of scanRun.
type scanWith struct {
	rows  *sql.Rows
	extra *string
}

func (w scanWith) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra)...) }

// checkOrphan fails a run another instance was tracking when that instance
// is gone. Only runs of other instances are checked: this instance's own
// are alive in its trackers (on SQLite, where there are no others, Start
// has failed every run a previous process left behind).
func (s *Service) checkOrphan(ctx context.Context, r storedRun) storedRun {
	if r.state != models.UpgradeUpgrading || r.instance == s.opt.Instance || s.opt.Alive == nil {
		return r
	}
	alive, err := s.opt.Alive(ctx, r.instance)
	if err != nil || alive {
		return r
	}
	now := s.clock.Now()
	// Conditional, so that the tracker's own end (had it written one
	// meanwhile) and another reader's interruption are never overwritten.
	if _, err := s.db.ExecContext(ctx, `UPDATE ota_upgrades SET state=?, failure=?, finished_ms=? WHERE id=? AND state=?`,
		models.UpgradeFailed, interruptedReason, now.UnixMilli(), r.id, models.UpgradeUpgrading); err != nil {
		return r
	}
	if err := s.db.QueryRowContext(ctx, `SELECT state, failure FROM ota_upgrades WHERE id=?`, r.id).Scan(&r.state, &r.failure); err != nil {
		r.state, r.failure = models.UpgradeFailed, interruptedReason
	}
	return r
}

// interruptOrphans fails, at start, the upgrades left running by instances
// that are gone (every one when no other instance can share the store).
func (s *Service) interruptOrphans(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT instance FROM ota_upgrades WHERE state=?`, models.UpgradeUpgrading)
	if err != nil {
		return err
	}
	var instances []string
	for rows.Next() {
		var in string
		if err := rows.Scan(&in); err != nil {
			rows.Close()
			return err
		}
		instances = append(instances, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, in := range instances {
		if s.opt.Alive != nil {
			alive, err := s.opt.Alive(ctx, in)
			if err != nil {
				return err
			}
			if alive {
				continue // still tracking it
			}
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE ota_upgrades SET state=?, failure=?, finished_ms=? WHERE state=? AND instance=?`,
			models.UpgradeFailed, interruptedReason, s.clock.Now().UnixMilli(), models.UpgradeUpgrading, in); err != nil {
			return err
		}
	}
	return nil
}

// StartHere starts, on this instance, an upgrade another instance was
// asked for (a confirmUpdate through it): the device is connected here.
func (s *Service) StartHere(ctx context.Context, k hub.Key, otaType int, version, trigger string) error {
	sd, ok := s.deps.Products.SubDomain(ctx, s.opt.DomainID, k.SubDomain)
	if !ok {
		return rpc.Errorf(models.ErrSubDomainAbsent, "sub-domain %q does not exist", k.SubDomain)
	}
	info, ok, err := s.deps.Warehouse.DeviceInfo(ctx, sd.ID, k.PhysicalID)
	if err != nil {
		return err
	}
	if !ok {
		return rpc.Errorf(models.ErrDeviceNotActivated, "device %s of product %s is not in the warehouse", k.PhysicalID, sd.Name)
	}
	t := target{sub: sd, pid: k.PhysicalID, info: info}
	if d, ok, err := s.deps.Devices.DeviceByPhysical(ctx, sd.ID, k.PhysicalID); err != nil {
		return err
	} else if ok {
		t.deviceID, t.owner = d.DeviceID, d.Owner
	}
	s.mu.Lock()
	v, found := s.cat.find(sd.ID, otaType, version)
	s.mu.Unlock()
	if !found {
		// Published through another instance since this one loaded the
		// catalog.
		if err := s.loadCatalog(ctx); err != nil {
			return err
		}
		s.mu.Lock()
		v, found = s.cat.find(sd.ID, otaType, version)
		s.mu.Unlock()
	}
	if !found {
		return rpc.Errorf(models.ErrInvalidParam, "version %s is not published for %s (otaType %d)", version, sd.Name, otaType)
	}
	return s.start(t, v, trigger, false)
}

// startElsewhere hands a confirmed upgrade of a device that is not
// connected here to the instance it is connected to; false when no
// instance has it (the caller then answers as for a device alone here).
func (s *Service) startElsewhere(t target, v Version, trigger string) (bool, error) {
	if s.deps.Elsewhere == nil || s.deps.Hub.Online(t.key()) {
		return false, nil
	}
	err := s.deps.Elsewhere.StartUpgrade(context.Background(), t.key(), v.OTAType, v.Version, trigger)
	if errors.Is(err, hub.ErrOffline) {
		return false, nil
	}
	return true, err
}
