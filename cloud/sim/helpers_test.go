package sim

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
	"acconsole/internal/clock"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// rig is a hub and a fleet on a fake clock, with every hub event recorded.
type rig struct {
	t     testing.TB
	clock *clock.Fake
	hub   *hub.Hub
	fleet *Fleet

	mu     sync.Mutex
	events []hub.Event
}

func newRig(t testing.TB, opt Options) *rig {
	t.Helper()
	r := &rig{t: t, clock: clock.NewFake(t0)}
	r.hub = hub.New(r.clock.Now)
	r.hub.Subscribe(func(e hub.Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	})
	opt.Clock = r.clock
	if opt.TelemetryEvery == 0 {
		opt.TelemetryEvery = Off
	}
	r.fleet = NewFleet(r.hub, opt)
	t.Cleanup(r.fleet.Close)
	return r
}

func (r *rig) add(sub, pid string) *Device {
	r.t.Helper()
	d, err := r.fleet.Add(sub, pid, "")
	if err != nil {
		r.t.Fatalf("add %s/%s: %v", sub, pid, err)
	}
	return d
}

// send is sendToDevice through the hub; payload in hex.
func (r *rig) send(d *Device, code int, payloadHex string) (int, []byte, error) {
	r.t.Helper()
	p, err := hex.DecodeString(strings.ReplaceAll(payloadHex, " ", ""))
	if err != nil {
		r.t.Fatalf("bad hex %q", payloadHex)
	}
	return r.hub.Send(context.Background(), d.Key(), code, p, time.Second)
}

// mustSend expects a reply with wantCode and returns its payload.
func (r *rig) mustSend(d *Device, code int, payloadHex string, wantCode int) []byte {
	r.t.Helper()
	rc, reply, err := r.send(d, code, payloadHex)
	if err != nil {
		r.t.Fatalf("send %d %s to %s: %v", code, payloadHex, d.Key().PhysicalID, err)
	}
	if rc != wantCode {
		r.t.Fatalf("send %d %s to %s: reply code %d (%s), want %d", code, payloadHex, d.Key().PhysicalID,
			rc, catalog.Describe(d.Key().SubDomain, rc, reply), wantCode)
	}
	return reply
}

// take returns and forgets the recorded events of kind k (0 = all) for
// device pid ("" = any).
func (r *rig) take(k hub.EventKind, pid string) []hub.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out, keep []hub.Event
	for _, e := range r.events {
		if (k == 0 || e.Kind == k) && (pid == "" || e.Device.PhysicalID == pid) {
			out = append(out, e)
		} else {
			keep = append(keep, e)
		}
	}
	r.events = keep
	return out
}

func (r *rig) reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

// reports lists the codes and descriptions of the reports in evs.
func reports(evs []hub.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Kind == hub.EventReport {
			out = append(out, catalog.Describe(e.Device.SubDomain, e.Code, e.Payload))
		}
	}
	return out
}

func hexOf(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
