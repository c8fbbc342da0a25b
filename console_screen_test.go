package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"acconsole/ui"
)

// startConsoleAt is startConsole on a w×h screen with a small world.
func startConsoleAt(t *testing.T, w, h int) *console { return startConsoleWith(t, w, h, 60) }

// row is line n of a screen text (0 = top).
func row(scr string, n int) string {
	lines := strings.Split(scr, "\n")
	if n < 0 {
		n += len(lines)
	}
	if n < 0 || n >= len(lines) {
		return ""
	}
	return lines[n]
}

// waitCrumb waits until the breadcrumb row is want.
func waitCrumb(t *testing.T, c *console, want func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := c.scr.Text()
		if want(strings.TrimSpace(row(scr, 1))) {
			return scr
		}
		if time.Now().After(deadline) {
			t.Fatalf("the breadcrumb never matched; the screen shows:\n%s", scr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func notFinding(s string) bool { return s != "" && !strings.Contains(s, "find") }

// demoDevice is a bound device of the demo world: its owner and id.
func demoDevice(t *testing.T, c *console) (phone string, deviceID int64, name string) {
	t.Helper()
	ctx := context.Background()
	users, err := c.client().Account().ListAllAccounts(ctx, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		devs, _ := c.client().As(u.UserID).Bind().ListDevices(ctx, false)
		if len(devs) > 0 && u.Phone != "" {
			return u.Phone, devs[0].DeviceID, devs[0].Name
		}
	}
	t.Fatal("no demo user with a phone and a device")
	return "", 0, ""
}

// The breadcrumb is the path to the current view: lookups do not pile up,
// a failed one is replaced by the next, and at 80 columns the current view
// is what stays in sight.
func TestScreenBreadcrumbIsThePath(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	c := startConsoleAt(t, 80, 24)
	c.scr.WaitFor(t, "users 1–")
	phone, id, _ := demoDevice(t, c)

	c.command("user " + phone)
	c.scr.WaitFor(t, "user #")
	scr := waitCrumb(t, c, notFinding)
	first := strings.TrimSpace(row(scr, 1))
	c.command("user nope-nobody")
	c.scr.WaitFor(t, "no user matches")
	c.command("user " + phone)
	c.scr.WaitFor(t, "user #")
	waitCrumb(t, c, notFinding)
	c.command("user " + phone)
	scr = waitCrumb(t, c, notFinding)
	if got := strings.TrimSpace(row(scr, 1)); got != first || strings.Contains(got, "find") {
		t.Fatalf("after repeated and failed lookups the breadcrumb reads %q, want %q", got, first)
	}

	// Esc climbs the path and adds no history entry: "[" does not bring
	// back the view Esc left, it goes further back.
	c.command("device " + itoa(id))
	scr = c.scr.WaitFor(t, "physical id")
	crumb := strings.TrimSpace(row(scr, 1))
	if !strings.HasSuffix(crumb, "#"+itoa(id)) && !strings.Contains(scr, "device #"+itoa(id)) {
		t.Fatalf("device page not shown: %q", crumb)
	}
	c.press(ui.ActBack) // nowhere to climb: stays
	c.press(ui.ActHistBack)
	c.scr.WaitFor(t, "user #")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// At 120 columns the device page offers every workflow key: hints that do
// not fit one line go to a second one, and each key is offered once.
func TestScreenDeviceFooterShowsEveryKey(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	c := startConsoleAt(t, 120, 40)
	c.scr.WaitFor(t, "users 1–")
	_, id, _ := demoDevice(t, c)
	c.command("device " + itoa(id))
	scr := c.scr.WaitFor(t, "physical id", "users (")
	foot := row(scr, -4) + "\n" + row(scr, -3) + "\n" + row(scr, -2) + "\n" + row(scr, -1)
	for _, act := range []string{ui.ActPair, ui.ActFirmware, ui.ActShare, ui.ActEvents, ui.ActTimers, ui.ActHelp, ui.ActQuit} {
		b := c.keys.Get(act)
		want := b.Label() + " " + b.Desc
		if !strings.Contains(foot, want) {
			t.Errorf("the footer lacks %q:\n%s", want, foot)
		}
	}
	seen := map[string]int{}
	for _, part := range strings.Split(strings.ReplaceAll(foot, "\n", "  "), "  ") {
		if k, _, ok := strings.Cut(strings.TrimSpace(part), " "); ok {
			seen[k]++
			if seen[k] > 1 {
				t.Errorf("key %q offered twice in the footer:\n%s", k, foot)
			}
		}
	}
}

// ctrl+c leaves the console even while the command bar is open.
func TestScreenCtrlCLeavesFromAnInput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	c := startConsoleAt(t, 80, 24)
	c.scr.WaitFor(t, "users 1–")
	c.press(ui.ActCommand)
	c.typeText("us")
	c.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	c.tm.WaitFinished(t, teatest.WithFinalTimeout(20*time.Second))
}

// :theme alone lists the themes, ascii among them; an unknown name lists
// them too.
func TestScreenThemeWithoutANameListsThemes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	c := startConsoleAt(t, 120, 40)
	c.scr.WaitFor(t, "users 1–")
	c.command("theme")
	c.scr.WaitFor(t, "name a theme: ascii, dark, high-contrast, light")
	c.command("theme solarized")
	c.scr.WaitFor(t, "unknown theme \"solarized\" (available: ascii, dark, high-contrast, light)")
	c.command("theme ascii")
	// (the command bar echoes "theme ascii" while typing: wait for the
	// header in ASCII instead)
	scr := c.scr.WaitFor(t, "acconsole * local")
	for _, r := range row(scr, 0) + row(scr, 1) + row(scr, -1) {
		if r >= 0x80 {
			t.Fatalf("the ascii theme draws %q:\n%s", r, scr)
		}
	}
}
