package wechat

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// pushEnv is an env with one device shared by an owner and a second user,
// both WeChat users.
func pushEnv(t *testing.T, opts ...envOption) (e *env, pid string, owner, guest string) {
	e = newEnv(t, opts...)
	pid = e.device("plug", true)
	owner, guest = "o_rita_0000000000000000000001", "o_sam_00000000000000000000002"
	e.scan(owner, e.qr(pid, ""))
	e.scan(guest, e.qr(pid, owner))
	return e, pid, owner, guest
}

func alert(pid, title string) map[string]any {
	return map[string]any{"physicalDeviceId": pid, "subDomain": "plug", "title": title, "content": "PM2.5 is 180\nopen a window", "level": 2}
}

func channels(ds []Delivery) map[string]string {
	out := map[string]string{}
	for _, d := range ds {
		out[d.OpenID] = d.Channel
	}
	return out
}

// TestAlertReachesOpenPageOrTemplate: a user with the H5 page open gets the
// alert on the WebSocket; the other gets a template message.
func TestAlertReachesOpenPageOrTemplate(t *testing.T) {
	e, pid, owner, guest := pushEnv(t)
	ws, code := dialWS(t, e.srv.URL, PathWS+"?openid="+url.QueryEscape(owner)+"&token="+url.QueryEscape(e.server.Push.IssueToken(owner)))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: HTTP %d", code)
	}
	waitFor(t, "the page's channel", func() bool { return e.server.Push.Connected(owner) })

	status, ds := e.pushAlert(testSecret, alert(pid, "Air quality"))
	if status != 200 || len(ds) != 2 {
		t.Fatalf("push = %d %+v", status, ds)
	}
	if ch := channels(ds); ch[owner] != ChannelWS || ch[guest] != ChannelTemplate {
		t.Fatalf("channels %v: want the owner on ws, the guest by template", ch)
	}
	msg := readText(t, ws)
	var got struct {
		Type, PhysicalDeviceID, SubDomain, Title, Content, Level, Time string
	}
	if json.Unmarshal([]byte(msg), &got) != nil {
		t.Fatalf("message %q", msg)
	}
	if got.Type != "alert" || got.PhysicalDeviceID != pid || got.Title != "Air quality" || got.Level != "2" || !strings.Contains(got.Content, "open a window") {
		t.Fatalf("alert on the page: %+v", got)
	}
	tm := e.emu.SentTemplates()
	if len(tm) != 1 || tm[0].ToUser != guest || tm[0].TemplateID != testTmpl {
		t.Fatalf("templates %+v", tm)
	}
	// What the guest reads: WeChat shows keywords only (not first or
	// remark), 20 characters of each, up to a line break.
	shown := tm[0].Shown()
	for slot, want := range map[string]string{
		"keyword1": "Air quality",
		"keyword2": "PM2.5 is 180 open a…",
		"keyword3": pid,
		"keyword4": "2",
	} {
		if shown[slot] != want {
			t.Errorf("template %s shows %q, want %q (all shown: %q)", slot, shown[slot], want, shown)
		}
	}
	// The time in the bridge's default language, Chinese (the exact
	// form on a fixed clock: TestTemplateAndPageAlertFollowLanguage).
	if !regexp.MustCompile(`^20\d\d年\d{1,2}月\d{1,2}日 周[日一二三四五六] \d\d:\d\d$`).MatchString(shown["keyword5"]) {
		t.Errorf("template keyword5 shows %q, want the time", shown["keyword5"])
	}

	// The page closes: the next alert goes by template.
	if err := ws.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("closing the page: %v", err)
	}
	waitFor(t, "the channel to go", func() bool { return !e.server.Push.Connected(owner) })
	_, ds = e.pushAlert(testSecret, alert(pid, "Still bad"))
	if ch := channels(ds); ch[owner] != ChannelTemplate || ch[guest] != ChannelTemplate {
		t.Fatalf("channels %v: want templates", ch)
	}
	if n := len(e.emu.SentTemplates()); n != 3 {
		t.Fatalf("%d templates, want 3", n)
	}

	// The record lists every delivery, newest first.
	recs := e.deliveries(testSecret, "")
	if len(recs) != 4 || recs[0].Title != "Still bad" || recs[3].Channel != ChannelWS && recs[2].Channel != ChannelWS {
		t.Fatalf("deliveries %+v", recs)
	}
	if recs[0].Seq <= recs[1].Seq {
		t.Fatalf("deliveries not newest first: %+v", recs)
	}
}

// TestAlertRateLimit: beyond the burst, a user's alerts are dropped and
// recorded as rate-limited.
func TestAlertRateLimit(t *testing.T) {
	e, pid, owner, _ := pushEnv(t, func(c *ServerConfig) { c.Push.Burst, c.Push.Rate = 2, 0.0001 })
	for i, want := range []string{ChannelTemplate, ChannelTemplate, ChannelRateLimited, ChannelRateLimited} {
		_, ds := e.pushAlert(testSecret, alert(pid, "Alarm"))
		if ch := channels(ds)[owner]; ch != want {
			t.Fatalf("alert %d: %s, want %s", i+1, ch, want)
		}
	}
	if n := len(e.emu.SentTemplates()); n != 4 { // two users, two each
		t.Fatalf("%d templates, want 4", n)
	}
	limited := 0
	for _, d := range e.deliveries(testSecret, "") {
		if d.Channel == ChannelRateLimited {
			limited++
		}
	}
	if limited != 4 {
		t.Fatalf("%d rate-limited records, want 4", limited)
	}
}

// TestPushEndpointRefusals: the wrong secret, bad bodies and unknown
// devices.
func TestPushEndpointRefusals(t *testing.T) {
	e, pid, _, _ := pushEnv(t)
	for _, s := range []string{"", "wrong", testSecret + "x"} {
		if code, _ := e.pushAlert(s, alert(pid, "x")); code != http.StatusUnauthorized {
			t.Fatalf("secret %q: HTTP %d", s, code)
		}
	}
	if n := len(e.emu.SentTemplates()); n != 0 {
		t.Fatalf("refused pushes sent %d templates", n)
	}
	if code := e.deliveriesStatus("wrong"); code != http.StatusUnauthorized {
		t.Fatalf("deliveries with a wrong secret: HTTP %d", code)
	}
	if recs := e.deliveries(testSecret, ""); len(recs) != 0 {
		t.Fatalf("refused pushes recorded: %+v", recs)
	}
	for name, body := range map[string]any{
		"no device":  map[string]any{"subDomain": "plug", "title": "x"},
		"no text":    map[string]any{"physicalDeviceId": pid, "subDomain": "plug"},
		"long title": map[string]any{"physicalDeviceId": pid, "subDomain": "plug", "title": strings.Repeat("x", 300)},
		"not object": []string{"x"},
		"bad level":  map[string]any{"physicalDeviceId": pid, "subDomain": "plug", "title": "x", "level": []int{1}},
	} {
		if code, _ := e.pushAlert(testSecret, body); code != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", name, code)
		}
	}
	if code, ds := e.pushAlert(testSecret, alert("NOBODYHASTHIS001", "x")); code != 200 || len(ds) != 0 {
		t.Fatalf("unbound device: %d %+v", code, ds)
	}
}

func (e *env) deliveriesReq(secret, query string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+PathDeliveries+query, nil)
	req.Header.Set(HeaderSecret, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func (e *env) deliveriesStatus(secret string) int {
	resp := e.deliveriesReq(secret, "")
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) deliveries(secret, query string) []Delivery {
	e.t.Helper()
	resp := e.deliveriesReq(secret, query)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(data, &out) != nil {
		e.t.Fatalf("deliveries: %d %s", resp.StatusCode, data)
	}
	return out.Deliveries
}
