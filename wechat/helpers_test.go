package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/hub"
	"acconsole/i18n"
	"acconsole/internal/clock"
	"acconsole/models"
	"acconsole/wechat/wxapi"
	"acconsole/wechat/wxemu"
	"acconsole/wechat/wxpush"

	"github.com/coder/websocket"
)

// The tests run the whole bridge on loopback: a real local cloud
// (cloudtest), the WeChat emulator (wxemu) pushing to the bridge's callback
// on an httptest server, and the bridge's own endpoints.

const (
	testToken  = "bridge-test-token"
	testSecret = "push-secret-0123456789"
	testTmpl   = "TMPL_ALERT_1"
)

// auditLog records the bridge's mutating AbleCloud calls, which is how the
// tests tell that a push was handled once.
type auditLog struct {
	mu      sync.Mutex
	entries []acapi.AuditEntry
}

func (a *auditLog) Audit(e acapi.AuditEntry) {
	a.mu.Lock()
	a.entries = append(a.entries, e)
	a.mu.Unlock()
}

func (a *auditLog) count(method string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, e := range a.entries {
		if e.Method == method && e.Error == "" {
			n++
		}
	}
	return n
}

// flakyTransport fails or delays the bridge's AbleCloud calls on demand.
type flakyTransport struct {
	fail  atomic.Int32 // fail this many requests
	delay atomic.Int64 // nanoseconds to wait before each request
	// hold, when set, keeps every request waiting until it is closed.
	hold atomic.Pointer[chan struct{}]
	next http.RoundTripper
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := f.hold.Load(); h != nil {
		select {
		case <-*h:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	if d := time.Duration(f.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	if f.fail.Load() > 0 {
		f.fail.Add(-1)
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset (test)")}
	}
	return f.next.RoundTrip(r)
}

type env struct {
	t      *testing.T
	ctx    context.Context
	cloud  *cloudtest.Cloud
	dev    *acapi.Client // developer client of the test itself
	ac     *acapi.Client // the bridge's client (audited, flaky)
	audit  *auditLog
	flaky  *flakyTransport
	emu    *wxemu.Emulator
	wx     *wxapi.Client
	bridge *Bridge
	server *Server
	srv    *httptest.Server
	next   atomic.Int64
}

type envOption func(*ServerConfig)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	return newEnvWith(t, envSetup{}, opts...)
}

// envSetup sets what envOption cannot reach: the bridge's language and
// the cloud's clock.
type envSetup struct {
	lang       i18n.Lang // "" is the bridge's default
	cloudClock clock.Clock
}

func newEnvWith(t *testing.T, setup envSetup, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), audit: &auditLog{}, flaky: &flakyTransport{next: http.DefaultTransport}}
	e.cloud = cloudtest.Start(t, cloudtest.Options{Clock: setup.cloudClock})
	cfg := func(hc *http.Client, auditor acapi.Auditor) acapi.Config {
		return acapi.Config{Routers: []string{e.cloud.URL}, DeveloperID: e.cloud.Developer.ID,
			AccessKey: e.cloud.Developer.AccessKey, SecretKey: e.cloud.Developer.SecretKey,
			MajorDomain: e.cloud.Domain.Name, HTTPClient: hc, Auditor: auditor, MaxAttempts: 1}
	}
	var err error
	if e.dev, err = acapi.New(cfg(nil, nil)); err != nil {
		t.Fatal(err)
	}
	if e.ac, err = acapi.New(cfg(&http.Client{Transport: e.flaky}, e.audit)); err != nil {
		t.Fatal(err)
	}

	e.emu = wxemu.New(wxemu.Config{})
	emuSrv := httptest.NewServer(e.emu)
	t.Cleanup(emuSrv.Close)
	if e.wx, err = wxapi.New(wxapi.Config{AppID: e.emu.AppID(), AppSecret: e.emu.AppSecret(), BaseURL: emuSrv.URL}); err != nil {
		t.Fatal(err)
	}
	if e.bridge, err = NewBridge(e.ac, e.wx, e.emu.AccountID(), Options{Lang: setup.lang}); err != nil {
		t.Fatal(err)
	}
	sc := ServerConfig{
		Callback: CallbackConfig{Token: testToken, DeviceName: "WeChat device", DefaultSubDomain: "plug", GatewaySubDomains: []string{"gateway"}},
		Push:     PushConfig{Secret: testSecret, TemplateID: testTmpl, Burst: 100, Rate: 100},
	}
	for _, o := range opts {
		o(&sc)
	}
	if e.server, err = NewServer(e.bridge, sc); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(func() {
		e.server.Close()
		e.srv.Close()
	})
	e.emu.SetCallback(e.srv.URL+PathCallback, testToken)
	return e
}

// echoDevice is a connected device for the hub: online, answers anything.
type echoDevice struct{}

func (echoDevice) Deliver(ctx context.Context, code int, payload []byte) (int, []byte, error) {
	return 102, payload, nil
}

// device puts a new device of product sub in the AbleCloud warehouse and
// authorises it on the WeChat side; online connects it to the hub.
func (e *env) device(sub string, online bool) string {
	e.t.Helper()
	pid := fmt.Sprintf("W%015X", e.next.Add(1))
	if err := e.dev.Warehouse().ActivateDevice(e.ctx, sub, acapi.Activation{PhysicalDeviceID: pid, DevVersion: "1-0-0"}); err != nil {
		e.t.Fatalf("activate %s: %v", pid, err)
	}
	e.emu.AuthorizeDevice(pid, "02:00:00:00:00:01")
	if online {
		e.cloud.Hub.Connect(hub.Key{SubDomain: sub, PhysicalID: pid}, echoDevice{}, "127.0.0.1")
	}
	return pid
}

// user returns the AbleCloud account of an OpenID, failing the test if
// there is none.
func (e *env) user(openID string) models.User {
	e.t.Helper()
	u, err := e.dev.Account().GetUserByOpenID(e.ctx, Provider, openID, "")
	if err != nil {
		e.t.Fatalf("no AbleCloud account for %s: %v", openID, err)
	}
	return u
}

// noUser checks that an OpenID has no account.
func (e *env) noUser(openID string) {
	e.t.Helper()
	_, err := e.dev.Account().GetUserByOpenID(e.ctx, Provider, openID, "")
	if acapi.Code(err) != models.ErrAccountAbsent {
		e.t.Fatalf("%s should have no account, got err %v", openID, err)
	}
}

// acDevices lists the physical ids the OpenID's user holds in AbleCloud.
func (e *env) acDevices(openID string) []string {
	e.t.Helper()
	u, err := e.dev.Account().GetUserByOpenID(e.ctx, Provider, openID, "")
	if acapi.Code(err) == models.ErrAccountAbsent {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	ds, err := e.dev.As(u.UserID).Bind().ListDevices(e.ctx, false)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.PhysicalDeviceID)
	}
	slices.Sort(out)
	return out
}

// wxDevices lists the devices the emulator has bound to the OpenID.
func (e *env) wxDevices(openID string) []string {
	var out []string
	for _, b := range e.emu.Bindings() {
		if b.OpenID == openID {
			out = append(out, b.DeviceID)
		}
	}
	return out
}

// agree checks that WeChat and AbleCloud hold the same bindings for each
// OpenID, and that they are want (sorted).
func (e *env) agree(openID string, want ...string) {
	e.t.Helper()
	slices.Sort(want)
	ac, wx := e.acDevices(openID), e.wxDevices(openID)
	if !slices.Equal(ac, wx) || !slices.Equal(ac, want) {
		e.t.Fatalf("%s: AbleCloud has %v, WeChat has %v, want %v", openID, ac, wx, want)
	}
}

// qr returns the device's QR text, optionally with the owner's share code.
func (e *env) qr(pid string, shareOf string) string {
	e.t.Helper()
	s, err := e.bridge.GetDeviceQRCode(e.ctx, pid, "plug", shareOf != "", shareOf, 5*time.Minute)
	if err != nil {
		e.t.Fatalf("GetDeviceQRCode(%s): %v", pid, err)
	}
	return s
}

// scan plays a user scanning a QR code in WeChat.
func (e *env) scan(openID, qr string) {
	e.t.Helper()
	if err := e.emu.ScanQR(e.ctx, openID, qr); err != nil {
		e.t.Fatalf("%s scans: %v", openID, err)
	}
}

// lastPush returns the body of the latest push with the given event.
func (e *env) lastPush(event string) []byte {
	e.t.Helper()
	ps := e.emu.Pushes()
	for i := len(ps) - 1; i >= 0; i-- {
		m, err := wxpush.ParseMessage(ps[i].Body)
		if err == nil && m.Event == event {
			return ps[i].Body
		}
	}
	e.t.Fatalf("no %s push sent", event)
	return nil
}

// post sends body to the callback signed with token at time ts.
func (e *env) post(body []byte, token string, ts time.Time) (int, string) {
	e.t.Helper()
	tss := strconv.FormatInt(ts.Unix(), 10)
	nonce := strconv.FormatInt(e.next.Add(1)+100000, 10)
	q := url.Values{"timestamp": {tss}, "nonce": {nonce}, "signature": {wxpush.Signature(token, tss, nonce)}}
	return e.postQuery(body, q)
}

func (e *env) postQuery(body []byte, q url.Values) (int, string) {
	e.t.Helper()
	resp, err := http.Post(e.srv.URL+PathCallback+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// subscribeXML is a follow push for openID.
func (e *env) subscribeXML(openID string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + e.emu.AccountID() + "]]></ToUserName><FromUserName><![CDATA[" + openID +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>")
}

// pushAlert POSTs an alert to the data-push endpoint with secret.
func (e *env) pushAlert(secret string, body any) (int, []Delivery) {
	e.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+PathPush, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(HeaderSecret, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &out); err != nil {
			e.t.Fatalf("push answer %s: %v", data, err)
		}
	}
	return resp.StatusCode, out.Deliveries
}

// --- the page's side of the channel ------------------------------------------

// dialWS opens a page's channel on the test server with a WebSocket client;
// the handshake's HTTP status is returned, with a connection only for 101.
// The connection is not read unless the test reads it, which is how a page
// that never answers a close frame is played.
func dialWS(t *testing.T, serverURL, pathAndQuery string, opts ...func(*websocket.DialOptions)) (*websocket.Conn, int) {
	t.Helper()
	var o websocket.DialOptions
	for _, f := range opts {
		f(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(serverURL, "http")+pathAndQuery, &o)
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c, resp.StatusCode
}

// readText reads the next message, which must be text.
func readText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, p, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("ws read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("a %v message, want text", typ)
	}
	return string(p)
}

// closeCode reads until the server closes the channel and returns the code
// of its close frame (-1 when the connection ended without one). The
// client answers the close frame as a browser does.
func closeCode(c *websocket.Conn) websocket.StatusCode {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// waitFor polls cond for up to 5 s (WebSocket registration and background
// handling finish on other goroutines).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// bridgeGoroutines returns the stacks of the running goroutines that are
// inside the bridge's WebSocket or callback code, except those whose id is
// in skip. "created by" lines are not looked at: a goroutine merely
// started from the bridge, done with its work and unwinding, is not one.
func bridgeGoroutines(skip map[string]bool) map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		id, _, _ := strings.Cut(strings.TrimPrefix(g, "goroutine "), " ")
		if skip[id] {
			continue
		}
		for _, line := range strings.Split(g, "\n") {
			if strings.HasPrefix(line, "created by ") {
				continue
			}
			if strings.Contains(line, "acconsole/wechat.(*Pusher)") || strings.Contains(line, "acconsole/wechat.(*wsConn)") ||
				strings.Contains(line, "acconsole/wechat.(*Callback)") {
				out[id] = g
				break
			}
		}
	}
	return out
}
