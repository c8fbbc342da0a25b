package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"acconsole/audit"
	"acconsole/ui"
)

// The real console with $USER unset: a write refused in read-only mode is
// audited under the OS account's name, :audit opens it in full, and every
// error the operator saw is in console.log in the state directory.
func TestConsoleRefusalsAuditedAndErrorsLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	t.Setenv("USER", "")
	t.Setenv("USERNAME", "")
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		t.Fatalf("id -un: %v", err)
	}
	account := strings.TrimSpace(string(out))
	c := startConsole(t)
	c.scr.WaitFor(t, "users 1–")
	users, err := c.client().Account().ListAllAccounts(context.Background(), 0, 1)
	if err != nil || len(users) == 0 {
		t.Fatalf("demo users: %v %v", users, err)
	}

	// An error the operator sees.
	c.command("user nobody-here@example.invalid")
	c.scr.WaitFor(t, "nobody-here@example.invalid")

	// A write refused in read-only mode.
	c.command("user " + users[0].Phone)
	c.scr.WaitFor(t, "user #")
	c.press(ui.ActHomes)
	c.scr.WaitFor(t, "Homes")
	c.press(ui.ActCreate)
	c.scr.WaitFor(t, "read-only: type :write")

	path := filepath.Join(stateDir(), "audit.jsonl")
	var refused *audit.Entry
	deadline := time.Now().Add(10 * time.Second)
	for refused == nil && time.Now().Before(deadline) {
		entries, err := audit.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range entries {
			if e.Refused {
				refused = &entries[i]
			}
		}
		if refused == nil {
			time.Sleep(20 * time.Millisecond) // the audit line is written off the UI's loop
		}
	}
	if refused == nil {
		t.Fatal("the refused write is not in the audit log")
	}
	if refused.Operator != account || !strings.Contains(refused.Method, "name of the new home") || !strings.Contains(refused.Error, "read-only") {
		t.Fatalf("refused entry %+v, want operator %q", *refused, account)
	}

	// :audit opens the entry in full.
	c.command("audit")
	c.scr.WaitFor(t, "refused (read-only)")
	c.press(ui.ActOpen)
	c.scr.WaitFor(t, "Audit entry", account, "name of the new home")

	logged, err := os.ReadFile(filepath.Join(stateDir(), "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nobody-here@example.invalid", "read-only: type :write"} {
		if !strings.Contains(string(logged), want) {
			t.Fatalf("console.log lacks %q:\n%s", want, logged)
		}
	}
}
