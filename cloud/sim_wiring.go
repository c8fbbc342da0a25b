package cloud

import (
	"context"

	"acconsole/cloud/rpc"
	"acconsole/cloud/sim"
)

// initProducts creates the products of the simulated device catalog.
func (s *Server) initProducts(ctx context.Context) error {
	for _, p := range sim.Catalog() {
		if _, err := s.Platform.EnsureProduct(ctx, s.Domain.ID, p.Record); err != nil {
			return err
		}
	}
	return nil
}

// initSimulation connects a simulated device for every warehouse device.
func (s *Server) initSimulation(ctx context.Context) error {
	for _, p := range sim.Catalog() {
		if sd, ok := s.Platform.SubDomain(ctx, s.Domain.ID, p.Record.SubDomainName); ok {
			if err := s.Devices.SetDataPoints(sd.ID, p.DataPoints); err != nil {
				return err
			}
		}
	}
	return nil
}

// unknownService serves services that are not built in: the configured
// vendor services (UDS) and the built-in ones the local cloud ships.
func (s *Server) unknownService(c *rpc.Call) (any, error) {
	return nil, rpc.Errorf(3009, "service %q does not exist", c.Service)
}
