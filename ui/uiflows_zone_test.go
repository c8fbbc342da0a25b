package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
	"acconsole/models"
)

// placedFake answers device details with a warehouse record naming a
// place.
type placedFake struct {
	*fakeAPI
	info models.DeviceInfo
}

func (f placedFake) DeviceDetail(ctx context.Context, ref DeviceRef) (DeviceDetail, error) {
	d, err := f.fakeAPI.DeviceDetail(ctx, ref)
	d.Info = f.info
	return d, err
}

// A new timer for a device located in 上海 starts in Asia/Shanghai, not
// in the console machine's UTC, and the form says where the zone came
// from.
func TestTimerEditorZoneFromDeviceLocation(t *testing.T) {
	t.Setenv("TZ", "UTC")
	api := newFakeAPI()
	placed := placedFake{fakeAPI: api, info: models.DeviceInfo{Country: "中国", Province: "上海", City: "上海"}}
	h := newWFHarness(t, api, 140, 40, func(o *Options) { o.API = placed })
	h.clock.Set(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	h.command("device 900")
	h.must("客厅插座")
	h.act(ActTimers)
	h.must("Timers of 客厅插座")
	h.act(ActCreate)
	h.must("time zone    Asia/Shanghai", "from the device's location, 上海")
	h.typeText("Morning")
	editField(h, tePayload, "01")
	h.must("every day at 08:00, Asia/Shanghai")
}

// Against the real local cloud: a demo device recorded in 上海 gets a new
// timer in Asia/Shanghai, whatever the machine's zone.
func TestE2ETimerZoneFromLocation(t *testing.T) {
	t.Setenv("TZ", "UTC")
	e := startE2E(t, cloudtest.Options{})
	ctx := context.Background()
	var plug models.FleetDevice
	deadline := time.Now().Add(10 * time.Second)
	for plug.DeviceID == 0 && time.Now().Before(deadline) {
		rows, err := e.client.Warehouse().ListDevicesExt(ctx, "plug", 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Owner == 0 || r.DeviceID == 0 || !r.Online {
				continue
			}
			info, err := e.client.Warehouse().GetDeviceInfo(ctx, "plug", r.PhysicalDeviceID)
			if err == nil && info.City == "上海" {
				plug = r
				break
			}
		}
		if plug.DeviceID == 0 {
			time.Sleep(100 * time.Millisecond) // the fleet connects in the background
		}
	}
	if plug.DeviceID == 0 {
		t.Fatal("no online plug in 上海 in the demo world")
	}
	e.openDevice(plug)
	e.act(ActTimers)
	e.scr.WaitFor(t, "/30 timers")
	e.act(ActCreate)
	scr := e.scr.WaitFor(t, "New timer", "from the device's location, 上海")
	if !strings.Contains(scr, "time zone    Asia/Shanghai") {
		t.Fatalf("the zone is not Asia/Shanghai:\n%s", scr)
	}
}
