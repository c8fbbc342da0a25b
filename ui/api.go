package ui

import (
	"context"
	"encoding/json"
	"time"

	"acconsole/catalog"
	"acconsole/models"
)

// API is everything the console asks of a cloud, grouped by concern. The
// real implementation (NewAPI, acapi_*.go) sits on acapi; tests use an
// in-memory fake (fake_*_test.go). Every string it returns was sanitised by
// acapi at decode time; binary payloads are returned raw and are rendered
// as hex or through a MessageSpec by the pages.
//
// Calls that change something take the acting user in the DeviceRef
// (UserID, 0 = developer scope) and go through acapi's read-only guard and
// audit hook; the pages still check write mode first, so that a refused
// action is explained before anything is sent.
type API interface {
	// Write mode: the guard lives in acapi, the console only switches it.
	ReadOnly() bool
	SetReadOnly(on bool)

	// Users (zc-account).

	// CountUsers is the number of users (the cloud keeps it: no scan).
	CountUsers(ctx context.Context) (int64, error)
	// ListUsers is a page of users in id order, from the first id above
	// afterID.
	ListUsers(ctx context.Context, afterID int64, limit int) ([]models.User, error)
	// FindUser resolves a user id, phone, email or WeChat OpenID.
	FindUser(ctx context.Context, query string) (models.User, error)
	UserDetail(ctx context.Context, userID int64) (UserDetail, error)
	SetUserProfile(ctx context.Context, userID int64, key string, value any) error
	SendVerifyCode(ctx context.Context, account string) error
	BindPhone(ctx context.Context, userID int64, phone, code string) error
	// Outbox lists the verify codes the local cloud "sent".
	Outbox(ctx context.Context, limit int) ([]OutboxEntry, error)

	// Homes and rooms (zc-bind home calls).

	Homes(ctx context.Context, userID int64) ([]models.Home, error)
	Rooms(ctx context.Context, userID, homeID int64) ([]models.Room, error)
	HomeDevices(ctx context.Context, userID, homeID int64) ([]models.Device, error)
	RoomDevices(ctx context.Context, userID, homeID, roomID int64) ([]models.Device, error)
	CreateHome(ctx context.Context, userID int64, name string) error
	RenameHome(ctx context.Context, userID, homeID int64, name string) error
	DeleteHome(ctx context.Context, userID, homeID int64) error
	CreateRoom(ctx context.Context, userID, homeID int64, name string) error
	RenameRoom(ctx context.Context, userID, homeID, roomID int64, name string) error
	DeleteRoom(ctx context.Context, userID, homeID, roomID int64) error
	AddDeviceToHome(ctx context.Context, ref DeviceRef, homeID int64) error
	MoveDeviceToRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error
	RemoveDeviceFromRoom(ctx context.Context, ref DeviceRef, homeID, roomID int64) error

	// Devices: a user's, the warehouse fleet, one device.

	// UserDevices is a page of a user's devices in id order, from the first
	// id above afterID, and how many the user has in all.
	UserDevices(ctx context.Context, userID, afterID int64, limit int) ([]models.Device, int64, error)
	FleetCount(ctx context.Context) (int64, error)
	Fleet(ctx context.Context, offset, limit int) ([]models.FleetDevice, error)
	// FindDevices resolves a physical id in any letter case or a MAC to
	// warehouse records; no match is an error.
	FindDevices(ctx context.Context, query string) ([]models.DeviceInfo, error)
	DeviceDetail(ctx context.Context, ref DeviceRef) (DeviceDetail, error)
	RenameDevice(ctx context.Context, ref DeviceRef, name string) error
	UnbindUser(ctx context.Context, ref DeviceRef, userID int64) error
	ChangeOwner(ctx context.Context, ref DeviceRef, newOwner int64) error
	SetDeviceProfile(ctx context.Context, ref DeviceRef, key string, value any) error

	// Sharing.

	// DeviceShareCode asks for a share code of the device, valid for
	// valid (0 = the cloud's default); only the owner may.
	DeviceShareCode(ctx context.Context, ref DeviceRef, valid time.Duration) (string, error)
	// HomeShareCode asks for a code that lets its holder join a home.
	HomeShareCode(ctx context.Context, userID, homeID int64, valid time.Duration) (string, error)

	// Gateways and pairing.

	Gateways(ctx context.Context, userID int64) ([]models.Device, error)
	// OpenGatewayMatch opens (or, when open, moves the end of) a gateway's
	// pairing window for seconds (1–254).
	OpenGatewayMatch(ctx context.Context, gw DeviceRef, seconds int) error
	// CloseGatewayMatch closes the window; note goes to the audit log with
	// the call (the pairing run's summary).
	CloseGatewayMatch(ctx context.Context, gw DeviceRef, note string) error
	// JoinedSubDevices lists the sub-devices that joined the gateway and
	// were not added yet (listNewDevices), with product names and, when the
	// cloud keeps a device history, the time each joined.
	JoinedSubDevices(ctx context.Context, gw DeviceRef) ([]JoinedDevice, error)
	// GatewayWindow re-reads the gateway's own idea of its window (from its
	// state reports), so that a countdown follows the gateway, not a local
	// clock started when the operator pressed a key.
	GatewayWindow(ctx context.Context, gw DeviceRef) (MatchWindow, error)
	// AddSubDevice adds a joined sub-device (sub is its product).
	AddSubDevice(ctx context.Context, gw DeviceRef, sub, physicalID, name string) (models.Device, error)

	// Products, commands and service calls.

	// Products lists the major domain's products.
	Products(ctx context.Context) ([]models.Product, error)
	// ProductSpec describes a product: its data points (asked of the
	// cloud, zc-product getSubDomainDataPoints) and the byte layouts of its
	// messages, used to build payload forms and to decode replies.
	ProductSpec(ctx context.Context, sub string) (ProductSpec, error)
	// SendCommand sends a command (65–199) and returns the device's reply;
	// timeout bounds the wait for the device (3814 after it).
	SendCommand(ctx context.Context, ref DeviceRef, code int, payload []byte, timeout time.Duration) (CommandReply, error)
	// CallService is sendToService (PROTOCOL §2.8) to any service.
	CallService(ctx context.Context, call ServiceCall) (ServiceResult, error)

	// Events.

	// DeviceHistory reads the device-history service: connection events,
	// reports and commands of a device at or after since (zero = the
	// newest limit), oldest first.
	DeviceHistory(ctx context.Context, ref DeviceRef, since time.Time, limit int) ([]DeviceEvent, error)

	// Timers (zc-timer-task, PROTOCOL §2.4).

	ListTimers(ctx context.Context, ref DeviceRef) ([]models.TimerTask, error)
	TimerHistory(ctx context.Context, ref DeviceRef, taskID int64, limit int) ([]TimerRun, error)
	// SaveTimer adds the task (TaskID 0) or replaces it, and returns it as
	// the cloud stored it.
	SaveTimer(ctx context.Context, ref DeviceRef, task models.TimerTask) (models.TimerTask, error)
	DeleteTimer(ctx context.Context, ref DeviceRef, taskID int64) error
	SetTimerRunning(ctx context.Context, ref DeviceRef, taskID int64, running bool) error

	// Firmware (zc-ota, PROTOCOL §2.5).

	CheckUpdate(ctx context.Context, ref DeviceRef, otaType int) (models.OTAVersion, error)
	// ConfirmUpdate starts an upgrade; reason goes to the audit log.
	ConfirmUpdate(ctx context.Context, ref DeviceRef, target string, otaType int, reason string) error
	UpgradeStatus(ctx context.Context, ref DeviceRef, otaType int) (models.UpgradeStatus, error)
	// PendingUpgrades lists the devices of a product with an update on
	// offer, running or failed (developer scope).
	PendingUpgrades(ctx context.Context, sub string) ([]models.UpgradeCandidate, error)
}

// DeviceRef names a device and the user through whom the console reaches
// it (0 = developer scope).
type DeviceRef struct {
	UserID     int64
	DeviceID   int64
	SubDomain  string
	PhysicalID string
}

// Users.

// UserDetail is what the user page shows above its devices (which it
// loads a page at a time with UserDevices).
type UserDetail struct {
	User    models.User
	Profile map[string]any
	OpenIDs []models.OpenID
	Homes   []models.Home
}

// OutboxEntry is a verify code the local cloud "sent".
type OutboxEntry struct {
	Account  string
	Code     string
	Template int
	SentAt   time.Time
}

// Devices.

// DeviceDetail is what the device page shows.
type DeviceDetail struct {
	Device     models.Device
	Info       models.DeviceInfo
	Users      []models.DeviceUser
	Profile    map[string]any
	Online     bool
	SubDevices []models.Device
	// Unbound: a warehouse record nobody has bound; Device holds only
	// the physical id and product.
	Unbound bool
	// HomeName names Device.RootID; Rooms are the rooms of that home and
	// RoomID/RoomName the one the device is in (0/"" when none).
	HomeName string
	Rooms    []models.Room
	RoomID   int64
	RoomName string
}

// Sharing.

// ShareQRFunc makes the WeChat QR string of a device with an embedded share
// code (PROTOCOL §4.4), through the vendor's WeChat bridge. The console
// does not import the bridge: main wires it in through Options.ShareQR.
type ShareQRFunc func(ctx context.Context, userID int64, sub, physicalID string, timeout time.Duration) (string, error)

// Gateways and pairing.

// JoinedDevice is a sub-device waiting to be added to a gateway.
type JoinedDevice struct {
	PhysicalID  string
	SubDomain   string // product name ("" when the cloud did not say)
	SubDomainID string
	JoinedAt    time.Time // zero when the cloud keeps no history
}

// MatchWindow is a gateway's pairing window as the gateway reports it.
type MatchWindow struct {
	// Known is false when the cloud cannot tell (no device history): the
	// console then counts from its own open call, and says so.
	Known    bool
	Open     bool
	Deadline time.Time
	AsOf     time.Time // the newest report this is based on
}

// Products, commands and service calls.

// ProductSpec is a product as the workflows need it.
type ProductSpec struct {
	SubDomain  string
	DataPoints []models.DataPoint
	Messages   []catalog.Message
}

// Commands lists the product's commands (65–199) in code order.
func (p ProductSpec) Commands() []catalog.Message {
	var out []catalog.Message
	for _, m := range p.Messages {
		if m.Dir == catalog.Command {
			out = append(out, m)
		}
	}
	return out
}

// Message finds a message by code, preferring dir when one code has both a
// command and a reply meaning.
func (p ProductSpec) Message(code int, dir catalog.Direction) (catalog.Message, bool) {
	var other *catalog.Message
	for i := range p.Messages {
		m := &p.Messages[i]
		if m.Code != code {
			continue
		}
		if m.Dir == dir {
			return *m, true
		}
		if other == nil {
			other = m
		}
	}
	if other != nil {
		return *other, true
	}
	return catalog.Message{}, false
}

// CommandReply is a device's answer.
type CommandReply struct {
	Code    int
	Payload []byte
	Elapsed time.Duration
}

// ServiceCall is a generic call to a service.
type ServiceCall struct {
	Service   string
	Method    string
	Version   int
	SubDomain string
	UserID    int64 // 0 = developer scope
	Body      json.RawMessage
	// Read marks a call without side effects: it passes read-only mode.
	Read bool
}

// ServiceResult is a service's answer.
type ServiceResult struct {
	Body    json.RawMessage
	TraceID string
	Elapsed time.Duration
}

// Events.

// Device event kinds beyond the device-history ones (online, offline,
// report, command, joined, subDeviceJoined, matchOpened, matchClosed).
const (
	EventTimer = "timer"
	EventOTA   = "ota"
	EventAudit = "audit"
)

// DeviceEvent is one line of a device's live tail.
type DeviceEvent struct {
	At      time.Time
	Kind    string
	Code    int
	Payload []byte
	// Text is the cloud's description of a report or command, when it
	// gave one.
	Text   string
	Result string
	// Other names the related device: the gateway a sub-device joined, or
	// the sub-device that joined a gateway.
	Other string
}

// Timers.

// TimerRun is one firing of a timer.
type TimerRun struct {
	At           time.Time
	ScheduledFor time.Time
	Result       string
	ReplyCode    int
	Detail       string
	Late         time.Duration
}
