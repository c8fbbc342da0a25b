package timer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// record is a history entry on its way to the database; final marks the
// last firing of a task, which then stops (unless it changed meanwhile:
// version).
type record struct {
	taskID, deviceID int64
	at, scheduled    time.Time
	result           string
	replyCode        int
	detail           string
	final            bool
	version          int64
	// device is set for a firing its device reported (result
	// fired-by-device): taskID is then the device's word, checked against
	// the task's device when written, and deviceID comes from the task.
	device hub.Key
}

// record queues a history entry; after Close (or before Start) it is
// dropped, since nothing would write it.
func (s *Service) record(r *record) {
	s.histMu.RLock()
	defer s.histMu.RUnlock()
	if s.histOpen {
		s.hist <- histMsg{rec: r}
	}
}

type histMsg struct {
	rec *record
	ack chan struct{}
}

// dispatch runs on the scheduler goroutine. It first claims the batch on
// disk — marks each firing handled, if it is not yet and the task is still
// at the version scheduled (one transaction, so 1 000 simultaneous firings
// cost one sync, not 1 000) — which makes firings at-most-once across a
// crash and exactly-once across instances sharing one database: the
// instance whose claim changed the row runs the firing, the others skip it.
// Then it hands each run to its own goroutine so that a slow or offline
// device never delays another.
func (s *Service) dispatch(batch []Due) {
	ctx := context.Background()
	claimed := make([]bool, len(batch))
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE timer_tasks SET handled_ms=? WHERE id=? AND handled_ms<? AND version=?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, d := range batch {
			at := d.At
			if d.Kind == DueMissed {
				at = d.Last
			}
			res, err := st.ExecContext(ctx, at.UnixMilli(), d.TaskID, at.UnixMilli(), int64(d.Gen))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			claimed[i] = n == 1
		}
		return nil
	})
	if err != nil {
		// Sending anyway is the lesser harm: a timer that does not fire is
		// what people notice; a restart in the next instant is rare.
		s.log.Error("timer: could not mark firings handled", "n", len(batch), "err", err)
		for i := range claimed {
			claimed[i] = true
		}
	}
	for i, d := range batch {
		if !claimed[i] {
			// Another instance ran this firing, or the task changed since
			// it was scheduled (its new schedule is already in place).
			if d.Final {
				s.sched.Finish(d.TaskID, d.Gen)
			}
			continue
		}
		if d.Kind == DueMissed {
			s.recordMissed(d)
			continue
		}
		s.sem <- struct{}{}
		s.sending.Add(1)
		go s.execute(d)
	}
}

func (s *Service) recordMissed(d Due) {
	deviceID, version, flag := s.taskRef(d.TaskID)
	n := fmt.Sprint(d.Count)
	if d.Capped {
		n = "at least " + n
	}
	if flag == 1 {
		// A device timer runs on the device whatever the cloud was doing:
		// nothing was missed. The latest due instant is recorded as
		// handed, like a firing found on time, and the device's reports
		// (one per firing) replace it or stand beside it.
		detail := "device timer due while the cloud was down or stalled: the device runs it from its own clock and has not reported this firing (yet)"
		if d.Count > 1 {
			detail = fmt.Sprintf("device timer: %s firings due while the cloud was down or stalled, the first %s; the device runs them itself and has not reported this last one (yet)",
				n, models.FormatTime(d.At))
		}
		s.record(&record{
			taskID: d.TaskID, deviceID: deviceID, at: s.clock.Now(), scheduled: d.Last,
			result: ResultHanded, detail: detail, final: d.Final, version: version,
		})
		if d.Final {
			s.sched.Finish(d.TaskID, d.Gen)
		}
		return
	}
	detail := fmt.Sprintf("%s firing(s) not run: found more than %s late (cloud down or stalled)", n, s.opt.Grace)
	if d.Count > 1 {
		detail += fmt.Sprintf("; last one %s", models.FormatTime(d.Last))
	}
	s.record(&record{
		taskID: d.TaskID, deviceID: deviceID, at: s.clock.Now(), scheduled: d.At,
		result: ResultMissed, detail: detail, final: d.Final, version: version,
	})
	if d.Final {
		s.sched.Finish(d.TaskID, d.Gen)
	}
}

func (s *Service) taskRef(id int64) (deviceID, version int64, flag int) {
	_ = s.db.QueryRow(`SELECT device_id, version, task_flag FROM timer_tasks WHERE id=?`, id).Scan(&deviceID, &version, &flag)
	return
}

// execute sends one firing's command and records what happened.
func (s *Service) execute(d Due) {
	defer s.sending.Done()
	defer func() { <-s.sem }()
	if d.Final {
		defer s.sched.Finish(d.TaskID, d.Gen)
	}
	if !s.sched.Valid(d.TaskID, d.Gen) {
		return // stopped, modified or deleted since it fell due
	}
	ctx := context.Background()
	var deviceID, version int64
	var flag, code int
	var payload []byte
	err := s.db.QueryRowContext(ctx, `SELECT device_id, task_flag, message_code, payload, version FROM timer_tasks WHERE id=?`, d.TaskID).
		Scan(&deviceID, &flag, &code, &payload, &version)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.log.Error("timer: load task to fire", "task", d.TaskID, "err", err)
		}
		return
	}
	rec := &record{taskID: d.TaskID, deviceID: deviceID, at: s.clock.Now(), scheduled: d.At, final: d.Final, version: version}
	if flag == 1 {
		// Written only if the device has not reported this firing yet;
		// its report replaces it later (writeHistory).
		rec.result = ResultHanded
		rec.detail = "device timer due: the device runs it from its own clock and has not reported this firing (yet)"
	} else {
		s.send(ctx, rec, code, payload)
	}
	s.record(rec)
}

func (s *Service) send(ctx context.Context, rec *record, code int, payload []byte) {
	dev, err := s.deps.Devices.Device(ctx, rec.deviceID)
	if err != nil {
		rec.result, rec.detail = ResultError, fmt.Sprintf("device %d: %v", rec.deviceID, err)
		return
	}
	key, ok := s.keyOf(dev)
	if !ok {
		rec.result, rec.detail = ResultError, fmt.Sprintf("device %d: product %d does not exist", rec.deviceID, dev.SubDomainID)
		return
	}
	replyCode, reply, err := s.deps.Sender.Send(ctx, key, code, payload, s.opt.SendTimeout)
	switch {
	case err == nil:
		rec.result, rec.replyCode = ResultOK, replyCode
		rec.detail = fmt.Sprintf("sent code %d (%d bytes); reply code %d (%d bytes)", code, len(payload), replyCode, len(reply))
	case errors.Is(err, hub.ErrOffline):
		rec.result, rec.detail = ResultOffline, "device offline: command not delivered"
	case errors.Is(err, hub.ErrTimeout):
		rec.result, rec.detail = ResultTimeout, fmt.Sprintf("no reply within %s", s.opt.SendTimeout)
	default:
		rec.result, rec.detail = ResultError, err.Error()
	}
}

// keyOf names a device for the hub: product name and physical id.
func (s *Service) keyOf(dev models.Device) (hub.Key, bool) {
	name := dev.SubDomainName
	if name == "" {
		sd, ok := s.deps.Products.SubDomainByID(dev.SubDomainID)
		if !ok {
			return hub.Key{}, false
		}
		name = sd.Name
	}
	return hub.Key{SubDomain: name, PhysicalID: dev.PhysicalDeviceID}, true
}

// historyWriter writes history entries in batches, one transaction for all
// that are queued, so a burst of firings costs few disk syncs.
func (s *Service) historyWriter() {
	defer close(s.histEnd)
	var batch []*record
	for m := range s.hist {
		var acks []chan struct{}
		collect := func(m histMsg) {
			if m.rec != nil {
				batch = append(batch, m.rec)
			}
			if m.ack != nil {
				acks = append(acks, m.ack)
			}
		}
		collect(m)
	drain:
		for len(batch) < 1024 {
			select {
			case m, ok := <-s.hist:
				if !ok {
					break drain
				}
				collect(m)
			default:
				break drain
			}
		}
		if len(batch) > 0 {
			if err := s.writeHistory(batch); err != nil {
				s.log.Error("timer: write history", "n", len(batch), "err", err)
			}
			batch = batch[:0]
		}
		for _, a := range acks {
			close(a)
		}
	}
}

func (s *Service) writeHistory(batch []*record) error {
	ctx := context.Background()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO timer_history(task_id, device_id, at_ms, scheduled_ms, result, reply_code, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		// Entries go in the order of listTaskHistory (the firing's instant),
		// since a device reports its offline firings late.
		prune, err := tx.PrepareContext(ctx, `DELETE FROM timer_history WHERE task_id=? AND id IN (
			SELECT id FROM timer_history WHERE task_id=? ORDER BY scheduled_ms DESC, id DESC LIMIT 9223372036854775807 OFFSET ?)`)
		if err != nil {
			return err
		}
		defer prune.Close()
		seen := map[int64]bool{}
		for _, r := range batch {
			switch write, err := s.reconcileDeviceFiring(ctx, tx, r); {
			case err != nil:
				return err
			case write:
				if _, err := ins.ExecContext(ctx, r.taskID, r.deviceID, r.at.UnixMilli(), r.scheduled.UnixMilli(), r.result, r.replyCode, r.detail); err != nil {
					return err
				}
			}
			if r.final {
				// The task's last firing: it stops, unless it was changed
				// (and so rescheduled) while this one was handled.
				if _, err := tx.ExecContext(ctx, `UPDATE timer_tasks SET status=? WHERE id=? AND version=? AND status=?`,
					models.TaskStopped, r.taskID, r.version, models.TaskRunning); err != nil {
					return err
				}
			}
			seen[r.taskID] = true
		}
		for id := range seen {
			if _, err := prune.ExecContext(ctx, id, id, s.opt.HistoryKeep); err != nil {
				return err
			}
		}
		return nil
	})
}

// reconcileDeviceFiring pairs the cloud's "handed" entry of a device
// timer's firing with the device's own report of it, whichever comes
// first, and says whether r still needs inserting:
//
//   - handed: not when the device already reported that firing;
//   - fired-by-device: dropped when the task is not on that device (a
//     deleted task, or a report from another device); otherwise it takes
//     the place of the firing's handed entry, keeping its position in the
//     history, or is inserted when there is none; a repeated report is
//     dropped.
func (s *Service) reconcileDeviceFiring(ctx context.Context, tx *sql.Tx, r *record) (bool, error) {
	switch r.result {
	case ResultHanded:
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM timer_history WHERE task_id=? AND scheduled_ms=? AND result=?`,
			r.taskID, r.scheduled.UnixMilli(), ResultFiredByDevice).Scan(&n)
		return n == 0, err
	case ResultFiredByDevice:
		var k hub.Key
		err := tx.QueryRowContext(ctx, `SELECT device_id, sub_domain_name, physical_id FROM timer_tasks WHERE id=?`, r.taskID).
			Scan(&r.deviceID, &k.SubDomain, &k.PhysicalID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && k != r.device) {
			s.log.Debug("timer: firing report for a task not on that device", "task", r.taskID, "device", r.device)
			return false, nil
		}
		if err != nil {
			return false, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM timer_history WHERE task_id=? AND scheduled_ms=? AND result=?`,
			r.taskID, r.scheduled.UnixMilli(), ResultFiredByDevice).Scan(&n); err != nil || n > 0 {
			return false, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE timer_history SET at_ms=?, result=?, reply_code=?, detail=?
			WHERE id=(SELECT id FROM timer_history WHERE task_id=? AND scheduled_ms=? AND result=? ORDER BY id LIMIT 1)`,
			r.at.UnixMilli(), r.result, r.replyCode, r.detail, r.taskID, r.scheduled.UnixMilli(), ResultHanded)
		if err != nil {
			return false, err
		}
		replaced, err := res.RowsAffected()
		return replaced == 0, err
	}
	return true, nil
}

// OnUnbind applies the product's taskUpdatePolicy when a user leaves a
// device (see the package comment): an owner's unbind freezes all of the
// device's tasks; under policy 2 an ordinary user's unbind freezes that
// user's. cloud/devices calls it after the unbind has committed.
func (s *Service) OnUnbind(deviceID, userID int64, ownerUnbind bool) {
	ctx := context.Background()
	var q string
	var args []any
	var reason string
	if ownerUnbind {
		q, args = `SELECT id, task_flag, sub_domain_name, physical_id FROM timer_tasks WHERE device_id=? AND status<>?`, []any{deviceID, models.TaskFrozen}
		reason = fmt.Sprintf("the owner (user %d) unbound the device", userID)
	} else {
		var sub int64
		err := s.db.QueryRowContext(ctx, `SELECT sub_domain_id FROM timer_tasks WHERE device_id=? AND user_id=? LIMIT 1`, deviceID, userID).Scan(&sub)
		if err != nil {
			return // no task of this user on this device
		}
		if p, ok := s.deps.Products.Product(sub); !ok || p.TaskUpdatePolicy != 2 {
			return // policy 1 (or unset): an ordinary user's unbind keeps tasks
		}
		q, args = `SELECT id, task_flag, sub_domain_name, physical_id FROM timer_tasks WHERE device_id=? AND user_id=? AND status<>?`, []any{deviceID, userID, models.TaskFrozen}
		reason = fmt.Sprintf("its creator (user %d) unbound the device", userID)
	}
	s.freeze(ctx, deviceID, reason, q, args...)
}

// freezeOrphans freezes the tasks of devices that no longer exist. The
// unbind hook runs after the unbind committed, so a crash in between would
// leave tasks commanding a device nobody owns; every start repairs that.
func (s *Service) freezeOrphans(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT device_id FROM timer_tasks WHERE status<>?`, models.TaskFrozen)
	if err != nil {
		return err
	}
	var devices []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		devices = append(devices, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range devices {
		_, err := s.deps.Devices.Device(ctx, id)
		var re *rpc.Error
		if errors.As(err, &re) && re.Code == models.ErrDeviceAbsent {
			s.freeze(ctx, id, "the device was unbound from its owner", `SELECT id, task_flag, sub_domain_name, physical_id FROM timer_tasks WHERE device_id=? AND status<>?`, id, models.TaskFrozen)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// freeze freezes the tasks q selects (id, task_flag, sub_domain_name,
// physical_id), records why in their history and tells their devices.
func (s *Service) freeze(ctx context.Context, deviceID int64, reason, q string, args ...any) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		s.log.Error("timer: freeze lookup", "device", deviceID, "err", err)
		return
	}
	var ids []int64
	hosts := map[hub.Key]bool{} // devices whose timers change
	for rows.Next() {
		var id int64
		var flag int
		var k hub.Key
		if rows.Scan(&id, &flag, &k.SubDomain, &k.PhysicalID) == nil {
			ids = append(ids, id)
			if flag == 1 {
				hosts[k] = true
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.log.Error("timer: freeze lookup", "device", deviceID, "err", err)
	}
	now := s.clock.Now()
	defer func() {
		// A frozen timer leaves its device: the device is told after
		// the tasks froze (an owner's unbind empties its set).
		for k := range hosts {
			s.pushTimers(ctx, k)
		}
	}()
	for _, id := range ids {
		unlock := s.lock(id)
		_, err := s.db.ExecContext(ctx, `UPDATE timer_tasks SET status=?, frozen_reason=?, modify_ms=?, version=version+1 WHERE id=? AND status<>?`,
			models.TaskFrozen, reason, now.UnixMilli(), id, models.TaskFrozen)
		if err == nil {
			s.sched.Remove(id)
		}
		unlock()
		if err != nil {
			s.log.Error("timer: freeze task", "task", id, "err", err)
			continue
		}
		s.record(&record{taskID: id, deviceID: deviceID, at: now, scheduled: now, result: ResultFrozen, detail: "frozen: " + reason})
	}
}
