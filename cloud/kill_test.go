package cloud_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"acconsole/cloud"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/rpc/rpctest"
)

// The kill test re-runs this test binary as a child that only serves a
// cloud instance, so that it can be killed with SIGKILL like a crashed one.
const (
	childDirEnv   = "ACCONSOLE_TEST_CHILD_INSTANCE_DIR"
	childStoreEnv = "ACCONSOLE_TEST_CHILD_INSTANCE_STORE"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		runChildInstance(dir, os.Getenv(childStoreEnv))
		return
	}
	os.Exit(m.Run())
}

func runChildInstance(dir, store string) {
	srv, err := cloud.Open(context.Background(), cloud.Options{DataDir: dir, Store: store, BcryptCost: bcrypt.MinCost, TimerResync: 100 * time.Millisecond})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("READY http://" + ln.Addr().String())
	_ = srv.Serve(ln)
}

// startChildInstance starts an instance in a child process on the store of
// c and returns its URL and the process.
func startChildInstance(t *testing.T, c *cloudtest.Cloud) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+c.DataDir, childStoreEnv+"="+c.Store)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY ") || strings.HasPrefix(sc.Text(), "ERR ") {
				line <- sc.Text()
				return
			}
		}
		line <- "ERR child exited"
	}()
	l := <-line
	if !strings.HasPrefix(l, "READY ") {
		t.Fatalf("child instance: %s", l)
	}
	return strings.TrimPrefix(l, "READY "), cmd
}

// Two instances on one store, one of them a process killed with SIGKILL
// under load: every write it acknowledged is in the store, the other
// instance keeps answering, and a timer added through the killed one fires
// once, on the survivor.
func TestKillOneOfTwoInstances(t *testing.T) {
	b := cloudtest.Start(t, cloudtest.Options{TimerResync: 100 * time.Millisecond})
	urlA, procA := startChildInstance(t, b)
	devOf := func(url string) *matrixClient {
		return &matrixClient{t: t, url: url, hc: &http.Client{Timeout: 30 * time.Second},
			dev: rpctest.Developer{ID: b.Developer.ID, AccessKey: b.Developer.AccessKey, SecretKey: b.Developer.SecretKey, MajorDomain: b.Domain.Name}}
	}
	ca, cb := devOf(urlA), devOf(b.URL)

	// A timer through A, due a few seconds from now, held by B too.
	uid := ca.register("+8613900000002")
	ca.mustDev("zc-warehouse", "activateDevice", "plug", 0, map[string]any{"physicalDeviceId": "KILL000000000001", "devVersion": "1-0-0"})
	dev := ca.mustDev("zc-bind", "bindDevice", "plug", uid, map[string]any{"physicalDeviceId": "KILL000000000001", "name": "plug"})["device"].(map[string]any)
	plug := int64(dev["deviceId"].(float64))
	due := time.Now().UTC().Add(5 * time.Second).Truncate(time.Second)
	tk := ca.mustDev("zc-timer-task", "addTask", "", uid, map[string]any{"deviceId": plug, "taskFlag": 0, "timeZone": "UTC",
		"timePoint": due.Format("2006-01-02 15:04:05"), "timeCycle": "once", "name": "k", "messageCode": 66})["task"].(map[string]any)
	task := int64(tk["taskId"].(float64))
	waitFor(t, "instance B schedules the task added through A", func() bool {
		_, ok := b.Timers().Scheduler().Next(task)
		return ok
	})

	// Load on A: four writers activate devices; acked holds the ones A
	// acknowledged.
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			hc := &http.Client{Timeout: 30 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				pid := fmt.Sprintf("K%03d%012d", w, i)
				if activateOK(hc, urlA, ca.dev, pid, fmt.Sprintf("k%d-%d", w, i)) {
					mu.Lock()
					acked = append(acked, pid)
					mu.Unlock()
				}
			}
		}(w)
	}
	waitFor(t, "A acknowledges writes under load", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 40
	})
	if err := procA.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = procA.Wait()
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for _, pid := range acked {
		var n int
		if err := b.DB.QueryRow(`SELECT COUNT(*) FROM dev_warehouse WHERE physical_id = ?`, pid).Scan(&n); err != nil || n != 1 {
			t.Errorf("device %s was acknowledged by the killed instance but is not in the store (%d, %v)", pid, n, err)
		}
	}
	// B keeps answering, and runs the timer of the killed instance once.
	waitFor(t, "instance B runs the killed instance's timer", func() bool {
		return len(cb.history(uid, plug, task)) > 0
	})
	b.Timers().Settle()
	if h := cb.history(uid, plug, task); len(h) != 1 {
		t.Fatalf("%d firings recorded, want exactly 1: %v", len(h), h)
	}
	t.Logf("%d writes acknowledged before the kill, all found", len(acked))
}

// activateOK activates a warehouse device through the instance at url and
// reports whether the instance acknowledged it.
func activateOK(hc *http.Client, url string, dev rpctest.Developer, pid, nonce string) bool {
	req, err := http.NewRequest(http.MethodPost, url+"/zc-warehouse/v1/activateDevice",
		strings.NewReader(fmt.Sprintf(`{"physicalDeviceId":%q,"devVersion":"1-0-0"}`, pid)))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-zc-object")
	req.Header.Set("X-Zc-Major-Domain", dev.MajorDomain)
	req.Header.Set("X-Zc-Sub-Domain", "plug")
	dev.Sign(req.Header, "activateDevice", "plug", 0, time.Now(), nonce)
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.Header.Get("X-Zc-Msg-Name") == "X-Zc-Ack"
}
