package ui

import (
	"strings"
	"testing"

	"acconsole/acapi"
	"acconsole/models"
)

// The composer: pick a code from the product's commands, edit the payload
// by field or as hex, send with a confirmation, and read the reply decoded
// beside the request; failures say what to do; history re-sends.
func TestComposerRoundTrip(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 140, 45)
	h.command("device 900")
	h.act(ActSendCommand)
	h.must("Command → 客厅插座", "65  identify", "68  set power", "[0] power u8: 0 off, 1 on, 2 toggle → 102", "other code (65–199)")

	h.press("down") // 68 set power: the payload starts empty, the example is a placeholder
	h.must("PAYLOAD  code 68 set power", "hex e.g. 01")
	h.act(ActNextField) // hex
	h.typeText("01")
	h.must("hex 01 ", "power", "= on", "→ set power: power on")

	// Field editing: right steps the enum.
	h.act(ActNextField) // fields
	h.press("right")
	h.must("hex 02", "→ set power: power toggle")
	h.press("left", "left")
	h.must("hex 00", "power off")

	// Hex editing, with the layout checking the length.
	h.act(ActPrevField)
	h.press("backspace", "backspace")
	h.typeText("0102")
	h.must("(2 bytes, 1 expected)", "set power: 01 02 (2 bytes, expected 1)")
	h.press("backspace", "backspace")
	h.must("power on")

	h.press("enter") // send: read-only
	h.must("read-only")
	if len(api.wf().sent) != 0 {
		t.Fatal("sent in read-only mode")
	}
	h.press("esc") // stop typing, then :write
	h.writeMode()
	h.press("enter") // type again
	h.press("enter") // send
	h.must("Send 68 set power: power on to 客厅插座 (as user #42)?")
	h.press("y")
	if got := strings.Join(api.wf().sent, ","); got != "900:68:01" {
		t.Fatalf("sent %q", got)
	}
	h.must("HISTORY (1)", "68 set power: power on", "→ 102 state: power on, draw 9.5 W, energy 12345 Wh", "[01] → [01 00 5F 00 00 30 39] in 3ms")

	// Offline and timeout are explained.
	w := api.wf()
	w.reply = func(int, []byte) (CommandReply, error) {
		return CommandReply{}, &acapi.Error{Code: models.ErrDeviceOffline, Service: "zc-bind", Method: "sendToDevice"}
	}
	h.press("enter")
	h.press("y")
	h.must("device offline (3807): it is not connected to the cloud, so the command was not delivered")
	w.reply = func(int, []byte) (CommandReply, error) {
		return CommandReply{}, &acapi.Error{Code: models.ErrDeviceTimeout, Service: "zc-bind", Method: "sendToDevice"}
	}
	h.press("enter")
	h.press("y")
	h.must("no reply within 5s (3814)")

	// An error reply (127) is decoded too.
	w.reply = func(int, []byte) (CommandReply, error) { return CommandReply{Code: 127, Payload: []byte{2, 68}}, nil }
	h.press("enter")
	h.press("y")
	h.must("→ 127 error: reason bad payload length, command 68")

	// Re-send the first command from the history.
	w.reply = nil
	h.act(ActNextField) // fields
	h.act(ActNextField) // history
	for range 3 {
		h.press("down")
	}
	h.act(ActResend)
	h.must("Send 68 set power: power on")
	h.press("y")
	if n := len(w.sent); n != 5 {
		t.Fatalf("%d commands sent, want 5", n)
	}
	// The history outlives the page.
	h.press("esc")
	h.act(ActSendCommand)
	h.must("HISTORY (5)")
}

// Free codes 65–199 only, and a payload with no layout goes as typed.
func TestComposerFreeCode(t *testing.T) {
	api := newFakeAPI()
	h := newWFHarness(t, api, 140, 45)
	h.writeMode()
	h.command("device 900")
	h.act(ActSendCommand)
	for range 6 {
		h.press("down")
	}
	h.press("enter")
	h.answer("200")
	h.must("commands use message codes 65–199")
	h.press("enter")
	h.answer("150")
	h.must("PAYLOAD  code 150", "no documented layout for this code")
	h.typeText("DEAD")
	h.press("enter")
	h.must("Send code 150 DE AD to 客厅插座")
}
