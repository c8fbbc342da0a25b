package wxemu

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// StatusReply is the bridge's passive reply to a subscribe_status push, as
// the emulator parsed it.
type StatusReply struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	DeviceType   string
	DeviceID     string
	DeviceStatus int // 0 not connected, 1 connected
}

// ErrNoCallback is returned by pushes when no callback URL is set.
var ErrNoCallback = errors.New("wxemu: no callback URL configured")

// Follow makes openID follow the account and pushes event/subscribe. A user
// who already follows causes no push, as in WeChat.
func (e *Emulator) Follow(ctx context.Context, openID string) error {
	e.mu.Lock()
	already := e.followers[openID]
	e.followers[openID] = true
	e.mu.Unlock()
	if already {
		return nil
	}
	_, err := e.push(ctx, e.followXML(openID, "subscribe"))
	return err
}

// Unfollow makes openID stop following and pushes event/unsubscribe. The
// user's device bindings go too: a user who left the account cannot use its
// devices in WeChat (the bridge mirrors this by unbinding in AbleCloud).
// A user who does not follow causes no push.
func (e *Emulator) Unfollow(ctx context.Context, openID string) error {
	e.mu.Lock()
	was := e.followers[openID]
	delete(e.followers, openID)
	if was {
		for b := range e.bindings {
			if b.OpenID == openID {
				e.removeBinding(b)
			}
		}
	}
	e.mu.Unlock()
	if !was {
		return nil
	}
	_, err := e.push(ctx, e.followXML(openID, "unsubscribe"))
	return err
}

// ScanQR plays a user scanning a device QR code in WeChat. qr is the full QR
// text: the WeChat ticket up to the first '#', then (optionally) the data
// the vendor appended. WeChat binds the user to the device on its side, then
// pushes event/subscribe (only if the user did not follow yet) and
// device_event/bind whose Content is the appended data, Base64 encoded
// (PROTOCOL Q7).
func (e *Emulator) ScanQR(ctx context.Context, openID, qr string) error {
	if openID == "" {
		return errors.New("wxemu: ScanQR: empty open id")
	}
	ticket, extra, _ := strings.Cut(qr, "#")
	e.mu.Lock()
	deviceID, ok := e.deviceOfTicket(ticket)
	if !ok {
		e.mu.Unlock()
		return fmt.Errorf("wxemu: ScanQR: %q is not a QR ticket issued by create_qrcode", ticket)
	}
	if e.devices[deviceID] == nil {
		e.mu.Unlock()
		return fmt.Errorf("wxemu: ScanQR: device %s is not authorised", deviceID)
	}
	wasFollower := e.followers[openID]
	e.followers[openID] = true
	e.bindings[Binding{openID, deviceID}] = true
	e.mu.Unlock()

	if !wasFollower {
		if _, err := e.push(ctx, e.followXML(openID, "subscribe")); err != nil {
			return err
		}
	}
	content := ""
	if extra != "" {
		content = base64.StdEncoding.EncodeToString([]byte(extra))
	}
	_, err := e.push(ctx, e.deviceEventXML(openID, deviceID, "bind", content, -1))
	return err
}

// UnbindDevice plays a user removing a device in WeChat: the binding goes and
// device_event/unbind is pushed.
func (e *Emulator) UnbindDevice(ctx context.Context, openID, deviceID string) error {
	b := Binding{openID, deviceID}
	e.mu.Lock()
	if !e.bindings[b] {
		e.mu.Unlock()
		return fmt.Errorf("wxemu: UnbindDevice: %s is not bound to %s", openID, deviceID)
	}
	e.removeBinding(b)
	e.mu.Unlock()
	_, err := e.push(ctx, e.deviceEventXML(openID, deviceID, "unbind", "", -1))
	return err
}

// OpenDevicePage plays a user opening a bound device's page: it pushes
// device_event/subscribe_status (OpType 2) and returns the bridge's parsed
// device_status reply. A missing or inconsistent reply is an error, since
// WeChat could not show the device's state.
func (e *Emulator) OpenDevicePage(ctx context.Context, openID, deviceID string) (StatusReply, error) {
	b := Binding{openID, deviceID}
	e.mu.Lock()
	if !e.bindings[b] {
		e.mu.Unlock()
		return StatusReply{}, fmt.Errorf("wxemu: OpenDevicePage: %s is not bound to %s", openID, deviceID)
	}
	e.statusSubs[b] = true
	e.mu.Unlock()
	reply, err := e.push(ctx, e.deviceEventXML(openID, deviceID, "subscribe_status", "", 2))
	if err != nil {
		return StatusReply{}, err
	}
	return e.parseStatusReply(reply, openID, deviceID)
}

// CloseDevicePage plays the user leaving the device page: the status
// subscription ends and device_event/unsubscribe_status (OpType 0) is pushed.
func (e *Emulator) CloseDevicePage(ctx context.Context, openID, deviceID string) error {
	e.mu.Lock()
	delete(e.statusSubs, Binding{openID, deviceID})
	e.mu.Unlock()
	_, err := e.push(ctx, e.deviceEventXML(openID, deviceID, "unsubscribe_status", "", 0))
	return err
}

// PushRaw sends body to the callback exactly as given, with a fresh
// signature, and returns the reply. Replaying a body from Pushes() is what
// WeChat's retries look like to the bridge.
func (e *Emulator) PushRaw(ctx context.Context, body []byte) ([]byte, error) {
	return e.push(ctx, body)
}

func (e *Emulator) parseStatusReply(reply []byte, openID, deviceID string) (StatusReply, error) {
	if len(bytes.TrimSpace(reply)) == 0 {
		return StatusReply{}, errors.New("wxemu: OpenDevicePage: empty reply, want device_status XML")
	}
	var x struct {
		XMLName      xml.Name `xml:"xml"`
		ToUserName   string   `xml:"ToUserName"`
		FromUserName string   `xml:"FromUserName"`
		CreateTime   string   `xml:"CreateTime"`
		MsgType      string   `xml:"MsgType"`
		DeviceType   string   `xml:"DeviceType"`
		DeviceID     string   `xml:"DeviceID"`
		DeviceStatus string   `xml:"DeviceStatus"`
	}
	if err := xml.Unmarshal(reply, &x); err != nil {
		return StatusReply{}, fmt.Errorf("wxemu: OpenDevicePage: reply is not XML: %w", err)
	}
	r := StatusReply{ToUserName: x.ToUserName, FromUserName: x.FromUserName, MsgType: x.MsgType,
		DeviceType: x.DeviceType, DeviceID: x.DeviceID}
	var problems []string
	ct, err := strconv.ParseInt(strings.TrimSpace(x.CreateTime), 10, 64)
	if err != nil {
		problems = append(problems, "CreateTime is not an integer")
	}
	r.CreateTime = ct
	switch strings.TrimSpace(x.DeviceStatus) {
	case "0":
	case "1":
		r.DeviceStatus = 1
	default:
		problems = append(problems, fmt.Sprintf("DeviceStatus %q is not 0 or 1", x.DeviceStatus))
	}
	if r.MsgType != "device_status" {
		problems = append(problems, fmt.Sprintf("MsgType %q, want device_status", r.MsgType))
	}
	if r.ToUserName != openID {
		problems = append(problems, fmt.Sprintf("ToUserName %q, want the user %q", r.ToUserName, openID))
	}
	if r.FromUserName != e.accountID {
		problems = append(problems, fmt.Sprintf("FromUserName %q, want the account %q", r.FromUserName, e.accountID))
	}
	if r.DeviceType != e.accountID || r.DeviceID != deviceID {
		problems = append(problems, fmt.Sprintf("device %s/%s, want %s/%s", r.DeviceType, r.DeviceID, e.accountID, deviceID))
	}
	if len(problems) > 0 {
		return r, fmt.Errorf("wxemu: OpenDevicePage: bad device_status reply: %s", strings.Join(problems, "; "))
	}
	return r, nil
}

// --- push transport -----------------------------------------------------------

// push POSTs body to the callback, signed, retrying up to PushRetries times
// with the identical body (as WeChat does), and records the outcome.
func (e *Emulator) push(ctx context.Context, body []byte) ([]byte, error) {
	e.mu.Lock()
	target, token := e.callbackURL, e.pushToken
	e.mu.Unlock()
	if target == "" {
		return nil, ErrNoCallback
	}
	var reply []byte
	var err error
	for attempt := 0; attempt <= e.retries; attempt++ {
		reply, err = e.pushOnce(ctx, target, token, body)
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	e.mu.Lock()
	e.pushes = append(e.pushes, Push{Body: slices.Clone(body), Reply: slices.Clone(reply), Err: err})
	if m, ok := textReply(reply); ok && err == nil {
		e.texts = append(e.texts, m)
	}
	e.mu.Unlock()
	return reply, err
}

// textReply reads a text passive reply; any other reply (success, empty,
// device_status) is not one.
func textReply(reply []byte) (TextMessage, bool) {
	var x struct {
		XMLName      xml.Name `xml:"xml"`
		ToUserName   string   `xml:"ToUserName"`
		FromUserName string   `xml:"FromUserName"`
		MsgType      string   `xml:"MsgType"`
		Content      string   `xml:"Content"`
	}
	if !bytes.HasPrefix(bytes.TrimSpace(reply), []byte("<xml>")) || xml.Unmarshal(reply, &x) != nil || x.MsgType != "text" {
		return TextMessage{}, false
	}
	return TextMessage{ToUser: x.ToUserName, FromUser: x.FromUserName, Content: x.Content}, true
}

func (e *Emulator) pushOnce(ctx context.Context, target, token string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, e.pushTO)
	defer cancel()
	ts := strconv.FormatInt(e.now().Unix(), 10)
	nonce := strconv.FormatUint(rand.Uint64N(9e9)+1e9, 10)
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("wxemu: bad callback URL: %w", err)
	}
	q := u.Query()
	q.Set("signature", sign(token, ts, nonce))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("wxemu: push: %w", err)
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wxemu: push: %w", err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("wxemu: push: reading reply: %w", err)
	}
	if len(reply) > maxReplyBytes {
		return nil, fmt.Errorf("wxemu: push: reply larger than %d bytes", maxReplyBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return reply, fmt.Errorf("wxemu: push: callback answered HTTP %d", resp.StatusCode)
	}
	return reply, nil
}

// sign is WeChat's callback signature: hex SHA-1 of the sorted concatenation
// of token, timestamp and nonce. Written here rather than imported from
// wxpush so the two implementations check each other.
func sign(token, ts, nonce string) string {
	parts := []string{token, ts, nonce}
	slices.Sort(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// --- push bodies ----------------------------------------------------------------

// xmlBuilder writes push XML the way WeChat does: strings in CDATA, integers
// bare, one element per line.
type xmlBuilder struct{ b strings.Builder }

func (x *xmlBuilder) str(name, v string) {
	x.b.WriteString("<" + name + "><![CDATA[")
	x.b.WriteString(strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>"))
	x.b.WriteString("]]></" + name + ">\n")
}

func (x *xmlBuilder) num(name string, v int64) {
	x.b.WriteString("<" + name + ">" + strconv.FormatInt(v, 10) + "</" + name + ">\n")
}

func (e *Emulator) followXML(openID, event string) []byte {
	var x xmlBuilder
	x.b.WriteString("<xml>\n")
	x.str("ToUserName", e.accountID)
	x.str("FromUserName", openID)
	x.num("CreateTime", e.now().Unix())
	x.str("MsgType", "event")
	x.str("Event", event)
	if event == "subscribe" {
		x.str("EventKey", "")
	}
	x.b.WriteString("</xml>")
	return []byte(x.b.String())
}

// deviceEventXML builds a device_event push; opType < 0 leaves OpType out
// (bind/unbind carry Content and SessionID instead). Like real device events
// it carries no MsgId.
func (e *Emulator) deviceEventXML(openID, deviceID, event, content string, opType int) []byte {
	var x xmlBuilder
	x.b.WriteString("<xml>\n")
	x.str("ToUserName", e.accountID)
	x.str("FromUserName", openID)
	x.num("CreateTime", e.now().Unix())
	x.str("MsgType", "device_event")
	x.str("Event", event)
	x.str("DeviceType", e.accountID)
	x.str("DeviceID", deviceID)
	if opType >= 0 {
		x.num("OpType", int64(opType))
	} else {
		x.str("Content", content)
		x.num("SessionID", 0)
	}
	x.str("OpenID", openID)
	x.b.WriteString("</xml>")
	return []byte(x.b.String())
}
