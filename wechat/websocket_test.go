package wechat

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func wsPath(p *Pusher, openID string) string {
	return PathWS + "?openid=" + url.QueryEscape(openID) + "&token=" + url.QueryEscape(p.IssueToken(openID))
}

// TestWebSocketAuth: no token, a wrong one, one for another OpenID or an
// expired one: no upgrade.
func TestWebSocketAuth(t *testing.T) {
	e := newEnv(t)
	p := e.server.Push
	const u = "o_tom_00000000000000000000001"
	good := p.IssueToken(u)
	for name, q := range map[string]string{
		"none":          "?openid=" + u,
		"garbage":       "?openid=" + u + "&token=abc",
		"other user":    "?openid=o_other&token=" + url.QueryEscape(good),
		"tampered":      "?openid=" + u + "&token=" + url.QueryEscape(good[:len(good)-2]+"AA"),
		"expired":       "?openid=" + u + "&token=" + url.QueryEscape("1000."+strings.SplitN(good, ".", 2)[1]),
		"no openid":     "?token=" + url.QueryEscape(good),
		"openid spaces": "?openid=a+b&token=" + url.QueryEscape(good),
	} {
		if c, code := dialWS(t, e.srv.URL, PathWS+q); c != nil || code != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d, want 401", name, code)
		}
	}
	// A good token on a request that is not an upgrade.
	resp, err := http.Get(e.srv.URL + wsPath(p, u))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
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
}

// TestWebSocketProtocol drives the server with raw frames.
func TestWebSocketProtocol(t *testing.T) {
	e := newEnv(t, func(c *ServerConfig) {
		c.Push.MaxWSMessage = 64
		c.Push.PingInterval = 200 * time.Millisecond
	})
	p := e.server.Push
	const u = "o_uma_00000000000000000000001"

	open := func() *wsClient {
		c, code := dialWS(t, e.srv.URL, wsPath(p, u))
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("handshake: HTTP %d", code)
		}
		return c
	}

	// Ping/pong, fragmented text (assembled, dropped), and the server's own
	// pings.
	c := open()
	c.send(opPing, true, true, []byte("are you there"))
	if op, payload, err := c.read(5 * time.Second); err != nil || op != opPong || string(payload) != "are you there" {
		t.Fatalf("pong: %#x %q %v", op, payload, err)
	}
	c.send(opText, false, true, []byte("hel"))
	c.send(opPing, true, true, []byte("mid")) // control frames may interleave
	c.send(opContinuation, true, true, []byte("lo"))
	if op, payload, err := c.read(5 * time.Second); err != nil || op != opPong || string(payload) != "mid" {
		t.Fatalf("pong inside a fragmented message: %#x %q %v", op, payload, err)
	}
	gotPing := false
	for i := 0; i < 5 && !gotPing; i++ {
		op, _, err := c.read(2 * time.Second)
		if err != nil {
			t.Fatalf("waiting for the server's ping: %v", err)
		}
		gotPing = op == opPing
	}
	if !gotPing {
		t.Fatal("the server never pinged")
	}
	c.send(opPong, true, true, nil)

	// A second connection replaces the first, which is closed.
	c2 := open()
	if code := c.expectClose(); code != closePolicy {
		t.Fatalf("replaced connection closed with %d", code)
	}
	c.send(opClose, true, true, closePayload(closePolicy, ""))
	waitFor(t, "the new channel", func() bool { return p.conn(u) != nil })

	// Protocol violations close with the right code.
	for name, tc := range map[string]struct {
		send func(c *wsClient)
		want int
	}{
		"unmasked": {func(c *wsClient) { c.send(opText, true, false, []byte("hi")) }, closeProtocol},
		"too big":  {func(c *wsClient) { c.send(opBinary, true, true, bytes.Repeat([]byte("x"), 65)) }, closeTooBig},
		"too big in pieces": {func(c *wsClient) {
			c.send(opText, false, true, bytes.Repeat([]byte("x"), 40))
			c.send(opContinuation, true, true, bytes.Repeat([]byte("x"), 40))
		}, closeTooBig},
		"bad utf-8":          {func(c *wsClient) { c.send(opText, true, true, []byte{0xff, 0xfe}) }, closeInvalidData},
		"reserved opcode":    {func(c *wsClient) { c.send(0x3, true, true, nil) }, closeProtocol},
		"long ping":          {func(c *wsClient) { c.send(opPing, true, true, bytes.Repeat([]byte("x"), 126)) }, closeProtocol},
		"stray continuation": {func(c *wsClient) { c.send(opContinuation, true, true, []byte("x")) }, closeProtocol},
		"bad close code":     {func(c *wsClient) { c.send(opClose, true, true, closePayload(1005, "")) }, closeProtocol},
	} {
		c := open()
		tc.send(c)
		if code := c.expectClose(); code != tc.want {
			t.Errorf("%s: closed with %d, want %d", name, code, tc.want)
		}
	}

	// Shutting down says "going away".
	c3 := open()
	waitFor(t, "the channel", func() bool { return p.conn(u) != nil })
	p.Close()
	if code := c3.expectClose(); code != closeGoingAway {
		t.Fatalf("shutdown closed with %d", code)
	}
	_ = c2
}
