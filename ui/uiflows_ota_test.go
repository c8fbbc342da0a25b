package ui

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
	"acconsole/models"
)

// Once confirmed, the firmware page stops saying it waits for a
// confirmation: it shows the upgrade's phase, then that it is done.
func TestOTAPageShowsTheRealPhase(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.version[900] = models.OTAVersion{Update: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1}
	h := newWFHarness(t, api, 130, 40)
	h.command("device 900")
	h.act(ActFirmware)
	h.must("waits for a confirmation")
	h.writeMode()
	h.act(ActOTAConfirm)
	h.answer("SUP-42")
	h.press("y")
	h.must("upgrading: download, 0 % — confirmed")
	h.mustNot("waits for a confirmation")

	at := h.clock.Now().Add(2 * time.Second)
	setStatus(w, 900, func(st *models.UpgradeStatus) { st.Percent, st.LastProgressAt, st.Phase = 60, at, "flash" })
	h.advance(2 * time.Second)
	h.must("upgrading: flash, 60 %")
	h.mustNot("waits for a confirmation")

	setStatus(w, 900, func(st *models.UpgradeStatus) {
		st.State, st.Percent, st.Phase, st.LastProgressAt = "succeeded", 100, "done", h.clock.Now()
	})
	h.advance(time.Second)
	h.must("upgraded: the device reports 1-5-0")
	h.mustNot("waits for a confirmation")
}

// Against the real local cloud: :ota counts devices, not rows. A device
// with an update for its MCU and its module is one device (the first
// start of a 300-device world said 355 devices). Upgrades that start by
// themselves can change the world between two reads, so the count is
// compared until the screen and a listing taken beside it agree.
func TestE2EFleetOTACountsDevices(t *testing.T) {
	e := startE2E(t, cloudtest.Options{})
	ctx := context.Background()
	prods, err := e.client.Product().GetDomainProducts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := e.client.Warehouse().GetDeviceCount(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	truth := func() (devices, rows int) {
		seen := map[string]bool{}
		for _, p := range prods {
			cs, err := e.client.OTA().ListUpgrades(ctx, p.SubDomainName)
			if err != nil {
				t.Fatal(err)
			}
			rows += len(cs)
			for _, c := range cs {
				seen[p.SubDomainName+"/"+c.PhysicalDeviceID] = true
			}
		}
		return len(seen), rows
	}
	summary := regexp.MustCompile(`(\d+) devices? with an update \((\d+) updates?, every product\)`)
	e.command("ota")
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := e.scr.WaitFor(t, "with an update (")
		m := summary.FindStringSubmatch(scr)
		if m == nil {
			t.Fatalf("no summary on screen:\n%s", scr)
		}
		shown, _ := strconv.Atoi(m[1])
		if shown > int(fleet) {
			t.Fatalf("%d devices with an update in a %d-device world:\n%s", shown, fleet, scr)
		}
		devices, rows := truth()
		if rows == devices {
			t.Fatalf("no device has both an MCU and a module update (%d rows): the demo world does not exercise the count", rows)
		}
		if m[1] == strconv.Itoa(devices) && m[2] == strconv.Itoa(rows) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen says %s devices / %s updates, the cloud lists %d / %d:\n%s", m[1], m[2], devices, rows, scr)
		}
		e.press("ctrl+r")
		time.Sleep(300 * time.Millisecond) // the refresh's answer, then compare again
	}
}
