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
	// Now is the clock; nil means time.Now. Tests inject one so that share
	// codes expire without sleeping.
	Now func() time.Time
	// SendTimeout is how long sendToDevice waits for a device's reply when
	// the request does not say; 0 means 5 s.
	SendTimeout time.Duration
	// FlushInterval is how often the online times the hub reports are
	// written to the warehouse; 0 means 1 s.
	FlushInterval time.Duration
	// Logger receives background failures (flushes); nil discards them.
	Logger *slog.Logger
}

// Service serves zc-bind, zc-warehouse and zc-product.
type Service struct {
	db   *store.DB
	plat *platform.Platform
	acc  *account.Service
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
	userDevices *sql.Stmt
	whPage      *sql.Stmt
	whPageSub   *sql.Stmt
	fleetPage   *sql.Stmt
	fleetSub    *sql.Stmt
}

// New builds the service over an open database (whose migrations,
// including this package's, have run) and subscribes to the hub's events.
func New(db *store.DB, plat *platform.Platform, acc *account.Service, h *hub.Hub, opt Options) (*Service, error) {
	if db == nil || plat == nil || h == nil {
		return nil, errors.New("devices: a database, a platform and a hub are required")
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = 5 * time.Second
	}
	if opt.FlushInterval <= 0 {
		opt.FlushInterval = time.Second
	}
	s := &Service{db: db, plat: plat, acc: acc, hub: h, opt: opt, now: opt.Now, log: opt.Logger,
		stop: make(chan struct{}), done: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
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
	prep(&s.st.whPage, qWarehousePage)
	prep(&s.st.whPageSub, qWarehousePageSub)
	prep(&s.st.fleetPage, qFleetPage)
	prep(&s.st.fleetSub, qFleetPageSub)
	return err
}

func (s *Service) closeStatements() {
	for _, st := range []*sql.Stmt{s.st.userDevices, s.st.whPage, s.st.whPageSub, s.st.fleetPage, s.st.fleetSub} {
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
	bind := func(name string, auth rpc.Auth, mutating bool, fn rpc.Func) {
		reg.Handle(BindService, 1, name, rpc.Method{Auth: auth, Handler: fn, Mutating: mutating})
	}
	// §2.2.1 binding and ownership (CONFIRMED AND-BIND).
	bind("bindDevice", rpc.AuthUser, true, s.apiBindDevice)
	bind("bindGateway", rpc.AuthUser, true, s.apiBindGateway)
	bind("bindDeviceWithShareCode", rpc.AuthUser, true, s.apiBindWithShareCode)
	bind("bindDeviceWithUser", rpc.AuthUser, true, s.apiBindWithUser)
	bind("unbindDevice", rpc.AuthUser, true, s.apiUnbindDevice)
	bind("unbindGateway", rpc.AuthUser, true, s.apiUnbindDevice)
	bind("unbindDeviceWithUser", rpc.AuthUser, true, s.apiUnbindWithUser)
	bind("changeOwner", rpc.AuthUser, true, s.apiChangeOwner)
	bind("changeDevice", rpc.AuthUser, true, s.apiChangeDevice)
	bind("modifyDevice", rpc.AuthUser, true, s.apiModifyDevice)
	bind("updateAccessKey", rpc.AuthUser, true, s.apiUpdateAccessKey)
	// §2.2.2 sharing. A write: it stores a code.
	bind("getShareCode", rpc.AuthUser, true, s.apiGetShareCode)
	// §2.2.3 listing and lookup. listUsers, the lookups and the profile
	// reads are developer-scope without an acting user (PHP passes none).
	bind("listDevices", rpc.AuthUser, false, s.apiListDevices)
	bind("listDevicesExt", rpc.AuthUser, false, s.apiListDevicesExt)
	bind("listGateways", rpc.AuthUser, false, s.apiListGateways)
	bind("listSubDevices", rpc.AuthAny, false, s.apiListSubDevices)
	bind("listNewDevices", rpc.AuthAny, false, s.apiListNewDevices)
	bind("listUsers", rpc.AuthAny, false, s.apiListUsers)
	bind("isDeviceOnline", rpc.AuthAny, false, s.apiIsDeviceOnline)
	bind("isDeviceBound", rpc.AuthAny, false, s.apiIsDeviceBound)
	// INFERRED wire names (Q2: the Java/PHP names).
	bind("getDeviceId", rpc.AuthAny, false, s.apiGetDeviceID)
	bind("getUserDevice", rpc.AuthAny, false, s.apiGetUserDevice)
	// §2.2.4 gateways and sub-devices.
	bind("openGatewayMatch", rpc.AuthUser, true, s.apiOpenGatewayMatch)
	bind("closeGatewayMatch", rpc.AuthUser, true, s.apiCloseGatewayMatch)
	bind("addSubDevice", rpc.AuthUser, true, s.apiAddSubDevice)
	bind("deleteSubDevice", rpc.AuthUser, true, s.apiDeleteSubDevice)
	bind("evictSubDevice", rpc.AuthUser, true, s.apiEvictSubDevice)
	// §2.2.5 profiles; §2.2.6 sendToDevice.
	bind("setDeviceProfile", rpc.AuthAny, true, s.apiSetDeviceProfile)
	bind("getDeviceProfile", rpc.AuthAny, false, s.apiGetDeviceProfile)
	bind("sendToDevice", rpc.AuthAny, true, s.apiSendToDevice)
	// §2.3 homes and rooms (CONFIRMED AND-GRP).
	bind("createHome", rpc.AuthUser, true, s.apiCreateHome)
	bind("deleteHome", rpc.AuthUser, true, s.apiDeleteHome)
	bind("changeHomeName", rpc.AuthUser, true, s.apiChangeHomeName)
	bind("createRoom", rpc.AuthUser, true, s.apiCreateRoom)
	bind("deleteRoom", rpc.AuthUser, true, s.apiDeleteRoom)
	bind("changeRoomName", rpc.AuthUser, true, s.apiChangeRoomName)
	bind("addDeviceToHome", rpc.AuthUser, true, s.apiAddDeviceToHome)
	bind("deleteDeviceFromHome", rpc.AuthUser, true, s.apiDeleteDeviceFromHome)
	bind("moveDeviceToRoom", rpc.AuthUser, true, s.apiMoveDeviceToRoom)
	bind("removeDeviceFromRoom", rpc.AuthUser, true, s.apiRemoveDeviceFromRoom)
	bind("getHomeShareCode", rpc.AuthUser, true, s.apiGetHomeShareCode)
	bind("joinHomeWithShareCode", rpc.AuthUser, true, s.apiJoinHome)
	bind("addUserToHome", rpc.AuthUser, true, s.apiAddUserToHome)
	bind("removeUserFromHome", rpc.AuthUser, true, s.apiRemoveUserFromHome)
	bind("listHomes", rpc.AuthUser, false, s.apiListHomes)
	bind("listRooms", rpc.AuthUser, false, s.apiListRooms)
	bind("listHomeDevices", rpc.AuthUser, false, s.apiListHomeDevices)
	bind("listRoomDevices", rpc.AuthUser, false, s.apiListRoomDevices)
	bind("listHomeUsers", rpc.AuthUser, false, s.apiListHomeUsers)

	wh := func(name string, auth rpc.Auth, mutating bool, fn rpc.Func) {
		reg.Handle(WarehouseService, 1, name, rpc.Method{Auth: auth, Handler: fn, Mutating: mutating})
	}
	// CONFIRMED AND-DEV.
	wh("activateDevice", rpc.AuthAny, true, s.apiActivateDevice)
	wh("getDeviceInfo", rpc.AuthDev, false, s.apiGetDeviceInfo)
	// INFERRED wire names (Q2: the PHP names).
	wh("getDevicesInfo", rpc.AuthDev, false, s.apiGetDevicesInfo)
	wh("getDeviceCount", rpc.AuthDev, false, s.apiGetDeviceCount)
	wh("listDevices", rpc.AuthDev, false, s.apiWarehouseList)
	// LOCAL EXTENSION, not part of AbleCloud: the fleet view's page with
	// each device's binding and online state in one call.
	wh("listDevicesExt", rpc.AuthDev, false, s.apiWarehouseListExt)

	prod := func(name string, auth rpc.Auth, fn rpc.Func) {
		reg.Handle(ProductService, 1, name, rpc.Method{Auth: auth, Handler: fn})
	}
	// CONFIRMED DEMO.
	prod("getSubDomainDataPoints", rpc.AuthAny, s.apiGetDataPoints)
	// INFERRED wire name (Q2: PHP getDomainProducts).
	prod("getDomainProducts", rpc.AuthAny, s.apiGetDomainProducts)
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
