package ui

import (
	"strings"
	"testing"
	"time"
)

// The composer's payload starts empty with the example as a placeholder:
// typing 02 sends 02, not the example with 02 after it.
func TestComposerPayloadStartsEmpty(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 140, 45)
	h.command("device 900")
	h.writeMode()
	h.act(ActSendCommand)
	h.must("68  set power")
	h.press("down") // 68 set power (example 01)
	h.must("hex e.g. 01")
	h.act(ActNextField)
	h.typeText("02")
	h.must("hex 02 ", "(1 byte, 1 expected)", "power toggle")
	h.press("enter")
	h.must("Send 68 set power: power toggle")
	h.press("y")
	if got := strings.Join(api.wf().sent, ","); got != "900:68:02" {
		t.Fatalf("sent %q, want 900:68:02", got)
	}
}

// A new timer's payload starts empty; saving it so is refused with what
// to type, and what is typed is what is stored.
func TestTimerEditorPayloadStartsEmpty(t *testing.T) {
	api := newFakeAPI()
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.writeMode()
	h.act(ActCreate)
	h.typeText("Kettle")
	h.must("‹68 set power›", "e.g. 01", "type the payload: set power takes 1 byte")
	h.act(ActSave)
	h.must("payload: set power takes 1 byte, not 0")
	if n := len(api.wf().tasks[900]); n != 0 {
		t.Fatalf("%d timers saved with no payload typed", n)
	}
	editField(h, tePayload, "00")
	h.must("→ set power: power off")
	h.act(ActSave)
	h.press("y")
	topAs[*timersPage](h)
	tasks := api.wf().tasks[900]
	if len(tasks) != 1 || len(tasks[0].Payload) != 1 || tasks[0].Payload[0] != 0 {
		t.Fatalf("stored %+v, want payload 00", tasks)
	}
}
