package ui

import (
	"strings"
	"testing"
	"time"

	"acconsole/models"
)

// The :audit view shows the file's entries as they are written: a call as
// service/method with its parameters in key order and how it ended, a
// write the console refused by what was tried.
func TestAuditViewShowsFileEntries(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 160, 30)
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	h.app.audit = func() ([]models.AuditEntry, error) {
		return []models.AuditEntry{
			{Time: at, Operator: "alice", Service: "zc-bind", Method: "modifyDevice", Params: map[string]any{"name": "Lamp", "deviceId": 3}, Code: 3821},
			{Time: at.Add(time.Second), Operator: "bob", Service: models.AuditConsoleService, Method: "Device: rename", Error: "read-only", Refused: true},
			{Time: at.Add(2 * time.Second), Operator: "carol", Service: "zc-bind", Method: "unbindDevice", Params: map[string]any{"deviceId": 4}},
		}, nil
	}
	h.press(":")
	h.typeText("audit")
	h.press("enter")
	for _, want := range []string{"zc-bind/modifyDevice", "error 3821", "deviceId=3 name=Lamp", "Device: rename", "refused (read-only)", "zc-bind/unbindDevice", " ok "} {
		h.must(want)
	}
	if scr := h.screen(); strings.Contains(scr, "console/Device") {
		t.Fatalf("a refused write is shown under the console's service name:\n%s", scr)
	}
}
