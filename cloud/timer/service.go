// Package timer is the local cloud's zc-timer-task service (PROTOCOL §2.4,
// §3.5): timer tasks stored in SQLite and a scheduler that sends each cloud
// timer's command to its device when it falls due, with a per-task history
// of what happened (a local extension, listTaskHistory).
//
// Rules this package decides (also in PROTOCOL-EXTENSIONS.md):
//
//   - Access: the acting user must be bound to the device (3802). Any bound
//     user may list a device's tasks; only the task's creator or the
//     device's owner may change one (3005). A developer-signed call without
//     a user may list tasks and history (support console) but not change.
//   - timePoint is wall-clock time in timeZone; a task is scheduled from the
//     start of the current second, so a once task is expired (4401) when its
//     instant is before that.
//   - status 0 stopped, 1 running, 2 frozen. A once task stops (0) after its
//     firing. Frozen tasks cannot be started or stopped (4403); delete them.
//   - Unbinding (taskUpdatePolicy of the product, PROTOCOL §3.8): an owner's
//     unbind freezes every task of the device (the device record is gone;
//     freezing rather than deleting keeps the evidence for support). Policy
//     2: an ordinary user's unbind freezes that user's tasks on the device.
//     Policy 1 (and 0, unset): an ordinary user's unbind keeps them.
//   - taskMode of the product: 1 (cloud timers) refuses taskFlag 1, 2 (device
//     timers) refuses taskFlag 0; 0 (not configured on the local cloud)
//     accepts both.
//   - Firings are at most once: a firing is marked handled on disk before
//     its command is sent, so a crash never sends it twice. After downtime,
//     a missed firing less than Grace late runs once (the latest such one);
//     older ones are recorded as "missed".
//   - Device timers (taskFlag 1) are not sent: each device is handed its
//     whole set whenever it changes and fires them itself, connected or
//     not; its firing reports become "fired-by-device" entries (hosts.go).
package timer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/internal/clock"
	"acconsole/models"
)

// ServiceName is the wire name of the timer service.
const ServiceName = "zc-timer-task"

// Devices is what the service needs from zc-bind (cloud/devices).
type Devices interface {
	Device(ctx context.Context, deviceID int64) (models.Device, error)
	UserCanAccess(ctx context.Context, userID, deviceID int64) (owner, bound bool, err error)
}

// Products finds a device's product (taskMode, taskUpdatePolicy) and its
// sub-domain name; *platform.Platform implements it.
type Products interface {
	Product(subDomainID int64) (models.Product, bool)
	SubDomainByID(id int64) (rpc.SubDomain, bool)
}

// Sender delivers a command to a device; *hub.Hub implements it.
type Sender interface {
	Send(ctx context.Context, k hub.Key, code int, payload []byte, timeout time.Duration) (int, []byte, error)
}

// Users resolves creators' nick names for task objects; optional.
type Users interface {
	NickName(ctx context.Context, userID int64) (string, error)
}

// Deps are the parts of the cloud the service uses.
type Deps struct {
	DB       *store.DB
	Devices  Devices
	Products Products
	Sender   Sender
	Users    Users // nil: nickName is empty
	// Hosts hands device timers to their devices and reports their
	// firings (hosts.go); nil: device timers are only recorded as handed.
	Hosts TimerHosts
}

// Options tune the service.
type Options struct {
	// Clock is the time source; nil means the system clock.
	Clock clock.Clock
	// Grace is how late a firing missed during downtime may still run; 0
	// means DefaultGrace (60 s).
	Grace time.Duration
	// SendTimeout bounds the wait for a device's reply; 0 means 5 s.
	SendTimeout time.Duration
	// MaxSending caps commands in flight at once; 0 means 256.
	MaxSending int
	// HistoryKeep is how many history entries each task keeps; 0 means 200.
	HistoryKeep int
	// Resync, when more than 0, is how often the schedule is brought in
	// line with the store: for several instances sharing one database,
	// each schedules the tasks the others added, changed or removed, and
	// the claim in dispatch lets exactly one of them run each firing; an
	// instance that dies leaves its tasks to the others.
	Resync time.Duration
	Logger *slog.Logger
}

// Service serves zc-timer-task and runs the scheduler.
type Service struct {
	db    *store.DB
	deps  Deps
	opt   Options
	clock clock.Clock
	log   *slog.Logger
	sched *Scheduler

	// stripes serialise changes to one task (database row and scheduler
	// entry together), so that a modify and a stop racing on one task
	// cannot leave the scheduler disagreeing with the database.
	stripes [64]sync.Mutex

	resyncStop, resyncDone chan struct{}

	sem     chan struct{}
	sending sync.WaitGroup
	hist    chan histMsg
	histEnd chan struct{}
	// histMu guards histOpen: the channel is open between Start and Close,
	// and an unbind hook may race with Close.
	histMu   sync.RWMutex
	histOpen bool

	// host hands device timers to devices (hosts.go).
	host hosting

	startOnce sync.Once
	closeOnce sync.Once
}

// New builds the service; call Start to load the tasks and run the
// scheduler.
func New(d Deps, opt Options) (*Service, error) {
	if d.DB == nil || d.Devices == nil || d.Products == nil || d.Sender == nil {
		return nil, errors.New("timer: DB, Devices, Products and Sender are required")
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real()
	}
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = 5 * time.Second
	}
	if opt.MaxSending <= 0 {
		opt.MaxSending = 256
	}
	if opt.HistoryKeep <= 0 {
		opt.HistoryKeep = 200
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Service{
		db: d.DB, deps: d, opt: opt, clock: opt.Clock, log: opt.Logger,
		sem: make(chan struct{}, opt.MaxSending), hist: make(chan histMsg, 4096), histEnd: make(chan struct{}),
		host: newHosting(),
	}
	s.sched = NewScheduler(SchedulerOptions{Clock: opt.Clock, Grace: opt.Grace, Dispatch: s.dispatch})
	return s, nil
}

// Scheduler is the service's scheduler (for tests and status pages).
func (s *Service) Scheduler() *Scheduler { return s.sched }

// Register registers zc-timer-task v1. Wire names are CONFIRMED (AND-TMR)
// except listTaskHistory, a local extension.
func (s *Service) Register(reg *rpc.Registry) {
	// Every method names a device the acting user must be bound to
	// (RuleBound); a task is changed only by its creator or the device's
	// owner (RuleOwner, 3005 for other users of the device).
	h := func(name string, auth rpc.Auth, rule rpc.Rule, mutating bool, fn rpc.Func, aliases ...string) {
		reg.Handle(ServiceName, 1, name, rpc.Method{Auth: auth, Rule: rule, Handler: fn, Mutating: mutating}, aliases...)
	}
	bound, owner := rpc.RuleBound, rpc.RuleOwner
	h("addTask", rpc.AuthUser, bound, true, s.apiAddTask)
	h("modifyTask", rpc.AuthUser, owner, true, s.apiModifyTask)
	h("deleteTask", rpc.AuthUser, owner, true, s.apiDeleteTask)
	// Android names them closeTask/openTask; accepting both costs nothing.
	h("stopTask", rpc.AuthUser, owner, true, s.apiStopTask, "closeTask")
	h("startTask", rpc.AuthUser, owner, true, s.apiStartTask, "openTask")
	h("listTasks", rpc.AuthAny, bound, false, s.apiListTasks)
	// Local extension, not part of AbleCloud.
	h("listTaskHistory", rpc.AuthAny, bound, false, s.apiListTaskHistory)
}

// Start loads the running tasks, schedules them from where they were left
// (firings missed while the cloud was down are caught up by the Grace
// rule), starts the scheduler and the history writer, and hands the
// device timers to their devices.
func (s *Service) Start(ctx context.Context) error {
	var err error
	s.startOnce.Do(func() {
		if err = s.backfillKeys(ctx); err != nil {
			err = fmt.Errorf("timer: device keys: %w", err)
			return
		}
		err = s.load(ctx)
		if err != nil {
			return
		}
		s.histMu.Lock()
		s.histOpen = true
		s.histMu.Unlock()
		go s.historyWriter()
		// Before the scheduler runs, so a task of a removed device never
		// fires once more (and with the history open, so the freeze is
		// recorded).
		if err = s.freezeOrphans(ctx); err != nil {
			err = fmt.Errorf("timer: freeze tasks of removed devices: %w", err)
			return
		}
		s.sched.Start()
		if s.opt.Resync > 0 {
			s.resyncStop = make(chan struct{})
			s.resyncDone = make(chan struct{})
			go s.resyncLoop()
		}
		// After the history writer: firing reports may come at once.
		err = s.startHosting(ctx)
	})
	return err
}

func (s *Service) resyncLoop() {
	defer close(s.resyncDone)
	t := time.NewTicker(s.opt.Resync)
	defer t.Stop()
	for {
		select {
		case <-s.resyncStop:
			return
		case <-t.C:
			if err := s.Resync(context.Background()); err != nil {
				s.log.Warn("timer: resync with the store", "err", err)
			}
		}
	}
}

// Resync brings the schedule in line with the store: running tasks this
// instance does not hold (or holds at an older version) are scheduled from
// their restart point, and tasks no longer running are dropped.
func (s *Service) Resync(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, version FROM timer_tasks WHERE status = ?`, models.TaskRunning)
	if err != nil {
		return err
	}
	running := map[int64]uint64{}
	for rows.Next() {
		var id, version int64
		if err := rows.Scan(&id, &version); err != nil {
			rows.Close()
			return err
		}
		running[id] = uint64(version)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	have := s.sched.Gens()
	for id, v := range running {
		if g, ok := have[id]; !ok || g != v {
			if err := s.refresh(ctx, id); err != nil {
				return err
			}
		}
	}
	for id := range have {
		if _, ok := running[id]; !ok {
			if err := s.refresh(ctx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// refresh reschedules one task from its stored row, under the task's lock
// so that a change made through this instance at the same time wins.
func (s *Service) refresh(ctx context.Context, id int64) error {
	unlock := s.lock(id)
	defer unlock()
	var version, handled int64
	var status int
	var sp Spec
	err := s.db.QueryRowContext(ctx, `SELECT version, status, time_zone, time_point, time_cycle, handled_ms FROM timer_tasks WHERE id=?`, id).
		Scan(&version, &status, &sp.TimeZone, &sp.TimePoint, &sp.TimeCycle, &handled)
	if store.IsNoRows(err) || (err == nil && status != models.TaskRunning) {
		s.sched.Remove(id)
		return nil
	}
	if err != nil {
		return err
	}
	if s.sched.Valid(id, uint64(version)) {
		return nil
	}
	if err := s.sched.Schedule(id, uint64(version), sp, time.UnixMilli(handled)); err != nil && !errors.Is(err, ErrNoFiring) {
		s.log.Warn("timer task does not parse; left unscheduled", "task", id, "err", err)
	}
	return nil
}

func (s *Service) load(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, version, time_zone, time_point, time_cycle, handled_ms FROM timer_tasks WHERE status = ?`, models.TaskRunning)
	if err != nil {
		return fmt.Errorf("timer: load tasks: %w", err)
	}
	var done []int64
	for rows.Next() {
		var id, version, handled int64
		var sp Spec
		if err := rows.Scan(&id, &version, &sp.TimeZone, &sp.TimePoint, &sp.TimeCycle, &handled); err != nil {
			rows.Close()
			return err
		}
		switch err := s.sched.Schedule(id, uint64(version), sp, time.UnixMilli(handled)); {
		case errors.Is(err, ErrNoFiring):
			// A once task whose firing was claimed just before a stop.
			done = append(done, id)
		case err != nil:
			s.log.Warn("timer task does not parse; left unscheduled", "task", id, "err", err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range done {
		if _, err := s.db.ExecContext(ctx, `UPDATE timer_tasks SET status=? WHERE id=? AND status=?`, models.TaskStopped, id, models.TaskRunning); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the scheduler, waits for commands in flight and writes the
// last history entries.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		if s.resyncStop != nil {
			close(s.resyncStop)
			<-s.resyncDone
		}
		s.closeHosting()
		s.sched.Close()
		s.sending.Wait()
		s.histMu.Lock()
		wasOpen := s.histOpen
		s.histOpen = false
		if wasOpen {
			close(s.hist)
		}
		s.histMu.Unlock()
		if wasOpen {
			<-s.histEnd
		}
	})
}

// Settle returns once everything due at the clock's current time has been
// sent and recorded, and every queued push of device timers made. Tests
// call it after moving a fake clock.
func (s *Service) Settle() {
	s.sched.Settle()
	s.sending.Wait()
	s.settleHosting()
	ack := make(chan struct{})
	s.histMu.RLock()
	open := s.histOpen
	if open {
		s.hist <- histMsg{ack: ack}
	}
	s.histMu.RUnlock()
	if open {
		<-ack
	}
}

func (s *Service) lock(id int64) func() {
	m := &s.stripes[uint64(id)%uint64(len(s.stripes))]
	m.Lock()
	return m.Unlock
}

// row is a stored task.
type row struct {
	id, domainID, deviceID, subDomainID, userID int64
	flag                                        int
	name, desc, zone, point, cycle              string
	code                                        int
	payload                                     []byte
	status                                      int
	frozenReason                                string
	createMs, modifyMs, handledMs, version      int64
	subName, physicalID                         string // the device's hub key
}

const rowCols = `id, domain_id, device_id, sub_domain_id, user_id, task_flag, name, description, time_zone, time_point, time_cycle,
	message_code, payload, status, frozen_reason, create_ms, modify_ms, handled_ms, version, sub_domain_name, physical_id`

func scanRow(sc interface{ Scan(...any) error }) (row, error) {
	var r row
	err := sc.Scan(&r.id, &r.domainID, &r.deviceID, &r.subDomainID, &r.userID, &r.flag, &r.name, &r.desc, &r.zone, &r.point, &r.cycle,
		&r.code, &r.payload, &r.status, &r.frozenReason, &r.createMs, &r.modifyMs, &r.handledMs, &r.version, &r.subName, &r.physicalID)
	if r.payload == nil {
		// An empty BLOB reads back as nil, which would be written back as
		// NULL into payload NOT NULL: a task without command bytes keeps an
		// empty command.
		r.payload = []byte{}
	}
	return r, err
}

func (r row) spec() Spec { return Spec{TimeZone: r.zone, TimePoint: r.point, TimeCycle: r.cycle} }

// taskType is the §3.5 echo of the timer kind (recommended values).
func taskType(flag int) string {
	if flag == 1 {
		return "device"
	}
	return "cloud"
}

func (r row) task(nick string) models.TimerTask {
	return models.TimerTask{
		TaskID: r.id, TaskType: taskType(r.flag), UserID: r.userID, NickName: nick,
		Name: r.name, Description: r.desc, TimeZone: r.zone, TimePoint: r.point, TimeCycle: r.cycle,
		CreateTime: models.FormatTime(time.UnixMilli(r.createMs)), ModifyTime: models.FormatTime(time.UnixMilli(r.modifyMs)),
		Status: r.status, DeviceID: r.deviceID, MessageCode: r.code, TaskFlag: r.flag,
	}
}

func (s *Service) nick(ctx context.Context, cache map[int64]string, uid int64) string {
	if s.deps.Users == nil || uid == 0 {
		return ""
	}
	if n, ok := cache[uid]; ok {
		return n
	}
	n, err := s.deps.Users.NickName(ctx, uid)
	if err != nil {
		n = ""
	}
	cache[uid] = n
	return n
}

// refInstant is the instant tasks are scheduled from: the start of the
// current second (timePoints have whole seconds), less a nanosecond because
// firings are taken strictly after it.
func refInstant(now time.Time) time.Time { return now.Truncate(time.Second).Add(-time.Nanosecond) }

// resumeFrom is where a modified or restarted task is scheduled from: the
// current second, but never at or before a firing already handled, so that
// a start or an edit in the second a task fired does not fire it again.
func (r row) resumeFrom(now time.Time) time.Time {
	ref := refInstant(now)
	if h := time.UnixMilli(r.handledMs); h.After(ref) {
		return h
	}
	return ref
}

// access checks that the acting user is bound to the device and returns
// the device and whether the user owns it.
func (s *Service) access(c *rpc.Call, uid, deviceID int64) (models.Device, bool, error) {
	owner, bound, err := s.deps.Devices.UserCanAccess(c.Ctx, uid, deviceID)
	if err != nil {
		return models.Device{}, false, passError(err, deviceID)
	}
	if !owner && !bound {
		return models.Device{}, false, rpc.Errorf(models.ErrDeviceAbsent, "device %d does not exist or is not bound to user %d", deviceID, uid)
	}
	dev, err := s.deps.Devices.Device(c.Ctx, deviceID)
	if err != nil {
		return models.Device{}, false, passError(err, deviceID)
	}
	return dev, owner, nil
}

// passError keeps protocol errors from the device service and turns
// anything else into "device does not exist" when it says not-found, or an
// internal error.
func passError(err error, deviceID int64) error {
	var pe *rpc.Error
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, sql.ErrNoRows) {
		return rpc.Errorf(models.ErrDeviceAbsent, "device %d does not exist", deviceID)
	}
	return err
}

// input is a validated task as a request describes it.
type input struct {
	flag                           int
	zone, point, cycle, name, desc string
	code                           int
}

const (
	maxName = 128
	maxDesc = 1024
)

// parseInput reads and validates the task keys. For modifyTask (old !=
// nil) a missing key keeps the stored value; for addTask the schedule keys
// and messageCode are required.
func parseInput(c *rpc.Call, old *row) (input, error) {
	var in input
	if old != nil {
		in = input{flag: old.flag, zone: old.zone, point: old.point, cycle: old.cycle, name: old.name, desc: old.desc, code: old.code}
	}
	if v, ok, err := c.Int64("taskFlag"); err != nil {
		return in, err
	} else if ok {
		if v != 0 && v != 1 {
			return in, rpc.Errorf(models.ErrInvalidParam, "taskFlag must be 0 (cloud timer) or 1 (device timer), not %d", v)
		}
		in.flag = int(v)
	}
	str := func(key string, dst *string, required bool) error {
		v, ok, err := c.String(key)
		if err != nil {
			return err
		}
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			if required && (old == nil || *dst == "") {
				return rpc.Errorf(models.ErrInvalidParam, "%s is required", key)
			}
			return nil
		}
		*dst = v
		return nil
	}
	if err := str("timeZone", &in.zone, true); err != nil {
		return in, err
	}
	if _, err := models.LoadZone(in.zone); err != nil {
		return in, rpc.Errorf(models.ErrInvalidParam, "timeZone: %v", err)
	}
	if err := str("timePoint", &in.point, true); err != nil {
		return in, err
	}
	if _, _, err := models.ParseTimePoint(in.point, in.zone); err != nil {
		return in, rpc.Errorf(models.ErrInvalidParam, "timePoint: %v", err)
	}
	if err := str("timeCycle", &in.cycle, true); err != nil {
		return in, err
	}
	cyc, err := models.ParseTimeCycle(in.cycle)
	if err != nil {
		return in, rpc.Errorf(models.ErrInvalidParam, "timeCycle: %v", err)
	}
	in.cycle = cyc.String() // canonical ASCII form, e.g. "week[1,5]"
	if v, ok, err := c.Int64("messageCode"); err != nil {
		return in, err
	} else if ok {
		if v < hub.MinCommandCode || v > hub.MaxCommandCode {
			return in, rpc.Errorf(models.ErrInvalidParam, "messageCode %d is out of range: device commands use codes %d–%d", v, hub.MinCommandCode, hub.MaxCommandCode)
		}
		in.code = int(v)
	} else if old == nil {
		return in, rpc.Errorf(models.ErrInvalidParam, "messageCode is required (a device command code, %d–%d)", hub.MinCommandCode, hub.MaxCommandCode)
	}
	text := func(key string, dst *string, limit int) error {
		v, ok, err := c.String(key)
		if err != nil || !ok {
			return err
		}
		if !utf8.ValidString(v) {
			return rpc.Errorf(models.ErrInvalidParam, "%s is not valid UTF-8", key)
		}
		if n := utf8.RuneCountInString(v); n > limit {
			return rpc.Errorf(models.ErrInvalidParam, "%s is %d characters long; at most %d", key, n, limit)
		}
		*dst = v
		return nil
	}
	if err := text("name", &in.name, maxName); err != nil {
		return in, err
	}
	if err := text("description", &in.desc, maxDesc); err != nil {
		return in, err
	}
	return in, nil
}

// checkMode applies the product's taskMode (PROTOCOL §3.8).
func (s *Service) checkMode(dev models.Device, flag int) error {
	p, ok := s.deps.Products.Product(dev.SubDomainID)
	if !ok {
		return nil
	}
	switch {
	case p.TaskMode == 1 && flag == 1:
		return rpc.Errorf(models.ErrInvalidParam, "product %s runs cloud timers only (taskMode 1): use taskFlag 0", p.SubDomainName)
	case p.TaskMode == 2 && flag == 0:
		return rpc.Errorf(models.ErrInvalidParam, "product %s runs device timers only (taskMode 2): use taskFlag 1", p.SubDomainName)
	}
	return nil
}

// expired is the 4401 answer for a once task whose instant has passed.
func expired(in input, now time.Time) error {
	return rpc.Errorf(models.ErrTaskExpired, "task expired: timePoint %s (%s) has passed (now %s there); a once task needs a time in the future",
		in.point, in.zone, nowIn(now, in.zone))
}

func nowIn(now time.Time, zone string) string {
	if loc, err := models.LoadZone(zone); err == nil {
		return now.In(loc).Format(models.TimeLayout)
	}
	return now.UTC().Format(models.TimeLayout) + " UTC"
}

func (s *Service) apiAddTask(c *rpc.Call) (any, error) {
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	deviceID, err := c.MustInt64("deviceId")
	if err != nil {
		return nil, err
	}
	in, err := parseInput(c, nil)
	if err != nil {
		return nil, err
	}
	dev, _, err := s.access(c, uid, deviceID)
	if err != nil {
		return nil, err
	}
	if err := s.checkMode(dev, in.flag); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ref := refInstant(now)
	sp := Spec{TimeZone: in.zone, TimePoint: in.point, TimeCycle: in.cycle}
	if _, ok, err := sp.next(ref); err != nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "%v", err)
	} else if !ok {
		return nil, expired(in, now)
	}
	payload := c.Payload
	if payload == nil {
		payload = []byte{}
	}
	key, _ := s.keyOf(dev) // an unknown product leaves it empty: nothing to hand
	r := row{
		domainID: c.MajorDomain.ID, deviceID: deviceID, subDomainID: dev.SubDomainID, userID: uid, flag: in.flag,
		name: in.name, desc: in.desc, zone: in.zone, point: in.point, cycle: in.cycle, code: in.code, payload: payload,
		status: models.TaskRunning, createMs: now.UnixMilli(), modifyMs: now.UnixMilli(), handledMs: ref.UnixMilli(), version: 1,
		subName: key.SubDomain, physicalID: key.PhysicalID,
	}
	// One statement: nothing is read and decided, so no transaction.
	err = s.db.WriteRow(c.Ctx, `INSERT INTO timer_tasks(domain_id, device_id, sub_domain_id, user_id, task_flag, name, description,
		time_zone, time_point, time_cycle, message_code, payload, status, create_ms, modify_ms, handled_ms, version, sub_domain_name, physical_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		[]any{r.domainID, r.deviceID, r.subDomainID, r.userID, r.flag, r.name, r.desc, r.zone, r.point, r.cycle, r.code, r.payload,
			r.status, r.createMs, r.modifyMs, r.handledMs, r.version, r.subName, r.physicalID}, &r.id)
	if err != nil {
		return nil, err
	}
	unlock := s.lock(r.id)
	err = s.sched.Schedule(r.id, uint64(r.version), sp, ref)
	unlock()
	if err != nil && !errors.Is(err, ErrNoFiring) {
		s.log.Error("timer: schedule new task", "task", r.id, "err", err)
	}
	// Pushed before the answer, so that the device holds its new timer
	// when the app shows it; the request's cancellation must not stop it.
	s.pushFor(context.WithoutCancel(c.Ctx), r)
	return map[string]any{"task": r.task(s.nick(c.Ctx, map[int64]string{}, uid))}, nil
}

// loadTask reads task taskID of device deviceID in the caller's domain.
func (s *Service) loadTask(c *rpc.Call, deviceID, taskID int64) (row, error) {
	r, err := scanRow(s.db.QueryRowContext(c.Ctx, `SELECT `+rowCols+` FROM timer_tasks WHERE id=?`, taskID))
	if err != nil {
		if store.IsNoRows(err) {
			return r, rpc.Errorf(models.ErrTaskAbsent, "task %d does not exist", taskID)
		}
		return r, err
	}
	if r.deviceID != deviceID || r.domainID != c.MajorDomain.ID {
		return r, rpc.Errorf(models.ErrTaskAbsent, "task %d does not exist on device %d", taskID, deviceID)
	}
	return r, nil
}

// changeable loads a task for a change by the acting user: bound to the
// device, and its creator or the device's owner.
func (s *Service) changeable(c *rpc.Call) (row, models.Device, error) {
	uid, err := c.RequireUser()
	if err != nil {
		return row{}, models.Device{}, err
	}
	deviceID, err := c.MustInt64("deviceId")
	if err != nil {
		return row{}, models.Device{}, err
	}
	taskID, err := c.MustInt64("taskId")
	if err != nil {
		return row{}, models.Device{}, err
	}
	dev, owner, err := s.access(c, uid, deviceID)
	if err != nil {
		return row{}, dev, err
	}
	r, err := s.loadTask(c, deviceID, taskID)
	if err != nil {
		return r, dev, err
	}
	if r.userID != uid && !owner {
		return r, dev, rpc.Errorf(models.ErrNoPermission, "task %d belongs to user %d: only its creator or the device's owner may change it", taskID, r.userID)
	}
	return r, dev, nil
}

func (s *Service) apiModifyTask(c *rpc.Call) (any, error) {
	taskID, err := c.MustInt64("taskId")
	if err != nil {
		return nil, err
	}
	defer s.lock(taskID)()
	r, dev, err := s.changeable(c)
	if err != nil {
		return nil, err
	}
	if r.status == models.TaskFrozen {
		return nil, frozenError(r)
	}
	in, err := parseInput(c, &r)
	if err != nil {
		return nil, err
	}
	if err := s.checkMode(dev, in.flag); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ref := r.resumeFrom(now)
	sp := Spec{TimeZone: in.zone, TimePoint: in.point, TimeCycle: in.cycle}
	if _, ok, err := sp.next(ref); err != nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "%v", err)
	} else if !ok && r.status == models.TaskRunning {
		return nil, expired(in, now)
	}
	payload := r.payload
	if len(c.Payload) > 0 {
		payload = c.Payload // an empty body keeps the old command (Android sends none)
	}
	version := r.version + 1
	_, err = s.db.ExecContext(c.Ctx, `UPDATE timer_tasks SET task_flag=?, name=?, description=?, time_zone=?, time_point=?, time_cycle=?,
		message_code=?, payload=?, modify_ms=?, handled_ms=?, version=? WHERE id=?`,
		in.flag, in.name, in.desc, in.zone, in.point, in.cycle, in.code, payload, now.UnixMilli(), ref.UnixMilli(), version, r.id)
	if err != nil {
		return nil, err
	}
	if r.status == models.TaskRunning {
		if err := s.sched.Schedule(r.id, uint64(version), sp, ref); err != nil && !errors.Is(err, ErrNoFiring) {
			s.log.Error("timer: reschedule task", "task", r.id, "err", err)
		}
	}
	// A change of taskFlag moves the task onto or off the device.
	s.pushFor(context.WithoutCancel(c.Ctx), r, in.flag)
	return struct{}{}, nil
}

func frozenError(r row) error {
	why := r.frozenReason
	if why == "" {
		why = "its device was unbound"
	}
	return rpc.Errorf(models.ErrTaskStateInvalid, "task %d is frozen (%s): delete it and create a new one", r.id, why)
}

func (s *Service) apiDeleteTask(c *rpc.Call) (any, error) {
	taskID, err := c.MustInt64("taskId")
	if err != nil {
		return nil, err
	}
	defer s.lock(taskID)()
	r, _, err := s.changeable(c)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(c.Ctx, `DELETE FROM timer_history WHERE task_id=?`, r.id); err != nil {
			return err
		}
		_, err := tx.ExecContext(c.Ctx, `DELETE FROM timer_tasks WHERE id=?`, r.id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.sched.Remove(r.id)
	s.pushFor(context.WithoutCancel(c.Ctx), r)
	return struct{}{}, nil
}

func (s *Service) apiStopTask(c *rpc.Call) (any, error) {
	taskID, err := c.MustInt64("taskId")
	if err != nil {
		return nil, err
	}
	defer s.lock(taskID)()
	r, _, err := s.changeable(c)
	if err != nil {
		return nil, err
	}
	switch r.status {
	case models.TaskStopped:
		return nil, rpc.Errorf(models.ErrTaskStateInvalid, "task %d is already stopped", r.id)
	case models.TaskFrozen:
		return nil, frozenError(r)
	}
	now := s.clock.Now()
	if _, err := s.db.ExecContext(c.Ctx, `UPDATE timer_tasks SET status=?, modify_ms=?, version=version+1 WHERE id=?`, models.TaskStopped, now.UnixMilli(), r.id); err != nil {
		return nil, err
	}
	s.sched.Remove(r.id)
	s.pushFor(context.WithoutCancel(c.Ctx), r)
	return struct{}{}, nil
}

func (s *Service) apiStartTask(c *rpc.Call) (any, error) {
	taskID, err := c.MustInt64("taskId")
	if err != nil {
		return nil, err
	}
	defer s.lock(taskID)()
	r, _, err := s.changeable(c)
	if err != nil {
		return nil, err
	}
	switch r.status {
	case models.TaskRunning:
		return nil, rpc.Errorf(models.ErrTaskStateInvalid, "task %d is already running", r.id)
	case models.TaskFrozen:
		return nil, frozenError(r)
	}
	now := s.clock.Now()
	ref := r.resumeFrom(now)
	if _, ok, err := r.spec().next(ref); err != nil {
		return nil, rpc.Errorf(models.ErrInvalidParam, "task %d: %v", r.id, err)
	} else if !ok {
		return nil, expired(input{zone: r.zone, point: r.point}, now)
	}
	version := r.version + 1
	if _, err := s.db.ExecContext(c.Ctx, `UPDATE timer_tasks SET status=?, modify_ms=?, handled_ms=?, version=? WHERE id=?`,
		models.TaskRunning, now.UnixMilli(), ref.UnixMilli(), version, r.id); err != nil {
		return nil, err
	}
	if err := s.sched.Schedule(r.id, uint64(version), r.spec(), ref); err != nil && !errors.Is(err, ErrNoFiring) {
		s.log.Error("timer: schedule started task", "task", r.id, "err", err)
	}
	s.pushFor(context.WithoutCancel(c.Ctx), r)
	return struct{}{}, nil
}

// readable checks read access: a developer without a user may read any
// device; a user must be bound to it.
func (s *Service) readable(c *rpc.Call) (int64, error) {
	deviceID, err := c.MustInt64("deviceId")
	if err != nil {
		return 0, err
	}
	if c.UserID == 0 {
		if c.Developer == nil {
			return 0, rpc.Errorf(models.ErrBadHeader, "this method acts for a user: sign as the user or send X-Zc-User-Id")
		}
		return deviceID, nil
	}
	owner, bound, err := s.deps.Devices.UserCanAccess(c.Ctx, c.UserID, deviceID)
	if err != nil {
		return 0, passError(err, deviceID)
	}
	if !owner && !bound {
		return 0, rpc.Errorf(models.ErrDeviceAbsent, "device %d does not exist or is not bound to user %d", deviceID, c.UserID)
	}
	return deviceID, nil
}

func (s *Service) apiListTasks(c *rpc.Call) (any, error) {
	deviceID, err := s.readable(c)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(c.Ctx, `SELECT `+rowCols+` FROM timer_tasks WHERE device_id=? AND domain_id=? ORDER BY id`, deviceID, c.MajorDomain.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tasks := []models.TimerTask{}
	nicks := map[int64]string{}
	var rs []row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for _, r := range rs {
		tasks = append(tasks, r.task(s.nick(c.Ctx, nicks, r.userID)))
	}
	return map[string]any{"tasks": tasks}, nil
}

// HistoryEntry is one line of listTaskHistory (local extension).
type HistoryEntry struct {
	At           string `json:"at"`
	ScheduledFor string `json:"scheduledFor"`
	Result       string `json:"result"`
	ReplyCode    int    `json:"replyCode"`
	Detail       string `json:"detail"`
	LateMs       int64  `json:"lateMs"`
}

// History results.
const (
	ResultOK      = "ok"
	ResultOffline = "offline"
	ResultTimeout = "timeout"
	ResultError   = "error"
	ResultMissed  = "missed"
	ResultHanded  = "handed" // a device timer due, not (yet) reported by its device
	ResultFrozen  = "frozen" // not a firing: the task was frozen by an unbind
	// ResultFiredByDevice is a device timer's firing as its device
	// reported it (hosts.go).
	ResultFiredByDevice = "fired-by-device"
)

func (s *Service) apiListTaskHistory(c *rpc.Call) (any, error) {
	deviceID, err := s.readable(c)
	if err != nil {
		return nil, err
	}
	taskID, err := c.MustInt64("taskId")
	if err != nil {
		return nil, err
	}
	limit, err := c.OptInt64("limit", 20)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > 500 {
		return nil, rpc.Errorf(models.ErrInvalidParam, "limit must be 1–500, not %d", limit)
	}
	if _, err := s.loadTask(c, deviceID, taskID); err != nil {
		return nil, err
	}
	// Newest firing first: a device reports the firings it made while
	// offline after reconnecting, later than the cloud's entries of
	// firings that came after them.
	rows, err := s.db.QueryContext(c.Ctx, `SELECT at_ms, scheduled_ms, result, reply_code, detail FROM timer_history
		WHERE task_id=? ORDER BY scheduled_ms DESC, id DESC LIMIT ?`, taskID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HistoryEntry{}
	for rows.Next() {
		var at, sched int64
		var e HistoryEntry
		if err := rows.Scan(&at, &sched, &e.Result, &e.ReplyCode, &e.Detail); err != nil {
			return nil, err
		}
		e.At = models.FormatTime(time.UnixMilli(at))
		e.ScheduledFor = models.FormatTime(time.UnixMilli(sched))
		if e.Result != ResultMissed && e.Result != ResultFrozen {
			e.LateMs = max(at-sched, 0)
		}
		out = append(out, e)
	}
	return map[string]any{"history": out}, rows.Err()
}
