package ui

import (
	"sort"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func openGateway(t *testing.T) *wfHarness {
	t.Helper()
	api := gatewayFake()
	h := newWFHarness(t, api, 120, 36)
	h.command("device 950")
	h.must("Home hub", "online")
	return h
}

// A full pairing run on the fake: the pre-check lists what joined
// earlier, the window opens for the chosen length, the countdown follows
// the gateway's deadline, joined devices stream in, two are added with
// their names, the window closes and the summary reaches the screen and
// the audit note of the close call.
func TestPairingRun(t *testing.T) {
	h := openGateway(t)
	w := h.api.wf()
	w.join(950, "bulb", "00000000000000E1") // joined last week, never added

	h.act(ActPair)
	h.must("Pairing on Home hub", "1 sub-device joined earlier and were never added", "00000000000000E1", "earlier")

	h.act(ActPairOpen) // read-only: refused with the reason, nothing sent
	h.must("read-only")
	if len(w.opens) != 0 {
		t.Fatal("a window opened in read-only mode")
	}

	h.writeMode()
	h.act(ActPairDuration) // 120 → 254
	h.act(ActPairOpen)
	h.must("open Home hub's pairing window for how many seconds? (60, 120 or 254; at most 254):")
	if got := h.app.input.Value(); got != "254" {
		t.Fatalf("prompt prefilled with %q, want the chosen preset 254", got)
	}
	h.answer("300")
	h.must("a pairing window lasts 1 to 254 seconds")
	h.act(ActPairOpen)
	h.answer("120")
	if strings.Join(w.opens, ",") != "950:120" {
		t.Fatalf("opens = %v", w.opens)
	}
	h.must("OPEN 2:00 left")

	// The gateway's own deadline wins over the console's: it says 90 s.
	w.mu.Lock()
	win := w.window[950]
	win.Deadline = h.clock.Now().Add(90 * time.Second)
	w.window[950] = win
	w.mu.Unlock()
	h.advance(time.Second)
	h.must("OPEN 1:29 left")

	// Three sub-devices join, one a second; each is on screen after the
	// next poll.
	for _, d := range []struct{ sub, pid string }{{"bulb", "00000000000000A1"}, {"switch", "00000000000000A2"}, {"doorsensor", "00000000000000A3"}} {
		w.join(950, d.sub, d.pid)
		h.advance(time.Second)
		h.must(d.pid)
	}
	h.must("Bulb 00A1", "Switch 00A2", "Doorsensor 00A3", "4 waiting to be added")

	// Rename the second before adding it.
	h.press("down", "down")
	h.act(ActPairName)
	if got := h.app.input.Value(); got != "Switch 00A2" {
		t.Fatalf("name prompt prefilled with %q", got)
	}
	h.answer("Hall switch")
	h.must("Hall switch")

	// Select rows 2 and 3 (A1 and A2) and add them.
	h.press("up")
	h.act(ActSelect)
	h.act(ActSelect)
	h.act(ActPairAdd)
	h.must(`Add 2 sub-devices to Home hub: "Bulb 00A1", "Hall switch"?`)
	h.press("y")
	w.mu.Lock()
	added := append([]string(nil), w.added...)
	w.mu.Unlock()
	sort.Strings(added) // the adds run side by side
	if got := strings.Join(added, ","); got != "00000000000000A1=Bulb 00A1,00000000000000A2=Hall switch" {
		t.Fatalf("added = %q", got)
	}
	h.must("added")

	// +60 s re-opens with the time left plus 60.
	h.act(ActPairExtend)
	if len(w.opens) != 2 || !strings.HasPrefix(w.opens[1], "950:14") {
		t.Fatalf("extend sent %v, want about 86+60 s", w.opens)
	}
	h.must("OPEN 2:2")

	h.act(ActPairClose)
	h.must("Close the pairing window on Home hub now (2:2")
	h.press("enter") // the default is No
	h.must("OPEN 2:2")
	if len(w.closes) != 0 {
		t.Fatal("enter closed the window")
	}
	h.act(ActPairClose)
	h.press("y")
	h.must("window closed", "3 joined, 2 added, 0 failed,")
	if len(w.closes) != 1 || !strings.Contains(w.closes[0], "3 joined, 2 added, 0 failed") || !strings.Contains(w.closes[0], `00000000000000A2 as "Hall switch"`) {
		t.Fatalf("the close call's audit note = %q", w.closes)
	}
}

// The window ending by itself ends the run: the gateway reports it shut.
func TestPairingWindowExpiresWithSummary(t *testing.T) {
	h := openGateway(t)
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairOpen)
	h.answer("60")
	h.api.wf().join(950, "bulb", "00000000000000B1")
	h.advance(30 * time.Second)
	h.must("OPEN 0:30 left", "00000000000000B1")
	h.advance(32 * time.Second)
	h.must("window closed", "closed by the gateway", "1 joined, 0 added")
	if w := h.api.wf(); len(w.closes) != 1 {
		t.Fatalf("the run was not recorded: closes = %v", w.closes)
	}
	// Nothing keeps ticking once the run is over: no page tick arrives
	// (a poll or countdown tick already on its way when the run ended
	// would have come within the two seconds past), and no wait is added.
	p := topAs[*pairingPage](h)
	h.advance(2 * time.Second)
	n, from := h.clock.Pending(), len(h.ticks)
	h.advance(10 * time.Second)
	if c, q := countTicks[pairCountdown](h, p, from), countTicks[pairPollTick](h, p, from); c+q != 0 || h.clock.Pending() > n {
		t.Fatalf("ticks go on after the run: %d countdown and %d poll ticks in 10 s, %d waits pending (was %d)", c, q, h.clock.Pending(), n)
	}
}

// Without device history (a real router) the console counts from its own
// open call and says so.
func TestPairingWithoutGatewayReports(t *testing.T) {
	h := openGateway(t)
	h.api.wf().noHistory = true
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairOpen)
	h.answer("60")
	h.must("estimated here")
	h.advance(61 * time.Second)
	h.must("the window's time is up")
}

// Re-opening and extending never doubles the countdown (UI_GUIDE §4.7):
// each chain is tagged, and older chains die at their next tick.
func TestPairingCountdownNeverDoubles(t *testing.T) {
	h := openGateway(t)
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairOpen)
	h.answer("120")
	for range 5 {
		h.act(ActPairExtend)
	}
	p := topAs[*pairingPage](h)
	h.advance(1500 * time.Millisecond) // the older chains' ticks are due at 1.005 s, and end them
	if n := ticksIn[pairCountdown](h, p, time.Second); n != 1 {
		t.Fatalf("%d countdown chains, want 1", n)
	}
	h.advance(9 * time.Second)
	if n := ticksIn[pairCountdown](h, p, time.Second); n != 1 {
		t.Fatalf("%d countdown chains after 10 s, want 1", n)
	}
}

// A poll that answers after a newer one (or after a write) is dropped.
func TestPairingStalePollDropped(t *testing.T) {
	h := openGateway(t)
	h.act(ActPair)
	p := topAs[*pairingPage](h)
	h.send(loaded{page: p, gen: p.pollGen - 1, val: pairPoll{joined: []JoinedDevice{{PhysicalID: "STALE00000000000", SubDomain: "bulb"}}}})
	h.settle()
	h.mustNot("STALE00000000000")
}

// Esc with the window open asks before leaving, and closing records the
// run.
func TestPairingLeaveAsksWhileOpen(t *testing.T) {
	h := openGateway(t)
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairOpen)
	h.answer("60")
	h.press("esc")
	h.must("The pairing window is open (1:00 left). Close it and leave?")
	h.press("n")
	topAs[*pairingPage](h)
	h.press("esc")
	h.press("y")
	topAs[*devicePage](h)
	if w := h.api.wf(); len(w.closes) != 1 {
		t.Fatalf("leaving did not close the window: %v", w.closes)
	}
}

// A failed add shows why, and the row can be added again.
func TestPairingAddFailureAndRetry(t *testing.T) {
	h := openGateway(t)
	w := h.api.wf()
	w.join(950, "bulb", "00000000000000C1")
	w.addErr["00000000000000C1"] = errorf("gateway busy")
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairAddAll)
	h.press("y")
	h.must("failed", "gateway busy")
	delete(w.addErr, "00000000000000C1")
	h.act(ActPairAdd)
	h.press("y")
	h.must("added")
}

// openWindow opens gateway 950's pairing page with a 120 s window.
func openWindow(t *testing.T) (*wfHarness, *pairingPage) {
	t.Helper()
	h := openGateway(t)
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairOpen)
	h.answer("120")
	h.must("OPEN 2:00 left")
	return h, topAs[*pairingPage](h)
}

// An add that finishes while a poll is in flight drops that poll (it
// would show the row waiting still), and must start the next one itself:
// otherwise the chain ends and later joins never appear.
func TestPairingAddDuringPollKeepsTheChain(t *testing.T) {
	h, p := openWindow(t)
	w := h.api.wf()
	w.join(950, "bulb", "00000000000000A1")
	h.advance(time.Second)
	h.must("00000000000000A1")

	// The chain's tick fires and its read goes out; hold its answer.
	h.hold = func(m tea.Msg) bool {
		l, ok := m.(loaded)
		if !ok || l.page != Page(p) {
			return false
		}
		_, ok = l.val.(pairPoll)
		return ok
	}
	ticks := len(h.ticks)
	for end := h.clock.Now().Add(pairPollGap); len(h.held) == 0 && h.clock.Now().Before(end); {
		next, _ := h.clock.NextDeadline()
		h.advance(next.Sub(h.clock.Now()))
	}
	h.hold = nil
	if len(h.held) != 1 {
		t.Fatalf("%d reads answered in one poll gap, want 1", len(h.held))
	}
	if polled := countTicks[pairPollTick](h, p, ticks); polled != 1 {
		t.Fatalf("%d poll ticks led to the held read, want 1", polled)
	}
	inFlight := h.held[0]
	h.held = nil

	// Meanwhile the add finishes; then the held read answers, late.
	h.act(ActPairAdd)
	h.press("y")
	h.must("added")
	h.send(inFlight)
	h.settle()

	w.join(950, "switch", "00000000000000A2")
	h.advance(2 * time.Second)
	h.must("00000000000000A2")
	if n := ticksIn[pairPollTick](h, p, pairPollGap); n != 1 {
		t.Fatalf("%d poll chains, want 1", n)
	}
}

// A read that fails while the window is open does not end the chain, even
// before any read has succeeded.
func TestPairingFailedReadKeepsTheChain(t *testing.T) {
	h := openGateway(t)
	w := h.api.wf()
	w.mu.Lock()
	w.joinErr = errorf("history service down")
	w.mu.Unlock()
	h.writeMode()
	h.act(ActPair)
	h.act(ActPairOpen)
	h.answer("120")
	h.advance(2 * time.Second)
	h.must("history service down")

	w.mu.Lock()
	w.joinErr = nil
	w.mu.Unlock()
	w.join(950, "bulb", "00000000000000A1")
	h.advance(time.Second)
	h.must("00000000000000A1")
}

// Hidden under another page, the pairing page keeps its chain but reads
// nothing; back on top it reads again, with one chain, not two.
func TestPairingHiddenSkipsReads(t *testing.T) {
	h, p := openWindow(t)
	w := h.api.wf()
	h.exec(h.app.Push(newCallPage("device-history", "listEvents", 0)))
	h.settle()
	before := w.reads(func(w *fakeWF) int { return w.joinReads })
	h.advance(5 * time.Second)
	if n := w.reads(func(w *fakeWF) int { return w.joinReads }); n != before {
		t.Fatalf("the hidden pairing page read the cloud %d times in 5 s", n-before)
	}

	h.exec(h.app.pop())
	h.settle()
	topAs[*pairingPage](h)
	w.join(950, "bulb", "00000000000000A1")
	h.advance(time.Second)
	h.must("00000000000000A1", "OPEN 1:54 left")
	if n := ticksIn[pairPollTick](h, p, pairPollGap); n != 1 {
		t.Fatalf("%d poll chains, want 1", n)
	}
	if n := ticksIn[pairCountdown](h, p, time.Second); n != 1 {
		t.Fatalf("%d countdown chains, want 1", n)
	}
}

// Off the stack (a ":" jump) the chains end; back through history ([) the
// page resumes them: joins appear and the countdown runs, once.
func TestPairingResumesAfterHistory(t *testing.T) {
	h, p := openWindow(t)
	h.command("users")
	h.press("y") // the jump asks first: the window is open
	if onStack(h.app, p) {
		t.Fatalf("the pairing page is still on the stack:\n%s", h.screen())
	}
	h.advance(time.Second) // and one second each below: 3 s off the stack
	if n := ticksIn[pairPollTick](h, p, pairPollGap) + ticksIn[pairCountdown](h, p, time.Second); n != 0 {
		t.Fatalf("%d ticks delivered to a page off the stack", n)
	}

	h.press("[")
	topAs[*pairingPage](h)
	h.api.wf().join(950, "bulb", "00000000000000A1")
	h.advance(time.Second)
	h.must("00000000000000A1", "OPEN 1:56 left")
	if n := ticksIn[pairPollTick](h, p, pairPollGap); n != 1 {
		t.Fatalf("%d poll chains, want 1", n)
	}
	if n := ticksIn[pairCountdown](h, p, time.Second); n != 1 {
		t.Fatalf("%d countdown chains, want 1", n)
	}
}

// The pairing page is Guarded while a window is open: quitting or jumping
// away would leave the gateway accepting devices and the run unrecorded.
func TestPairingGuardedWhileOpen(t *testing.T) {
	h := openGateway(t)
	h.writeMode()
	h.act(ActPair)
	g, ok := h.app.top().(Guarded)
	if !ok {
		t.Fatal("the pairing page is not Guarded")
	}
	if why := g.Unsaved(); why != "" {
		t.Fatalf("nothing is open, yet Unsaved = %q", why)
	}
	h.act(ActPairOpen)
	h.answer("60")
	if why := g.Unsaved(); why != "an open pairing window on gateway Home hub" {
		t.Fatalf("Unsaved = %q", why)
	}
	h.act(ActPairClose)
	h.press("y")
	h.must("window closed")
	if why := g.Unsaved(); why != "" {
		t.Fatalf("the run is summarised, yet Unsaved = %q", why)
	}
}
