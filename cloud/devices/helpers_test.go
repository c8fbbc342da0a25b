package devices

import (
	"acconsole/cloud/rpc/rpctest"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"acconsole/cloud/account"
	"acconsole/cloud/hub"
	"acconsole/cloud/platform"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/cloud/store/storetest"
	"acconsole/internal/clock"
	"acconsole/models"
)

// env is a local cloud with the device services behind a real rpc handler
// on a loopback HTTP server.
type env struct {
	t     testing.TB
	db    *store.DB
	plat  *platform.Platform
	acc   *account.Service
	hub   *hub.Hub
	svc   *Service
	srv   *httptest.Server
	dev   rpc.Developer
	dom   rpc.Domain
	clock *clock.Fake
	subs  map[string]rpc.SubDomain
	nonce atomic.Int64
	// unbinds records OnUnbind calls.
	mu      sync.Mutex
	unbinds []unbound
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, clock: clock.NewFake(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)), subs: map[string]rpc.SubDomain{}}
	db, err := store.Open(storetest.Location(t))
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	if e.plat, err = platform.Open(ctx, db); err != nil {
		t.Fatal(err)
	}
	if e.dev, e.dom, err = e.plat.EnsureDomain(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, typ string }{
		{demoPlug, "wifi"}, {demoPurifier, "wifi"}, {demoGateway, "wifi"},
		{demoBulb, "zigbee"}, {demoDoorSensor, "zigbee"}, {demoSwitch, "zigbee"},
	} {
		sd, err := e.plat.EnsureProduct(ctx, e.dom.ID, models.Product{SubDomainName: p.name, Name: p.name, Type: p.typ})
		if err != nil {
			t.Fatal(err)
		}
		e.subs[p.name] = sd
	}
	e.acc = account.New(db, account.Options{Clock: e.clock, BcryptCost: bcrypt.MinCost})
	e.hub = hub.New(e.clock.Now)
	// A flush interval of an hour: tests flush explicitly.
	if e.svc, err = New(db, e.plat, e.acc, e.hub, Options{Clock: e.clock, FlushInterval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	e.svc.OnUnbind(func(d, u int64, owner bool) {
		e.mu.Lock()
		e.unbinds = append(e.unbinds, unbound{d, u, owner})
		e.mu.Unlock()
	})
	reg := rpc.NewRegistry()
	e.acc.Register(reg)
	e.svc.Register(reg)
	e.srv = httptest.NewServer(rpc.NewHandler(reg, e.plat, e.acc, rpc.Options{Now: e.clock.Now}))
	// Keep connections for many callers at once, as acapi's client does:
	// the default two would make concurrent benchmarks reconnect.
	e.srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	t.Cleanup(func() {
		e.srv.Close()
		e.svc.Close()
		e.checkUserCounts()
		e.db.Close()
	})
	return e
}

func (e *env) takeUnbinds() []unbound {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.unbinds
	e.unbinds = nil
	return out
}

// user creates an account and returns its id.
func (e *env) user(n int) int64 {
	e.t.Helper()
	id, err := e.acc.CreateUser(context.Background(), nil, e.dom.ID, account.NewUser{
		Email: fmt.Sprintf("u%d@example.com", n), Phone: fmt.Sprintf("1390000%04d", n), NickName: fmt.Sprintf("User %d", n),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// activate puts a device of product sub in the warehouse.
func (e *env) activate(sub, pid string) {
	e.t.Helper()
	if err := e.svc.Activate(context.Background(), e.subs[sub].ID, models.DeviceInfo{PhysicalDeviceID: pid, DevVersion: "1-0-0"}); err != nil {
		e.t.Fatal(err)
	}
}

// apiErr is a protocol error answer.
type apiErr struct {
	Code int
	Msg  string
}

func (a *apiErr) Error() string { return fmt.Sprintf("%d: %s", a.Code, a.Msg) }

// req is one request; uid 0 is developer scope.
type req struct {
	service, method, sub string
	uid                  int64
	params               map[string]any
	stream               bool
	query                url.Values
	payload              []byte
}

// sign adds the developer-signature headers (PROTOCOL §1.5), written here
// from the protocol rather than imported from acapi.
func (e *env) sign(h http.Header, method, sub string, uid int64) {
	d := rpctest.Developer{ID: e.dev.ID, AccessKey: e.dev.AccessKey, SecretKey: e.dev.SecretKey, MajorDomain: e.dom.Name}
	d.Sign(h, method, sub, uid, e.clock.Now(), fmt.Sprintf("n%015d", e.nonce.Add(1)))
}

// raw sends r and returns the HTTP response with its body read.
func (e *env) raw(r req) (*http.Response, []byte) {
	e.t.Helper()
	if r.service == "" {
		r.service = BindService
	}
	u := e.srv.URL + "/" + r.service + "/v1/" + r.method
	var body io.Reader
	ct := "application/x-zc-object"
	if r.stream {
		ct = "application/octet-stream"
		body = bytes.NewReader(r.payload)
		if len(r.query) > 0 {
			u += "?" + r.query.Encode()
		}
	} else {
		b, _ := json.Marshal(r.params)
		if r.params == nil {
			b = nil
		}
		body = bytes.NewReader(b)
	}
	hr, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		e.t.Fatal(err)
	}
	hr.Header.Set("Content-Type", ct)
	e.sign(hr.Header, r.method, r.sub, r.uid)
	resp, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d: %s", r.method, resp.StatusCode, b)
	}
	return resp, b
}

// do sends r and decodes the answer into out (may be nil); a protocol
// error is returned as *apiErr.
func (e *env) do(r req, out any) *apiErr {
	e.t.Helper()
	resp, b := e.raw(r)
	switch resp.Header.Get("X-Zc-Msg-Name") {
	case "X-Zc-Ack":
		if out != nil && len(b) > 0 {
			if err := json.Unmarshal(b, out); err != nil {
				e.t.Fatalf("%s: decode %s: %v", r.method, b, err)
			}
		}
		return nil
	case "X-Zc-Err":
		var a struct {
			Error     string `json:"error"`
			ErrorCode int    `json:"errorCode"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			e.t.Fatalf("%s: error body %s: %v", r.method, b, err)
		}
		if a.Error == "" {
			e.t.Fatalf("%s: error %d without a message", r.method, a.ErrorCode)
		}
		return &apiErr{a.ErrorCode, a.Error}
	}
	e.t.Fatalf("%s: no X-Zc-Msg-Name in %v", r.method, resp.Header)
	return nil
}

// bind calls a zc-bind method for user uid.
func (e *env) bind(uid int64, sub, method string, params map[string]any, out any) *apiErr {
	e.t.Helper()
	return e.do(req{method: method, sub: sub, uid: uid, params: params}, out)
}

// must fails the test on a protocol error.
func (e *env) must(a *apiErr) {
	e.t.Helper()
	if a != nil {
		e.t.Fatalf("unexpected error %v", a)
	}
}

// wantCode fails unless a is the protocol error code.
func wantCode(t testing.TB, a *apiErr, code int) {
	t.Helper()
	if a == nil {
		t.Fatalf("got success, want error %d", code)
	}
	if a.Code != code {
		t.Fatalf("got error %d (%s), want %d", a.Code, a.Msg, code)
	}
}

// bindDev binds a warehouse device of sub for uid and returns the device.
func (e *env) bindDev(uid int64, sub, pid string) models.Device {
	e.t.Helper()
	var out struct {
		Device models.Device `json:"device"`
	}
	e.must(e.bind(uid, sub, "bindDevice", map[string]any{"physicalDeviceId": pid, "name": "dev " + pid}, &out))
	return out.Device
}

func (e *env) listDevices(uid int64, status bool) []models.Device {
	e.t.Helper()
	var out struct {
		Devices []models.Device `json:"devices"`
	}
	e.must(e.bind(uid, "", "listDevices", map[string]any{"status": status}, &out))
	return out.Devices
}

func (e *env) shareCode(uid int64, sub string, devID int64, timeout int) string {
	e.t.Helper()
	var out map[string]string
	p := map[string]any{"deviceId": devID}
	if timeout != 0 {
		p["timeout"] = timeout
	}
	e.must(e.bind(uid, sub, "getShareCode", p, &out))
	return out["shareCode"]
}

func ids(ds []models.Device) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.DeviceID
	}
	return out
}

func hasID(ds []models.Device, id int64) bool {
	for _, d := range ds {
		if d.DeviceID == id {
			return true
		}
	}
	return false
}

// fakeDevice is a hub endpoint: it answers commands with a function, and
// as a gateway it records its pairing window.
type fakeDevice struct {
	reply func(ctx context.Context, code int, payload []byte) (int, []byte, error)
	mu    sync.Mutex
	open  time.Time
}

func (f *fakeDevice) Deliver(ctx context.Context, code int, payload []byte) (int, []byte, error) {
	if f.reply == nil {
		return code + 100, payload, nil
	}
	return f.reply(ctx, code, payload)
}

func (f *fakeDevice) OpenMatch(deadline time.Time) error {
	f.mu.Lock()
	f.open = deadline
	f.mu.Unlock()
	return nil
}

func (f *fakeDevice) CloseMatch() error {
	f.mu.Lock()
	f.open = time.Time{}
	f.mu.Unlock()
	return nil
}

// checkUserCounts holds every test to the count of devices per user that
// the database keeps (dev_user_counts): after whatever the test did, it
// must equal the user's bindings counted one by one.
func (e *env) checkUserCounts() {
	e.t.Helper()
	rows, err := e.db.Query(`SELECT COALESCE(b.user_id, c.user_id), COUNT(b.user_id), COALESCE(MAX(c.devices), 0)
		FROM dev_bindings b FULL OUTER JOIN dev_user_counts c ON c.user_id = b.user_id
		GROUP BY COALESCE(b.user_id, c.user_id)`)
	if err != nil {
		e.t.Errorf("read the device counts: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var uid, counted, kept int64
		if err := rows.Scan(&uid, &counted, &kept); err != nil {
			e.t.Errorf("read the device counts: %v", err)
			return
		}
		if counted != kept {
			e.t.Errorf("user %d holds %d devices, but the kept count says %d", uid, counted, kept)
		}
	}
}
