package acapi_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/acapi"
)

func fakeClient(t *testing.T, routers ...string) *acapi.Client {
	t.Helper()
	c, err := acapi.New(acapi.Config{Routers: routers, DeveloperID: 1, AccessKey: "ak", SecretKey: "sk", MajorDomain: "acme", SubDomain: "plug", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConfigValidationSaysWhatIsWrong(t *testing.T) {
	err := acapi.Config{Routers: []string{"ftp://x", "http://h:1/path"}, RuntimeMode: "staging"}.Validate()
	if err == nil {
		t.Fatal("an empty config validated")
	}
	for _, want := range []string{`router "ftp://x"`, "must not have a path", "developer id", "secret key", "major domain", `runtime mode "staging"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("validation error lacks %q:\n%v", want, err)
		}
	}
	if got := acapi.ParseRouters(" 127.0.0.1:5000/ , https://eu.example:9005"); len(got) != 2 || got[0] != "http://127.0.0.1:5000" || got[1] != "https://eu.example:9005" {
		t.Fatalf("ParseRouters = %v", got)
	}
}

func TestReadsRetryOnTransientErrorsWritesNever(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n < 3 {
			w.Header().Set("X-Zc-Msg-Name", "X-Zc-Err")
			io.WriteString(w, `{"error":"busy","errorCode":3011}`)
			return
		}
		w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
		io.WriteString(w, `{"count":5}`)
	}))
	defer srv.Close()
	c := fakeClient(t, srv.URL)
	n, err := c.Account().GetAccountCount(context.Background())
	if err != nil || n != 5 || calls.Load() != 3 {
		t.Fatalf("read: %d, %v after %d calls; want 5 after 3", n, err, calls.Load())
	}
	calls.Store(0)
	err = c.As(7).Account().ChangeNickName(context.Background(), "x")
	if acapi.Code(err) != 3011 || calls.Load() != 1 {
		t.Fatalf("write: %v after %d calls; want one call and 3011", err, calls.Load())
	}
}

func TestFailoverToTheNextRouterOnConnectionErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Zc-Msg-Name", "x-zc-ack") // lowercase: compared case-insensitively
		io.WriteString(w, `{"count":1}`)
	}))
	defer srv.Close()
	c := fakeClient(t, dead, srv.URL)
	if n, err := c.Account().GetAccountCount(context.Background()); err != nil || n != 1 {
		t.Fatalf("failover read: %d %v", n, err)
	}
	// A write fails over too: the request never left on the dead router.
	if err := c.As(1).Account().ChangeNickName(context.Background(), "n"); err != nil {
		t.Fatalf("failover write: %v", err)
	}
}

func TestBrokenServersGiveClearErrorsNotPanics(t *testing.T) {
	cases := map[string]http.HandlerFunc{
		"truncated json": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
			io.WriteString(w, `{"accounts":[{"userId":1,"nickN`)
		},
		"vanishes mid-response": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
			io.WriteString(w, `{"accounts":[`)
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		},
		"http 502": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad gateway \x1b[31m", http.StatusBadGateway)
		},
		"error without code": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Zc-Msg-Name", "X-Zc-Err")
			io.WriteString(w, `not json`)
		},
		"hangs": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
	}
	for name, h := range cases {
		srv := httptest.NewServer(h)
		c := fakeClient(t, srv.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := c.Account().ListAllAccounts(ctx, 0, 10)
		cancel()
		srv.Close()
		var ae *acapi.Error
		if !errors.As(err, &ae) {
			t.Errorf("%s: error %v is not an *acapi.Error", name, err)
			continue
		}
		if ae.Code == 0 || ae.Error() == "" || strings.ContainsAny(ae.Error(), "\x1b") {
			t.Errorf("%s: unhelpful error %q", name, ae.Error())
		}
	}
}

func TestErrorDetectedByBodyWhenHeaderMissing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"error":"device not exist","errorCode":3802}`)
	}))
	defer srv.Close()
	_, err := fakeClient(t, srv.URL).Account().GetAccountCount(context.Background())
	if !errors.Is(err, acapi.ErrNotFound) || acapi.Code(err) != 3802 {
		t.Fatalf("got %v, want 3802 not found", err)
	}
}

func TestStreamCallsPutKeysInTheQueryAndReadAttributes(t *testing.T) {
	var gotQuery, gotCT, gotSig, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery, gotCT, gotSig = r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("X-Zc-Developer-Signature")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
		w.Header().Set("X-Zc-Msg-Attr_code", "102")
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte{1, 2})
	}))
	defer srv.Close()
	c := fakeClient(t, srv.URL)
	resp, err := c.As(3).Do(context.Background(), acapi.Request{
		Service: "zc-bind", Method: "sendToDevice", Stream: true, Payload: []byte{0xAA, 0x01},
		Params: map[string]any{"deviceId": int64(9), "messageCode": 68, "description": "a b+c"}, Mutating: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if gotCT != "application/octet-stream" || gotBody != "\xaa\x01" {
		t.Fatalf("content type %q body %q", gotCT, gotBody)
	}
	if gotQuery != "description=a%20b%2Bc&deviceId=9&messageCode=68" {
		t.Fatalf("query %q", gotQuery)
	}
	if len(gotSig) != 64 {
		t.Fatalf("signature %q", gotSig)
	}
	if resp.Attrs["code"] != "102" || string(resp.Body) != "\x01\x02" {
		t.Fatalf("attrs %v body %v", resp.Attrs, resp.Body)
	}
}
