package acapi_test

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/sim"
	"acconsole/models"
)

// These tests drive the simulated products of the local cloud (cloud/sim)
// through the client: the demo world with simulation on, as `go run .`
// shows it.

// simDevice finds an online simulated device of product sub in the demo
// warehouse and returns a client of a user bound to it (binding it to a new
// user when nobody has), its logical id and physical id.
func simDevice(t testing.TB, w *world, sub string) (*acapi.Client, int64, string) {
	t.Helper()
	ctx := context.Background()
	rows, err := w.client.Warehouse().ListDevicesExt(ctx, sub, 0, 100)
	must(t, "warehouse listDevicesExt", err)
	for _, r := range rows {
		if !r.Online {
			continue
		}
		if r.Owner != 0 && r.DeviceID != 0 {
			return w.client.As(r.Owner), r.DeviceID, r.PhysicalDeviceID
		}
		p := w.person("Sim user")
		bound, err := p.c.Bind().BindDevice(ctx, sub, r.PhysicalDeviceID, "")
		must(t, "bind a simulated "+sub, err)
		return p.c, bound.DeviceID, r.PhysicalDeviceID
	}
	t.Fatalf("no online simulated %s in the demo warehouse (%d rows): is Options.Simulate wired?", sub, len(rows))
	return nil, 0, ""
}

func simPlug(t testing.TB, w *world) (*acapi.Client, int64) {
	c, id, _ := simDevice(t, w, catalog.SubPlug)
	return c, id
}

func TestSimulatedPlugAnswersCommands(t *testing.T) {
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	c, id := simPlug(t, w)
	r, err := c.Bind().SendToDevice(ctx, "plug", id, "", catalog.CodeIdentify, nil)
	if err != nil || r.Code != catalog.CodeInfo || len(r.Payload) == 0 {
		t.Fatalf("identify: %+v, %v", r, err)
	}
	r, err = c.Bind().SendToDevice(ctx, "plug", id, "", catalog.CodeQueryState, nil)
	if err != nil || r.Code != catalog.CodeState || len(r.Payload) == 0 {
		t.Fatalf("query state: %+v, %v", r, err)
	}
	if online, err := c.Bind().IsDeviceOnline(ctx, "plug", id, ""); err != nil || !online {
		t.Fatalf("isDeviceOnline = %v, %v", online, err)
	}
	// A stranger is refused before the device hears anything.
	stranger := w.person("Stranger")
	_, err = stranger.c.Bind().SendToDevice(ctx, "plug", id, "", catalog.CodeQueryState, nil)
	wantCode(t, "stranger commands a simulated plug", err, 3802)
}

// TestSimulatedGatewayPairing: sub-devices in range of a simulated gateway
// join only while its match window is open; a joined one can be added and
// commanded; after the window closes nobody else joins.
func TestSimulatedGatewayPairing(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for simulated joins (seconds)")
	}
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	ctx := w.ctx
	c, gwID, gwPID := simDevice(t, w, catalog.SubGateway)
	inRange := sim.Candidates(gwPID, 16)
	isCandidate := func(pid string) bool {
		return slices.ContainsFunc(inRange, func(x sim.Candidate) bool { return x.PhysicalID == pid })
	}
	before, err := c.Bind().ListNewDevices(ctx, "gateway", gwID)
	must(t, "listNewDevices", err)

	must(t, "openGatewayMatch", c.Bind().OpenGatewayMatch(ctx, "gateway", gwID, 30))
	var joined []string
	deadline := time.Now().Add(15 * time.Second)
	for len(joined) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		nd, err := c.Bind().ListNewDevices(ctx, "gateway", gwID)
		must(t, "listNewDevices", err)
		for _, d := range nd {
			if !slices.Contains(newPIDs(before), d.PhysicalDeviceID) {
				joined = append(joined, d.PhysicalDeviceID)
			}
		}
	}
	if len(joined) == 0 {
		t.Fatal("no sub-device joined the open window within 15 s")
	}
	if !isCandidate(joined[0]) {
		t.Errorf("joined %s is not one of the gateway's candidates %v", joined[0], inRange)
	}
	must(t, "closeGatewayMatch", c.Bind().CloseGatewayMatch(ctx, "gateway", gwID))
	var sub string
	for _, cand := range inRange {
		if cand.PhysicalID == joined[0] {
			sub = cand.SubDomain
		}
	}
	d, err := c.Bind().AddSubDevice(ctx, sub, gwID, joined[0], "Joined")
	must(t, "addSubDevice", err)
	if d.GatewayDeviceID != gwID || d.SubDomainName != sub {
		t.Fatalf("added sub-device %+v", d)
	}
	subs, err := c.Bind().ListSubDevices(ctx, "gateway", gwID)
	if err != nil || !slices.Contains(ids(subs), d.DeviceID) {
		t.Fatalf("listSubDevices = %+v, %v", subs, err)
	}
	if r, err := c.Bind().SendToDevice(ctx, sub, d.DeviceID, "", catalog.CodeQueryState, nil); err != nil || r.Code != catalog.CodeState {
		t.Fatalf("query a joined sub-device: %+v, %v", r, err)
	}

	// Closed: wait longer than the join interval and check that nobody
	// else joined.
	// An error here would read as "nobody joined": check both reads.
	after, err := c.Bind().ListNewDevices(ctx, "gateway", gwID)
	must(t, "listNewDevices after closing", err)
	time.Sleep(sim.DefaultJoinEvery + time.Second)
	later, err := c.Bind().ListNewDevices(ctx, "gateway", gwID)
	must(t, "listNewDevices later", err)
	if len(later) > len(after) {
		t.Fatalf("sub-devices joined a closed window: %v → %v", newPIDs(after), newPIDs(later))
	}
}

func newPIDs(ds []models.NewDevice) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.PhysicalDeviceID)
	}
	return out
}

// TestSimulatedDevicesDecodeWhatTheConsoleEncodes: a command payload
// written with the catalog's layouts from what an operator types (as the
// console's composer does) has the bytes the product reference gives, and
// the simulated device, reached through the client, applies it: its state
// reply, read with the same layouts, shows the value.
func TestSimulatedDevicesDecodeWhatTheConsoleEncodes(t *testing.T) {
	w := newWorld(t, cloudtest.Options{Demo: 30, Simulate: true})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	for _, c := range []struct {
		sub    string
		code   int
		typed  []string // one value per field, in field order
		hex    string   // the payload as the product reference lays it out
		answer string   // in the explained state reply
	}{
		{"plug", 68, []string{"on"}, "01", "power on"},
		{"plug", 68, []string{"off"}, "00", "power off"},
		{"purifier", 70, []string{"turbo"}, "03", "mode turbo"},
		{"purifier", 71, []string{"4"}, "04", "fan 4"},
		{"bulb", 70, []string{"50"}, "32", "brightness 50 %"},
		{"bulb", 71, []string{"4000 K"}, "0FA0", "colour temperature 4000 K"},
		{"doorsensor", 70, []string{"open"}, "01", "contact open"},
		{"switch", 68, []string{"1", "on"}, "0101", "on gang 1"},
	} {
		var cmd catalog.Message
		for _, m := range catalog.Commands(c.sub) {
			if m.Code == c.code {
				cmd = m
			}
		}
		if len(cmd.Fields) != len(c.typed) {
			t.Fatalf("%s %d: %d fields in the catalog, %d typed", c.sub, c.code, len(cmd.Fields), len(c.typed))
		}
		var payload []byte
		for i, f := range cmd.Fields {
			var err error
			if payload, err = f.Set(payload, c.typed[i]); err != nil {
				t.Fatalf("%s %d: %v", c.sub, c.code, err)
			}
		}
		if got := strings.ToUpper(hex.EncodeToString(payload)); got != c.hex {
			t.Fatalf("%s %d %q encodes as %s, want %s", c.sub, c.code, c.typed, got, c.hex)
		}
		client, id, _ := simDevice(t, w, c.sub)
		r, err := client.Bind().SendToDevice(w.ctx, c.sub, id, "", c.code, payload)
		if err != nil || r.Code != catalog.CodeState {
			t.Fatalf("%s %d %s: %+v, %v", c.sub, c.code, c.hex, r, err)
		}
		var state catalog.Message
		for _, m := range catalog.Messages(c.sub) {
			if m.Code == catalog.CodeState && m.Dir == catalog.Reply {
				state = m
			}
		}
		if got := state.Explain(r.Payload); !strings.Contains(got, c.answer) {
			t.Errorf("%s %d %s: the device answered %q, want %q in it", c.sub, c.code, c.hex, got, c.answer)
		}
	}
}
