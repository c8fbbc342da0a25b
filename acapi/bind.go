package acapi

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"acconsole/internal/flexjson"
	"acconsole/models"
)

// Bind is the device half of zc-bind (PROTOCOL §2.2): binding and ownership,
// sharing, listing, gateways and sub-devices, device profiles and
// sendToDevice.
//
// Methods that take sub send it as X-Zc-Sub-Domain: it must be the device's
// product. An empty sub falls back to the client's default product
// (WithSubDomain / Config.SubDomain). Methods the protocol sends with an
// empty sub-domain take no sub at all.
type Bind struct{ c *Client }

// Bind returns the device-binding service of this client's identity.
func (c *Client) Bind() Bind { return Bind{c} }

// req builds a zc-bind request for the device's product.
func (b Bind) req(method, sub string, params map[string]any, mutating bool) Request {
	return Request{Service: svcBind, Method: method, SubDomain: sub, Params: params, Mutating: mutating}
}

// reqNoSub builds a zc-bind request that the protocol sends with sub "".
func (b Bind) reqNoSub(method string, params map[string]any, mutating bool) Request {
	return Request{Service: svcBind, Method: method, NoSubDomain: true, Params: params, Mutating: mutating}
}

// deviceResult is the {"device":{…}} answer of the binding calls.
type deviceResult struct {
	Device *wireDevice `json:"device"`
}

func (b Bind) deviceCall(ctx context.Context, r Request) (models.Device, error) {
	var out deviceResult
	if err := b.c.call(ctx, r, &out); err != nil {
		return models.Device{}, err
	}
	if out.Device == nil {
		// addSubDevice may answer {} (PROTOCOL §2.2.4): an empty device,
		// not an error.
		return models.Device{}, nil
	}
	return out.Device.device(), nil
}

type devicesResult struct {
	Devices []wireDevice `json:"devices"`
}

func (b Bind) devicesCall(ctx context.Context, r Request) ([]models.Device, error) {
	var out devicesResult
	if err := b.c.call(ctx, r, &out); err != nil {
		return nil, err
	}
	return devices(out.Devices), nil
}

// --- §2.2.1 binding and ownership ---

// BindDevice binds a device of product sub to the acting user by its physical
// id. The first user becomes the owner; a device that already has one needs
// a share code (3811 otherwise). name may be empty.
func (b Bind) BindDevice(ctx context.Context, sub, physicalID, name string) (models.Device, error) {
	p := map[string]any{"physicalDeviceId": physicalID}
	putIf(p, "name", name)
	return b.deviceCall(ctx, b.req("bindDevice", sub, p, true))
}

// BindGateway binds a gateway to the acting user. For users after the first
// it also binds the gateway's sub-devices.
func (b Bind) BindGateway(ctx context.Context, sub, physicalID, name string) (models.Device, error) {
	return b.deviceCall(ctx, b.req("bindGateway", sub, map[string]any{"physicalDeviceId": physicalID, "name": name}, true))
}

// BindDeviceWithShareCode binds the device a share code names (its suffix
// after '#' is the device id) to the acting user as an ordinary user.
func (b Bind) BindDeviceWithShareCode(ctx context.Context, shareCode string) (models.Device, error) {
	return b.deviceCall(ctx, b.reqNoSub("bindDeviceWithShareCode", map[string]any{"shareCode": shareCode}, true))
}

// BindDeviceWithUser lets the owner bind another account (email or phone) to
// the device as an ordinary user.
func (b Bind) BindDeviceWithUser(ctx context.Context, sub string, deviceID int64, account string) error {
	return b.c.call(ctx, b.req("bindDeviceWithUser", sub, map[string]any{"deviceId": deviceID, "account": account}, true), nil)
}

// UnbindDevice removes the acting user from the device. When the owner
// unbinds, every user goes and the binding record is removed.
func (b Bind) UnbindDevice(ctx context.Context, sub string, deviceID int64) error {
	return b.c.call(ctx, b.req("unbindDevice", sub, map[string]any{"deviceId": deviceID}, true), nil)
}

// UnbindGateway is UnbindDevice for a gateway (its sub-devices go with it).
func (b Bind) UnbindGateway(ctx context.Context, sub string, deviceID int64) error {
	return b.c.call(ctx, b.req("unbindGateway", sub, map[string]any{"deviceId": deviceID}, true), nil)
}

// UnbindDeviceWithUser lets the owner remove another user from the device.
func (b Bind) UnbindDeviceWithUser(ctx context.Context, sub string, deviceID, userID int64) error {
	return b.c.call(ctx, b.req("unbindDeviceWithUser", sub, map[string]any{"deviceId": deviceID, "userId": userID}, true), nil)
}

// ChangeOwner hands the device to another of its users.
func (b Bind) ChangeOwner(ctx context.Context, sub string, deviceID, newOwner int64) error {
	return b.c.call(ctx, b.req("changeOwner", sub, map[string]any{"deviceId": deviceID, "userId": newOwner}, true), nil)
}

// ChangeDevice replaces the hardware behind a logical device id ("replace
// device"): bindings, homes and timers stay with deviceID.
func (b Bind) ChangeDevice(ctx context.Context, sub string, deviceID int64, newPhysicalID string) error {
	return b.c.call(ctx, b.req("changeDevice", sub, map[string]any{"deviceId": deviceID, "physicalDeviceId": newPhysicalID}, true), nil)
}

// ModifyDevice renames the device.
func (b Bind) ModifyDevice(ctx context.Context, sub string, deviceID int64, name string) error {
	return b.c.call(ctx, b.req("modifyDevice", sub, map[string]any{"deviceId": deviceID, "name": name}, true), nil)
}

// UpdateAccessKey makes the cloud issue the device a new key (Android
// resetDeviceToken).
func (b Bind) UpdateAccessKey(ctx context.Context, sub string, deviceID int64) error {
	return b.c.call(ctx, b.req("updateAccessKey", sub, map[string]any{"deviceId": deviceID}, true), nil)
}

// --- §2.2.2 sharing ---

// GetShareCode creates a share code for the device, valid for timeoutSeconds
// (0 = the cloud's default). It is a write: the code grants access to
// whoever holds it, so a read-only console must not hand one out.
func (b Bind) GetShareCode(ctx context.Context, sub string, deviceID int64, timeoutSeconds int) (string, error) {
	p := map[string]any{"deviceId": deviceID}
	if timeoutSeconds > 0 {
		// Android sends the key only when positive (PROTOCOL §2.2.2).
		p["timeout"] = timeoutSeconds
	}
	r := b.req("getShareCode", sub, p, true)
	resp, err := b.c.Do(ctx, r)
	if err != nil {
		return "", err
	}
	code, err := decodeString(resp.Body, keyShareCode)
	return code, annotate(err, r, resp)
}

// --- §2.2.3 listing and lookup ---

// ListDevices lists the acting user's devices; withStatus asks for each
// device's online status (Device.Status).
func (b Bind) ListDevices(ctx context.Context, withStatus bool) ([]models.Device, error) {
	return b.devicesCall(ctx, b.reqNoSub("listDevices", map[string]any{"status": withStatus}, false))
}

// ListDevicesPage is one page of ListDevices: up to limit (1–500) devices
// with ids above afterID, in id order, and the number of devices bound to
// the user. Local cloud only (PROTOCOL-EXTENSIONS.md): a real router ignores
// afterId and limit and answers the whole list without a total, which is
// reported as an error here rather than shown as a page.
func (b Bind) ListDevicesPage(ctx context.Context, withStatus bool, afterID int64, limit int) ([]models.Device, int64, error) {
	r := b.reqNoSub("listDevices", map[string]any{"status": withStatus, "afterId": afterID, "limit": limit}, false)
	var out struct {
		devicesResult
		Total *int64 `json:"total"`
	}
	if err := b.c.call(ctx, r, &out); err != nil {
		return nil, 0, err
	}
	if out.Total == nil {
		return nil, 0, &Error{Code: models.ErrInternal, Message: "the cloud does not page listDevices (no total in the answer)", Service: r.Service, Method: r.Method}
	}
	return devices(out.Devices), *out.Total, nil
}

// DeviceExt is an entry of listDevicesExt: the device plus whatever else the
// cloud adds (bind time, profile…). The protocol does not fix those keys, so
// they are kept, sanitised, in Extra.
type DeviceExt struct {
	models.Device
	Extra map[string]any
}

// ListDevicesExt is ListDevices with the cloud's extra per-device fields.
func (b Bind) ListDevicesExt(ctx context.Context, withStatus bool) ([]DeviceExt, error) {
	r := b.reqNoSub("listDevicesExt", map[string]any{"status": withStatus}, false)
	resp, err := b.c.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	// Decoded twice: once typed, once as maps for the keys the type lacks.
	var out struct {
		Devices []map[string]any `json:"devices"`
	}
	var ws struct {
		Devices []wireDevice `json:"devices"`
	}
	if err := resp.Decode(&out); err != nil {
		return nil, &Error{Code: models.ErrInternal, Message: err.Error(), Service: r.Service, Method: r.Method, TraceID: resp.TraceID}
	}
	if err := resp.Decode(&ws); err != nil {
		return nil, &Error{Code: models.ErrInternal, Message: err.Error(), Service: r.Service, Method: r.Method, TraceID: resp.TraceID}
	}
	res := make([]DeviceExt, len(ws.Devices))
	for i, w := range ws.Devices {
		res[i].Device = w.device()
		for k, v := range out.Devices[i] {
			if deviceKeys[k] {
				continue
			}
			if res[i].Extra == nil {
				res[i].Extra = map[string]any{}
			}
			res[i].Extra[k] = v
		}
	}
	return res, nil
}

// ListGateways lists the acting user's gateways of product sub.
func (b Bind) ListGateways(ctx context.Context, sub string) ([]models.Device, error) {
	var out gatewaysResult
	if err := b.c.call(ctx, b.req("listGateways", sub, nil, false), &out); err != nil {
		return nil, err
	}
	return devices(out.Devices), nil
}

// ListSubDevices lists the sub-devices added to a gateway.
func (b Bind) ListSubDevices(ctx context.Context, sub string, gatewayID int64) ([]models.Device, error) {
	return b.devicesCall(ctx, b.req("listSubDevices", sub, map[string]any{"gatewayDeviceId": gatewayID}, false))
}

// ListNewDevices lists sub-devices that joined a gateway (while its match
// window was open) and were not added yet.
func (b Bind) ListNewDevices(ctx context.Context, sub string, gatewayID int64) ([]models.NewDevice, error) {
	var out struct {
		Devices []struct {
			// subDomainId arrives as a string (PROTOCOL §2.2.3); a number
			// is accepted too.
			SubDomainID      flexjson.String `json:"subDomainId"`
			PhysicalDeviceID string          `json:"physicalDeviceId"`
		} `json:"devices"`
	}
	if err := b.c.call(ctx, b.req("listNewDevices", sub, map[string]any{"gatewayDeviceId": gatewayID}, false), &out); err != nil {
		return nil, err
	}
	res := make([]models.NewDevice, len(out.Devices))
	for i, d := range out.Devices {
		res[i] = models.NewDevice{SubDomainID: string(d.SubDomainID), PhysicalDeviceID: d.PhysicalDeviceID}
	}
	return res, nil
}

// ListUsers lists the users bound to a device. Without an acting user it is
// a developer-scope call.
func (b Bind) ListUsers(ctx context.Context, sub string, deviceID int64) ([]models.DeviceUser, error) {
	var out struct {
		Users []models.DeviceUser `json:"users"`
	}
	return out.Users, b.c.call(ctx, b.req("listUsers", sub, map[string]any{"deviceId": deviceID}, false), &out)
}

// IsDeviceOnline asks whether a device is connected, by logical id (sent
// when > 0) and/or physical id (sent when non-empty).
func (b Bind) IsDeviceOnline(ctx context.Context, sub string, deviceID int64, physicalID string) (bool, error) {
	p := map[string]any{}
	if deviceID > 0 {
		p["deviceId"] = deviceID
	}
	putIf(p, "physicalDeviceId", physicalID)
	var out struct {
		Online bool `json:"online"`
	}
	return out.Online, b.c.call(ctx, b.req("isDeviceOnline", sub, p, false), &out)
}

// IsDeviceBound asks whether a device has an owner.
func (b Bind) IsDeviceBound(ctx context.Context, sub, physicalID string) (bool, error) {
	r := b.req("isDeviceBound", sub, map[string]any{"physicalDeviceId": physicalID}, false)
	resp, err := b.c.Do(ctx, r)
	if err != nil {
		return false, err
	}
	bound, err := decodeBool(resp.Body, keyIsBound)
	return bound, annotate(err, r, resp)
}

// GetDeviceID resolves a physical id to the logical device id.
func (b Bind) GetDeviceID(ctx context.Context, sub, physicalID string) (int64, error) {
	var out deviceIDResult
	return out.DeviceID, b.c.call(ctx, b.req(mGetDeviceID, sub, map[string]any{"physicalDeviceId": physicalID}, false), &out)
}

// GetUserDevice reads one of the acting user's devices.
func (b Bind) GetUserDevice(ctx context.Context, sub string, deviceID int64) (models.Device, error) {
	return b.deviceCall(ctx, b.req(mGetUserDevice, sub, map[string]any{"deviceId": deviceID}, false))
}

// --- §2.2.4 gateways and sub-devices ---

// OpenGatewayMatch opens the gateway's pairing window for seconds: only
// while it is open can sub-devices join (and then show in ListNewDevices).
func (b Bind) OpenGatewayMatch(ctx context.Context, sub string, gatewayID int64, seconds int) error {
	return b.c.call(ctx, b.req("openGatewayMatch", sub, map[string]any{"gatewayDeviceId": gatewayID, "time": seconds}, true), nil)
}

// CloseGatewayMatch closes the pairing window early.
func (b Bind) CloseGatewayMatch(ctx context.Context, sub string, gatewayID int64) error {
	return b.c.call(ctx, b.req("closeGatewayMatch", sub, map[string]any{"gatewayDeviceId": gatewayID}, true), nil)
}

// AddSubDevice adds a joined sub-device to the gateway; sub is the
// sub-device's product, not the gateway's.
func (b Bind) AddSubDevice(ctx context.Context, sub string, gatewayID int64, physicalID, name string) (models.Device, error) {
	return b.deviceCall(ctx, b.req("addSubDevice", sub, map[string]any{"gatewayDeviceId": gatewayID, "physicalDeviceId": physicalID, "name": name}, true))
}

// DeleteSubDevice removes an added sub-device from its gateway.
func (b Bind) DeleteSubDevice(ctx context.Context, sub string, deviceID int64) error {
	return b.c.call(ctx, b.req("deleteSubDevice", sub, map[string]any{"deviceId": deviceID}, true), nil)
}

// EvictSubDevice makes the gateway forget a sub-device by physical id
// (joined or added).
func (b Bind) EvictSubDevice(ctx context.Context, sub string, gatewayID int64, physicalID string) error {
	return b.c.call(ctx, b.req("evictSubDevice", sub, map[string]any{"gatewayDeviceId": gatewayID, "physicalDeviceId": physicalID}, true), nil)
}

// --- §2.2.5 device profile ---

// SetDeviceProfile stores extension attributes of the device.
func (b Bind) SetDeviceProfile(ctx context.Context, sub string, deviceID int64, profile map[string]any) error {
	if profile == nil {
		profile = map[string]any{}
	}
	return b.c.call(ctx, b.req("setDeviceProfile", sub, map[string]any{"deviceId": deviceID, "deviceProfile": profile}, true), nil)
}

// GetDeviceProfile reads the device's extension attributes. The answer is
// the profile itself, flat at the top level (Q3). Without an acting user it
// is a developer-scope call.
func (b Bind) GetDeviceProfile(ctx context.Context, sub string, deviceID int64) (map[string]any, error) {
	prof := map[string]any{}
	if err := b.c.call(ctx, b.req("getDeviceProfile", sub, map[string]any{"deviceId": deviceID}, false), &prof); err != nil {
		return nil, err
	}
	if prof == nil { // a body of null
		prof = map[string]any{}
	}
	return prof, nil
}

// --- §2.2.6 sendToDevice ---

// DeviceReply is a device's answer to a command.
type DeviceReply struct {
	// Code is the reply's message code (X-Zc-Msg-Attr_code); 0 when the
	// cloud sent none.
	Code int
	// Payload is the reply's raw bytes, never text-sanitised: it is binary
	// and must be rendered (hex, or sanitised text) by whoever shows it.
	Payload []byte
}

// SendOption tunes SendToDevice.
type SendOption func(*sendOptions)

type sendOptions struct {
	timeout     time.Duration
	description string
}

// WithReplyTimeout asks the cloud to wait d (rounded up to whole
// milliseconds) for the device's reply before answering 3814. It is a local-cloud extension; a
// real router uses its own timeout. The call's context still bounds the
// whole request.
func WithReplyTimeout(d time.Duration) SendOption {
	return func(o *sendOptions) { o.timeout = d }
}

// WithDescription attaches a description to the command (the query key
// description of PROTOCOL §2.2.6), for the cloud's device history.
func WithDescription(s string) SendOption {
	return func(o *sendOptions) { o.description = s }
}

// SendToDevice sends a command (message codes 65–199) with a binary payload
// to a device of product sub, through the cloud, and returns the device's
// reply. The device is named by deviceID (sent when > 0) and/or physicalID
// (sent when non-empty). Typical errors: 3807 offline (ErrOffline), 3814
// no reply in time (ErrTimeout), 3802 not a device of the acting user.
func (b Bind) SendToDevice(ctx context.Context, sub string, deviceID int64, physicalID string, messageCode int, payload []byte, opts ...SendOption) (DeviceReply, error) {
	var o sendOptions
	for _, f := range opts {
		f(&o)
	}
	sub = b.c.sub(Request{SubDomain: sub})
	// octet-stream: every key travels in the query string, and the
	// sub-domain goes both there and in X-Zc-Sub-Domain (PROTOCOL §2.2.6,
	// Q14), so a router that reads either finds the same product.
	p := map[string]any{"subDomain": sub, "messageCode": messageCode}
	if deviceID > 0 {
		p["deviceId"] = deviceID
	}
	putIf(p, "physicalDeviceId", physicalID)
	putIf(p, "description", o.description)
	if o.timeout > 0 {
		p[keySendTimeout] = (o.timeout + time.Millisecond - 1).Milliseconds()
	}
	if payload == nil {
		payload = []byte{}
	}
	r := b.req("sendToDevice", sub, p, true)
	r.Stream, r.Payload = true, payload
	resp, err := b.c.Do(ctx, r)
	if err != nil {
		return DeviceReply{}, err
	}
	reply := DeviceReply{Payload: resp.Body}
	if s, ok := resp.Attrs["code"]; ok {
		code, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return reply, &Error{Code: models.ErrInternal, Message: "reply message code " + strconv.Quote(s) + " is not a number", Service: svcBind, Method: "sendToDevice", TraceID: resp.TraceID}
		}
		reply.Code = code
	}
	return reply, nil
}

// --- tolerant decoding ---

// annotate names the call in a decoding error, which is built without one.
func annotate(err error, r Request, resp *Response) error {
	if e, ok := err.(*Error); ok && e.Service == "" {
		e.Service, e.Method, e.TraceID = r.Service, r.Method, resp.TraceID
	}
	return err
}

// decodeString reads a string answer under key, falling back to the only
// key present, a bare JSON string, or a bare text body (Q3). The result is
// sanitised.
func decodeString(body []byte, key string) (string, error) {
	trimmed := bytes.TrimSpace(body)
	var s string
	if json.Unmarshal(trimmed, &s) == nil {
		return sanitizeHeader(s), nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		// Not JSON at all: a short single line of text is the value.
		if len(trimmed) > 0 && len(trimmed) <= 1024 && utf8.Valid(trimmed) && !bytes.ContainsAny(trimmed, "\r\n{[") {
			return sanitizeHeader(string(trimmed)), nil
		}
		return "", &Error{Code: models.ErrInternal, Message: "malformed response: " + err.Error()}
	}
	raw, ok := m[key]
	if !ok && len(m) == 1 {
		for _, v := range m {
			raw, ok = v, true
		}
	}
	if !ok || json.Unmarshal(raw, &s) != nil || s == "" {
		return "", &Error{Code: models.ErrInternal, Message: "response has no string " + key}
	}
	return sanitizeHeader(s), nil
}
