package wechat

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"acconsole/i18n"
	"acconsole/internal/clock"
	"acconsole/wechat/wxpush"
)

// What WeChat users read from the bridge is Chinese unless the deployment
// says otherwise; the expected texts are written out by hand.

// textsTo lists the text replies the emulator delivered to openID.
func textsTo(e *env, openID string) []string {
	var out []string
	for _, m := range e.emu.ReceivedTexts() {
		if m.ToUser == openID {
			if m.FromUser != e.emu.AccountID() {
				e.t.Fatalf("a text reply from %q, want the account %q", m.FromUser, e.emu.AccountID())
			}
			out = append(out, m.Content)
		}
	}
	return out
}

// TestRefusedScansAreExplainedInChinese: a scan AbleCloud refuses is
// answered with a Chinese text in the scanner's chat (and WeChat's binding
// is taken back); a scan that binds is answered with nothing.
func TestRefusedScansAreExplainedInChinese(t *testing.T) {
	e := newEnv(t)
	const ann, cai, dan, eve = "o_ann_00000000000000000000001", "o_cai_00000000000000000000002", "o_dan_00000000000000000000003", "o_eve_00000000000000000000004"
	a, b := e.device("plug", false), e.device("plug", false)
	e.scan(ann, e.qr(a, ""))
	e.scan(ann, e.qr(b, ""))
	if got := textsTo(e, ann); len(got) != 0 {
		t.Fatalf("the owner's own scans were answered with %q", got)
	}

	// Another user scans the plain QR of a device Ann owns.
	e.scan(cai, e.qr(a, ""))
	e.agree(cai)
	want := []string{"设备 " + a + " 已被其他用户绑定，请让设备管理员将设备分享给您。"}
	if got := textsTo(e, cai); !equalStrings(got, want) {
		t.Fatalf("already bound: replies %q, want %q", got, want)
	}

	// Device b's ticket with device a's share code.
	_, dataA, _ := wxpush.SplitQRString(e.qr(a, ann))
	e.scan(dan, wxpush.BuildQRString(e.emu.QRTicket(b), "plug", dataA.ShareCode))
	e.agree(dan)
	want = []string{"该分享码属于另一台设备，与您扫描的二维码不符，请让设备管理员重新分享设备。"}
	if got := textsTo(e, dan); !equalStrings(got, want) {
		t.Fatalf("share code of another device: replies %q, want %q", got, want)
	}

	// A share code that is not one.
	e.scan(eve, wxpush.BuildQRString(e.emu.QRTicket(a), "plug", "not-a-share-code"))
	e.agree(eve)
	want = []string{"分享码无效或已被使用，请向设备管理员索取新的分享码。"}
	if got := textsTo(e, eve); !equalStrings(got, want) {
		t.Fatalf("bad share code: replies %q, want %q", got, want)
	}

	// The reply is XML WeChat reads: the raw body of the last bind.
	last := e.emu.Pushes()
	reply := string(last[len(last)-1].Reply)
	for _, part := range []string{"<ToUserName><![CDATA[" + eve + "]]></ToUserName>", "<MsgType><![CDATA[text]]></MsgType>", "<Content><![CDATA[分享码无效"} {
		if !strings.Contains(reply, part) {
			t.Fatalf("reply %s lacks %s", reply, part)
		}
	}
}

// TestRefusedScanInEnglish: the same refusal with Options.Lang English.
func TestRefusedScanInEnglish(t *testing.T) {
	e := newEnvWith(t, envSetup{lang: i18n.English})
	const ann, cai = "o_ann_00000000000000000000001", "o_cai_00000000000000000000002"
	a := e.device("plug", false)
	e.scan(ann, e.qr(a, ""))
	e.scan(cai, e.qr(a, ""))
	e.agree(cai)
	want := []string{"Device " + a + " is already bound to another user. Ask its owner to share it with you."}
	if got := textsTo(e, cai); !equalStrings(got, want) {
		t.Fatalf("replies %q, want %q", got, want)
	}
}

// TestExpiredShareCodeIsExplained: a share QR scanned after its code
// expired (on the cloud's clock).
func TestExpiredShareCodeIsExplained(t *testing.T) {
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	e := newEnvWith(t, envSetup{cloudClock: clk})
	const ann, bob = "o_ann_00000000000000000000001", "o_bob_00000000000000000000002"
	a := e.device("plug", false)
	e.scan(ann, e.qr(a, ""))
	shareQR, err := e.bridge.GetDeviceQRCode(e.ctx, a, "plug", true, ann, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	e.scan(bob, shareQR)
	e.agree(bob)
	want := []string{"分享码已过期，请让设备管理员重新分享设备。"}
	if got := textsTo(e, bob); !equalStrings(got, want) {
		t.Fatalf("replies %q, want %q", got, want)
	}
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

// TestTemplateAndPageAlertFollowLanguage: the template message's time and
// the page's alert time are written for the reader, in Chinese by default
// and in English when the deployment says so. Title, content, device and
// level are the service's data and pass unchanged.
func TestTemplateAndPageAlertFollowLanguage(t *testing.T) {
	at := time.Date(2026, 12, 5, 7, 30, 0, 0, time.UTC) // a Saturday
	for _, c := range []struct {
		lang i18n.Lang
		when string
	}{
		{"", "2026年12月5日 周六 07:30"},
		{i18n.English, "Sat 5 Dec 2026 07:30"},
	} {
		e, pid, owner, guest := pushEnvWith(t, envSetup{lang: c.lang}, func(sc *ServerConfig) { sc.Push.Clock = clock.NewFake(at) })
		ws, code := dialWS(t, e.srv.URL, PathWS+"?openid="+url.QueryEscape(owner)+"&token="+url.QueryEscape(e.server.Push.IssueToken(owner)))
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("%q: handshake: HTTP %d", c.lang, code)
		}
		waitFor(t, "the page's channel", func() bool { return e.server.Push.Connected(owner) })
		if status, ds := e.pushAlert(testSecret, alert(pid, "滤网 Filter")); status != 200 || channels(ds)[guest] != ChannelTemplate {
			t.Fatalf("%q: push = %d %+v", c.lang, status, ds)
		}
		var got struct{ Time, TimeText string }
		if err := json.Unmarshal([]byte(readText(t, ws)), &got); err != nil {
			t.Fatal(err)
		}
		if got.Time != "2026-12-05T07:30:00Z" || got.TimeText != c.when {
			t.Errorf("%q: the page's alert has time %q, timeText %q; want 2026-12-05T07:30:00Z and %q", c.lang, got.Time, got.TimeText, c.when)
		}
		tm := e.emu.SentTemplates()
		if len(tm) != 1 {
			t.Fatalf("%q: templates %+v", c.lang, tm)
		}
		shown := tm[0].Shown()
		for slot, want := range map[string]string{"keyword1": "滤网 Filter", "keyword3": pid, "keyword4": "2", "keyword5": c.when} {
			if shown[slot] != want {
				t.Errorf("%q: template %s shows %q, want %q", c.lang, slot, shown[slot], want)
			}
		}
	}
}

// pushEnvWith is pushEnv with an envSetup.
func pushEnvWith(t *testing.T, setup envSetup, opts ...envOption) (e *env, pid string, owner, guest string) {
	e = newEnvWith(t, setup, opts...)
	pid = e.device("plug", true)
	owner, guest = "o_rita_0000000000000000000001", "o_sam_00000000000000000000002"
	e.scan(owner, e.qr(pid, ""))
	e.scan(guest, e.qr(pid, owner))
	return e, pid, owner, guest
}

// TestPageLanguage: the H5 page is Chinese by default (lang attribute,
// title, state texts) and English with Options.Lang English.
func TestPageLanguage(t *testing.T) {
	get := func(e *env) string {
		resp, err := http.Get(e.srv.URL + PathPage)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	zh := get(newEnv(t))
	for _, want := range []string{`<html lang="zh-CN">`, "<title>设备消息</title>", "<h1>设备消息</h1>", `<p id="state">正在连接</p>`, `"已连接"`, `"已断开（%CODE%）"`, `"%SUB% %DEVICE% · 级别 %LEVEL% · %TIME%"`} {
		if !strings.Contains(zh, want) {
			t.Errorf("the default page lacks %s", want)
		}
	}
	for _, english := range []string{">connecting<", `"connected"`, "disconnected (", "· level", "Device messages"} {
		if strings.Contains(zh, english) {
			t.Errorf("the default page has the English %q", english)
		}
	}
	en := get(newEnvWith(t, envSetup{lang: i18n.English}))
	for _, want := range []string{`<html lang="en">`, "<title>Device messages</title>", `<p id="state">connecting</p>`, `"connected"`, `"disconnected (%CODE%)"`, `"%SUB% %DEVICE% · level %LEVEL% · %TIME%"`} {
		if !strings.Contains(en, want) {
			t.Errorf("the English page lacks %s", want)
		}
	}
}
