package wxemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"acconsole/internal/clock"
	"acconsole/wechat/wxemu"
)

// These tests speak raw HTTP, to pin the emulator's wire format
// independently of wxapi.

func (e *env) token(t *testing.T) string {
	t.Helper()
	q := url.Values{"grant_type": {"client_credential"}, "appid": {e.emu.AppID()}, "secret": {e.emu.AppSecret()}}
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	raw := e.do(t, "GET", "/cgi-bin/token?"+q.Encode(), "")
	if err := json.Unmarshal(raw, &r); err != nil || r.AccessToken == "" || r.ExpiresIn <= 0 {
		t.Fatalf("token response %s", raw)
	}
	return r.AccessToken
}

func (e *env) do(t *testing.T, method, path, body string) []byte {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.api.URL+path, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	b, _ := io.ReadAll(resp.Body)
	return b
}

func (e *env) post(t *testing.T, path, body string, out any) []byte {
	t.Helper()
	raw := e.do(t, "POST", path+"?access_token="+url.QueryEscape(e.token(t)), body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v in %s", path, err, raw)
		}
	}
	return raw
}

func (e *env) get(t *testing.T, path string, q url.Values, out any) []byte {
	t.Helper()
	q.Set("access_token", e.token(t))
	raw := e.do(t, "GET", path+"?"+q.Encode(), "")
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v in %s", path, err, raw)
		}
	}
	return raw
}

func TestTokenEndpoint(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	cases := map[string]string{
		"grant_type=password&appid=" + e.emu.AppID() + "&secret=" + e.emu.AppSecret(): `{"errcode":40002,"errmsg":"invalid grant_type"}`,
		"grant_type=client_credential&appid=wxbad&secret=" + e.emu.AppSecret():        `{"errcode":40013,"errmsg":"invalid appid"}`,
		"grant_type=client_credential&appid=" + e.emu.AppID() + "&secret=bad":         `{"errcode":40125,"errmsg":"invalid appsecret"}`,
	}
	for q, want := range cases {
		if got := strings.TrimSpace(string(e.do(t, "GET", "/cgi-bin/token?"+q, ""))); got != want {
			t.Errorf("%s: %s", q, got)
		}
	}
	if e.emu.TokensIssued() != 0 {
		t.Fatal("token issued for bad credentials")
	}
}

func TestAccessTokenChecks(t *testing.T) {
	clk := clock.NewFake(time.Unix(1700000000, 0))
	e := newEnv(t, wxemu.Config{Clock: clk, TokenTTL: time.Hour})
	e.emu.AuthorizeDevice(dev, "")
	tok := e.token(t)
	check := func(q, want string) {
		t.Helper()
		if got := strings.TrimSpace(string(e.do(t, "GET", "/device/get_stat?device_id="+dev+q, ""))); !strings.Contains(got, want) {
			t.Fatalf("%s: %s, want %s", q, got, want)
		}
	}
	check("", `"errcode":41001`)
	check("&access_token=nope", `"errcode":40001`)
	check("&access_token="+tok, `"status":1`)
	clk.Advance(time.Hour)
	check("&access_token="+tok, `"errcode":42001`)
	tok = e.token(t)
	e.emu.ExpireTokens()
	check("&access_token="+tok, `"errcode":42001`)
	tok = e.token(t)
	e.emu.InvalidateTokens()
	check("&access_token="+tok, `"errcode":40001`)
	// Token errors are top-level even on endpoints that use another wrapping.
	if got := string(e.do(t, "POST", "/device/bind?access_token=nope", `{}`)); !strings.HasPrefix(got, `{"errcode":40001`) {
		t.Fatalf("bind with a bad token: %s", got)
	}
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	tok := "?access_token=" + url.QueryEscape(e.token(t))
	cases := []struct{ method, path, body, want string }{
		{"GET", "/device/nope" + tok, "", `"errcode":48001`},
		{"GET", "/device/bind" + tok, "", `"errcode":43002`},
		{"POST", "/device/get_stat" + tok, "{}", `"errcode":43001`},
		{"POST", "/device/bind" + tok, "", `"errcode":44002`},
		{"POST", "/device/bind" + tok, "{not json", `"errcode":47001`},
		{"POST", "/device/create_qrcode" + tok, `{"device_num":"2","device_id_list":["a"]}`, `"errcode":90006`},
		{"POST", "/device/create_qrcode" + tok, `{"device_num":"x","device_id_list":["a"]}`, `"errcode":90006`},
		{"POST", "/device/verify_qrcode" + tok, `{"ticket":"http://we.qq.com/d/unknown"}`, `"errcode":90008`},
		{"POST", "/device/authorize_device" + tok, `{"device_num":"1","device_list":[{"id":"X"}],"op_type":"5"}`, `"errcode":90007`},
		{"POST", "/device/authorize_device" + tok, `{"device_num":"1","device_list":[{"id":"X"}],"op_type":"1"}`, `"errcode":90002,"errmsg":"device not authorized"`},
		// Endpoint-specific wrappings of failures.
		{"POST", "/device/bind" + tok, `{"ticket":"t","device_id":"X","openid":"u"}`, `{"base_resp":{"errcode":90002`},
		{"GET", "/device/get_openid" + tok + "&device_type=gh_other&device_id=X", "", `{"resp_msg":{"ret_code":90001`},
		{"GET", "/device/get_bind_device" + tok, "", `{"resp_msg":{"ret_code":40003`},
		{"POST", "/device/transmsg" + tok, `{"device_type":"gh_other","device_id":"X","open_id":"u","content":""}`, `{"ret":90001`},
		{"POST", "/cgi-bin/message/template/send" + tok, `{"touser":"u","template_id":""}`, `{"errcode":40037`},
	}
	for _, c := range cases {
		got := string(e.do(t, c.method, c.path, c.body))
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %s %s: %s, want %s", c.method, c.path, c.body, got, c.want)
		}
	}
}

func TestAuthorizeAndStat(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	var ar struct {
		Resp []struct {
			BaseInfo struct {
				DeviceType string `json:"device_type"`
				DeviceID   string `json:"device_id"`
			} `json:"base_info"`
			ErrCode int `json:"errcode"`
		} `json:"resp"`
	}
	e.post(t, "/device/authorize_device", `{"device_num":2,"device_list":[{"id":"A1","mac":"m1","crypt_method":"0","auth_key":""},{"id":""}],"op_type":0,"product_id":"77"}`, &ar)
	if len(ar.Resp) != 2 || ar.Resp[0].ErrCode != 0 || ar.Resp[0].BaseInfo.DeviceID != "A1" || ar.Resp[0].BaseInfo.DeviceType != e.emu.AccountID() || ar.Resp[1].ErrCode != wxemu.CodeInvalidParam {
		t.Fatalf("authorize: %+v", ar)
	}
	d, ok := e.emu.DeviceInfo("A1")
	if !ok || d.MAC != "m1" || d.ProductID != "77" || d.Attributes["crypt_method"] != "0" {
		t.Fatalf("device %+v", d)
	}
	stat := func() int {
		var s struct{ Status int }
		e.get(t, "/device/get_stat", url.Values{"device_id": {"A1"}}, &s)
		return s.Status
	}
	if stat() != 1 {
		t.Fatal("want 1 (authorised)")
	}
	e.post(t, "/device/compel_bind", `{"device_id":"A1","openid":"u"}`, nil)
	if stat() != 2 {
		t.Fatal("want 2 (bound)")
	}
	var s struct{ Status int }
	e.get(t, "/device/get_stat", url.Values{"device_id": {"ZZ"}}, &s)
	if s.Status != 0 {
		t.Fatal("want 0 (unauthorised)")
	}
	// Exact success shapes.
	if got := strings.TrimSpace(string(e.post(t, "/device/compel_unbind", `{"device_id":"A1","openid":"u"}`, nil))); got != `{"base_resp":{"errcode":0,"errmsg":"ok"}}` {
		t.Fatalf("compel_unbind: %s", got)
	}
	if got := strings.TrimSpace(string(e.get(t, "/device/get_bind_device", url.Values{"openid": {"u"}}, nil))); got != `{"resp_msg":{"ret_code":0,"error_info":"ok"},"openid":"u","device_list":[]}` {
		t.Fatalf("get_bind_device: %s", got)
	}
}
