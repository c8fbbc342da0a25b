package acapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
)

// rawCall sends a hand-built request so the test sees the exact wire form.
type rawReq struct {
	path        string
	method      string
	contentType string
	body        []byte
	headers     map[string]string
	sign        bool // developer-sign with the cloud's key
	signMethod  string
	timestamp   int64
}

type rawResp struct {
	status  int
	header  http.Header
	body    []byte
	errCode int
	errMsg  string
}

func doRaw(t *testing.T, c *cloudtest.Cloud, r rawReq) rawResp {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	req, err := http.NewRequest(r.method, c.URL+r.path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.contentType != "-" {
		ct := r.contentType
		if ct == "" {
			ct = "application/x-zc-object"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("X-Zc-Major-Domain", c.Domain.Name)
	if r.sign {
		ts := r.timestamp
		if ts == 0 {
			ts = time.Now().Unix()
		}
		m := r.signMethod
		if m == "" {
			m, _, _ = strings.Cut(r.path[strings.LastIndex(r.path, "/")+1:], "?")
		}
		nonce := "abcdEFGH12345678"
		req.Header.Set("X-Zc-Developer-Id", strconv.FormatInt(c.Developer.ID, 10))
		req.Header.Set("X-Zc-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-Zc-Timeout", "300")
		req.Header.Set("X-Zc-Nonce", nonce)
		req.Header.Set("X-Zc-Developer-Signature", acapi.DeveloperSignature(c.Developer.SecretKey, 300, ts, nonce, c.Developer.ID, m, c.Domain.Name, ""))
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("raw request: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := rawResp{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.Header.Get("X-Zc-Msg-Name") == "X-Zc-Err" {
		var eb struct {
			Error     string `json:"error"`
			ErrorCode int    `json:"errorCode"`
		}
		if err := json.Unmarshal(body, &eb); err != nil {
			t.Fatalf("error body is not {error,errorCode}: %q", body)
		}
		out.errCode, out.errMsg = eb.ErrorCode, eb.Error
	}
	return out
}

func TestWireShapesAreExact(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	ok := doRaw(t, c, rawReq{path: "/zc-account/v1/getAccountCount", body: []byte("{}"), sign: true,
		headers: map[string]string{"X-Zc-Trace-Id": "trace-abc"}})
	if ok.status != 200 || ok.header["X-Zc-Msg-Name"][0] != "X-Zc-Ack" {
		t.Fatalf("success: status %d, X-Zc-Msg-Name %q", ok.status, ok.header["X-Zc-Msg-Name"])
	}
	if ok.header.Get("Content-Type") != "application/x-zc-object" {
		t.Fatalf("success content type %q", ok.header.Get("Content-Type"))
	}
	if ok.header.Get("X-Zc-Trace-Id") != "trace-abc" {
		t.Fatalf("trace id not echoed: %q", ok.header.Get("X-Zc-Trace-Id"))
	}
	var cnt map[string]any
	if err := json.Unmarshal(ok.body, &cnt); err != nil || cnt["count"] != float64(0) {
		t.Fatalf("count body %q", ok.body)
	}
	bad := doRaw(t, c, rawReq{path: "/zc-account/v1/getAccountInfo", body: []byte(`{"userId":77}`), sign: true})
	if bad.status != 200 || bad.header["X-Zc-Msg-Name"][0] != "X-Zc-Err" || bad.errCode != 3501 || bad.errMsg == "" {
		t.Fatalf("error answer: status %d header %q code %d msg %q", bad.status, bad.header["X-Zc-Msg-Name"], bad.errCode, bad.errMsg)
	}
	if bad.header.Get("X-Zc-Trace-Id") == "" {
		t.Fatal("a trace id is generated when the request has none")
	}
	// Numeric strings are accepted for integer keys (Q17); the query is
	// merged with the body.
	q := doRaw(t, c, rawReq{path: "/zc-account/v1/listAllAccounts?offset=0", body: []byte(`{"limit":"5"}`), sign: true})
	if q.errCode != 0 {
		t.Fatalf("numeric string limit refused: %d %s", q.errCode, q.errMsg)
	}
	// An empty body is {}.
	e := doRaw(t, c, rawReq{path: "/zc-account/v1/getAccountCount", contentType: "-", sign: true})
	if e.errCode != 0 {
		t.Fatalf("empty body refused: %d %s", e.errCode, e.errMsg)
	}
}

func TestHostileRequestsGetTheRightCodeAndChangeNothing(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	reg := rawReq{path: "/zc-account/v1/registerWithOpenId", body: []byte(`{"provider":"weixin","openId":"o1"}`), sign: true}
	old := time.Now().Add(-10 * time.Minute).Unix()
	future := time.Now().Add(time.Hour).Unix()
	big := append([]byte(`{"provider":"weixin","openId":"o1","pad":"`), bytes.Repeat([]byte("x"), 2<<20)...)
	big = append(big, '"', '}')
	cases := []struct {
		name string
		req  rawReq
		code int
	}{
		{"no signature", rawReq{path: reg.path, body: reg.body}, 3001},
		{"wrong secret", rawReq{path: reg.path, body: reg.body, sign: true, headers: map[string]string{"X-Zc-Developer-Signature": strings.Repeat("0", 64)}}, 3015},
		{"signed for another method", rawReq{path: reg.path, body: reg.body, sign: true, signMethod: "getAccountCount"}, 3015},
		{"expired signature", rawReq{path: reg.path, body: reg.body, sign: true, timestamp: old}, 3014},
		{"signature from the future", rawReq{path: reg.path, body: reg.body, sign: true, timestamp: future}, 3014},
		{"non-numeric developer id", rawReq{path: reg.path, body: reg.body, sign: true, headers: map[string]string{"X-Zc-Developer-Id": "abc"}}, 3001},
		{"missing nonce", rawReq{path: reg.path, body: reg.body, sign: true, headers: map[string]string{"X-Zc-Nonce": ""}}, 3001},
		{"unknown major domain", rawReq{path: reg.path, body: reg.body, sign: true, headers: map[string]string{"X-Zc-Major-Domain": "nope"}}, 3007},
		{"unknown sub-domain", rawReq{path: reg.path, body: reg.body, sign: true, headers: map[string]string{"X-Zc-Sub-Domain": "nope"}}, 3015},
		{"wrong content type", rawReq{path: reg.path, body: reg.body, sign: true, contentType: "text/xml"}, 3003},
		{"malformed json", rawReq{path: reg.path, body: []byte(`{"provider":`), sign: true}, 3002},
		{"json array body", rawReq{path: reg.path, body: []byte(`[1,2]`), sign: true}, 3002},
		{"trailing garbage", rawReq{path: reg.path, body: []byte(`{"provider":"weixin","openId":"o1"} {}`), sign: true}, 3002},
		{"body over 1 MiB", rawReq{path: reg.path, body: big, sign: true}, 3002},
		{"wrong key type", rawReq{path: reg.path, body: []byte(`{"provider":"weixin","openId":{"x":1}}`), sign: true}, 3002},
		{"unknown provider", rawReq{path: reg.path, body: []byte(`{"provider":"myspace","openId":"o1"}`), sign: true}, 3002},
		{"unknown service", rawReq{path: "/zc-nothing/v1/x", body: []byte(`{}`), sign: true}, 3009},
		{"unknown method", rawReq{path: "/zc-account/v1/explode", body: []byte(`{}`), sign: true}, 3010},
		{"unknown version", rawReq{path: "/zc-account/v9/getAccountCount", body: []byte(`{}`), sign: true}, 3009},
		{"bad uri", rawReq{path: "/zc-account/getAccountCount", body: []byte(`{}`), sign: true}, 3006},
		{"bad version text", rawReq{path: "/zc-account/vX/getAccountCount", body: []byte(`{}`), sign: true}, 3006},
		{"GET", rawReq{path: reg.path, method: http.MethodGet, sign: true}, 3006},
		{"user signature on a developer method", rawReq{path: reg.path, body: reg.body, headers: map[string]string{
			"X-Zc-User-Id": "1", "X-Zc-Timestamp": strconv.FormatInt(time.Now().Unix(), 10), "X-Zc-Timeout": "300",
			"X-Zc-Nonce": "n", "X-Zc-User-Signature": "00"}}, 3005},
	}
	for _, tc := range cases {
		r := doRaw(t, c, tc.req)
		if r.status != 200 {
			t.Errorf("%s: HTTP %d, want 200 with X-Zc-Err", tc.name, r.status)
			continue
		}
		if r.errCode != tc.code {
			t.Errorf("%s: code %d (%s), want %d", tc.name, r.errCode, r.errMsg, tc.code)
		}
		if r.errMsg == "" {
			t.Errorf("%s: no message for a person", tc.name)
		}
	}
	cl, _ := acapi.New(acapi.Config{Routers: []string{c.URL}, DeveloperID: c.Developer.ID, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name})
	if n, err := cl.Account().GetAccountCount(context.Background()); err != nil || n != 0 {
		t.Fatalf("hostile requests changed state: %d accounts, %v", n, err)
	}
}
