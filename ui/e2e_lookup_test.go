package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/internal/vtscreen"
	"acconsole/models"
)

// The real adapter on a real local cloud: ":device" with a lower-case
// physical id, a MAC or an unknown word; an unbound warehouse device shows
// the same online state as in the fleet; ":user" with a phone and an
// OpenID written as the user page writes them.
func TestE2ELookups(t *testing.T) {
	e := startE2E(t, cloudtest.Options{})
	plug := e.device("plug")
	ctx := context.Background()

	e.command("device " + strings.ToLower(plug.PhysicalDeviceID))
	e.scr.WaitFor(t, plug.PhysicalDeviceID, "device #"+strconv.FormatInt(plug.DeviceID, 10), "users (")
	e.press("esc")

	mac := strings.ToUpper(strings.ReplaceAll(plug.MAC, ":", ""))
	if acapi.NormalizeMAC(mac) == "" {
		t.Fatalf("demo device %s has no MAC (%q)", plug.PhysicalDeviceID, plug.MAC)
	}
	e.command("device " + mac)
	e.scr.WaitFor(t, "device #"+strconv.FormatInt(plug.DeviceID, 10), "mac "+plug.MAC)
	e.press("esc")

	e.command("device hello-world")
	if scr := e.scr.WaitFor(t, `no device has the physical id or MAC "hello-world"`); strings.Contains(scr, "device #0") {
		t.Fatalf("an unknown id shows a made-up device:\n%s", scr)
	}
	e.press("esc")

	// An unbound warehouse device: the detail agrees with the fleet.
	var free models.FleetDevice
	deadline := time.Now().Add(10 * time.Second)
	for free.PhysicalDeviceID == "" || !free.Online {
		if time.Now().After(deadline) {
			t.Fatal("no online unbound device in the demo world")
		}
		rows, err := e.client.Warehouse().ListDevicesExt(ctx, "", 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Owner == 0 && r.DeviceID == 0 && r.Online {
				free = r
				break
			}
		}
		time.Sleep(50 * time.Millisecond) // the fleet connects in the background
	}
	e.command("device " + free.PhysicalDeviceID)
	scr := e.scr.WaitFor(t, "not bound to anyone", "online")
	if strings.Contains(scr, "device #0") || strings.Contains(scr, "offline") {
		t.Fatalf("the fleet says %s is online and unbound; its page says:\n%s", free.PhysicalDeviceID, scr)
	}
	e.press("esc")

	owner, err := e.client.Account().GetAccountInfo(ctx, plug.Owner)
	if err != nil {
		t.Fatal(err)
	}
	if len(owner.Phone) != 11 {
		t.Fatalf("demo user %d has phone %q, not a mainland mobile number", owner.UserID, owner.Phone)
	}
	want := "user #" + strconv.FormatInt(owner.UserID, 10)
	e.command("user +86" + owner.Phone)
	e.scr.WaitFor(t, want, "phone "+owner.Phone)
	e.press("esc")

	var oidUser int64
	var oid string
	for id := int64(1); id <= 80 && oid == ""; id++ {
		ids, err := e.client.As(id).Account().ListAllOpenIDs(ctx)
		if err != nil {
			continue
		}
		for _, o := range ids {
			if o.Provider == "weixin" {
				oidUser, oid = id, o.OpenID
			}
		}
	}
	if oid == "" {
		t.Fatal("no demo user has a WeChat OpenID")
	}
	e.command("user weixin:" + oid)
	e.scr.WaitFor(t, "user #"+strconv.FormatInt(oidUser, 10), "openids weixin:"+oid)
	e.press("esc")

	e.command("user 99999")
	scr = e.scr.WaitFor(t, "no user has the id")
	if strings.Contains(scr, "OpenID") && !strings.Contains(scr, "search by") {
		t.Fatalf("an unknown numeric id is reported as an OpenID:\n%s", scr)
	}
}

// On a real local cloud: the device page names the home and room, moving
// picks the room by name, and a phone is bound in one console with the
// code the local cloud shows beside the prompt.
func TestE2ERoomPickerAndPhoneBinding(t *testing.T) {
	e := startE2E(t, cloudtest.Options{})
	ctx := context.Background()
	// A device in a room of a home with another room.
	var dev models.FleetDevice
	var homeName, roomName, otherRoom string
	rows, err := e.client.Warehouse().ListDevicesExt(ctx, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
search:
	for _, r := range rows {
		if r.Owner == 0 || r.DeviceID == 0 {
			continue
		}
		home := e.client.As(r.Owner).Home()
		homes, err := home.ListHomes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range homes {
			rooms, err := home.ListRooms(ctx, h.HomeID)
			if err != nil || len(rooms) < 2 {
				continue
			}
			for i, rm := range rooms {
				devs, err := home.ListRoomDevices(ctx, h.HomeID, rm.RoomID, false)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range devs {
					if d.DeviceID == r.DeviceID && d.Owner == r.Owner && !d.IsSubDevice() {
						dev, homeName, roomName = r, h.Name, rm.Name
						otherRoom = rooms[(i+1)%len(rooms)].Name
						break search
					}
				}
			}
		}
	}
	if dev.DeviceID == 0 {
		t.Fatal("no device in a room of a home with two rooms in the demo world")
	}
	e.command("write")
	e.typeText("SUP-9 lookups")
	e.press("enter")
	e.command("device " + strconv.FormatInt(dev.DeviceID, 10))
	e.scr.WaitFor(t, `in home "`+homeName+`"`, `room "`+roomName+`"`)
	e.press("m")
	e.scr.WaitFor(t, "(the device is here)", otherRoom)
	// The rows are in the cloud's order: walk to the other room, one
	// row at a time, each move seen on the screen before the next.
	for i := 0; !strings.Contains(selectedRow(e.scr.Text()), otherRoom); i++ {
		if i == 10 {
			t.Fatalf("the cursor never reached %s:\n%s", otherRoom, e.scr.Text())
		}
		before := selectedRow(e.scr.Text())
		e.press("down")
		waitScreen(t, e.scr, func(scr string) bool { return selectedRow(scr) != before })
	}
	e.press("enter")
	e.scr.WaitFor(t, `to room "`+otherRoom+`"`)
	e.press("y")
	e.scr.WaitFor(t, `room "`+otherRoom+`"`, "done: Move")

	// Bind a phone to the owner: the prompt shows the outbox's code.
	e.command("user " + strconv.FormatInt(dev.Owner, 10))
	e.scr.WaitFor(t, "user #"+strconv.FormatInt(dev.Owner, 10))
	e.press("B")
	e.scr.WaitFor(t, "phone to bind")
	e.typeText("13955550001")
	e.press("enter")
	scr := e.scr.WaitFor(t, "(the local cloud sent ")
	code := between(scr, "(the local cloud sent ", ")")
	if len(code) < 4 {
		t.Fatalf("no code beside the prompt:\n%s", scr)
	}
	e.press("esc")
	e.command("outbox")
	e.scr.WaitFor(t, "13955550001", code)
	e.press("esc")
	e.scr.WaitFor(t, "verify code sent to 13955550001 at")
	e.press("B")
	e.scr.WaitFor(t, "(the local cloud sent "+code+")")
	e.typeText(code)
	e.press("enter")
	e.scr.WaitFor(t, "Bind phone 13955550001")
	e.press("y")
	e.scr.WaitFor(t, "phone 13955550001")
}

func selectedRow(scr string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "›") && !strings.Contains(l, " › ") {
			return l
		}
	}
	return ""
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// waitScreen waits (20 s at most) until the screen satisfies ok.
func waitScreen(t testing.TB, s *vtscreen.Screen, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok(s.Text()) {
		if time.Now().After(deadline) {
			t.Fatalf("the screen never changed as expected:\n%s", s.Text())
		}
		time.Sleep(10 * time.Millisecond) // polling the screen, not waiting for time
	}
}
