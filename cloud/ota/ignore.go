package ota

import (
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
);`,
		// The same step for PostgreSQL: 64-bit integers, identity columns,
		// BYTEA for BLOB.
		Postgres: `
CREATE TABLE ota_ignores (
	sub_domain_id BIGINT  NOT NULL,
	physical_id   TEXT    NOT NULL,
	ota_type      BIGINT  NOT NULL,
	target        TEXT    NOT NULL,
	until_ms      BIGINT  NOT NULL,
	PRIMARY KEY (sub_domain_id, physical_id, ota_type)
);`}, store.Migration{Component: "ota", Version: 3, SQL: `
-- Who declined: a new owner is not bound by the last owner's decline.
ALTER TABLE ota_ignores ADD COLUMN owner INTEGER NOT NULL DEFAULT 0;`,
		// The same step for PostgreSQL: 64-bit integers, identity columns,
		// BYTEA for BLOB.
		Postgres: `
ALTER TABLE ota_ignores ADD COLUMN owner BIGINT  NOT NULL DEFAULT 0;`})
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
	t, err := s.resolve(c, "decline an upgrade")
	if err != nil {
		return nil, err
	}
	hours, err := c.OptInt64("hours", int64(DefaultIgnoreWindow/time.Hour))
	if err != nil {
		return nil, err
	}
	if hours < 1 || hours > 24*90 {
		return nil, rpc.Errorf(models.ErrInvalidParam, "hours must be 1 to 2160 (90 days), not %d", hours)
	}
	v, err := s.pickTarget(c, t, typ)
	if err != nil {
		return nil, err
	}
	switch v.Mode {
	case ModeForced:
		return nil, rpc.Errorf(models.ErrOTAIgnoreExpired, "version %s is a forced update: it cannot be ignored", v.Version)
	case ModeSilent:
		return nil, rpc.Errorf(models.ErrOTAIgnoreExpired, "version %s is a silent update that installs by itself: it cannot be ignored", v.Version)
	}
	until := c.Now.Add(time.Duration(hours) * time.Hour)
	if _, err := s.db.ExecContext(c.Ctx, `INSERT INTO ota_ignores(sub_domain_id, physical_id, ota_type, target, until_ms, owner) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(sub_domain_id, physical_id, ota_type) DO UPDATE SET target=excluded.target, until_ms=excluded.until_ms, owner=excluded.owner`,
		t.sub.ID, t.pid, typ, v.Version, until.UnixMilli(), t.owner); err != nil {
		return nil, err
	}
	return map[string]any{"targetVersion": v.Version, "ignoredUntil": models.FormatTime(until)}, nil
}

// ignoredUntil is when a device's decline of target lapses (zero when it
// did not decline it, or the decline is over).
func (s *Service) ignoredUntil(c *rpc.Call, t target, typ int, version string) (time.Time, error) {
	var target string
	var until, owner int64
	err := s.db.QueryRowContext(c.Ctx, `SELECT target, until_ms, owner FROM ota_ignores WHERE sub_domain_id=? AND physical_id=? AND ota_type=?`,
		t.sub.ID, t.pid, typ).Scan(&target, &until, &owner)
	if store.IsNoRows(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	u := time.UnixMilli(until)
	if target != version || owner != t.owner || !c.Now.Before(u) {
		return time.Time{}, nil
	}
	return u, nil
}
