package timer

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"acconsole/cloud/hub"
	"acconsole/models"
)

// Device timers (taskFlag 1) run on the device, from its own clock, so
// that they fire while the cloud is unreachable. The service hands each
// device its whole set of device timers whenever one of them is added,
// modified, started, stopped, deleted or frozen: a whole set rather than
// changes, so that a push is idempotent and can simply be repeated when
// the device reconnects (a device that rebooted may have lost its set; one
// that was offline missed the changes). A device that is offline when its
// set changes is marked pending and gets the set on its next EventOnline.
//
// The device reports each firing (hub.EventTimerFired), late if it was
// offline then; the history records it as "fired-by-device" with the
// device's own time of the firing. The scheduler still follows device
// timers: at each due instant it records "handed" unless the device has
// already reported that firing, and a report that comes later replaces the
// "handed" entry, so "handed" stays only for firings the device has not
// (yet) confirmed. A once task stops after its due instant as before.

// TimerHosts hands device timers to devices and tells of their firings;
// *hub.Hub implements it.
type TimerHosts interface {
	SetTimers(k hub.Key, tasks []hub.DeviceTimer) error
	Subscribe(fn func(hub.Event)) (cancel func())
}

// lateReport is how much later than its firing a device's report must
// arrive for the history to say it came late (after a reconnect).
const lateReport = 2 * time.Second

// hosting is the service's side of device timers.
type hosting struct {
	seed maphash.Seed
	// keyMu serialises pushes to one device, and each push reads the set
	// afresh under it, so the last push always carries the latest set
	// whatever the interleaving of requests.
	keyMu [64]sync.Mutex

	mu      sync.Mutex
	pending map[hub.Key]bool // its latest set has not reached the device
	hosted  map[hub.Key]bool // has device timers: a reconnect pushes them again
	queue   []hub.Key        // for the push worker
	queued  map[hub.Key]bool

	wake    chan struct{}
	syncReq chan chan struct{}
	quit    chan struct{}
	done    chan struct{}
	cancel  func()
	running bool
	// started is closed when hosting starts: PushNow waits for it.
	started chan struct{}
}

func newHosting() hosting {
	return hosting{
		seed: maphash.MakeSeed(), pending: map[hub.Key]bool{}, hosted: map[hub.Key]bool{}, queued: map[hub.Key]bool{},
		wake: make(chan struct{}, 1), syncReq: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
		started: make(chan struct{}),
	}
}

func (h *hosting) lockKey(k hub.Key) func() {
	var mh maphash.Hash
	mh.SetSeed(h.seed)
	mh.WriteString(k.SubDomain)
	mh.WriteByte(0)
	mh.WriteString(k.PhysicalID)
	m := &h.keyMu[mh.Sum64()%uint64(len(h.keyMu))]
	m.Lock()
	return m.Unlock
}

// startHosting subscribes to the hub, starts the push worker and queues a
// push for every device with device timers: devices that connected before
// the service started (or a fleet that was rebuilt with the cloud) have
// not got their sets yet.
func (s *Service) startHosting(ctx context.Context) error {
	if s.deps.Hosts == nil {
		return nil
	}
	h := &s.host
	h.cancel = s.deps.Hosts.Subscribe(s.onHubEvent)
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT sub_domain_name, physical_id FROM timer_tasks
		WHERE task_flag=1 AND status<>? AND physical_id<>''`, models.TaskFrozen)
	if err != nil {
		return fmt.Errorf("timer: load device timers: %w", err)
	}
	var keys []hub.Key
	for rows.Next() {
		var k hub.Key
		if err := rows.Scan(&k.SubDomain, &k.PhysicalID); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	h.mu.Lock()
	h.running = true
	for _, k := range keys {
		h.hosted[k] = true
		h.enqueueLocked(k)
	}
	h.mu.Unlock()
	go s.pushWorker()
	close(h.started)
	return nil
}

func (s *Service) closeHosting() {
	h := &s.host
	if h.cancel != nil {
		h.cancel()
	}
	h.mu.Lock()
	was := h.running
	h.running = false
	h.mu.Unlock()
	if was {
		close(h.quit)
		<-h.done
	}
}

// settleHosting returns once every queued push has been made.
func (s *Service) settleHosting() {
	h := &s.host
	h.mu.Lock()
	running := h.running
	h.mu.Unlock()
	if !running {
		return
	}
	ack := make(chan struct{})
	select {
	case h.syncReq <- ack:
		<-ack
	case <-h.done:
	}
}

func (h *hosting) enqueueLocked(k hub.Key) {
	if h.queued[k] {
		return
	}
	h.queued[k] = true
	h.queue = append(h.queue, k)
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// onHubEvent runs on the goroutine of the device's event and must not
// block: a reconnect only queues a push, and a firing report goes to the
// history writer.
func (s *Service) onHubEvent(e hub.Event) {
	switch e.Kind {
	case hub.EventOnline:
		h := &s.host
		h.mu.Lock()
		if h.running && (h.pending[e.Device] || h.hosted[e.Device]) {
			h.enqueueLocked(e.Device)
		}
		h.mu.Unlock()
	case hub.EventTimerFired:
		s.recordDeviceFiring(e)
	}
}

// PushNow hands device k, connected here, its set read afresh from the
// store, and returns once the device took or refused it (pushTimers's
// error): the set changed through another instance sharing the store,
// whose API call waits for this push before it answers. A service that
// has not started yet waits for its start (until ctx ends): a change made
// through another instance while this one starts reaches the device, and
// is acknowledged, rather than answered "offline". A service that is
// stopping pushes nothing and answers hub.ErrOffline: the device gets its
// set on its next connection.
func (s *Service) PushNow(ctx context.Context, k hub.Key) error {
	h := &s.host
	select {
	case <-h.started:
	case <-ctx.Done():
		return hub.ErrOffline
	}
	h.mu.Lock()
	running := h.running
	h.mu.Unlock()
	if !running {
		return hub.ErrOffline
	}
	return s.pushTimers(ctx, k)
}

// pushWorker makes the pushes that reconnects and the start asked for.
func (s *Service) pushWorker() {
	h := &s.host
	defer close(h.done)
	drain := func() {
		for {
			h.mu.Lock()
			if len(h.queue) == 0 || !h.running {
				h.queue = nil
				h.mu.Unlock()
				return
			}
			k := h.queue[0]
			h.queue = h.queue[1:]
			delete(h.queued, k)
			h.mu.Unlock()
			s.pushTimers(context.Background(), k)
		}
	}
	for {
		drain()
		select {
		case <-h.wake:
		case ack := <-h.syncReq:
			drain()
			close(ack)
		case <-h.quit:
			return
		}
	}
}

// pushTimers hands device k its current set of device timers. It is
// marked pending first and cleared only once the device took the set, so
// a device that comes online during the push (its EventOnline seeing the
// mark) is pushed again. It returns the error that kept the set from the
// device (logged here unless the device is offline), for PushNow to
// answer with.
func (s *Service) pushTimers(ctx context.Context, k hub.Key) error {
	if s.deps.Hosts == nil || k.PhysicalID == "" {
		return nil
	}
	h := &s.host
	defer h.lockKey(k)()
	h.mu.Lock()
	h.pending[k] = true
	h.mu.Unlock()
	set, err := s.deviceTimers(ctx, k)
	if err != nil {
		s.log.Error("timer: read device timers", "device", k, "err", err)
		return err // still pending: the next reconnect tries again
	}
	err = s.deps.Hosts.SetTimers(k, set)
	h.mu.Lock()
	if len(set) > 0 {
		h.hosted[k] = true
	} else {
		delete(h.hosted, k)
	}
	switch {
	case err == nil, errors.Is(err, hub.ErrNoTimers):
		// Delivered, or the endpoint keeps no timers (its firings are only
		// recorded as handed); a reconnect through another endpoint still
		// pushes, since the device stays hosted.
		delete(h.pending, k)
	case errors.Is(err, hub.ErrOffline):
		// Pending: pushed at the next EventOnline.
	default:
		s.log.Warn("timer: device refused its timers", "device", k, "err", err)
	}
	h.mu.Unlock()
	return err
}

// pushFor pushes the set of a task's device when the task is a device
// timer, before or after a change (flags: the flag it had or has).
func (s *Service) pushFor(ctx context.Context, r row, flags ...int) {
	for _, f := range append(flags, r.flag) {
		if f == 1 {
			s.pushTimers(ctx, r.key())
			return
		}
	}
}

func (r row) key() hub.Key { return hub.Key{SubDomain: r.subName, PhysicalID: r.physicalID} }

// deviceTimers is the set of device k: its device timers that are not
// frozen (a frozen task belongs to a device that was unbound, and the
// device must forget it), stopped ones included with Running false.
func (s *Service) deviceTimers(ctx context.Context, k hub.Key) ([]hub.DeviceTimer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, time_zone, time_point, time_cycle, message_code, payload, status FROM timer_tasks
		WHERE physical_id=? AND sub_domain_name=? AND task_flag=1 AND status<>? ORDER BY id`, k.PhysicalID, k.SubDomain, models.TaskFrozen)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := []hub.DeviceTimer{}
	for rows.Next() {
		var t hub.DeviceTimer
		var status int
		if err := rows.Scan(&t.TaskID, &t.TimeZone, &t.TimePoint, &t.TimeCycle, &t.MessageCode, &t.Payload, &status); err != nil {
			return nil, err
		}
		t.Running = status == models.TaskRunning
		set = append(set, t)
	}
	return set, rows.Err()
}

// recordDeviceFiring queues a device's firing report for the history
// writer, which matches it to its task (see writeDeviceFiring).
func (s *Service) recordDeviceFiring(e hub.Event) {
	if e.TaskID == 0 {
		return
	}
	received := s.clock.Now()
	at := e.At
	if at.IsZero() {
		at = received
	}
	detail := fmt.Sprintf("the device ran its timer: code %d (%d bytes); reply code %d", e.Code, len(e.Payload), e.ReplyCode)
	if e.Result != "" && e.Result != "ok" {
		detail = fmt.Sprintf("the device ran its timer but refused the command: code %d (%d bytes); reply code %d", e.Code, len(e.Payload), e.ReplyCode)
	}
	if late := received.Sub(at); late >= lateReport {
		detail += fmt.Sprintf("; reported %s later, after reconnecting", late.Round(time.Second))
	}
	scheduled := e.Scheduled
	if scheduled.IsZero() {
		scheduled = at
	}
	s.record(&record{
		taskID: e.TaskID, at: at, scheduled: scheduled, result: ResultFiredByDevice,
		replyCode: e.ReplyCode, detail: detail, device: e.Device,
	})
}

// backfillKeys fills the hub key of tasks stored before version 2 of the
// schema, from the device records that still exist.
func (s *Service) backfillKeys(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, device_id FROM timer_tasks WHERE physical_id=''`)
	if err != nil {
		return err
	}
	type ref struct{ id, device int64 }
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.device); err != nil {
			rows.Close()
			return err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keys := map[int64]hub.Key{}
	for _, r := range refs {
		k, ok := keys[r.device]
		if !ok {
			if dev, err := s.deps.Devices.Device(ctx, r.device); err == nil {
				k, _ = s.keyOf(dev)
			}
			keys[r.device] = k
		}
		if k.PhysicalID == "" {
			continue // the device is gone: its tasks are frozen and hand nothing
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE timer_tasks SET sub_domain_name=?, physical_id=? WHERE id=?`, k.SubDomain, k.PhysicalID, r.id); err != nil {
			return err
		}
	}
	return nil
}
