package wxemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/wechat/wxemu"
	"acconsole/wechat/wxpush"
)

// bridge is a minimal vendor callback built from wxpush, standing in for
// the real Bridge: it verifies signatures, parses pushes, drops retries and
// answers status subscriptions.
type bridge struct {
	t      *testing.T
	token  string
	dedup  *wxpush.Deduper
	online atomic.Bool
	failN  atomic.Int32 // answer HTTP 500 this many times
	reply  atomic.Value // optional override of the reply body ([]byte)
	during func(wxpush.Message)

	mu      sync.Mutex
	got     []wxpush.Message // every accepted push, retries included
	handled []wxpush.Message // pushes after de-duplication
}

func (b *bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !wxpush.CheckRequest(r, b.token) {
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	m, err := wxpush.ReadMessage(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if b.failN.Load() > 0 {
		b.failN.Add(-1)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	b.mu.Lock()
	b.got = append(b.got, m)
	dup := b.dedup.Seen(m, time.Now())
	if !dup {
		b.handled = append(b.handled, m)
	}
	b.mu.Unlock()
	if b.during != nil {
		b.during(m)
	}
	if v, ok := b.reply.Load().([]byte); ok {
		_, _ = w.Write(v)
		return
	}
	if m.MsgType == wxpush.MsgTypeDeviceEvent && (m.Event == wxpush.EventSubscribeStatus || m.Event == wxpush.EventUnsubscribeStatus) {
		_, _ = w.Write(wxpush.StatusReply(m, b.online.Load(), time.Now()))
		return
	}
	_, _ = io.WriteString(w, "success")
}

func (b *bridge) handledMsgs() []wxpush.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]wxpush.Message(nil), b.handled...)
}

func (b *bridge) gotMsgs() []wxpush.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]wxpush.Message(nil), b.got...)
}

type env struct {
	emu *wxemu.Emulator
	api *httptest.Server
	br  *bridge
	cb  *httptest.Server
}

func newEnv(t *testing.T, cfg wxemu.Config) *env {
	t.Helper()
	br := &bridge{t: t, token: "bridge-token", dedup: wxpush.NewDeduper(0, 0)}
	cb := httptest.NewServer(br)
	t.Cleanup(cb.Close)
	cfg.CallbackURL = cb.URL + "/wechat?x=1"
	cfg.Token = br.token
	emu := wxemu.New(cfg)
	api := httptest.NewServer(emu)
	t.Cleanup(api.Close)
	return &env{emu, api, br, cb}
}

const dev = "ABCDEF0123456789"

// qrFor authorises dev and returns its WeChat QR ticket via the API.
func (e *env) qrFor(t *testing.T, id string) string {
	t.Helper()
	e.emu.AuthorizeDevice(id, "001122334455")
	var resp struct {
		CodeList []struct{ DeviceID, Ticket string } `json:"code_list"`
	}
	e.post(t, "/device/create_qrcode", `{"device_num":1,"device_id_list":["`+id+`"]}`, &resp)
	if len(resp.CodeList) != 1 || !strings.HasPrefix(resp.CodeList[0].Ticket, "http://we.qq.com/d/") {
		t.Fatalf("create_qrcode: %+v", resp)
	}
	return resp.CodeList[0].Ticket
}

func TestScanQRNewUser(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	ctx := context.Background()
	ticket := e.qrFor(t, dev)
	share := "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3"
	qr := wxpush.BuildQRString(ticket, "plug", share)
	if err := e.emu.ScanQR(ctx, "o_new", qr); err != nil {
		t.Fatal(err)
	}
	msgs := e.br.handledMsgs()
	if len(msgs) != 2 {
		t.Fatalf("%d pushes, want subscribe + bind", len(msgs))
	}
	sub, bind := msgs[0], msgs[1]
	gh := e.emu.AccountID()
	if sub.MsgType != "event" || sub.Event != "subscribe" || sub.FromUserName != "o_new" || sub.ToUserName != gh {
		t.Fatalf("subscribe push %+v", sub)
	}
	if bind.MsgType != "device_event" || bind.Event != "bind" || bind.DeviceID != dev || bind.DeviceType != gh ||
		bind.OpenID != "o_new" || bind.MsgId != "" || bind.CreateTime == 0 {
		t.Fatalf("bind push %+v", bind)
	}
	d, err := wxpush.DecodeQRContent(bind.Content)
	if err != nil || d != (wxpush.QRData{SubDomain: "plug", ShareCode: share}) {
		t.Fatalf("Content decodes to %+v %v", d, err)
	}
	if !e.emu.IsBound("o_new", dev) || !e.emu.IsFollower("o_new") {
		t.Fatal("emulator state not updated")
	}
	if strings.Contains(string(e.emu.Pushes()[1].Body), "MsgId") {
		t.Fatal("device event carries a MsgId")
	}
}

func TestScanQRFollowerAndPlainQR(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	ctx := context.Background()
	ticket := e.qrFor(t, dev)
	if err := e.emu.Follow(ctx, "o_f"); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.Follow(ctx, "o_f"); err != nil { // already follows: no push
		t.Fatal(err)
	}
	if err := e.emu.ScanQR(ctx, "o_f", ticket); err != nil {
		t.Fatal(err)
	}
	msgs := e.br.handledMsgs()
	if len(msgs) != 2 || msgs[0].Event != "subscribe" || msgs[1].Event != "bind" || msgs[1].Content != "" {
		t.Fatalf("pushes %+v", msgs)
	}
}

// A QR code made by one emulator scans in another emulator of the same
// account (there is one WeChat), once the device is authorised there; an
// emulator of another account refuses it.
func TestQRTicketScansInAnotherEmulatorOfTheAccount(t *testing.T) {
	ctx := context.Background()
	ticket := newEnv(t, wxemu.Config{}).qrFor(t, dev)
	other := newEnv(t, wxemu.Config{})
	if err := other.emu.ScanQR(ctx, "u", ticket); err == nil {
		t.Fatal("a device not authorised in this emulator was bound")
	}
	other.emu.AuthorizeDevice(dev, "")
	if err := other.emu.ScanQR(ctx, "u", ticket+`#{"sub_domain":"plug"}`); err != nil {
		t.Fatalf("scanning the other emulator's QR: %v", err)
	}
	if !other.emu.IsBound("u", dev) {
		t.Fatal("not bound after the scan")
	}
	foreign := newEnv(t, wxemu.Config{AccountID: "gh_other00000"})
	foreign.emu.AuthorizeDevice(dev, "")
	if err := foreign.emu.ScanQR(ctx, "u", ticket); err == nil {
		t.Fatal("another account's emulator accepted the ticket")
	}
}

func TestScanQRErrors(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	ctx := context.Background()
	if err := e.emu.ScanQR(ctx, "u", "http://we.qq.com/d/forged#{}"); err == nil {
		t.Fatal("forged ticket accepted")
	}
	// getqrcode tickets belong to devices that still need authorisation.
	var gq struct {
		QRTicket string `json:"qrticket"`
	}
	e.get(t, "/device/getqrcode", url.Values{}, &gq)
	if err := e.emu.ScanQR(ctx, "u", gq.QRTicket); err == nil {
		t.Fatal("unauthorised device bound")
	}
	if len(e.emu.Pushes()) != 0 || e.emu.IsFollower("u") {
		t.Fatal("a failed scan changed state or pushed")
	}
	e.emu.SetCallback("", "")
	noCB := wxemu.New(wxemu.Config{})
	if err := noCB.Follow(ctx, "u"); !errors.Is(err, wxemu.ErrNoCallback) {
		t.Fatalf("no callback: %v", err)
	}
}

func TestUnbindAndUnfollow(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	ctx := context.Background()
	ticket := e.qrFor(t, dev)
	e.emu.AuthorizeDevice("DEV2", "")
	if err := e.emu.ScanQR(ctx, "u", ticket); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.UnbindDevice(ctx, "u", dev); err != nil {
		t.Fatal(err)
	}
	if e.emu.IsBound("u", dev) {
		t.Fatal("still bound")
	}
	if err := e.emu.UnbindDevice(ctx, "u", dev); err == nil {
		t.Fatal("unbinding an unbound device succeeded")
	}
	e.emu.SetBinding("u", "DEV2", true)
	if err := e.emu.Unfollow(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.Unfollow(ctx, "u"); err != nil { // no longer follows: no push
		t.Fatal(err)
	}
	msgs := e.br.handledMsgs()
	events := []string{}
	for _, m := range msgs {
		events = append(events, m.MsgType+"/"+m.Event)
	}
	if strings.Join(events, " ") != "event/subscribe device_event/bind device_event/unbind event/unsubscribe" {
		t.Fatalf("events %v", events)
	}
	if len(e.emu.Bindings()) != 0 || e.emu.IsFollower("u") {
		t.Fatalf("after unfollow: bindings %v", e.emu.Bindings())
	}
}

func TestOpenDevicePage(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	ctx := context.Background()
	if _, err := e.emu.OpenDevicePage(ctx, "u", dev); err == nil {
		t.Fatal("page of an unbound device opened")
	}
	e.emu.AuthorizeDevice(dev, "")
	e.emu.SetBinding("u", dev, true)
	for _, online := range []bool{true, false} {
		e.br.online.Store(online)
		r, err := e.emu.OpenDevicePage(ctx, "u", dev)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if online {
			want = 1
		}
		if r.DeviceStatus != want || r.MsgType != "device_status" || r.ToUserName != "u" || r.DeviceID != dev || r.CreateTime == 0 {
			t.Fatalf("reply %+v", r)
		}
	}
	push := e.br.handledMsgs()[0]
	if push.Event != "subscribe_status" || push.OpType != wxpush.OpSubscribe || push.OpenID != "u" {
		t.Fatalf("push %+v", push)
	}
	if !e.emu.StatusSubscribed("u", dev) {
		t.Fatal("status subscription not recorded")
	}
	if err := e.emu.CloseDevicePage(ctx, "u", dev); err != nil {
		t.Fatal(err)
	}
	if e.emu.StatusSubscribed("u", dev) {
		t.Fatal("status subscription kept")
	}
	last := e.br.handledMsgs()[len(e.br.handledMsgs())-1]
	if last.Event != "unsubscribe_status" || last.OpType != wxpush.OpUnsubscribe {
		t.Fatalf("close push %+v", last)
	}
}

func TestOpenDevicePageBadReplies(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	e.emu.AuthorizeDevice(dev, "")
	e.emu.SetBinding("u", dev, true)
	gh := e.emu.AccountID()
	cases := map[string]string{
		"empty":           "",
		"success":         "success",
		"not xml":         "<xml><ToUserName>",
		"wrong user":      `<xml><ToUserName>x</ToUserName><FromUserName>` + gh + `</FromUserName><CreateTime>1</CreateTime><MsgType>device_status</MsgType><DeviceType>` + gh + `</DeviceType><DeviceID>` + dev + `</DeviceID><DeviceStatus>1</DeviceStatus></xml>`,
		"status 2":        `<xml><ToUserName>u</ToUserName><FromUserName>` + gh + `</FromUserName><CreateTime>1</CreateTime><MsgType>device_status</MsgType><DeviceType>` + gh + `</DeviceType><DeviceID>` + dev + `</DeviceID><DeviceStatus>2</DeviceStatus></xml>`,
		"text CreateTime": `<xml><ToUserName>u</ToUserName><FromUserName>` + gh + `</FromUserName><CreateTime>now</CreateTime><MsgType>device_status</MsgType><DeviceType>` + gh + `</DeviceType><DeviceID>` + dev + `</DeviceID><DeviceStatus>1</DeviceStatus></xml>`,
	}
	for name, reply := range cases {
		e.br.reply.Store([]byte(reply))
		if _, err := e.emu.OpenDevicePage(context.Background(), "u", dev); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPushFailuresAndRetries(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	ctx := context.Background()
	e.br.failN.Store(1)
	if err := e.emu.Follow(ctx, "u"); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("failing callback: %v", err)
	}
	if p := e.emu.Pushes(); len(p) != 1 || p[0].Err == nil {
		t.Fatalf("failed push not recorded: %+v", p)
	}
	// Wrong signing token: the callback refuses.
	e.emu.SetCallback(e.cb.URL, "other-token")
	if err := e.emu.Follow(ctx, "v"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("wrong token: %v", err)
	}

	// With retries, the identical body is re-sent and de-duplicated.
	r := newEnv(t, wxemu.Config{PushRetries: 3})
	r.br.failN.Store(2)
	if err := r.emu.Follow(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	if n := len(r.br.gotMsgs()); n != 1 {
		t.Fatalf("bridge accepted %d pushes, want 1 (two were refused)", n)
	}
	// Replay the exact push, as a WeChat retry would after a lost reply.
	body := r.emu.Pushes()[0].Body
	if _, err := r.emu.PushRaw(ctx, body); err != nil {
		t.Fatal(err)
	}
	if got, handled := len(r.br.gotMsgs()), len(r.br.handledMsgs()); got != 2 || handled != 1 {
		t.Fatalf("replay: got %d handled %d, want 2 and 1", got, handled)
	}
	if g := r.br.gotMsgs(); g[0] != g[1] {
		t.Fatalf("replayed push differs: %+v vs %+v", g[0], g[1])
	}
}

func TestPushTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	emu := wxemu.New(wxemu.Config{CallbackURL: slow.URL, PushTimeout: 100 * time.Millisecond})
	// The callback never answers until the test ends and the context has
	// no deadline, so a deadline error can only be the push timeout's.
	if err := emu.Follow(context.Background(), "u"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// TestCallbackReentry checks that the bridge may call the emulator's API
// while handling a push (the real Bridge syncs bindings there) without a
// deadlock, under concurrency.
func TestCallbackReentry(t *testing.T) {
	e := newEnv(t, wxemu.Config{})
	ctx := context.Background()
	ticket := e.qrFor(t, dev)
	var calls atomic.Int32
	e.br.during = func(m wxpush.Message) {
		if m.Event == "bind" {
			var resp struct {
				DeviceList []json.RawMessage `json:"device_list"`
			}
			e.get(t, "/device/get_bind_device", url.Values{"openid": {m.OpenID}}, &resp)
			if len(resp.DeviceList) != 1 {
				t.Errorf("binding not visible during the bind push: %d", len(resp.DeviceList))
			}
			calls.Add(1)
		}
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := e.emu.ScanQR(ctx, fmt.Sprintf("user%02d", i), ticket); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if calls.Load() != 20 || len(e.emu.Bindings()) != 20 || len(e.emu.Followers()) != 20 {
		t.Fatalf("calls %d bindings %d followers %d", calls.Load(), len(e.emu.Bindings()), len(e.emu.Followers()))
	}
	var ids struct {
		OpenID []string `json:"open_id"`
	}
	e.get(t, "/device/get_openid", url.Values{"device_type": {e.emu.AccountID()}, "device_id": {dev}}, &ids)
	if len(ids.OpenID) != 20 || ids.OpenID[0] != "user00" {
		t.Fatalf("get_openid %v", ids.OpenID)
	}
}
