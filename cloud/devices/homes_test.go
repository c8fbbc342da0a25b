package devices

import (
	"strings"
	"testing"
	"time"

	"acconsole/models"
)

func TestHomesMembersOwnDevices(t *testing.T) {
	e := newEnv(t)
	owner, member, stranger, joiner := e.user(1), e.user(2), e.user(3), e.user(4)
	for _, pid := range []string{"H000000000000001", "H000000000000002", "H000000000000003"} {
		e.activate("plug", pid)
	}
	e.activate("gateway", "HG00000000000001")
	plug := e.bindDev(owner, "plug", "H000000000000001")
	memberPlug := e.bindDev(member, "plug", "H000000000000002")

	var home struct {
		Home models.Home `json:"home"`
	}
	e.must(e.bind(owner, "", "createHome", map[string]any{"name": "我的家"}, &home))
	h := home.Home
	if h.Owner != owner || h.Name != "我的家" || h.HomeID == 0 {
		t.Fatalf("home: %+v", h)
	}
	wantCode(t, e.bind(owner, "", "createHome", map[string]any{"name": "我的家"}, nil), models.ErrGroupExists)
	var room struct {
		Room models.Room `json:"room"`
	}
	e.must(e.bind(owner, "", "createRoom", map[string]any{"homeId": h.HomeID, "name": "客厅 Living room"}, &room))
	r := room.Room
	if r.HomeID != h.HomeID || r.Owner != owner || r.RoomID == 0 {
		t.Fatalf("room: %+v", r)
	}
	wantCode(t, e.bind(owner, "", "createRoom", map[string]any{"homeId": h.HomeID, "name": "客厅 Living room"}, nil), models.ErrGroupExists)
	wantCode(t, e.bind(stranger, "", "createRoom", map[string]any{"homeId": h.HomeID, "name": "Attic"}, nil), models.ErrGroupAbsent)
	wantCode(t, e.bind(stranger, "", "listRooms", map[string]any{"homeId": h.HomeID}, nil), models.ErrGroupAbsent)

	// The owner's plug goes in; its rootId is the home.
	var dev struct {
		Device models.Device `json:"device"`
	}
	e.must(e.bind(owner, "", "addDeviceToHome", map[string]any{"homeId": h.HomeID, "deviceId": plug.DeviceID, "name": "客厅插座"}, &dev))
	if dev.Device.RootID != h.HomeID || dev.Device.Name != "客厅插座" {
		t.Fatalf("added device: %+v", dev.Device)
	}
	// A member joins by account and is bound to the home's devices.
	wantCode(t, e.bind(member, "", "addUserToHome", map[string]any{"homeId": h.HomeID, "account": "u2@example.com"}, nil), models.ErrGroupAbsent)
	e.must(e.bind(owner, "", "addUserToHome", map[string]any{"homeId": h.HomeID, "account": "u2@example.com"}, nil))
	wantCode(t, e.bind(owner, "", "addUserToHome", map[string]any{"homeId": h.HomeID, "account": "u2@example.com"}, nil), models.ErrMemberExists)
	if !hasID(e.listDevices(member, false), plug.DeviceID) {
		t.Fatal("member not bound to the home's device")
	}
	// A member who unbinds one home device alone is bound again when it is
	// added again: a successful add leaves no member without it.
	e.must(e.bind(member, "plug", "unbindDevice", map[string]any{"deviceId": plug.DeviceID}, nil))
	if hasID(e.listDevices(member, false), plug.DeviceID) {
		t.Fatal("member still bound after unbinding")
	}
	e.must(e.bind(owner, "", "addDeviceToHome", map[string]any{"homeId": h.HomeID, "deviceId": plug.DeviceID}, nil))
	if !hasID(e.listDevices(member, false), plug.DeviceID) {
		t.Fatal("adding the device again left a member out")
	}
	// The member brings their own plug: the home's owner now owns it.
	e.must(e.bind(member, "", "addDeviceToHome", map[string]any{"homeId": h.HomeID, "deviceId": memberPlug.DeviceID}, &dev))
	if dev.Device.Owner != owner || dev.Device.RootID != h.HomeID {
		t.Fatalf("member's device in the home: %+v", dev.Device)
	}
	if !hasID(e.listDevices(owner, false), memberPlug.DeviceID) {
		t.Fatal("home owner not bound to the member's device")
	}
	wantCode(t, e.bind(owner, "plug", "changeOwner", map[string]any{"deviceId": plug.DeviceID, "userId": member}, nil), models.ErrGroupState)
	// A device bound straight into the home by physical id.
	wantCode(t, e.bind(member, "plug", "addDeviceToHome", map[string]any{"homeId": h.HomeID, "physicalDeviceId": "H000000000000099"}, nil), models.ErrDeviceNotActivated)
	e.must(e.bind(member, "plug", "addDeviceToHome", map[string]any{"homeId": h.HomeID, "physicalDeviceId": "H000000000000003", "name": "Kettle"}, &dev))
	kettle := dev.Device
	if kettle.Owner != owner || kettle.RootID != h.HomeID || kettle.Name != "Kettle" {
		t.Fatalf("bound into the home: %+v", kettle)
	}
	// A gateway brings its sub-devices into the home.
	gw := e.bindDev(owner, "gateway", "HG00000000000001")
	gwKey := hubKey("gateway", "HG00000000000001")
	e.hub.Connect(gwKey, &fakeDevice{}, "10.0.0.1")
	e.must(e.bind(owner, "gateway", "openGatewayMatch", map[string]any{"gatewayDeviceId": gw.DeviceID, "time": 100}, nil))
	e.hub.Join(gwKey, hubKey("bulb", "HB00000000000001"))
	e.must(e.bind(owner, "bulb", "addSubDevice", map[string]any{"gatewayDeviceId": gw.DeviceID, "physicalDeviceId": "HB00000000000001"}, &dev))
	bulb := dev.Device
	e.must(e.bind(owner, "", "addDeviceToHome", map[string]any{"homeId": h.HomeID, "deviceId": gw.DeviceID}, nil))
	if ds := e.listDevices(member, false); !hasID(ds, bulb.DeviceID) || !hasID(ds, gw.DeviceID) {
		t.Fatalf("member's devices %v lack the gateway or its bulb", ids(ds))
	}
	wantCode(t, e.bind(owner, "", "addDeviceToHome", map[string]any{"homeId": h.HomeID, "deviceId": 999999}, nil), models.ErrDeviceAbsent)

	// Rooms group.
	e.must(e.bind(member, "", "moveDeviceToRoom", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID, "deviceId": bulb.DeviceID}, nil))
	e.hub.Connect(hubKey("bulb", "HB00000000000001"), &fakeDevice{}, "10.0.0.7")
	var list struct {
		Devices []models.Device `json:"devices"`
	}
	e.must(e.bind(member, "", "listRoomDevices", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID, "status": true}, &list))
	if len(list.Devices) != 1 || list.Devices[0].DeviceID != bulb.DeviceID || *list.Devices[0].Status != 1 || list.Devices[0].RootID != h.HomeID {
		t.Fatalf("room devices: %+v", list.Devices)
	}
	e.must(e.bind(member, "", "listHomeDevices", map[string]any{"homeId": h.HomeID}, &list))
	if len(list.Devices) != 5 {
		t.Fatalf("home devices: %v", ids(list.Devices))
	}
	wantCode(t, e.bind(member, "", "removeDeviceFromRoom", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID, "deviceId": plug.DeviceID}, nil), models.ErrMemberAbsent)
	e.must(e.bind(member, "", "removeDeviceFromRoom", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID, "deviceId": bulb.DeviceID}, nil))
	e.must(e.bind(member, "", "listRoomDevices", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID}, &list))
	if len(list.Devices) != 0 {
		t.Fatalf("room after remove: %v", ids(list.Devices))
	}
	e.must(e.bind(owner, "", "changeRoomName", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID, "name": "Kitchen"}, nil))
	e.must(e.bind(owner, "", "changeHomeName", map[string]any{"homeId": h.HomeID, "name": "Home sweet home"}, nil))
	wantCode(t, e.bind(member, "", "changeHomeName", map[string]any{"homeId": h.HomeID, "name": "Mine"}, nil), models.ErrOwnerMismatch)

	// Join with a home share code.
	var hc map[string]string
	wantCode(t, e.bind(member, "", "getHomeShareCode", map[string]any{"homeId": h.HomeID}, nil), models.ErrOwnerMismatch)
	e.must(e.bind(owner, "", "getHomeShareCode", map[string]any{"homeId": h.HomeID, "timeout": 600}, &hc))
	e.must(e.bind(joiner, "", "joinHomeWithShareCode", map[string]any{"shareCode": hc["shareCode"]}, &home))
	if home.Home.HomeID != h.HomeID || home.Home.Name != "Home sweet home" {
		t.Fatalf("joined home: %+v", home.Home)
	}
	if len(e.listDevices(joiner, false)) != 5 {
		t.Fatalf("joiner has %v", ids(e.listDevices(joiner, false)))
	}
	var users struct {
		Users []models.HomeUser `json:"users"`
	}
	e.must(e.bind(joiner, "", "listHomeUsers", map[string]any{"homeId": h.HomeID}, &users))
	if len(users.Users) != 3 || users.Users[0].UserID != owner || users.Users[0].UserType != 1 || users.Users[1].NickName != "User 2" {
		t.Fatalf("home users: %+v", users.Users)
	}
	var homes struct {
		Homes []models.Home `json:"homes"`
	}
	e.must(e.bind(joiner, "", "listHomes", nil, &homes))
	if len(homes.Homes) != 1 || homes.Homes[0].HomeID != h.HomeID {
		t.Fatalf("listHomes: %+v", homes.Homes)
	}
	e.clock.Advance(601 * time.Second)
	wantCode(t, e.bind(stranger, "", "joinHomeWithShareCode", map[string]any{"shareCode": hc["shareCode"]}, nil), models.ErrShareCodeExpired)

	// Leaving (or being removed) unbinds; the owner cannot leave.
	e.takeUnbinds()
	e.must(e.bind(joiner, "", "removeUserFromHome", map[string]any{"homeId": h.HomeID, "userId": joiner}, nil))
	if len(e.listDevices(joiner, false)) != 0 {
		t.Fatal("a member who left keeps devices")
	}
	if u := e.takeUnbinds(); len(u) != 5 || u[0].owner {
		t.Fatalf("hooks after leaving: %+v", u)
	}
	wantCode(t, e.bind(member, "", "removeUserFromHome", map[string]any{"homeId": h.HomeID, "userId": owner}, nil), models.ErrOwnerMismatch)
	wantCode(t, e.bind(owner, "", "removeUserFromHome", map[string]any{"homeId": h.HomeID, "userId": owner}, nil), models.ErrGroupState)
	wantCode(t, e.bind(owner, "", "removeUserFromHome", map[string]any{"homeId": h.HomeID, "userId": stranger}, nil), models.ErrMemberAbsent)

	// Removing a device from the home unbinds it from everyone.
	e.must(e.bind(owner, "", "deleteDeviceFromHome", map[string]any{"homeId": h.HomeID, "deviceId": kettle.DeviceID}, nil))
	if hasID(e.listDevices(owner, false), kettle.DeviceID) || hasID(e.listDevices(member, false), kettle.DeviceID) {
		t.Fatal("deleteDeviceFromHome left bindings")
	}
	wantCode(t, e.bind(owner, "", "deleteDeviceFromHome", map[string]any{"homeId": h.HomeID, "deviceId": kettle.DeviceID}, nil), models.ErrMemberAbsent)

	// Deleting a room keeps its devices in the home; deleting the home
	// unbinds everything in it.
	e.must(e.bind(owner, "", "moveDeviceToRoom", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID, "deviceId": plug.DeviceID}, nil))
	e.must(e.bind(owner, "", "deleteRoom", map[string]any{"homeId": h.HomeID, "roomId": r.RoomID}, nil))
	e.must(e.bind(owner, "", "listHomeDevices", map[string]any{"homeId": h.HomeID}, &list))
	if len(list.Devices) != 4 {
		t.Fatalf("home devices after deleteRoom: %v", ids(list.Devices))
	}
	wantCode(t, e.bind(member, "", "deleteHome", map[string]any{"homeId": h.HomeID}, nil), models.ErrOwnerMismatch)
	e.must(e.bind(owner, "", "deleteHome", map[string]any{"homeId": h.HomeID}, nil))
	if len(e.listDevices(owner, false)) != 0 || len(e.listDevices(member, false)) != 0 {
		t.Fatal("deleteHome left bindings")
	}
	e.must(e.bind(member, "", "listHomes", nil, &homes))
	if len(homes.Homes) != 0 {
		t.Fatalf("homes after delete: %+v", homes.Homes)
	}
	wantCode(t, e.bind(owner, "", "listRooms", map[string]any{"homeId": h.HomeID}, nil), models.ErrGroupAbsent)
}

// TestStrangerAddingAnotherUsersDeviceLearnsNothing: a stranger who names
// someone's device (in that user's home, or not, or a sub-device) for their
// own home hears "not bound", as for a device that does not exist, never
// where the device is.
func TestStrangerAddingAnotherUsersDeviceLearnsNothing(t *testing.T) {
	e := newEnv(t)
	owner, stranger := e.user(1), e.user(2)
	e.activate("plug", "L000000000000001")
	e.activate("plug", "L000000000000002")
	inHome := e.bindDev(owner, "plug", "L000000000000001")
	loose := e.bindDev(owner, "plug", "L000000000000002")
	var home struct {
		Home models.Home `json:"home"`
	}
	e.must(e.bind(owner, "", "createHome", map[string]any{"name": "A"}, &home))
	e.must(e.bind(owner, "", "addDeviceToHome", map[string]any{"deviceId": inHome.DeviceID, "homeId": home.Home.HomeID}, nil))
	var mine struct {
		Home models.Home `json:"home"`
	}
	e.must(e.bind(stranger, "", "createHome", map[string]any{"name": "B"}, &mine))
	for _, id := range []int64{inHome.DeviceID, loose.DeviceID, 987654321} {
		a := e.bind(stranger, "", "addDeviceToHome", map[string]any{"deviceId": id, "homeId": mine.Home.HomeID}, nil)
		if a == nil || a.Code != models.ErrDeviceAbsent || strings.Contains(a.Msg, "home") && strings.Contains(a.Msg, "already") {
			t.Errorf("stranger adds device %d to their home: %v, want 3802 and nothing about where it is", id, a)
		}
	}
	// By physical id too.
	a := e.bind(stranger, "plug", "addDeviceToHome", map[string]any{"physicalDeviceId": "L000000000000001", "homeId": mine.Home.HomeID}, nil)
	if a == nil || a.Code != models.ErrDeviceAbsent {
		t.Errorf("stranger adds by physical id: %v, want 3802", a)
	}
}

// TestStrangerLookupsOfAnotherUsersDevice: isDeviceOnline and getDeviceId
// answer a stranger about someone's device as about a device that does not
// exist (3802); the owner and developer scope get answers, and a device
// nobody has bound stays visible to the activation poll.
func TestStrangerLookupsOfAnotherUsersDevice(t *testing.T) {
	e := newEnv(t)
	owner, stranger := e.user(1), e.user(2)
	e.activate("plug", "M000000000000001")
	e.activate("plug", "M000000000000002") // nobody binds this one
	d := e.bindDev(owner, "plug", "M000000000000001")
	for _, c := range []struct {
		method string
		params map[string]any
	}{
		{"isDeviceOnline", map[string]any{"deviceId": d.DeviceID}},
		{"isDeviceOnline", map[string]any{"physicalDeviceId": "M000000000000001"}},
		{"getDeviceId", map[string]any{"physicalDeviceId": "M000000000000001"}},
	} {
		if a := e.bind(stranger, "plug", c.method, c.params, nil); a == nil || a.Code != models.ErrDeviceAbsent {
			t.Errorf("stranger %s %v: %v, want 3802", c.method, c.params, a)
		}
		e.must(e.bind(owner, "plug", c.method, c.params, nil))
		e.must(e.bind(0, "plug", c.method, c.params, nil))
	}
	e.must(e.bind(stranger, "plug", "isDeviceOnline", map[string]any{"physicalDeviceId": "M000000000000002"}, nil))
	// isDeviceBound stays a question anyone signed may ask (the row's rule).
	var bound map[string]bool
	e.must(e.bind(stranger, "plug", "isDeviceBound", map[string]any{"physicalDeviceId": "M000000000000001"}, &bound))
	if !bound["isBound"] {
		t.Errorf("isDeviceBound = %v", bound)
	}
}

// TestMemberCannotRenameThroughAddDeviceToHome: adding a device that is
// already in the home is harmless for a member, but renaming it is the
// owner's (modifyDevice's rule), not a side door for members.
func TestMemberCannotRenameThroughAddDeviceToHome(t *testing.T) {
	e := newEnv(t)
	owner, member := e.user(1), e.user(2)
	e.activate("plug", "R000000000000001")
	d := e.bindDev(owner, "plug", "R000000000000001")
	var home struct {
		Home models.Home `json:"home"`
	}
	e.must(e.bind(owner, "", "createHome", map[string]any{"name": "H"}, &home))
	e.must(e.bind(owner, "", "addDeviceToHome", map[string]any{"deviceId": d.DeviceID, "homeId": home.Home.HomeID, "name": "Lamp"}, nil))
	e.must(e.bind(owner, "", "addUserToHome", map[string]any{"homeId": home.Home.HomeID, "account": "u2@example.com"}, nil))
	e.must(e.bind(member, "", "addDeviceToHome", map[string]any{"deviceId": d.DeviceID, "homeId": home.Home.HomeID}, nil))
	wantCode(t, e.bind(member, "", "addDeviceToHome", map[string]any{"deviceId": d.DeviceID, "homeId": home.Home.HomeID, "name": "Mine now"}, nil), models.ErrOwnerMismatch)
	var got deviceAnswerT
	e.must(e.bind(owner, "plug", "getUserDevice", map[string]any{"deviceId": d.DeviceID}, &got))
	if got.Device.Name != "Lamp" {
		t.Fatalf("device name %q after a member's add with a new name, want Lamp", got.Device.Name)
	}
	e.must(e.bind(owner, "", "addDeviceToHome", map[string]any{"deviceId": d.DeviceID, "homeId": home.Home.HomeID, "name": "Desk lamp"}, nil))
}

type deviceAnswerT struct {
	Device models.Device `json:"device"`
}
