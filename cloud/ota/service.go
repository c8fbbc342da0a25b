// Package ota is the local cloud's zc-ota service (PROTOCOL §2.5, §3.6): a
// firmware catalog per product, checkUpdate/confirmUpdate/otaMediaDone, and
// upgrades run on the (simulated) devices with their progress tracked, so
// that the console can show percent, ETA, and tell a stalled upgrade from a
// slow one (local extensions getUpgradeStatus and listUpgrades).
//
// Rules this package decides (also in PROTOCOL-EXTENSIONS.md):
//
//   - The current version is the warehouse's (devVersion for otaType 1
//     MCU, modVersion for 2 module), unless the request names one (version).
//   - checkUpdate answers update=0 when nothing newer is published (never
//     4101); confirmUpdate with nothing newer is 4101.
//   - Modes: 0 silent and 2 forced upgrades start by themselves when a
//     device checks in (comes online) or when the version is published;
//     1 confirm waits for confirmUpdate. A forced upgrade cannot be
//     declined: it needs no confirmation and its offer never expires.
//   - A confirm-mode offer (the last checkUpdate that offered a version to
//     the device) is valid for ConfirmWindow (24 h); a confirmUpdate after
//     that is 4102. A confirmUpdate with no offer at all (a console
//     confirming on the user's behalf) is accepted.
//   - Only the device's owner (or a developer-signed call without a user;
//     a developer acting for a user acts as that user) may confirm (3821);
//     any bound user may check and read the status.
//   - ignoreUpdate (local extension) declines a confirm-mode version for
//     some hours (default 7 days): checkUpdate answers update=0 for it
//     meanwhile. Forced and silent versions cannot be declined: 4103.
//   - The warehouse version follows a successful upgrade (SetDeviceVersion).
//     An upgrade that reports no progress for NoProgressTimeout is failed;
//     one that later reports success is then marked succeeded after all, so
//     the status tells the truth. Upgrades running when the cloud stops are
//     failed ("interrupted") at the next start.
//   - Instances sharing a store (PostgreSQL): an upgrade is run and tracked
//     by the instance its device is connected to, which writes every step
//     to ota_upgrades; every instance answers the status from there. A
//     confirmUpdate through another instance is handed to the device's
//     (Deps.Elsewhere). An upgrade is failed as interrupted only once the
//     instance that tracked it is gone (Options.Alive). A version published
//     through one instance is announced to the others (Deps.Peers), which
//     reload the catalog and roll it out to the devices connected to
//     them; the rollout cap (MaxAuto) counts the automatic upgrades
//     running in the store, on every instance together.
package ota

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/internal/clock"
	"acconsole/models"
)

// ServiceName is the wire name of the OTA service.
const ServiceName = "zc-ota"

// Devices is what the service needs from cloud/devices.
type Devices interface {
	Device(ctx context.Context, deviceID int64) (models.Device, error)
	DeviceByPhysical(ctx context.Context, subDomainID int64, pid string) (models.Device, bool, error)
	UserCanAccess(ctx context.Context, userID, deviceID int64) (owner, bound bool, err error)
	SetDeviceVersion(ctx context.Context, subDomainID int64, pid, devVersion, modVersion string) error
	// WarehouseDevices calls fn for every warehouse device with its
	// product's name.
	WarehouseDevices(ctx context.Context, fn func(models.DeviceInfo, string) error) error
}

// Warehouse reads one device's warehouse record (its current versions).
type Warehouse interface {
	DeviceInfo(ctx context.Context, subDomainID int64, pid string) (models.DeviceInfo, bool, error)
}

// Products names products; *platform.Platform implements it.
type Products interface {
	SubDomainByID(id int64) (rpc.SubDomain, bool)
	SubDomain(ctx context.Context, domainID int64, name string) (rpc.SubDomain, bool)
}

// Hub tells who is online and reports check-ins; *hub.Hub implements it.
type Hub interface {
	Online(k hub.Key) bool
	Subscribe(fn func(hub.Event)) (cancel func())
}

// Progress is one step of an upgrade as a device reports it.
type Progress struct {
	Phase   string // download, verify, flash, reboot, done, failed
	Percent float64
	Reason  string // why it failed
	At      time.Time
}

// Upgrader runs upgrades on devices (cloud/sim through the wiring). The
// channel is closed after the final done or failed step.
type Upgrader interface {
	StartUpgrade(k hub.Key, otaType int, target string) (<-chan Progress, error)
}

// Errors an Upgrader may return.
var (
	ErrUpgrading   = errors.New("an upgrade is already running on the device")
	ErrSameVersion = errors.New("the device already runs that version")
)

// Elsewhere starts an upgrade on another instance sharing the store, the
// one the device is connected to (StartHere there). It is hub.ErrOffline
// when no instance has the device.
type Elsewhere interface {
	StartUpgrade(ctx context.Context, k hub.Key, otaType int, target, trigger string) error
}

// Peers tells the other instances sharing the store about changes that
// concern the devices connected to them. Nobody answers: an instance that
// misses a notice catches up at the next check-in or start.
type Peers interface {
	// CatalogChanged says a version of product subID was published: the
	// others reload the catalog and roll it out to their devices.
	CatalogChanged(ctx context.Context, subID int64) error
	// SlotFreed says an automatic upgrade ended: a device waiting for a
	// rollout slot on another instance may go.
	SlotFreed(ctx context.Context) error
}

// Deps are the parts of the cloud the service uses.
type Deps struct {
	DB        *store.DB
	Devices   Devices
	Warehouse Warehouse
	Products  Products
	Hub       Hub
	Upgrader  Upgrader
	// Elsewhere and Peers are nil when the service is alone on its store.
	Elsewhere Elsewhere
	Peers     Peers
}

// Options tune the service.
type Options struct {
	Clock clock.Clock
	// DomainID is the major domain whose products hub keys name.
	DomainID int64
	// ConfirmWindow is how long a confirm-mode offer stays valid; 0 means
	// 24 h.
	ConfirmWindow time.Duration
	// NoProgressTimeout fails an upgrade that reports nothing for so long;
	// 0 means 10 min.
	NoProgressTimeout time.Duration
	// StallIntervals: an upgrade is "stalled" after this many of its own
	// average progress intervals without progress (at least StallMin); 0
	// means 3 and 10 s.
	StallIntervals int
	StallMin       time.Duration
	// MaxAuto caps silent/forced upgrades running at once (a rate-limited
	// rollout), counted in the store so that instances sharing it share
	// the cap; 0 means 50.
	MaxAuto int
	// RetryAfter keeps a failed automatic upgrade from restarting at every
	// check-in; 0 means 1 h.
	RetryAfter time.Duration
	Logger     *slog.Logger
	// Instance names this instance among those sharing the store; its
	// upgrades are recorded under it. Alive tells whether another instance
	// still runs; nil means none does (one process owns the store), so
	// every upgrade left running is interrupted.
	Instance string
	Alive    func(ctx context.Context, instance string) (bool, error)
}

// Service serves zc-ota.
type Service struct {
	db    *store.DB
	deps  Deps
	opt   Options
	clock clock.Clock
	log   *slog.Logger

	mu       sync.Mutex
	cat      catalog
	active   map[hub.Key]*run // running upgrades, and finished ones until replaced
	queue    []hub.Key        // devices waiting for an automatic upgrade slot
	queued   map[hub.Key]bool
	failedAt map[string]time.Time // key|type|target → last automatic failure

	checkins chan hub.Key
	// afterProgress, when set (tests), runs after each progress report is
	// applied, so a test can wait for it instead of sleeping.
	afterProgress func()
	// afterCheckin likewise runs after each check-in is handled.
	afterCheckin func()
	cancel       func()
	wg           sync.WaitGroup
	quit         chan struct{}
	closed       bool
}

// New builds the service; Start loads the catalog and listens for
// check-ins.
func New(d Deps, opt Options) (*Service, error) {
	if d.DB == nil || d.Devices == nil || d.Warehouse == nil || d.Products == nil || d.Hub == nil || d.Upgrader == nil {
		return nil, errors.New("ota: every dependency is required")
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real()
	}
	if opt.ConfirmWindow <= 0 {
		opt.ConfirmWindow = 24 * time.Hour
	}
	if opt.NoProgressTimeout <= 0 {
		opt.NoProgressTimeout = 10 * time.Minute
	}
	if opt.StallIntervals <= 0 {
		opt.StallIntervals = 3
	}
	if opt.StallMin <= 0 {
		opt.StallMin = 10 * time.Second
	}
	if opt.MaxAuto <= 0 {
		opt.MaxAuto = 50
	}
	if opt.RetryAfter <= 0 {
		opt.RetryAfter = time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{
		db: d.DB, deps: d, opt: opt, clock: opt.Clock, log: opt.Logger,
		cat: catalog{}, active: map[hub.Key]*run{}, queued: map[hub.Key]bool{}, failedAt: map[string]time.Time{},
		checkins: make(chan hub.Key, 4096), quit: make(chan struct{}),
	}, nil
}

// Register registers zc-ota v1. checkUpdate, confirmUpdate and otaMediaDone
// are CONFIRMED (AND-OTA); getUpgradeStatus and listUpgrades are local
// extensions.
func (s *Service) Register(reg *rpc.Registry) {
	h := func(name string, auth rpc.Auth, rule rpc.Rule, mutating bool, fn rpc.Func) {
		reg.Handle(ServiceName, 1, name, rpc.Method{Auth: auth, Rule: rule, Handler: fn, Mutating: mutating})
	}
	// A user must be bound to the device (confirm and ignore: own it); a
	// developer without a user reaches every device.
	h("checkUpdate", rpc.AuthAny, rpc.RuleBound, false, s.apiCheckUpdate)
	h("confirmUpdate", rpc.AuthAny, rpc.RuleOwner, true, s.apiConfirmUpdate)
	h("otaMediaDone", rpc.AuthAny, rpc.RuleBound, true, s.apiMediaDone)
	h("ignoreUpdate", rpc.AuthAny, rpc.RuleOwner, true, s.apiIgnoreUpdate) // local extension
	// Local extensions, not part of AbleCloud.
	h("getUpgradeStatus", rpc.AuthAny, rpc.RuleBound, false, s.apiGetUpgradeStatus)
	h("listUpgrades", rpc.AuthDev, rpc.RuleDeveloper, false, s.apiListUpgrades)
}

// Start loads the catalog, fails upgrades a previous run left behind, and
// starts listening for check-ins.
func (s *Service) Start(ctx context.Context) error {
	if err := s.loadCatalog(ctx); err != nil {
		return fmt.Errorf("ota: catalog: %w", err)
	}
	if err := s.interruptOrphans(ctx); err != nil {
		return err
	}
	s.cancel = s.deps.Hub.Subscribe(func(e hub.Event) {
		if e.Kind != hub.EventOnline {
			return
		}
		select { // never block the hub: a dropped check-in waits for the next
		case s.checkins <- e.Device:
		default:
		}
	})
	s.wg.Add(1)
	go s.checkinLoop()
	return nil
}

// Close stops listening and waits for the progress trackers.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
	close(s.quit)
	s.wg.Wait()
}

func (s *Service) checkinLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.quit:
			return
		case k := <-s.checkins:
			s.autoStart(context.Background(), k)
			if s.afterCheckin != nil {
				s.afterCheckin()
			}
		}
	}
}

// target is a resolved device: product, physical id, logical id (0 when
// nobody bound it) and current versions.
type target struct {
	sub      rpc.SubDomain
	pid      string
	deviceID int64
	owner    int64
	info     models.DeviceInfo
}

func (t target) key() hub.Key { return hub.Key{SubDomain: t.sub.Name, PhysicalID: t.pid} }

func (t target) current(otaType int) string {
	if otaType == TypeModule {
		return t.info.ModVersion
	}
	return t.info.DevVersion
}

// resolve finds the device a request names, by deviceId or by
// physicalDeviceId within the request's product, and checks that an acting
// user is bound to it (needOwner: owns it).
// resolve finds the device of a request and checks the caller may see it;
// ownerFor names what only the owner may do ("" when any bound user may).
func (s *Service) resolve(c *rpc.Call, ownerFor string) (target, error) {
	var t target
	id, _, err := c.Int64("deviceId")
	if err != nil {
		return t, err
	}
	pid, err := c.OptString("physicalDeviceId")
	if err != nil {
		return t, err
	}
	pid = strings.TrimSpace(pid)
	switch {
	case id > 0:
		d, err := s.deps.Devices.Device(c.Ctx, id)
		if err != nil {
			return t, err
		}
		sd, ok := s.deps.Products.SubDomainByID(d.SubDomainID)
		if !ok {
			return t, rpc.Errorf(models.ErrSubDomainAbsent, "product %d of device %d does not exist", d.SubDomainID, id)
		}
		t = target{sub: sd, pid: d.PhysicalDeviceID, deviceID: id, owner: d.Owner}
	case pid != "":
		sd, err := c.RequireSubDomain()
		if err != nil {
			return t, err
		}
		t = target{sub: *sd, pid: pid}
		d, ok, err := s.deps.Devices.DeviceByPhysical(c.Ctx, sd.ID, pid)
		if err != nil {
			return t, err
		}
		if ok {
			t.deviceID, t.owner = d.DeviceID, d.Owner
		}
	default:
		return t, rpc.Errorf(models.ErrInvalidParam, "deviceId or physicalDeviceId is required")
	}
	if c.UserID != 0 {
		if t.deviceID == 0 {
			return t, rpc.Errorf(models.ErrDeviceAbsent, "device %s is not bound to user %d", t.pid, c.UserID)
		}
		owner, bound, err := s.deps.Devices.UserCanAccess(c.Ctx, c.UserID, t.deviceID)
		if err != nil {
			return t, err
		}
		if !bound && !owner {
			return t, rpc.Errorf(models.ErrDeviceAbsent, "device %d does not exist or is not bound to user %d", t.deviceID, c.UserID)
		}
		if ownerFor != "" && !owner {
			return t, rpc.Errorf(models.ErrOwnerMismatch, "only the owner of device %d (user %d) may %s", t.deviceID, t.owner, ownerFor)
		}
	} else if c.Developer == nil {
		return t, rpc.Errorf(models.ErrBadHeader, "this method acts for a user: sign as the user or send X-Zc-User-Id")
	}
	info, ok, err := s.deps.Warehouse.DeviceInfo(c.Ctx, t.sub.ID, t.pid)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, rpc.Errorf(models.ErrDeviceNotActivated, "device %s of product %s is not in the warehouse", t.pid, t.sub.Name)
	}
	t.info = info
	return t, nil
}

func otaTypeParam(c *rpc.Call) (int, error) {
	v, err := c.OptInt64("otaType", TypeMCU)
	if err != nil {
		return 0, err
	}
	if v != TypeMCU && v != TypeModule {
		return 0, rpc.Errorf(models.ErrInvalidParam, "otaType must be 1 (MCU firmware) or 2 (communication module), not %d", v)
	}
	return int(v), nil
}

// Status values of checkUpdate's "status" (undocumented upstream; ours).
const (
	statusIdle      = 0
	statusUpgrading = 1
	statusSucceeded = 2
	statusFailed    = 3
)

func (s *Service) apiCheckUpdate(c *rpc.Call) (any, error) {
	typ, err := otaTypeParam(c)
	if err != nil {
		return nil, err
	}
	t, err := s.resolve(c, "")
	if err != nil {
		return nil, err
	}
	current := t.current(typ)
	if v, _ := c.OptString("version"); strings.TrimSpace(v) != "" {
		current = strings.TrimSpace(v) // what the device says it runs
	}
	last, had, err := s.lastRun(c.Ctx, t.sub.ID, t.pid)
	if err != nil {
		return nil, err
	}
	st := statusIdle
	if had {
		st = statusCode(&last.run, typ)
	}
	s.mu.Lock()
	v, ok := s.cat.newest(t.sub.ID, typ, current)
	s.mu.Unlock()
	out := map[string]any{
		"update": 0, "currentVersion": current, "oldVersion": current, "status": st,
	}
	if !ok {
		return out, nil
	}
	peek, err := c.Bool("peek")
	if err != nil {
		return nil, err
	}
	if v.Mode == ModeConfirm {
		until, err := s.ignoredUntil(c, t, typ, v.Version)
		if err != nil {
			return nil, err
		}
		if !until.IsZero() {
			// The owner declined this version: quiet until the decline
			// lapses, saying so for consoles that want to show it.
			out["ignoredVersion"] = v.Version
			out["ignoredUntil"] = models.FormatTime(until)
			return out, nil
		}
		if peek {
			// Someone looking on the user's behalf: no offer, so the
			// user's confirm window neither starts nor slides.
		} else if _, err := s.db.ExecContext(c.Ctx, `INSERT INTO ota_offers(sub_domain_id, physical_id, ota_type, target, offered_ms) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT(sub_domain_id, physical_id, ota_type) DO UPDATE SET target=excluded.target, offered_ms=excluded.offered_ms`,
			t.sub.ID, t.pid, typ, v.Version, c.Now.UnixMilli()); err != nil {
			return nil, err
		}
	}
	out["update"] = 1
	out["targetVersion"] = v.Version
	out["upgradeVersion"] = v.Version // Q5: the old key, for old clients
	out["otaMode"] = v.Mode
	out["upgradeLog"] = v.UpgradeLog
	out["files"] = v.Files
	return out, nil
}

// statusCode is checkUpdate's status of the device's latest run r for an
// upgrade of type typ.
func statusCode(r *run, typ int) int {
	if r == nil || r.otaType != typ {
		return statusIdle
	}
	switch r.state {
	case models.UpgradeUpgrading:
		return statusUpgrading
	case models.UpgradeSucceeded:
		return statusSucceeded
	case models.UpgradeFailed:
		return statusFailed
	}
	return statusIdle
}

func (s *Service) apiConfirmUpdate(c *rpc.Call) (any, error) {
	typ, err := otaTypeParam(c)
	if err != nil {
		return nil, err
	}
	if _, ok, err := c.Int64("deviceId"); err != nil {
		return nil, err
	} else if !ok {
		return nil, rpc.Errorf(models.ErrInvalidParam, "deviceId is required")
	}
	t, err := s.resolve(c, "confirm an upgrade")
	if err != nil {
		return nil, err
	}
	v, err := s.pickTarget(c, t, typ)
	if err != nil {
		return nil, err
	}
	if v.Mode == ModeConfirm {
		var offered int64
		err := s.db.QueryRowContext(c.Ctx, `SELECT offered_ms FROM ota_offers WHERE sub_domain_id=? AND physical_id=? AND ota_type=?`, t.sub.ID, t.pid, typ).Scan(&offered)
		if err == nil && c.Now.Sub(time.UnixMilli(offered)) > s.opt.ConfirmWindow {
			return nil, rpc.Errorf(models.ErrOTAConfirmExpired, "the update was offered at %s, more than %s ago: check for updates again, then confirm",
				models.FormatTime(time.UnixMilli(offered)), s.opt.ConfirmWindow)
		} else if err != nil && !store.IsNoRows(err) {
			return nil, err
		}
	}
	trigger := "confirm"
	if c.UserID == 0 {
		trigger = "confirm (developer)"
	}
	if err := s.start(t, v, trigger, false); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) apiMediaDone(c *rpc.Call) (any, error) {
	typ, err := otaTypeParam(c)
	if err != nil {
		return nil, err
	}
	if _, err := c.MustString("physicalDeviceId"); err != nil {
		return nil, err
	}
	targetV, err := c.MustString("targetVersion")
	if err != nil {
		return nil, err
	}
	t, err := s.resolve(c, "")
	if err != nil {
		return nil, err
	}
	targetV = strings.TrimSpace(targetV)
	if len(versionPartsOK(targetV)) == 0 {
		return nil, rpc.Errorf(models.ErrInvalidParam, "targetVersion %q is not a version such as 1-0-2", targetV)
	}
	from, _ := c.OptString("currentVersion")
	if strings.TrimSpace(from) == "" {
		from = t.current(typ)
	}
	dev, mod := targetV, ""
	if typ == TypeModule {
		dev, mod = "", targetV
	}
	if err := s.deps.Devices.SetDeviceVersion(c.Ctx, t.sub.ID, t.pid, dev, mod); err != nil {
		return nil, err
	}
	now := c.Now.UnixMilli()
	_, err = s.db.ExecContext(c.Ctx, `INSERT INTO ota_upgrades(sub_domain_id, physical_id, device_id, ota_type, from_version, target_version, mode,
		trigger, state, phase, percent, started_ms, last_progress_ms, finished_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.sub.ID, t.pid, t.deviceID, typ, from, targetV, ModeConfirm, "media (app-driven)", models.UpgradeSucceeded, "done", 100, now, now, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if r := s.active[t.key()]; r == nil || r.state != models.UpgradeUpgrading {
		s.active[t.key()] = &run{key: t.key(), subID: t.sub.ID, pid: t.pid, deviceID: t.deviceID, otaType: typ, from: from, target: targetV,
			state: models.UpgradeSucceeded, phase: "done", percent: 100, started: c.Now, lastProgress: c.Now, finished: c.Now}
	}
	s.mu.Unlock()
	return struct{}{}, nil
}

// pickTarget chooses the version a confirm or ignore is about: the
// request's targetVersion, else the newest published, compared with what
// the device runs (the request's version key, else the warehouse's).
func (s *Service) pickTarget(c *rpc.Call, t target, typ int) (Version, error) {
	current := t.current(typ)
	if v, _ := c.OptString("version"); strings.TrimSpace(v) != "" {
		current = strings.TrimSpace(v)
	}
	want, _ := c.OptString("targetVersion")
	want = strings.TrimSpace(want)
	s.mu.Lock()
	newest, ok := s.cat.newest(t.sub.ID, typ, current)
	var v Version
	found := false
	if want != "" {
		v, found = s.cat.find(t.sub.ID, typ, want)
	}
	s.mu.Unlock()
	switch {
	case want == "" && !ok:
		return v, rpc.Errorf(models.ErrOTANoNewVersion, "device %s runs %s; no newer version is published for %s (otaType %d)", t.pid, current, t.sub.Name, typ)
	case want == "":
		return newest, nil
	case !found:
		return v, rpc.Errorf(models.ErrInvalidParam, "version %s is not published for %s (otaType %d)", want, t.sub.Name, typ)
	case models.CompareVersions(want, current) <= 0:
		return v, rpc.Errorf(models.ErrOTANoNewVersion, "device %s already runs %s (asked for %s)", t.pid, current, want)
	}
	return v, nil
}
