package uds

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/cloud/rpc"
)

// seen is what the fake UDS received.
type seen struct {
	mu     sync.Mutex
	path   string
	query  string
	header http.Header
	body   []byte
}

func (s *seen) get() seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return seen{path: s.path, query: s.query, header: s.header, body: s.body}
}

// udsServer is a vendor service: it records the call and answers with fn.
func udsServer(t *testing.T, fn func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.path, s.query, s.header, s.body = r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body
		s.mu.Unlock()
		fn(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

func newProxy(t *testing.T, opt Options) *Proxy {
	t.Helper()
	p, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProxySuccessVerbatimAndHeaders(t *testing.T) {
	const answerBody = `{"z": 1,  "a": [3, 2, 1], "big": 9007199254740993, "s": "é"}`
	uds, got := udsServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answerBody)
	})
	p := newProxy(t, Options{Services: map[string]string{"lights": uds.URL + "/base/"}})
	srv := router(t, p)

	a := call(t, srv, "lights", "controlLight",
		`{"deviceId": 9007199254740993, "on": true, "name": "hall"}`, callOpt{sub: "lamp", user: userID})
	if !a.ok() || string(a.body) != answerBody {
		t.Fatalf("answer %q (%s)", a.body, a.header.Get("X-Zc-Msg-Name"))
	}
	if ct := a.header.Get("Content-Type"); ct != "application/x-zc-object" {
		t.Errorf("content type %q", ct)
	}
	s := got.get()
	if s.path != "/base/controlLight" {
		t.Errorf("path %q", s.path)
	}
	for h, want := range map[string]string{
		"X-Zc-Major-Domain": domain, "X-Zc-Sub-Domain": "lamp", "X-Zc-User-Id": "42",
		"Content-Type": "application/x-zc-object",
	} {
		if v := s.header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
	if s.header.Get("X-Zc-Trace-Id") == "" {
		t.Error("no trace id passed on")
	}
	for _, h := range []string{"X-Zc-Developer-Signature", "X-Zc-Access-Key", "X-Zc-Nonce"} {
		if s.header.Get(h) != "" {
			t.Errorf("%s leaked to the UDS", h)
		}
	}
	if !strings.Contains(string(s.body), `"deviceId":9007199254740993`) || !strings.Contains(string(s.body), `"on":true`) {
		t.Errorf("body %s", s.body)
	}

	// Without an acting user there is no X-Zc-User-Id.
	call(t, srv, "lights", "status", nil, callOpt{})
	if s := got.get(); s.header.Values("X-Zc-User-Id") != nil || s.header.Get("X-Zc-Sub-Domain") != "" {
		t.Errorf("headers without a user: %v", s.header)
	}

	// A user-signed call reaches the UDS with the signing user.
	call(t, srv, "lights", "status", nil, callOpt{user: userID, userSigned: true})
	if v := got.get().header.Get("X-Zc-User-Id"); v != "42" {
		t.Errorf("user-signed: X-Zc-User-Id %q", v)
	}

	// Octet-stream calls: keys in the query, bytes in the body.
	a = call(t, srv, "lights", "upload", nil, callOpt{stream: []byte{1, 2, 0xff}, query: "deviceId=5&name=a%20b"})
	s = got.get()
	if !a.ok() || s.header.Get("Content-Type") != "application/octet-stream" || string(s.body) != "\x01\x02\xff" ||
		!strings.Contains(s.query, "deviceId=5") || !strings.Contains(s.query, "name=a+b") {
		t.Errorf("stream: %q %q %q", s.header.Get("Content-Type"), s.body, s.query)
	}
}

func TestProxyEmptySuccess(t *testing.T) {
	uds, _ := udsServer(t, func(w http.ResponseWriter, r *http.Request) {})
	srv := router(t, newProxy(t, Options{Services: map[string]string{"svc": uds.URL}}))
	if a := call(t, srv, "svc", "m", nil, callOpt{}); !a.ok() || string(a.body) != "{}" {
		t.Fatalf("empty success: %q", a.body)
	}
}

func TestProxyErrors(t *testing.T) {
	for _, c := range []struct {
		name     string
		answer   func(w http.ResponseWriter, r *http.Request)
		wantCode int
		wantMsg  string
	}{
		{"X-Zc-Err", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Zc-Msg-Name", "X-Zc-Err")
			io.WriteString(w, `{"error":"light is broken","errorCode":1001}`)
		}, 1001, "light is broken"},
		{"lowercase x-zc-err, code as a string", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Zc-Msg-Name", "x-zc-err")
			io.WriteString(w, `{"error":"quota","errorCode":"10042"}`)
		}, 10042, "quota"},
		{"error body without the header", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"error":"no such lamp","errorCode":1404}`)
		}, 1404, "no such lamp"},
		{"error body on HTTP 400", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"bad key","errorCode":3002}`)
		}, 3002, "bad key"},
		{"error without a code", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Zc-Msg-Name", "X-Zc-Err")
			io.WriteString(w, `{"error":"oops"}`)
		}, 3000, "oops"},
		{"X-Zc-Err with a body that is no error", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Zc-Msg-Name", "X-Zc-Err")
			io.WriteString(w, `<h1>fail</h1>`)
		}, 3000, "without an {"},
		{"HTTP 500 plain", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", 500)
		}, 3011, "HTTP 500"},
		{"HTTP 404", func(w http.ResponseWriter, r *http.Request) {
			http.NotFound(w, r)
		}, 3010, `no method "m"`},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://example.invalid/", http.StatusFound)
		}, 3011, "HTTP 302"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>hello</html>")
		}, 3000, `not JSON (Content-Type "text/html")`},
		{"truncated JSON", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"a":`)
		}, 3000, "not JSON"},
		{"huge", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"a":"`+strings.Repeat("x", 2<<20)+`"}`)
		}, 3000, "more than 1048576 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			uds, _ := udsServer(t, c.answer)
			srv := router(t, newProxy(t, Options{Services: map[string]string{"svc": uds.URL}}))
			a := call(t, srv, "svc", "m", map[string]any{"k": 1}, callOpt{})
			if a.status != 200 || a.ok() {
				t.Fatalf("HTTP %d, %s", a.status, a.header.Get("X-Zc-Msg-Name"))
			}
			if a.errCode != c.wantCode || !strings.Contains(a.errMsg, c.wantMsg) {
				t.Fatalf("error %d %q, want %d containing %q", a.errCode, a.errMsg, c.wantCode, c.wantMsg)
			}
		})
	}
}

func TestProxyUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	srv := router(t, newProxy(t, Options{Services: map[string]string{"svc": "http://" + addr}}))
	a := call(t, srv, "svc", "m", nil, callOpt{})
	if a.errCode != 3011 || !strings.Contains(a.errMsg, "unavailable at http://"+addr) {
		t.Fatalf("error %d %q", a.errCode, a.errMsg)
	}
}

func TestProxySlow(t *testing.T) {
	release := make(chan struct{})
	uds, _ := udsServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	srv := router(t, newProxy(t, Options{Services: map[string]string{"svc": uds.URL}, Timeout: 100 * time.Millisecond}))
	// The service never answers until the test ends, so only the
	// configured timeout can end this call; the message names it.
	a := call(t, srv, "svc", "slowMethod", nil, callOpt{})
	if a.errCode != 3012 || !strings.Contains(a.errMsg, "did not answer slowMethod within 100ms") {
		t.Fatalf("error %d %q", a.errCode, a.errMsg)
	}

	// A UDS that sends headers and then stalls in the body also times out.
	stall, _ := udsServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"a":`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv = router(t, newProxy(t, Options{Services: map[string]string{"svc": stall.URL}, Timeout: 100 * time.Millisecond}))
	if a := call(t, srv, "svc", "m", nil, callOpt{}); a.errCode != 3012 {
		t.Fatalf("stalled body: %d %q", a.errCode, a.errMsg)
	}
}

func TestProxyUnknownService(t *testing.T) {
	p := newProxy(t, Options{})
	srv := router(t, p)
	a := call(t, srv, "nope", "m", nil, callOpt{})
	if a.errCode != 3009 || !strings.Contains(a.errMsg, `"nope"`) {
		t.Fatalf("error %d %q", a.errCode, a.errMsg)
	}
}

func TestProxyConfig(t *testing.T) {
	for _, bad := range []map[string]string{
		{"svc": "ftp://host/"},
		{"svc": "localhost:8080"},
		{"svc": "http://"},
		{"a/b": "http://host"},
		{"": "http://host"},
	} {
		if _, err := New(Options{Services: bad}); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
	p := newProxy(t, Options{Services: map[string]string{"b": "http://h", "a": "https://h/x"}})
	p.Register("b", nil)
	p.Register("c", nil)
	if got := strings.Join(p.Names(), ","); got != "a,b,c" {
		t.Errorf("names %q", got)
	}
	// Only a configured service can take anonymous calls.
	if _, err := New(Options{Services: map[string]string{"a": "http://h"}, Anonymous: []string{"b"}}); err == nil || !strings.Contains(err.Error(), `anonymous service "b" is not a configured service`) {
		t.Errorf("anonymous without a service: %v", err)
	}
	p = newProxy(t, Options{Services: map[string]string{"a": "http://h", "b": "http://h"}, Anonymous: []string{"a"}})
	p.Register("c", nil)
	if !p.AcceptsAnonymous("a") || p.AcceptsAnonymous("b") || p.AcceptsAnonymous("c") {
		t.Error("anonymous services are not exactly the configured ones")
	}
}

// A configured UDS replaces a built-in service of the same name.
func TestConfiguredWinsOverBuiltin(t *testing.T) {
	uds, _ := udsServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"from":"vendor"}`) })
	p := newProxy(t, Options{Services: map[string]string{HistoryName: uds.URL}})
	p.Register(HistoryName, func(c *rpc.Call) (any, error) { return map[string]string{"from": "builtin"}, nil })
	srv := router(t, p)
	a := call(t, srv, HistoryName, "listReports", nil, callOpt{})
	var got map[string]string
	_ = json.Unmarshal(a.body, &got)
	if got["from"] != "vendor" {
		t.Fatalf("answer %s", a.body)
	}
}
