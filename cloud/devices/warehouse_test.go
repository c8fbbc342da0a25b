package devices

import (
	"fmt"
	"testing"
	"time"

	"acconsole/models"
)

func (e *env) wh(method, sub string, params map[string]any, out any) *apiErr {
	e.t.Helper()
	return e.do(req{service: WarehouseService, method: method, sub: sub, params: params}, out)
}

func TestWarehouse(t *testing.T) {
	e := newEnv(t)
	owner := e.user(1)
	// Activation by API, as a device (or an app for it) does.
	e.must(e.do(req{service: WarehouseService, method: "activateDevice", sub: "plug", uid: owner,
		params: map[string]any{"physicalDeviceId": "W000000000000001", "devVersion": "1-0-0", "modVersion": "2-0-1", "mac": "AC:CF:23:00:00:01", "latitude": 22.5, "longitude": "113.9"}}, nil))
	// Again, with a newer firmware: activation time stays, version moves.
	e.clock.Advance(time.Hour)
	e.must(e.do(req{service: WarehouseService, method: "activateDevice", sub: "plug", params: map[string]any{"physicalDeviceId": "W000000000000001", "devVersion": "1-1-0"}}, nil))
	var info models.DeviceInfo
	e.must(e.wh("getDeviceInfo", "plug", map[string]any{"physicalDeviceId": "W000000000000001"}, &info))
	if info.Status != 2 || info.DevVersion != "1-1-0" || info.ModVersion != "2-0-1" || info.ActiveTime != "2026-03-01 08:00:00" ||
		info.MAC != "AC:CF:23:00:00:01" || info.Latitude != 22.5 || info.Longitude != 113.9 || info.Type != "wifi" ||
		info.SubDomain != fmt.Sprint(e.subs["plug"].ID) || info.Domain != fmt.Sprint(e.dom.ID) || info.IPAddr != "127.0.0.1" {
		t.Fatalf("info: %+v", info)
	}
	wantCode(t, e.wh("getDeviceInfo", "plug", map[string]any{"physicalDeviceId": "NOPE"}, nil), models.ErrDeviceAbsent)

	// SetDeviceVersion (OTA) and a batch lookup with a missing id.
	if err := e.svc.SetDeviceVersion(t.Context(), e.subs["plug"].ID, "W000000000000001", "1-2-0", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetDeviceVersion(t.Context(), e.subs["plug"].ID, "NOPE", "1-2-0", ""); err == nil {
		t.Fatal("SetDeviceVersion of an unknown device succeeded")
	}
	var infos struct {
		Devices []models.DeviceInfo `json:"devices"`
	}
	e.must(e.wh("getDevicesInfo", "", map[string]any{"physicalDeviceIds": []string{"NOPE", "W000000000000001"}}, &infos))
	if len(infos.Devices) != 2 || infos.Devices[0].Status != 0 || infos.Devices[0].PhysicalDeviceID != "NOPE" ||
		infos.Devices[1].Status != 2 || infos.Devices[1].DevVersion != "1-2-0" {
		t.Fatalf("getDevicesInfo: %+v", infos.Devices)
	}

	// Fill: 250 plugs, 120 bulbs, in interleaved activation order.
	for i := 0; i < 250; i++ {
		e.activate("plug", fmt.Sprintf("WP%014d", i))
		if i < 120 {
			e.activate("bulb", fmt.Sprintf("WB%014d", i))
		}
	}
	count := func(sub string) int64 {
		var c map[string]int64
		e.must(e.wh("getDeviceCount", sub, nil, &c))
		return c["count"]
	}
	if all, plugs, bulbs, gws := count(""), count("plug"), count("bulb"), count("gateway"); all != 371 || plugs != 251 || bulbs != 120 || gws != 0 {
		t.Fatalf("counts: all %d plugs %d bulbs %d gateways %d", all, plugs, bulbs, gws)
	}
	// Pages cover every device once, in activation order.
	for _, tc := range []struct {
		sub   string
		limit int
		want  int
	}{{"", 100, 371}, {"plug", 7, 251}, {"bulb", 1000, 120}} {
		seen := map[string]bool{}
		for off := 0; ; off += tc.limit {
			var page struct {
				Devices []models.DeviceInfo `json:"devices"`
			}
			e.must(e.wh("listDevices", tc.sub, map[string]any{"offset": off, "limit": tc.limit}, &page))
			for _, d := range page.Devices {
				if seen[d.PhysicalDeviceID] {
					t.Fatalf("%s: %s twice", tc.sub, d.PhysicalDeviceID)
				}
				if tc.sub != "" && d.SubDomainName != tc.sub {
					t.Fatalf("%s page holds %s", tc.sub, d.SubDomainName)
				}
				seen[d.PhysicalDeviceID] = true
			}
			if len(page.Devices) < tc.limit {
				break
			}
		}
		if len(seen) != tc.want {
			t.Fatalf("%q: paged %d devices, want %d", tc.sub, len(seen), tc.want)
		}
	}
	var page struct {
		Devices []models.DeviceInfo `json:"devices"`
	}
	e.must(e.wh("listDevices", "", map[string]any{"offset": 1, "limit": 2}, &page))
	if len(page.Devices) != 2 || page.Devices[0].PhysicalDeviceID != "WP00000000000000" || page.Devices[1].PhysicalDeviceID != "WB00000000000000" {
		t.Fatalf("second page: %+v", page.Devices)
	}

	// Online times follow the hub, written in batches.
	e.bindDev(owner, "plug", "WP00000000000003")
	e.clock.Advance(time.Hour)
	e.hub.Connect(hubKey("plug", "WP00000000000003"), &fakeDevice{}, "113.87.1.2")
	e.hub.Connect(hubKey("plug", "WP00000000000004"), &fakeDevice{}, "113.87.1.3")
	e.clock.Advance(time.Minute)
	e.hub.Disconnect(hubKey("plug", "WP00000000000004"))
	e.svc.Flush()
	e.must(e.wh("getDevicesInfo", "plug", map[string]any{"physicalDeviceIds": []string{"WP00000000000003", "WP00000000000004"}}, &infos))
	if infos.Devices[0].LastOnlineTime != "2026-03-01 10:00:00" || infos.Devices[0].IPAddr != "113.87.1.2" ||
		infos.Devices[1].LastOnlineTime != "2026-03-01 10:01:00" || infos.Devices[1].IPAddr != "113.87.1.3" {
		t.Fatalf("online times: %+v", infos.Devices)
	}

	// The fleet page (local extension).
	var fleet struct {
		Devices []map[string]any `json:"devices"`
	}
	e.must(e.wh("listDevicesExt", "plug", map[string]any{"offset": 4, "limit": 2}, &fleet))
	if len(fleet.Devices) != 2 {
		t.Fatalf("fleet: %+v", fleet.Devices)
	}
	f := fleet.Devices[0]
	if f["physicalDeviceId"] != "WP00000000000003" || f["owner"] != float64(owner) || f["ownerNickName"] != "User 1" ||
		f["name"] != "dev WP00000000000003" || f["online"] != true || f["deviceId"] == float64(0) || f["devVersion"] != "1-0-0" {
		t.Fatalf("fleet entry: %+v", f)
	}
	if g := fleet.Devices[1]; g["deviceId"] != float64(0) || g["online"] != false || g["owner"] != float64(0) {
		t.Fatalf("unbound fleet entry: %+v", g)
	}

	// WarehouseDevices walks everything, for the simulation.
	n := 0
	err := e.svc.WarehouseDevices(t.Context(), func(info models.DeviceInfo, sub string) error {
		if sub == "" || sub != info.SubDomainName {
			t.Fatalf("WarehouseDevices: sub %q for %+v", sub, info)
		}
		n++
		return nil
	})
	if err != nil || n != 371 {
		t.Fatalf("WarehouseDevices: %d devices, %v", n, err)
	}
}

func TestProducts(t *testing.T) {
	e := newEnv(t)
	dps := []models.DataPoint{{Key: "power", Name: "电源", Type: "bool"}, {Key: "watts", Name: "Power", Type: "int", Unit: "W"}}
	if err := e.svc.SetDataPoints(e.subs["plug"].ID, dps); err != nil {
		t.Fatal(err)
	}
	var out struct {
		DataPoints []models.DataPoint `json:"datapoints"`
	}
	e.must(e.do(req{service: ProductService, method: "getSubDomainDataPoints", sub: "plug"}, &out))
	if len(out.DataPoints) != 2 || out.DataPoints[1] != dps[1] {
		t.Fatalf("datapoints: %+v", out.DataPoints)
	}
	_, raw := e.raw(req{service: ProductService, method: "getSubDomainDataPoints", sub: "bulb"})
	if string(raw) != `{"datapoints":[]}` {
		t.Fatalf("no datapoints: %s", raw)
	}
	wantCode(t, e.do(req{service: ProductService, method: "getSubDomainDataPoints"}, nil), models.ErrSubDomainAbsent)
	var prods struct {
		Products []models.Product `json:"products"`
	}
	e.must(e.do(req{service: ProductService, method: "getDomainProducts"}, &prods))
	if len(prods.Products) != 6 || prods.Products[0].SubDomainName != "bulb" || prods.Products[0].DomainName != "acme" {
		t.Fatalf("products: %+v", prods.Products)
	}
}

// TestCloseFlushes: online times still pending when the service closes are
// written, not lost.
func TestCloseFlushes(t *testing.T) {
	e := newEnv(t)
	e.activate("plug", "CL00000000000001")
	e.clock.Advance(time.Hour)
	e.hub.Connect(hubKey("plug", "CL00000000000001"), &fakeDevice{}, "10.1.2.3")
	e.svc.Close()
	var last int64
	var ip string
	if err := e.db.QueryRow(`SELECT last_online, ip_addr FROM dev_warehouse WHERE physical_id = 'CL00000000000001'`).Scan(&last, &ip); err != nil {
		t.Fatal(err)
	}
	if last != e.clock.Now().Unix() || ip != "10.1.2.3" {
		t.Fatalf("after Close: last online %d, ip %q", last, ip)
	}
	// Events after Close are ignored, not a crash.
	e.hub.Disconnect(hubKey("plug", "CL00000000000001"))
}
