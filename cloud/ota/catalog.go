package ota

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"acconsole/cloud/store"
	"acconsole/models"
)

// Times are Unix milliseconds.
func init() {
	store.Register(store.Migration{Component: "ota", Version: 1, SQL: `
CREATE TABLE ota_versions (
	id            INTEGER PRIMARY KEY,
	sub_domain_id INTEGER NOT NULL,
	ota_type      INTEGER NOT NULL,
	version       TEXT    NOT NULL,
	mode          INTEGER NOT NULL,
	upgrade_log   TEXT    NOT NULL DEFAULT '',
	files         TEXT    NOT NULL DEFAULT '[]',
	size          INTEGER NOT NULL DEFAULT 0,
	published_ms  INTEGER NOT NULL,
	UNIQUE (sub_domain_id, ota_type, version)
);

-- The last time checkUpdate offered a confirm-mode version to a device: a
-- confirmUpdate must follow within the confirm window (4102 otherwise).
CREATE TABLE ota_offers (
	sub_domain_id INTEGER NOT NULL,
	physical_id   TEXT    NOT NULL,
	ota_type      INTEGER NOT NULL,
	target        TEXT    NOT NULL,
	offered_ms    INTEGER NOT NULL,
	PRIMARY KEY (sub_domain_id, physical_id, ota_type)
);

-- Every upgrade run, for getUpgradeStatus after a restart and for history.
CREATE TABLE ota_upgrades (
	id               INTEGER PRIMARY KEY,
	sub_domain_id    INTEGER NOT NULL,
	physical_id      TEXT    NOT NULL,
	device_id        INTEGER NOT NULL DEFAULT 0,
	ota_type         INTEGER NOT NULL,
	from_version     TEXT    NOT NULL,
	target_version   TEXT    NOT NULL,
	mode             INTEGER NOT NULL,
	trigger          TEXT    NOT NULL,
	state            TEXT    NOT NULL,
	phase            TEXT    NOT NULL DEFAULT '',
	percent          REAL    NOT NULL DEFAULT 0,
	started_ms       INTEGER NOT NULL,
	last_progress_ms INTEGER NOT NULL,
	finished_ms      INTEGER NOT NULL DEFAULT 0,
	failure          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX ota_upgrades_device ON ota_upgrades(sub_domain_id, physical_id, id);
`})
}

// OTA types (PROTOCOL §2.5) and modes (§3.6).
const (
	TypeMCU    = 1
	TypeModule = 2

	ModeSilent  = 0
	ModeConfirm = 1
	ModeForced  = 2
)

// Version is a published firmware version of a product.
type Version struct {
	SubDomainID int64
	OTAType     int
	Version     string // dash form, e.g. "1-0-2"
	Mode        int
	UpgradeLog  string
	Files       []models.OTAFile
	// Size is the total download in bytes, for the transfer rate and ETA.
	Size      int64
	Published time.Time
}

// catalog is the published versions, per product and type, oldest first.
type catalog map[int64]map[int][]Version

func (c catalog) add(v Version) {
	if c[v.SubDomainID] == nil {
		c[v.SubDomainID] = map[int][]Version{}
	}
	vs := c[v.SubDomainID][v.OTAType]
	for i := range vs {
		if vs[i].Version == v.Version {
			vs[i] = v
			return
		}
	}
	vs = append(vs, v)
	sort.Slice(vs, func(i, j int) bool { return models.CompareVersions(vs[i].Version, vs[j].Version) < 0 })
	c[v.SubDomainID][v.OTAType] = vs
}

// newest is the highest version above current, if any.
func (c catalog) newest(sub int64, typ int, current string) (Version, bool) {
	vs := c[sub][typ]
	if len(vs) == 0 {
		return Version{}, false
	}
	v := vs[len(vs)-1]
	if current != "" && models.CompareVersions(v.Version, current) <= 0 {
		return Version{}, false
	}
	return v, true
}

func (c catalog) find(sub int64, typ int, version string) (Version, bool) {
	for _, v := range c[sub][typ] {
		if models.CompareVersions(v.Version, version) == 0 {
			return v, true
		}
	}
	return Version{}, false
}

func (s *Service) loadCatalog(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT sub_domain_id, ota_type, version, mode, upgrade_log, files, size, published_ms FROM ota_versions`)
	if err != nil {
		return err
	}
	defer rows.Close()
	c := catalog{}
	for rows.Next() {
		var v Version
		var files string
		var pub int64
		if err := rows.Scan(&v.SubDomainID, &v.OTAType, &v.Version, &v.Mode, &v.UpgradeLog, &files, &v.Size, &pub); err != nil {
			return err
		}
		_ = json.Unmarshal([]byte(files), &v.Files)
		v.Published = time.UnixMilli(pub)
		c.add(v)
	}
	s.mu.Lock()
	s.cat = c
	s.mu.Unlock()
	return rows.Err()
}

// Publish adds (or replaces) a version in the catalog. A silent or forced
// version starts on every online device of the product that runs an
// older one, as the rollout allows (MaxAuto at a time); the others start
// when they next check in.
func (s *Service) Publish(ctx context.Context, v Version) error {
	if v.OTAType != TypeMCU && v.OTAType != TypeModule {
		return fmt.Errorf("ota: otaType must be 1 (MCU) or 2 (module), not %d", v.OTAType)
	}
	if v.Mode < ModeSilent || v.Mode > ModeForced {
		return fmt.Errorf("ota: mode must be 0 (silent), 1 (confirm) or 2 (forced), not %d", v.Mode)
	}
	v.Version = strings.TrimSpace(v.Version)
	if len(versionPartsOK(v.Version)) == 0 {
		return fmt.Errorf("ota: version %q is not a dash-separated number such as 1-0-2", v.Version)
	}
	if v.Published.IsZero() {
		v.Published = s.clock.Now()
	}
	if v.Files == nil {
		v.Files = []models.OTAFile{}
	}
	files, _ := json.Marshal(v.Files)
	_, err := s.db.ExecContext(ctx, `INSERT INTO ota_versions(sub_domain_id, ota_type, version, mode, upgrade_log, files, size, published_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sub_domain_id, ota_type, version) DO UPDATE SET
		mode=excluded.mode, upgrade_log=excluded.upgrade_log, files=excluded.files, size=excluded.size`,
		v.SubDomainID, v.OTAType, v.Version, v.Mode, v.UpgradeLog, string(files), v.Size, v.Published.UnixMilli())
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cat.add(v)
	s.mu.Unlock()
	if v.Mode != ModeConfirm {
		s.rollout(ctx, v.SubDomainID)
	}
	return nil
}

// Versions lists a product's published versions of a type, oldest first.
func (s *Service) Versions(subDomainID int64, otaType int) []Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Version(nil), s.cat[subDomainID][otaType]...)
}

// versionPartsOK returns the numeric parts of a dash version, nil when it
// has anything else.
func versionPartsOK(v string) []string {
	if v == "" {
		return nil
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '.' })
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return nil
		}
	}
	return parts
}

// SeedFor is the demo catalog of one simulated product whose devices ship
// with firmware shipped: a confirm-mode MCU version a minor step above both
// it and the oldest versions the demo warehouse holds (1-2-0), so every
// demo device has an update to confirm; and, when silentModule is set, a
// silent module version 1-0-4 (above the demo's 1-0-0…1-0-3), which rolls
// out by itself.
func SeedFor(subDomainID int64, product, shipped string, silentModule bool, now time.Time) []Version {
	base := shipped
	if models.CompareVersions(base, "1-2-0") < 0 {
		base = "1-2-0"
	}
	next := bumpMinor(base)
	files := func(name, v string) []models.OTAFile {
		return []models.OTAFile{{Name: fmt.Sprintf("%s-%s.bin", name, v), DownloadURL: fmt.Sprintf("http://ota.local/%s/%s-%s.bin", product, name, v), Type: 1, Checksum: checksum(product + v)}}
	}
	out := []Version{{
		SubDomainID: subDomainID, OTAType: TypeMCU, Version: next, Mode: ModeConfirm,
		UpgradeLog: fmt.Sprintf("%s %s: faster start-up, fixes a rare hang after a power cut", product, next),
		Files:      files("mcu", next), Size: 512 << 10, Published: now,
	}}
	if silentModule {
		out = append(out, Version{
			SubDomainID: subDomainID, OTAType: TypeModule, Version: "1-0-4", Mode: ModeSilent,
			UpgradeLog: "Wi-Fi module 1-0-4: reconnects faster after a router restart",
			Files:      files("wifi", "1-0-4"), Size: 256 << 10, Published: now,
		})
	}
	return out
}

func bumpMinor(v string) string {
	p := versionPartsOK(v)
	for len(p) < 3 {
		p = append(p, "0")
	}
	var major, minor int
	fmt.Sscan(p[0], &major)
	fmt.Sscan(p[1], &minor)
	return fmt.Sprintf("%d-%d-0", major, minor+1)
}

func checksum(s string) int64 {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return int64(h)
}
