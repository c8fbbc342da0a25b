package devices

import (
	"testing"
	"time"

	"acconsole/models"
)

func TestGatewaySubDevices(t *testing.T) {
	e := newEnv(t)
	owner, friend, stranger := e.user(1), e.user(2), e.user(3)
	e.activate("gateway", "GW00000000000001")
	e.activate("gateway", "GW00000000000002")
	var out struct {
		Device models.Device `json:"device"`
	}
	e.must(e.bind(owner, "gateway", "bindGateway", map[string]any{"physicalDeviceId": "GW00000000000001", "name": "Hub"}, &out))
	gw := out.Device
	gwKey := hubKey("gateway", "GW00000000000001")
	gwDev := &fakeDevice{}

	// The pairing window: 1–254 s, owner only, gateway online.
	match := func(uid int64, p map[string]any) *apiErr {
		return e.bind(uid, "gateway", "openGatewayMatch", p, nil)
	}
	wantCode(t, match(owner, map[string]any{"gatewayDeviceId": gw.DeviceID}), models.ErrInvalidParam)
	wantCode(t, match(owner, map[string]any{"gatewayDeviceId": gw.DeviceID, "time": 0}), models.ErrInvalidParam)
	wantCode(t, match(owner, map[string]any{"gatewayDeviceId": gw.DeviceID, "time": 255}), models.ErrInvalidParam)
	wantCode(t, match(owner, map[string]any{"gatewayDeviceId": gw.DeviceID, "time": "soon"}), models.ErrInvalidParam)
	wantCode(t, match(owner, map[string]any{"gatewayDeviceId": gw.DeviceID, "time": 60}), models.ErrDeviceOffline)
	e.hub.Connect(gwKey, gwDev, "10.0.0.1")
	wantCode(t, match(stranger, map[string]any{"gatewayDeviceId": gw.DeviceID, "time": 60}), models.ErrDeviceAbsent)
	e.must(match(owner, map[string]any{"gatewayDeviceId": gw.DeviceID, "time": 60}))
	if dl := e.hub.MatchDeadline(gwKey); !dl.Equal(e.clock.Now().Add(60 * time.Second)) {
		t.Fatalf("match deadline %v", dl)
	}

	// A bulb joins; it shows in listNewDevices with a string sub-domain id.
	if !e.hub.Join(gwKey, hubKey("bulb", "B000000000000001")) {
		t.Fatal("join refused")
	}
	e.hub.Join(gwKey, hubKey("doorsensor", "D000000000000001"))
	var nd struct {
		Devices []map[string]any `json:"devices"`
	}
	e.must(e.bind(owner, "gateway", "listNewDevices", map[string]any{"gatewayDeviceId": gw.DeviceID}, &nd))
	if len(nd.Devices) != 2 || nd.Devices[0]["physicalDeviceId"] != "B000000000000001" {
		t.Fatalf("listNewDevices: %+v", nd.Devices)
	}
	if id, ok := nd.Devices[0]["subDomainId"].(string); !ok || id == "" {
		t.Fatalf("subDomainId must be a string: %#v", nd.Devices[0]["subDomainId"])
	}
	wantCode(t, e.bind(stranger, "gateway", "listNewDevices", map[string]any{"gatewayDeviceId": gw.DeviceID}, nil), models.ErrDeviceAbsent)

	// Share the gateway before adding: the friend must get later
	// sub-devices too.
	code := e.shareCode(owner, "gateway", gw.DeviceID, 0)
	e.must(e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))

	// Not joined: 3802; the joined bulb is added with the gateway's owner.
	wantCode(t, e.bind(owner, "bulb", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "B000000000000999"}, nil), models.ErrDeviceAbsent)
	wantCode(t, e.bind(friend, "bulb", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "B000000000000001"}, nil), models.ErrOwnerMismatch)
	e.must(e.bind(owner, "bulb", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "B000000000000001", "name": "床头灯"}, &out))
	bulb := out.Device
	if bulb.GatewayDeviceID != gw.DeviceID || bulb.Owner != owner || bulb.SubDomainName != "bulb" || bulb.Name != "床头灯" {
		t.Fatalf("added sub-device: %+v", bulb)
	}
	// The sub-device activated itself in the warehouse.
	var info models.DeviceInfo
	e.must(e.do(req{service: WarehouseService, method: "getDeviceInfo", sub: "bulb", params: map[string]any{"physicalDeviceId": "B000000000000001"}}, &info))
	if info.Status != 2 {
		t.Fatalf("sub-device warehouse info: %+v", info)
	}
	if j := e.hub.NewDevices(gwKey); len(j) != 1 || j[0].Device.PhysicalID != "D000000000000001" {
		t.Fatalf("hub new devices after add: %+v", j)
	}
	// The product header may be missing: the id alone finds the joined
	// door sensor.
	e.must(e.bind(owner, "", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "D000000000000001"}, &out))
	door := out.Device
	if door.SubDomainName != "doorsensor" {
		t.Fatalf("door sensor: %+v", door)
	}
	// Retried add: same device.
	e.must(e.bind(owner, "bulb", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "B000000000000001"}, nil))

	var subs struct {
		Devices []models.Device `json:"devices"`
	}
	e.must(e.bind(friend, "gateway", "listSubDevices", map[string]any{"gatewayDeviceId": gw.DeviceID}, &subs))
	if len(subs.Devices) != 2 {
		t.Fatalf("friend's sub-devices: %+v", subs.Devices)
	}
	var gws struct {
		Devices []models.Device `json:"devices"`
	}
	e.must(e.bind(friend, "gateway", "listGateways", nil, &gws))
	if len(gws.Devices) != 1 || gws.Devices[0].DeviceID != gw.DeviceID {
		t.Fatalf("listGateways: %+v", gws.Devices)
	}

	// A device that joined another gateway: 3820.
	e.bindDev(stranger, "gateway", "GW00000000000002")
	gw2Key := hubKey("gateway", "GW00000000000002")
	e.hub.Connect(gw2Key, &fakeDevice{}, "10.0.0.9")
	if _, err := e.hub.OpenMatch(gw2Key, time.Minute); err != nil {
		t.Fatal(err)
	}
	e.hub.Join(gw2Key, hubKey("switch", "S000000000000001"))
	wantCode(t, e.bind(owner, "switch", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "S000000000000001"}, nil), models.ErrGatewayMismatch)
	// A sub-device cannot be bound on its own: it has an owner.
	wantCode(t, e.bind(stranger, "bulb", "bindDevice", map[string]any{"physicalDeviceId": "B000000000000001"}, nil), models.ErrDeviceAlreadyBound)
	// Sub-devices follow the gateway's owner.
	wantCode(t, e.bind(owner, "bulb", "changeOwner", map[string]any{"deviceId": bulb.DeviceID, "userId": friend}, nil), models.ErrMessageForSlave)

	// The friend leaving the gateway leaves its sub-devices.
	e.must(e.bind(friend, "gateway", "unbindGateway", map[string]any{"deviceId": gw.DeviceID}, nil))
	if ds := e.listDevices(friend, false); len(ds) != 0 {
		t.Fatalf("friend still has %v", ids(ds))
	}
	// Bind the friend back, then delete one sub-device and evict the other.
	code = e.shareCode(owner, "gateway", gw.DeviceID, 0)
	e.must(e.bind(friend, "", "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))
	if ds := e.listDevices(friend, false); len(ds) != 3 {
		t.Fatalf("friend after re-share has %v", ids(ds))
	}
	wantCode(t, e.bind(owner, "gateway", "deleteSubDevice", map[string]any{"deviceId": gw.DeviceID}, nil), models.ErrDeviceIsMaster)
	wantCode(t, e.bind(friend, "bulb", "deleteSubDevice", map[string]any{"deviceId": bulb.DeviceID}, nil), models.ErrOwnerMismatch)
	e.must(e.bind(owner, "bulb", "deleteSubDevice", map[string]any{"deviceId": bulb.DeviceID}, nil))
	e.must(e.bind(owner, "gateway", "evictSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "D000000000000001"}, nil))
	wantCode(t, e.bind(owner, "gateway", "evictSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "D000000000000001"}, nil), models.ErrDeviceAbsent)
	if ds := e.listDevices(friend, false); len(ds) != 1 || ds[0].DeviceID != gw.DeviceID {
		t.Fatalf("friend after delete/evict has %v", ids(ds))
	}

	// The owner's unbind takes the gateway and its sub-devices.
	e.must(match(owner, map[string]any{"gatewayDeviceId": gw.DeviceID, "time": 30}))
	e.hub.Join(gwKey, hubKey("bulb", "B000000000000002"))
	e.must(e.bind(owner, "bulb", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "B000000000000002"}, &out))
	e.must(e.bind(owner, "gateway", "closeGatewayMatch", map[string]any{"gatewayDeviceId": gw.DeviceID}, nil))
	if !e.hub.MatchDeadline(gwKey).IsZero() {
		t.Fatal("match still open")
	}
	e.takeUnbinds()
	e.must(e.bind(owner, "gateway", "unbindGateway", map[string]any{"deviceId": gw.DeviceID}, nil))
	if len(e.listDevices(owner, false)) != 0 || len(e.listDevices(friend, false)) != 0 {
		t.Fatal("gateway owner unbind left devices")
	}
	if u := e.takeUnbinds(); len(u) != 4 { // 2 users × (gateway + bulb)
		t.Fatalf("hooks: %+v", u)
	}
	wantCode(t, e.bind(0, "bulb", "getUserDevice", map[string]any{"deviceId": out.Device.DeviceID}, nil), models.ErrDeviceAbsent)

	// A closed window refuses joins; an offline gateway cannot close.
	if e.hub.Join(gwKey, hubKey("bulb", "B000000000000003")) {
		t.Fatal("join accepted with the window closed")
	}
}

func TestJoinedSubDeviceActivatesOnFlush(t *testing.T) {
	e := newEnv(t)
	e.activate("gateway", "GW00000000000001")
	gwKey := hubKey("gateway", "GW00000000000001")
	e.hub.Connect(gwKey, &fakeDevice{}, "10.0.0.1")
	if _, err := e.hub.OpenMatch(gwKey, time.Minute); err != nil {
		t.Fatal(err)
	}
	e.hub.Join(gwKey, hubKey("switch", "S000000000000001"))
	// A product this domain does not have is ignored.
	e.hub.Join(gwKey, hubKey("toaster", "T000000000000001"))
	e.svc.Flush()
	var info models.DeviceInfo
	e.must(e.do(req{service: WarehouseService, method: "getDeviceInfo", sub: "switch", params: map[string]any{"physicalDeviceId": "S000000000000001"}}, &info))
	if info.Status != 2 || info.Type != "zigbee" || info.ActiveTime != "2026-03-01 08:00:00" {
		t.Fatalf("joined device info: %+v", info)
	}
}
