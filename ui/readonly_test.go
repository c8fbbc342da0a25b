package ui

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/audit"
	"acconsole/cloud/cloudtest"
	"acconsole/internal/clock"
)

// The write window closes on its own: 15 minutes after :write (the
// default), the header drops WRITE, the client is read-only again and a
// rename is refused with nothing sent.
func TestWriteWindowExpiresOnTheClock(t *testing.T) {
	api := &monkeyAPI{fakeAPI: newFakeAPI()}
	clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h := newAppHarness(t, api, clk, 120, 30)
	h.command("device 900")
	h.writeMode()
	h.must("WRITE 15:00")
	if api.ReadOnly() {
		t.Fatal("write mode on, the client still read-only")
	}
	h.advance(14*time.Minute + 59*time.Second)
	h.must("WRITE 0:01")
	h.advance(2 * time.Second)
	h.mustNot("WRITE")
	h.must("write mode ended")
	if !api.ReadOnly() {
		t.Fatal("the window ended, the client is still writable")
	}
	h.press("R")
	h.must("read-only: type :write")
	if h.app.mode != inputNone {
		t.Fatalf("a rename prompt opened in read-only mode:\n%s", h.screen())
	}
	if got := api.renamesSoFar(); got != "" || api.bad.Load() != 0 {
		t.Fatalf("a rename was sent: %q %v", got, api.log)
	}
}

// A prompt opened in write mode and answered after the window closed sends
// nothing (the key monkey found bind phone sending its code then).
func TestAnswerAfterTheWindowClosedSendsNothing(t *testing.T) {
	for _, c := range []struct{ name, open, key string }{
		{"rename", "device 900", "R"},
		{"bind phone", "user 13800000042", "B"},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := &monkeyAPI{fakeAPI: newFakeAPI()}
			clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
			h := newAppHarness(t, api, clk, 120, 30)
			h.command(c.open)
			h.writeMode()
			h.press(c.key)
			if h.app.mode != inputPrompt {
				t.Fatalf("%s opened no prompt:\n%s", c.key, h.screen())
			}
			h.advance(16 * time.Minute)
			h.typeText("13900000001")
			h.press("enter")
			h.press("y") // a confirm dialog, if one opened, is accepted
			h.must("read-only")
			if api.bad.Load() != 0 || api.renamesSoFar() != "" {
				t.Fatalf("a write reached the client after the window closed: %v", api.log)
			}
		})
	}
}

// :readonly ends write mode at once.
func TestReadOnlyCommandEndsWriteMode(t *testing.T) {
	api := &monkeyAPI{fakeAPI: newFakeAPI()}
	clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h := newAppHarness(t, api, clk, 120, 30)
	h.command("device 900")
	h.writeMode()
	h.must("WRITE")
	h.command("readonly")
	h.mustNot("WRITE")
	if !api.ReadOnly() {
		t.Fatal(":readonly left the client writable")
	}
	h.press("R")
	h.must("read-only: type :write")
	if api.bad.Load() != 0 || api.renamesSoFar() != "" {
		t.Fatalf("a write was sent after :readonly: %v", api.log)
	}
}

// The same against the real client on a local cloud, with the audit log
// on disk: a rename in write mode goes through and is audited; once the
// window has closed the console refuses the next one, the client's own
// guard refuses a write that would still be sent, and the audit log
// records that refusal.
func TestWriteWindowExpiryOnTheRealClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud")
	}
	c := cloudtest.Start(t, cloudtest.Options{Demo: 40, Simulate: true})
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	alog, err := audit.Open(logPath, "local")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alog.Close() })
	cl, err := acapi.New(acapi.Config{Routers: []string{c.URL}, DeveloperID: c.Developer.ID, AccessKey: c.Developer.AccessKey,
		SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name, Operator: "tester", ReadOnly: true, Auditor: alog})
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{t: t, cloud: c, client: cl}
	dev := e.device("plug")
	clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h := newAppHarness(t, NewAPI(cl), clk, 140, 40, func(o *Options) { o.OnWriteMode = alog.SetReason })
	h.command("device " + strconv.FormatInt(dev.DeviceID, 10))
	h.must(dev.PhysicalDeviceID)
	h.writeMode()
	h.press("R")
	h.typeText("Renamed in write mode")
	h.press("enter")
	h.press("y")
	h.must("done: Rename")

	h.advance(15*time.Minute + time.Second)
	h.mustNot("WRITE")
	if !cl.ReadOnly() {
		t.Fatal("the window closed, the real client is still writable")
	}
	h.press("R")
	h.must("read-only: type :write")
	// A write that would still reach the client is refused before any I/O.
	err = cl.As(dev.Owner).Bind().ModifyDevice(t.Context(), "plug", dev.DeviceID, "after the window")
	if !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("the client let a write through after the window: %v", err)
	}
	entries, err := audit.Read(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused int
	for _, en := range entries {
		if en.Method != "modifyDevice" {
			continue
		}
		switch {
		case en.Refused:
			refused++
		case en.Code == 0:
			ok++
			if en.Reason != "SUP-1 test" {
				t.Errorf("the write-mode rename is audited with reason %q", en.Reason)
			}
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("audit log: %d renames done, %d refused; want 1 and 1:\n%+v", ok, refused, entries)
	}
	if d, err := cl.As(dev.Owner).Bind().GetUserDevice(t.Context(), "plug", dev.DeviceID); err != nil || !strings.Contains(d.Name, "Renamed in write mode") {
		t.Fatalf("the device is named %q (%v)", d.Name, err)
	}
}
