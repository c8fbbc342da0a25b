// Package cloudtest starts a real local cloud on a loopback port with a
// temporary SQLite file, for integration tests on either side of the wire.
// When ACCONSOLE_TEST_POSTGRES names a PostgreSQL server, the cloud keeps
// its data in a fresh schema there instead (see storetest).
package cloudtest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"acconsole/cloud"
	"acconsole/cloud/store/storetest"
	"acconsole/internal/clock"
)

// stores remembers the PostgreSQL schema of each data directory, so that a
// test that restarts a cloud on the same DataDir finds its data again.
var (
	storesMu sync.Mutex
	stores   = map[string]string{}
)

// storeFor returns the store location for a cloud in dir: "" (the SQLite
// file in dir) unless the tests run on PostgreSQL.
func storeFor(t testing.TB, dir string) string {
	if storetest.Postgres() == "" {
		return ""
	}
	storesMu.Lock()
	defer storesMu.Unlock()
	if loc, ok := stores[dir]; ok {
		return loc
	}
	loc := storetest.Location(t)
	stores[dir] = loc
	t.Cleanup(func() {
		storesMu.Lock()
		delete(stores, dir)
		storesMu.Unlock()
	})
	return loc
}

// Cloud is a running local cloud.
type Cloud struct {
	*cloud.Server
	URL     string
	DataDir string
	// Store is the PostgreSQL location of the cloud's data ("" for the
	// SQLite file in DataDir), for another instance on the same store.
	Store string
}

// Options tweak Start.
type Options struct {
	RuntimeMode string
	// Clock is cloud.Options.Clock; nil is the wall clock.
	Clock   clock.Clock
	DataDir string // "" = a fresh temp dir
	// Demo seeds a demo world of this many devices on first start.
	Demo int
	// Simulate connects simulated devices (plug, gateway, …) for the
	// warehouse's devices.
	Simulate bool
	// SimJoinEvery and SimJoinCandidates shape gateway pairing
	// (cloud.Options); 0 keeps the simulation's defaults.
	SimJoinEvery      time.Duration
	SimJoinCandidates int
	// TimerResync is cloud.Options.TimerResync (instances sharing a store).
	TimerResync time.Duration
	// OTAMaxAuto is cloud.Options.OTAMaxAuto (the rollout cap).
	OTAMaxAuto int
	// UDS and UDSAnonymous configure vendor services (cloud.Options).
	UDS          map[string]string
	UDSAnonymous []string
}

// Start opens a cloud in a temp dir, serves it on 127.0.0.1:0 and stops it
// when the test ends. Two clouds started on one DataDir share one store,
// like instances behind a load balancer.
func Start(t testing.TB, opt Options) *Cloud {
	t.Helper()
	dir := opt.DataDir
	if dir == "" {
		dir = t.TempDir()
	}
	loc := storeFor(t, dir)
	srv, err := cloud.Open(context.Background(), cloud.Options{
		DataDir: dir, Store: loc, RuntimeMode: opt.RuntimeMode, Clock: opt.Clock, BcryptCost: bcrypt.MinCost,
		Demo: opt.Demo, Simulate: opt.Simulate,
		SimJoinEvery: opt.SimJoinEvery, SimJoinCandidates: opt.SimJoinCandidates,
		UDS: opt.UDS, UDSAnonymous: opt.UDSAnonymous, TimerResync: opt.TimerResync,
		OTAMaxAuto: opt.OTAMaxAuto,
	})
	if err != nil {
		t.Fatalf("open cloud: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatalf("listen: %v", err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return &Cloud{Server: srv, URL: "http://" + ln.Addr().String(), DataDir: dir, Store: loc}
}
