package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/cloud"
	"acconsole/cloud/rpc/rpctest"
	"acconsole/cloud/store/storetest"
)

// vendorService is a UDS on loopback that records the calls it gets.
type vendorService struct {
	mu    sync.Mutex
	calls []string // "path access-mode user"
	srv   *httptest.Server
}

func newVendorService(t *testing.T) *vendorService {
	v := &vendorService{}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		v.calls = append(v.calls, r.URL.Path+" mode="+r.Header.Get("X-Zc-Access-Mode")+" user="+r.Header.Get("X-Zc-User-Id"))
		v.mu.Unlock()
		w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *vendorService) got() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return strings.Join(v.calls, "; ")
}

// TestServeForwardsToConfiguredVendorServices runs `acconsole serve` with
// one vendor service from the config file and one from --uds (anonymous),
// and calls both through the router.
func TestServeForwardsToConfiguredVendorServices(t *testing.T) {
	orders, login := newVendorService(t), newVendorService(t)
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	cfgPath := filepath.Join(dir, "config.toml")
	cfg := "[uds.orders]\nurl = \"" + orders.srv.URL + "/api\"\n\n[uds.vendor-login]\nurl = \"http://127.0.0.1:9/replaced-by-the-flag\"\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The store: the SQLite file in the data directory, or a fresh schema
	// on the PostgreSQL server the tests were given.
	storeDSN, wantStore := "", filepath.Join(dir, "data", "cloud.db")
	if pg := storetest.Postgres(); pg != "" {
		storeDSN = storetest.FreshSchema(t, pg)
		u, _ := url.Parse(storeDSN)
		wantStore = "postgres://" + u.User.Username() + "@" + u.Host + u.Path
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, serveFlags{listen: "127.0.0.1:0", data: filepath.Join(dir, "data"), store: storeDSN, domain: "acme", mode: "test", demo: 20,
			configPath: cfgPath, uds: []string{"vendor-login=" + login.srv.URL + ",anonymous"}}, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	var out []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		out = append(out, sc.Text())
		if strings.Contains(sc.Text(), "uds") && strings.Contains(sc.Text(), "vendor-login") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	text := strings.Join(out, "\n")
	for _, want := range []string{"major domain  acme (id 1)", "store         " + wantStore + "\n", "uds           orders → " + orders.srv.URL + "/api\n",
		"uds           vendor-login → " + login.srv.URL + " (anonymous calls allowed)"} {
		if !strings.Contains(text+"\n", want) {
			t.Fatalf("serve printed:\n%s\nwant a line with %q", text, want)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "data", cloud.DeveloperFileName))
	if err != nil {
		t.Fatal(err)
	}
	var dev cloud.DeveloperFile
	if err := json.Unmarshal(raw, &dev); err != nil {
		t.Fatal(err)
	}
	if dev.MajorDomainID != 1 {
		t.Errorf("majorDomainId %d in %s, want 1", dev.MajorDomainID, cloud.DeveloperFileName)
	}
	call := func(path string, sign bool, anon bool) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, dev.Router+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-zc-object")
		req.Header.Set("X-Zc-Major-Domain", "acme")
		if anon {
			req.Header.Set("X-Zc-Access-Mode", "1")
		}
		if sign {
			rpctest.Developer{ID: dev.DeveloperID, SecretKey: dev.SecretKey, MajorDomain: "acme"}.Sign(req.Header, path[strings.LastIndex(path, "/")+1:], "", 1, time.Now(), "")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("X-Zc-Msg-Name") + " " + string(b)
	}
	if got := call("/vendor-login/v1/loginByCode", false, true); got != `X-Zc-Ack {"ok":true}` {
		t.Fatalf("anonymous call to vendor-login: %s", got)
	}
	if got := call("/orders/v1/list", false, true); !strings.Contains(got, `"errorCode":3001`) {
		t.Fatalf("anonymous call to orders: %s", got)
	}
	if got := call("/orders/v1/list", true, false); got != `X-Zc-Ack {"ok":true}` {
		t.Fatalf("signed call to orders: %s", got)
	}
	if got := login.got(); got != "/loginByCode mode=1 user=" {
		t.Errorf("vendor-login got %q", got)
	}
	if got := orders.got(); got != "/api/list mode= user=1" {
		t.Errorf("orders got %q", got)
	}
}

func TestServeRefusesAStoreThatIsNotPostgres(t *testing.T) {
	err := runServe(context.Background(), serveFlags{listen: "127.0.0.1:0", data: t.TempDir(), store: "/tmp/other.db", mode: "test"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--store must be a PostgreSQL URL") {
		t.Fatalf("serve --store /tmp/other.db: %v", err)
	}
}

func TestServeRefusesABadTrustedProxy(t *testing.T) {
	err := runServe(context.Background(), serveFlags{listen: "127.0.0.1:0", data: t.TempDir(), mode: "test", trustedProxies: []string{"10.0.0.0/8", "the balancer"}}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `--trusted-proxy: trusted proxy "the balancer": give an address`) {
		t.Fatalf("serve --trusted-proxy 'the balancer': %v", err)
	}
}

func TestServeRefusesBadUDSFlags(t *testing.T) {
	t.Setenv("ACCONSOLE_CONFIG", filepath.Join(t.TempDir(), "none.toml"))
	for flag, want := range map[string]string{
		"orders":                               "want name=url",
		"orders=ftp://host":                    "is not an http(s) URL",
		"orders=http://127.0.0.1:8080,private": `unknown option "private"`,
		"ord ers=http://127.0.0.1:8080":        "may hold only letters",
		"orders=http://127.0.0.1:8080?x=1":     "must not have a query",
	} {
		if _, err := serveUDS(serveFlags{uds: []string{flag}}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--uds %s: %v, want an error with %q", flag, err, want)
		}
	}
}
