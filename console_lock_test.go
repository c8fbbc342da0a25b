package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"acconsole/acapi"
	"acconsole/cloud"
)

// Two consoles on one data directory: the second attaches to the first's
// local cloud instead of opening cloud.db again, leaves local-developer.json
// pointing at the living router, and once the owner is gone a new console
// owns the directory.
func TestSecondConsoleAttachesToTheLocalCloud(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud")
	}
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	stop1, dev1, owner1, err := localCloud(ctx, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	if owner1 != "" {
		t.Fatalf("the first console attached to %q instead of owning the directory", owner1)
	}
	stop2, dev2, owner2, err := localCloud(ctx, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	if owner2 != strconv.Itoa(os.Getpid()) {
		t.Fatalf("the second console reports the owner %q, want this process %d", owner2, os.Getpid())
	}
	if dev2.Router != dev1.Router || dev2.SecretKey != dev1.SecretKey {
		t.Fatalf("the second console uses %s, the owner serves %s", dev2.Router, dev1.Router)
	}
	stop2()
	onDisk, err := cloud.ReadDeveloperFile(filepath.Join(dataDir(), cloud.DeveloperFileName))
	if err != nil {
		t.Fatal(err)
	}
	if onDisk.Router != dev1.Router {
		t.Fatalf("local-developer.json names %s after the second console left; the owner serves %s", onDisk.Router, dev1.Router)
	}
	cl, err := acapi.New(acapi.Config{Routers: []string{dev1.Router}, DeveloperID: dev1.DeveloperID, AccessKey: dev1.AccessKey,
		SecretKey: dev1.SecretKey, MajorDomain: dev1.MajorDomain, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Account().GetAccountCount(ctx); err != nil {
		t.Fatalf("the owner's cloud stopped answering when the second console left: %v", err)
	}
	stop1()

	stop3, _, owner3, err := localCloud(ctx, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop3()
	if owner3 != "" {
		t.Fatalf("after the owner left, a new console attached to %q instead of owning the directory", owner3)
	}
}

// A second console whose owner's router never answers says who owns the
// directory instead of starting a second cloud.
func TestSecondConsoleSaysWhoOwnsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	lock, owner, err := lockDataDir(dir)
	if err != nil || owner != "" {
		t.Fatalf("lock: %v, owner %q", err, owner)
	}
	defer lock.release()
	old := attachTimeout
	attachTimeout = 0
	defer func() { attachTimeout = old }()
	l2, owner, err := lockDataDir(dir)
	if l2 != nil || owner != strconv.Itoa(os.Getpid()) || err != nil {
		t.Fatalf("second lock: %v, owner %q, err %v", l2, owner, err)
	}
	_, err = attachLocal(context.Background(), dir, owner)
	if err == nil || !strings.Contains(err.Error(), "another acconsole (process "+owner+") owns the local cloud in "+dir) {
		t.Fatalf("err = %v", err)
	}
}
