package wxapi_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"acconsole/internal/clock"
	"acconsole/wechat/wxapi"
	"acconsole/wechat/wxemu"
)

type env struct {
	emu *wxemu.Emulator
	srv *httptest.Server
	c   *wxapi.Client
	clk *clock.Fake
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewFake(time.Unix(1700000000, 0))
	emu := wxemu.New(wxemu.Config{Clock: clk})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c, err := wxapi.New(wxapi.Config{AppID: emu.AppID(), AppSecret: emu.AppSecret(), BaseURL: srv.URL, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &env{emu, srv, c, clk}
}

func wantCode(t *testing.T, err error, op string, code int) *wxapi.Error {
	t.Helper()
	var we *wxapi.Error
	if !errors.As(err, &we) {
		t.Fatalf("error %v is not a *wxapi.Error", err)
	}
	if we.Op != op || we.Code != code {
		t.Fatalf("got Op %q Code %d (%s), want %q %d", we.Op, we.Code, we.Msg, op, code)
	}
	return we
}

func TestEveryEndpoint(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gh := e.emu.AccountID()
	const dev1, dev2, user = "ABCDEF0123456789", "ABCDEF0123456790", "o_user_1"

	// authorize_device
	res, err := e.c.AuthorizeDevices(ctx, "1234", wxapi.AuthNew,
		wxapi.AbleCloudWiFiDevice(dev1, "001122334455"), wxapi.AbleCloudWiFiDevice(dev2, "001122334456"))
	if err != nil || len(res) != 2 || res[0].DeviceID != dev1 || res[0].DeviceType != gh || res[0].Err != nil {
		t.Fatalf("authorize: %+v %v", res, err)
	}
	info, _ := e.emu.DeviceInfo(dev1)
	if info.MAC != "001122334455" || info.Attributes["crypt_method"] != "0" || info.Attributes["connect_protocol"] != "4" {
		t.Fatalf("emulator stored %+v", info)
	}
	// A per-device failure is reported in the results and as the error.
	res, err = e.c.AuthorizeDevices(ctx, "1234", wxapi.AuthNew, wxapi.AbleCloudWiFiDevice(dev1, ""))
	if len(res) != 1 || res[0].Err == nil {
		t.Fatalf("re-authorise: %+v", res)
	}
	wantCode(t, err, "authorize_device", wxemu.CodeDeviceAuthorized)
	if _, err = e.c.AuthorizeDevices(ctx, "1234", wxapi.AuthUpdate, wxapi.AbleCloudWiFiDevice(dev1, "aa")); err != nil {
		t.Fatalf("update: %v", err)
	}

	// get_stat: authorised, nobody bound
	st, err := e.c.GetStat(ctx, dev1)
	if err != nil || st.Status != wxapi.StatAuthorized {
		t.Fatalf("get_stat: %+v %v", st, err)
	}
	st, err = e.c.GetStat(ctx, "UNKNOWN")
	if err != nil || st.Status != wxapi.StatUnauthorized {
		t.Fatalf("get_stat unknown: %+v %v", st, err)
	}

	// create_qrcode + verify_qrcode
	codes, err := e.c.CreateQRCode(ctx, dev1, dev2)
	if err != nil || len(codes) != 2 || codes[0].DeviceID != dev1 || !strings.HasPrefix(codes[0].Ticket, "http://we.qq.com/d/") {
		t.Fatalf("create_qrcode: %+v %v", codes, err)
	}
	again, _ := e.c.CreateQRCode(ctx, dev1)
	if again[0].Ticket != codes[0].Ticket {
		t.Fatal("a device's QR ticket changed between calls")
	}
	qi, err := e.c.VerifyQRCode(ctx, codes[1].Ticket)
	if err != nil || qi.DeviceID != dev2 || qi.DeviceType != gh || qi.MAC != "001122334456" {
		t.Fatalf("verify_qrcode: %+v %v", qi, err)
	}
	_, err = e.c.CreateQRCode(ctx, "NOT_AUTHORISED")
	wantCode(t, err, "create_qrcode", wxemu.CodeDeviceUnauthorized)

	// getqrcode
	dq, err := e.c.GetQRCode(ctx, "1")
	if err != nil || dq.DeviceID == "" || dq.DeviceLicence == "" || !strings.HasPrefix(dq.QRTicket, "http://we.qq.com/d/") {
		t.Fatalf("getqrcode: %+v %v", dq, err)
	}

	// bind needs a device-operation ticket
	err = e.c.Bind(ctx, "forged-ticket", dev1, user)
	wantCode(t, err, "bind", wxemu.CodeBadTicket)
	tk := e.emu.IssueDeviceTicket(dev1)
	if err := e.c.Bind(ctx, tk, dev1, user); err != nil {
		t.Fatalf("bind: %v", err)
	}
	wantCode(t, e.c.Bind(ctx, tk, dev1, user), "bind", wxemu.CodeBadTicket) // single use
	if st, _ := e.c.GetStat(ctx, dev1); st.Status != wxapi.StatBound {
		t.Fatalf("after bind: %+v", st)
	}

	// compel_bind, get_openid, get_bind_device
	if err := e.c.CompelBind(ctx, dev2, user); err != nil {
		t.Fatalf("compel_bind: %v", err)
	}
	if err := e.c.CompelBind(ctx, dev2, "o_user_2"); err != nil {
		t.Fatalf("compel_bind: %v", err)
	}
	ids, err := e.c.GetOpenIDs(ctx, gh, dev2)
	if err != nil || fmt.Sprint(ids) != "[o_user_1 o_user_2]" {
		t.Fatalf("get_openid: %v %v", ids, err)
	}
	_, err = e.c.GetOpenIDs(ctx, "gh_other", dev2)
	wantCode(t, err, "get_openid", wxemu.CodeBadDeviceType)
	devs, err := e.c.GetBindDevices(ctx, user)
	if err != nil || len(devs) != 2 || devs[0] != (wxapi.BoundDevice{DeviceType: gh, DeviceID: dev1}) {
		t.Fatalf("get_bind_device: %+v %v", devs, err)
	}
	devs, err = e.c.GetBindDevices(ctx, "nobody")
	if err != nil || len(devs) != 0 {
		t.Fatalf("get_bind_device for nobody: %+v %v", devs, err)
	}

	// transmsg, both variants
	if err := e.c.TransMsg(ctx, gh, dev1, user, []byte{0, 1, 0xfe}); err != nil {
		t.Fatalf("transmsg: %v", err)
	}
	err = e.c.TransMsg(ctx, gh, dev1, "o_user_2", []byte("x"))
	wantCode(t, err, "transmsg", wxemu.CodeNotBound)
	err = e.c.TransMsgStatus(ctx, gh, dev1, user, true)
	we := wantCode(t, err, "transmsg", wxapi.CodeStatusUnsubscribed)
	if we.Msg == "" {
		t.Fatal("ret_info lost")
	}
	if n := len(e.emu.SentTransMsgs()); n != 1 {
		t.Fatalf("%d transmsgs recorded, want 1 (failed ones are not recorded)", n)
	}
	tm := e.emu.SentTransMsgs()[0]
	if tm.OpenID != user || string(tm.Content) != "\x00\x01\xfe" || tm.Status {
		t.Fatalf("recorded transmsg %+v", tm)
	}

	// unbind, compel_unbind
	wantCode(t, e.c.Unbind(ctx, "nope", dev1, user), "unbind", wxemu.CodeBadTicket)
	if err := e.c.Unbind(ctx, e.emu.IssueDeviceTicket(dev1), dev1, user); err != nil {
		t.Fatalf("unbind: %v", err)
	}
	if err := e.c.CompelUnbind(ctx, dev2, user); err != nil {
		t.Fatalf("compel_unbind: %v", err)
	}
	wantCode(t, e.c.CompelUnbind(ctx, dev2, user), "compel_unbind", wxemu.CodeNotBound)
	if e.emu.IsBound(user, dev1) || e.emu.IsBound(user, dev2) || !e.emu.IsBound("o_user_2", dev2) {
		t.Fatalf("bindings after unbind: %v", e.emu.Bindings())
	}

	// template message
	msg := wxapi.TemplateMessage{ToUser: user, TemplateID: "tpl_alarm", URL: "https://example.com/d?a=1&b=2",
		Data: map[string]wxapi.TemplateValue{"first": {Value: "Smoke!", Color: "#ff0000"}, "remark": {Value: "check"}}}
	_, err = e.c.SendTemplate(ctx, msg)
	wantCode(t, err, "template_send", wxemu.CodeRequireSubscribe)
	e.emu.SetFollower(user, true)
	id, err := e.c.SendTemplate(ctx, msg)
	if err != nil || id == 0 {
		t.Fatalf("template send: %d %v", id, err)
	}
	sent := e.emu.SentTemplates()
	if len(sent) != 1 || sent[0].MsgID != id || sent[0].URL != msg.URL || sent[0].Data["first"] != (wxemu.TemplateField{Value: "Smoke!", Color: "#ff0000"}) {
		t.Fatalf("recorded template %+v", sent)
	}

	if n := e.emu.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens fetched, want 1 (cached)", n)
	}
}

func TestTransMsgStatusSubscribed(t *testing.T) {
	// The status variant succeeds once the user opened the device page,
	// which takes a push; drive it with a trivial callback.
	e := newEnv(t)
	ctx := context.Background()
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
			"<CreateTime>1</CreateTime><MsgType><![CDATA[device_status]]></MsgType><DeviceType><![CDATA[%s]]></DeviceType>"+
			"<DeviceID><![CDATA[d]]></DeviceID><DeviceStatus>1</DeviceStatus></xml>", e.emu.AccountID(), e.emu.AccountID())
	}))
	defer cb.Close()
	e.emu.SetCallback(cb.URL, "")
	e.emu.AuthorizeDevice("d", "")
	e.emu.SetBinding("u", "d", true)
	if _, err := e.emu.OpenDevicePage(ctx, "u", "d"); err != nil {
		t.Fatal(err)
	}
	if err := e.c.TransMsgStatus(ctx, e.emu.AccountID(), "d", "u", false); err != nil {
		t.Fatal(err)
	}
	got := e.emu.SentTransMsgs()
	if len(got) != 1 || !got[0].Status || got[0].DeviceStatus != 0 {
		t.Fatalf("%+v", got)
	}
}

func TestErrorWrappings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.emu.AuthorizeDevice("d", "")
	e.emu.SetBinding("u", "d", true)
	gh := e.emu.AccountID()
	cases := []struct {
		op   string
		call func() error
	}{
		{"create_qrcode", func() error { _, err := e.c.CreateQRCode(ctx, "d"); return err }},     // errcode
		{"compel_bind", func() error { return e.c.CompelBind(ctx, "d", "u") }},                   // base_resp
		{"getqrcode", func() error { _, err := e.c.GetQRCode(ctx, "7"); return err }},            // base_resp
		{"get_openid", func() error { _, err := e.c.GetOpenIDs(ctx, gh, "d"); return err }},      // resp_msg
		{"get_bind_device", func() error { _, err := e.c.GetBindDevices(ctx, "u"); return err }}, // resp_msg
		{"transmsg", func() error { return e.c.TransMsg(ctx, gh, "d", "u", nil) }},               // ret
		{"template_send", func() error {
			_, err := e.c.SendTemplate(ctx, wxapi.TemplateMessage{ToUser: "u", TemplateID: "t"})
			return err
		}},
	}
	for _, c := range cases {
		e.emu.InjectError(c.op, 45009, "reach max api daily quota limit \x1b[2J\u202e", 1)
		err := c.call()
		we := wantCode(t, err, c.op, 45009)
		if we.Msg != "reach max api daily quota limit " {
			t.Errorf("%s: message not sanitised: %q", c.op, we.Msg)
		}
		if !wxapi.IsCode(fmt.Errorf("wrapped: %w", err), 45009) {
			t.Errorf("%s: IsCode does not see through wrapping", c.op)
		}
		if errors.Is(err, wxapi.ErrBadResponse) {
			t.Errorf("%s: a WeChat error is also reported as a bad response", c.op)
		}
		// The injection was one-shot: the next call succeeds.
		if c.op != "template_send" {
			if err := c.call(); err != nil {
				t.Errorf("%s after the injected error: %v", c.op, err)
			}
		}
	}
}

func TestTokenRefreshOnExpired(t *testing.T) {
	for _, tc := range []struct {
		name string
		kill func(*wxemu.Emulator)
	}{
		{"42001 expired", (*wxemu.Emulator).ExpireTokens},
		{"40001 invalid", (*wxemu.Emulator).InvalidateTokens},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			e.emu.AuthorizeDevice("d", "")
			if _, err := e.c.GetStat(ctx, "d"); err != nil {
				t.Fatal(err)
			}
			tc.kill(e.emu)
			st, err := e.c.GetStat(ctx, "d")
			if err != nil || st.Status != wxapi.StatAuthorized {
				t.Fatalf("after token loss: %+v %v", st, err)
			}
			if n := e.emu.TokensIssued(); n != 2 {
				t.Fatalf("tokens issued = %d, want 2", n)
			}
			if n := e.emu.CallCount("get_stat"); n != 3 {
				t.Fatalf("get_stat calls = %d, want 3 (1 + failed + retry)", n)
			}
		})
	}
}

// Another server of the same app fetches a token: WeChat keeps ours
// working for five minutes, then answers 40001; the client fetches a new
// token and retries once, and the caller never sees the rejection.
func TestTokenSupersededByAnotherServer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.emu.AuthorizeDevice("d", "")
	if _, err := e.c.GetStat(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	other, err := wxapi.New(wxapi.Config{AppID: e.emu.AppID(), AppSecret: e.emu.AppSecret(), BaseURL: e.srv.URL, Clock: e.clk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetStat(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	// Within the overlap both tokens work.
	e.clk.Advance(4 * time.Minute)
	if _, err := e.c.GetStat(ctx, "d"); err != nil {
		t.Fatalf("the previous token 4 minutes after a new one: %v", err)
	}
	if n := e.emu.TokensIssued(); n != 2 {
		t.Fatalf("tokens issued = %d, want 2", n)
	}
	// Past it, ours is refused (40001) and replaced.
	e.clk.Advance(2 * time.Minute)
	st, err := e.c.GetStat(ctx, "d")
	if err != nil || st.Status != wxapi.StatAuthorized {
		t.Fatalf("after the overlap: %+v %v", st, err)
	}
	if n := e.emu.TokensIssued(); n != 3 {
		t.Fatalf("tokens issued = %d, want 3 (ours, the other's, our refresh)", n)
	}
	// get_stat: ours, the other's, ours in the overlap, ours refused, the retry.
	if n := e.emu.CallCount("get_stat"); n != 5 {
		t.Fatalf("get_stat calls = %d, want 5", n)
	}
	// Now the other server's token is the superseded one.
	e.clk.Advance(6 * time.Minute)
	if _, err := other.GetStat(ctx, "d"); err != nil {
		t.Fatalf("the other server after our refresh: %v", err)
	}
	if n := e.emu.TokensIssued(); n != 4 {
		t.Fatalf("tokens issued = %d, want 4", n)
	}
}

func TestTokenRetryExactlyOnce(t *testing.T) {
	for _, code := range []int{wxapi.CodeInvalidCredential, wxapi.CodeTokenExpired} {
		e := newEnv(t)
		ctx := context.Background()
		e.emu.AuthorizeDevice("d", "")
		e.emu.InjectError("get_stat", code, "token rejected", 5)
		_, err := e.c.GetStat(ctx, "d")
		wantCode(t, err, "get_stat", code)
		if n := e.emu.CallCount("get_stat"); n != 2 {
			t.Fatalf("code %d: get_stat calls = %d, want exactly 2", code, n)
		}
		if n := e.emu.TokensIssued(); n != 2 {
			t.Fatalf("code %d: tokens issued = %d, want 2", code, n)
		}
	}
}

func TestNoRetryOnOtherErrors(t *testing.T) {
	e := newEnv(t)
	e.emu.AuthorizeDevice("d", "")
	e.emu.InjectError("get_stat", -1, "system busy", 1)
	_, err := e.c.GetStat(context.Background(), "d")
	wantCode(t, err, "get_stat", -1)
	if n := e.emu.CallCount("get_stat"); n != 1 {
		t.Fatalf("get_stat calls = %d, want 1", n)
	}
}

func TestTokenProactiveRefresh(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.emu.AuthorizeDevice("d", "")
	tok1, err := e.c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(7200*time.Second - 6*time.Minute)
	if tok, _ := e.c.AccessToken(ctx); tok != tok1 {
		t.Fatal("token refreshed too early")
	}
	// Inside the 5-minute margin: refreshed before WeChat would reject it.
	e.clk.Advance(2 * time.Minute)
	if _, err := e.c.GetStat(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if n := e.emu.TokensIssued(); n != 2 {
		t.Fatalf("tokens issued = %d, want 2", n)
	}
	if n := e.emu.CallCount("get_stat"); n != 1 {
		t.Fatalf("get_stat calls = %d, want 1 (no rejected call)", n)
	}
	e.c.InvalidateToken()
	if _, err := e.c.AccessToken(ctx); err != nil || e.emu.TokensIssued() != 3 {
		t.Fatalf("InvalidateToken did not force a fetch: %v", err)
	}
}

func TestConcurrentCallsShareOneRefresh(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.emu.AuthorizeDevice("d", "")
	if _, err := e.c.GetStat(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	e.emu.InvalidateTokens()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			if _, err := e.c.GetStat(ctx, "d"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.emu.TokensIssued(); n != 2 {
		t.Fatalf("tokens issued = %d, want 2", n)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newEnv(t)
	c, _ := wxapi.New(wxapi.Config{AppID: e.emu.AppID(), AppSecret: "wrong", BaseURL: e.srv.URL})
	_, err := c.GetStat(context.Background(), "d")
	we := wantCode(t, err, "token", wxemu.CodeInvalidAppSecret)
	if strings.Contains(we.Error(), "wrong") {
		t.Fatal("secret leaked into the error")
	}
	c, _ = wxapi.New(wxapi.Config{AppID: "wxnope", AppSecret: "x", BaseURL: e.srv.URL})
	_, err = c.AccessToken(context.Background())
	wantCode(t, err, "token", wxemu.CodeInvalidAppID)
}

func TestStaticTokenIsNotRefreshed(t *testing.T) {
	e := newEnv(t)
	c, err := wxapi.New(wxapi.Config{AccessToken: "not-issued", BaseURL: e.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetStat(context.Background(), "d")
	wantCode(t, err, "get_stat", wxapi.CodeInvalidCredential)
	if e.emu.TokensIssued() != 0 || e.emu.CallCount("get_stat") != 1 {
		t.Fatal("static token mode fetched a token or retried")
	}
}

func TestConfigAndArguments(t *testing.T) {
	for _, cfg := range []wxapi.Config{
		{},
		{AppID: "wx1"},
		{AppID: "wx1", AppSecret: "s", BaseURL: "ftp://x"},
		{AppID: "wx1", AppSecret: "s", BaseURL: "://"},
	} {
		if _, err := wxapi.New(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	// Refused before any network traffic: the base URL goes nowhere.
	c, err := wxapi.New(wxapi.Config{AccessToken: "t", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	checks := []error{
		c.TransMsg(ctx, "", "d", "u", nil),
		c.TransMsgStatus(ctx, "gh", "", "u", true),
		c.Bind(ctx, "", "d", "u"),
		c.Unbind(ctx, "t", "d", ""),
		c.CompelBind(ctx, "", "u"),
		c.CompelUnbind(ctx, "d", ""),
	}
	_, e1 := c.CreateQRCode(ctx)
	_, e2 := c.CreateQRCode(ctx, "a", "")
	_, e3 := c.AuthorizeDevices(ctx, "p", wxapi.AuthNew)
	_, e4 := c.AuthorizeDevices(ctx, "p", 7, wxapi.DeviceAuth{ID: "x"})
	_, e5 := c.GetStat(ctx, "")
	_, e6 := c.GetOpenIDs(ctx, "gh", "")
	_, e7 := c.GetBindDevices(ctx, "")
	_, e8 := c.VerifyQRCode(ctx, "")
	_, e9 := c.SendTemplate(ctx, wxapi.TemplateMessage{ToUser: "u"})
	for i, err := range append(checks, e1, e2, e3, e4, e5, e6, e7, e8, e9) {
		if !errors.Is(err, wxapi.ErrInvalidArgument) {
			t.Errorf("check %d: %v", i, err)
		}
	}
}

// --- hostile servers ----------------------------------------------------------

// hostile returns a client (static token, so only the endpoint itself is
// hit) against a server answering with h.
func hostile(t *testing.T, h http.HandlerFunc, cfg wxapi.Config) *wxapi.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.AccessToken = "SECRET_TOKEN_VALUE"
	cfg.BaseURL = srv.URL
	c, err := wxapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func body(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, s) }
}

func TestBadResponses(t *testing.T) {
	cases := []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"truncated JSON", body(`{"errcode":0,"status":2,"status_in`), "truncated JSON"},
		{"malformed JSON", body(`{"errcode":0,,}`), "malformed JSON"},
		{"trailing data", body(`{"errcode":0,"status":1} {}`), "malformed JSON"},
		{"HTML page", body(`<html><body>502 Bad Gateway</body></html>`), "not a JSON object"},
		{"JSON array", body(`[1,2]`), "not a JSON object"},
		{"null", body(`null`), "not a JSON object"},
		{"empty", body(``), "empty body"},
		{"missing status", body(`{"errcode":0,"errmsg":"ok"}`), "no status"},
		{"wrong type", body(`{"errcode":0,"status":"two"}`), "unexpected field types"},
		{"errcode not a number", body(`{"errcode":"x1"}`), "unexpected error fields"},
		{"HTTP 500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom\x1b[31m", http.StatusInternalServerError)
		}, "HTTP 500"},
		{"oversized", body(`{"errcode":0,"status":1,"pad":"` + strings.Repeat("x", 2000) + `"}`), "larger than 1024 bytes"},
		{"short body vs Content-Length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			fmt.Fprint(w, `{"errcode":0,"sta`)
		}, "unexpected EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := hostile(t, c.h, wxapi.Config{MaxResponseBytes: 1024})
			_, err := cl.GetStat(context.Background(), "d")
			if !errors.Is(err, wxapi.ErrBadResponse) {
				t.Fatalf("error %v does not wrap ErrBadResponse", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), "SECRET_TOKEN_VALUE") || strings.Contains(err.Error(), "\x1b") {
				t.Fatalf("error leaks the token or an escape: %q", err)
			}
		})
	}
}

func TestConnectionClosedMidResponse(t *testing.T) {
	cases := map[string]string{
		"inside headers": "HTTP/1.1 200 OK\r\nContent-Type: appl",
		"inside body":    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 80\r\n\r\n{\"errcode\":0,\"stat",
		"chunked body":   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"errcode\":0,\"st",
		"nothing":        "",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			cl := hostile(t, func(w http.ResponseWriter, r *http.Request) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = buf.WriteString(raw)
				_ = buf.Flush()
				_ = conn.Close()
			}, wxapi.Config{})
			_, err := cl.GetBindDevices(context.Background(), "u")
			if err == nil {
				t.Fatal("no error")
			}
			var we *wxapi.Error
			if errors.As(err, &we) {
				t.Fatalf("transport failure reported as a WeChat error: %v", err)
			}
			if strings.Contains(err.Error(), "SECRET_TOKEN_VALUE") {
				t.Fatalf("error leaks the access token: %v", err)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	cl := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, wxapi.Config{Timeout: 100 * time.Millisecond})
	// The server never answers until the test ends and the context has no
	// deadline, so a deadline error can only be the configured Timeout's.
	_, err := cl.GetStat(context.Background(), "d")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	// The caller's own deadline wins when set.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = cl.GetStat(ctx, "d")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestTruncatedTokenResponse(t *testing.T) {
	srv := httptest.NewServer(body(`{"access_token":"abc","expires_in":72`))
	defer srv.Close()
	c, _ := wxapi.New(wxapi.Config{AppID: "wx", AppSecret: "s", BaseURL: srv.URL})
	_, err := c.AccessToken(context.Background())
	if !errors.Is(err, wxapi.ErrBadResponse) || !strings.Contains(err.Error(), "token") {
		t.Fatalf("err = %v", err)
	}
	srv2 := httptest.NewServer(body(`{"access_token":"abc"}`))
	defer srv2.Close()
	c, _ = wxapi.New(wxapi.Config{AppID: "wx", AppSecret: "s", BaseURL: srv2.URL})
	if _, err = c.AccessToken(context.Background()); !errors.Is(err, wxapi.ErrBadResponse) {
		t.Fatalf("missing expires_in: %v", err)
	}
}

// TestWireFormat pins what the client sends: paths, methods, query keys and
// JSON bodies, against the literal shapes in PROTOCOL §4.2.
func TestWireFormat(t *testing.T) {
	var mu sync.Mutex
	var got []string
	cl := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		sc := bufio.NewScanner(r.Body)
		for sc.Scan() {
			b.WriteString(sc.Text())
		}
		q := r.URL.Query()
		tok := q.Get("access_token")
		q.Del("access_token")
		mu.Lock()
		got = append(got, fmt.Sprintf("%s %s?%s tok=%s ct=%s %s", r.Method, r.URL.Path, q.Encode(), tok, r.Header.Get("Content-Type"), b))
		mu.Unlock()
		switch r.URL.Path {
		case "/device/create_qrcode":
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","device_num":"1","code_list":[{"device_id":"d","ticket":"http://we.qq.com/d/x"}]}`)
		case "/device/get_stat":
			fmt.Fprint(w, `{"errcode":0,"status":"2"}`)
		default:
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
		}
	}, wxapi.Config{})
	ctx := context.Background()
	_ = cl.TransMsg(ctx, "gh_a", "d", "u", []byte("hi"))
	_ = cl.TransMsgStatus(ctx, "gh_a", "d", "u", true)
	_, _ = cl.CreateQRCode(ctx, "d")
	_ = cl.CompelBind(ctx, "d", "u")
	st, err := cl.GetStat(ctx, "d")
	if err != nil || st.Status != wxapi.StatBound {
		t.Fatalf("numeric string status: %+v %v", st, err)
	}
	_, _ = cl.GetQRCode(ctx, "1")
	_, _ = cl.SendTemplate(ctx, wxapi.TemplateMessage{ToUser: "u", TemplateID: "t", URL: "http://x/?a=1&b=<2>",
		Data: map[string]wxapi.TemplateValue{"k": {Value: "v"}}})
	want := []string{
		`POST /device/transmsg? tok=SECRET_TOKEN_VALUE ct=application/json {"device_type":"gh_a","device_id":"d","open_id":"u","content":"aGk="}`,
		`POST /device/transmsg? tok=SECRET_TOKEN_VALUE ct=application/json {"device_type":"gh_a","device_id":"d","open_id":"u","msg_type":"2","device_status":"1"}`,
		`POST /device/create_qrcode? tok=SECRET_TOKEN_VALUE ct=application/json {"device_num":"1","device_id_list":["d"]}`,
		`POST /device/compel_bind? tok=SECRET_TOKEN_VALUE ct=application/json {"device_id":"d","openid":"u"}`,
		`GET /device/get_stat?device_id=d tok=SECRET_TOKEN_VALUE ct= `,
		`GET /device/getqrcode? tok=SECRET_TOKEN_VALUE ct= `,
		`POST /cgi-bin/message/template/send? tok=SECRET_TOKEN_VALUE ct=application/json {"touser":"u","template_id":"t","url":"http://x/?a=1&b=<2>","data":{"k":{"value":"v"}}}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
