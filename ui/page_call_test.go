package ui

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// :call: the body is checked as it is typed, a known read runs in
// read-only mode, an unknown method needs write mode and a yes, the answer
// is pretty-printed, and the history calls again.
func TestServiceCall(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	var refused []string
	h.app.refused = func(action, why string) { refused = append(refused, action) }
	h.command("call device-history/listEvents")
	h.must("Call a service", "device-history", "listEvents", "✓ a JSON object with 0 keys")
	h.press("ctrl+u")
	h.typeText(`{"physicalDeviceId":"A1B2C3D4E5F60001","limit":`)
	h.must("unfinished JSON")
	h.typeText(`5}`)
	h.must("✓ a JSON object with 2 keys", "a known read, allowed in read-only mode")
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
	if len(refused) != 1 || refused[0] != "Call: vendor-billing/refund" {
		t.Fatalf("refused calls audited as %q, want the refund once", refused)
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

// openVendorCall opens the form on a vendor's method, which the console
// cannot know to be a read, with the body {"order":7}.
func openVendorCall(h *wfHarness) {
	h.command("call vendor-billing/refund")
	h.press("ctrl+u")
	h.typeText(`{"order":7}`)
}

// The operator cannot make a vendor's method a read: a read skips the
// audit, may be retried and passes the read-only guard. Space on the kind
// row changes nothing, and the call goes out as a write.
func TestCallOperatorCannotMarkARead(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.writeMode()
	openVendorCall(h)
	h.press("up") // body → kind
	if f := topAs[*callPage](h).focus; f != callKind {
		t.Fatalf("focus on field %d, want the kind", f)
	}
	h.press("space")
	h.must("write: needs write mode and a yes; audited, never retried")
	h.mustNot("as you say")
	h.press("enter")
	h.must("Call vendor-billing/refund v1 as the developer")
	h.press("y")
	w := api.wf()
	if len(w.calls) != 1 || w.calls[0].Read {
		t.Fatalf("calls = %+v, want one write", w.calls)
	}
}

// A write confirmed after write mode ended is not sent: the check is made
// again right before sending.
func TestCallConfirmedAfterWriteModeEndedIsNotSent(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.writeMode()
	openVendorCall(h)
	h.press("enter")
	h.must("Call vendor-billing/refund v1 as the developer")
	h.clock.Advance(16 * time.Minute) // write mode lasts 15 min
	h.press("y")
	if w := api.wf(); len(w.calls) != 0 {
		t.Fatalf("a write went out after write mode ended: %+v", w.calls)
	}
	// The status line may already say that write mode ended; the error
	// kept for e says why the call was not sent.
	if err := h.app.lastErr; err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("last error = %v", err)
	}
}

// View draws from what was computed when the answer arrived and when the
// form changed: redrawing a large answer costs nothing like its size.
func TestCallViewDoesNotRecomputeEveryFrame(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	var big strings.Builder
	big.WriteString(`{"rows":[`)
	for i := range 40000 {
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"id":%d,"name":"row %d"}`, i, i)
	}
	big.WriteString(`]}`)
	w.callReply = json.RawMessage(big.String())
	h := newWFHarness(t, api, 120, 40)
	h.command("call device-history/listEvents")
	h.press("enter")
	h.must(`"rows": [`, "lines 1–")

	const frames = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range frames {
		_ = h.app.View()
	}
	runtime.ReadMemStats(&after)
	perFrame := (after.TotalAlloc - before.TotalAlloc) / frames
	if perFrame > uint64(big.Len())/4 {
		t.Fatalf("a frame allocates %d bytes for a %d-byte answer: View recomputes it", perFrame, big.Len())
	}
}

// The body is checked when it is edited, not on every frame: redrawing a
// large body does not parse it again. (What remains per frame is the
// field's own drawing, a few times the body's size; parsing it three
// times a frame, as View did, cost some eighty.)
func TestCallFormCheckedOnEditNotEveryFrame(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 120, 40)
	h.command("call vendor-billing/refund")
	h.press("ctrl+u")
	var body strings.Builder
	body.WriteString("{")
	for i := range 5000 {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `"key%d":{"a":[1,2,3],"b":"x"}`, i)
	}
	body.WriteString("}")
	h.send(tea.PasteMsg{Content: body.String()})
	h.settle()
	h.must("✓ a JSON object with 5000 keys")

	const frames = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range frames {
		_ = h.app.View()
	}
	runtime.ReadMemStats(&after)
	perFrame := (after.TotalAlloc - before.TotalAlloc) / frames
	if perFrame > 20*uint64(body.Len()) {
		t.Fatalf("a frame allocates %d bytes for a %d-byte body: View parses it again", perFrame, body.Len())
	}
	// An edit is checked at once.
	h.press("backspace")
	h.must("unfinished JSON")
}
