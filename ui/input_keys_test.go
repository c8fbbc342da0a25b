package ui

import (
	"strings"
	"testing"
)

// The command bar's completion must not follow the text input into the
// write-mode prompt: `:write` ⏎ `TICKET-1` Tab used to panic inside the
// text input (slice bounds out of range).
func TestTabInWriteReasonPromptDoesNotCrash(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 100, 30)
	h.press(":")
	h.typeText("write")
	h.press("enter")
	h.must("reason for write mode")
	h.mustNot("reason for write mode: write")
	h.typeText("TICKET-1")
	h.mustNot("TICKET-1te") // no leftover completion drawn after the text
	h.press("tab")
	h.press("enter")
	h.must("WRITE")
	if !strings.Contains(h.screen(), "TICKET-1") && h.app.mode != inputNone {
		t.Fatalf("prompt still open:\n%s", h.screen())
	}
}

// `:devic` Esc then a filter longer than the abandoned completion, then Tab.
func TestTabInFilterAfterAbandonedCommandDoesNotCrash(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 100, 30)
	h.press(":")
	h.typeText("devic")
	h.press("esc")
	h.press("/")
	h.mustNot("/vices")
	h.typeText("abcdefghijklmnop")
	h.mustNot("abcdefghijklmnopvices")
	h.press("tab")
	h.must("/abcdefghijklmnop")
	h.press("esc")
}

// The command bar still completes with Tab.
func TestCommandBarStillCompletesWithTab(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 100, 30)
	h.press(":")
	h.typeText("devic")
	h.press("tab")
	if got := h.app.input.Value(); got != "devices" {
		t.Fatalf("tab completed %q, want devices", got)
	}
}
