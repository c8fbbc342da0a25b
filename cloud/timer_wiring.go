package cloud

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/ota"
	"acconsole/cloud/sim"
	"acconsole/cloud/store"
	"acconsole/cloud/timer"
)

// featureParts are the timer and OTA services of a Server.
type featureParts struct {
	timers *timer.Service
	ota    *ota.Service
	// upgrade shapes the simulated devices' upgrades (phase lengths,
	// failure share); tests shorten it.
	upgrade atomic.Pointer[sim.UpgradeOptions]
}

func (s *Server) parts() *featureParts { return &s.features }

// Timers is the timer service (nil until initTimers ran).
func (s *Server) Timers() *timer.Service { return s.parts().timers }

// initTimers registers zc-timer-task and starts its scheduler: tasks saved
// before a restart are scheduled again, and firings missed while the cloud
// was down run once if less than the grace period late; device timers are
// handed to the devices that are online (the others get theirs when they
// connect). It needs s.Devices (access checks, device lookups, unbind
// hook) and s.Hub (sends, device timers).
func (s *Server) initTimers(ctx context.Context) error {
	t, err := timer.New(timer.Deps{
		DB: s.DB, Devices: s.Devices, Products: s.Platform, Sender: s.Hub,
		Users: nickNames{s: s},
		// Device timers are handed to the devices through the hub; the
		// simulated devices keep and fire them.
		Hosts: timerHosts{hub: s.Hub, relay: s.relay},
	}, timer.Options{Clock: s.opt.Clock, Logger: s.opt.Logger, Resync: s.timerResync()})
	if err != nil {
		return err
	}
	t.Register(s.Registry)
	if s.relay != nil {
		// Before the start: another instance's change that arrives while
		// this one starts waits in PushNow for the start, instead of
		// finding no one here to hand the device its timers.
		s.relay.mu.Lock()
		s.relay.timers = t.PushNow
		s.relay.mu.Unlock()
	}
	s.closers = append(s.closers, t.Close)
	if err := t.Start(ctx); err != nil {
		return err
	}
	// taskUpdatePolicy: unbinding freezes tasks (see cloud/timer).
	s.Devices.OnUnbind(t.OnUnbind)
	s.parts().timers = t
	return nil
}

// timerResync is how often the timer schedule is brought in line with the
// store: on PostgreSQL, where several instances may share the database,
// every TimerResync (default 2 s); on SQLite, which one process owns, only
// when TimerResync asks for it.
func (s *Server) timerResync() time.Duration {
	switch {
	case s.opt.TimerResync > 0:
		return s.opt.TimerResync
	case s.DB.Dialect == store.Postgres:
		return 2 * time.Second
	}
	return 0
}

// timerHosts hands device timers to the devices connected here, and the
// changed set of a device that is not to the instance sharing the store
// that has it (nil relay: alone on the store).
type timerHosts struct {
	hub   *hub.Hub
	relay *relay
}

// SetTimers returns once the device holds set, wherever it is connected,
// as a push to a device connected here does: an API call answers after
// it. When the other instance's push fails or times out, the set stays
// pending here (ErrOffline), as a refused push leaves it on that
// instance; the device gets it on its next connection.
func (h timerHosts) SetTimers(k hub.Key, set []hub.DeviceTimer) error {
	err := h.hub.SetTimers(k, set)
	if !errors.Is(err, hub.ErrOffline) || h.relay == nil {
		return err
	}
	rerr := h.relay.pushTimers(k)
	switch {
	case rerr == nil, errors.Is(rerr, hub.ErrNoTimers):
		return rerr // the other instance's push, as if made here
	case !errors.Is(rerr, hub.ErrOffline):
		h.relay.log.Warn("relay: device timers on another instance", "device", k, "err", rerr)
	}
	// Connected nowhere, or not reached: this instance keeps the set
	// pending for the device's next connection to it.
	return err
}

func (h timerHosts) Subscribe(fn func(hub.Event)) (cancel func()) { return h.hub.Subscribe(fn) }

// nickNames reads creators' nick names for task objects.
type nickNames struct{ s *Server }

func (n nickNames) NickName(ctx context.Context, userID int64) (string, error) {
	u, ok, err := n.s.Account.Lookup(ctx, n.s.Domain.ID, userID)
	if err != nil || !ok {
		return "", err
	}
	return u.NickName, nil
}
