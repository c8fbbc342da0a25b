package cloud

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"acconsole/cloud/store/storetest"
	"acconsole/models"
)

func warehouseCount(t *testing.T, s *Server) int {
	t.Helper()
	n := 0
	if err := s.Devices.WarehouseDevices(context.Background(), func(models.DeviceInfo, string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func accountCount(t *testing.T, s *Server) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow(`SELECT COUNT(*) FROM account_users`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDemoWorldFirstStartOnly: the demo world is seeded into an empty
// warehouse on the first start, and never again.
func TestDemoWorldFirstStartOnly(t *testing.T) {
	dir, loc := t.TempDir(), storetest.Location(t)
	open := func(demo int) *Server {
		t.Helper()
		s, err := Open(context.Background(), Options{DataDir: dir, Store: loc, Demo: demo, BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(400)
	for _, svc := range []string{"zc-bind", "zc-warehouse", "zc-product"} {
		if !s.Registry.HasService(svc) {
			t.Fatalf("%s is not registered", svc)
		}
	}
	if n := warehouseCount(t, s); n != 400 {
		t.Fatalf("first start: %d warehouse devices, want 400", n)
	}
	users := accountCount(t, s)
	if users == 0 {
		t.Fatal("first start: no demo users")
	}
	s.Close()

	s = open(400)
	if n, u := warehouseCount(t, s), accountCount(t, s); n != 400 || u != users {
		t.Fatalf("second start: %d devices and %d users, want 400 and %d", n, u, users)
	}
	s.Close()

	// Demo 0 seeds nothing.
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), Store: storetest.Location(t), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := warehouseCount(t, s); n != 0 {
		t.Fatalf("no demo: %d devices", n)
	}
}
