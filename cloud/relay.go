package cloud

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
)

// relay carries device commands between instances of the cloud that share
// one PostgreSQL database, over PostgreSQL's LISTEN/NOTIFY: a command for a
// device that is not connected here is announced on the schema's channel;
// the instance the device is connected to acknowledges it, sends it and
// notifies the reply. Each instance holds a shared advisory lock while it
// listens, so that an instance alone on the database answers "offline" at
// once instead of waiting for acknowledgements nobody will send.
type relay struct {
	hub      *hub.Hub
	db       *store.DB
	dsn      string
	channel  string
	lockKey  int32 // second half of the advisory lock; the first is relayLockClass
	instance string
	log      *slog.Logger

	mu      sync.Mutex
	pending map[string]chan relayMsg
	// events receives the events of devices connected to other instances
	// (the device history); outbox carries this instance's events out.
	events func(hub.Event)
	// upgrades starts an upgrade confirmed through another instance on a
	// device connected here; timers re-hands a device connected here its
	// device timers after another instance changed them, and returns once
	// the device took them (both nil until their services start).
	upgrades func(ctx context.Context, k hub.Key, otaType int, target, trigger string) error
	timers   func(ctx context.Context, k hub.Key) error
	// otaCatalog and otaSlot take the OTA notices of the other instances:
	// a version of a product was published, an automatic upgrade ended
	// (nil until the OTA service starts).
	otaCatalog func(ctx context.Context, subID int64)
	otaSlot    func(ctx context.Context)
	outbox     chan hub.Event
	unsub      func()
	eventsWG   sync.WaitGroup

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// relayLockClass is the first key of the instances' advisory lock ("acc0").
const relayLockClass = 0x61636330

// relayAckWait is how long a sender waits for an instance to say it has
// the device before it answers "offline", when not every other instance
// said it has not (one that died says nothing). A variable so that a test
// can show that an answer does not wait for it.
var relayAckWait = 2 * time.Second

// relayTimersWait is how long an API call that changed a device's timers
// waits for the instance the device is connected to to hand it the new
// set (after that instance acknowledged): the push is one store read and
// an exchange with the device, well under a second, so a few seconds
// cover a loaded store while an instance that stalls holds the app's call
// only briefly. Past it the task stays saved and the device gets its set
// on its next connection. A variable for the same reason as relayAckWait.
var relayTimersWait = 5 * time.Second

// relayMaxPayload keeps a notification under PostgreSQL's 8000-byte limit.
const relayMaxPayload = 5000

type relayMsg struct {
	Kind      string             `json:"k"` // cmd, gw, ota, otacat, otaslot, timers, ev, ack, nack, reply
	ID        string             `json:"id"`
	From      string             `json:"from,omitempty"`
	To        string             `json:"to,omitempty"`
	Sub       string             `json:"sub,omitempty"`
	PID       string             `json:"pid,omitempty"`
	Code      int                `json:"code,omitempty"`
	Payload   []byte             `json:"p,omitempty"`
	TimeoutMs int64              `json:"t,omitempty"`
	Err       string             `json:"err,omitempty"` // offline, timeout, or a message
	Event     *hub.Event         `json:"ev,omitempty"`
	Op        *hub.GatewayOp     `json:"op,omitempty"`
	Result    *hub.GatewayResult `json:"res,omitempty"`
	// An upgrade to start (ota); a reply's protocol error code is in Code.
	OTAType int    `json:"ot,omitempty"`
	Target  string `json:"tv,omitempty"`
	Trigger string `json:"tr,omitempty"`
	// The product whose firmware catalog changed (otacat).
	SubID int64 `json:"sid,omitempty"`
}

// errText and errFrom carry hub errors across instances.
func errText(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, hub.ErrOffline):
		return "offline"
	case errors.Is(err, hub.ErrTimeout):
		return "timeout"
	case errors.Is(err, hub.ErrNotGateway):
		return "notgateway"
	case errors.Is(err, hub.ErrNoTimers):
		return "notimers"
	}
	return err.Error()
}

func errFrom(s string) error {
	switch s {
	case "":
		return nil
	case "offline":
		return hub.ErrOffline
	case "timeout":
		return hub.ErrTimeout
	case "notgateway":
		return hub.ErrNotGateway
	case "notimers":
		return hub.ErrNoTimers
	}
	return errors.New(s)
}

func startRelay(ctx context.Context, h *hub.Hub, db *store.DB, log *slog.Logger) (*relay, error) {
	var schema string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	f := fnv.New32a()
	f.Write([]byte(schema))
	var id [8]byte
	_, _ = rand.Read(id[:])
	r := &relay{
		hub: h, db: db, dsn: db.DSN, channel: channelName(schema), lockKey: int32(f.Sum32() & 0x7fffffff),
		instance: hex.EncodeToString(id[:]), log: log, pending: map[string]chan relayMsg{}, done: make(chan struct{}),
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	conn, err := r.listen(ctx)
	if err != nil {
		return nil, err
	}
	go r.run(conn)
	return r, nil
}

// shareEvents sends this instance's device events to the other instances
// and hands theirs to sink. An event whose payload is too large for a
// notification, or that finds the outbox full, stays in this instance.
func (r *relay) shareEvents(sink func(hub.Event)) {
	r.mu.Lock()
	r.events = sink
	r.mu.Unlock()
	r.outbox = make(chan hub.Event, 4096)
	r.unsub = r.hub.Subscribe(func(e hub.Event) {
		if len(e.Payload) > relayMaxPayload {
			return
		}
		select {
		case r.outbox <- e:
		default:
		}
	})
	r.eventsWG.Add(1)
	go func() {
		defer r.eventsWG.Done()
		for {
			select {
			case <-r.ctx.Done():
				return
			case e := <-r.outbox:
				if err := r.notify(r.ctx, relayMsg{Kind: "ev", From: r.instance, Event: &e}); err != nil && r.ctx.Err() == nil {
					r.log.Warn("relay: share event", "err", err)
				}
			}
		}
	}()
}

// channelName is the notification channel of a schema: instances on other
// schemas of the same database never hear each other.
func channelName(schema string) string {
	var b strings.Builder
	b.WriteString("acconsole_")
	for _, c := range strings.ToLower(schema) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' {
			b.WriteRune(c)
		}
	}
	s := b.String()
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}

// listen opens the listening connection: LISTEN on the channel and the
// shared lock that counts this instance.
func (r *relay) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, r.dsn)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{r.channel}.Sanitize()); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("relay: listen: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1, $2)`, int32(relayLockClass), r.lockKey); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("relay: instance lock: %w", err)
	}
	// The session names the instance, so that the others can tell it is
	// still there (alive) as long as this connection is.
	if _, err := conn.Exec(ctx, `SELECT set_config('application_name', $1, false)`, r.sessionName(r.instance)); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("relay: instance name: %w", err)
	}
	return conn, nil
}

// run waits for notifications; when the connection breaks (PostgreSQL
// restarted) it reconnects, with a growing pause, until Close.
func (r *relay) run(conn *pgx.Conn) {
	defer close(r.done)
	pause := 100 * time.Millisecond
	for {
		for conn == nil {
			select {
			case <-r.ctx.Done():
				return
			case <-time.After(pause):
			}
			c, err := r.listen(r.ctx)
			if err != nil {
				r.log.Warn("relay: reconnect", "err", err)
				pause = min(2*pause, 5*time.Second)
				continue
			}
			conn, pause = c, 100*time.Millisecond
		}
		n, err := conn.WaitForNotification(r.ctx)
		if err != nil {
			conn.Close(context.Background())
			conn = nil
			if r.ctx.Err() != nil {
				return
			}
			r.log.Warn("relay: connection lost", "err", err)
			continue
		}
		var m relayMsg
		if json.Unmarshal([]byte(n.Payload), &m) != nil {
			continue
		}
		r.handle(m)
	}
}

func (r *relay) handle(m relayMsg) {
	switch m.Kind {
	case "cmd":
		k := hub.Key{SubDomain: m.Sub, PhysicalID: m.PID}
		r.serve(m, r.hub.Online(k), "command", func() relayMsg {
			timeout := time.Duration(m.TimeoutMs) * time.Millisecond
			code, reply, err := r.hub.SendLocal(context.Background(), k, m.Code, m.Payload, timeout)
			ans := relayMsg{Code: code, Payload: reply, Err: errText(err)}
			if len(ans.Payload) > relayMaxPayload {
				ans.Payload, ans.Err = nil, fmt.Sprintf("the device's reply (%d bytes) is too large to relay between instances", len(reply))
			}
			return ans
		})
	case "gw":
		r.serve(m, m.Op != nil && r.hub.Online(m.Op.Gateway), "gateway", func() relayMsg {
			res, err := r.hub.GatewayLocal(*m.Op)
			return relayMsg{Result: &res, Err: errText(err)}
		})
	case "ota":
		k := hub.Key{SubDomain: m.Sub, PhysicalID: m.PID}
		r.mu.Lock()
		start := r.upgrades
		r.mu.Unlock()
		r.serve(m, start != nil && r.hub.Online(k), "upgrade", func() relayMsg {
			var ans relayMsg
			if err := start(r.ctx, k, m.OTAType, m.Target, m.Trigger); err != nil {
				var pe *rpc.Error
				if errors.As(err, &pe) {
					ans.Code, ans.Err = pe.Code, pe.Msg
				} else {
					ans.Err = errText(err)
				}
			}
			return ans
		})
	case "timers":
		k := hub.Key{SubDomain: m.Sub, PhysicalID: m.PID}
		r.mu.Lock()
		push := r.timers
		r.mu.Unlock()
		// The push reads the store and waits for the device.
		r.serve(m, push != nil && r.hub.Online(k), "device timers", func() relayMsg {
			return relayMsg{Err: errText(push(r.ctx, k))}
		})
	case "otacat", "otaslot":
		r.mu.Lock()
		reload, slot := r.otaCatalog, r.otaSlot
		r.mu.Unlock()
		if m.From == r.instance || reload == nil || slot == nil {
			return
		}
		// Off the listener: both read the store.
		if m.Kind == "otacat" {
			go reload(r.ctx, m.SubID)
		} else {
			go slot(r.ctx)
		}
	case "ev":
		r.mu.Lock()
		sink := r.events
		r.mu.Unlock()
		if m.From != r.instance && m.Event != nil && sink != nil {
			sink(*m.Event)
		}
	case "ack", "nack", "reply":
		if m.To != r.instance {
			return
		}
		r.mu.Lock()
		ch := r.pending[m.ID]
		r.mu.Unlock()
		if ch != nil {
			select {
			case ch <- m:
			default:
			}
		}
	}
}

// serve answers request m of another instance: when this instance can
// serve it (here), with an acknowledgement at once and, off the listener,
// do's answer as the reply; otherwise with "not here".
func (r *relay) serve(m relayMsg, here bool, what string, do func() relayMsg) {
	if m.From == r.instance {
		return
	}
	if !here {
		r.notHere(m)
		return
	}
	go func() {
		_ = r.notify(context.Background(), relayMsg{Kind: "ack", ID: m.ID, To: m.From})
		ans := do()
		ans.Kind, ans.ID, ans.To = "reply", m.ID, m.From
		if err := r.notify(context.Background(), ans); err != nil {
			r.log.Warn("relay: "+what+" reply", "err", err)
		}
	}()
}

// notHere answers a request for a device that is not connected here, so
// that its sender, once every other instance said so, answers "offline"
// at once instead of after relayAckWait (off the listener: it writes to
// the store).
func (r *relay) notHere(m relayMsg) {
	go func() {
		if err := r.notify(context.Background(), relayMsg{Kind: "nack", ID: m.ID, To: m.From}); err != nil {
			r.log.Warn("relay: not here", "err", err)
		}
	}()
}

func (r *relay) notify(ctx context.Context, m relayMsg) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = r.db.DB.ExecContext(ctx, `SELECT pg_notify(?, ?)`, r.channel, string(raw))
	return err
}

// instances counts the instances listening on this schema.
func (r *relay) instances(ctx context.Context) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = ? AND objid = ? AND objsubid = 2`, int64(relayLockClass), int64(r.lockKey)).Scan(&n)
	return n, err
}

// Send reaches a device connected to another instance (hub.Remote).
func (r *relay) Send(ctx context.Context, k hub.Key, code int, payload []byte, timeout time.Duration) (int, []byte, error) {
	if len(payload) > relayMaxPayload {
		return 0, nil, fmt.Errorf("a payload of %d bytes is too large to relay to the instance the device is connected to (at most %d)", len(payload), relayMaxPayload)
	}
	a, err := r.request(ctx, relayMsg{Kind: "cmd", Sub: k.SubDomain, PID: k.PhysicalID, Code: code, Payload: payload, TimeoutMs: timeout.Milliseconds()}, timeout)
	if err != nil {
		return 0, nil, err
	}
	if err := errFrom(a.Err); err != nil {
		return 0, nil, err
	}
	return a.Code, a.Payload, nil
}

// Gateway runs a pairing operation on the instance the gateway is
// connected to (hub.Remote).
func (r *relay) Gateway(op hub.GatewayOp) (hub.GatewayResult, error) {
	a, err := r.request(r.ctx, relayMsg{Kind: "gw", Op: &op}, 10*time.Second)
	if err != nil {
		return hub.GatewayResult{}, err
	}
	if err := errFrom(a.Err); err != nil {
		return hub.GatewayResult{}, err
	}
	if a.Result == nil {
		return hub.GatewayResult{}, nil
	}
	return *a.Result, nil
}

// StartUpgrade starts an upgrade on the instance the device is connected
// to (ota.Elsewhere): hub.ErrOffline when none has it, that instance's
// protocol error when it refuses.
func (r *relay) StartUpgrade(ctx context.Context, k hub.Key, otaType int, target, trigger string) error {
	a, err := r.request(ctx, relayMsg{Kind: "ota", Sub: k.SubDomain, PID: k.PhysicalID, OTAType: otaType, Target: target, Trigger: trigger}, 10*time.Second)
	if err != nil {
		return err
	}
	if a.Code != 0 {
		return rpc.Errorf(a.Code, "%s", a.Err)
	}
	return errFrom(a.Err)
}

// pushTimers tells the other instances that device k's device timers
// changed and waits until the one it is connected to has handed it the
// set from the store: hub.ErrOffline when no instance has it (it gets its
// set when it connects), the device's refusal or hub.ErrTimeout otherwise.
func (r *relay) pushTimers(k hub.Key) error {
	a, err := r.request(r.ctx, relayMsg{Kind: "timers", Sub: k.SubDomain, PID: k.PhysicalID}, relayTimersWait)
	if err != nil {
		return err
	}
	return errFrom(a.Err)
}

// CatalogChanged tells the other instances that a firmware version of
// product subID was published (ota.Peers). Nobody answers.
func (r *relay) CatalogChanged(ctx context.Context, subID int64) error {
	return r.notify(ctx, relayMsg{Kind: "otacat", From: r.instance, SubID: subID})
}

// SlotFreed tells the other instances that an automatic upgrade ended
// here, freeing a rollout slot (ota.Peers). Nobody answers.
func (r *relay) SlotFreed(ctx context.Context) error {
	return r.notify(ctx, relayMsg{Kind: "otaslot", From: r.instance})
}

// sessionName is the application_name of an instance's listening session.
func (r *relay) sessionName(instance string) string { return "acconsole-" + instance }

// alive tells whether an instance sharing the store still runs: its
// listening session is open.
func (r *relay) alive(ctx context.Context, instance string) (bool, error) {
	if instance == r.instance {
		return true, nil
	}
	if instance == "" {
		return false, nil // recorded before instances were named
	}
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ?`, r.sessionName(instance)).Scan(&n)
	return n > 0, err
}

// request announces m to the other instances and waits for the reply of
// the one that has the device: ErrOffline when none acknowledges it (at
// once when this instance is alone on the schema), ErrTimeout when the
// reply does not come within timeout.
func (r *relay) request(ctx context.Context, m relayMsg, timeout time.Duration) (relayMsg, error) {
	n, err := r.instances(ctx)
	if err != nil {
		return relayMsg{}, err
	} else if n <= 1 {
		return relayMsg{}, hub.ErrOffline
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	m.ID, m.From = hex.EncodeToString(id[:]), r.instance
	// Room for every other instance's "not here" and the one reply.
	ch := make(chan relayMsg, n+3)
	r.mu.Lock()
	r.pending[m.ID] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.pending, m.ID)
		r.mu.Unlock()
	}()
	if err := r.notify(ctx, m); err != nil {
		return relayMsg{}, err
	}
	ack := time.NewTimer(min(relayAckWait, timeout))
	defer ack.Stop()
	// Without an acknowledgement nobody has the device (or its instance
	// died): offline. When every other instance said it does not have it,
	// that is known at once.
	var deadline <-chan time.Time
	notHere := 0
	for {
		select {
		case a := <-ch:
			if a.Kind == "nack" {
				if notHere++; notHere == n-1 && deadline == nil {
					return relayMsg{}, hub.ErrOffline
				}
				continue
			}
			if a.Kind == "ack" {
				ack.Stop()
				t := time.NewTimer(timeout + relayAckWait)
				defer t.Stop()
				deadline = t.C
				continue
			}
			return a, nil
		case <-ack.C:
			if deadline == nil {
				return relayMsg{}, hub.ErrOffline
			}
		case <-deadline:
			return relayMsg{}, hub.ErrTimeout
		case <-ctx.Done():
			return relayMsg{}, ctx.Err()
		}
	}
}

// Close stops listening; the instance's lock goes with the connection.
func (r *relay) Close() {
	if r.unsub != nil {
		r.unsub()
	}
	r.cancel()
	<-r.done
	r.eventsWG.Wait()
}
