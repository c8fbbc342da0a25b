package ui

import (
	"strings"
	"testing"
	"time"

	"acconsole/models"
)

// A done message is a statement: the room's name has no question mark
// after it, and what the confirm warned about is not repeated.
func TestDoneMessageIsAStatement(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	openUser42(h)
	h.press("h")
	h.must("Home")
	writeMode(h)
	h.press("enter") // rooms
	h.must("(all devices of the home)")
	h.press("down", "D")
	h.must(`Delete room "客厅 Living room"? Its devices stay in the home.`)
	h.press("y")
	h.must(`done: Deleted room "客厅 Living room"`)
	if strings.Contains(h.screen(), `room"?`) || strings.Contains(h.screen(), "done: Delete room") {
		t.Fatalf("the done message is still a question:\n%s", h.screen())
	}
}

// Unbinding the owner is refused up front, before any confirm, and the
// prompt names the owner and the change-owner key.
func TestUnbindOwnerRefusedUpFront(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 140, 30)
	openUser42(h)
	writeMode(h)
	h.press("enter") // device 900, owned by user 42
	h.must("客厅插座")
	h.press("x")
	h.must("user #42 owns it and cannot be unbound: " + h.app.keys.Get(ActOwner).Label() + " changes the owner")
	h.typeText("42")
	h.press("enter")
	h.must("user #42 owns it and cannot be unbound")
	if len(h.app.dialogs) != 0 {
		t.Fatalf("a confirm was offered for a write the cloud refuses:\n%s", h.screen())
	}
	if got := api.renamesSoFar(); got != "" {
		t.Fatalf("writes = %s", got)
	}
}

// A write refused by read-only mode reaches the audit hook with what was
// tried and why.
func TestReadOnlyRefusalIsAudited(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	var got []string
	h.app.refused = func(action, why string) { got = append(got, action+" | "+why) }
	openUser42(h)
	h.press("h")
	h.must("Home")
	h.press("a")
	h.must("read-only")
	if len(got) != 1 || !strings.Contains(got[0], "name of the new home") || !strings.Contains(got[0], "read-only") {
		t.Fatalf("audited refusals %q", got)
	}
}

// Enter on an audit row opens the whole entry: parameters, result, trace
// id, the write-mode reason and the call's note.
func TestAuditRowOpensFullEntry(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	long := strings.Repeat("a very long pairing summary ", 8) + "END"
	h.app.audit = func() ([]models.AuditEntry, error) {
		return []models.AuditEntry{{Time: time.Unix(1700000000, 0), Operator: "alice", Service: "zc-bind", Method: "closeGatewayMatch",
			Params: map[string]any{"deviceId": 3}, TraceID: "trace-77", Reason: "SUP-1 pairing", Note: long}}, nil
	}
	h.press(":")
	h.typeText("audit")
	h.press("enter")
	h.must("zc-bind/closeGatewayMatch")
	h.press("enter")
	for _, want := range []string{"Audit entry", "trace-77", "SUP-1 pairing", "deviceId=3", "END", "alice"} {
		h.must(want)
	}
	h.press("n")
	if strings.Contains(h.screen(), "Audit entry") {
		t.Fatalf("the entry did not close:\n%s", h.screen())
	}
}
