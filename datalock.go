package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"acconsole/cloud"
)

// lockFileName guards a data directory: the console that holds its lock
// owns the local cloud (cloud.db and local-developer.json); any other
// console on the same directory attaches to that cloud as a client.
const lockFileName = "console.lock"

// dataLock is a held lock on a data directory.
type dataLock struct{ f *os.File }

// lockDataDir takes the data directory's lock and writes this process's id
// into it. owner is the id another process wrote when the lock is busy
// (then the returned lock is nil).
func lockDataDir(dir string) (l *dataLock, owner string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, "", err
	}
	busy, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, "", fmt.Errorf("lock %s: %w", path, err)
	}
	if busy {
		raw, _ := os.ReadFile(path)
		f.Close()
		owner = strings.TrimSpace(string(raw))
		if owner == "" {
			owner = "unknown"
		}
		return nil, owner, nil
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dataLock{f: f}, "", nil
}

// release gives the directory up (closing the file drops the flock).
func (l *dataLock) release() {
	if l != nil && l.f != nil {
		_ = l.f.Truncate(0)
		_ = l.f.Close()
		l.f = nil
	}
}

// attachTimeout bounds how long a second console waits for the owner's
// router to answer (the owner may be starting: seeding a demo world takes
// a moment).
var attachTimeout = 20 * time.Second

// attachLocal connects to the local cloud another console owns: it reads
// the router the owner wrote into local-developer.json, once that router
// answers.
func attachLocal(ctx context.Context, dir, owner string) (cloud.DeveloperFile, error) {
	path := filepath.Join(dir, cloud.DeveloperFileName)
	deadline := time.Now().Add(attachTimeout)
	for {
		dev, err := cloud.ReadDeveloperFile(path)
		if err == nil && routerAnswers(dev.Router) {
			return dev, nil
		}
		if time.Now().After(deadline) {
			return cloud.DeveloperFile{}, fmt.Errorf("another acconsole (process %s) owns the local cloud in %s, but its router does not answer: wait until it has started, or close it", owner, dir)
		}
		select {
		case <-ctx.Done():
			return cloud.DeveloperFile{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// routerAnswers reports whether something listens at the router's address.
func routerAnswers(router string) bool {
	u, err := url.Parse(router)
	if err != nil || u.Host == "" {
		return false
	}
	c, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
