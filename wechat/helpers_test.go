package wechat

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
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
	"acconsole/models"
	"acconsole/wechat/wxapi"
	"acconsole/wechat/wxemu"
	"acconsole/wechat/wxpush"
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
	next  http.RoundTripper
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
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
	e := &env{t: t, ctx: context.Background(), audit: &auditLog{}, flaky: &flakyTransport{next: http.DefaultTransport}}
	e.cloud = cloudtest.Start(t, cloudtest.Options{})
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
	if e.bridge, err = NewBridge(e.ac, e.wx, e.emu.AccountID(), Options{}); err != nil {
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

// --- a minimal WebSocket client (RFC 6455, client side) -----------------------

type wsClient struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

// dialWS opens a WebSocket to the test server; the handshake's HTTP status
// is returned, with a client only for 101.
func dialWS(t *testing.T, serverURL, pathAndQuery string) (*wsClient, int) {
	t.Helper()
	u, _ := url.Parse(serverURL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	key := base64.StdEncoding.EncodeToString(raw)
	req := "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body.Close()
		conn.Close()
		return nil, resp.StatusCode
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != wsAccept(key) {
		t.Fatalf("Sec-WebSocket-Accept %q, want %q", got, wsAccept(key))
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		t.Fatalf("Upgrade header %q", resp.Header.Get("Upgrade"))
	}
	c := &wsClient{t: t, conn: conn, br: br}
	t.Cleanup(func() { conn.Close() })
	return c, resp.StatusCode
}

// send writes one frame; clients must mask, and masked=false breaks that
// rule on purpose.
func (c *wsClient) send(op byte, fin, masked bool, payload []byte) {
	c.t.Helper()
	var b bytes.Buffer
	first := op
	if fin {
		first |= 0x80
	}
	b.WriteByte(first)
	maskBit := byte(0)
	if masked {
		maskBit = 0x80
	}
	switch l := len(payload); {
	case l <= 125:
		b.WriteByte(maskBit | byte(l))
	case l <= 0xFFFF:
		b.WriteByte(maskBit | 126)
		_ = binary.Write(&b, binary.BigEndian, uint16(l))
	default:
		b.WriteByte(maskBit | 127)
		_ = binary.Write(&b, binary.BigEndian, uint64(l))
	}
	p := slices.Clone(payload)
	if masked {
		var key [4]byte
		_, _ = rand.Read(key[:])
		b.Write(key[:])
		for i := range p {
			p[i] ^= key[i&3]
		}
	}
	b.Write(p)
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write(b.Bytes()); err != nil {
		c.t.Fatalf("ws write: %v", err)
	}
}

// read returns the next frame from the server, which must be unmasked.
func (c *wsClient) read(timeout time.Duration) (byte, []byte, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, err
	}
	if h[1]&0x80 != 0 {
		return 0, nil, errors.New("server frame is masked")
	}
	if h[0]&0x80 == 0 {
		return 0, nil, errors.New("server sent a fragment")
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.br, p); err != nil {
		return 0, nil, err
	}
	return h[0] & 0x0F, p, nil
}

// readData skips pings and returns the next data or close frame.
func (c *wsClient) readData(timeout time.Duration) (byte, []byte) {
	c.t.Helper()
	for {
		op, p, err := c.read(timeout)
		if err != nil {
			c.t.Fatalf("ws read: %v", err)
		}
		if op != opPing && op != opPong {
			return op, p
		}
	}
}

// expectClose reads until a close frame and returns its code.
func (c *wsClient) expectClose() int {
	c.t.Helper()
	op, p := c.readData(5 * time.Second)
	if op != opClose {
		c.t.Fatalf("got opcode %#x (%q), want a close frame", op, p)
	}
	if len(p) < 2 {
		return closeNoStatus
	}
	return int(binary.BigEndian.Uint16(p))
}

func closePayload(code int, reason string) []byte {
	p := binary.BigEndian.AppendUint16(nil, uint16(code))
	return append(p, reason...)
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

// raw writes bytes as they are, for frames send cannot produce (lengths
// encoded in more bytes than needed, or with the top bit set).
func (c *wsClient) raw(b []byte) {
	c.t.Helper()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("ws write: %v", err)
	}
}

// rawHeader is a masked client frame's header with the length field given
// as is: the 7-bit length (126 or 127 select the extended forms) followed
// by ext, and a zero mask key (payload bytes then go unchanged).
func rawHeader(op byte, len7 byte, ext []byte) []byte {
	h := []byte{0x80 | op, 0x80 | len7}
	h = append(h, ext...)
	return append(h, 0, 0, 0, 0)
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
