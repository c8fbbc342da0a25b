package cloud

import (
	"context"
	"errors"
	"fmt"

	"acconsole/catalog"
	"acconsole/cloud/hub"
	"acconsole/cloud/ota"
	"acconsole/cloud/rpc"
	"acconsole/cloud/sim"
	"acconsole/models"
)

// OTA is the OTA service (nil until initOTA ran).
func (s *Server) OTA() *ota.Service { return s.parts().ota }

// SetSimUpgradeOptions shapes the upgrades of simulated devices from now
// on (phase lengths, failure share); tests make them short.
func (s *Server) SetSimUpgradeOptions(o sim.UpgradeOptions) { s.parts().upgrade.Store(&o) }

// initOTA registers zc-ota, seeds the firmware catalog of the simulated
// products on first start, and listens for check-ins (silent and forced
// upgrades). It needs s.Devices and, to run upgrades, the simulated fleet
// (s.Fleet(), with Options.Simulate); call it after initSimulation.
func (s *Server) initOTA(ctx context.Context) error {
	deps := ota.Deps{
		DB: s.DB, Devices: s.Devices, Warehouse: s.Devices, Products: s.Platform, Hub: s.Hub,
		Upgrader: simUpgrader{s},
	}
	opt := ota.Options{Clock: s.opt.Clock, DomainID: s.Domain.ID, Logger: s.opt.Logger, MaxAuto: s.opt.OTAMaxAuto}
	if s.relay != nil {
		// Instances sharing the store: an upgrade runs on the instance its
		// device is connected to, whichever one it was confirmed through,
		// and is interrupted only when that instance is gone.
		deps.Elsewhere, deps.Peers = s.relay, s.relay
		opt.Instance, opt.Alive = s.relay.instance, s.relay.alive
	}
	o, err := ota.New(deps, opt)
	if err != nil {
		return err
	}
	o.Register(s.Registry)
	if err := o.Start(ctx); err != nil {
		return err
	}
	s.parts().ota = o
	s.closers = append(s.closers, o.Close)
	if s.relay != nil {
		s.relay.mu.Lock()
		s.relay.upgrades = o.StartHere
		s.relay.otaCatalog, s.relay.otaSlot = o.CatalogChanged, o.SlotFreed
		s.relay.mu.Unlock()
	}
	now := s.opt.Clock.Now()
	for _, p := range catalog.Catalog() {
		sd, ok := s.Platform.SubDomain(ctx, s.Domain.ID, p.Record.SubDomainName)
		if !ok || len(o.Versions(sd.ID, ota.TypeMCU))+len(o.Versions(sd.ID, ota.TypeModule)) > 0 {
			continue // not a product here, or seeded before: leave the vendor's catalog alone
		}
		// The purifier also gets a silent module version, so that the demo
		// shows an upgrade starting by itself.
		for _, v := range ota.SeedFor(sd.ID, p.Record.SubDomainName, p.Firmware, p.Record.SubDomainName == catalog.SubPurifier, now) {
			if err := o.Publish(ctx, v); err != nil {
				return fmt.Errorf("ota catalog: %w", err)
			}
		}
	}
	return nil
}

// simUpgrader runs upgrades on simulated devices. The simulator models one
// firmware per device, the MCU's (the warehouse devVersion); a module
// (otaType 2) upgrade runs the same simulated steps and then gives the
// device its MCU version back.
type simUpgrader struct{ s *Server }

func (u simUpgrader) StartUpgrade(k hub.Key, otaType int, target string) (<-chan ota.Progress, error) {
	f := u.s.Fleet()
	var d *sim.Device
	if f != nil {
		d = f.Device(k)
	}
	if d == nil && u.s.relay != nil {
		// With other instances on the store, the device is simulated by
		// one of them, which did not answer for it: it is offline there
		// (rebooting, or cut off).
		if n, err := u.s.relay.instances(context.Background()); err == nil && n > 1 {
			return nil, hub.ErrOffline
		}
	}
	if d == nil {
		return nil, rpc.Errorf(models.ErrDeviceState, "device %s of %s is not simulated: the local cloud can only upgrade simulated devices (start it with simulation on)", k.PhysicalID, k.SubDomain)
	}
	var opt sim.UpgradeOptions
	if p := u.s.parts().upgrade.Load(); p != nil {
		opt = *p
	}
	mcu := d.Firmware()
	ch, err := d.StartUpgrade(target, opt)
	switch {
	case errors.Is(err, sim.ErrUpgrading):
		return nil, ota.ErrUpgrading
	case errors.Is(err, sim.ErrSameVersion):
		return nil, ota.ErrSameVersion
	case err != nil:
		return nil, err
	}
	out := make(chan ota.Progress, 32)
	done := u.s.done
	go func() {
		defer close(out)
		for p := range ch {
			if p.Phase == sim.PhaseDone && otaType == ota.TypeModule {
				d.SetVersion(mcu)
			}
			select {
			case out <- ota.Progress{Phase: p.Phase.String(), Percent: float64(p.Percent), Reason: p.Reason, At: p.At}:
			case <-done:
				// The cloud is closing and nobody reads progress any
				// more; drain until the fleet ends the upgrade.
			}
		}
	}()
	return out, nil
}
