package wechat

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/wechat/wxpush"
)

func TestCallbackURLCheck(t *testing.T) {
	e := newEnv(t)
	get := func(q url.Values) (int, string) {
		resp, err := http.Get(e.srv.URL + PathCallback + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := url.Values{"timestamp": {ts}, "nonce": {"4242"}, "echostr": {"1234567890123"},
		"signature": {wxpush.Signature(testToken, ts, "4242")}}
	if code, body := get(q); code != 200 || body != "1234567890123" {
		t.Fatalf("URL check = %d %q", code, body)
	}
	q.Set("signature", wxpush.Signature("wrong-token", ts, "4242"))
	if code, body := get(q); code != http.StatusForbidden || strings.Contains(body, "1234567890123") {
		t.Fatalf("URL check with a bad signature = %d %q", code, body)
	}
}

// TestCallbackRefusesForgedAndStale: a bad signature, a stale timestamp and
// a signature reused for another body change nothing.
func TestCallbackRefusesForgedAndStale(t *testing.T) {
	e := newEnv(t)
	const mallory = "o_mallory_00000000000000001"
	body := e.subscribeXML(mallory)

	if code, _ := e.post(body, "not-the-token", time.Now()); code != http.StatusForbidden {
		t.Fatalf("bad signature: HTTP %d", code)
	}
	if code, _ := e.postQuery(body, url.Values{}); code != http.StatusForbidden {
		t.Fatalf("no signature: HTTP %d", code)
	}
	if code, _ := e.post(body, testToken, time.Now().Add(-time.Hour)); code != http.StatusForbidden {
		t.Fatalf("stale timestamp: HTTP %d", code)
	}
	e.noUser(mallory)

	// A captured signature does not sign a second body: the signature
	// covers the timestamp and nonce only.
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := url.Values{"timestamp": {ts}, "nonce": {"777"}, "signature": {wxpush.Signature(testToken, ts, "777")}}
	if code, body := e.postQuery(e.subscribeXML("o_legit_0000000000000000001"), q); code != 200 || body != "success" {
		t.Fatalf("legit push = %d %q", code, body)
	}
	e.user("o_legit_0000000000000000001")
	if code, _ := e.postQuery(body, q); code != http.StatusForbidden {
		t.Fatalf("replayed signature: HTTP %d", code)
	}
	e.noUser(mallory)

	// A push for another account is acknowledged and ignored.
	other := bytes.Replace(body, []byte(e.emu.AccountID()), []byte("gh_another000"), 1)
	if code, _ := e.post(other, testToken, time.Now()); code != 200 {
		t.Fatalf("push for another account: HTTP %d", code)
	}
	e.noUser(mallory)
}

// TestCallbackRefusesBadXML: malformed, oversized and entity-laden bodies
// are refused, and nothing happens.
func TestCallbackRefusesBadXML(t *testing.T) {
	e := newEnv(t)
	const victim = "o_victim_000000000000000001"
	good := string(e.subscribeXML(victim))
	cases := []struct {
		name string
		body string
		want int
	}{
		{"not XML", "subscribe me please", http.StatusBadRequest},
		{"truncated", good[:len(good)-10], http.StatusBadRequest},
		{"two roots", good + good, http.StatusBadRequest},
		{"duplicated field", strings.Replace(good, "</xml>", "<FromUserName>o_other</FromUserName></xml>", 1), http.StatusBadRequest},
		{"entity", `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY who "` + victim + `">]>` +
			strings.Replace(good, "<![CDATA["+victim+"]]>", "&who;", 1), http.StatusBadRequest},
		{"billion laughs", `<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><FromUserName>&b;</FromUserName></xml>`, http.StatusBadRequest},
		{"oversized", strings.Replace(good, "</xml>", "<Pad>"+strings.Repeat("x", wxpush.MaxMessageBytes)+"</Pad></xml>", 1), http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		if code, _ := e.post([]byte(c.body), testToken, time.Now()); code != c.want {
			t.Errorf("%s: HTTP %d, want %d", c.name, code, c.want)
		}
	}
	e.noUser(victim)
	if n := e.audit.count("registerWithOpenId"); n != 0 {
		t.Fatalf("%d registrations from refused pushes", n)
	}
}

// TestCallbackHandlesRetriesOnce: WeChat's retries of a handled push (the
// same body, freshly signed) change nothing.
func TestCallbackHandlesRetriesOnce(t *testing.T) {
	e := newEnv(t)
	const nat = "o_nat_00000000000000000000001"
	pid := e.device("plug", false)
	e.scan(nat, e.qr(pid, ""))
	binds, regs := e.audit.count("bindDevice"), e.audit.count("registerWithOpenId")
	if binds != 1 || regs != 1 {
		t.Fatalf("after one scan: %d binds, %d registrations", binds, regs)
	}
	for _, ev := range []string{"subscribe", "bind", "bind"} {
		reply, err := e.emu.PushRaw(e.ctx, e.lastPush(ev))
		if err != nil || string(reply) != "success" {
			t.Fatalf("retry of %s: %q %v", ev, reply, err)
		}
	}
	if b, r := e.audit.count("bindDevice"), e.audit.count("registerWithOpenId"); b != binds || r != regs {
		t.Fatalf("retries were handled again: %d binds, %d registrations", b, r)
	}
	e.agree(nat, pid)

	// A retried status push still gets a real reply.
	if _, err := e.emu.OpenDevicePage(e.ctx, nat, pid); err != nil {
		t.Fatal(err)
	}
	reply, err := e.emu.PushRaw(e.ctx, e.lastPush("subscribe_status"))
	if err != nil || !bytes.Contains(reply, []byte("<DeviceStatus>0</DeviceStatus>")) {
		t.Fatalf("retried status push: %q %v", reply, err)
	}
}

// TestCallbackFailedPushIsRetried: a push that fails for a reason a retry
// can fix gets HTTP 500 and is forgotten, so WeChat's retry does the work.
func TestCallbackFailedPushIsRetried(t *testing.T) {
	e := newEnv(t)
	const oli = "o_oli_00000000000000000000001"
	body := e.subscribeXML(oli)
	e.flaky.fail.Store(1)
	if code, _ := e.post(body, testToken, time.Now()); code != http.StatusInternalServerError {
		t.Fatalf("push while AbleCloud is unreachable: HTTP %d, want 500", code)
	}
	e.noUser(oli)
	if le := e.bridge.LastError(); le.ErrCode != 3013 {
		t.Fatalf("LastError = %+v, want the network code 3013", le)
	}
	if code, reply := e.post(body, testToken, time.Now()); code != 200 || reply != "success" {
		t.Fatalf("retry: %d %q", code, reply)
	}
	e.user(oli)
}

// TestCallbackAnswersSlowPushesInTime: WeChat gives up after 5 s, so a slow
// push is acknowledged in time and finishes in the background.
func TestCallbackAnswersSlowPushesInTime(t *testing.T) {
	e := newEnv(t, func(c *ServerConfig) { c.Callback.ReplyWithin = 100 * time.Millisecond })
	const pam = "o_pam_00000000000000000000001"
	// The bridge's AbleCloud calls wait until released, so the answer
	// below can only arrive if the callback replies without the push.
	release := make(chan struct{})
	e.flaky.hold.Store(&release)
	code, reply := e.post(e.subscribeXML(pam), testToken, time.Now())
	if code != 200 || reply != "success" {
		t.Fatalf("slow push: %d %q", code, reply)
	}
	e.noUser(pam) // its AbleCloud calls are still held
	close(release)
	e.server.Callback.Wait()
	e.flaky.hold.Store(nil)
	e.user(pam) // the push finished in the background
}

// TestCallbackIgnoresOtherMessages: text messages and menu clicks are
// acknowledged and touch nothing.
func TestCallbackIgnoresOtherMessages(t *testing.T) {
	e := newEnv(t)
	body := `<xml><ToUserName><![CDATA[` + e.emu.AccountID() + `]]></ToUserName><FromUserName><![CDATA[o_quinn_0000000000000000001]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1234567890123456</MsgId></xml>`
	if code, reply := e.post([]byte(body), testToken, time.Now()); code != 200 || reply != "success" {
		t.Fatalf("text message: %d %q", code, reply)
	}
	e.noUser("o_quinn_0000000000000000001")
}
