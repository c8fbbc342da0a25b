package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
	"acconsole/models"
)

// Against the real local cloud: a command the plug refuses (error reply
// 127) shows as refused in the tail, not "→ ok", and a cloud timer's
// firing shows as the timer's, not as a plain command.
func TestE2EEventsShowRefusalsAndTimerFirings(t *testing.T) {
	e := startE2E(t, cloudtest.Options{})
	plug := e.device("plug")
	ctx := context.Background()
	owner := e.client.As(plug.Owner)
	e.openDevice(plug)
	e.act(ActEvents)
	e.scr.WaitFor(t, "WATCHING")

	// 9 is no power state: the plug answers with error 127.
	r, err := owner.Bind().SendToDevice(ctx, "plug", plug.DeviceID, "", 68, []byte{9})
	if err != nil || r.Code != 127 {
		t.Fatalf("the plug answered %d (%v), want its error reply 127", r.Code, err)
	}
	e.scr.WaitFor(t, "→ refused by the device (error reply 127)")

	at := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
	task, err := owner.Timer().AddTask(ctx, models.TimerTask{DeviceID: plug.DeviceID, Name: "Lamp on", TimeZone: "UTC",
		TimePoint: at.Format(models.TimeLayout), TimeCycle: "once", MessageCode: 68, Payload: []byte{1}, TaskFlag: 0, Status: models.TaskRunning})
	if err != nil {
		t.Fatal(err)
	}
	scr := e.scr.WaitFor(t, `timer "Lamp on" (#`+itoa(task.TaskID)+`) fired: 68`)
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, " command ") && strings.Contains(l, "→ ok") {
			t.Fatalf("the timer's command still shows as a plain command:\n%s", scr)
		}
		if strings.Contains(l, "68 ") && strings.Contains(l, "→ ok") && !strings.Contains(l, "timer") {
			t.Fatalf("a 68 → ok line not marked as the timer's:\n%s", scr)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// :watch with names that find no device refuses, naming each, and opens
// no empty watch list; a mix watches the real one only.
func TestE2EWatchRefusesUnknownDevices(t *testing.T) {
	e := startE2E(t, cloudtest.Options{})
	plug := e.device("plug")
	e.command("watch nope 99999")
	scr := e.scr.WaitFor(t, "nothing to watch", `"nope"`, "99999")
	if strings.Contains(scr, "WATCHING") || strings.Contains(scr, "(not bound)") {
		t.Fatalf("unknown devices were watched:\n%s", scr)
	}
	e.command("watch nope " + plug.PhysicalDeviceID)
	scr = e.scr.WaitFor(t, "WATCHING", "not watched: ", `"nope"`)
	if strings.Contains(scr, "(not bound)") || strings.Contains(scr, "Watch (2)") {
		t.Fatalf("an unknown device was watched:\n%s", scr)
	}
}
