package sim

import (
	"errors"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

func drain(ch <-chan UpgradeProgress) []UpgradeProgress {
	var out []UpgradeProgress
	for {
		select {
		case p, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, p)
		default:
			return out
		}
	}
}

func closed(ch <-chan UpgradeProgress) bool {
	select {
	case _, ok := <-ch:
		return !ok
	default:
		return false
	}
}

func TestUpgrade(t *testing.T) {
	r := newRig(t, Options{})
	d := r.add(catalog.SubPlug, "P000000000000001")
	ch, err := d.StartUpgrade("1-5-0", UpgradeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.StartUpgrade("1-6-0", UpgradeOptions{}); !errors.Is(err, ErrUpgrading) {
		t.Fatalf("second upgrade: %v", err)
	}
	first := drain(ch)
	if len(first) != 1 || first[0].Phase != PhaseDownload || first[0].Percent != 0 || first[0].From != "1-4-2" {
		t.Fatalf("start: %+v", first)
	}
	r.clock.Advance(20 * time.Second) // download done, verifying
	ps := drain(ch)
	if last := ps[len(ps)-1]; last.Phase != PhaseVerify || last.Percent != 70 {
		t.Fatalf("after 20 s: %+v", last)
	}
	r.clock.Advance(2 * time.Second) // flashing: busy
	if got := r.mustSend(d, catalog.CodeSetPower, "01", catalog.CodeError); got[0] != catalog.ReasonBusy {
		t.Fatalf("command while flashing: % X", got)
	}
	if d.CancelUpgrade() {
		t.Fatal("cancelled while flashing")
	}
	r.clock.Advance(8 * time.Second) // rebooting: offline
	if r.hub.Online(d.Key()) {
		t.Fatal("online while rebooting")
	}
	r.clock.Advance(5 * time.Second)
	ps = append(ps, drain(ch)...)
	if !closed(ch) {
		t.Fatal("channel open after done")
	}
	if last := ps[len(ps)-1]; last.Phase != PhaseDone || last.Percent != 100 {
		t.Fatalf("end: %+v", last)
	}
	if !r.hub.Online(d.Key()) || d.Firmware() != "1-5-0" {
		t.Fatalf("after upgrade: online %v, firmware %s", r.hub.Online(d.Key()), d.Firmware())
	}
	info := r.mustSend(d, catalog.CodeIdentify, "", catalog.CodeInfo)
	if string(info[1:]) != "1-5-0" {
		t.Errorf("info % X", info)
	}
	// Percent never goes back; the hub saw the same steps as reports.
	prev := -1
	for _, p := range append(first, ps...) {
		if p.Percent < prev {
			t.Errorf("percent went back: %+v", p)
		}
		prev = p.Percent
	}
	var reported []string
	for _, e := range r.take(hub.EventReport, d.Key().PhysicalID) {
		if e.Code == catalog.CodeUpgrade {
			reported = append(reported, catalog.Describe(catalog.SubPlug, e.Code, e.Payload))
		}
	}
	if n := len(first) + len(ps); len(reported) != n {
		t.Errorf("%d progress entries, %d reports: %q", n, len(reported), reported)
	}
	if _, err := d.StartUpgrade("1-5-0", UpgradeOptions{}); !errors.Is(err, ErrSameVersion) {
		t.Errorf("same version: %v", err)
	}
	if _, err := d.StartUpgrade("", UpgradeOptions{}); !errors.Is(err, ErrNoTarget) {
		t.Errorf("no target: %v", err)
	}
	d.SetPowered(false)
	if _, err := d.StartUpgrade("2-0-0", UpgradeOptions{}); !errors.Is(err, hub.ErrOffline) {
		t.Errorf("offline device: %v", err)
	}
}

func TestUpgradeFailures(t *testing.T) {
	r := newRig(t, Options{Seed: 9})
	ds := addMany(t, r.fleet, 200)
	chans := map[*Device]<-chan UpgradeProgress{}
	for _, d := range ds {
		ch, err := d.StartUpgrade("9-0-0", UpgradeOptions{FailFraction: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		chans[d] = ch
	}
	r.clock.Advance(time.Minute)
	failed, reasons := 0, map[string]int{}
	for d, ch := range chans {
		ps := drain(ch)
		if !closed(ch) {
			t.Fatalf("%s: channel open after a minute", d.Key().PhysicalID)
		}
		last := ps[len(ps)-1]
		switch last.Phase {
		case PhaseFailed:
			failed++
			reasons[last.Reason]++
			if d.Firmware() == "9-0-0" {
				t.Errorf("failed upgrade changed the version")
			}
		case PhaseDone:
			if d.Firmware() != "9-0-0" {
				t.Errorf("done without the version")
			}
		default:
			t.Fatalf("ended in %v", last.Phase)
		}
		if !r.hub.Online(d.Key()) {
			t.Errorf("%s offline after the upgrade", d.Key().PhysicalID)
		}
	}
	if frac := float64(failed) / float64(len(chans)); frac < 0.18 || frac > 0.42 {
		t.Errorf("%.0f %% failed, want about 30 %%", 100*frac)
	}
	if len(reasons) != 3 {
		t.Errorf("failure reasons: %v", reasons)
	}

	// A chosen phase and reason.
	d := r.add(catalog.SubBulb, "B0000000000000FF")
	ch, _ := d.StartUpgrade("2-0-0", UpgradeOptions{FailFraction: 1, FailPhase: PhaseVerify, FailReason: "signature rejected"})
	r.clock.Advance(time.Minute)
	ps := drain(ch)
	if last := ps[len(ps)-1]; last.Phase != PhaseFailed || last.Reason != "signature rejected" || last.Percent != 70 {
		t.Fatalf("verify failure: %+v", last)
	}
}

func TestModuleUpgrade(t *testing.T) {
	r := newRig(t, Options{})
	d := r.add(catalog.SubBulb, "B000000000000001")
	if _, err := d.StartUpgrade(d.ModuleVersion(), UpgradeOptions{Module: true}); !errors.Is(err, ErrSameVersion) {
		t.Fatalf("same module version: %v", err)
	}
	ch, err := d.StartUpgrade("1-4-0", UpgradeOptions{Module: true})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute)
	ps := drain(ch)
	if last := ps[len(ps)-1]; last.Phase != PhaseDone || last.From != "1-3-0" {
		t.Fatalf("module upgrade: %+v", last)
	}
	if d.ModuleVersion() != "1-4-0" || d.Firmware() != "1-1-5" {
		t.Fatalf("versions after a module upgrade: mcu %s, module %s", d.Firmware(), d.ModuleVersion())
	}
}

func TestUpgradeCancelAndRemove(t *testing.T) {
	r := newRig(t, Options{})
	d := r.add(catalog.SubPlug, "P000000000000001")
	ch, _ := d.StartUpgrade("2-0-0", UpgradeOptions{})
	r.clock.Advance(10 * time.Second)
	if !d.CancelUpgrade() || d.CancelUpgrade() {
		t.Fatal("cancel")
	}
	ps := drain(ch)
	if last := ps[len(ps)-1]; last.Phase != PhaseFailed || last.Reason != "cancelled" || !closed(ch) {
		t.Fatalf("cancelled: %+v", last)
	}
	r.clock.Advance(time.Minute)
	if d.Firmware() != "1-4-2" || r.clock.Pending() != 0 {
		t.Fatalf("after cancel: firmware %s, %d timers", d.Firmware(), r.clock.Pending())
	}
	// Removing a device mid-flash ends its upgrade too.
	ch, _ = d.StartUpgrade("2-0-0", UpgradeOptions{})
	r.clock.Advance(25 * time.Second)
	r.fleet.Remove(d.Key())
	ps = drain(ch)
	if last := ps[len(ps)-1]; last.Reason != "device removed" || !closed(ch) {
		t.Fatalf("removed: %+v", last)
	}
}
