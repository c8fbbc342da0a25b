package wxapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"acconsole/models"
)

// Paths of the endpoints, kept together so a change on WeChat's side is one
// edit.
const (
	pathTransMsg       = "/device/transmsg"
	pathCreateQRCode   = "/device/create_qrcode"
	pathGetQRCode      = "/device/getqrcode"
	pathAuthorize      = "/device/authorize_device"
	pathVerifyQRCode   = "/device/verify_qrcode"
	pathBind           = "/device/bind"
	pathUnbind         = "/device/unbind"
	pathCompelBind     = "/device/compel_bind"
	pathCompelUnbind   = "/device/compel_unbind"
	pathGetStat        = "/device/get_stat"
	pathGetOpenID      = "/device/get_openid"
	pathGetBindDevice  = "/device/get_bind_device"
	pathTemplateSend   = "/cgi-bin/message/template/send"
	opTransMsg         = "transmsg"
	opCreateQRCode     = "create_qrcode"
	opGetQRCode        = "getqrcode"
	opAuthorize        = "authorize_device"
	opVerifyQRCode     = "verify_qrcode"
	opBind             = "bind"
	opUnbind           = "unbind"
	opCompelBind       = "compel_bind"
	opCompelUnbind     = "compel_unbind"
	opGetStat          = "get_stat"
	opGetOpenID        = "get_openid"
	opGetBindDevice    = "get_bind_device"
	opTemplateSend     = "template_send"
	transMsgTypeStatus = "2" // msg_type of the status variant of transmsg
)

// --- transmsg ---------------------------------------------------------------

type transMsgRequest struct {
	DeviceType string `json:"device_type"`
	DeviceID   string `json:"device_id"`
	OpenID     string `json:"open_id"`
	Content    string `json:"content"`
}

// TransMsg sends content to the user's WeChat client on behalf of the device
// (device_type is the account's gh_ id). WeChat wants it Base64 encoded; the
// encoding is done here so callers pass raw bytes.
func (c *Client) TransMsg(ctx context.Context, deviceType, deviceID, openID string, content []byte) error {
	if deviceType == "" || deviceID == "" || openID == "" {
		return invalidArg(opTransMsg, "device type, device id and open id are required")
	}
	req := transMsgRequest{DeviceType: deviceType, DeviceID: deviceID, OpenID: openID,
		Content: base64.StdEncoding.EncodeToString(content)}
	return c.call(ctx, opTransMsg, http.MethodPost, pathTransMsg, nil, req, nil)
}

type transStatusRequest struct {
	DeviceType   string `json:"device_type"`
	DeviceID     string `json:"device_id"`
	OpenID       string `json:"open_id"`
	MsgType      string `json:"msg_type"`
	DeviceStatus string `json:"device_status"`
}

// TransMsgStatus pushes the device's connection state to a user who has the
// device page open (the status variant of transmsg). A user who unsubscribed
// from status yields an *Error with Code CodeStatusUnsubscribed.
func (c *Client) TransMsgStatus(ctx context.Context, deviceType, deviceID, openID string, online bool) error {
	if deviceType == "" || deviceID == "" || openID == "" {
		return invalidArg(opTransMsg, "device type, device id and open id are required")
	}
	st := "0"
	if online {
		st = "1"
	}
	req := transStatusRequest{DeviceType: deviceType, DeviceID: deviceID, OpenID: openID,
		MsgType: transMsgTypeStatus, DeviceStatus: st}
	return c.call(ctx, opTransMsg, http.MethodPost, pathTransMsg, nil, req, nil)
}

// --- QR codes ---------------------------------------------------------------

// QRCode is one entry of create_qrcode's code_list.
type QRCode struct {
	DeviceID string
	Ticket   string // the QR text, a http://we.qq.com/d/… URL
}

type createQRRequest struct {
	DeviceNum    string   `json:"device_num"`
	DeviceIDList []string `json:"device_id_list"`
}

type createQRResponse struct {
	CodeList []struct {
		DeviceID string `json:"device_id"`
		Ticket   string `json:"ticket"`
	} `json:"code_list"`
}

// CreateQRCode asks WeChat for the QR ticket of each device id (the vendor's
// ids, i.e. AbleCloud physical ids). The result is in WeChat's order.
func (c *Client) CreateQRCode(ctx context.Context, deviceIDs ...string) ([]QRCode, error) {
	if len(deviceIDs) == 0 {
		return nil, invalidArg(opCreateQRCode, "no device ids")
	}
	for _, id := range deviceIDs {
		if id == "" {
			return nil, invalidArg(opCreateQRCode, "empty device id")
		}
	}
	req := createQRRequest{DeviceNum: strconv.Itoa(len(deviceIDs)), DeviceIDList: deviceIDs}
	var resp createQRResponse
	if err := c.call(ctx, opCreateQRCode, http.MethodPost, pathCreateQRCode, nil, req, &resp); err != nil {
		return nil, err
	}
	if len(resp.CodeList) == 0 {
		return nil, badResponse(opCreateQRCode, "empty code_list")
	}
	out := make([]QRCode, 0, len(resp.CodeList))
	for i, e := range resp.CodeList {
		if e.Ticket == "" {
			return nil, badResponse(opCreateQRCode, "code_list[%d] has no ticket", i)
		}
		out = append(out, QRCode{DeviceID: models.SanitizeLine(e.DeviceID), Ticket: models.SanitizeLine(e.Ticket)})
	}
	return out, nil
}

// DeviceQR is the result of getqrcode: WeChat allocates the device id itself,
// so AbleCloud flows (which need the physical id) do not use it; it is here
// for completeness.
type DeviceQR struct {
	DeviceID      string
	QRTicket      string
	DeviceLicence string
}

type getQRResponse struct {
	DeviceID      string `json:"deviceid"`
	QRTicket      string `json:"qrticket"`
	DeviceLicence string `json:"devicelicence"`
}

// GetQRCode calls getqrcode. productID "" or "1" is omitted from the query,
// as WeChat wants for the default product.
func (c *Client) GetQRCode(ctx context.Context, productID string) (DeviceQR, error) {
	q := url.Values{}
	if productID != "" && productID != "1" {
		q.Set("product_id", productID)
	}
	var resp getQRResponse
	if err := c.call(ctx, opGetQRCode, http.MethodGet, pathGetQRCode, q, nil, &resp); err != nil {
		return DeviceQR{}, err
	}
	if resp.DeviceID == "" || resp.QRTicket == "" {
		return DeviceQR{}, badResponse(opGetQRCode, "no deviceid or qrticket in the response")
	}
	return DeviceQR{DeviceID: models.SanitizeLine(resp.DeviceID), QRTicket: models.SanitizeLine(resp.QRTicket),
		DeviceLicence: models.SanitizeLine(resp.DeviceLicence)}, nil
}

// QRInfo is what verify_qrcode tells about a ticket.
type QRInfo struct {
	DeviceType string
	DeviceID   string
	MAC        string
}

type verifyQRResponse struct {
	DeviceType string `json:"device_type"`
	DeviceID   string `json:"device_id"`
	MAC        string `json:"mac"`
}

// VerifyQRCode resolves a QR ticket to the device it belongs to.
func (c *Client) VerifyQRCode(ctx context.Context, ticket string) (QRInfo, error) {
	if ticket == "" {
		return QRInfo{}, invalidArg(opVerifyQRCode, "empty ticket")
	}
	var resp verifyQRResponse
	err := c.call(ctx, opVerifyQRCode, http.MethodPost, pathVerifyQRCode, nil, map[string]string{"ticket": ticket}, &resp)
	if err != nil {
		return QRInfo{}, err
	}
	if resp.DeviceID == "" {
		return QRInfo{}, badResponse(opVerifyQRCode, "no device_id in the response")
	}
	return QRInfo{DeviceType: models.SanitizeLine(resp.DeviceType), DeviceID: models.SanitizeLine(resp.DeviceID),
		MAC: models.SanitizeLine(resp.MAC)}, nil
}

// --- authorisation ----------------------------------------------------------

// DeviceAuth is one device of an authorize_device call. The JSON names are
// WeChat's; every value is a string on the wire.
type DeviceAuth struct {
	ID                string `json:"id"`
	MAC               string `json:"mac"`
	ConnectProtocol   string `json:"connect_protocol"`
	AuthKey           string `json:"auth_key"`
	CloseStrategy     string `json:"close_strategy"`
	ConnStrategy      string `json:"conn_strategy"`
	CryptMethod       string `json:"crypt_method"`
	AuthVer           string `json:"auth_ver"`
	ManuMacPos        string `json:"manu_mac_pos"`
	SerMacPos         string `json:"ser_mac_pos"`
	BLESimpleProtocol string `json:"ble_simple_protocol,omitempty"`
}

// AbleCloudWiFiDevice returns the authorisation record AbleCloud recommends
// for a Wi-Fi device (DG-WX): no WeChat-level key or encryption, because the
// AbleCloud firmware secures the link itself. connect_protocol "4" (Wi-Fi)
// and the strategy/MAC-position values are common WeChat defaults that
// PROTOCOL.md does not confirm (INFERRED); vendors may override any field
// before calling AuthorizeDevices.
func AbleCloudWiFiDevice(physicalID, mac string) DeviceAuth {
	return DeviceAuth{
		ID:              physicalID,
		MAC:             mac,
		ConnectProtocol: "4", // Wi-Fi
		AuthKey:         "",
		CloseStrategy:   "1",
		ConnStrategy:    "1",
		CryptMethod:     "0",
		AuthVer:         "0",
		ManuMacPos:      "-1",
		SerMacPos:       "-2",
	}
}

// AuthOp selects what authorize_device does.
type AuthOp int

const (
	AuthNew    AuthOp = 0 // authorise devices not known to WeChat yet
	AuthUpdate AuthOp = 1 // update the attributes of authorised devices
)

// AuthResult is WeChat's answer for one device. Err is nil on success.
type AuthResult struct {
	DeviceType string
	DeviceID   string
	Err        *Error
}

type authorizeRequest struct {
	DeviceNum  string       `json:"device_num"`
	DeviceList []DeviceAuth `json:"device_list"`
	OpType     string       `json:"op_type"`
	ProductID  string       `json:"product_id"`
}

type authorizeResponse struct {
	Resp []struct {
		BaseInfo struct {
			DeviceType string `json:"device_type"`
			DeviceID   string `json:"device_id"`
		} `json:"base_info"`
		ErrCode flexInt `json:"errcode"`
		ErrMsg  string  `json:"errmsg"`
	} `json:"resp"`
}

// AuthorizeDevices authorises (or updates) devices on the WeChat hardware
// platform. WeChat answers per device, so the results are always returned
// when the call itself succeeded; if any device failed, the error is that
// device's *Error as well, so a caller that only checks err does not miss it.
func (c *Client) AuthorizeDevices(ctx context.Context, productID string, op AuthOp, devices ...DeviceAuth) ([]AuthResult, error) {
	if len(devices) == 0 {
		return nil, invalidArg(opAuthorize, "no devices")
	}
	if op != AuthNew && op != AuthUpdate {
		return nil, invalidArg(opAuthorize, "op must be AuthNew or AuthUpdate")
	}
	for _, d := range devices {
		if d.ID == "" {
			return nil, invalidArg(opAuthorize, "device without id")
		}
	}
	req := authorizeRequest{DeviceNum: strconv.Itoa(len(devices)), DeviceList: devices,
		OpType: strconv.Itoa(int(op)), ProductID: productID}
	var resp authorizeResponse
	if err := c.call(ctx, opAuthorize, http.MethodPost, pathAuthorize, nil, req, &resp); err != nil {
		return nil, err
	}
	if len(resp.Resp) == 0 {
		return nil, badResponse(opAuthorize, "empty resp list")
	}
	out := make([]AuthResult, 0, len(resp.Resp))
	var first error
	for _, r := range resp.Resp {
		ar := AuthResult{DeviceType: models.SanitizeLine(r.BaseInfo.DeviceType), DeviceID: models.SanitizeLine(r.BaseInfo.DeviceID)}
		if r.ErrCode != 0 {
			ar.Err = &Error{Op: opAuthorize, Code: int(r.ErrCode), Msg: models.SanitizeLine(r.ErrMsg)}
			if first == nil {
				first = ar.Err
			}
		}
		out = append(out, ar)
	}
	return out, first
}

// --- bindings ---------------------------------------------------------------

type bindRequest struct {
	Ticket   string `json:"ticket"`
	DeviceID string `json:"device_id"`
	OpenID   string `json:"openid"`
}

type compelRequest struct {
	DeviceID string `json:"device_id"`
	OpenID   string `json:"openid"`
}

// Bind binds openID to deviceID. ticket is the device-operation ticket the
// user's WeChat page obtains via JS-API getWXDeviceTicket; a server without
// one should use CompelBind.
func (c *Client) Bind(ctx context.Context, ticket, deviceID, openID string) error {
	if ticket == "" || deviceID == "" || openID == "" {
		return invalidArg(opBind, "ticket, device id and open id are required")
	}
	return c.call(ctx, opBind, http.MethodPost, pathBind, nil, bindRequest{ticket, deviceID, openID}, nil)
}

// Unbind is Bind's counterpart, with an unbind ticket.
func (c *Client) Unbind(ctx context.Context, ticket, deviceID, openID string) error {
	if ticket == "" || deviceID == "" || openID == "" {
		return invalidArg(opUnbind, "ticket, device id and open id are required")
	}
	return c.call(ctx, opUnbind, http.MethodPost, pathUnbind, nil, bindRequest{ticket, deviceID, openID}, nil)
}

// CompelBind binds without a ticket (the forced bind the bridge uses to keep
// WeChat in step with AbleCloud).
func (c *Client) CompelBind(ctx context.Context, deviceID, openID string) error {
	if deviceID == "" || openID == "" {
		return invalidArg(opCompelBind, "device id and open id are required")
	}
	return c.call(ctx, opCompelBind, http.MethodPost, pathCompelBind, nil, compelRequest{deviceID, openID}, nil)
}

// CompelUnbind removes a binding without a ticket.
func (c *Client) CompelUnbind(ctx context.Context, deviceID, openID string) error {
	if deviceID == "" || openID == "" {
		return invalidArg(opCompelUnbind, "device id and open id are required")
	}
	return c.call(ctx, opCompelUnbind, http.MethodPost, pathCompelUnbind, nil, compelRequest{deviceID, openID}, nil)
}

// --- look-ups ---------------------------------------------------------------

// DeviceStat is a device's state on the WeChat platform (get_stat).
type DeviceStat int

// get_stat values (PROTOCOL Q12; only StatBound is confirmed in code).
const (
	StatUnauthorized DeviceStat = 0
	StatAuthorized   DeviceStat = 1 // authorised, nobody bound
	StatBound        DeviceStat = 2
	StatNoAttributes DeviceStat = 3 // authorised but attributes not set
)

func (s DeviceStat) String() string {
	switch s {
	case StatUnauthorized:
		return "unauthorized"
	case StatAuthorized:
		return "authorized"
	case StatBound:
		return "bound"
	case StatNoAttributes:
		return "no attributes"
	}
	return "status " + strconv.Itoa(int(s))
}

// Stat is get_stat's result.
type Stat struct {
	Status DeviceStat
	Info   string // WeChat's status_info, sanitised
}

type getStatResponse struct {
	Status     *flexInt `json:"status"`
	StatusInfo string   `json:"status_info"`
}

// GetStat asks whether a device is authorised and bound.
func (c *Client) GetStat(ctx context.Context, deviceID string) (Stat, error) {
	if deviceID == "" {
		return Stat{}, invalidArg(opGetStat, "empty device id")
	}
	var resp getStatResponse
	if err := c.call(ctx, opGetStat, http.MethodGet, pathGetStat, url.Values{"device_id": {deviceID}}, nil, &resp); err != nil {
		return Stat{}, err
	}
	if resp.Status == nil {
		return Stat{}, badResponse(opGetStat, "no status in the response")
	}
	return Stat{Status: DeviceStat(*resp.Status), Info: models.SanitizeLine(resp.StatusInfo)}, nil
}

type getOpenIDResponse struct {
	OpenID *[]string `json:"open_id"`
}

// GetOpenIDs lists the users bound to a device, in WeChat's order.
func (c *Client) GetOpenIDs(ctx context.Context, deviceType, deviceID string) ([]string, error) {
	if deviceType == "" || deviceID == "" {
		return nil, invalidArg(opGetOpenID, "device type and device id are required")
	}
	q := url.Values{"device_type": {deviceType}, "device_id": {deviceID}}
	var resp getOpenIDResponse
	if err := c.call(ctx, opGetOpenID, http.MethodGet, pathGetOpenID, q, nil, &resp); err != nil {
		return nil, err
	}
	if resp.OpenID == nil {
		return nil, badResponse(opGetOpenID, "no open_id list in the response")
	}
	out := make([]string, 0, len(*resp.OpenID))
	for _, id := range *resp.OpenID {
		out = append(out, models.SanitizeLine(id))
	}
	return out, nil
}

// BoundDevice is one entry of get_bind_device.
type BoundDevice struct {
	DeviceType string
	DeviceID   string
}

type getBindDeviceResponse struct {
	DeviceList *[]struct {
		DeviceType string `json:"device_type"`
		DeviceID   string `json:"device_id"`
	} `json:"device_list"`
}

// GetBindDevices lists the devices a user is bound to.
func (c *Client) GetBindDevices(ctx context.Context, openID string) ([]BoundDevice, error) {
	if openID == "" {
		return nil, invalidArg(opGetBindDevice, "empty open id")
	}
	var resp getBindDeviceResponse
	if err := c.call(ctx, opGetBindDevice, http.MethodGet, pathGetBindDevice, url.Values{"openid": {openID}}, nil, &resp); err != nil {
		return nil, err
	}
	if resp.DeviceList == nil {
		return nil, badResponse(opGetBindDevice, "no device_list in the response")
	}
	out := make([]BoundDevice, 0, len(*resp.DeviceList))
	for _, d := range *resp.DeviceList {
		out = append(out, BoundDevice{DeviceType: models.SanitizeLine(d.DeviceType), DeviceID: models.SanitizeLine(d.DeviceID)})
	}
	return out, nil
}
