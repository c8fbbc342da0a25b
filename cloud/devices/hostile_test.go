package devices

import (
	"strings"
	"testing"

	"acconsole/models"
)

// TestHostileParams pins the code of the typical mistakes per method:
// missing keys, wrong types, out-of-range values.
func TestHostileParams(t *testing.T) {
	e := newEnv(t)
	owner := e.user(1)
	e.activate("plug", "X000000000000001")
	d := e.bindDev(owner, "plug", "X000000000000001")
	var home struct {
		Home models.Home `json:"home"`
	}
	e.must(e.bind(owner, "", "createHome", map[string]any{"name": "H"}, &home))

	const (
		bad  = models.ErrInvalidParam
		sub  = models.ErrSubDomainAbsent
		hdr  = models.ErrBadHeader
		none = 0
	)
	long := strings.Repeat("x", 65)
	cases := []struct {
		service, method, sub string
		uid                  int64
		params               map[string]any
		want                 int
	}{
		{BindService, "bindDevice", "plug", owner, map[string]any{}, bad},
		{BindService, "bindDevice", "plug", owner, map[string]any{"physicalDeviceId": map[string]any{}}, bad},
		{BindService, "bindDevice", "plug", owner, map[string]any{"physicalDeviceId": "A B"}, bad},
		{BindService, "bindDevice", "plug", owner, map[string]any{"physicalDeviceId": long}, bad},
		{BindService, "bindDevice", "plug", owner, map[string]any{"physicalDeviceId": "X1", "name": "a\x1b[2Jb"}, bad},
		{BindService, "bindDevice", "plug", owner, map[string]any{"physicalDeviceId": "X1", "name": strings.Repeat("名", 65)}, bad},
		{BindService, "bindDevice", "", owner, map[string]any{"physicalDeviceId": "X000000000000001"}, sub},
		{BindService, "bindDevice", "plug", 0, map[string]any{"physicalDeviceId": "X000000000000001"}, hdr},
		{BindService, "bindDevice", "plug", 987654, map[string]any{"physicalDeviceId": "X000000000000001"}, models.ErrAccountAbsent},
		{BindService, "unbindDevice", "plug", owner, map[string]any{}, bad},
		{BindService, "unbindDevice", "plug", owner, map[string]any{"deviceId": "abc"}, bad},
		{BindService, "unbindDevice", "plug", owner, map[string]any{"deviceId": 1.5}, bad},
		{BindService, "unbindDevice", "plug", owner, map[string]any{"deviceId": -3}, bad},
		{BindService, "unbindDevice", "plug", owner, map[string]any{"deviceId": true}, bad},
		{BindService, "unbindDevice", "plug", owner, map[string]any{"deviceId": []int{1}}, bad},
		{BindService, "getShareCode", "plug", owner, map[string]any{"deviceId": d.DeviceID, "timeout": "soon"}, bad},
		{BindService, "bindDeviceWithShareCode", "", owner, map[string]any{"shareCode": 42}, models.ErrShareCodeInvalid},
		{BindService, "bindDeviceWithShareCode", "", owner, map[string]any{"shareCode": []string{}}, bad},
		{BindService, "bindDeviceWithUser", "plug", owner, map[string]any{"deviceId": d.DeviceID}, bad},
		{BindService, "bindDeviceWithUser", "plug", owner, map[string]any{"deviceId": d.DeviceID, "account": "not an account"}, models.ErrInvalidPhone},
		{BindService, "changeOwner", "plug", owner, map[string]any{"deviceId": d.DeviceID}, bad},
		{BindService, "changeDevice", "plug", owner, map[string]any{"deviceId": d.DeviceID}, bad},
		{BindService, "modifyDevice", "plug", owner, map[string]any{"deviceId": d.DeviceID}, bad},
		{BindService, "modifyDevice", "plug", owner, map[string]any{"deviceId": d.DeviceID, "name": "  "}, bad},
		{BindService, "listDevices", "", owner, map[string]any{"status": "maybe"}, bad},
		{BindService, "listDevices", "", owner, map[string]any{"status": "true"}, none},
		{BindService, "listSubDevices", "gateway", owner, map[string]any{"gatewayDeviceId": "x"}, bad},
		{BindService, "listNewDevices", "gateway", owner, map[string]any{}, bad},
		{BindService, "listUsers", "plug", owner, map[string]any{"deviceId": nil}, bad},
		{BindService, "isDeviceOnline", "plug", owner, map[string]any{}, bad},
		{BindService, "isDeviceOnline", "plug", owner, map[string]any{"deviceId": 0}, bad},
		{BindService, "isDeviceOnline", "", owner, map[string]any{"physicalDeviceId": "X000000000000001"}, sub},
		{BindService, "isDeviceBound", "plug", owner, map[string]any{"physicalDeviceId": 12}, none},
		{BindService, "getDeviceId", "plug", owner, map[string]any{}, bad},
		{BindService, "getUserDevice", "plug", owner, map[string]any{"deviceId": "1e3"}, bad},
		{BindService, "openGatewayMatch", "gateway", owner, map[string]any{"gatewayDeviceId": d.DeviceID, "time": 1.5}, bad},
		{BindService, "addSubDevice", "bulb", owner, map[string]any{"gatewayDeviceId": d.DeviceID}, bad},
		{BindService, "evictSubDevice", "bulb", owner, map[string]any{"gatewayDeviceId": d.DeviceID}, bad},
		{BindService, "setDeviceProfile", "plug", owner, map[string]any{"deviceId": d.DeviceID, "deviceProfile": "nope"}, bad},
		{BindService, "setDeviceProfile", "plug", owner, map[string]any{"deviceId": d.DeviceID, "deviceProfile": map[string]any{"": 1}}, bad},
		{BindService, "setDeviceProfile", "plug", owner, map[string]any{"deviceId": d.DeviceID, "deviceProfile": map[string]any{"big": strings.Repeat("x", 70000)}}, bad},
		{BindService, "createHome", "", owner, map[string]any{}, bad},
		{BindService, "createHome", "", owner, map[string]any{"name": 5}, none},
		{BindService, "createRoom", "", owner, map[string]any{"homeId": home.Home.HomeID}, bad},
		{BindService, "createRoom", "", owner, map[string]any{"homeId": "h", "name": "r"}, bad},
		{BindService, "deleteRoom", "", owner, map[string]any{"homeId": home.Home.HomeID}, bad},
		{BindService, "deleteRoom", "", owner, map[string]any{"homeId": home.Home.HomeID, "roomId": 424242}, models.ErrGroupAbsent},
		{BindService, "addDeviceToHome", "", owner, map[string]any{"homeId": home.Home.HomeID}, bad},
		{BindService, "addDeviceToHome", "", owner, map[string]any{"homeId": home.Home.HomeID, "physicalDeviceId": "X000000000000001"}, sub},
		{BindService, "moveDeviceToRoom", "", owner, map[string]any{"homeId": home.Home.HomeID, "deviceId": d.DeviceID}, bad},
		{BindService, "addUserToHome", "", owner, map[string]any{"homeId": home.Home.HomeID, "account": "nobody@example.com"}, models.ErrAccountAbsent},
		{BindService, "removeUserFromHome", "", owner, map[string]any{"homeId": home.Home.HomeID}, bad},
		{BindService, "joinHomeWithShareCode", "", owner, map[string]any{}, bad},
		{BindService, "listRoomDevices", "", owner, map[string]any{"homeId": home.Home.HomeID}, bad},
		{BindService, "listHomeDevices", "", owner, map[string]any{"homeId": 999999}, models.ErrGroupAbsent},
		{BindService, "getHomeShareCode", "", owner, map[string]any{"homeId": home.Home.HomeID, "timeout": 99999999}, bad},
		{WarehouseService, "activateDevice", "plug", 0, map[string]any{}, bad},
		{WarehouseService, "activateDevice", "", 0, map[string]any{"physicalDeviceId": "Y1"}, sub},
		{WarehouseService, "activateDevice", "plug", 0, map[string]any{"physicalDeviceId": "Y1", "latitude": 100}, bad},
		{WarehouseService, "activateDevice", "plug", 0, map[string]any{"physicalDeviceId": "Y1", "longitude": "east"}, bad},
		{WarehouseService, "activateDevice", "plug", 0, map[string]any{"physicalDeviceId": "Y1", "devVersion": strings.Repeat("1", 33)}, bad},
		{WarehouseService, "activateDevice", "plug", 0, map[string]any{"physicalDeviceId": "Y1", "devVersion": []int{1}}, bad},
		{WarehouseService, "getDeviceInfo", "plug", 0, map[string]any{}, bad},
		{WarehouseService, "getDevicesInfo", "", 0, map[string]any{}, bad},
		{WarehouseService, "getDevicesInfo", "", 0, map[string]any{"physicalDeviceIds": "X000000000000001"}, bad},
		{WarehouseService, "getDevicesInfo", "", 0, map[string]any{"physicalDeviceIds": []any{1}}, bad},
		{WarehouseService, "getDevicesInfo", "", 0, map[string]any{"physicalDeviceIds": make([]string, 1001)}, bad},
		{WarehouseService, "listDevices", "", 0, map[string]any{"limit": 0}, bad},
		{WarehouseService, "listDevices", "", 0, map[string]any{"limit": 1001}, bad},
		{WarehouseService, "listDevices", "", 0, map[string]any{"offset": -1}, bad},
		{WarehouseService, "listDevices", "", 0, map[string]any{"offset": "x"}, bad},
		{WarehouseService, "listDevices", "", 0, map[string]any{"offset": "5", "limit": "10"}, none},
		{WarehouseService, "listDevicesExt", "", 0, map[string]any{"limit": -5}, bad},
		{WarehouseService, "getDeviceCount", "nosuch", 0, nil, sub},
	}
	for _, tc := range cases {
		a := e.do(req{service: tc.service, method: tc.method, sub: tc.sub, uid: tc.uid, params: tc.params}, nil)
		switch {
		case tc.want == none && a != nil:
			t.Errorf("%s/%s %v: unexpected error %v", tc.service, tc.method, tc.params, a)
		case tc.want != none && (a == nil || a.Code != tc.want):
			t.Errorf("%s/%s %v: got %v, want %d", tc.service, tc.method, tc.params, a, tc.want)
		}
	}
}

// The sweep of every method with hostile values is TestHostileSweep in
// cloud/ (hostile_sweep_test.go): it reads the whole dispatch table.
