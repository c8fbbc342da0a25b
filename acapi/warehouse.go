package acapi

import (
	"context"

	"acconsole/models"
)

// Warehouse is zc-warehouse (PROTOCOL §2.6): the inventory of devices that
// exist, whether bound or not. Every method is developer-scope, activation
// included (a user-signed activateDevice gets 3005).
type Warehouse struct{ c *Client }

// Warehouse returns the warehouse service.
func (c *Client) Warehouse() Warehouse { return Warehouse{c} }

func (w Warehouse) req(method, sub string, params map[string]any, mutating bool) Request {
	return Request{Service: svcWarehouse, Method: method, SubDomain: sub, Params: params, Mutating: mutating}
}

// devReq is a developer-signed request; an empty sub means every product
// (so it is sent empty, not replaced by the client's default product).
func (w Warehouse) devReq(method, sub string, params map[string]any) Request {
	r := w.req(method, sub, params, false)
	r.Auth, r.NoSubDomain = AuthDeveloper, sub == ""
	return r
}

// Activation is what a device reports when it first reaches the cloud.
type Activation struct {
	PhysicalDeviceID string
	DevVersion       string // MCU firmware version
	MAC              string // optional
	ModVersion       string // comms-module version, optional
	// Latitude and Longitude are sent when either is non-zero.
	Latitude, Longitude float64
}

// ActivateDevice records a device of product sub in the warehouse, the way
// a device (or an app on its behalf) announces itself.
func (w Warehouse) ActivateDevice(ctx context.Context, sub string, a Activation) error {
	p := map[string]any{"physicalDeviceId": a.PhysicalDeviceID, "devVersion": a.DevVersion}
	putIf(p, "mac", a.MAC)
	putIf(p, "modVersion", a.ModVersion)
	if a.Latitude != 0 || a.Longitude != 0 {
		p["latitude"], p["longitude"] = a.Latitude, a.Longitude
	}
	return w.c.call(ctx, w.req("activateDevice", sub, p, true), nil)
}

// GetDeviceInfo reads one warehouse record; the answer is flat.
func (w Warehouse) GetDeviceInfo(ctx context.Context, sub, physicalID string) (models.DeviceInfo, error) {
	r := w.devReq("getDeviceInfo", sub, map[string]any{"physicalDeviceId": physicalID})
	r.NoSubDomain = false // the product is part of the device's name here
	var info models.DeviceInfo
	return info, w.c.call(ctx, r, &info)
}

// GetDevicesInfo reads several warehouse records by physical id, across
// products (PHP getDevicesInfo takes no product).
func (w Warehouse) GetDevicesInfo(ctx context.Context, physicalIDs []string) ([]models.DeviceInfo, error) {
	if physicalIDs == nil {
		physicalIDs = []string{}
	}
	var out warehouseDevicesResult
	return out.Devices, w.c.call(ctx, w.devReq(mGetDevicesInfo, "", map[string]any{keyPhysicalIDs: physicalIDs}), &out)
}

// GetDeviceCount counts the warehouse devices of product sub ("" = all).
func (w Warehouse) GetDeviceCount(ctx context.Context, sub string) (int64, error) {
	var out countResult
	return out.Count, w.c.call(ctx, w.devReq(mGetDeviceCount, sub, nil), &out)
}

// ListDevices pages through the warehouse devices of product sub ("" = all).
func (w Warehouse) ListDevices(ctx context.Context, sub string, offset, limit int) ([]models.DeviceInfo, error) {
	out := warehouseDevicesResult{Devices: make([]models.DeviceInfo, 0, pageCap(limit))}
	return out.Devices, w.c.call(ctx, w.devReq(mWarehouseListDevices, sub, map[string]any{keyOffset: offset, keyLimit: limit}), &out)
}

// ListDevicesExt is ListDevices with each device's binding and online state
// in the same page.
//
// LOCAL EXTENSION: only the local cloud offers it (a real AbleCloud router
// answers 3010, method not exist); it exists so the console's fleet view
// needs one call per page, not one per device.
func (w Warehouse) ListDevicesExt(ctx context.Context, sub string, offset, limit int) ([]models.FleetDevice, error) {
	out := fleetResult{Devices: make([]models.FleetDevice, 0, pageCap(limit))}
	return out.Devices, w.c.call(ctx, w.devReq(mWarehouseListDevicesExt, sub, map[string]any{keyOffset: offset, keyLimit: limit}), &out)
}

// pageCap is the room to make for a page of limit entries: encoding/json
// fills a slice it is given in place, where it would otherwise grow one
// entry by entry (a copy of the page so far at every doubling). Capped,
// so that an odd limit cannot make a large allocation.
func pageCap(limit int) int { return max(0, min(limit, 1000)) }
