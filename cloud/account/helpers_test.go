package account_test

import (
	"acconsole/cloud/rpc/rpctest"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"acconsole/cloud/account"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/cloud/store/storetest"
	"acconsole/internal/clock"

	"golang.org/x/crypto/bcrypt"
)

// dir is a one-developer, one-domain rpc.Directory.
type dir struct{}

var acme = rpc.Domain{ID: 1, Name: "acme", DeveloperID: 1}

func (dir) Developer(_ context.Context, id int64) (rpc.Developer, bool) {
	if id != 1 {
		return rpc.Developer{}, false
	}
	return rpc.Developer{ID: 1, AccessKey: "ak", SecretKey: "sk", DomainID: 1}, true
}

func (dir) DomainByName(_ context.Context, name string) (rpc.Domain, bool) {
	return acme, name == "acme"
}

func (dir) DefaultDomain(context.Context) (rpc.Domain, bool) { return acme, true }

func (dir) SubDomain(context.Context, int64, string) (rpc.SubDomain, bool) {
	return rpc.SubDomain{}, false
}

type env struct {
	t   testing.TB
	srv *httptest.Server
	hc  *http.Client
	clk *clock.Fake
	db  *store.DB
	svc *account.Service
}

func newEnv(t testing.TB, opt account.Options) *env {
	t.Helper()
	return newEnvRouted(t, opt, rpc.Options{})
}

// newEnvRouted is newEnv with the router's options (the clock is the
// env's).
func newEnvRouted(t testing.TB, opt account.Options, ro rpc.Options) *env {
	t.Helper()
	db, err := store.Open(storetest.Location(t))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if opt.RuntimeMode == "" {
		opt.RuntimeMode = "test"
	}
	opt.Clock = clk
	if opt.BcryptCost == 0 {
		opt.BcryptCost = bcrypt.MinCost
	}
	svc := account.New(db, opt)
	reg := rpc.NewRegistry()
	svc.Register(reg)
	ro.Now = clk.Now
	srv := httptest.NewServer(rpc.NewHandler(reg, dir{}, svc, ro))
	t.Cleanup(func() {
		srv.Close()
		db.Close()
	})
	// Enough idle connections for the 64-client benchmark to reuse them.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	t.Cleanup(hc.CloseIdleConnections)
	return &env{t: t, srv: srv, hc: hc, clk: clk, db: db, svc: svc}
}

// how a request is signed
type signing struct {
	dev          bool
	devUser      int64 // X-Zc-User-Id with a developer signature
	userID       int64
	token        string // access or refresh token for a user signature
	version      int
	rawBody      string
	badDevSecret bool
	// from is the client's loopback address (127.x.y.z); "" is 127.0.0.1.
	from string
	// forwardedFor is an X-Forwarded-For the client itself sends.
	forwardedFor string
}

// result is one answer, success or error.
type result struct {
	ok   bool
	body map[string]any
	code int
	msg  string
}

const nonce = "abcdEFGH12345678"

func (e *env) do(method string, params map[string]any, s signing) result {
	e.t.Helper()
	body := []byte(s.rawBody)
	if s.rawBody == "" {
		var err error
		if body, err = json.Marshal(params); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/zc-account/v1/"+method, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	h := req.Header
	h.Set("Content-Type", "application/x-zc-object")
	h.Set("X-Zc-Major-Domain", "acme")
	if s.version > 0 {
		h.Set("X-Zc-Version", strconv.Itoa(s.version))
	}
	switch {
	case s.dev:
		sk := "sk"
		if s.badDevSecret {
			sk = "wrong"
		}
		rpctest.Developer{ID: 1, AccessKey: "ak", SecretKey: sk, MajorDomain: "acme"}.Sign(h, method, "", s.devUser, e.clk.Now(), nonce)
	case s.userID != 0:
		rpctest.SignUser(h, s.userID, s.token, e.clk.Now(), nonce)
	default:
		h.Set("X-Zc-Access-Mode", "1")
	}
	if s.forwardedFor != "" {
		h.Set("X-Forwarded-For", s.forwardedFor)
	}
	hc := e.hc
	if s.from != "" {
		hc = e.clientFrom(s.from)
	}
	resp, err := hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d %s", method, resp.StatusCode, raw)
	}
	var r result
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := dec.Decode(&r.body); err != nil {
			e.t.Fatalf("%s: body %q: %v", method, raw, err)
		}
	}
	switch resp.Header.Get("X-Zc-Msg-Name") {
	case "X-Zc-Ack":
		r.ok = true
	case "X-Zc-Err":
		n, _ := r.body["errorCode"].(json.Number).Int64()
		r.code, r.msg = int(n), r.body["error"].(string)
	default:
		e.t.Fatalf("%s: no X-Zc-Msg-Name in the answer", method)
	}
	return r
}

func (e *env) anon(method string, p map[string]any) result {
	e.t.Helper()
	return e.do(method, p, signing{})
}

func (e *env) anonV1(method string, p map[string]any) result {
	e.t.Helper()
	return e.do(method, p, signing{version: 1})
}

func (e *env) dev(method string, p map[string]any) result {
	e.t.Helper()
	return e.do(method, p, signing{dev: true})
}

func (e *env) devAs(uid int64, method string, p map[string]any) result {
	e.t.Helper()
	return e.do(method, p, signing{dev: true, devUser: uid})
}

func (e *env) user(s session, method string, p map[string]any) result {
	e.t.Helper()
	return e.do(method, p, signing{userID: s.id, token: s.token})
}

func (e *env) refresh(s session, version int) result {
	e.t.Helper()
	return e.do("updateAccessToken", map[string]any{}, signing{userID: s.id, token: s.refresh, version: version})
}

// must fails the test unless r succeeded.
func (r result) must(t testing.TB, what string) map[string]any {
	t.Helper()
	if !r.ok {
		t.Fatalf("%s: error %d %q", what, r.code, r.msg)
	}
	return r.body
}

// wantErr fails the test unless r is error code.
func (r result) wantErr(t testing.TB, what string, code int) {
	t.Helper()
	if r.ok {
		t.Fatalf("%s: succeeded with %v, want error %d", what, r.body, code)
	}
	if r.code != code {
		t.Fatalf("%s: error %d %q, want %d", what, r.code, r.msg, code)
	}
	if r.msg == "" {
		t.Fatalf("%s: error %d without a message", what, r.code)
	}
}

// session is a logged-in user.
type session struct {
	id             int64
	token, refresh string
	body           map[string]any
}

func sessionOf(t testing.TB, b map[string]any) session {
	t.Helper()
	id, err := b["userId"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("userId in %v: %v", b, err)
	}
	return session{id: id, token: b["token"].(string), refresh: b["refreshToken"].(string), body: b}
}

func num(t testing.TB, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// codeFor sends a verify code to acct and reads it back from the outbox.
func (e *env) codeFor(acct string) string {
	e.t.Helper()
	e.anon("sendVerifyCode", map[string]any{"account": acct, "template": 1}).must(e.t, "sendVerifyCode "+acct)
	msgs := e.dev("listSmsOutbox", map[string]any{"limit": 1}).must(e.t, "listSmsOutbox")["messages"].([]any)
	m := msgs[0].(map[string]any)
	if m["account"] != acct {
		e.t.Fatalf("newest outbox message is for %v, want %s", m["account"], acct)
	}
	return m["code"].(string)
}

// registerV1 registers an account with expiring tokens.
func (e *env) registerV1(acct, password string) session {
	e.t.Helper()
	key := "phone"
	for _, c := range acct {
		if c == '@' {
			key = "email"
		}
	}
	code := e.codeFor(acct)
	b := e.anonV1("register", map[string]any{key: acct, "password": password, "verifyCode": code, "nickName": "n-" + acct}).must(e.t, "register "+acct)
	return sessionOf(e.t, b)
}
