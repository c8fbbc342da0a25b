package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
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
	var free acapi.FleetDevice
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
