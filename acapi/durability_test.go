package acapi_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud"
)

// The durability test re-runs this test binary as a child process that only
// serves a cloud, so it can be killed with SIGKILL like a crashed server.
const childEnv = "ACCONSOLE_TEST_CHILD_CLOUD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		runChildCloud(dir)
		return
	}
	os.Exit(m.Run())
}

func runChildCloud(dir string) {
	srv, err := cloud.Open(context.Background(), cloud.Options{DataDir: dir, BcryptCost: 4})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	if _, err := srv.WriteDeveloperFile("http://" + ln.Addr().String()); err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("READY http://" + ln.Addr().String())
	_ = srv.Serve(ln)
}

func startChild(t *testing.T, dir string) (*exec.Cmd, cloud.DeveloperFile) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
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
	select {
	case l := <-line:
		if strings.HasPrefix(l, "ERR") {
			t.Fatalf("child cloud: %s", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child cloud did not start")
	}
	f, err := cloud.ReadDeveloperFile(dir + "/" + cloud.DeveloperFileName)
	if err != nil {
		t.Fatal(err)
	}
	return cmd, f
}

func clientFor(t *testing.T, f cloud.DeveloperFile) *acapi.Client {
	c, err := acapi.New(acapi.Config{Routers: []string{f.Router}, DeveloperID: f.DeveloperID, AccessKey: f.AccessKey, SecretKey: f.SecretKey, MajorDomain: f.MajorDomain})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	cmd, f := startChild(t, dir)
	c := clientFor(t, f)
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 20; i++ {
		u, err := c.Account().RegisterWithOpenID(ctx, "weixin", fmt.Sprintf("o-durable-%02d", i), "")
		if err != nil {
			t.Fatalf("register %d: %v", i, err)
		}
		ids = append(ids, u.UserID)
		if err := c.As(u.UserID).Account().ChangeNickName(ctx, fmt.Sprintf("n%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Kill without warning right after the last acknowledgement.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, f2 := startChild(t, dir)
	if f2.DeveloperID != f.DeveloperID || f2.SecretKey != f.SecretKey {
		t.Fatal("the developer changed across a restart")
	}
	c2 := clientFor(t, f2)
	n, err := c2.Account().GetAccountCount(ctx)
	if err != nil || n != 20 {
		t.Fatalf("after SIGKILL: %d accounts, %v; want 20", n, err)
	}
	for i, id := range ids {
		u, err := c2.Account().GetAccountInfo(ctx, id)
		if err != nil || u.NickName != fmt.Sprintf("n%02d", i) {
			t.Fatalf("account %d after restart: %+v %v", id, u, err)
		}
	}
}
