package cloud

import (
	"context"
	"errors"

	"acconsole/catalog"
	"acconsole/cloud/rpc"
	"acconsole/cloud/sim"
	"acconsole/cloud/uds"
	"acconsole/models"
)

// simParts are the Server's simulated devices and vendor-service parts.
type simParts struct {
	fleet   *sim.Fleet // nil unless Options.Simulate
	history *uds.History
	proxy   *uds.Proxy
}

// Fleet is the simulated fleet (nil unless Options.Simulate), for tests
// and tools that drive devices by hand.
func (s *Server) Fleet() *sim.Fleet { return s.simw.fleet }

// initProducts creates the products of the simulated device catalog. It
// runs on every start, so that a newer catalog updates the records.
func (s *Server) initProducts(ctx context.Context) error {
	for _, p := range catalog.Catalog() {
		if _, err := s.Platform.EnsureProduct(ctx, s.Domain.ID, p.Record); err != nil {
			return err
		}
	}
	return nil
}

// applySimDataPoints hands the catalog's data points to set (the devices
// service's SetDataPoints), by sub-domain id.
func (s *Server) applySimDataPoints(ctx context.Context, set func(subDomainID int64, dps []models.DataPoint) error) error {
	for _, p := range catalog.Catalog() {
		if sd, ok := s.Platform.SubDomain(ctx, s.Domain.ID, p.Record.SubDomainName); ok {
			if err := set(sd.ID, p.DataPoints); err != nil {
				return err
			}
		}
	}
	return nil
}

// initSimulation sets up the device history and the UDS proxy, and, with
// Options.Simulate, connects a simulated device for every warehouse device
// of a catalog product.
func (s *Server) initSimulation(ctx context.Context) error {
	if err := s.applySimDataPoints(ctx, s.Devices.SetDataPoints); err != nil {
		return err
	}
	// The history subscribes before any device connects, so that it sees
	// the first online events too.
	s.simw.history = uds.NewHistory(s.Hub, uds.HistoryOptions{Describe: catalog.Describe, Bound: s.Devices.UserBoundTo})
	s.closers = append(s.closers, s.simw.history.Close)
	proxy, err := uds.New(uds.Options{Services: s.opt.UDS, Anonymous: s.opt.UDSAnonymous})
	if err != nil {
		return err
	}
	proxy.Register(uds.HistoryName, s.simw.history.Serve)
	s.simw.proxy = proxy
	if !s.opt.Simulate {
		return nil
	}
	s.simw.fleet = sim.NewFleet(s.Hub, sim.Options{Clock: s.opt.Clock, Seed: 1, Churn: s.opt.Churn,
		JoinEvery: s.opt.SimJoinEvery, JoinCandidates: s.opt.SimJoinCandidates})
	// Closed before the devices service (closers run in reverse), and
	// silently: see sim.Fleet.Close.
	s.closers = append(s.closers, s.simw.fleet.Close)
	connect := func(ctx context.Context) error {
		return s.startFleet(ctx, func(fn func(sub, pid, firmware string) error) error {
			return s.Devices.WarehouseDevices(ctx, func(info models.DeviceInfo, sub string) error {
				return fn(sub, info.PhysicalDeviceID, info.DevVersion)
			})
		})
	}
	if !s.opt.BackgroundFleet {
		return connect(ctx)
	}
	// The console wants its first frame before 100 000 devices have
	// connected: they come online in the background, as a real fleet does
	// after a cloud restart.
	bg, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := connect(bg); err != nil && bg.Err() == nil {
			s.opt.Logger.Error("connecting simulated devices", "err", err)
		}
	}()
	s.closers = append(s.closers, func() { cancel(); <-done })
	return nil
}

// startFleet connects a simulated device for each device that each yields
// (product name, physical id, firmware). Products the catalog does not know
// stay offline; devices already connected are left alone, so it may run
// again after new devices enter the warehouse.
func (s *Server) startFleet(ctx context.Context, each func(fn func(sub, pid, firmware string) error) error) error {
	f := s.simw.fleet
	if f == nil {
		return nil
	}
	return each(func(sub, pid, firmware string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ok := catalog.Lookup(sub); !ok {
			return nil
		}
		if _, err := f.Add(sub, pid, firmware); err != nil && !errors.Is(err, sim.ErrExists) {
			return err
		}
		return nil
	})
}

// unknownService serves services that are not built in: the configured
// vendor services (UDS) and the built-in ones the local cloud ships
// (device-history); anything else is 3009.
func (s *Server) unknownService(c *rpc.Call) (any, error) {
	if s.simw.proxy == nil {
		return nil, rpc.Errorf(models.ErrServiceAbsent, "service %q does not exist", c.Service)
	}
	return s.simw.proxy.Serve(c)
}

// anonymousService says whether a vendor service takes unsigned calls.
func (s *Server) anonymousService(name string) bool {
	return s.simw.proxy != nil && s.simw.proxy.AcceptsAnonymous(name)
}
