package wechat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func wsPath(p *Pusher, openID string) string {
	return PathWS + "?openid=" + url.QueryEscape(openID) + "&token=" + url.QueryEscape(p.IssueToken(openID))
}

// TestWebSocketHandshakeRFC6455Example sends the opening handshake of RFC
// 6455 §1.3 over a plain TCP connection to the bridge and reads the
// answer: the accept value must be the one the RFC gives for its key.
func TestWebSocketHandshakeRFC6455Example(t *testing.T) {
	e := newEnv(t)
	const u = "o_rfc_00000000000000000000001"
	u1, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u1.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET " + wsPath(e.server.Push, u) + " HTTP/1.1\r\n" +
		"Host: " + u1.Host + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Origin: http://example.com\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n"
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("HTTP %d, want 101", resp.StatusCode)
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("Sec-WebSocket-Accept %q, RFC 6455 §1.3 gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", got)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") || !strings.EqualFold(resp.Header.Get("Connection"), "upgrade") {
		t.Fatalf("Upgrade %q, Connection %q", resp.Header.Get("Upgrade"), resp.Header.Get("Connection"))
	}
}

// TestWebSocketAuth: no token, a wrong one, one for another OpenID or an
// expired one: no upgrade.
func TestWebSocketAuth(t *testing.T) {
	e := newEnv(t)
	p := e.server.Push
	const u = "o_tom_00000000000000000000001"
	good := p.IssueToken(u)
	// Flip one bit of the MAC itself: swapping base64 characters at the
	// end can leave the decoded bytes unchanged.
	exp, sig, _ := strings.Cut(good, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(mac) == 0 {
		t.Fatalf("token %q: %v", good, err)
	}
	mac[0] ^= 1
	tampered := exp + "." + base64.RawURLEncoding.EncodeToString(mac)
	for name, q := range map[string]string{
		"none":          "?openid=" + u,
		"garbage":       "?openid=" + u + "&token=abc",
		"other user":    "?openid=o_other&token=" + url.QueryEscape(good),
		"tampered":      "?openid=" + u + "&token=" + url.QueryEscape(tampered),
		"expired":       "?openid=" + u + "&token=" + url.QueryEscape("1000."+strings.SplitN(good, ".", 2)[1]),
		"no openid":     "?token=" + url.QueryEscape(good),
		"openid spaces": "?openid=a+b&token=" + url.QueryEscape(good),
	} {
		if c, code := dialWS(t, e.srv.URL, PathWS+q); c != nil || code != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d, want 401", name, code)
		}
	}
	// A good token on a request that is not an upgrade (RFC 6455 §4.2.2:
	// 426 Upgrade Required).
	resp, err := http.Get(e.srv.URL + wsPath(p, u))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("plain GET: HTTP %d", resp.StatusCode)
	}
	// Tokens from the endpoint work too.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+PathWSToken+"?openid="+u, nil)
	req.Header.Set(HeaderSecret, testSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || json.Unmarshal(body, &tok) != nil || !p.validToken(u, tok.Token) {
		t.Fatalf("ws-token: %d %s", resp.StatusCode, body)
	}
	if c, code := dialWS(t, e.srv.URL, PathWS+"?openid="+u+"&token="+url.QueryEscape(tok.Token)); c == nil || code != http.StatusSwitchingProtocols {
		t.Fatalf("with the endpoint's token: HTTP %d", code)
	}
}

// TestWebSocketChannel: the server pings, answers pings, closes a page
// replaced by a newer one (1008), one that sends more than the limit
// (1009), and every page when it shuts down (1001).
func TestWebSocketChannel(t *testing.T) {
	e := newEnv(t, func(c *ServerConfig) {
		c.Push.MaxWSMessage = 64
		c.Push.PingInterval = 200 * time.Millisecond
	})
	p := e.server.Push
	const u = "o_uma_00000000000000000000001"
	ctx := context.Background()

	pinged := make(chan struct{}, 1)
	c, code := dialWS(t, e.srv.URL, wsPath(p, u), func(o *websocket.DialOptions) {
		o.OnPingReceived = func(context.Context, []byte) bool {
			select {
			case pinged <- struct{}{}:
			default:
			}
			return true
		}
	})
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: HTTP %d", code)
	}
	closed := make(chan websocket.StatusCode, 1)
	go func() { closed <- closeCode(c) }() // answers pings and the close
	select {
	case <-pinged:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never pinged")
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := c.Ping(pctx); err != nil {
		t.Fatalf("the server does not answer a ping: %v", err)
	}
	cancel()
	waitFor(t, "the channel", func() bool { return p.conn(u) != nil })
	first := p.conn(u)

	// A second connection replaces the first, which is closed.
	c2, code := dialWS(t, e.srv.URL, wsPath(p, u))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: HTTP %d", code)
	}
	go func() { _ = closeCode(c2) }()
	if got := <-closed; got != closePolicy {
		t.Fatalf("replaced connection closed with %d, want %d", got, closePolicy)
	}
	waitFor(t, "the new channel", func() bool { return p.conn(u) != nil && p.conn(u) != first })

	// A message over the limit.
	big, code := dialWS(t, e.srv.URL, wsPath(p, "o_big_00000000000000000000001"))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: HTTP %d", code)
	}
	_ = big.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("x"), 65))
	if got := closeCode(big); got != websocket.StatusMessageTooBig {
		t.Fatalf("a message over the limit: close %d, want %d", got, websocket.StatusMessageTooBig)
	}

	// Shutting down says "going away".
	c3, code := dialWS(t, e.srv.URL, wsPath(p, "o_bye_00000000000000000000001"))
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: HTTP %d", code)
	}
	waitFor(t, "the channel", func() bool { return p.conn("o_bye_00000000000000000000001") != nil })
	bye := make(chan websocket.StatusCode, 1)
	go func() { bye <- closeCode(c3) }()
	p.Close()
	if got := <-bye; got != closeGoingAway {
		t.Fatalf("shutdown closed with %d", got)
	}
}

// liveWS counts the Pusher's upgraded connections and registered channels.
func liveWS(p *Pusher) (live, channels int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live), len(p.conns)
}

// settled waits briefly for the bridge's goroutines to be gone and fails
// with their stacks if they are not. The wait is for a goroutine that has
// already called wg.Done and is returning from its last frame.
func settled(t *testing.T, skip map[string]bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		left := bridgeGoroutines(skip)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, g := range left {
				t.Log(g)
			}
			t.Fatalf("%d bridge goroutines still running after Close", len(left))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func goroutineIDs(gs map[string]string) map[string]bool {
	ids := map[string]bool{}
	for id := range gs {
		ids[id] = true
	}
	return ids
}

// TestCloseWaitsForWebSockets: when Server.Close returns, no WebSocket
// handler or pinger is left, even for pages that never answer the close
// (which are dropped after closeWait) and a page already replaced and
// waiting for its own close handshake; pages that answer get "going away".
func TestCloseWaitsForWebSockets(t *testing.T) {
	skip := goroutineIDs(bridgeGoroutines(nil)) // earlier tests' are not this one's business
	e := newEnv(t)
	p := e.server.Push
	open := func(u string) *websocket.Conn {
		c, code := dialWS(t, e.srv.URL, wsPath(p, u))
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("handshake: HTTP %d", code)
		}
		return c
	}
	const silent = "o_silent_00000000000000000001"
	var answers []chan websocket.StatusCode
	for i := range 2 {
		c := open("o_answer_0000000000000000000" + strconv.Itoa(i))
		a := make(chan websocket.StatusCode, 1)
		go func() { a <- closeCode(c) }()
		answers = append(answers, a)
	}
	open(silent)
	waitFor(t, "the first silent page", func() bool { l, _ := liveWS(p); return l == 3 })
	quiet := open(silent) // replaces the first, which never answers its close
	waitFor(t, "every page", func() bool { l, ch := liveWS(p); return l == 4 && ch == 3 })
	if n := len(bridgeGoroutines(skip)); n < 4 {
		t.Fatalf("%d bridge goroutines with four pages open, want at least 4", n)
	}

	e.server.Close()
	settled(t, skip)
	if l, ch := liveWS(p); l != 0 || ch != 0 {
		t.Fatalf("after Close: %d live connections, %d channels", l, ch)
	}
	for i, a := range answers {
		if code := <-a; code != closeGoingAway {
			t.Errorf("answering page %d: close %d, want %d", i, code, closeGoingAway)
		}
	}
	// The silent page got "going away" (still in its buffer), and its
	// connection is gone: the client cannot answer.
	if code := closeCode(quiet); code != closeGoingAway {
		t.Fatalf("silent page: close %d, want %d", code, closeGoingAway)
	}
	if c, code := dialWS(t, e.srv.URL, wsPath(p, silent)); c != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("a page opened after Close: HTTP %d, want 503", code)
	}
}
