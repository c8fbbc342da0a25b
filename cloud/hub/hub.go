// Package hub is the local cloud's device hub: which devices are online,
// routing of commands to them with a reply timeout, device reports, and the
// pairing windows of gateways. Devices are reached through the Endpoint
// interface, so that simulated devices today and other transports later
// plug in the same way.
package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Message-code ranges (PROTOCOL §2.2.6).
const (
	MinCommandCode = 65
	MaxCommandCode = 199
	MinReportCode  = 200
)

// Errors that the bind service turns into protocol codes.
var (
	ErrOffline    = errors.New("device offline")                // 3807
	ErrTimeout    = errors.New("device did not answer in time") // 3814
	ErrBadCode    = errors.New("message code out of range")     // 3801
	ErrNotGateway = errors.New("device is not a gateway")       // 3808
	// ErrNoTimers: the device's endpoint cannot keep device timers
	// (it does not implement TimerHost).
	ErrNoTimers = errors.New("device does not keep timers")
)

// Endpoint delivers commands to one device.
type Endpoint interface {
	// Deliver hands a command to the device and returns its reply. It must
	// honour ctx: the hub cancels it at the reply timeout.
	Deliver(ctx context.Context, code int, payload []byte) (replyCode int, reply []byte, err error)
}

// Gateway is an endpoint that can open a window for sub-devices to join.
type Gateway interface {
	Endpoint
	// OpenMatch lets sub-devices join until deadline.
	OpenMatch(deadline time.Time) error
	CloseMatch() error
}

// DeviceTimer is a device timer (taskFlag 1, PROTOCOL §2.4) as the cloud
// hands it to its device: the schedule (§3.5) and the command to apply at
// each firing. Running is false for a stopped task, which the device keeps
// but does not fire.
type DeviceTimer struct {
	TaskID                         int64
	TimeZone, TimePoint, TimeCycle string
	MessageCode                    int
	Payload                        []byte
	Running                        bool
}

// TimerHost is an endpoint that keeps device timers and fires them from
// its own clock, connected or not. The cloud always sends the device's
// whole set, so that pushing it again (after a reconnect) is harmless.
type TimerHost interface {
	// SetTimers replaces the device's timers with tasks.
	SetTimers(tasks []DeviceTimer) error
}

// TimerFiring is one run of a device timer, reported by the device (see
// Hub.TimerFired).
type TimerFiring struct {
	TaskID int64
	// Scheduled is the firing's instant; At is when the device ran it, by
	// its own clock.
	Scheduled, At time.Time
	// Code and Payload are the command the device applied; ReplyCode is
	// its own answer to it (127 when it refused).
	Code      int
	Payload   []byte
	ReplyCode int
	// Result is "ok", or "error" when the device refused the command.
	Result string
}

// Key names a device: product (sub-domain) name and physical id.
type Key struct {
	SubDomain  string
	PhysicalID string
}

// EventKind says what an Event is about.
type EventKind int

const (
	EventOnline EventKind = iota + 1
	EventOffline
	EventReport
	EventJoined
	EventMatchOpened
	EventMatchClosed
	EventCommand
	// EventTimerFired: the device ran one of its device timers. At is the
	// device's time of the firing, which is earlier than the event when
	// the device was offline then and reports it after reconnecting.
	EventTimerFired
)

// ReplyRefused is the reply code of a device refusing a command.
const ReplyRefused = 127

// Event is something that happened at a device, for subscribers (warehouse
// last-online times, live event tails, device history).
type Event struct {
	Kind    EventKind
	Device  Key
	At      time.Time
	Code    int
	Payload []byte
	IP      string
	// Gateway is set for EventJoined: the gateway the sub-device joined.
	Gateway Key
	// Result of a command ("ok", "refused" when the device answered with
	// the error reply 127, "offline", "timeout", "error"), or of a
	// device timer's firing ("ok", "error").
	Result string
	// TaskID, Scheduled and ReplyCode describe a device timer's firing
	// (EventTimerFired): the task, its due instant and the device's reply
	// code to the command.
	TaskID    int64
	Scheduled time.Time
	ReplyCode int
}

// Joined is a sub-device that joined a gateway and was not added yet.
type Joined struct {
	Device   Key
	JoinedAt time.Time
}

type device struct {
	ep       Endpoint
	online   bool
	ip       string
	lastSeen time.Time
	deadline time.Time // match window of a gateway
	joined   map[Key]Joined
}

// Hub is safe for concurrent use.
type Hub struct {
	now func() time.Time

	mu      sync.RWMutex
	devices map[Key]*device
	subs    map[int]func(Event)
	nextSub int
	remote  Remote
}

// Remote reaches devices connected to other instances of the cloud that
// share its store. Its Send answers ErrOffline when no instance has the
// device.
type Remote interface {
	Send(ctx context.Context, k Key, code int, payload []byte, timeout time.Duration) (int, []byte, error)
	// Gateway runs a pairing operation on the instance the gateway is
	// connected to (GatewayLocal there).
	Gateway(op GatewayOp) (GatewayResult, error)
}

// GatewayOp is a pairing operation on a gateway: Kind "open" (a window of
// Window), "close", "new" (list the sub-devices that joined) or "added"
// (Sub was added).
type GatewayOp struct {
	Kind    string        `json:"kind"`
	Gateway Key           `json:"gw"`
	Sub     Key           `json:"sub,omitempty"`
	Window  time.Duration `json:"window,omitempty"`
}

// GatewayResult is what a GatewayOp gives back.
type GatewayResult struct {
	Deadline time.Time `json:"deadline,omitempty"`
	Joined   []Joined  `json:"joined,omitempty"`
}

// remoteGateway is the Remote to ask about gw when gw is not connected
// here (nil otherwise, or when there is no Remote). When no instance has
// the gateway (ErrOffline), the operation runs here as it always did.
func (h *Hub) remoteGateway(gw Key) Remote {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if d := h.devices[gw]; d != nil && d.online {
		return nil
	}
	return h.remote
}

// GatewayLocal runs op on a gateway connected to this instance.
func (h *Hub) GatewayLocal(op GatewayOp) (GatewayResult, error) {
	var res GatewayResult
	var err error
	switch op.Kind {
	case "open":
		res.Deadline, err = h.openMatch(op.Gateway, op.Window)
	case "close":
		err = h.closeMatch(op.Gateway)
	case "new":
		res.Joined = h.newDevices(op.Gateway)
	case "added":
		h.added(op.Gateway, op.Sub)
	default:
		err = fmt.Errorf("unknown gateway operation %q", op.Kind)
	}
	return res, err
}

// SetRemote makes Send try r for a device that is not connected here.
func (h *Hub) SetRemote(r Remote) {
	h.mu.Lock()
	h.remote = r
	h.mu.Unlock()
}

// New returns an empty hub; now may be nil for time.Now.
func New(now func() time.Time) *Hub {
	if now == nil {
		now = time.Now
	}
	return &Hub{now: now, devices: map[Key]*device{}, subs: map[int]func(Event){}}
}

func (h *Hub) dev(k Key) *device {
	d := h.devices[k]
	if d == nil {
		d = &device{}
		h.devices[k] = d
	}
	return d
}

// Connect marks a device online, reached through ep.
func (h *Hub) Connect(k Key, ep Endpoint, ip string) {
	h.mu.Lock()
	d := h.dev(k)
	at := h.now() // taken under the lock: events may be delivered out of order, their times are not
	d.ep, d.online, d.ip, d.lastSeen = ep, true, ip, at
	h.mu.Unlock()
	h.publish(Event{Kind: EventOnline, Device: k, At: at, IP: ip})
}

// Disconnect marks a device offline; its endpoint is kept so that a
// reconnect with a nil endpoint can reuse it.
func (h *Hub) Disconnect(k Key) {
	h.mu.Lock()
	d := h.devices[k]
	was := d != nil && d.online
	at := h.now()
	if d != nil {
		d.online = false
		d.lastSeen = at
	}
	h.mu.Unlock()
	if was {
		h.publish(Event{Kind: EventOffline, Device: k, At: at})
	}
}

// Online reports whether the device is connected.
func (h *Hub) Online(k Key) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	d := h.devices[k]
	return d != nil && d.online
}

// LastSeen is when the device was last connected or disconnected, and from
// which address.
func (h *Hub) LastSeen(k Key) (time.Time, string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if d := h.devices[k]; d != nil {
		return d.lastSeen, d.ip
	}
	return time.Time{}, ""
}

// Send delivers a command (codes 65–199) and waits for the reply at most
// timeout. A device connected to another instance sharing the store is
// reached through the Remote, when one is set.
func (h *Hub) Send(ctx context.Context, k Key, code int, payload []byte, timeout time.Duration) (int, []byte, error) {
	return h.send(ctx, k, code, payload, timeout, true)
}

// SendLocal is Send to a device connected to this instance only (how an
// instance answers a Remote's request).
func (h *Hub) SendLocal(ctx context.Context, k Key, code int, payload []byte, timeout time.Duration) (int, []byte, error) {
	return h.send(ctx, k, code, payload, timeout, false)
}

func (h *Hub) send(ctx context.Context, k Key, code int, payload []byte, timeout time.Duration, remote bool) (int, []byte, error) {
	if code < MinCommandCode || code > MaxCommandCode {
		return 0, nil, ErrBadCode
	}
	h.mu.RLock()
	d := h.devices[k]
	var ep Endpoint
	online := d != nil && d.online
	if online {
		ep = d.ep
	}
	r := h.remote
	h.mu.RUnlock()
	ev := Event{Kind: EventCommand, Device: k, At: h.now(), Code: code, Payload: payload}
	if (!online || ep == nil) && remote && r != nil {
		c, reply, err := r.Send(ctx, k, code, payload, timeout)
		// The instance the device is connected to publishes the command
		// (and its Remote shares it); only a device nobody has is
		// recorded here.
		if errors.Is(err, ErrOffline) {
			ev.Result = "offline"
			h.publish(ev)
		}
		return c, reply, err
	}
	if !online || ep == nil {
		ev.Result = "offline"
		h.publish(ev)
		return 0, nil, ErrOffline
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		code  int
		reply []byte
		err   error
	}
	ch := make(chan answer, 1)
	go func() {
		c, r, err := ep.Deliver(ctx, code, payload)
		ch <- answer{c, r, err}
	}()
	select {
	case a := <-ch:
		switch {
		case a.err == nil && a.code == ReplyRefused:
			// An answer, but a refusal: history must not call it ok.
			ev.Result = "refused"
		case a.err == nil:
			ev.Result = "ok"
		case errors.Is(a.err, ErrOffline):
			ev.Result = "offline"
		case errors.Is(a.err, context.DeadlineExceeded):
			ev.Result, a.err = "timeout", ErrTimeout
		default:
			ev.Result = "error"
		}
		h.publish(ev)
		return a.code, a.reply, a.err
	case <-ctx.Done():
		ev.Result = "timeout"
		h.publish(ev)
		return 0, nil, ErrTimeout
	}
}

// Report records a message a device sent on its own (codes ≥ 200).
func (h *Hub) Report(k Key, code int, payload []byte) {
	h.mu.Lock()
	if d := h.devices[k]; d != nil {
		d.lastSeen = h.now()
	}
	h.mu.Unlock()
	h.publish(Event{Kind: EventReport, Device: k, At: h.now(), Code: code, Payload: payload})
}

// SetTimers hands a device its whole set of device timers. It is
// ErrOffline when the device is not connected (the caller keeps the set
// for the next EventOnline) and ErrNoTimers when its endpoint cannot keep
// timers.
func (h *Hub) SetTimers(k Key, tasks []DeviceTimer) error {
	h.mu.RLock()
	d := h.devices[k]
	var ep Endpoint
	if d != nil && d.online {
		ep = d.ep
	}
	h.mu.RUnlock()
	if ep == nil {
		return ErrOffline
	}
	th, ok := ep.(TimerHost)
	if !ok {
		return ErrNoTimers
	}
	// Called without the hub's lock: the device may report (and so
	// publish) while it takes its new set.
	return th.SetTimers(tasks)
}

// TimerFired publishes a device timer's firing (EventTimerFired). It is
// ErrOffline when the device is not connected: the device keeps the report
// and sends it after reconnecting.
func (h *Hub) TimerFired(k Key, f TimerFiring) error {
	h.mu.Lock()
	d := h.devices[k]
	if d == nil || !d.online {
		h.mu.Unlock()
		return ErrOffline
	}
	d.lastSeen = h.now()
	h.mu.Unlock()
	h.publish(Event{
		Kind: EventTimerFired, Device: k, At: f.At, Code: f.Code, Payload: f.Payload, Result: f.Result,
		TaskID: f.TaskID, Scheduled: f.Scheduled, ReplyCode: f.ReplyCode,
	})
	return nil
}

// OpenMatch opens a gateway's pairing window for d and returns its deadline
// (on the instance the gateway is connected to).
func (h *Hub) OpenMatch(gw Key, d time.Duration) (time.Time, error) {
	if r := h.remoteGateway(gw); r != nil {
		if res, err := r.Gateway(GatewayOp{Kind: "open", Gateway: gw, Window: d}); !errors.Is(err, ErrOffline) {
			return res.Deadline, err
		}
	}
	return h.openMatch(gw, d)
}

func (h *Hub) openMatch(gw Key, d time.Duration) (time.Time, error) {
	h.mu.Lock()
	dev := h.devices[gw]
	if dev == nil || !dev.online {
		h.mu.Unlock()
		return time.Time{}, ErrOffline
	}
	g, ok := dev.ep.(Gateway)
	if !ok {
		h.mu.Unlock()
		return time.Time{}, ErrNotGateway
	}
	deadline := h.now().Add(d)
	dev.deadline = deadline
	h.mu.Unlock()
	if err := g.OpenMatch(deadline); err != nil {
		return time.Time{}, err
	}
	h.publish(Event{Kind: EventMatchOpened, Device: gw, At: h.now()})
	return deadline, nil
}

// CloseMatch closes a gateway's pairing window early.
func (h *Hub) CloseMatch(gw Key) error {
	if r := h.remoteGateway(gw); r != nil {
		if _, err := r.Gateway(GatewayOp{Kind: "close", Gateway: gw}); !errors.Is(err, ErrOffline) {
			return err
		}
	}
	return h.closeMatch(gw)
}

func (h *Hub) closeMatch(gw Key) error {
	h.mu.Lock()
	dev := h.devices[gw]
	if dev == nil || !dev.online {
		h.mu.Unlock()
		return ErrOffline
	}
	g, ok := dev.ep.(Gateway)
	if !ok {
		h.mu.Unlock()
		return ErrNotGateway
	}
	dev.deadline = time.Time{}
	h.mu.Unlock()
	if err := g.CloseMatch(); err != nil {
		return err
	}
	h.publish(Event{Kind: EventMatchClosed, Device: gw, At: h.now()})
	return nil
}

// ExpireMatch is called by a gateway whose window reached deadline. If the
// hub still holds that deadline (no later OpenMatch moved it), the window is
// over and EventMatchClosed is published, so that subscribers learn of the
// end without keeping a timer of their own.
func (h *Hub) ExpireMatch(gw Key, deadline time.Time) bool {
	h.mu.Lock()
	d := h.devices[gw]
	if d == nil || d.deadline.IsZero() || !d.deadline.Equal(deadline) {
		h.mu.Unlock()
		return false
	}
	d.deadline = time.Time{}
	h.mu.Unlock()
	h.publish(Event{Kind: EventMatchClosed, Device: gw, At: h.now()})
	return true
}

// MatchDeadline is the end of a gateway's open window (zero when closed or
// expired).
func (h *Hub) MatchDeadline(gw Key) time.Time {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if d := h.devices[gw]; d != nil && h.now().Before(d.deadline) {
		return d.deadline
	}
	return time.Time{}
}

// Join is called by a gateway when a sub-device joins it. Joins outside an
// open window are refused with false.
func (h *Hub) Join(gw Key, sub Key) bool {
	h.mu.Lock()
	dev := h.devices[gw]
	if dev == nil || !h.now().Before(dev.deadline) {
		h.mu.Unlock()
		return false
	}
	if dev.joined == nil {
		dev.joined = map[Key]Joined{}
	}
	at := h.now()
	if _, dup := dev.joined[sub]; !dup {
		dev.joined[sub] = Joined{Device: sub, JoinedAt: at}
	}
	h.mu.Unlock()
	h.publish(Event{Kind: EventJoined, Device: sub, Gateway: gw, At: at})
	return true
}

// NewDevices lists sub-devices that joined gw and were not added yet,
// oldest first.
func (h *Hub) NewDevices(gw Key) []Joined {
	if r := h.remoteGateway(gw); r != nil {
		if res, err := r.Gateway(GatewayOp{Kind: "new", Gateway: gw}); err == nil {
			return res.Joined
		}
	}
	return h.newDevices(gw)
}

func (h *Hub) newDevices(gw Key) []Joined {
	h.mu.RLock()
	defer h.mu.RUnlock()
	d := h.devices[gw]
	if d == nil {
		return nil
	}
	out := make([]Joined, 0, len(d.joined))
	for _, j := range d.joined {
		out = append(out, j)
	}
	sortJoined(out)
	return out
}

// Added removes a sub-device from gw's new-device list (it was added, or
// evicted).
func (h *Hub) Added(gw Key, sub Key) {
	if r := h.remoteGateway(gw); r != nil {
		if _, err := r.Gateway(GatewayOp{Kind: "added", Gateway: gw, Sub: sub}); err == nil {
			return
		}
	}
	h.added(gw, sub)
}

func (h *Hub) added(gw Key, sub Key) {
	h.mu.Lock()
	if d := h.devices[gw]; d != nil {
		delete(d.joined, sub)
	}
	h.mu.Unlock()
}

// Subscribe calls fn for every event until cancel is called. fn runs on the
// goroutine that caused the event and must not block.
func (h *Hub) Subscribe(fn func(Event)) (cancel func()) {
	h.mu.Lock()
	id := h.nextSub
	h.nextSub++
	h.subs[id] = fn
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.subs, id)
		h.mu.Unlock()
	}
}

func (h *Hub) publish(e Event) {
	h.mu.RLock()
	fns := make([]func(Event), 0, len(h.subs))
	for _, f := range h.subs {
		fns = append(fns, f)
	}
	h.mu.RUnlock()
	for _, f := range fns {
		f(e)
	}
}
