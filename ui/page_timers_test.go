package ui

import (
	"strings"
	"testing"
	"time"

	"acconsole/models"
)

func openTimers(t *testing.T, api *fakeAPI, at time.Time) *wfHarness {
	t.Helper()
	h := newWFHarness(t, api, 130, 40)
	h.clock.Set(at)
	h.command("device 900")
	h.must("客厅插座")
	h.act(ActTimers)
	h.must("Timers of 客厅插座")
	return h
}

// field moves the editor's focus to a field and clears it when it is text.
func editField(h *wfHarness, f int, text string) {
	e := topAs[*timerEditor](h)
	for e.focus != f {
		h.press("down")
	}
	h.press("ctrl+u")
	h.typeText(text)
}

// A weekly timer: the rule in words, the next ten firings in its own zone,
// the payload decoded, saved through a confirmation; the list then shows it.
func TestTimerEditorWeeklyTimer(t *testing.T) {
	api := newFakeAPI()
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) // a Saturday
	h.must("no timers: a adds one", "0/30 timers")
	h.act(ActCreate)
	h.must("New timer", "NEXT 10 FIRINGS")

	h.typeText("Morning on")
	for topAs[*timerEditor](h).focus != teCycle {
		h.press("down")
	}
	h.press("right")  // day → week
	h.press("down")   // days: Mon–Fri by default
	h.press("2", "4") // Tue and Thu off
	editField(h, tePoint, "07:30")
	editField(h, teZone, "Europe/Berlin")
	editField(h, tePayload, "01")
	h.must("RULE Mon, Wed, Fri at 07:30, Europe/Berlin", "‹68 set power›", "→ set power: power on")
	h.must("Mon 2026-11-30 07:30:00 CET", "Wed 2026-12-02 07:30:00 CET", "Fri 2026-12-04 07:30:00 CET")
	if e := topAs[*timerEditor](h); len(e.pv.firings) != 10 {
		t.Fatalf("%d firings in the preview, want 10", len(e.pv.firings))
	}
	for _, f := range topAs[*timerEditor](h).pv.firings {
		if d := f.At.Weekday(); d != time.Monday && d != time.Wednesday && d != time.Friday {
			t.Fatalf("a firing on %s", d)
		}
	}

	// Read-only: the save is refused and the form stays as it is.
	h.act(ActSave)
	h.must("your edits stay in the form", "Morning on")
	h.press("esc") // stop typing, so that ":" opens the command bar
	h.must("not typing")
	h.writeMode()
	h.act(ActSave)
	h.must(`Save timer "Morning on": Mon, Wed, Fri at 07:30, Europe/Berlin,`, "command 68 set power: power on?")
	h.press("y")
	w := api.wf()
	if len(w.tasks[900]) != 1 {
		t.Fatalf("tasks = %+v", w.tasks[900])
	}
	got := w.tasks[900][0]
	if got.TimeCycle != "week[1,3,5]" || got.TimePoint != "2026-11-28 07:30:00" || got.TimeZone != "Europe/Berlin" || got.MessageCode != 68 || string(got.Payload) != "\x01" || got.TaskFlag != 0 {
		t.Fatalf("saved %+v", got)
	}
	topAs[*timersPage](h)
	h.must("Morning on", "Mon, Wed, Fri at 07:30, Europe/Berlin", "11-30 07:30 CET", "1/30 timers")
}

// The preview flags DST: 02:30 does not exist in Berlin on 2027-03-28 and
// happens twice on 2027-10-31.
func TestTimerPreviewFlagsDST(t *testing.T) {
	api := newFakeAPI()
	h := openTimers(t, api, time.Date(2027, 3, 26, 12, 0, 0, 0, time.UTC))
	h.act(ActCreate)
	h.typeText("Night")
	editField(h, tePoint, "2027-03-26 02:30:00")
	editField(h, teZone, "Europe/Berlin")
	h.must("Sun 2027-03-28 03:00:00 CEST", "DST gap: 02:30 does not exist there; runs at 03:00")

	h.clock.Set(time.Date(2027, 10, 29, 12, 0, 0, 0, time.UTC))
	h.press("down") // any key recomputes against the new minute
	h.must("Sun 2027-10-31 02:30:00 CEST", "DST repeat: 02:30 happens twice; runs once, at the first")
}

// Two timers of one device sending different commands in the same minute
// are flagged, in the editor before saving and in the list.
func TestTimerClashWarning(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.tasks[900] = []models.TimerTask{{TaskID: 7, DeviceID: 900, Name: "Lights off", TimeZone: "Asia/Shanghai", TimePoint: "2026-11-01 22:00:00", TimeCycle: "day", MessageCode: 68, Payload: []byte{0}, Status: models.TaskRunning}}
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.must("Lights off", "every day at 22:00")
	h.act(ActCreate)
	h.typeText("Query")
	editField(h, tePoint, "22:00")
	editField(h, teZone, "Asia/Shanghai")
	for topAs[*timerEditor](h).focus != teCode {
		h.press("down")
	}
	h.press("right") // 68 → 69 query state
	h.must("‹69 query state›", `clashes with "Lights off" (#7) at 2026-11-28 22:00 CST`)
}

// A failed save keeps every edit; leaving with unsaved edits asks first.
func TestTimerEditorKeepsEditsAndAsksBeforeLeaving(t *testing.T) {
	api := newFakeAPI()
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.writeMode()
	h.act(ActCreate)
	h.typeText("Kettle")
	editField(h, teZone, "Asia/Shanghai")
	editField(h, tePayload, "01")
	api.wf().saveErr = errorf("cloud said no")
	h.act(ActSave)
	h.press("y")
	h.must("save failed: cloud said no", "your edits are kept", "Kettle", "Asia/Shanghai")
	topAs[*timerEditor](h)

	h.press("esc") // stops typing
	h.press("esc")
	h.must("Leave the editor? Your unsaved changes to this timer are lost.")
	h.press("n")
	topAs[*timerEditor](h)
	h.must("Kettle")

	api.wf().saveErr = nil
	h.act(ActSave)
	h.press("y")
	topAs[*timersPage](h)
	h.must("Kettle")

	// An untouched editor leaves without asking (the first esc stops
	// typing, the second leaves).
	h.press("enter")
	topAs[*timerEditor](h)
	h.press("esc", "esc")
	topAs[*timersPage](h)
}

// Typing into a field never triggers global keys: q, e and ? are text.
func TestTimerEditorTextIsNotKeys(t *testing.T) {
	api := newFakeAPI()
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.act(ActCreate)
	h.typeText("quiet eve?[]-")
	topAs[*timerEditor](h)
	if got := topAs[*timerEditor](h).text[teName].value(); got != "quiet eve?[]-" {
		t.Fatalf("name = %q", got)
	}
}

// The list: the rule in words, status, next firing, last result; space
// stops and starts after asking (default No); D deletes after asking.
func TestTimersListToggleAndDelete(t *testing.T) {
	api := newFakeAPI()
	w := api.wf()
	w.tasks[900] = []models.TimerTask{
		{TaskID: 11, DeviceID: 900, Name: "Heater", TimeZone: "Asia/Shanghai", TimePoint: "2026-11-01 06:45:00", TimeCycle: "week[1,2,3,4,5]", MessageCode: 68, Status: models.TaskRunning},
		{TaskID: 12, DeviceID: 900, Name: "Broken", TimeZone: "Mars/Olympus", TimePoint: "2026-11-01 06:45:00", TimeCycle: "day", MessageCode: 68, Status: models.TaskRunning},
	}
	w.runs[11] = []TimerRun{{At: time.Date(2026, 11, 27, 22, 45, 0, 0, time.UTC), Result: "offline"}}
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.must("Heater", "weekdays at 06:45, Asia/Shanghai", "11-30 06:45 CST", "offline 11-2", "Broken", "cannot run: unknown time zone")

	h.act(ActTimerToggle)
	h.must("read-only")
	h.writeMode()
	h.act(ActTimerToggle)
	h.must(`Stop timer "Heater" (weekdays at 06:45, Asia/Shanghai) until it is`, "started again?")
	h.press("enter") // the default is No
	if w.tasks[900][0].Status != models.TaskRunning {
		t.Fatal("enter stopped the timer")
	}
	h.act(ActTimerToggle)
	h.press("y")
	if w.tasks[900][0].Status != models.TaskStopped {
		t.Fatal("space did not stop the timer")
	}
	h.must(`done: Stopped timer "Heater" (weekdays at 06:45, Asia/Shanghai) until it is started again`)
	h.act(ActTimerToggle)
	h.must(`Start timer "Heater" (weekdays at 06:45, Asia/Shanghai), next`, "firing 2026-11-30 06:45 CST?")
	h.press("y")
	if w.tasks[900][0].Status != models.TaskRunning {
		t.Fatal("space did not start the timer")
	}
	h.act(ActDelete)
	h.must(`Delete timer "Heater" (weekdays at 06:45, Asia/Shanghai)? It will`)
	h.press("enter") // the default is No
	if len(w.tasks[900]) != 2 {
		t.Fatal("enter deleted the timer")
	}
	h.act(ActDelete)
	h.press("y")
	if len(w.tasks[900]) != 1 {
		t.Fatalf("not deleted: %+v", w.tasks[900])
	}
	h.must(`deleted "Heater"`)
	for _, r := range topAs[*timersPage](h).tbl.Rows() {
		if strings.Contains(r.task.Name, "Heater") {
			t.Fatal("the list still shows the deleted timer")
		}
	}
}

// The editor is Guarded while it holds unsaved edits, so that a quit or a
// ":" jump asks first; saved (or untouched), it is not.
func TestTimerEditorGuardedWhileUnsaved(t *testing.T) {
	api := newFakeAPI()
	h := openTimers(t, api, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.writeMode()
	h.act(ActCreate)
	g, ok := h.app.top().(Guarded)
	if !ok {
		t.Fatal("the timer editor is not Guarded")
	}
	if why := g.Unsaved(); why != "" {
		t.Fatalf("untouched, yet Unsaved = %q", why)
	}
	h.typeText("Kettle")
	if why := g.Unsaved(); why != `unsaved edits to timer "Kettle"` {
		t.Fatalf("Unsaved = %q", why)
	}
	editField(h, teZone, "Asia/Shanghai")
	editField(h, tePayload, "01")
	h.act(ActSave)
	h.press("y")
	topAs[*timersPage](h)
	if why := g.Unsaved(); why != "" {
		t.Fatalf("saved, yet Unsaved = %q", why)
	}
}

// A new timer's first run is today at 08:00, today as the console's clock
// has it (not the machine's): the harness's clock stands on 2026-11-28.
func TestNewTimerStartsTodayOnTheConsolesClock(t *testing.T) {
	h := openTimers(t, newFakeAPI(), time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.act(ActCreate)
	h.must("2026-11-28 08:00:00")
}
