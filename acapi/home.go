package acapi

import (
	"context"

	"acconsole/models"
)

// Home is the home/room half of zc-bind (PROTOCOL §2.3). Adding a device or
// a user to a home binds it to every member; the home's creator owns every
// device in it; removing a device or user, or deleting the home, unbinds.
// Every call is sent with an empty sub-domain except AddDeviceToHomeByPhysicalID.
type Home struct{ c *Client }

// Home returns the home service of this client's identity.
func (c *Client) Home() Home { return Home{c} }

func (h Home) req(method string, params map[string]any, mutating bool) Request {
	return Request{Service: svcBind, Method: method, NoSubDomain: true, Params: params, Mutating: mutating}
}

// bind reuses the device decoding of Bind: home calls answer the same
// {"device":…} and {"devices":[…]} shapes.
func (h Home) bind() Bind { return Bind(h) }

type homeResult struct {
	Home models.Home `json:"home"`
}

// CreateHome creates a home owned by the acting user.
func (h Home) CreateHome(ctx context.Context, name string) (models.Home, error) {
	var out homeResult
	return out.Home, h.c.call(ctx, h.req("createHome", map[string]any{"name": name}, true), &out)
}

// DeleteHome deletes a home, unbinding its devices from its members.
func (h Home) DeleteHome(ctx context.Context, homeID int64) error {
	return h.c.call(ctx, h.req("deleteHome", map[string]any{"homeId": homeID}, true), nil)
}

// ChangeHomeName renames a home.
func (h Home) ChangeHomeName(ctx context.Context, homeID int64, name string) error {
	return h.c.call(ctx, h.req("changeHomeName", map[string]any{"homeId": homeID, "name": name}, true), nil)
}

// CreateRoom creates a room in a home.
func (h Home) CreateRoom(ctx context.Context, homeID int64, name string) (models.Room, error) {
	var out struct {
		Room models.Room `json:"room"`
	}
	return out.Room, h.c.call(ctx, h.req("createRoom", map[string]any{"homeId": homeID, "name": name}, true), &out)
}

// DeleteRoom deletes a room; its devices stay in the home.
func (h Home) DeleteRoom(ctx context.Context, homeID, roomID int64) error {
	return h.c.call(ctx, h.req("deleteRoom", map[string]any{"homeId": homeID, "roomId": roomID}, true), nil)
}

// ChangeRoomName renames a room.
func (h Home) ChangeRoomName(ctx context.Context, homeID, roomID int64, name string) error {
	return h.c.call(ctx, h.req("changeRoomName", map[string]any{"homeId": homeID, "roomId": roomID, "name": name}, true), nil)
}

// AddDeviceToHome adds a device the acting user has by its logical id.
func (h Home) AddDeviceToHome(ctx context.Context, homeID, deviceID int64, name string) (models.Device, error) {
	return h.bind().deviceCall(ctx, h.req("addDeviceToHome", map[string]any{"deviceId": deviceID, "homeId": homeID, "name": name}, true))
}

// AddDeviceToHomeByPhysicalID adds a device by its product and physical id
// (the form that binds a new device straight into a home). This form is
// sent with the device's sub-domain.
func (h Home) AddDeviceToHomeByPhysicalID(ctx context.Context, sub string, homeID int64, physicalID, name string) (models.Device, error) {
	r := h.req("addDeviceToHome", map[string]any{"physicalDeviceId": physicalID, "homeId": homeID, "name": name}, true)
	r.NoSubDomain, r.SubDomain = false, sub
	return h.bind().deviceCall(ctx, r)
}

// DeleteDeviceFromHome removes a device from a home (unbinding it from the
// home's members).
func (h Home) DeleteDeviceFromHome(ctx context.Context, homeID, deviceID int64) error {
	return h.c.call(ctx, h.req("deleteDeviceFromHome", map[string]any{"deviceId": deviceID, "homeId": homeID}, true), nil)
}

// MoveDeviceToRoom puts a home's device in one of its rooms.
func (h Home) MoveDeviceToRoom(ctx context.Context, homeID, roomID, deviceID int64) error {
	return h.c.call(ctx, h.req("moveDeviceToRoom", map[string]any{"deviceId": deviceID, "homeId": homeID, "roomId": roomID}, true), nil)
}

// RemoveDeviceFromRoom takes a device out of a room; it stays in the home.
func (h Home) RemoveDeviceFromRoom(ctx context.Context, homeID, roomID, deviceID int64) error {
	return h.c.call(ctx, h.req("removeDeviceFromRoom", map[string]any{"deviceId": deviceID, "homeId": homeID, "roomId": roomID}, true), nil)
}

// GetHomeShareCode creates a code that lets its holder join the home, valid
// for timeoutSeconds (0 = the cloud's default). A write, like GetShareCode.
func (h Home) GetHomeShareCode(ctx context.Context, homeID int64, timeoutSeconds int) (string, error) {
	p := map[string]any{"homeId": homeID}
	if timeoutSeconds > 0 {
		p["timeout"] = timeoutSeconds
	}
	r := h.req("getHomeShareCode", p, true)
	resp, err := h.c.Do(ctx, r)
	if err != nil {
		return "", err
	}
	code, err := decodeString(resp.Body, keyShareCode)
	return code, annotate(err, r, resp)
}

// JoinHomeWithShareCode makes the acting user a member of the home.
func (h Home) JoinHomeWithShareCode(ctx context.Context, shareCode string) (models.Home, error) {
	var out homeResult
	return out.Home, h.c.call(ctx, h.req("joinHomeWithShareCode", map[string]any{"shareCode": shareCode}, true), &out)
}

// AddUserToHome makes an account (email or phone) a member of the home.
func (h Home) AddUserToHome(ctx context.Context, homeID int64, account string) error {
	return h.c.call(ctx, h.req("addUserToHome", map[string]any{"homeId": homeID, "account": account}, true), nil)
}

// RemoveUserFromHome removes a member (and unbinds the home's devices from
// them).
func (h Home) RemoveUserFromHome(ctx context.Context, homeID, userID int64) error {
	return h.c.call(ctx, h.req("removeUserFromHome", map[string]any{"homeId": homeID, "userId": userID}, true), nil)
}

// ListHomes lists the homes the acting user belongs to.
func (h Home) ListHomes(ctx context.Context) ([]models.Home, error) {
	var out struct {
		Homes []models.Home `json:"homes"`
	}
	return out.Homes, h.c.call(ctx, h.req("listHomes", nil, false), &out)
}

// ListRooms lists a home's rooms.
func (h Home) ListRooms(ctx context.Context, homeID int64) ([]models.Room, error) {
	var out roomsResult
	return out.Rooms, h.c.call(ctx, h.req("listRooms", map[string]any{"homeId": homeID}, false), &out)
}

// ListHomeDevices lists a home's devices; withStatus asks for online status.
func (h Home) ListHomeDevices(ctx context.Context, homeID int64, withStatus bool) ([]models.Device, error) {
	return h.bind().devicesCall(ctx, h.req("listHomeDevices", map[string]any{"homeId": homeID, "status": withStatus}, false))
}

// ListRoomDevices lists a room's devices; withStatus asks for online status.
func (h Home) ListRoomDevices(ctx context.Context, homeID, roomID int64, withStatus bool) ([]models.Device, error) {
	return h.bind().devicesCall(ctx, h.req("listRoomDevices", map[string]any{"homeId": homeID, "roomId": roomID, "status": withStatus}, false))
}

// ListHomeUsers lists a home's members.
func (h Home) ListHomeUsers(ctx context.Context, homeID int64) ([]models.HomeUser, error) {
	var out struct {
		Users []models.HomeUser `json:"users"`
	}
	return out.Users, h.c.call(ctx, h.req("listHomeUsers", map[string]any{"homeId": homeID}, false), &out)
}
