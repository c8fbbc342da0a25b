package ui

import (
	"strings"
	"testing"
	"time"
)

// pump handles the console's messages until cond holds, without waiting
// for every command to answer (some are held on purpose).
func (h *wfHarness) pump(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case msg := <-h.msgs:
			h.handle(msg)
		case <-deadline:
			h.t.Fatalf("%s never happened:\n%s", what, h.screen())
		}
	}
}

func (h *wfHarness) sendKey(k string) { h.send(wfKey(k)) }

// The run's summary waits for the adds on their way: closing the window
// while two adds have not answered yet says so, sends no close call, and
// once they answer the summary counts them as added (it counted them as
// nothing, and the audit note said "0 added", before).
func TestPairingSummaryWaitsForAddsInFlight(t *testing.T) {
	h := openGateway(t)
	w := h.api.wf()
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairOpen)
	h.answer("60")
	h.must("OPEN 1:00 left")
	for _, pid := range []string{"00000000000000A1", "00000000000000A2", "00000000000000A3"} {
		w.join(950, "bulb", pid)
	}
	h.advance(time.Second)
	h.must("00000000000000A3", "3 waiting to be added")

	gate := make(chan struct{})
	w.mu.Lock()
	w.addGate = gate
	w.mu.Unlock()
	h.act(ActSelect)
	h.act(ActSelect)
	h.act(ActPairAdd)
	h.must("Add 2 sub-devices to Home hub")
	h.sendKey("y") // the two adds start and are held
	p := topAs[*pairingPage](h)
	h.pump("the adds starting", func() bool { return p.addsInFlight() == 2 })

	h.sendKey(h.app.keys.Get(ActPairClose).Keys[0])
	h.pump("the close confirm", func() bool { return strings.Contains(h.screen(), "Close the pairing window") })
	h.sendKey("y")
	h.pump("the wait for the adds", func() bool { return strings.Contains(h.screen(), "waiting for 2 adds to answer") })
	w.mu.Lock()
	closes := len(w.closes)
	w.mu.Unlock()
	if closes != 0 || p.summary != "" {
		t.Fatalf("the run was summarised before its adds answered: %q", p.summary)
	}

	close(gate)
	h.settle()
	h.must("window closed", "3 joined, 2 added, 0 failed")
	if !strings.Contains(p.summary, "3 joined, 2 added, 0 failed, 0 skipped, 1 still waiting") {
		t.Fatalf("summary %q", p.summary)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.closes) != 1 || !strings.Contains(w.closes[0], "3 joined, 2 added, 0 failed") {
		t.Fatalf("the close call's audit note = %q", w.closes)
	}
}

// The countdown bar is scaled to the window opened (60 s full at the
// start), and the title names the gateway's product once.
func TestPairingBarFollowsTheWindowOpened(t *testing.T) {
	h := openGateway(t)
	h.writeMode()
	h.act(ActPair)
	h.mustNot("gateway gateway")
	h.must("gateway · 6A0B3C4D5E6F0950")
	h.act(ActPairOpen)
	h.answer("60")
	h.must("OPEN 1:00 left " + strings.Repeat("█", 20))
	h.advance(30 * time.Second)
	h.must("OPEN 0:30 left " + strings.Repeat("█", 10) + strings.Repeat("░", 10))
}
