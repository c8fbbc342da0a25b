package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

func addMany(t testing.TB, f *Fleet, n int) []*Device {
	t.Helper()
	subs := []string{catalog.SubPlug, catalog.SubPurifier, catalog.SubBulb, catalog.SubDoorSensor, catalog.SubSwitch, catalog.SubGateway}
	out := make([]*Device, 0, n)
	for i := 0; i < n; i++ {
		d, err := f.Add(subs[i%len(subs)], fmt.Sprintf("%016X", uint64(i)+0xA000000000000000), "")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func offlineSet(h *hub.Hub, ds []*Device) []string {
	var out []string
	for _, d := range ds {
		if !h.Online(d.Key()) {
			out = append(out, d.Key().PhysicalID)
		}
	}
	sort.Strings(out)
	return out
}

func TestChurn(t *testing.T) {
	const n = 3000
	run := func(seed int64) (sets [][]string) {
		r := newRig(t, Options{Seed: seed, Churn: 0.05, ChurnEvery: 5 * time.Minute})
		ds := addMany(t, r.fleet, n)
		for i := 0; i < 6; i++ {
			sets = append(sets, offlineSet(r.hub, ds))
			r.clock.Advance(2 * time.Minute)
		}
		return sets
	}
	a, b, c := run(1), run(1), run(2)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different churn")
	}
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds, same churn")
	}
	for i, s := range a {
		// About 5 % offline at any time (binomial: σ ≈ 12 of 3000).
		if frac := float64(len(s)) / n; math.Abs(frac-0.05) > 0.02 {
			t.Errorf("sample %d: %.1f %% offline", i, 100*frac)
		}
	}
	// The set rotates: after one period most of it has changed.
	first, later := toSet(a[0]), toSet(a[3])
	same := 0
	for id := range first {
		if later[id] {
			same++
		}
	}
	if same > len(first)/4 {
		t.Errorf("%d of %d offline devices still offline 6 min later", same, len(first))
	}
	// Rotation is staggered: consecutive samples 2 min apart overlap
	// partly, not all or nothing.
	if o := overlap(a[1], a[2]); o == 0 || o == len(a[1]) {
		t.Errorf("overlap of consecutive samples: %d of %d", o, len(a[1]))
	}
}

func TestChurnOff(t *testing.T) {
	r := newRig(t, Options{Seed: 1})
	ds := addMany(t, r.fleet, 500)
	r.clock.Advance(time.Hour)
	if off := offlineSet(r.hub, ds); len(off) != 0 {
		t.Fatalf("%d devices offline with churn off", len(off))
	}
	if r.clock.Pending() != 0 {
		t.Fatalf("%d timers with telemetry and churn off", r.clock.Pending())
	}
}

func toSet(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func overlap(a, b []string) int {
	m := toSet(a)
	n := 0
	for _, id := range b {
		if m[id] {
			n++
		}
	}
	return n
}

func TestTelemetrySharedTicker(t *testing.T) {
	r := newRig(t, Options{Seed: 1, TelemetryEvery: 30 * time.Second})
	var plugs []*Device
	for i := 0; i < 300; i++ {
		d := r.add(catalog.SubPlug, fmt.Sprintf("P%015d", i))
		plugs = append(plugs, d)
	}
	r.add(catalog.SubBulb, "B000000000000001") // no telemetry
	// One clock timer drives the whole fleet.
	if p := r.clock.Pending(); p != 1 {
		t.Fatalf("%d timers for 301 devices", p)
	}
	r.reset()
	r.clock.Advance(30 * time.Second)
	count := map[string]int{}
	var at []time.Time
	for _, e := range r.take(hub.EventReport, "") {
		if e.Code == catalog.CodeTelemetry {
			count[e.Device.PhysicalID]++
			at = append(at, e.At)
		}
	}
	if len(count) != 300 {
		t.Fatalf("%d plugs reported in one interval", len(count))
	}
	for id, n := range count {
		if n != 1 {
			t.Errorf("%s reported %d times", id, n)
		}
	}
	// Spread over the interval, not in one burst.
	distinct := map[time.Time]bool{}
	for _, a := range at {
		distinct[a] = true
	}
	if len(distinct) < wheelBuckets/2 {
		t.Errorf("telemetry came at %d distinct times", len(distinct))
	}
	// Each plug keeps its slot: ten intervals, ten reports each.
	r.clock.Advance(10 * 30 * time.Second)
	n := 0
	for _, e := range r.take(hub.EventReport, plugs[7].Key().PhysicalID) {
		if e.Code == catalog.CodeTelemetry {
			n++
		}
	}
	if n != 10 {
		t.Errorf("plug reported %d times in 10 intervals", n)
	}
	// Offline devices say nothing.
	plugs[7].SetPowered(false)
	r.clock.Advance(5 * time.Minute)
	if evs := r.take(hub.EventReport, plugs[7].Key().PhysicalID); len(evs) != 0 {
		t.Errorf("unplugged plug sent %d reports", len(evs))
	}
	if r.clock.Pending() != 1 {
		t.Errorf("%d timers", r.clock.Pending())
	}
}

func TestAddRemove(t *testing.T) {
	r := newRig(t, Options{})
	d := r.add(catalog.SubPlug, "P000000000000001")
	if _, err := r.fleet.Add(catalog.SubPlug, "P000000000000001", ""); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate add: %v", err)
	}
	if _, err := r.fleet.Add("kettle", "K1", ""); !errors.Is(err, ErrUnknownProduct) {
		t.Errorf("unknown product: %v", err)
	}
	if _, err := r.fleet.Add(catalog.SubPlug, "", ""); err == nil {
		t.Error("empty physical id accepted")
	}
	if d.Firmware() != "1-4-2" {
		t.Errorf("default firmware %q", d.Firmware())
	}
	d2, _ := r.fleet.Add(catalog.SubPlug, "P000000000000002", "9-9-9")
	if d2.Firmware() != "9-9-9" {
		t.Errorf("firmware %q", d2.Firmware())
	}
	if r.fleet.Len() != 2 || r.fleet.Device(d.Key()) != d {
		t.Fatal("lookup")
	}
	if _, ip := r.hub.LastSeen(d.Key()); !strings.HasPrefix(ip, "10.") {
		t.Errorf("ip %q", ip)
	}
	if !r.fleet.Remove(d.Key()) || r.fleet.Remove(d.Key()) {
		t.Fatal("remove twice")
	}
	if r.hub.Online(d.Key()) || r.fleet.Device(d.Key()) != nil || r.fleet.Len() != 1 {
		t.Fatal("removed device still there")
	}
	if _, _, err := r.hub.Send(context.Background(), d.Key(), catalog.CodeQueryState, nil, time.Second); err != hub.ErrOffline {
		t.Fatalf("send to removed: %v", err)
	}
	// It can come back.
	if _, err := r.fleet.Add(catalog.SubPlug, "P000000000000001", ""); err != nil {
		t.Fatal(err)
	}
	if !r.hub.Online(d.Key()) {
		t.Fatal("re-added device offline")
	}
}

// Swap-removal keeps every device in exactly one bucket.
func TestBucketsConsistent(t *testing.T) {
	r := newRig(t, Options{})
	ds := addMany(t, r.fleet, 400)
	for i := 0; i < len(ds); i += 3 {
		r.fleet.Remove(ds[i].Key())
	}
	seen := 0
	for b, list := range r.fleet.buckets {
		for i, d := range list {
			if int(d.bucket) != b || int(d.pos) != i || r.fleet.Device(d.Key()) != d {
				t.Fatalf("bucket %d entry %d inconsistent", b, i)
			}
			seen++
		}
	}
	if seen != r.fleet.Len() {
		t.Fatalf("%d in buckets, %d in fleet", seen, r.fleet.Len())
	}
}

func TestReplyDelay(t *testing.T) {
	r := newRig(t, Options{ReplyDelay: 5 * time.Millisecond})
	d := r.add(catalog.SubBulb, "B000000000000001")
	done := make(chan error, 1)
	go func() {
		_, _, err := r.hub.Send(context.Background(), d.Key(), catalog.CodeQueryState, nil, time.Minute)
		done <- err
	}()
	select {
	case <-done:
		t.Fatal("answered before the delay")
	case <-time.After(20 * time.Millisecond):
	}
	for r.clock.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	r.clock.Advance(5 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A reply slower than the hub waits is the hub's timeout (3814).
	go r.clock.Advance(0)
	if _, _, err := r.hub.Send(context.Background(), d.Key(), catalog.CodeQueryState, nil, 10*time.Millisecond); err != hub.ErrTimeout {
		t.Fatalf("slow reply: %v", err)
	}
}

func TestClose(t *testing.T) {
	r := newRig(t, Options{TelemetryEvery: time.Second, Churn: 0.5})
	ds := addMany(t, r.fleet, 50)
	r.reset()
	r.fleet.Close()
	if r.clock.Pending() != 0 {
		t.Errorf("%d timers after Close", r.clock.Pending())
	}
	r.clock.Advance(time.Hour)
	if evs := r.take(0, ""); len(evs) != 0 {
		t.Errorf("%d events after Close", len(evs))
	}
	if _, _, err := r.hub.Send(context.Background(), ds[1].Key(), catalog.CodeQueryState, nil, time.Second); err != hub.ErrOffline {
		t.Errorf("closed fleet answered: %v", err)
	}
	if _, err := r.fleet.Add(catalog.SubPlug, "NEW", ""); !errors.Is(err, ErrClosed) {
		t.Errorf("add after close: %v", err)
	}
}

// The wall clock drives the fleet in production.
func TestRealClock(t *testing.T) {
	h := hub.New(nil)
	f := NewFleet(h, Options{TelemetryEvery: 64 * time.Millisecond})
	defer f.Close()
	d, _ := f.Add(catalog.SubPlug, "P000000000000001", "")
	got := make(chan struct{}, 16)
	cancel := h.Subscribe(func(e hub.Event) {
		if e.Kind == hub.EventReport && e.Code == catalog.CodeTelemetry && e.Device == d.Key() {
			select {
			case got <- struct{}{}:
			default:
			}
		}
	})
	defer cancel()
	for i := 0; i < 2; i++ {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("no telemetry on the wall clock")
		}
	}
}
