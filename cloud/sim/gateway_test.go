package sim

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

const gwID = "GW00000000000001"

func joinedIDs(h *hub.Hub, gw hub.Key) []string {
	var out []string
	for _, j := range h.NewDevices(gw) {
		out = append(out, j.Device.SubDomain+"/"+j.Device.PhysicalID)
	}
	return out
}

func candidateIDs(n int) []string {
	var out []string
	for _, c := range Candidates(gwID, n) {
		out = append(out, c.SubDomain+"/"+c.PhysicalID)
	}
	return out
}

func TestCandidatesDeterministic(t *testing.T) {
	a, b := Candidates(gwID, 20), Candidates(gwID, 20)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("candidates differ between calls")
	}
	if reflect.DeepEqual(a, Candidates("GW00000000000002", 20)) {
		t.Fatal("two gateways share candidates")
	}
	mixOf := map[string]int{}
	for _, c := range a {
		if len(c.PhysicalID) != 16 || fmt.Sprintf("%016X", mustU64(t, c.PhysicalID)) != c.PhysicalID {
			t.Errorf("id %q is not 16 uppercase hex digits", c.PhysicalID)
		}
		mixOf[c.SubDomain]++
	}
	for _, s := range []string{catalog.SubBulb, catalog.SubDoorSensor, catalog.SubSwitch} {
		if mixOf[s] == 0 {
			t.Errorf("no %s among 20 candidates: %v", s, mixOf)
		}
	}
}

func mustU64(t *testing.T, s string) uint64 {
	var v uint64
	if _, err := fmt.Sscanf(s, "%016X", &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func TestGatewayMatchWindow(t *testing.T) {
	r := newRig(t, Options{JoinEvery: 3 * time.Second})
	gw := r.add(catalog.SubGateway, gwID)
	k := gw.Key()

	// Nobody joins while the window is shut.
	r.clock.Advance(time.Minute)
	if got := joinedIDs(r.hub, k); len(got) != 0 {
		t.Fatalf("joined with the window shut: %v", got)
	}

	// A 10 s window: joins at 3, 6 and 9 s, then nothing.
	r.reset()
	deadline, err := r.hub.OpenMatch(k, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !gw.MatchDeadline().Equal(deadline) {
		t.Fatalf("gateway deadline %v, hub %v", gw.MatchDeadline(), deadline)
	}
	r.clock.Advance(2900 * time.Millisecond)
	if got := joinedIDs(r.hub, k); len(got) != 0 {
		t.Fatalf("joined before the first interval: %v", got)
	}
	r.clock.Advance(100 * time.Millisecond)
	if got := joinedIDs(r.hub, k); !reflect.DeepEqual(got, candidateIDs(1)) {
		t.Fatalf("after 3 s: %v, want %v", got, candidateIDs(1))
	}
	r.clock.Advance(7 * time.Second) // t = 10 s: deadline
	if got := joinedIDs(r.hub, k); !reflect.DeepEqual(got, candidateIDs(3)) {
		t.Fatalf("after the window: %v, want %v", got, candidateIDs(3))
	}
	r.clock.Advance(time.Minute)
	if got := joinedIDs(r.hub, k); len(got) != 3 {
		t.Fatalf("joins after expiry: %v", got)
	}
	if !gw.MatchDeadline().IsZero() || !r.hub.MatchDeadline(k).IsZero() {
		t.Fatal("window still open after its deadline")
	}
	// Expiry is announced: a 201 with the window shut, and the hub's close.
	evs := r.take(0, "")
	var closed, joinedEv, online int
	var last []byte
	for _, e := range evs {
		switch {
		case e.Kind == hub.EventMatchClosed && e.Device == k:
			closed++
			if !e.At.Equal(deadline) {
				t.Errorf("closed at %v, deadline %v", e.At, deadline)
			}
		case e.Kind == hub.EventJoined:
			joinedEv++
			if e.Gateway != k {
				t.Errorf("joined event names gateway %v", e.Gateway)
			}
		case e.Kind == hub.EventOnline:
			online++
		case e.Kind == hub.EventReport && e.Code == catalog.CodeStateChanged && e.Device == k:
			last = e.Payload
		}
	}
	if closed != 1 || joinedEv != 3 || online != 3 {
		t.Errorf("events: %d closed, %d joined, %d online", closed, joinedEv, online)
	}
	if want := []byte{0, 0, 0, 3}; !reflect.DeepEqual(last, want) {
		t.Errorf("last gateway state % X, want % X", last, want)
	}

	// Sub-devices are endpoints of their own and answer.
	for _, sk := range gw.SubDevices() {
		if !r.hub.Online(sk) {
			t.Errorf("%v offline", sk)
		}
		sub := r.fleet.Device(sk)
		r.mustSend(sub, catalog.CodeQueryState, "", catalog.CodeState)
		if sub.Gateway() != gwID {
			t.Errorf("%v: gateway %q", sk, sub.Gateway())
		}
	}

	// A second window lets the next candidates in, continuing the order.
	if _, err := r.hub.OpenMatch(k, 7*time.Second); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(7 * time.Second)
	if got := joinedIDs(r.hub, k); !reflect.DeepEqual(got, candidateIDs(5)) {
		t.Fatalf("second window: %v, want %v", got, candidateIDs(5))
	}
}

func TestGatewayCloseMatch(t *testing.T) {
	r := newRig(t, Options{})
	gw := r.add(catalog.SubGateway, gwID)
	k := gw.Key()
	if _, err := r.hub.OpenMatch(k, 254*time.Second); err != nil {
		t.Fatal(err)
	}
	st := r.mustSend(gw, catalog.CodeQueryState, "", catalog.CodeState)
	if !reflect.DeepEqual(st, []byte{1, 0, 254, 0}) {
		t.Fatalf("state with window open: % X", st)
	}
	r.clock.Advance(4 * time.Second)
	if err := r.hub.CloseMatch(k); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(5 * time.Minute)
	if got := joinedIDs(r.hub, k); !reflect.DeepEqual(got, candidateIDs(1)) {
		t.Fatalf("joined %v, want only the first", got)
	}
	if r.clock.Pending() != 0 {
		t.Errorf("%d timers left after close (telemetry and churn off)", r.clock.Pending())
	}
	// Extending an open window moves its deadline.
	if _, err := r.hub.OpenMatch(k, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(4 * time.Second)
	if _, err := r.hub.OpenMatch(k, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(2 * time.Second) // past the first deadline
	if gw.MatchDeadline().IsZero() {
		t.Fatal("extended window closed at the old deadline")
	}
	r.take(0, "")
	r.clock.Advance(time.Minute)
	if n := len(r.take(hub.EventMatchClosed, gwID)); n != 1 {
		t.Errorf("%d close events for one extended window", n)
	}
	// All six candidates in range joined by now, and no more come.
	if got := joinedIDs(r.hub, k); !reflect.DeepEqual(got, candidateIDs(DefaultJoinCandidates)) {
		t.Fatalf("joined %v", got)
	}
}

func TestOnlyGatewaysMatch(t *testing.T) {
	r := newRig(t, Options{})
	p := r.add(catalog.SubPlug, "P000000000000001")
	if _, err := r.hub.OpenMatch(p.Key(), time.Minute); err != hub.ErrNotGateway {
		t.Fatalf("OpenMatch on a plug: %v", err)
	}
}

func TestGatewayOfflineTakesSubDevices(t *testing.T) {
	r := newRig(t, Options{})
	gw := r.add(catalog.SubGateway, gwID)
	if _, err := r.hub.OpenMatch(gw.Key(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(10 * time.Second)
	subs := gw.SubDevices()
	if len(subs) != 3 {
		t.Fatalf("%d sub-devices", len(subs))
	}
	gw.SetPowered(false)
	for _, s := range subs {
		if r.hub.Online(s) {
			t.Errorf("%v online without its gateway", s)
		}
		if _, _, err := r.hub.Send(t.Context(), s, catalog.CodeQueryState, nil, time.Second); err != hub.ErrOffline {
			t.Errorf("send to %v: %v", s, err)
		}
	}
	gw.SetPowered(true)
	for _, s := range subs {
		if !r.hub.Online(s) {
			t.Errorf("%v still offline", s)
		}
	}
	// A sub-device out of power stays offline when the gateway returns.
	sub := r.fleet.Device(subs[0])
	sub.SetPowered(false)
	gw.SetPowered(false)
	gw.SetPowered(true)
	if r.hub.Online(subs[0]) || !r.hub.Online(subs[1]) {
		t.Error("sub-device power not kept across the gateway's outage")
	}
	sub.SetPowered(true)

	// Removing the gateway removes its sub-devices.
	r.fleet.Remove(gw.Key())
	for _, s := range subs {
		if r.fleet.Device(s) != nil || r.hub.Online(s) {
			t.Errorf("%v survived its gateway", s)
		}
	}
}

func TestGatewayForwardAndList(t *testing.T) {
	r := newRig(t, Options{})
	gw := r.add(catalog.SubGateway, gwID)
	if _, err := r.hub.OpenMatch(gw.Key(), 7*time.Second); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(7 * time.Second)
	subs := gw.SubDevices()
	list := r.mustSend(gw, catalog.CodeListSubDevices, "", catalog.CodeSubList)
	if list[0] != 2 || len(list) != 21 {
		t.Fatalf("list % X", list)
	}
	if got := hexOf(list[1:9]); got != subs[0].PhysicalID {
		t.Errorf("first entry %s, want %s", got, subs[0].PhysicalID)
	}
	if list[9] != byte(products[subs[0].SubDomain].Type) || list[10] != 1 {
		t.Errorf("first entry type/link % X", list[9:11])
	}

	r.reset()
	direct := r.mustSend(r.fleet.Device(subs[1]), catalog.CodeQueryState, "", catalog.CodeState)
	fw := r.mustSend(gw, catalog.CodeForward, subs[1].PhysicalID+"45", catalog.CodeForwarded)
	if hexOf(fw[:8]) != subs[1].PhysicalID || fw[8] != catalog.CodeState || !reflect.DeepEqual(fw[9:], direct) {
		t.Fatalf("forwarded % X, direct % X", fw, direct)
	}
	// A command through the gateway changes the sub-device, which reports
	// under its own key.
	var sub *Device
	for _, s := range subs {
		if s.SubDomain == catalog.SubBulb || s.SubDomain == catalog.SubSwitch {
			sub = r.fleet.Device(s)
			break
		}
	}
	if sub == nil {
		t.Fatal("no bulb or switch among the first candidates: the deterministic candidate list changed")
	}
	before := sub.State()
	payload := "4402" // set power: toggle
	if sub.Key().SubDomain == catalog.SubSwitch {
		payload = "440002" // set gang: all, toggle
	}
	fw = r.mustSend(gw, catalog.CodeForward, sub.Key().PhysicalID+payload, catalog.CodeForwarded)
	if fw[8] != catalog.CodeState || reflect.DeepEqual(sub.State(), before) {
		t.Fatalf("forwarded toggle: % X", fw)
	}
	if evs := r.take(hub.EventReport, sub.Key().PhysicalID); len(evs) != 1 || evs[0].Code != catalog.CodeStateChanged {
		t.Errorf("sub-device reports: %v", reports(evs))
	}

	// Errors.
	if got := r.mustSend(gw, catalog.CodeForward, "0000000000000000"+"45", catalog.CodeError); got[0] != catalog.ReasonUnknownSub {
		t.Errorf("unknown sub: % X", got)
	}
	if got := r.mustSend(gw, catalog.CodeForward, "00", catalog.CodeError); got[0] != catalog.ReasonBadLength {
		t.Errorf("short forward: % X", got)
	}
	if got := r.mustSend(gw, catalog.CodeForward, subs[0].PhysicalID+"40", catalog.CodeError); got[0] != catalog.ReasonOutOfRange {
		t.Errorf("forward code 64: % X", got)
	}
	inner := r.mustSend(gw, catalog.CodeForward, subs[0].PhysicalID+"C7", catalog.CodeForwarded) // 199: unknown to the bulb
	if inner[8] != catalog.CodeError || inner[9] != catalog.ReasonUnknownCommand {
		t.Errorf("unknown inner command: % X", inner)
	}
	r.fleet.Device(subs[0]).SetPowered(false)
	if got := r.mustSend(gw, catalog.CodeForward, subs[0].PhysicalID+"45", catalog.CodeError); got[0] != catalog.ReasonSubNoAnswer {
		t.Errorf("forward to an unpowered sub: % X", got)
	}
	list = r.mustSend(gw, catalog.CodeListSubDevices, "", catalog.CodeSubList)
	if list[10] != 0 {
		t.Errorf("unpowered sub listed online: % X", list)
	}
}

func TestAddSubDevice(t *testing.T) {
	r := newRig(t, Options{})
	gw := r.add(catalog.SubGateway, gwID)
	sub, err := r.fleet.AddSubDevice(gw.Key(), catalog.SubBulb, "00000000000000B1", "")
	if err != nil {
		t.Fatal(err)
	}
	if !sub.Online() || sub.Gateway() != gwID {
		t.Fatal("seeded sub-device not online under its gateway")
	}
	if _, err := r.fleet.AddSubDevice(gw.Key(), catalog.SubPlug, "00000000000000B2", ""); err == nil {
		t.Error("a plug joined a gateway")
	}
	if _, err := r.fleet.AddSubDevice(sub.Key(), catalog.SubBulb, "00000000000000B3", ""); err == nil {
		t.Error("a bulb became a gateway")
	}
	id, _ := hex.DecodeString("00000000000000B1")
	fw := r.mustSend(gw, catalog.CodeForward, hexOf(id)+"41", catalog.CodeForwarded)
	if fw[8] != catalog.CodeInfo {
		t.Errorf("identify through the gateway: % X", fw)
	}
}
