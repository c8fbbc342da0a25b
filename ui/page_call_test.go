package ui

import (
	"strings"
	"testing"
)

// :call: the body is checked as it is typed, a known read runs in
// read-only mode, an unknown method needs write mode and a yes, the answer
// is pretty-printed, and the history calls again.
func TestServiceCall(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.command("call device-history/listEvents")
	h.must("Call a service", "device-history", "listEvents", "✓ a JSON object with 0 key(s)")
	h.press("ctrl+u")
	h.typeText(`{"physicalDeviceId":"A1B2C3D4E5F60001","limit":`)
	h.must("unfinished JSON")
	h.typeText(`5}`)
	h.must("✓ a JSON object with 2 key(s)", "a known read, allowed in read-only mode")
	h.press("enter")
	w := api.wf()
	if len(w.calls) != 1 || !w.calls[0].Read || string(w.calls[0].Body) != `{"physicalDeviceId":"A1B2C3D4E5F60001","limit":5}` {
		t.Fatalf("calls = %+v", w.calls)
	}
	h.must(`"method": "listEvents"`, `"limit": 5`, "trace trace-1", "HISTORY (1)")

	// A vendor's method is a write as far as the console can tell.
	h.press("esc") // stop typing, so that ":" opens the command bar
	h.command("call vendor-billing/refund")
	h.press("ctrl+u")
	h.typeText(`{"order":7}`)
	h.must("write: needs write mode and a yes; audited")
	h.press("enter")
	h.must("read-only: type :write", "(the console cannot know whether vendor-billing/refund")
	if len(w.calls) != 1 {
		t.Fatal("a write call went out in read-only mode")
	}
	h.press("esc")
	h.writeMode()
	h.press("enter", "enter")
	h.must(`Call vendor-billing/refund v1 as the developer with {"order":7}?`)
	h.press("y")
	if len(w.calls) != 2 || w.calls[1].Read {
		t.Fatalf("calls = %+v", w.calls)
	}
	h.must("HISTORY (2)", `"method": "refund"`)

	// A non-object body is refused before anything is sent.
	h.press("ctrl+u")
	h.typeText(`[1,2]`)
	h.must("must be a JSON object")
	h.press("enter")
	if len(w.calls) != 2 {
		t.Fatal("an array body was sent")
	}

	// Load the first call back from the history.
	h.act(ActNextField) // response
	h.act(ActNextField) // history
	h.press("down", "enter")
	if got := topAs[*callPage](h).f[callMethod].value(); got != "listEvents" {
		t.Fatalf("history loaded %q", got)
	}
	if !strings.Contains(h.screen(), "A1B2C3D4E5F60001") {
		t.Fatal(h.screen())
	}
}

func TestKnownReads(t *testing.T) {
	for _, c := range []struct {
		svc, m string
		read   bool
	}{
		{"device-history", "listReports", true},
		{"zc-bind", "listDevices", true},
		{"zc-bind", "getShareCode", false},
		{"zc-bind", "bindDevice", false},
		{"zc-account", "getVerifyCode", false},
		{"zc-ota", "confirmUpdate", false},
		{"zc-timer-task", "listTaskHistory", true},
		{"my-service", "getThing", false},
	} {
		if got := isKnownRead(c.svc, c.m); got != c.read {
			t.Errorf("%s/%s read = %v", c.svc, c.m, got)
		}
	}
}
