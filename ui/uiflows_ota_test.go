package ui

import (
	"testing"
	"time"

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
	setStatus(w, 900, func(st *UpgradeStatus) { st.Percent, st.LastProgressAt, st.Phase = 60, at, "flash" })
	h.advance(2 * time.Second)
	h.must("upgrading: flash, 60 %")
	h.mustNot("waits for a confirmation")

	setStatus(w, 900, func(st *UpgradeStatus) {
		st.State, st.Percent, st.Phase, st.LastProgressAt = "succeeded", 100, "done", h.clock.Now()
	})
	h.advance(time.Second)
	h.must("upgraded: the device reports 1-5-0")
	h.mustNot("waits for a confirmation")
}
