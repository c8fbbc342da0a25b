package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"acconsole/internal/vtscreen"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"acconsole/acapi"
	"acconsole/audit"
	"acconsole/cloud"
	"acconsole/ui"
)

// console runs the real console (local cloud, config, keys, audit) in a
// teatest program.
type console struct {
	t    *testing.T
	tm   *teatest.TestModel
	scr  *vtscreen.Screen
	keys ui.KeyMap
	dev  cloud.DeveloperFile
}

func startConsole(t *testing.T) *console { return startConsoleWith(t, 120, 40, 300) }

// startConsoleWith starts the console as the binary does, on its own XDG
// directories, with a demo world of demo devices on a w×h screen.
func startConsoleWith(t *testing.T, w, h, demo int) *console {
	t.Helper()
	return startConsoleIn(t, w, h, demo, "en")
}

// startConsoleIn is startConsoleWith in a language (--lang).
func startConsoleIn(t *testing.T, w, h, demo int, lang string) *console {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("ACCONSOLE_CONFIG", "")
	ctx, cancel := context.WithCancel(context.Background())
	app, cleanup, err := newConsole(ctx, consoleFlags{demo: demo, lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cleanup() })
	dev, err := cloud.ReadDeveloperFile(filepath.Join(dataDir(), cloud.DeveloperFileName))
	if err != nil {
		t.Fatal(err)
	}
	km, _ := buildKeyMap(nil)
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { _ = tm.Quit() })
	return &console{t: t, tm: tm, scr: vtscreen.New(w, h, tm.Output()), keys: km, dev: dev}
}

// press sends the first key of a named binding, the way a terminal would
// deliver it; remapping keys in keymap.go never breaks these tests.
func (c *console) press(action string) {
	c.t.Helper()
	b := c.keys.Get(action)
	if len(b.Keys) == 0 {
		c.t.Fatalf("no key for %s", action)
	}
	c.tm.Send(keyMsg(b.Keys[0]))
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func (c *console) typeText(s string) {
	for _, r := range s {
		c.tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (c *console) command(s string) {
	c.press(ui.ActCommand)
	c.typeText(s)
	c.press(ui.ActOpen)
}

func (c *console) client() *acapi.Client {
	cl, err := acapi.New(acapi.Config{Routers: []string{c.dev.Router}, DeveloperID: c.dev.DeveloperID,
		SecretKey: c.dev.SecretKey, MajorDomain: c.dev.MajorDomain})
	if err != nil {
		c.t.Fatal(err)
	}
	return cl
}

func TestConsoleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	c := startConsole(t)
	ctx := context.Background()

	// Start: the users of the local cloud, read-only.
	c.scr.WaitFor(t, "users 1–")
	c.scr.WaitFor(t, "read-only")

	// Find a user by phone.
	users, err := c.client().Account().ListAllAccounts(ctx, 0, 5)
	if err != nil || len(users) == 0 {
		t.Fatalf("demo users: %v %v", users, err)
	}
	var u = users[0]
	for _, cand := range users {
		devs, _ := c.client().As(cand.UserID).Bind().ListDevices(ctx, false)
		homes, _ := c.client().As(cand.UserID).Home().ListHomes(ctx)
		if len(devs) > 0 && len(homes) > 0 && cand.Phone != "" {
			u = cand
			break
		}
	}
	c.command("user " + u.Phone)
	c.scr.WaitFor(t, "user #")
	c.scr.WaitFor(t, u.Phone)

	// Open a home and its rooms: enter only once the rows are there (the
	// breadcrumb shows before they load).
	homes, err := c.client().As(u.UserID).Home().ListHomes(ctx)
	if err != nil || len(homes) == 0 {
		t.Fatalf("homes of %d: %v %v", u.UserID, homes, err)
	}
	c.press(ui.ActHomes)
	c.scr.WaitFor(t, "› Homes", "OWNER", fmt.Sprintf("1–%d of %d", len(homes), len(homes)))
	c.press(ui.ActOpen)
	c.scr.WaitFor(t, "(all devices of the home)")
	c.press(ui.ActOpen)
	c.scr.WaitFor(t, "PHYSICAL ID")

	// Open a device, once the home's devices are listed.
	devs, _ := c.client().As(u.UserID).Home().ListHomeDevices(ctx, mustHome(t, c, u.UserID), false)
	if len(devs) == 0 {
		t.Fatal("the demo home has no devices")
	}
	var ids []string
	for _, d := range devs {
		ids = append(ids, d.PhysicalDeviceID)
	}
	c.waitAny(ids...)
	c.press(ui.ActOpen)
	c.scr.WaitFor(t, "physical id")
	c.scr.WaitFor(t, "users (")

	// Rename it in write mode; the audit log records the write.
	c.press(ui.ActRename)
	c.scr.WaitFor(t, "read-only: type :write")
	c.command("write")
	c.typeText("SUP-100 customer rename")
	c.press(ui.ActOpen)
	c.scr.WaitFor(t, "WRITE 1")
	c.press(ui.ActRename)
	c.scr.WaitFor(t, "new name:")
	c.typeText("E2E lamp")
	c.press(ui.ActOpen)
	c.scr.WaitFor(t, `to "E2E lamp"?`)
	c.tm.Send(keyMsg("y"))
	c.scr.WaitFor(t, `done: Rename`, "E2E lamp  ")

	entries, err := audit.Read(filepath.Join(stateDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if e.Method == "modifyDevice" && e.Code == 0 && e.Reason == "SUP-100 customer rename" && e.Params["name"] == "E2E lamp" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the rename is not in the audit log: %+v", entries)
	}
}

func mustHome(t *testing.T, c *console, uid int64) int64 {
	homes, err := c.client().As(uid).Home().ListHomes(context.Background())
	if err != nil || len(homes) == 0 {
		t.Fatalf("homes of %d: %v %v", uid, homes, err)
	}
	return homes[0].HomeID
}

// waitAny waits until the screen shows one of the phrases.
func (c *console) waitAny(phrases ...string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := c.scr.Text()
		for _, p := range phrases {
			if p != "" && strings.Contains(scr, p) {
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the screen never showed any of %q:\n%s", phrases, scr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
