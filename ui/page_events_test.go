package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"acconsole/models"
)

// The live tail: incremental reads of the device history, timer firings
// and this console's audit entries, one colour per device, a filter, a
// watch list of several devices, and a bounded buffer.
func TestEventsTailAndWatchList(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	t0 := time.Date(2026, 11, 28, 9, 59, 0, 0, time.UTC)
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0, Kind: "online", Other: "10.0.0.7"})
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0.Add(time.Second), Kind: "report", Code: 201, Text: "state changed: power on, 9.5 W, 12345 Wh"})
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0.Add(2 * time.Second), Kind: "command", Code: 68, Text: "set power: on", Result: "timeout"})
	audit := func() ([]models.AuditEntry, error) {
		return []models.AuditEntry{{Time: t0.Add(3 * time.Second), Operator: "alice", Service: "zc-bind", Method: "sendToDevice", Params: map[string]any{"deviceId": 900, "messageCode": 68}, Reason: "SUP-1"},
			{Time: t0.Add(4 * time.Second), Operator: "alice", Service: "zc-bind", Method: "sendToDevice", Params: map[string]any{"deviceId": 9001}}}, nil
	}
	h := newWFHarness(t, api, 140, 40, func(o *Options) { o.Audit = audit })
	h.command("device 900")
	h.act(ActEvents)
	h.must("WATCHING", "客厅插座", "came online from 10.0.0.7", "201 state changed: power on", "68 set power: on → timeout",
		"audit", "zc-bind/sendToDevice deviceId=900 messageCode=68 by alice: ok · SUP-1")
	h.mustNot("deviceId=9001") // another device's write

	// New events arrive on the next poll, once each.
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: t0.Add(70 * time.Second), Kind: "offline"})
	h.advance(2 * time.Second)
	h.must("went offline")
	h.advance(4 * time.Second)
	if n := strings.Count(h.screen(), "went offline"); n != 1 {
		t.Fatalf("the offline event shows %d times", n)
	}

	// Filter, and its inverse.
	p := topAs[*eventsPage](h)
	_ = p.SetFilter("timeout")
	h.must("68 set power: on → timeout")
	h.mustNot("came online")
	_ = p.SetFilter("!timeout")
	h.must("came online")
	h.mustNot("→ timeout")
	_ = p.SetFilter("")

	// A second device on the watch list, in its own colour.
	w.event("A1B2C3D4E5F60002", DeviceEvent{At: t0.Add(5 * time.Second), Kind: "report", Code: 201, Text: "state changed: power off"})
	h.act(ActWatchAdd)
	h.answer("901")
	h.must("Watch (2)", "evillamp", "state changed: power off")
	if p.style(0).GetForeground() == p.style(1).GetForeground() {
		t.Fatal("two devices share a colour")
	}
	// :watch alone comes back to the list.
	h.press("esc")
	h.command("watch")
	h.must("Watch (2)")
}

func TestEventsBufferIsBounded(t *testing.T) {
	p := newEventsPage([]watchedDevice{{label: "x"}})
	for i := range tailKeep + 1000 {
		p.push(tailLine{text: fmt.Sprint(i)})
	}
	if len(p.lines) != tailKeep {
		t.Fatalf("%d lines kept", len(p.lines))
	}
	if first, last := p.line(0).text, p.line(tailKeep-1).text; first != "1000" || last != fmt.Sprint(tailKeep+999) {
		t.Fatalf("kept %s…%s", first, last)
	}
}

// Off the stack (a ":" jump) the tail's chain ends; back through history
// ([ and ]) the page resumes it, once, and new events appear again.
func TestEventsTailResumesAfterHistory(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	h := newWFHarness(t, api, 140, 40)
	h.command("device 900")
	h.act(ActEvents)
	p := topAs[*eventsPage](h)
	h.command("users")
	if onStack(h.app, p) {
		t.Fatal("the events page is still on the stack")
	}
	h.advance(5 * time.Second)
	if n := ticksIn[tailTick](h, p, tailPollGap); n != 0 {
		t.Fatalf("%d tail ticks delivered to a page off the stack", n)
	}

	h.press("[")
	topAs[*eventsPage](h)
	w.event("A1B2C3D4E5F60001", DeviceEvent{At: h.clock.Now(), Kind: "report", Code: 201, Text: "state changed: power off"})
	h.advance(2 * time.Second)
	h.must("201 state changed: power off")
	if n := ticksIn[tailTick](h, p, tailPollGap); n != 1 {
		t.Fatalf("%d tail chains, want 1", n)
	}

	// Forward and back again: still one chain.
	h.press("]")
	h.press("[")
	h.advance(3 * time.Second)
	if n := ticksIn[tailTick](h, p, tailPollGap); n != 1 {
		t.Fatalf("%d tail chains after ] and [, want 1", n)
	}
}
