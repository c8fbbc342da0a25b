package ota

import (
	"strings"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

func init() {
	store.Register(store.Migration{Component: "ota", Version: 2, SQL: `
-- Offers a device's owner declined (ignoreUpdate): checkUpdate stays quiet
-- about that version until until_ms.
CREATE TABLE ota_ignores (
	sub_domain_id INTEGER NOT NULL,
	physical_id   TEXT    NOT NULL,
	ota_type      INTEGER NOT NULL,
	target        TEXT    NOT NULL,
	until_ms      INTEGER NOT NULL,
	PRIMARY KEY (sub_domain_id, physical_id, ota_type)
);`})
}

// DefaultIgnoreWindow is how long a declined offer stays declined.
const DefaultIgnoreWindow = 7 * 24 * time.Hour

// apiIgnoreUpdate lets a device's owner decline a confirm-mode update for a
// while (LOCAL EXTENSION; see PROTOCOL-EXTENSIONS.md). Only confirm-mode
// versions can be declined: a forced version may not be (the seed: forced
// upgrades cannot be refused) and a silent one is already on its way, so
// both answer 4103, the time for ignoring it is over.
func (s *Service) apiIgnoreUpdate(c *rpc.Call) (any, error) {
	typ, err := otaTypeParam(c)
	if err != nil {
		return nil, err
	}
	t, err := s.resolve(c, true)
	if err != nil {
		return nil, err
	}
	current := t.current(typ)
	want, _ := c.OptString("targetVersion")
	want = strings.TrimSpace(want)
	hours, err := c.OptInt64("hours", int64(DefaultIgnoreWindow/time.Hour))
	if err != nil {
		return nil, err
	}
	if hours < 1 || hours > 24*90 {
		return nil, rpc.Errorf(models.ErrInvalidParam, "hours must be 1 to 2160 (90 days), not %d", hours)
	}
	s.mu.Lock()
	v, ok := s.cat.newest(t.sub.ID, typ, current)
	if want != "" {
		v, ok = s.cat.find(t.sub.ID, typ, want)
	}
	s.mu.Unlock()
	switch {
	case !ok && want == "":
		return nil, rpc.Errorf(models.ErrOTANoNewVersion, "device %s runs %s; there is no update to ignore", t.pid, current)
	case !ok:
		return nil, rpc.Errorf(models.ErrInvalidParam, "version %s is not published for %s (otaType %d)", want, t.sub.Name, typ)
	case models.CompareVersions(v.Version, current) <= 0:
		return nil, rpc.Errorf(models.ErrOTANoNewVersion, "device %s already runs %s", t.pid, current)
	case v.Mode == ModeForced:
		return nil, rpc.Errorf(models.ErrOTAIgnoreExpired, "version %s is a forced update: it cannot be ignored", v.Version)
	case v.Mode == ModeSilent:
		return nil, rpc.Errorf(models.ErrOTAIgnoreExpired, "version %s is a silent update that installs by itself: it cannot be ignored", v.Version)
	}
	until := c.Now.Add(time.Duration(hours) * time.Hour)
	if _, err := s.db.ExecContext(c.Ctx, `INSERT INTO ota_ignores(sub_domain_id, physical_id, ota_type, target, until_ms) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(sub_domain_id, physical_id, ota_type) DO UPDATE SET target=excluded.target, until_ms=excluded.until_ms`,
		t.sub.ID, t.pid, typ, v.Version, until.UnixMilli()); err != nil {
		return nil, err
	}
	return map[string]any{"targetVersion": v.Version, "ignoredUntil": models.FormatTime(until)}, nil
}

// ignoredUntil is when a device's decline of target lapses (zero when it
// did not decline it, or the decline is over).
func (s *Service) ignoredUntil(c *rpc.Call, t target, typ int, version string) (time.Time, error) {
	var target string
	var until int64
	err := s.db.QueryRowContext(c.Ctx, `SELECT target, until_ms FROM ota_ignores WHERE sub_domain_id=? AND physical_id=? AND ota_type=?`,
		t.sub.ID, t.pid, typ).Scan(&target, &until)
	if store.IsNoRows(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	u := time.UnixMilli(until)
	if target != version || !c.Now.Before(u) {
		return time.Time{}, nil
	}
	return u, nil
}
