package devices

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"acconsole/models"
)

// send posts sendToDevice the way apps do: octet-stream, keys in the query.
func (e *env) send(uid int64, header string, q url.Values, payload []byte) (code string, body []byte, err *apiErr) {
	e.t.Helper()
	r := req{method: "sendToDevice", sub: header, uid: uid, stream: true, query: q, payload: payload}
	resp, b := e.raw(r)
	if resp.Header.Get("X-Zc-Msg-Name") == "X-Zc-Err" {
		return "", nil, e.do(r, nil)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		e.t.Fatalf("reply content type %q", ct)
	}
	return resp.Header.Get("X-Zc-Msg-Attr_code"), b, nil
}

func TestSendToDevice(t *testing.T) {
	e := newEnv(t)
	owner, stranger := e.user(1), e.user(2)
	e.activate("plug", "P000000000000001")
	d := e.bindDev(owner, "plug", "P000000000000001")
	key := hubKey("plug", "P000000000000001")
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	id := func() string { return strconv.FormatInt(d.DeviceID, 10) }

	// Offline: 3807.
	_, _, err := e.send(owner, "plug", q("subDomain", "plug", "deviceId", id(), "messageCode", "68"), []byte{1})
	wantCode(t, err, models.ErrDeviceOffline)

	dev := &fakeDevice{reply: func(ctx context.Context, code int, p []byte) (int, []byte, error) {
		if code == 99 { // never answers
			<-ctx.Done()
			return 0, nil, ctx.Err()
		}
		r := append([]byte{byte(code)}, p...)
		return code + 135, r, nil
	}}
	e.hub.Connect(key, dev, "10.0.0.5")

	code, body, err := e.send(owner, "plug", q("subDomain", "plug", "deviceId", id(), "messageCode", "68"), []byte{0xAA, 0x01})
	if err != nil || code != "203" || !bytes.Equal(body, []byte{68, 0xAA, 0x01}) {
		t.Fatalf("reply: code %q body %x err %v", code, body, err)
	}
	// The subDomain query key wins over a wrong header (Q14); the physical
	// id alone names the device.
	code, _, err = e.send(owner, "bulb", q("subDomain", "plug", "physicalDeviceId", "P000000000000001", "messageCode", "70"), nil)
	if err != nil || code != "205" {
		t.Fatalf("by physical id with query sub-domain: %q %v", code, err)
	}
	// An empty body is a command with no payload.
	_, body, err = e.send(owner, "plug", q("deviceId", id(), "messageCode", "65"), nil)
	if err != nil || !bytes.Equal(body, []byte{65}) {
		t.Fatalf("empty payload: %x %v", body, err)
	}
	// Developer scope reaches any device.
	if _, _, err = e.send(0, "plug", q("deviceId", id(), "messageCode", "199"), []byte{1}); err != nil {
		t.Fatalf("developer scope: %v", err)
	}

	// Timeout: the local extension key, in milliseconds.
	_, _, err = e.send(owner, "plug", q("deviceId", id(), "messageCode", "99", "timeout", "50"), nil)
	wantCode(t, err, models.ErrDeviceTimeout)
	if !strings.Contains(err.Error(), "within 50ms") {
		t.Fatalf("the 3814 message must name the timeout the caller asked for (50 ms): %v", err)
	}

	// Strangers, bad codes, bad keys.
	_, _, err = e.send(stranger, "plug", q("deviceId", id(), "messageCode", "68"), nil)
	wantCode(t, err, models.ErrDeviceAbsent)
	_, _, err = e.send(stranger, "plug", q("physicalDeviceId", "P000000000000001", "messageCode", "68"), nil)
	wantCode(t, err, models.ErrDeviceAbsent)
	for _, c := range []string{"64", "200", "0", "-1", "abc"} {
		_, _, err = e.send(owner, "plug", q("deviceId", id(), "messageCode", c), nil)
		wantCode(t, err, models.ErrBadMessageCode)
	}
	_, _, err = e.send(owner, "plug", q("deviceId", id()), nil)
	wantCode(t, err, models.ErrInvalidParam)
	_, _, err = e.send(owner, "plug", q("messageCode", "68"), nil)
	wantCode(t, err, models.ErrInvalidParam)
	_, _, err = e.send(owner, "plug", q("deviceId", id(), "messageCode", "68", "timeout", "0"), nil)
	wantCode(t, err, models.ErrInvalidParam)
	_, _, err = e.send(owner, "plug", q("deviceId", id(), "messageCode", "68", "timeout", "999999"), nil)
	wantCode(t, err, models.ErrInvalidParam)
	_, _, err = e.send(owner, "plug", q("deviceId", "x", "messageCode", "68"), nil)
	wantCode(t, err, models.ErrInvalidParam)
	_, _, err = e.send(owner, "plug", q("deviceId", id(), "physicalDeviceId", "OTHER", "messageCode", "68"), nil)
	wantCode(t, err, models.ErrInvalidParam)
	_, _, err = e.send(owner, "", q("subDomain", "nosuch", "deviceId", id(), "messageCode", "68"), nil)
	wantCode(t, err, models.ErrSubDomainAbsent)

	// The device drops off: 3807 again.
	e.hub.Disconnect(key)
	_, _, err = e.send(owner, "plug", q("deviceId", id(), "messageCode", "68"), nil)
	wantCode(t, err, models.ErrDeviceOffline)
}
