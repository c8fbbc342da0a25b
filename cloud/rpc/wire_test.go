package rpc_test

// Wire variants real clients send, against a real local cloud on loopback.
// PROTOCOL-EXTENSIONS.md ("Wire variants") lists each one with the test
// that holds it here.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
)

// wireReq is one hand-built request.
type wireReq struct {
	path    string
	ct      string // "" = application/x-zc-object
	body    string
	headers map[string]string // set last; "" deletes
}

type wireResp struct {
	header http.Header
	body   map[string]any
	raw    []byte
	code   int // errorCode; 0 for X-Zc-Ack
	msg    string
}

func send(t *testing.T, base string, r wireReq, sign func(http.Header)) wireResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	ct := r.ct
	if ct == "" {
		ct = "application/x-zc-object"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Zc-Major-Domain", "acme")
	if sign != nil {
		sign(req.Header)
	}
	for k, v := range r.headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := wireResp{header: resp.Header}
	out.raw, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d", r.path, resp.StatusCode)
	}
	_ = json.Unmarshal(out.raw, &out.body)
	switch resp.Header.Get("X-Zc-Msg-Name") {
	case "X-Zc-Ack":
	case "X-Zc-Err":
		out.code = int(out.body["errorCode"].(float64))
		out.msg, _ = out.body["error"].(string)
	default:
		t.Fatalf("%s: X-Zc-Msg-Name %q", r.path, resp.Header.Get("X-Zc-Msg-Name"))
	}
	return out
}

// devSign signs like PROTOCOL §1.5 with explicit nonce and major domain.
func devSign(c *cloudtest.Cloud, method, major, sub, nonce string, upper bool) func(http.Header) {
	return func(h http.Header) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		id := strconv.FormatInt(c.Developer.ID, 10)
		m := hmac.New(sha256.New, []byte(c.Developer.SecretKey))
		m.Write([]byte("300" + ts + nonce + id + method + major + sub))
		sig := hex.EncodeToString(m.Sum(nil))
		if upper {
			sig = strings.ToUpper(sig)
		}
		h.Set("X-Zc-Major-Domain", major)
		if sub != "" {
			h.Set("X-Zc-Sub-Domain", sub)
		}
		h.Set("X-Zc-Developer-Id", id)
		h.Set("X-Zc-Timestamp", ts)
		h.Set("X-Zc-Timeout", "300")
		h.Set("X-Zc-Nonce", nonce)
		h.Set("X-Zc-Developer-Signature", sig)
	}
}

// userSign signs like PROTOCOL §1.6.
func userSign(uid int64, token, nonce string, upper bool) func(http.Header) {
	return func(h http.Header) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		sum := sha1.Sum([]byte("300" + ts + nonce + token))
		sig := hex.EncodeToString(sum[:])
		if upper {
			sig = strings.ToUpper(sig)
		}
		h.Set("X-Zc-User-Id", strconv.FormatInt(uid, 10))
		h.Set("X-Zc-Timestamp", ts)
		h.Set("X-Zc-Timeout", "300")
		h.Set("X-Zc-Nonce", nonce)
		h.Set("X-Zc-User-Signature", sig)
	}
}

// newUser registers an account through registerWithOpenId and returns its
// id and access token.
func newUser(t *testing.T, c *cloudtest.Cloud, openID string) (int64, string) {
	t.Helper()
	a := send(t, c.URL, wireReq{path: "/zc-account/v1/registerWithOpenId", body: `{"provider":"weixin","openId":"` + openID + `"}`},
		devSign(c, "registerWithOpenId", "acme", "", "abcdEFGH12345678", false))
	if a.code != 0 {
		t.Fatalf("registerWithOpenId: %d %s", a.code, a.msg)
	}
	uid, _ := a.body["userId"].(float64)
	tok, _ := a.body["token"].(string)
	if uid == 0 || tok == "" {
		t.Fatalf("registerWithOpenId answer %s", a.raw)
	}
	return int64(uid), tok
}

func wantOK(t *testing.T, what string, r wireResp) {
	t.Helper()
	if r.code != 0 {
		t.Errorf("%s: refused with %d %s", what, r.code, r.msg)
	}
}

func wantCode(t *testing.T, what string, r wireResp, code int, substr string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.msg, substr) {
		t.Errorf("%s: got %d %q, want %d containing %q", what, r.code, r.msg, code, substr)
	}
}

func TestWireVariantsAccepted(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	uid, tok := newUser(t, c, "o-variants")
	count := wireReq{path: "/zc-account/v1/getAccountCount", body: "{}"}
	profile := wireReq{path: "/zc-account/v1/getUserProfile", body: "{}"}

	// Content-Type with parameters (charset), in either JSON spelling.
	for _, ct := range []string{"application/x-zc-object; charset=utf-8", "application/x-zc-object;charset=UTF-8", "text/json; charset=utf-8", "application/json", "text/plain", "application/x-www-form-urlencoded", "APPLICATION/X-ZC-OBJECT"} {
		r := count
		r.ct = ct
		wantOK(t, "Content-Type "+ct, send(t, c.URL, r, devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)))
	}
	// No X-Zc-Access-Key: on a developer-signed call and on an anonymous
	// login (the wrong password answers 3502-class, past authentication).
	wantOK(t, "developer call without Access-Key", send(t, c.URL, count, devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)))
	login := send(t, c.URL, wireReq{path: "/zc-account/v1/login", body: `{"account":"13800000000","password":"wrong-pass-1"}`}, nil)
	if login.code == 3001 || login.code == 3015 || login.code == 0 {
		t.Errorf("anonymous login without Access-Key: %d %s", login.code, login.msg)
	}
	// No X-Zc-Major-Domain: the default (first) domain.
	wantOK(t, "no major domain", send(t, c.URL, wireReq{path: "/zc-account/v1/checkExist", body: `{"account":"13800000000"}`,
		headers: map[string]string{"X-Zc-Major-Domain": ""}}, nil))
	// The same fixed nonce twice (the server keeps no nonce history, Q10).
	for i := 0; i < 2; i++ {
		wantOK(t, "fixed nonce", send(t, c.URL, count, devSign(c, "getAccountCount", "acme", "", "1234567890123456", false)))
		wantOK(t, "fixed nonce, user", send(t, c.URL, profile, userSign(uid, tok, "1234567890123456", false)))
	}
	// Six-character nonces.
	wantOK(t, "6-char nonce", send(t, c.URL, count, devSign(c, "getAccountCount", "acme", "", "a1B2c3", false)))
	wantOK(t, "6-char nonce, user", send(t, c.URL, profile, userSign(uid, tok, "a1B2c3", false)))
	// Upper-case hex signatures.
	wantOK(t, "upper-case developer signature", send(t, c.URL, count, devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", true)))
	wantOK(t, "upper-case user signature", send(t, c.URL, profile, userSign(uid, tok, "abcdEFGH12345678", true)))
	// A router configured with a trailing slash: //service/v1/method.
	r := count
	r.path = "//zc-account/v1/getAccountCount"
	wantOK(t, "double slash", send(t, c.URL, r, devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)))
	r.path = "/zc-account/v1/getAccountCount/"
	wantOK(t, "trailing slash", send(t, c.URL, r, devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)))
	r.path = "/zc-account/V1/getAccountCount"
	wantOK(t, "upper-case V", send(t, c.URL, r, devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)))
}

func TestTraceIDForms(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	count := wireReq{path: "/zc-account/v1/getAccountCount", body: "{}"}
	sign := devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)
	// Any client form up to 128 characters comes back as sent: a UUID
	// (Node), 32 hex digits without dashes, free text (Android).
	for _, id := range []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5BD9CB469FA16570867728950E", "trace-abc", strings.Repeat("t", 128)} {
		r := count
		r.headers = map[string]string{"X-Zc-Trace-Id": id}
		if got := send(t, c.URL, r, sign).header.Get("X-Zc-Trace-Id"); got != id {
			t.Errorf("trace id %q echoed as %q", id, got)
		}
	}
	// Control characters (a tab is the one HTTP lets through) are dropped
	// from the echo.
	r := count
	r.headers = map[string]string{"X-Zc-Trace-Id": "trace\tabc"}
	if got := send(t, c.URL, r, sign).header.Get("X-Zc-Trace-Id"); got != "traceabc" {
		t.Errorf("trace id with a tab echoed as %q", got)
	}
	// None, or one longer than 128 characters: a fresh UUID v4, also on
	// an error answer.
	for _, id := range []string{"", strings.Repeat("t", 129)} {
		r := count
		r.headers = map[string]string{"X-Zc-Trace-Id": id}
		if got := send(t, c.URL, r, sign).header.Get("X-Zc-Trace-Id"); !uuid.MatchString(got) {
			t.Errorf("trace id %d chars long answered with %q, want a new UUID", len(id), got)
		}
	}
	if got := send(t, c.URL, count, nil).header.Get("X-Zc-Trace-Id"); !uuid.MatchString(got) {
		t.Errorf("error answer trace id %q", got)
	}
}

func TestWireVariantsRefused(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	count := wireReq{path: "/zc-account/v1/getAccountCount", body: "{}"}
	sign := devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)
	r := count
	r.ct = "text/xml; charset=utf-8"
	wantCode(t, "XML content type", send(t, c.URL, r, sign), 3003, "unsupported Content-Type")
	r = count
	r.headers = map[string]string{"X-Zc-Nonce": ""}
	wantCode(t, "no nonce", send(t, c.URL, r, sign), 3001, "X-Zc-Nonce is required")
	r = count
	r.path = "/zc-account//v1/getAccountCount"
	wantCode(t, "double slash inside the path", send(t, c.URL, r, sign), 3006, "bad URI")
	r = count
	r.headers = map[string]string{"X-Zc-Access-Key": "not-the-key"}
	wantCode(t, "a wrong Access-Key", send(t, c.URL, r, sign), 3015, "access key")
	// Access mode 1 makes no built-in developer method anonymous.
	r = count
	r.headers = map[string]string{"X-Zc-Access-Mode": "1"}
	wantCode(t, "access mode on a developer method", send(t, c.URL, r, nil), 3001, "missing signature")
}

// TestNumericMajorDomain: X-Zc-Major-Domain may carry the domain's id. The
// local cloud's first (and default) major domain has id 1.
func TestNumericMajorDomain(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	count := wireReq{path: "/zc-account/v1/getAccountCount", body: "{}"}
	// Signed with the id as the major domain, as the client sends it.
	a := send(t, c.URL, count, devSign(c, "getAccountCount", "1", "", "abcdEFGH12345678", false))
	wantOK(t, "major domain 1", a)
	if a.body["count"] != 0.0 {
		t.Errorf("getAccountCount answer %s", a.raw)
	}
	// Anonymous methods too.
	r := wireReq{path: "/zc-account/v1/checkExist", body: `{"account":"13800000000"}`, headers: map[string]string{"X-Zc-Major-Domain": "1"}}
	wantOK(t, "anonymous, major domain 1", send(t, c.URL, r, nil))
	r.headers["X-Zc-Major-Domain"] = "2"
	wantCode(t, "major domain 2", send(t, c.URL, r, nil), 3007, `major domain "2" does not exist`)
	r.headers["X-Zc-Major-Domain"] = "-1"
	wantCode(t, "major domain -1", send(t, c.URL, r, nil), 3007, "does not exist")
	// The id does not stand in for the name in the signature.
	wantCode(t, "signed with the name, sent with the id",
		send(t, c.URL, wireReq{path: count.path, body: "{}", headers: map[string]string{"X-Zc-Major-Domain": "1"}},
			devSign(c, "getAccountCount", "acme", "", "abcdEFGH12345678", false)), 3015, "signature does not match")
}

// TestAccountMethodsRefuseUnknownSubDomain: PROTOCOL §1.3/§4 — a sub-domain
// that does not exist is 3008, for zc-account methods too, whoever calls.
func TestAccountMethodsRefuseUnknownSubDomain(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	uid, tok := newUser(t, c, "o-sub")
	sub := map[string]string{"X-Zc-Sub-Domain": "no-such-product"}
	wantCode(t, "anonymous checkExist", send(t, c.URL, wireReq{path: "/zc-account/v1/checkExist", body: `{"account":"13800000000"}`, headers: sub}, nil),
		3008, `sub-domain "no-such-product" does not exist`)
	wantCode(t, "anonymous login", send(t, c.URL, wireReq{path: "/zc-account/v1/login", body: `{"account":"13800000000","password":"x"}`, headers: sub}, nil),
		3008, "no-such-product")
	wantCode(t, "user getUserProfile", send(t, c.URL, wireReq{path: "/zc-account/v1/getUserProfile", body: "{}", headers: sub}, userSign(uid, tok, "abcdEFGH12345678", false)),
		3008, "no-such-product")
	wantCode(t, "developer getAccountCount", send(t, c.URL, wireReq{path: "/zc-account/v1/getAccountCount", body: "{}"},
		devSign(c, "getAccountCount", "acme", "no-such-product", "abcdEFGH12345678", false)), 3008, "no-such-product")
	// An empty header (Android) is no sub-domain.
	wantOK(t, "empty sub-domain", send(t, c.URL, wireReq{path: "/zc-account/v1/getUserProfile", body: "{}", headers: map[string]string{"X-Zc-Sub-Domain": " "}},
		userSign(uid, tok, "abcdEFGH12345678", false)))
}

// udsRecorder is a vendor service on loopback that records what the router
// forwards.
type udsRecorder struct {
	mu   sync.Mutex
	seen []http.Header
	srv  *httptest.Server
}

func newUDS(t *testing.T) *udsRecorder {
	u := &udsRecorder{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, r.Header.Clone())
		u.mu.Unlock()
		w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
		w.Header().Set("Content-Type", "application/x-zc-object")
		out, _ := json.Marshal(map[string]any{"method": r.URL.Path, "got": json.RawMessage(bytes.TrimSpace(body))})
		_, _ = w.Write(out)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *udsRecorder) last(t *testing.T) http.Header {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		t.Fatal("the UDS got no call")
	}
	return u.seen[len(u.seen)-1]
}

func (u *udsRecorder) calls() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.seen)
}

// TestAnonymousServiceCalls: X-Zc-Access-Mode: 1 (Node SDK
// sendToServiceWithoutSign, a vendor app's login service) reaches a UDS that
// opted in, marked anonymous and without a user; other services refuse it.
func TestAnonymousServiceCalls(t *testing.T) {
	login, orders := newUDS(t), newUDS(t)
	c := cloudtest.Start(t, cloudtest.Options{
		UDS:          map[string]string{"vendor-login": login.srv.URL, "orders": orders.srv.URL},
		UDSAnonymous: []string{"vendor-login"},
		Demo:         20, // users to act for
	})
	// As the Node SDK sends it: access mode 1, the access key, no
	// signature; a user id nobody vouches for is not passed on.
	anon := map[string]string{"X-Zc-Access-Mode": "1", "X-Zc-Access-Key": c.Developer.AccessKey, "X-Zc-User-Id": "7"}
	a := send(t, c.URL, wireReq{path: "/vendor-login/v1/loginByCode", body: `{"phone":"13800000000","code":"1234"}`, headers: anon}, nil)
	wantOK(t, "anonymous call to an opted-in UDS", a)
	if a.body["method"] != "/loginByCode" || !strings.Contains(string(a.raw), `"code":"1234"`) {
		t.Errorf("UDS answer %s", a.raw)
	}
	h := login.last(t)
	if h.Get("X-Zc-Access-Mode") != "1" || h.Get("X-Zc-User-Id") != "" || h.Get("X-Zc-Major-Domain") != "acme" {
		t.Errorf("forwarded headers: access mode %q, user %q, major %q", h.Get("X-Zc-Access-Mode"), h.Get("X-Zc-User-Id"), h.Get("X-Zc-Major-Domain"))
	}
	// The same call to a service that did not opt in: 3001, saying why.
	r := send(t, c.URL, wireReq{path: "/orders/v1/list", body: "{}", headers: anon}, nil)
	wantCode(t, "anonymous call to another UDS", r, 3001, `service "orders" does not take anonymous calls`)
	if orders.calls() != 0 {
		t.Error("the refused call reached the UDS")
	}
	// No access mode and no signature: still refused, for either service.
	wantCode(t, "unsigned call without access mode", send(t, c.URL, wireReq{path: "/vendor-login/v1/loginByCode", body: "{}"}, nil), 3001, "missing signature")
	// A signed call with access mode 1 is a signed call: the user is
	// passed on and it is not marked anonymous.
	n := login.calls()
	s := send(t, c.URL, wireReq{path: "/vendor-login/v1/profile", body: "{}", headers: map[string]string{"X-Zc-Access-Mode": "1", "X-Zc-User-Id": "1"}},
		devSign(c, "profile", "acme", "", "abcdEFGH12345678", false))
	wantOK(t, "signed call with access mode 1", s)
	if login.calls() != n+1 {
		t.Fatal("the signed call did not reach the UDS")
	}
	if h := login.last(t); h.Get("X-Zc-Access-Mode") != "" || h.Get("X-Zc-User-Id") != "1" {
		t.Errorf("signed call forwarded with access mode %q, user %q", h.Get("X-Zc-Access-Mode"), h.Get("X-Zc-User-Id"))
	}
	// A wrong signature is not rescued by the access mode.
	bad := map[string]string{"X-Zc-Access-Mode": "1", "X-Zc-Developer-Signature": strings.Repeat("0", 64)}
	wantCode(t, "bad signature with access mode 1", send(t, c.URL, wireReq{path: "/vendor-login/v1/profile", body: "{}", headers: bad},
		devSign(c, "profile", "acme", "", "abcdEFGH12345678", false)), 3015, "")
}
