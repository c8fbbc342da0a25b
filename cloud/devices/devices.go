// Package devices is the data side of devices in the local cloud: zc-bind
// (binding, ownership, sharing, gateways and sub-devices, profiles,
// sendToDevice, homes and rooms), zc-warehouse and zc-product (PROTOCOL
// §2.2, §2.3, §2.6, §2.7).
//
// Ownership follows the seed guide (设备管理): the first user to bind a
// device becomes its owner (admin); other users need a share code. An
// owner's unbind removes every user and the device record; an ordinary
// user's unbind removes only that user. A gateway's owner owns its
// sub-devices, and every user of a gateway is a user of its sub-devices.
// The owner of a home owns the devices in it; every member of a home is
// bound to its devices. Rooms only group.
//
// The package is written from the protocol, never from the acapi client.
package devices

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"acconsole/cloud/account"
	"acconsole/cloud/hub"
	"acconsole/cloud/platform"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/internal/clock"
	"acconsole/models"
)

// Wire names of the services this package serves.
const (
	BindService      = "zc-bind"
	WarehouseService = "zc-warehouse"
	ProductService   = "zc-product"
)

// Options configure the service.
type Options struct {
	// Clock is the time; nil is the wall clock. Tests inject a clock.Fake
	// so that share codes expire without sleeping.
	Clock clock.Clock
	// SendTimeout is how long sendToDevice waits for a device's reply when
	// the request does not say; 0 means 5 s.
	SendTimeout time.Duration
	// FlushInterval is how often the online times the hub reports are
	// written to the warehouse; 0 means 1 s.
	FlushInterval time.Duration
	// Logger receives background failures (flushes); nil discards them.
	Logger *slog.Logger
}

// Accounts is what the device services need of the user accounts: a user
// by id (the owner and the users of a device, checks on acting users), a
// user id by phone or email (bindDevice for another user), and making the
// demo world's users; *account.Service implements it.
type Accounts interface {
	Lookup(ctx context.Context, domainID, userID int64) (models.User, bool, error)
	IDByAccount(ctx context.Context, domainID int64, account string) (int64, error)
	HashPassword(pw string) (string, error)
	CreateUser(ctx context.Context, tx *sql.Tx, domainID int64, u account.NewUser) (int64, error)
}

// Service serves zc-bind, zc-warehouse and zc-product.
type Service struct {
	db   *store.DB
	plat *platform.Platform
	acc  Accounts
	hub  *hub.Hub
	opt  Options
	now  func() time.Time
	log  *slog.Logger

	hookMu      sync.RWMutex
	unbindHooks []func(deviceID, userID int64, ownerUnbind bool)

	ev        eventQueue
	cancelSub func()
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	st    statements
	cache devCache
}

// statements are the hot paths, prepared once: a user's device list and
// warehouse pages are benchmarked at p99 < 5 ms.
type statements struct {
	userDevices     *sql.Stmt
	userDevicesPage *sql.Stmt
	userDeviceCount *sql.Stmt
	whPage          *sql.Stmt
	whPageSub       *sql.Stmt
	fleetPage       *sql.Stmt
	fleetSub        *sql.Stmt
}

// New builds the service over an open database (whose migrations,
// including this package's, have run) and subscribes to the hub's events.
func New(db *store.DB, plat *platform.Platform, acc Accounts, h *hub.Hub, opt Options) (*Service, error) {
	if db == nil || plat == nil || h == nil {
		return nil, errors.New("devices: a database, a platform and a hub are required")
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = 5 * time.Second
	}
	if opt.FlushInterval <= 0 {
		opt.FlushInterval = time.Second
	}
	s := &Service{db: db, plat: plat, acc: acc, hub: h, opt: opt, now: clock.Or(opt.Clock).Now, log: opt.Logger,
		stop: make(chan struct{}), done: make(chan struct{})}
	// Other instances may write the same PostgreSQL database (cache.go).
	s.cache.off = db.Dialect == store.Postgres
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := s.prepare(); err != nil {
		s.closeStatements()
		return nil, err
	}
	s.ev.init()
	s.cancelSub = h.Subscribe(s.onEvent)
	go s.flushLoop()
	return s, nil
}

func (s *Service) prepare() error {
	var err error
	prep := func(dst **sql.Stmt, q string) {
		if err == nil {
			*dst, err = s.db.Prepare(q)
		}
	}
	prep(&s.st.userDevices, qUserDevices)
	prep(&s.st.userDevicesPage, qUserDevicesPage)
	prep(&s.st.userDeviceCount, qUserDeviceCount)
	prep(&s.st.whPage, qWarehousePage)
	prep(&s.st.whPageSub, qWarehousePageSub)
	prep(&s.st.fleetPage, qFleetPage)
	prep(&s.st.fleetSub, qFleetPageSub)
	return err
}

func (s *Service) closeStatements() {
	for _, st := range []*sql.Stmt{s.st.userDevices, s.st.userDevicesPage, s.st.userDeviceCount, s.st.whPage, s.st.whPageSub, s.st.fleetPage, s.st.fleetSub} {
		if st != nil {
			st.Close()
		}
	}
}

// Close stops the event subscriber and writes what it still holds. It is
// safe to call more than once.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		if s.cancelSub != nil {
			s.cancelSub()
		}
		close(s.stop)
		<-s.done
		s.closeStatements()
	})
}

// OnUnbind registers fn to be called after a user loses a device (for
// timers, which freeze or delete that user's tasks). ownerUnbind is true
// when the device record went away with every user (the owner unbound,
// the sub-device was deleted, or its home removed it); each removed user
// gets a call then. fn runs after the change is committed, on the
// goroutine of the request, and must not call back into this service's
// writers.
func (s *Service) OnUnbind(fn func(deviceID, userID int64, ownerUnbind bool)) {
	s.hookMu.Lock()
	s.unbindHooks = append(s.unbindHooks, fn)
	s.hookMu.Unlock()
}

// unbound is one user losing one device, reported to OnUnbind hooks.
type unbound struct {
	device, user int64
	owner        bool
}

func (s *Service) fire(evs []unbound) {
	if len(evs) == 0 {
		return
	}
	s.hookMu.RLock()
	hooks := append([]func(int64, int64, bool){}, s.unbindHooks...)
	s.hookMu.RUnlock()
	for _, e := range evs {
		for _, h := range hooks {
			h(e.device, e.user, e.owner)
		}
	}
}

// Register registers every method of zc-bind, zc-warehouse and zc-product.
// This is the server's one table of their wire names: the names PROTOCOL
// marks INFERRED and the local extensions are marked below, so that a
// correction is one edit.
func (s *Service) Register(reg *rpc.Registry) {
	// Each row: wire name, authentication, authorization rule (rpc.Rule;
	// the matrix test in cloud/ holds every method to it), a write or not.
	type row = rpc.Method
	bind := func(name string, m row, fn rpc.Func) {
		m.Handler = fn
		reg.Handle(BindService, 1, name, m)
	}
	const w = true // Mutating
	// §2.2.1 binding and ownership (CONFIRMED AND-BIND).
	newDevice := []string{"physicalDeviceId"} // the device being swapped in or paired
	physicalClaim := "the physical id comes from the device's own label or QR code; an owned device answers 3811 (PROTOCOL §2.2.1)"
	bind("bindDevice", row{Auth: rpc.AuthUser, Rule: rpc.RuleSigned, Why: physicalClaim, Mutating: w}, s.apiBindDevice)
	bind("bindGateway", row{Auth: rpc.AuthUser, Rule: rpc.RuleSigned, Why: physicalClaim, Mutating: w}, s.apiBindGateway)
	bind("bindDeviceWithShareCode", row{Auth: rpc.AuthUser, Rule: rpc.RuleBearer, Mutating: w}, s.apiBindWithShareCode)
	bind("bindDeviceWithUser", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiBindWithUser)
	bind("unbindDevice", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w}, s.apiUnbindDevice)
	bind("unbindGateway", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w}, s.apiUnbindDevice)
	bind("unbindDeviceWithUser", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiUnbindWithUser)
	bind("changeOwner", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiChangeOwner)
	bind("changeDevice", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w, OpenKeys: newDevice}, s.apiChangeDevice)
	bind("modifyDevice", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiModifyDevice)
	bind("updateAccessKey", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiUpdateAccessKey)
	// §2.2.2 sharing. A write: it stores a code.
	bind("getShareCode", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiGetShareCode)
	// §2.2.3 listing and lookup. listUsers, the lookups and the profile
	// reads are developer-scope without an acting user (PHP passes none).
	bind("listDevices", row{Auth: rpc.AuthUser, Rule: rpc.RuleSelf}, s.apiListDevices)
	bind("listDevicesExt", row{Auth: rpc.AuthUser, Rule: rpc.RuleSelf}, s.apiListDevicesExt)
	bind("listGateways", row{Auth: rpc.AuthUser, Rule: rpc.RuleSelf}, s.apiListGateways)
	bind("listSubDevices", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound}, s.apiListSubDevices)
	bind("listNewDevices", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound}, s.apiListNewDevices)
	bind("listUsers", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound}, s.apiListUsers)
	bind("isDeviceOnline", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound,
		Why: "presence at home is the user's own business and logical ids are guessable; a device nobody has bound yet answers anyone (the app waits for it before binding)"}, s.apiIsDeviceOnline)
	bind("isDeviceBound", row{Auth: rpc.AuthAny, Rule: rpc.RuleSigned,
		Why: "the question an app asks before binding, with the physical id from the device's QR code: one bit bindDevice's 3811 tells anyway"}, s.apiIsDeviceBound)
	// INFERRED wire names (Q2: the Java/PHP names).
	bind("getDeviceId", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound,
		Why: "the logical id opens every other method: a user learns it for devices bound to them; PHP asks it in developer scope"}, s.apiGetDeviceID)
	bind("getUserDevice", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound}, s.apiGetUserDevice)
	// §2.2.4 gateways and sub-devices.
	bind("openGatewayMatch", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w}, s.apiOpenGatewayMatch)
	bind("closeGatewayMatch", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w}, s.apiCloseGatewayMatch)
	bind("addSubDevice", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w, OpenKeys: newDevice}, s.apiAddSubDevice)
	bind("deleteSubDevice", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiDeleteSubDevice)
	bind("evictSubDevice", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w, OpenKeys: newDevice}, s.apiEvictSubDevice)
	// §2.2.5 profiles; §2.2.6 sendToDevice.
	bind("setDeviceProfile", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound, Mutating: w}, s.apiSetDeviceProfile)
	bind("getDeviceProfile", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound}, s.apiGetDeviceProfile)
	bind("sendToDevice", row{Auth: rpc.AuthAny, Rule: rpc.RuleBound, Mutating: w}, s.apiSendToDevice)
	// §2.3 homes and rooms (CONFIRMED AND-GRP).
	bind("createHome", row{Auth: rpc.AuthUser, Rule: rpc.RuleSelf, Mutating: w}, s.apiCreateHome)
	bind("deleteHome", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiDeleteHome)
	bind("changeHomeName", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiChangeHomeName)
	bind("createRoom", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiCreateRoom)
	bind("deleteRoom", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiDeleteRoom)
	bind("changeRoomName", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiChangeRoomName)
	bind("addDeviceToHome", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w,
		Why: "a member of the home adds a device they own (the home's owner then owns it); only the device's owner renames it"}, s.apiAddDeviceToHome)
	bind("deleteDeviceFromHome", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiDeleteDeviceFromHome)
	bind("moveDeviceToRoom", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w}, s.apiMoveDeviceToRoom)
	bind("removeDeviceFromRoom", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w}, s.apiRemoveDeviceFromRoom)
	bind("getHomeShareCode", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiGetHomeShareCode)
	bind("joinHomeWithShareCode", row{Auth: rpc.AuthUser, Rule: rpc.RuleBearer, Mutating: w}, s.apiJoinHome)
	bind("addUserToHome", row{Auth: rpc.AuthUser, Rule: rpc.RuleOwner, Mutating: w}, s.apiAddUserToHome)
	bind("removeUserFromHome", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound, Mutating: w}, s.apiRemoveUserFromHome)
	bind("listHomes", row{Auth: rpc.AuthUser, Rule: rpc.RuleSelf}, s.apiListHomes)
	bind("listRooms", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound}, s.apiListRooms)
	bind("listHomeDevices", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound}, s.apiListHomeDevices)
	bind("listRoomDevices", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound}, s.apiListRoomDevices)
	bind("listHomeUsers", row{Auth: rpc.AuthUser, Rule: rpc.RuleBound}, s.apiListHomeUsers)

	wh := func(name string, mutating bool, fn rpc.Func) {
		reg.Handle(WarehouseService, 1, name, rpc.Method{Auth: rpc.AuthDev, Rule: rpc.RuleDeveloper, Handler: fn, Mutating: mutating})
	}
	// CONFIRMED AND-DEV. Activation records the device's firmware, MAC and
	// place: the device and the vendor's factory tools do it, never a user
	// (seed guide: 设备入库 is the developer's, in the console).
	wh("activateDevice", true, s.apiActivateDevice)
	wh("getDeviceInfo", false, s.apiGetDeviceInfo)
	// INFERRED wire names (Q2: the PHP names).
	wh("getDevicesInfo", false, s.apiGetDevicesInfo)
	wh("getDeviceCount", false, s.apiGetDeviceCount)
	wh("listDevices", false, s.apiWarehouseList)
	// LOCAL EXTENSION, not part of AbleCloud: the fleet view's page with
	// each device's binding and online state in one call.
	wh("listDevicesExt", false, s.apiWarehouseListExt)

	prod := func(name string, fn rpc.Func) {
		reg.Handle(ProductService, 1, name, rpc.Method{Auth: rpc.AuthAny, Rule: rpc.RuleSigned, Handler: fn,
			Why: "product descriptions hold nothing of a user's; apps read them to draw a device's page"})
	}
	// CONFIRMED DEMO.
	prod("getSubDomainDataPoints", s.apiGetDataPoints)
	// INFERRED wire name (Q2: PHP getDomainProducts).
	prod("getDomainProducts", s.apiGetDomainProducts)
}

// Result keys PROTOCOL marks INFERRED (Q3), and the local extension key of
// sendToDevice.
const (
	keyShareCode = "shareCode"
	keyIsBound   = "isBound"
	// keySendTimeout is the reply timeout of sendToDevice in milliseconds
	// (LOCAL EXTENSION; a real router uses its own timeout).
	keySendTimeout = "timeout"
)

// Device returns a device record by logical id; a missing device is a 3802
// *rpc.Error.
func (s *Service) Device(ctx context.Context, deviceID int64) (models.Device, error) {
	d, err := loadDevice(ctx, s.db, deviceID)
	if err != nil {
		return models.Device{}, err
	}
	return s.wire(d), nil
}

// DeviceByPhysical finds the bound device of a product by physical id; ok
// is false when nobody has bound it.
func (s *Service) DeviceByPhysical(ctx context.Context, subDomainID int64, pid string) (models.Device, bool, error) {
	d, ok, err := loadDeviceByPID(ctx, s.db, subDomainID, pid)
	if err != nil || !ok {
		return models.Device{}, false, err
	}
	return s.wire(d), true, nil
}

// UserCanAccess says whether a user owns a device and whether they are
// bound to it at all (an owner is always bound).
func (s *Service) UserCanAccess(ctx context.Context, userID, deviceID int64) (owner bool, bound bool, err error) {
	d, err := loadDevice(ctx, s.db, deviceID)
	if err != nil {
		if isCode(err, models.ErrDeviceAbsent) {
			return false, false, nil
		}
		return false, false, err
	}
	bound, err = isBound(ctx, s.db, userID, deviceID)
	return bound && d.owner == userID, bound, err
}

func isCode(err error, code int) bool {
	var e *rpc.Error
	return errors.As(err, &e) && e.Code == code
}
