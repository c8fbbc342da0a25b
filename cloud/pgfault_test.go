//go:build pgfault

// The PostgreSQL fault test starts and stops a private PostgreSQL server
// from the machine's binaries (initdb, pg_ctl), so it runs only with
// -tags pgfault (.ci/run does): go test -tags pgfault -run TestPostgresRestart ./cloud/

package cloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"acconsole/cloud"
	"acconsole/cloud/rpc/rpctest"
)

// privatePostgres is a PostgreSQL server of the test's own, in a temp dir.
type privatePostgres struct {
	t        *testing.T
	bin, dir string
	port     int
	cred     *syscall.Credential
	dsn      string
}

func pgBinDir(t *testing.T) string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	t.Fatal("no PostgreSQL binaries (initdb, pg_ctl): install postgresql")
	return ""
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	p := &privatePostgres{t: t, bin: pgBinDir(t)}
	dir, err := os.MkdirTemp("", "acconsole-pgfault-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust")
	p.start()
	t.Cleanup(func() { p.stop() })
	p.dsn = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	return p
}

func (p *privatePostgres) run(tool string, args ...string) {
	p.t.Helper()
	cmd := exec.Command(filepath.Join(p.bin, tool), args...)
	cmd.Dir = p.dir
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("%s: %v\n%s", tool, err, out)
	}
}

func (p *privatePostgres) start() {
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "log"), "-w",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", p.port, p.dir), "start")
}

func (p *privatePostgres) stop() {
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-m", "fast", "-w", "stop")
}

// Restart PostgreSQL under load: calls during the outage answer promptly
// with an internal error (3000), none hangs; afterwards the cloud works
// again on its own, without a restart of its own.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg := startPrivatePostgres(t)
	srv, err := cloud.Open(context.Background(), cloud.Options{DataDir: t.TempDir(), Store: pg.dsn, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	dev := rpctest.Developer{ID: srv.Developer.ID, AccessKey: srv.Developer.AccessKey, SecretKey: srv.Developer.SecretKey, MajorDomain: srv.Domain.Name}
	// The client's timeout is far above any answer the cloud should give:
	// a call that reaches it hung.
	hc := &http.Client{Timeout: 45 * time.Second}
	var seq atomic.Int64
	// call asks for a verify code (a write) for a fresh account and
	// returns 0 for success or the error code.
	call := func() (int, error) {
		n := seq.Add(1)
		body, _ := json.Marshal(map[string]any{"account": fmt.Sprintf("+86137%08d", n)})
		req, _ := http.NewRequest(http.MethodPost, base+"/zc-account/v1/getVerifyCode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-zc-object")
		dev.Sign(req.Header, "getVerifyCode", "", 0, time.Now(), fmt.Sprintf("f%015d", n))
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.Header.Get("X-Zc-Msg-Name") == "X-Zc-Ack" {
			return 0, nil
		}
		var e struct {
			ErrorCode int `json:"errorCode"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return 0, fmt.Errorf("answer %q", raw)
		}
		return e.ErrorCode, nil
	}
	if code, err := call(); err != nil || code != 0 {
		t.Fatalf("before the restart: %d %v", code, err)
	}

	// Load: eight clients call in a loop until told to stop.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	var failures []error
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, err := call()
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else {
					codes[code]++
				}
				mu.Unlock()
			}
		}()
	}
	seen := func(code int) bool {
		mu.Lock()
		defer mu.Unlock()
		return codes[code] > 0
	}
	waitFor(t, "calls succeed under load", func() bool { return seen(0) })
	pg.stop()
	waitFor(t, "calls report the outage as 3000", func() bool { return seen(3000) })
	mu.Lock()
	codes[0] = 0
	mu.Unlock()
	pg.start()
	waitFor(t, "calls succeed again after PostgreSQL is back", func() bool { return seen(0) })
	close(stop)
	wg.Wait()
	for _, err := range failures {
		t.Errorf("a call did not get an answer: %v", err)
	}
	for code, n := range codes {
		if code != 0 && code != 3000 {
			t.Errorf("%d calls answered %d, want success or 3000", n, code)
		}
	}
}
