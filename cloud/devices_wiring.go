package cloud

import (
	"context"
	"errors"
	"fmt"

	"acconsole/cloud/devices"
)

// initDevices registers the device services (zc-bind, homes and rooms,
// zc-warehouse, zc-product) and seeds the demo world on first start.
func (s *Server) initDevices(ctx context.Context) error {
	d, err := devices.New(s.DB, s.Platform, s.Account, s.Hub, devices.Options{Clock: s.opt.Clock, Logger: s.opt.Logger})
	if err != nil {
		return err
	}
	s.Devices = d
	s.closers = append(s.closers, d.Close)
	d.Register(s.Registry)
	if s.opt.Demo <= 0 {
		return nil
	}
	// First start only: a warehouse with devices, or a world seeded before
	// (whose devices may all have been removed since), is left alone.
	seeded, err := d.DemoSeeded(ctx)
	if err != nil {
		return err
	}
	empty, err := d.WarehouseEmpty(ctx)
	if err != nil {
		return err
	}
	if seeded || !empty {
		return nil
	}
	err = d.SeedDemo(ctx, s.Domain.ID, s.opt.Demo, demoSeed)
	if errors.Is(err, devices.ErrDemoNoProducts) {
		// Without the simulation's products there is nothing to seed;
		// the next start tries again.
		s.opt.Logger.Warn("demo world not seeded", "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	return nil
}

// demoSeed fixes the demo world: every first start builds the same one, so
// that a bug report can name a user or a device of it.
const demoSeed = 20160623
