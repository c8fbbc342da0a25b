package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"acconsole/audit"
	"acconsole/ui"
)

// The support flow in Chinese against the real local cloud: a console
// started with --lang zh-CN finds a user by a +86 phone, opens one of
// their devices, refuses a rename while read-only, enters write mode with
// a reason and renames the device. The screen speaks Chinese at every
// step (the expected words are AbleCloud's own Chinese terms, written
// here by hand), the new name shows, and the audit entry of the rename
// stays language-neutral: only the operator's reason and the data carry
// Chinese.
func TestConsoleEndToEndInChinese(t *testing.T) {
	c := startConsoleIn(t, 120, 40, 300, "zh-CN")
	ctx := context.Background()

	// Start: the users of the local cloud, read-only (只读).
	c.scr.WaitFor(t, "只读")

	// A user with a phone and a device, found by the phone with +86.
	users, err := c.client().Account().ListAllAccounts(ctx, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	var phone, physical, oldName string
	var uid int64
	for _, u := range users {
		devs, _ := c.client().As(u.UserID).Bind().ListDevices(ctx, false)
		if u.Phone != "" && len(devs) > 0 {
			phone, uid = strings.TrimPrefix(u.Phone, "+86"), u.UserID
			physical, oldName = devs[0].PhysicalDeviceID, devs[0].Name
			break
		}
	}
	if uid == 0 {
		t.Fatalf("no demo user with a phone and a device among %d", len(users))
	}
	c.command("user +86" + phone)
	c.scr.WaitFor(t, "用户", phone)

	// One of their devices: its page names the physical id (物理ID).
	// The device page itself (激活时间, 扩展属性 are its labels only): a
	// search page that lists the match comes first, and a key pressed
	// there would go to it.
	c.command("device " + physical)
	c.scr.WaitFor(t, "物理ID", physical, "激活时间", "扩展属性")

	// Read-only: the rename key says how to enter write mode.
	c.press(ui.ActRename)
	c.scr.WaitFor(t, ":write", "只读")

	// Write mode (写模式) with a reason typed in Chinese.
	reason := "SUP-100 客户要求改名"
	c.command("write")
	c.typeText(reason)
	c.press(ui.ActOpen)
	c.scr.WaitFor(t, "写模式", reason)

	// Rename: the prompt takes the new name, the confirmation asks in
	// Chinese with the new name in it.
	newName := "E2E lamp " + strconv.FormatInt(uid, 10)
	c.press(ui.ActRename)
	c.typeText(newName)
	c.press(ui.ActOpen)
	// The confirmation is a question (？) about renaming (重命名); the
	// prompt line, which also shows the typed name, is neither.
	ask := waitLine(t, c, func(l string) bool {
		return strings.Contains(l, newName) && strings.Contains(l, "重命名") && strings.Contains(l, "？") && hasChineseBeside(l, oldName, newName)
	})
	for _, english := range []string{"Rename", " to ", "new name"} {
		if strings.Contains(ask, english) {
			t.Errorf("the confirmation is English (%q): %q", english, ask)
		}
	}
	c.tm.Send(keyMsg("y"))

	// Done: the cloud has the name, the screen shows it with a Chinese
	// confirmation and no English one.
	waitFor(t, "the cloud to hold the new name", func() bool {
		devs, _ := c.client().As(uid).Bind().ListDevices(ctx, false)
		for _, d := range devs {
			if d.PhysicalDeviceID == physical {
				return d.Name == newName
			}
		}
		return false
	})
	// The console says it is done (完成) once its call returned, and so
	// once its audit entry is written: the cloud holding the name is not
	// enough, the console's client may still be on its way back.
	done := waitLine(t, c, func(l string) bool {
		return strings.Contains(l, "完成") && strings.Contains(l, newName) && hasChineseBeside(l, oldName, newName) && !strings.Contains(l, "？") && !strings.Contains(l, "?")
	})
	if scr := c.scr.Text(); strings.Contains(scr, "done:") || strings.Contains(scr, "Rename") {
		t.Errorf("the screen confirms in English:\n%s", scr)
	}
	t.Logf("confirmation: %q", strings.TrimSpace(done))

	// The audit entry: the rename with its reason and name as typed, and
	// nothing else in it translated.
	entries, err := audit.Read(filepath.Join(stateDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var rename *audit.Entry
	for i, e := range entries {
		if e.Method == "modifyDevice" && e.Code == 0 && e.Params["name"] == newName {
			rename = &entries[i]
		}
	}
	if rename == nil {
		t.Fatalf("the rename is not in the audit log: %+v", entries)
	}
	if rename.Reason != reason {
		t.Errorf("audit reason = %q, want %q", rename.Reason, reason)
	}
	neutral := *rename
	neutral.Reason, neutral.Params, neutral.Note, neutral.Operator = "", nil, "", ""
	b, _ := json.Marshal(neutral)
	for _, r := range string(b) {
		if r >= 0x80 {
			t.Fatalf("the audit entry carries translated text outside its data: %s", b)
		}
	}
}

// hasChineseBeside reports Han characters in line besides those of the
// names in it: text of the console's own, in Chinese.
func hasChineseBeside(line string, names ...string) bool {
	for _, n := range names {
		if n != "" {
			line = strings.ReplaceAll(line, n, "")
		}
	}
	han := 0
	for _, r := range line {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	return han >= 2
}

// waitLine waits until a line of the screen satisfies ok and returns it.
func waitLine(t *testing.T, c *console, ok func(string) bool) string {
	t.Helper()
	var found string
	waitFor(t, "a screen line", func() bool {
		for _, l := range strings.Split(c.scr.Text(), "\n") {
			if ok(l) {
				found = l
				return true
			}
		}
		return false
	})
	return found
}

// waitFor polls cond for up to 20 s (the screen's own limit).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
