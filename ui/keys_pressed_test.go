package ui

import (
	"testing"
	"time"
)

// s on the pairing page skips the joined sub-device under the cursor, and
// pressed again takes it back; nothing is sent either way.
func TestPairingSkipKey(t *testing.T) {
	h := openGateway(t)
	w := h.api.wf()
	w.join(950, "bulb", "00000000000000E1")
	h.act(ActPair)
	h.must("00000000000000E1", "joined")
	for _, k := range h.app.keys.Get(ActPairSkip).Keys {
		h.press(k)
		h.must("skipped")
		h.press(k)
		h.mustNot("skipped")
		h.must("joined")
	}
	if len(w.added) != 0 || len(w.opens) != 0 {
		t.Fatalf("skipping sent something: added %v, opens %v", w.added, w.opens)
	}
}

// p on the live events page pauses the tail (new events are not read) and
// pressed again follows: the events that came meanwhile appear.
func TestEventsPauseKey(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	t0 := time.Date(2026, 11, 28, 9, 59, 0, 0, time.UTC)
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0, Kind: "online", Other: "10.0.0.7"})
	h := newWFHarness(t, api, 140, 40)
	h.command("device 900")
	h.act(ActEvents)
	h.must("came online from 10.0.0.7")
	for _, k := range h.app.keys.Get(ActPause).Keys {
		h.press(k)
		h.must("paused")
		w.event("A1B2C3D4E5F60001", DeviceEvent{At: h.clock.Now().Add(time.Second), Kind: "offline"})
		h.advance(10 * time.Second)
		h.mustNot("went offline")
		h.press(k)
		h.must("following again")
		h.advance(10 * time.Second)
		h.must("went offline")
	}
}
