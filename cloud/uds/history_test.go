package uds

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
	"acconsole/cloud/sim"
	"acconsole/internal/clock"
)

type historyRig struct {
	clock *clock.Fake
	hub   *hub.Hub
	fleet *sim.Fleet
	hist  *History
	call  func(method string, body map[string]any, o callOpt) answer
}

func newHistoryRig(t *testing.T, opt HistoryOptions) *historyRig {
	t.Helper()
	r := &historyRig{clock: clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	r.hub = hub.New(r.clock.Now)
	if opt.Describe == nil {
		opt.Describe = catalog.Describe
	}
	r.hist = NewHistory(r.hub, opt)
	t.Cleanup(r.hist.Close)
	r.fleet = sim.NewFleet(r.hub, sim.Options{Clock: r.clock, TelemetryEvery: sim.Off})
	t.Cleanup(r.fleet.Close)
	p := newProxy(t, Options{})
	p.Register(HistoryName, r.hist.Serve)
	srv := router(t, p)
	r.call = func(method string, body map[string]any, o callOpt) answer {
		return call(t, srv, HistoryName, method, body, o)
	}
	return r
}

type reportsAnswer struct {
	Reports []Report `json:"reports"`
}

type eventsAnswer struct {
	Events []Event `json:"events"`
}

func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if !a.ok() {
		t.Fatalf("error %d %q", a.errCode, a.errMsg)
	}
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("%s: %v", a.body, err)
	}
	return v
}

func TestHistoryReports(t *testing.T) {
	r := newHistoryRig(t, HistoryOptions{})
	d, _ := r.fleet.Add(catalog.SubPlug, "PLUG000000000001", "")
	ctx := context.Background()
	r.hub.Send(ctx, d.Key(), catalog.CodeSetPower, []byte{0}, time.Second)
	r.clock.Advance(time.Second)
	r.hub.Send(ctx, d.Key(), catalog.CodeSetPower, []byte{1}, time.Second)
	r.clock.Advance(time.Second)
	r.hub.Send(ctx, d.Key(), catalog.CodeSetPower, []byte{9}, time.Second) // refused
	d.SetPowered(false)
	r.hub.Send(ctx, d.Key(), catalog.CodeQueryState, nil, time.Second) // offline

	got := decode[reportsAnswer](t, r.call("listReports", map[string]any{"physicalDeviceId": "PLUG000000000001"}, callOpt{sub: "plug"}))
	var lines []string
	for _, rep := range got.Reports {
		lines = append(lines, fmt.Sprintf("%s %d %s %q %s", rep.Kind, rep.Code, rep.PayloadHex, rep.Description, rep.Result))
	}
	// Newest first: the offline command, the refused one, the "on" command
	// and the state change it caused, then the first "off" (which may or may
	// not have changed anything, depending on the plug's start state).
	if len(lines) < 4 {
		t.Fatalf("reports: %q", lines)
	}
	want := []string{
		`command 69  "query state" offline`,
		`command 68 09 "set power: unknown (9)" refused`, // the error reply 127
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("entry %d = %s, want %s", i, lines[i], w)
		}
	}
	// The hub records a command when its reply is back, so the report the
	// command caused comes first in time.
	if rep := got.Reports[2]; rep.Kind != "command" || rep.PayloadHex != "01" || rep.Description != "set power: on" ||
		rep.At != "2026-03-01 09:00:01" || rep.AtMs != time.Date(2026, 3, 1, 9, 0, 1, 0, time.UTC).UnixMilli() {
		t.Errorf("entry 2 = %+v", rep)
	}
	if rep := got.Reports[3]; rep.Kind != "report" || rep.Code != catalog.CodeStateChanged || rep.Description[:18] != "state changed: on," {
		t.Errorf("entry 3 = %+v", rep)
	}

	// Filters: code, limit, since; subDomain from the key.
	got = decode[reportsAnswer](t, r.call("listReports", map[string]any{
		"physicalDeviceId": "PLUG000000000001", "subDomain": "plug", "code": catalog.CodeStateChanged}, callOpt{}))
	for _, rep := range got.Reports {
		if rep.Code != catalog.CodeStateChanged {
			t.Errorf("code filter let %d through", rep.Code)
		}
	}
	got = decode[reportsAnswer](t, r.call("listReports", map[string]any{
		"physicalDeviceId": "PLUG000000000001", "subDomain": "plug", "limit": 1}, callOpt{}))
	if len(got.Reports) != 1 {
		t.Errorf("limit 1: %d", len(got.Reports))
	}
	got = decode[reportsAnswer](t, r.call("listReports", map[string]any{
		"physicalDeviceId": "PLUG000000000001", "subDomain": "plug", "since": "2026-03-01 09:00:02"}, callOpt{}))
	if len(got.Reports) != 2 {
		t.Errorf("since: %d entries", len(got.Reports))
	}
	// Unknown device: an empty list, not an error.
	got = decode[reportsAnswer](t, r.call("listReports", map[string]any{"physicalDeviceId": "NOPE"}, callOpt{sub: "plug"}))
	if got.Reports == nil || len(got.Reports) != 0 {
		t.Errorf("unknown device: %+v", got)
	}
}

func TestHistoryErrors(t *testing.T) {
	// userID is bound to P only.
	r := newHistoryRig(t, HistoryOptions{Bound: func(_ context.Context, _, uid int64, sub, pid string) (bool, error) {
		return uid == userID && sub == "plug" && pid == "P", nil
	}})
	for _, c := range []struct {
		method string
		body   map[string]any
		o      callOpt
		code   int
	}{
		{"listReports", map[string]any{}, callOpt{sub: "plug"}, 3002},
		{"listReports", map[string]any{"physicalDeviceId": "P"}, callOpt{}, 3002},
		{"listReports", map[string]any{"physicalDeviceId": "P", "limit": 0}, callOpt{sub: "plug"}, 3002},
		{"listReports", map[string]any{"physicalDeviceId": "P", "limit": "x"}, callOpt{sub: "plug"}, 3002},
		{"listReports", map[string]any{"physicalDeviceId": "P", "since": "yesterday"}, callOpt{sub: "plug"}, 3002},
		{"listReports", map[string]any{"physicalDeviceId": "P"}, callOpt{sub: "plug", user: userID, userSigned: true}, 3005},
		{"dropTable", map[string]any{"physicalDeviceId": "P"}, callOpt{sub: "plug"}, 3010},
		// No device has a NUL or an escape in its id; PostgreSQL refuses a
		// NUL in text, so the binding check must not see one.
		{"listEvents", map[string]any{"physicalDeviceId": "P\x00"}, callOpt{sub: "plug", user: userID}, 3002},
		{"listReports", map[string]any{"physicalDeviceId": "P\x1b[2J"}, callOpt{sub: "plug", user: userID}, 3002},
	} {
		a := r.call(c.method, c.body, c.o)
		if a.errCode != c.code {
			t.Errorf("%s %v: %d %q, want %d", c.method, c.body, a.errCode, a.errMsg, c.code)
		}
	}
	// A developer acting for a user may read that user's devices; limits
	// above 500 are cut.
	a := r.call("listReports", map[string]any{"physicalDeviceId": "P", "limit": 10000}, callOpt{sub: "plug", user: userID})
	if !a.ok() {
		t.Errorf("developer acting as user: %d %q", a.errCode, a.errMsg)
	}
	// Another device is "not bound", for both methods.
	for _, m := range []string{"listReports", "listEvents"} {
		if a := r.call(m, map[string]any{"physicalDeviceId": "Q"}, callOpt{sub: "plug", user: userID}); a.errCode != 3802 {
			t.Errorf("%s for a device of someone else: %d %q, want 3802", m, a.errCode, a.errMsg)
		}
	}
	// Without a way to check bindings, a named user is refused.
	bare := newHistoryRig(t, HistoryOptions{})
	if a := bare.call("listReports", map[string]any{"physicalDeviceId": "P"}, callOpt{sub: "plug", user: userID}); a.errCode != 3005 {
		t.Errorf("no binding check: %d %q, want 3005", a.errCode, a.errMsg)
	}
}

func TestHistoryEvents(t *testing.T) {
	r := newHistoryRig(t, HistoryOptions{})
	gw, _ := r.fleet.Add(catalog.SubGateway, "GW00000000000001", "")
	r.hub.OpenMatch(gw.Key(), 4*time.Second)
	r.clock.Advance(10 * time.Second)
	subs := gw.SubDevices()
	if len(subs) != 1 {
		t.Fatalf("%d joined", len(subs))
	}
	gw.SetPowered(false)

	ev := decode[eventsAnswer](t, r.call("listEvents", map[string]any{"physicalDeviceId": "GW00000000000001"}, callOpt{sub: "gateway"}))
	var kinds []string
	for _, e := range ev.Events {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"offline", "matchClosed", "subDeviceJoined", "matchOpened", "online"}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("gateway events %v, want %v", kinds, want)
	}
	if e := ev.Events[2]; e.PhysicalDeviceID != subs[0].PhysicalID || e.SubDomain != subs[0].SubDomain {
		t.Errorf("subDeviceJoined names %s/%s", e.SubDomain, e.PhysicalDeviceID)
	}
	if e := ev.Events[4]; e.IP == "" {
		t.Error("online without an address")
	}
	ev = decode[eventsAnswer](t, r.call("listEvents", map[string]any{"physicalDeviceId": subs[0].PhysicalID}, callOpt{sub: subs[0].SubDomain}))
	kinds = nil
	for _, e := range ev.Events {
		kinds = append(kinds, e.Kind)
	}
	if fmt.Sprint(kinds) != "[offline online joined]" || ev.Events[2].PhysicalDeviceID != "GW00000000000001" {
		t.Fatalf("sub-device events %+v", ev.Events)
	}
	// Reports and events are separate lists.
	rep := decode[reportsAnswer](t, r.call("listReports", map[string]any{"physicalDeviceId": "GW00000000000001"}, callOpt{sub: "gateway"}))
	for _, x := range rep.Reports {
		if x.Kind != "report" {
			t.Errorf("listReports has a %s", x.Kind)
		}
	}
}

func TestHistoryBounds(t *testing.T) {
	r := newHistoryRig(t, HistoryOptions{PerDevice: 5, Capacity: 40})
	k := hub.Key{SubDomain: "plug", PhysicalID: "P1"}
	other := hub.Key{SubDomain: "plug", PhysicalID: "P2"}
	for i := 0; i < 12; i++ {
		r.hub.Report(k, 202, []byte{byte(i)})
	}
	got := decode[reportsAnswer](t, r.call("listReports", map[string]any{"physicalDeviceId": "P1", "limit": 500}, callOpt{sub: "plug"}))
	if len(got.Reports) != 5 || got.Reports[0].PayloadHex != "0B" || got.Reports[4].PayloadHex != "07" {
		t.Fatalf("per-device cap: %+v", got.Reports)
	}
	// Other devices fill the ring; P1's oldest entries are overwritten
	// first and its list ends where the ring does.
	for i := 0; i < 36; i++ {
		r.hub.Report(other, 202, []byte{1})
	}
	got = decode[reportsAnswer](t, r.call("listReports", map[string]any{"physicalDeviceId": "P1"}, callOpt{sub: "plug"}))
	if len(got.Reports) != 4 || got.Reports[0].PayloadHex != "0B" {
		t.Fatalf("after the ring wrapped: %+v", got.Reports)
	}
	// Long payloads are kept up to 256 bytes and marked when cut.
	long := make([]byte, 300)
	r.hub.Report(k, 250, long[:40])
	r.hub.Report(k, 251, long)
	got = decode[reportsAnswer](t, r.call("listReports", map[string]any{"physicalDeviceId": "P1", "limit": 2}, callOpt{sub: "plug"}))
	if a, b := got.Reports[0], got.Reports[1]; !a.Truncated || a.Size != 300 || len(a.PayloadHex) != 512 || b.Truncated || len(b.PayloadHex) != 80 {
		t.Fatalf("long payloads: %+v / %+v", a.Size, b.Size)
	}
}

// The subscriber copies payloads: a caller reusing its buffer does not
// rewrite history.
func TestHistoryCopiesPayloads(t *testing.T) {
	r := newHistoryRig(t, HistoryOptions{})
	k := hub.Key{SubDomain: "plug", PhysicalID: "P1"}
	buf := []byte{1, 2, 3}
	r.hub.Report(k, 202, buf)
	big := make([]byte, 100)
	r.hub.Report(k, 203, big)
	buf[0], big[0] = 9, 9
	got := decode[reportsAnswer](t, r.call("listReports", map[string]any{"physicalDeviceId": "P1"}, callOpt{sub: "plug"}))
	if got.Reports[1].PayloadHex != "010203" || got.Reports[0].PayloadHex[:2] != "00" {
		t.Fatalf("payloads changed: %+v", got.Reports)
	}
}

func BenchmarkHistoryRecord(b *testing.B) {
	h := hub.New(nil)
	x := NewHistory(h, HistoryOptions{})
	defer x.Close()
	keys := make([]hub.Key, 1000)
	for i := range keys {
		keys[i] = hub.Key{SubDomain: "plug", PhysicalID: fmt.Sprintf("%016X", i)}
	}
	p := []byte{0, 100, 0, 0, 1, 0}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.Report(keys[i%len(keys)], 202, p)
	}
}

// Devices whose every entry was overwritten leave the index.
func TestHistoryForgetsDevices(t *testing.T) {
	h := hub.New(nil)
	x := NewHistory(h, HistoryOptions{Capacity: 10})
	defer x.Close()
	for i := 0; i < 1000; i++ {
		h.Report(hub.Key{SubDomain: "plug", PhysicalID: fmt.Sprint(i)}, 202, []byte{1})
	}
	x.mu.Lock()
	n := len(x.devices)
	x.mu.Unlock()
	if n != 10 {
		t.Fatalf("%d devices indexed with a ring of 10", n)
	}
}
