package acapi_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/hub"
	"acconsole/internal/clock"
	"acconsole/models"
)

// The device tests play the devices themselves: the device side of
// AbleCloud (how hardware reaches the router) is not part of the HTTP
// protocol, so a test connects endpoints to the cloud's hub directly, the
// way the simulation does.

// testClock is the cloud's clock, moved forward by hand (share-code expiry,
// match windows). It only ever runs ahead of the wall clock by less than the
// signature lifetime, so the client's real-time signatures stay valid.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

// echoDevice answers every command with code 102 and "ok:" + the payload,
// like a plug acknowledging a switch command.
type echoDevice struct{ commands atomic.Int64 }

const echoReplyCode = 102

func (d *echoDevice) Deliver(ctx context.Context, code int, payload []byte) (int, []byte, error) {
	d.commands.Add(1)
	return echoReplyCode, append([]byte("ok:"), payload...), nil
}

// silentDevice never answers: the hub must give up at its reply timeout.
type silentDevice struct{}

func (silentDevice) Deliver(ctx context.Context, code int, payload []byte) (int, []byte, error) {
	<-ctx.Done()
	return 0, nil, ctx.Err()
}

// testGateway is a gateway endpoint; sub-devices join through world.join,
// which asks the hub (the hub refuses joins outside the match window).
type testGateway struct {
	echoDevice
	mu       sync.Mutex
	deadline time.Time
	opened   int
}

func (g *testGateway) OpenMatch(deadline time.Time) error {
	g.mu.Lock()
	g.deadline, g.opened = deadline, g.opened+1
	g.mu.Unlock()
	return nil
}

// timesOpened is how often the hub told the gateway to open its window.
func (g *testGateway) timesOpened() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.opened
}

func (g *testGateway) CloseMatch() error {
	g.mu.Lock()
	g.deadline = time.Time{}
	g.mu.Unlock()
	return nil
}

// world is a local cloud with users and devices for the device tests.
type world struct {
	*env
	t     testing.TB
	ctx   context.Context
	clock *testClock
	next  atomic.Int64
}

func newWorld(t testing.TB, opt cloudtest.Options) *world {
	t.Helper()
	clk := &testClock{}
	if opt.Clock == nil {
		opt.Clock = clock.FromFunc(clk.now)
	}
	return &world{env: newEnv(t, opt), t: t, ctx: context.Background(), clock: clk}
}

// person is a registered user and a client acting for them.
type person struct {
	models.User
	c *acapi.Client
}

func (w *world) person(nick string) person {
	w.t.Helper()
	n := w.next.Add(1)
	phone := fmt.Sprintf("138%08d", n)
	acc := w.client.Account()
	must(w.t, "sendVerifyCode", acc.SendVerifyCode(w.ctx, phone, 1, 0))
	code, err := acc.GetVerifyCode(w.ctx, phone, 300)
	must(w.t, "getVerifyCode", err)
	u, err := acc.Register(w.ctx, "", phone, nick, "pw-123456", code)
	must(w.t, "register", err)
	return person{User: u, c: w.client.As(u.UserID)}
}

// device activates a new device of product sub (a fresh 16-hex-char
// physical id) and connects ep for it when ep is not nil.
func (w *world) device(sub string, ep hub.Endpoint) string {
	w.t.Helper()
	pid := fmt.Sprintf("F%015X", w.next.Add(1))
	if err := w.client.Warehouse().ActivateDevice(w.ctx, sub, acapi.Activation{PhysicalDeviceID: pid, DevVersion: "1-0-0", ModVersion: "2-0-0", MAC: "02:00:00:00:00:01"}); err != nil {
		w.t.Fatalf("activateDevice(%s, %s): %v", sub, pid, err)
	}
	if ep != nil {
		w.cloud.Hub.Connect(hub.Key{SubDomain: sub, PhysicalID: pid}, ep, "127.0.0.1")
	}
	return pid
}

// bound binds a new online plug to p and returns it.
func (w *world) bound(p person, name string) models.Device {
	w.t.Helper()
	pid := w.device("plug", &echoDevice{})
	d, err := p.c.Bind().BindDevice(w.ctx, "plug", pid, name)
	if err != nil {
		w.t.Fatalf("bindDevice: %v", err)
	}
	return d
}

func (w *world) join(gwSub, gwPID, sub, pid string) bool {
	return w.cloud.Hub.Join(hub.Key{SubDomain: gwSub, PhysicalID: gwPID}, hub.Key{SubDomain: sub, PhysicalID: pid})
}

func ids(ds []models.Device) []int64 {
	out := make([]int64, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.DeviceID)
	}
	slices.Sort(out)
	return out
}

func userIDs(us []models.DeviceUser) []int64 {
	out := make([]int64, 0, len(us))
	for _, u := range us {
		out = append(out, u.UserID)
	}
	slices.Sort(out)
	return out
}

func sees(t testing.TB, p person, deviceID int64) bool {
	t.Helper()
	ds, err := p.c.Bind().ListDevices(context.Background(), false)
	if err != nil {
		t.Fatalf("listDevices for %d: %v", p.UserID, err)
	}
	return slices.Contains(ids(ds), deviceID)
}

// wantCode fails unless err carries one of codes.
func wantCode(t testing.TB, what string, err error, codes ...int) {
	t.Helper()
	if err == nil {
		t.Errorf("%s succeeded, want error %v", what, codes)
		return
	}
	if !slices.Contains(codes, acapi.Code(err)) {
		t.Errorf("%s: %v, want code %v", what, err, codes)
	}
}

// val hands on a call's answer once its error is checked: a failed call
// fails the test, never passes a check as an empty answer would.
// Use: subs := val(c.Bind().ListSubDevices(ctx, …))(t, "ListSubDevices").
func val[T any](v T, err error) func(t testing.TB, what string) T {
	return func(t testing.TB, what string) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// servicesReady fails a test early, with a message that says what is
// missing, when the local cloud does not serve the device services or the
// simulated catalog, instead of letting every call fail with 3009/3008.
func servicesReady(t testing.TB, e *env, services ...string) {
	t.Helper()
	for _, s := range services {
		if !e.cloud.Registry.HasService(s) {
			t.Fatalf("the local cloud does not serve %s (cloud/devices not wired into cloud/server.go)", s)
		}
	}
	if _, ok := e.cloud.Platform.SubDomain(context.Background(), e.cloud.Domain.ID, "plug"); !ok {
		t.Fatal("the local cloud has no product \"plug\" (the cloud/sim catalog is not wired)")
	}
}
