package wxemu

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"acconsole/internal/flexjson"
)

// wrapping is how an endpoint reports errors (PROTOCOL §4.1–4.2).
type wrapping int

const (
	wrapTop      wrapping = iota // {"errcode","errmsg"}
	wrapBaseResp                 // {"base_resp":{"errcode","errmsg"}}
	wrapRespMsg                  // {"resp_msg":{"ret_code","error_info"}}
	wrapRet                      // {"ret","ret_info"}
)

// apiError is an error answer in the endpoint's wrapping.
type apiError struct {
	code int
	msg  string
}

func fail(code int, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

type endpoint struct {
	method string
	wrap   wrapping
	// handle runs with e.mu held. body is the raw POST body (nil for GET).
	handle func(e *Emulator, q url.Values, body []byte) (any, *apiError)
}

// endpoints maps the op name (the path after /device/, or a name for the
// /cgi-bin/ APIs) to its handler.
var endpoints = map[string]endpoint{
	"transmsg":         {http.MethodPost, wrapRet, (*Emulator).transMsg},
	"create_qrcode":    {http.MethodPost, wrapTop, (*Emulator).createQRCode},
	"getqrcode":        {http.MethodGet, wrapBaseResp, (*Emulator).getQRCode},
	"authorize_device": {http.MethodPost, wrapTop, (*Emulator).authorizeDevice},
	"verify_qrcode":    {http.MethodPost, wrapTop, (*Emulator).verifyQRCode},
	"bind":             {http.MethodPost, wrapBaseResp, (*Emulator).bind},
	"unbind":           {http.MethodPost, wrapBaseResp, (*Emulator).unbind},
	"compel_bind":      {http.MethodPost, wrapBaseResp, (*Emulator).compelBind},
	"compel_unbind":    {http.MethodPost, wrapBaseResp, (*Emulator).compelUnbind},
	"get_stat":         {http.MethodGet, wrapTop, (*Emulator).getStat},
	"get_openid":       {http.MethodGet, wrapRespMsg, (*Emulator).getOpenID},
	"get_bind_device":  {http.MethodGet, wrapRespMsg, (*Emulator).getBindDevice},
	"template_send":    {http.MethodPost, wrapTop, (*Emulator).templateSend},
}

// ServeHTTP serves the WeChat APIs. Like WeChat, it answers HTTP 200 with an
// error body for every API-level failure.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var op string
	switch p := r.URL.Path; {
	case p == "/cgi-bin/token":
		e.serveToken(w, r)
		return
	case p == "/cgi-bin/message/template/send":
		op = "template_send"
	case strings.HasPrefix(p, "/device/"):
		op = strings.TrimPrefix(p, "/device/")
	}
	ep, ok := endpoints[op]
	if !ok {
		writeJSON(w, errBody(wrapTop, CodeAPIUnknown, "api unauthorized or unknown: "+r.URL.Path))
		return
	}
	q := r.URL.Query()

	e.mu.Lock()
	e.calls[op]++
	e.mu.Unlock()

	if r.Method != ep.method {
		if ep.method == http.MethodGet {
			writeJSON(w, errBody(wrapTop, CodeRequireGET, "require GET method"))
		} else {
			writeJSON(w, errBody(wrapTop, CodeRequirePOST, "require POST method"))
		}
		return
	}
	var body []byte
	if ep.method == http.MethodPost {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil || len(body) > maxRequestBytes {
			writeJSON(w, errBody(wrapTop, CodeDataFormat, "data format error: body unreadable or too large"))
			return
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	// Token problems come back as a top-level errcode whatever the
	// endpoint, as on the real platform.
	if aerr := e.checkToken(q.Get("access_token")); aerr != nil {
		writeJSON(w, errBody(wrapTop, aerr.code, aerr.msg))
		return
	}
	if inj := e.inject[op]; inj != nil {
		inj.left--
		if inj.left <= 0 {
			delete(e.inject, op)
		}
		if inj.code == CodeInvalidCredential || inj.code == CodeTokenExpired {
			writeJSON(w, errBody(wrapTop, inj.code, inj.msg))
		} else {
			writeJSON(w, errBody(ep.wrap, inj.code, inj.msg))
		}
		return
	}
	if ep.method == http.MethodPost && len(bytes.TrimSpace(body)) == 0 {
		writeJSON(w, errBody(wrapTop, CodeEmptyPostData, "empty post data"))
		return
	}
	resp, aerr := ep.handle(e, q, body)
	if aerr != nil {
		writeJSON(w, errBody(ep.wrap, aerr.code, aerr.msg))
		return
	}
	writeJSON(w, resp)
}

func (e *Emulator) checkToken(tok string) *apiError {
	if tok == "" {
		return fail(CodeTokenMissing, "access_token missing")
	}
	exp, ok := e.tokens[tok]
	if end, superseded := e.revoked[tok]; ok && superseded && !e.now().Before(end) {
		delete(e.tokens, tok)
		delete(e.revoked, tok)
		ok = false
	}
	if !ok {
		return fail(CodeInvalidCredential, "invalid credential, access_token is invalid or not latest")
	}
	if !e.now().Before(exp) {
		return fail(CodeTokenExpired, "access_token expired")
	}
	return nil
}

func (e *Emulator) serveToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls["token"]++
	switch {
	case r.Method != http.MethodGet:
		writeJSON(w, errBody(wrapTop, CodeRequireGET, "require GET method"))
	case q.Get("grant_type") != "client_credential":
		writeJSON(w, errBody(wrapTop, CodeInvalidGrantType, "invalid grant_type"))
	case q.Get("appid") != e.appID:
		writeJSON(w, errBody(wrapTop, CodeInvalidAppID, "invalid appid"))
	case q.Get("secret") != e.appSecret:
		writeJSON(w, errBody(wrapTop, CodeInvalidAppSecret, "invalid appsecret"))
	default:
		tok := randomText(96)
		// Earlier tokens keep working for the overlap, then answer 40001.
		end := e.now().Add(e.overlap)
		for old := range e.tokens {
			if prev, ok := e.revoked[old]; !ok || end.Before(prev) {
				e.revoked[old] = end
			}
		}
		e.tokens[tok] = e.now().Add(e.tokenTTL)
		e.tokensIssued++
		writeJSON(w, struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}{tok, int(e.tokenTTL / time.Second)})
	}
}

// Response shapes. Structs rather than maps so keys come out in the order
// PROTOCOL §4.2 shows them (encoding/json sorts map keys).
type topResp struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

type baseResp struct {
	BaseResp topResp `json:"base_resp"`
}

type respMsg struct {
	RetCode   int    `json:"ret_code"`
	ErrorInfo string `json:"error_info"`
}

type respMsgResp struct {
	RespMsg respMsg `json:"resp_msg"`
}

type retResp struct {
	Ret     int    `json:"ret"`
	RetInfo string `json:"ret_info"`
}

func errBody(wrap wrapping, code int, msg string) any {
	switch wrap {
	case wrapBaseResp:
		return baseResp{topResp{code, msg}}
	case wrapRespMsg:
		return respMsgResp{respMsg{code, msg}}
	case wrapRet:
		return retResp{code, msg}
	}
	return topResp{code, msg}
}

func writeJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own types are encoded; this cannot happen.
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// The emulator reads device_num, op_type, msg_type, device_status and the
// device list's values as flexjson.String (clients send them as strings or
// numbers), around the whitespace some clients pad them with.
func trimText(fields ...*flexjson.String) {
	for _, f := range fields {
		*f = flexjson.String(strings.TrimSpace(string(*f)))
	}
}

func decodeBody(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return fail(CodeDataFormat, "data format error: %v", err)
	}
	return nil
}

func (e *Emulator) deviceTypeOK(dt string) *apiError {
	if dt != e.accountID {
		return fail(CodeBadDeviceType, "device_type %q is not this account (%s)", dt, e.accountID)
	}
	return nil
}

func (e *Emulator) authorized(id string) *apiError {
	if id == "" {
		return fail(CodeInvalidParam, "device_id missing")
	}
	if e.devices[id] == nil {
		return fail(CodeDeviceUnauthorized, "device %q is not authorized", id)
	}
	return nil
}

var (
	okTop     = topResp{0, "ok"}
	okBase    = baseResp{okTop}
	okRespMsg = respMsg{0, "ok"}
)

// --- endpoints ----------------------------------------------------------------

func (e *Emulator) transMsg(_ url.Values, body []byte) (any, *apiError) {
	var req struct {
		DeviceType   string          `json:"device_type"`
		DeviceID     string          `json:"device_id"`
		OpenID       string          `json:"open_id"`
		Content      string          `json:"content"`
		MsgType      flexjson.String `json:"msg_type"`
		DeviceStatus flexjson.String `json:"device_status"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return nil, aerr
	}
	trimText(&req.MsgType, &req.DeviceStatus)
	if aerr := e.deviceTypeOK(req.DeviceType); aerr != nil {
		return nil, aerr
	}
	if aerr := e.authorized(req.DeviceID); aerr != nil {
		return nil, aerr
	}
	if req.OpenID == "" {
		return nil, fail(CodeInvalidOpenID, "open_id missing")
	}
	b := Binding{req.OpenID, req.DeviceID}
	if !e.bindings[b] {
		return nil, fail(CodeNotBound, "user %s is not bound to device %s", req.OpenID, req.DeviceID)
	}
	rec := TransMsg{DeviceType: req.DeviceType, DeviceID: req.DeviceID, OpenID: req.OpenID}
	switch req.MsgType {
	case "2":
		switch req.DeviceStatus {
		case "0", "1":
		default:
			return nil, fail(CodeInvalidParam, "device_status must be 0 or 1")
		}
		if !e.statusSubs[b] {
			return nil, fail(CodeStatusUnsubscribed, "user unsubscribed device status")
		}
		rec.Status = true
		rec.DeviceStatus = int(req.DeviceStatus[0] - '0')
	case "":
		c, err := base64.StdEncoding.DecodeString(req.Content)
		if err != nil {
			return nil, fail(CodeDataFormat, "content is not Base64")
		}
		rec.Content = c
	default:
		return nil, fail(CodeInvalidParam, "unknown msg_type %q", string(req.MsgType))
	}
	e.transMsgs = append(e.transMsgs, rec)
	return retResp{0, "ok"}, nil
}

func (e *Emulator) createQRCode(_ url.Values, body []byte) (any, *apiError) {
	var req struct {
		DeviceNum    flexjson.String `json:"device_num"`
		DeviceIDList []string        `json:"device_id_list"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return nil, aerr
	}
	trimText(&req.DeviceNum)
	if n, err := strconv.Atoi(string(req.DeviceNum)); err != nil || n != len(req.DeviceIDList) || n == 0 {
		return nil, fail(CodeBadDeviceNum, "device_num %q does not match %d device ids", string(req.DeviceNum), len(req.DeviceIDList))
	}
	for _, id := range req.DeviceIDList {
		if aerr := e.authorized(id); aerr != nil {
			return nil, aerr
		}
	}
	type code struct {
		DeviceID string `json:"device_id"`
		Ticket   string `json:"ticket"`
	}
	list := make([]code, 0, len(req.DeviceIDList))
	for _, id := range req.DeviceIDList {
		list = append(list, code{id, e.qrTicketFor(id)})
	}
	return struct {
		topResp
		DeviceNum int    `json:"device_num"`
		CodeList  []code `json:"code_list"`
	}{okTop, len(list), list}, nil
}

// qrTicketFor returns the device's QR ticket, creating it on first use: a
// device keeps one QR code, as printed on its label.
//
// The ticket encodes the account and the device, so that every emulator
// of one account reads the others' tickets, as there is one WeChat: a QR
// code the console's in-process emulator made scans in the one that
// 'acconsole wechat --emulator' runs.
func (e *Emulator) qrTicketFor(id string) string {
	if t := e.qrByDevice[id]; t != "" {
		return t
	}
	t := ticketPrefix + base64.RawURLEncoding.EncodeToString([]byte(e.accountID+"\x00"+id))
	e.qrByDevice[id] = t
	e.qrTickets[t] = id
	return t
}

// deviceOfTicket resolves a QR ticket: one this emulator issued, or one of
// the same account for a device authorised here. e.mu must be held.
func (e *Emulator) deviceOfTicket(t string) (string, bool) {
	if id, ok := e.qrTickets[t]; ok {
		return id, true
	}
	rest, ok := strings.CutPrefix(t, ticketPrefix)
	if !ok {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return "", false
	}
	account, id, ok := strings.Cut(string(raw), "\x00")
	if !ok || account != e.accountID || e.devices[id] == nil {
		return "", false
	}
	e.qrByDevice[id] = t
	e.qrTickets[t] = id
	return id, true
}

func (e *Emulator) getQRCode(_ url.Values, _ []byte) (any, *apiError) {
	// WeChat allocates the id; the device still needs authorize_device.
	id := e.accountID + "_" + randomHex(8)
	t := e.qrTicketFor(id)
	return struct {
		BaseResp      topResp `json:"base_resp"`
		DeviceID      string  `json:"deviceid"`
		QRTicket      string  `json:"qrticket"`
		DeviceLicence string  `json:"devicelicence"`
	}{okTop, id, t, randomHex(64)}, nil
}

func (e *Emulator) authorizeDevice(_ url.Values, body []byte) (any, *apiError) {
	var req struct {
		DeviceNum  flexjson.String              `json:"device_num"`
		DeviceList []map[string]flexjson.String `json:"device_list"`
		OpType     flexjson.String              `json:"op_type"`
		ProductID  flexjson.String              `json:"product_id"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return nil, aerr
	}
	trimText(&req.DeviceNum, &req.OpType, &req.ProductID)
	for _, d := range req.DeviceList {
		for k, v := range d {
			trimText(&v)
			d[k] = v
		}
	}
	if n, err := strconv.Atoi(string(req.DeviceNum)); err != nil || n != len(req.DeviceList) || n == 0 {
		return nil, fail(CodeBadDeviceNum, "device_num %q does not match %d devices", string(req.DeviceNum), len(req.DeviceList))
	}
	if req.OpType != "0" && req.OpType != "1" {
		return nil, fail(CodeInvalidParam, "op_type must be 0 or 1")
	}
	type baseInfo struct {
		DeviceType string `json:"device_type"`
		DeviceID   string `json:"device_id"`
	}
	type result struct {
		BaseInfo baseInfo `json:"base_info"`
		ErrCode  int      `json:"errcode"`
		ErrMsg   string   `json:"errmsg"`
	}
	out := make([]result, 0, len(req.DeviceList))
	for _, d := range req.DeviceList {
		id := string(d["id"])
		r := result{BaseInfo: baseInfo{e.accountID, id}, ErrMsg: "ok"}
		switch {
		case id == "":
			r.ErrCode, r.ErrMsg = CodeInvalidParam, "device id missing"
		case req.OpType == "0" && e.devices[id] != nil:
			r.ErrCode, r.ErrMsg = CodeDeviceAuthorized, "device already authorized"
		case req.OpType == "1" && e.devices[id] == nil:
			r.ErrCode, r.ErrMsg = CodeDeviceUnauthorized, "device not authorized"
		default:
			attrs := map[string]string{}
			for k, v := range d {
				if k != "id" && k != "mac" {
					attrs[k] = string(v)
				}
			}
			e.devices[id] = &Device{ID: id, MAC: string(d["mac"]), ProductID: string(req.ProductID), Attributes: attrs}
		}
		out = append(out, r)
	}
	return struct {
		Resp []result `json:"resp"`
	}{out}, nil
}

func (e *Emulator) verifyQRCode(_ url.Values, body []byte) (any, *apiError) {
	var req struct {
		Ticket string `json:"ticket"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return nil, aerr
	}
	id, ok := e.deviceOfTicket(req.Ticket)
	if !ok {
		return nil, fail(CodeUnknownQRTicket, "unknown QR ticket")
	}
	mac := ""
	if d := e.devices[id]; d != nil {
		mac = d.MAC
	}
	return struct {
		topResp
		DeviceType string `json:"device_type"`
		DeviceID   string `json:"device_id"`
		MAC        string `json:"mac"`
	}{okTop, e.accountID, id, mac}, nil
}

type bindReq struct {
	Ticket   string `json:"ticket"`
	DeviceID string `json:"device_id"`
	OpenID   string `json:"openid"`
}

// ticketedReq decodes and checks a bind/unbind request, consuming its
// ticket: a device-operation ticket is good for one operation.
func (e *Emulator) ticketedReq(body []byte) (Binding, *apiError) {
	var req bindReq
	if aerr := decodeBody(body, &req); aerr != nil {
		return Binding{}, aerr
	}
	if req.OpenID == "" {
		return Binding{}, fail(CodeInvalidOpenID, "openid missing")
	}
	if aerr := e.authorized(req.DeviceID); aerr != nil {
		return Binding{}, aerr
	}
	dev, ok := e.opTickets[req.Ticket]
	if req.Ticket == "" || !ok || dev != req.DeviceID {
		return Binding{}, fail(CodeBadTicket, "invalid ticket")
	}
	delete(e.opTickets, req.Ticket)
	return Binding{req.OpenID, req.DeviceID}, nil
}

func (e *Emulator) bind(_ url.Values, body []byte) (any, *apiError) {
	b, aerr := e.ticketedReq(body)
	if aerr != nil {
		return nil, aerr
	}
	e.bindings[b] = true
	return okBase, nil
}

func (e *Emulator) unbind(_ url.Values, body []byte) (any, *apiError) {
	b, aerr := e.ticketedReq(body)
	if aerr != nil {
		return nil, aerr
	}
	if !e.bindings[b] {
		return nil, fail(CodeNotBound, "user is not bound to the device")
	}
	e.removeBinding(b)
	return okBase, nil
}

func (e *Emulator) compelReq(body []byte) (Binding, *apiError) {
	var req bindReq
	if aerr := decodeBody(body, &req); aerr != nil {
		return Binding{}, aerr
	}
	if req.OpenID == "" {
		return Binding{}, fail(CodeInvalidOpenID, "openid missing")
	}
	if aerr := e.authorized(req.DeviceID); aerr != nil {
		return Binding{}, aerr
	}
	return Binding{req.OpenID, req.DeviceID}, nil
}

func (e *Emulator) compelBind(_ url.Values, body []byte) (any, *apiError) {
	b, aerr := e.compelReq(body)
	if aerr != nil {
		return nil, aerr
	}
	e.bindings[b] = true
	return okBase, nil
}

func (e *Emulator) compelUnbind(_ url.Values, body []byte) (any, *apiError) {
	b, aerr := e.compelReq(body)
	if aerr != nil {
		return nil, aerr
	}
	if !e.bindings[b] {
		return nil, fail(CodeNotBound, "user is not bound to the device")
	}
	e.removeBinding(b)
	return okBase, nil
}

func (e *Emulator) removeBinding(b Binding) {
	delete(e.bindings, b)
	delete(e.statusSubs, b)
}

func (e *Emulator) getStat(q url.Values, _ []byte) (any, *apiError) {
	id := q.Get("device_id")
	if id == "" {
		return nil, fail(CodeInvalidParam, "device_id missing")
	}
	status, info := 0, "unauthorized"
	if e.devices[id] != nil {
		status, info = 1, "authorized"
		for b := range e.bindings {
			if b.DeviceID == id {
				status, info = 2, "bind"
				break
			}
		}
	}
	return struct {
		topResp
		Status     int    `json:"status"`
		StatusInfo string `json:"status_info"`
	}{okTop, status, info}, nil
}

func (e *Emulator) getOpenID(q url.Values, _ []byte) (any, *apiError) {
	if aerr := e.deviceTypeOK(q.Get("device_type")); aerr != nil {
		return nil, aerr
	}
	id := q.Get("device_id")
	if id == "" {
		return nil, fail(CodeInvalidParam, "device_id missing")
	}
	ids := []string{}
	for b := range e.bindings {
		if b.DeviceID == id {
			ids = append(ids, b.OpenID)
		}
	}
	slices.Sort(ids)
	return struct {
		OpenID  []string `json:"open_id"`
		RespMsg respMsg  `json:"resp_msg"`
	}{ids, okRespMsg}, nil
}

func (e *Emulator) getBindDevice(q url.Values, _ []byte) (any, *apiError) {
	openID := q.Get("openid")
	if openID == "" {
		return nil, fail(CodeInvalidOpenID, "openid missing")
	}
	type dev struct {
		DeviceType string `json:"device_type"`
		DeviceID   string `json:"device_id"`
	}
	list := []dev{}
	for b := range e.bindings {
		if b.OpenID == openID {
			list = append(list, dev{e.accountID, b.DeviceID})
		}
	}
	slices.SortFunc(list, func(a, b dev) int { return cmp.Compare(a.DeviceID, b.DeviceID) })
	return struct {
		RespMsg    respMsg `json:"resp_msg"`
		OpenID     string  `json:"openid"`
		DeviceList []dev   `json:"device_list"`
	}{okRespMsg, openID, list}, nil
}

func (e *Emulator) templateSend(_ url.Values, body []byte) (any, *apiError) {
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		URL        string `json:"url"`
		Data       map[string]struct {
			Value string `json:"value"`
			Color string `json:"color"`
		} `json:"data"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return nil, aerr
	}
	if req.ToUser == "" {
		return nil, fail(CodeInvalidOpenID, "touser missing")
	}
	if req.TemplateID == "" {
		return nil, fail(CodeInvalidTemplateID, "invalid template_id")
	}
	if !e.followers[req.ToUser] {
		return nil, fail(CodeRequireSubscribe, "require subscribe")
	}
	m := TemplateMessage{MsgID: e.nextMsgID, ToUser: req.ToUser, TemplateID: req.TemplateID, URL: req.URL,
		Data: make(map[string]TemplateField, len(req.Data))}
	e.nextMsgID++
	for k, v := range req.Data {
		m.Data[k] = TemplateField{Value: v.Value, Color: v.Color}
	}
	e.templates = append(e.templates, m)
	return struct {
		topResp
		MsgID int64 `json:"msgid"`
	}{okTop, m.MsgID}, nil
}
