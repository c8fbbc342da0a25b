package wxemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"acconsole/wechat/wxemu"
	"acconsole/wechat/wxpush"
)

// control serves e's emulator with its control API and returns the base URL.
func (e *env) control(t *testing.T, opts wxemu.ControlOptions) string {
	t.Helper()
	s := httptest.NewServer(wxemu.ControlHandler(e.emu, opts))
	t.Cleanup(s.Close)
	return s.URL
}

// call sends one request and returns the status and the decoded JSON answer.
func call(t *testing.T, method, u, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: answer %q is not a JSON object", method, u, raw)
	}
	return resp.StatusCode, v
}

// /control/scan takes the QR from ?qr=, from the body as text, or from the
// body as /control/qr's {"qr": …} answer, so `curl …/qr | curl …/scan
// --data-binary @-` works; each binds the user and carries the share data
// to the vendor's callback.
func TestControlScanReadsQRFromBody(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	base := e.control(t, wxemu.ControlOptions{})
	ticket := e.qrFor(t, dev)
	const extra = `{"sub_domain":"plug","share_code":"c#1"}`
	qr := ticket + "#" + extra
	answer, _ := json.Marshal(map[string]string{"qr": qr})
	for openID, tc := range map[string]struct{ query, body string }{
		"o_query": {"&qr=" + url.QueryEscape(qr), ""},
		"o_text":  {"", qr + "\n"},
		"o_json":  {"", string(answer) + "\n"},
	} {
		code, v := call(t, "POST", base+"/control/scan?openid="+openID+tc.query, tc.body)
		if code != http.StatusOK || v["result"] != "ok" {
			t.Fatalf("%s: %d %v", openID, code, v)
		}
		if !e.emu.IsBound(openID, dev) {
			t.Errorf("%s: not bound after the scan", openID)
		}
		var bind *wxpush.Message
		for _, m := range e.br.handledMsgs() {
			if m.Event == "bind" && m.OpenID == openID {
				bind = &m
			}
		}
		if bind == nil {
			t.Fatalf("%s: no bind pushed to the callback", openID)
		}
		if d, err := wxpush.DecodeQRContent(bind.Content); err != nil || d != (wxpush.QRData{SubDomain: "plug", ShareCode: "c#1"}) {
			t.Errorf("%s: bind Content decodes to %+v %v", openID, d, err)
		}
	}
	for name, body := range map[string]string{"nothing": "", "other JSON": `{"error":"x"}`} {
		code, v := call(t, "POST", base+"/control/scan?openid=o_bad", body)
		if msg, _ := v["error"].(string); code != http.StatusBadRequest || msg == "" {
			t.Errorf("%s: %d %v, want 400 with an error", name, code, v)
		}
	}
	if e.emu.IsFollower("o_bad") {
		t.Error("a refused scan made the user a follower")
	}
}

// /control/qr, /control/devices and /control/token answer what the
// vendor's side gives them, and a clear error where there is none.
func TestControlBridgeEndpoints(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	var gotQR [3]string
	base := e.control(t, wxemu.ControlOptions{
		QR: func(_ context.Context, device, sub, shareWith string) (string, error) {
			gotQR = [3]string{device, sub, shareWith}
			if device == "" {
				return "", errors.New("device is required")
			}
			return "http://we.qq.com/d/T#x", nil
		},
		Devices: func(_ context.Context, sub string) ([]wxemu.ControlDevice, error) {
			return []wxemu.ControlDevice{{PhysicalDeviceID: "P1", SubDomain: sub, Owner: 7, Online: true}}, nil
		},
	})
	code, v := call(t, "GET", base+"/control/qr?device=P1&sub=plug&share=o_a", "")
	if code != http.StatusOK || v["qr"] != "http://we.qq.com/d/T#x" || gotQR != [3]string{"P1", "plug", "o_a"} {
		t.Fatalf("qr: %d %v (asked %v)", code, v, gotQR)
	}
	if code, v := call(t, "GET", base+"/control/qr?sub=plug", ""); code != http.StatusBadRequest || v["error"] != "device is required" {
		t.Fatalf("qr without a device: %d %v", code, v)
	}

	resp, err := http.Get(base + "/control/devices?sub=plug")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `[{"physicalDeviceId":"P1","subDomain":"plug","owner":7,"online":true}]`; strings.TrimSpace(string(raw)) != want {
		t.Fatalf("devices: %s, want %s", raw, want)
	}

	// No data-push channel: a page token cannot be had.
	if code, v := call(t, "GET", base+"/control/token?openid=o_a", ""); code != http.StatusBadRequest || !strings.Contains(v["error"].(string), "no data-push channel") {
		t.Fatalf("token without a channel: %d %v", code, v)
	}
	withToken := e.control(t, wxemu.ControlOptions{PageToken: func(openID string) string { return "tok-" + openID }})
	if code, v := call(t, "GET", withToken+"/control/token?openid=o_a", ""); code != http.StatusOK || v["token"] != "tok-o_a" {
		t.Fatalf("token: %d %v", code, v)
	}
	for _, path := range []string{"/control/qr?device=P1", "/control/devices"} {
		if code, v := call(t, "GET", withToken+path, ""); code != http.StatusBadRequest || v["error"] == nil {
			t.Errorf("%s with nothing behind it: %d %v", path, code, v)
		}
	}
}

// /control/fail makes WeChat reject tokens: an unknown code is refused,
// naming the two it takes.
func TestControlFail(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	base := e.control(t, wxemu.ControlOptions{})
	code, v := call(t, "POST", base+"/control/fail?op=all&code=40002", "")
	if msg, _ := v["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "40001") || !strings.Contains(msg, "42001") {
		t.Fatalf("code 40002: %d %v", code, v)
	}
	if code, v := call(t, "POST", base+"/control/fail?code=40001", ""); code != http.StatusBadRequest || v["error"] == nil {
		t.Fatalf("no op: %d %v", code, v)
	}
	tok := e.token(t)
	if code, v := call(t, "POST", base+"/control/fail?op=all&code=40001", ""); code != http.StatusOK || v["result"] != "ok" {
		t.Fatalf("op=all: %d %v", code, v)
	}
	raw := e.do(t, "POST", "/device/create_qrcode?access_token="+url.QueryEscape(tok), `{"device_num":1,"device_id_list":["`+dev+`"]}`)
	if !strings.Contains(string(raw), "40001") {
		t.Fatalf("a call with the invalidated token answered %s, want errcode 40001", raw)
	}
}
