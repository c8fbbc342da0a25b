package ui

import (
	"strings"
	"testing"
	"time"

	"acconsole/models"
)

func setStatus(w *fakeWF, id int64, f func(*models.UpgradeStatus)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.status[id]
	f(&st)
	w.status[id] = st
}

// Firmware: check (versions, mode, notes, files), confirm with a reason,
// then follow the progress: percent, phase, ETA from the recent rate,
// stalled after three of the device's own intervals without progress, and
// the final state.
func TestOTACheckConfirmAndFollow(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.version[900] = models.OTAVersion{Update: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1,
		UpgradeLog: "Fixes relay chatter.\nFaster reconnects after a router restart.",
		Files:      []models.OTAFile{{Name: "plug-1-5-0.bin", DownloadURL: "http://fw.example/plug-1-5-0.bin", Type: 1, Checksum: 12345}}}
	h := newWFHarness(t, api, 130, 40)
	h.command("device 900")
	h.act(ActFirmware)
	h.must("Firmware of 客厅插座", "current 1-4-2 → target 1-5-0", "mode user confirms", "Fixes relay chatter.", "Faster reconnects", "plug-1-5-0.bin", "checksum 12345", "no upgrade has run")

	h.act(ActOTAConfirm)
	h.must("read-only")
	h.writeMode()
	h.act(ActOTAConfirm)
	h.answer("")
	h.must("needs a reason")
	h.act(ActOTAConfirm)
	h.answer("SUP-42 customer asked")
	h.must("Upgrade 客厅插座's MCU firmware from 1-4-2 to 1-5-0 (user", "Reason: SUP-42 customer asked")
	h.press("y")
	if got := strings.Join(w.confirms, ","); got != "900/A1B2C3D4E5F60001:1-5-0:SUP-42 customer asked" {
		t.Fatalf("confirms = %q", got)
	}
	h.must("download", "estimating the time left")

	// 20 % in 2 s, then 40 % at 4 s: 60 % left at 10 %/s is 6 s.
	start := h.clock.Now()
	for i, pct := range []float64{20, 40} {
		at := start.Add(time.Duration(2*(i+1)) * time.Second)
		setStatus(w, 900, func(st *models.UpgradeStatus) { st.Percent, st.LastProgressAt, st.Phase = pct, at, "download" })
		h.advance(2 * time.Second)
	}
	h.must("40.0 % download", "about 6s left at the recent rate")

	// Silent for more than three of its one-second intervals: stalled.
	h.advance(4 * time.Second)
	h.must("STALLED", "no progress for 4s (the device reported every 1s before)")

	setStatus(w, 900, func(st *models.UpgradeStatus) {
		st.State, st.Percent, st.Phase, st.LastProgressAt = "succeeded", 100, "done", h.clock.Now()
	})
	h.advance(time.Second)
	h.must("100.0 % done", "done", "finished")
	n := h.clock.Pending()
	reads := w.reads(func(w *fakeWF) int { return w.statusReads })
	if ticksIn[otaTick](h, topAs[*otaPage](h), 5*time.Second) != 0 || h.clock.Pending() > n || w.reads(func(w *fakeWF) int { return w.statusReads }) != reads {
		t.Fatal("the page keeps polling a finished upgrade every second")
	}

	setStatus(w, 900, func(st *models.UpgradeStatus) {
		st.State, st.Phase, st.FailureReason = "failed", "failed", "checksum mismatch"
	})
	h.act(ActOTAType) // module, then back: reloads
	h.act(ActOTAType)
	h.must("failed", "reason: checksum mismatch", "u tries again")
}

// :ota lists the fleet's updates per product and confirms several after a
// dry run that skips what is already upgrading.
func TestFleetOTADryRunAndBulkConfirm(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.pending["plug"] = []models.UpgradeCandidate{
		{SubDomain: "plug", PhysicalDeviceID: "P000000000000001", OTAType: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1, State: "available"},
		{SubDomain: "plug", PhysicalDeviceID: "P000000000000002", OTAType: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1, State: "upgrading", Percent: 30},
	}
	w.pending["bulb"] = []models.UpgradeCandidate{
		{SubDomain: "bulb", PhysicalDeviceID: "B000000000000001", OTAType: 1, CurrentVersion: "1-1-5", TargetVersion: "1-2-0", OTAMode: 2, State: "failed"},
	}
	h := newWFHarness(t, api, 130, 40)
	h.command("ota")
	h.must("3 devices with an update (3 updates, every product): 1 upgrading, 1 failed", "P000000000000001", "B000000000000001", "forced")
	h.act(ActSelectAll)
	h.act(ActOTAConfirm)
	h.must("Dry run: confirm firmware updates", "2 of 3 updates would be confirmed; nothing has been sent yet",
		"confirm 1-4-2 → 1-5-0", "skip: already upgrading", "retry 1-1-5 → 1-2-0 (the last attempt failed)")
	h.act(ActOTAConfirm)
	h.must("read-only")
	h.writeMode()
	h.act(ActOTAConfirm)
	h.answer("SUP-77 recall")
	h.must("Confirm 2 updates, 4 at a time, as in the dry", "Reason: SUP-77")
	h.press("y")
	got := strings.Join(w.confirms, ",")
	if !strings.Contains(got, "0/P000000000000001:1-5-0:SUP-77 recall") || !strings.Contains(got, "0/B000000000000001:1-2-0:SUP-77 recall") || len(w.confirms) != 2 {
		t.Fatalf("confirms = %q", got)
	}
	h.must("bulk confirm done: 2 confirmed, 0 failed", "confirmed")
}

// confirmOTA opens device 900's firmware page and confirms 1-4-2 → 1-5-0.
func confirmOTA(t *testing.T) (*wfHarness, *fakeWF, *otaPage) {
	t.Helper()
	api := newFakeAPI()
	w := api.wf()
	w.version[900] = models.OTAVersion{Update: 1, CurrentVersion: "1-4-2", TargetVersion: "1-5-0", OTAMode: 1}
	h := newWFHarness(t, api, 130, 40)
	h.writeMode()
	h.command("device 900")
	h.act(ActFirmware)
	h.act(ActOTAConfirm)
	h.answer("SUP-42")
	h.press("y")
	h.must("download")
	return h, w, topAs[*otaPage](h)
}

// Hidden under another page, the firmware page keeps its chain but reads
// nothing; back on top the progress follows again.
func TestOTAHiddenSkipsReads(t *testing.T) {
	h, w, _ := confirmOTA(t)
	h.exec(h.app.Push(newCallPage("device-history", "listEvents", 0)))
	h.settle()
	before := w.reads(func(w *fakeWF) int { return w.statusReads })
	h.advance(5 * time.Second)
	if n := w.reads(func(w *fakeWF) int { return w.statusReads }); n != before {
		t.Fatalf("the hidden firmware page read the cloud %d times in 5 s", n-before)
	}
	h.exec(h.app.pop())
	h.settle()
	setStatus(w, 900, func(st *models.UpgradeStatus) { st.Percent, st.LastProgressAt = 30, h.clock.Now() })
	h.advance(time.Second)
	h.must("30.0 % download")
}

// Off the stack the progress chain ends; back through history it resumes
// (one chain) and shows the progress made meanwhile.
func TestOTAProgressResumes(t *testing.T) {
	h, w, p := confirmOTA(t)
	h.command("users")
	h.advance(3 * time.Second)
	if n := ticksIn[otaTick](h, p, otaPollGap); n != 0 {
		t.Fatalf("%d progress ticks delivered to a page off the stack", n)
	}
	setStatus(w, 900, func(st *models.UpgradeStatus) { st.Percent, st.LastProgressAt = 50, h.clock.Now() })
	h.press("[")
	topAs[*otaPage](h)
	h.must("50.0 % download")
	setStatus(w, 900, func(st *models.UpgradeStatus) { st.Percent, st.LastProgressAt = 70, h.clock.Now() })
	h.advance(time.Second)
	h.must("70.0 % download")
	if n := ticksIn[otaTick](h, p, otaPollGap); n != 1 {
		t.Fatalf("%d progress chains, want 1", n)
	}
}
