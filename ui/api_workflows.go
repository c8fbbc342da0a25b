package ui

import (
	"context"
	"encoding/json"
	"time"

	"acconsole/catalog"
	"acconsole/models"
)

// WorkflowAPI is what the console's workflows (pairing, timers, firmware,
// sharing, commands, service calls, live events) ask of a cloud, on top of
// API. The acapi adapter implements it in acapi_workflows.go; model tests
// use the fake in fake_workflows_test.go. Like API, every string it
// returns was sanitised by acapi; binary payloads are returned raw and are
// rendered as hex or through the catalog's layouts by the pages.
//
// Calls that change something take the acting user in the DeviceRef
// (UserID, 0 = developer scope) and go through acapi's read-only guard and
// audit hook; the pages still check write mode first, so that a refused
// action is explained before anything is sent.
type WorkflowAPI interface {
	// ProductSpec describes a product: its data points (asked of the
	// cloud, zc-product getSubDomainDataPoints) and the byte layouts of its
	// messages, used to build payload forms and to decode replies.
	ProductSpec(ctx context.Context, sub string) (ProductSpec, error)

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

	// SendCommand sends a command (65–199) and returns the device's reply;
	// timeout bounds the wait for the device (3814 after it).
	SendCommand(ctx context.Context, ref DeviceRef, code int, payload []byte, timeout time.Duration) (CommandReply, error)

	// DeviceShareCode asks for a share code of the device, valid for
	// valid (0 = the cloud's default); only the owner may.
	DeviceShareCode(ctx context.Context, ref DeviceRef, valid time.Duration) (string, error)
	// HomeShareCode asks for a code that lets its holder join a home.
	HomeShareCode(ctx context.Context, userID, homeID int64, valid time.Duration) (string, error)

	// CallService is sendToService (PROTOCOL §2.8) to any service.
	CallService(ctx context.Context, call ServiceCall) (ServiceResult, error)

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
	UpgradeStatus(ctx context.Context, ref DeviceRef, otaType int) (UpgradeStatus, error)
	// PendingUpgrades lists the devices of a product with an update on
	// offer, running or failed (developer scope).
	PendingUpgrades(ctx context.Context, sub string) ([]UpgradeCandidate, error)
	// Products lists the major domain's products.
	Products(ctx context.Context) ([]models.Product, error)
}

// ShareQRFunc makes the WeChat QR string of a device with an embedded share
// code (PROTOCOL §4.4), through the vendor's WeChat bridge. The console
// does not import the bridge: main wires it in through Options.ShareQR.
type ShareQRFunc func(ctx context.Context, userID int64, sub, physicalID string, timeout time.Duration) (string, error)

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

// TimerRun is one firing of a timer.
type TimerRun struct {
	At           time.Time
	ScheduledFor time.Time
	Result       string
	ReplyCode    int
	Detail       string
	Late         time.Duration
}

// UpgradeStatus is a device's current or last upgrade.
type UpgradeStatus struct {
	State          string // idle, upgrading, stalled, succeeded, failed
	Phase          string
	Percent        float64
	StartedAt      time.Time
	LastProgressAt time.Time
	TargetVersion  string
	CurrentVersion string
	FailureReason  string
	BytesPerSecond float64
	ETA            time.Duration
	// ProgressInterval is the device's own average gap between progress
	// reports; the stall detector counts in these.
	ProgressInterval time.Duration
	StalledFor       time.Duration
}

// Running reports whether the upgrade has not ended.
func (s UpgradeStatus) Running() bool { return s.State == "upgrading" || s.State == "stalled" }

// UpgradeCandidate is a device with an update on offer (or running, or
// failed).
type UpgradeCandidate struct {
	SubDomain      string
	PhysicalID     string
	DeviceID       int64
	OTAType        int
	CurrentVersion string
	TargetVersion  string
	OTAMode        int
	State          string
	Percent        float64
}
