// Package cloud is a local AbleCloud-compatible cloud: the router, the
// built-in services and their SQLite store, so that the console, the WeChat
// bridge and the tests run on a laptop with no account anywhere. It is
// written from PROTOCOL.md, never from the acapi client, so that each checks
// the other.
package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"acconsole/cloud/account"
	"acconsole/cloud/devices"
	"acconsole/cloud/hub"
	"acconsole/cloud/platform"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/internal/clock"
)

// Options configure a local cloud.
type Options struct {
	// DataDir holds cloud.db and local-developer.json.
	DataDir string
	// MajorDomain is created on first start; default "acme".
	MajorDomain string
	// RuntimeMode "test" (default) or "production".
	RuntimeMode string
	// Clock is the cloud's time: the router's signature window, token and
	// share-code expiry, timer firings, OTA progress and the simulated
	// devices' timers; nil is the wall clock. A test passes a *clock.Fake
	// to fire timers by moving time instead of waiting, or
	// clock.FromFunc to run the whole cloud from a chosen instant.
	Clock  clock.Clock
	Logger *slog.Logger
	// BcryptCost 0 means the default; tests lower it.
	BcryptCost int
	// Demo is the number of devices in the demo world seeded on first
	// start; 0 seeds nothing.
	Demo int
	// Simulate connects simulated devices for every device in the
	// warehouse.
	Simulate bool
	// Churn is the share of simulated devices offline at any time, each
	// going away and coming back every few minutes (0 = always online).
	Churn float64
	// BackgroundFleet connects the simulated devices after Open returns
	// instead of before.
	BackgroundFleet bool
	// SimJoinEvery and SimJoinCandidates shape gateway pairing: the gap
	// between two sub-devices joining an open window and how many are in
	// range of each gateway; 0 keeps the simulation's defaults (3 s, 6).
	// Console tests shorten them to pair in a second.
	SimJoinEvery      time.Duration
	SimJoinCandidates int
	// TrustedProxies are the load balancers in front of the instance:
	// a request from one of them is counted against the client that
	// X-Forwarded-For names (limits per address, activation records).
	TrustedProxies []netip.Prefix
	// Store is where the data lives: "" for the SQLite file DataDir/cloud.db,
	// or a PostgreSQL connection string (postgres://…). DataDir still holds
	// local-developer.json.
	Store string
	// TimerResync is how often an instance picks up the timer tasks other
	// instances sharing its store added or changed; 0 means every 2 s on
	// PostgreSQL and never on SQLite.
	TimerResync time.Duration
	// OTAMaxAuto caps the silent and forced upgrades running at once, on
	// every instance sharing the store together; 0 means 50.
	OTAMaxAuto int
	// UDS maps the names of vendor services to their HTTP endpoints.
	UDS map[string]string
	// UDSAnonymous names the services of UDS that take unsigned calls
	// (X-Zc-Access-Mode: 1); the others need a signature.
	UDSAnonymous []string
}

// Server is a running local cloud (without a listener; see Serve).
type Server struct {
	DB        *store.DB
	Platform  *platform.Platform
	Account   *account.Service
	Registry  *rpc.Registry
	Hub       *hub.Hub
	Devices   *devices.Service
	Developer rpc.Developer
	Domain    rpc.Domain

	opt      Options
	handler  http.Handler
	features featureParts
	// done closes when Close starts, for goroutines that must not block
	// on readers that are going away.
	done      chan struct{}
	closeOnce sync.Once
	// closers stop background parts (simulated devices, schedulers) in
	// reverse order of start.
	closers []func()
	httpSrv *http.Server
	simw    simParts // simulated devices, UDS proxy: sim_wiring.go
	relay   *relay   // PostgreSQL: commands and events between instances
}

// Open opens (or creates) the cloud in opt.DataDir.
func Open(ctx context.Context, opt Options) (*Server, error) {
	if opt.DataDir == "" {
		return nil, errors.New("cloud: a data directory is required")
	}
	if opt.MajorDomain == "" {
		opt.MajorDomain = "acme"
	}
	if opt.RuntimeMode == "" {
		opt.RuntimeMode = "test"
	}
	opt.Clock = clock.Or(opt.Clock)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(opt.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("cloud: data directory: %w", err)
	}
	location := opt.Store
	if location == "" {
		location = filepath.Join(opt.DataDir, "cloud.db")
	}
	db, err := store.Open(location)
	if err != nil {
		return nil, fmt.Errorf("cloud: %w", err)
	}
	s := &Server{DB: db, opt: opt, Registry: rpc.NewRegistry(), done: make(chan struct{})}
	if err := s.init(ctx); err != nil {
		close(s.done)
		// Whatever init started (the fleet, schedulers) stops before the
		// store it writes to closes.
		s.runClosers()
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) init(ctx context.Context) error {
	var err error
	if s.Platform, err = platform.Open(ctx, s.DB); err != nil {
		return fmt.Errorf("cloud: platform: %w", err)
	}
	if s.Developer, s.Domain, err = s.Platform.EnsureDomain(ctx, s.opt.MajorDomain); err != nil {
		return fmt.Errorf("cloud: developer: %w", err)
	}
	s.Account = account.New(s.DB, account.Options{RuntimeMode: s.opt.RuntimeMode, Clock: s.opt.Clock, BcryptCost: s.opt.BcryptCost})
	s.Account.Register(s.Registry)
	s.Hub = hub.New(s.opt.Clock.Now)
	if s.DB.Dialect == store.Postgres {
		// Instances sharing the database reach each other's devices.
		r, err := startRelay(ctx, s.Hub, s.DB, s.opt.Logger)
		if err != nil {
			return fmt.Errorf("cloud: %w", err)
		}
		s.Hub.SetRemote(r)
		s.closers = append(s.closers, r.Close)
		s.relay = r
	}
	if err := s.initProducts(ctx); err != nil {
		return fmt.Errorf("cloud: products: %w", err)
	}
	if err := s.initDevices(ctx); err != nil {
		return fmt.Errorf("cloud: devices: %w", err)
	}
	if err := s.initSimulation(ctx); err != nil {
		return fmt.Errorf("cloud: simulation: %w", err)
	}
	if s.relay != nil && s.simw.history != nil {
		// The device history of every instance shows every device.
		s.relay.shareEvents(s.simw.history.Record)
	}
	if err := s.initTimers(ctx); err != nil {
		return fmt.Errorf("cloud: timers: %w", err)
	}
	if err := s.initOTA(ctx); err != nil {
		return fmt.Errorf("cloud: ota: %w", err)
	}
	s.handler = rpc.NewHandler(s.Registry, s.Platform, s.Account, rpc.Options{Now: s.opt.Clock.Now, Logger: s.opt.Logger, Unknown: s.unknownService, AnonymousService: s.anonymousService, TrustedProxies: s.opt.TrustedProxies})
	// Built here, not in Serve, so that Close (any goroutine) never races
	// with Serve setting it up. Timeouts keep a slow or silent client from
	// holding a connection forever.
	s.httpSrv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.opt.Logger.Handler(), slog.LevelWarn),
	}
	return nil
}

// Handler is the router as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	err := s.httpSrv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops serving and closes the store.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = s.httpSrv.Shutdown(ctx)
	cancel()
	s.runClosers()
	return s.DB.Close()
}

// DeveloperFile is what local-developer.json holds, for scripts and for the
// console.
type DeveloperFile struct {
	Router      string `json:"router"`
	DeveloperID int64  `json:"developerId"`
	AccessKey   string `json:"accessKey"`
	SecretKey   string `json:"secretKey"`
	MajorDomain string `json:"majorDomain"`
	// MajorDomainID may stand for the name in X-Zc-Major-Domain.
	MajorDomainID int64    `json:"majorDomainId"`
	SubDomains    []string `json:"subDomains"`
	RuntimeMode   string   `json:"runtimeMode"`
}

// DeveloperFileName is the name of the credentials file in the data dir.
const DeveloperFileName = "local-developer.json"

// WriteDeveloperFile writes the credentials (mode 0600: it holds the secret
// key) and returns its path.
func (s *Server) WriteDeveloperFile(router string) (string, error) {
	f := DeveloperFile{
		Router: router, DeveloperID: s.Developer.ID, AccessKey: s.Developer.AccessKey,
		SecretKey: s.Developer.SecretKey, MajorDomain: s.Domain.Name, MajorDomainID: s.Domain.ID, RuntimeMode: s.opt.RuntimeMode,
	}
	for _, p := range s.Platform.Products(s.Domain.ID) {
		f.SubDomains = append(f.SubDomains, p.SubDomainName)
	}
	raw, _ := json.MarshalIndent(f, "", "  ")
	path := filepath.Join(s.opt.DataDir, DeveloperFileName)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// ReadDeveloperFile reads local-developer.json.
func ReadDeveloperFile(path string) (DeveloperFile, error) {
	var f DeveloperFile
	raw, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// MaskSecret shows enough of a secret to recognise it and no more.
func MaskSecret(s string) string {
	if len(s) <= 8 {
		return "****"
	}
	return s[:4] + "…" + s[len(s)-4:]
}

func (s *Server) runClosers() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}
