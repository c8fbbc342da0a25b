package wechat

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
		// Lengths must use the shortest form (RFC 6455 §5.2), and a 64-bit
		// length must have its top bit clear; the payloads are short, so
		// only the encoding is wrong (a length taken at face value would
		// fit or, with the top bit, be "too big", 1009).
		"16-bit length for 5 bytes": {func(c *wsClient) {
			c.raw(append(rawHeader(opText, 126, []byte{0, 5}), "hello"...))
		}, closeProtocol},
		"64-bit length for 60 bytes": {func(c *wsClient) {
			c.raw(append(rawHeader(opBinary, 127, binary.BigEndian.AppendUint64(nil, 60)), bytes.Repeat([]byte("x"), 60)...))
		}, closeProtocol},
		"64-bit length, top bit set": {func(c *wsClient) {
			c.raw(append(rawHeader(opBinary, 127, binary.BigEndian.AppendUint64(nil, 1<<63|5)), "hello"...))
		}, closeProtocol},
		"one-byte close payload": {func(c *wsClient) { c.send(opClose, true, true, []byte{0x03}) }, closeProtocol},
		"close reason not UTF-8": {func(c *wsClient) { c.send(opClose, true, true, closePayload(closeNormal, "bye\xff\xfe")) }, closeInvalidData},
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

// answerClose plays a page that answers the server's close frame: it echoes
// the frame and reads until the server drops the connection. It runs on its
// own goroutine, so it reports through the returned channel, not t.
func answerClose(c *wsClient) <-chan int {
	code := make(chan int, 1)
	go func() {
		defer close(code)
		for {
			op, p, err := c.read(10 * time.Second)
			if err != nil {
				return
			}
			if op == opClose {
				_, _ = c.conn.Write(append(rawHeader(opClose, byte(len(p)), nil), p...))
				_, _ = io.Copy(io.Discard, c.br)
				if len(p) >= 2 {
					code <- int(binary.BigEndian.Uint16(p))
				}
				return
			}
		}
	}()
	return code
}

// liveWS counts the Pusher's upgraded connections and registered channels.
func liveWS(p *Pusher) (live, channels int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live), len(p.conns)
}

// settled waits briefly for the bridge's goroutines to be gone and fails
// with their stacks if they are not. The wait is for a goroutine that has
// already called wg.Done and is returning from its last frame; it is far
// shorter than closeWait, for which the goroutines used to outlive Close.
func settled(t *testing.T, skip map[string]bool) {
	t.Helper()
	deadline := time.Now().Add(100 * time.Millisecond)
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
	open := func(u string) *wsClient {
		c, code := dialWS(t, e.srv.URL, wsPath(p, u))
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("handshake: HTTP %d", code)
		}
		return c
	}
	const silent = "o_silent_00000000000000000001"
	var answers []<-chan int
	for _, u := range []string{"o_answer_00000000000000000001", "o_answer_00000000000000000002"} {
		answers = append(answers, answerClose(open(u)))
	}
	open(silent)
	waitFor(t, "the first silent page", func() bool { l, _ := liveWS(p); return l == 3 })
	quiet := open(silent) // replaces the first, which never answers its close
	waitFor(t, "every page", func() bool { l, ch := liveWS(p); return l == 4 && ch == 3 })
	if n := len(bridgeGoroutines(skip)); n < 4 {
		t.Fatalf("%d bridge goroutines with four pages open, want at least 4", n)
	}

	start := time.Now()
	e.server.Close()
	took := time.Since(start)
	settled(t, skip)
	if took > closeWait+time.Second {
		t.Fatalf("Close took %v, want about closeWait (%v)", took, closeWait)
	}
	if l, ch := liveWS(p); l != 0 || ch != 0 {
		t.Fatalf("after Close: %d live connections, %d channels", l, ch)
	}
	for i, a := range answers {
		if code := <-a; code != closeGoingAway {
			t.Errorf("answering page %d: close %d, want %d", i, code, closeGoingAway)
		}
	}
	// The silent page got "going away", then its connection was dropped.
	if code := quiet.expectClose(); code != closeGoingAway {
		t.Fatalf("silent page: close %d, want %d", code, closeGoingAway)
	}
	if _, _, err := quiet.read(time.Second); err == nil {
		t.Fatal("the silent page's connection is still open after Close")
	}
	if c, code := dialWS(t, e.srv.URL, wsPath(p, silent)); c != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("a page opened after Close: HTTP %d, want 503", code)
	}
}

// TestCloseWithAnsweringPagesIsQuick: Close waits for the close handshakes,
// not for closeWait, when every page answers.
func TestCloseWithAnsweringPagesIsQuick(t *testing.T) {
	skip := goroutineIDs(bridgeGoroutines(nil))
	e := newEnv(t)
	p := e.server.Push
	var answers []<-chan int
	for i := range 3 {
		u := "o_quick_0000000000000000000" + strconv.Itoa(i)
		c, code := dialWS(t, e.srv.URL, wsPath(p, u))
		if code != http.StatusSwitchingProtocols {
			t.Fatalf("handshake: HTTP %d", code)
		}
		answers = append(answers, answerClose(c))
	}
	waitFor(t, "every page", func() bool { _, ch := liveWS(p); return ch == 3 })
	start := time.Now()
	e.server.Close()
	if took := time.Since(start); took > closeWait/2 {
		t.Fatalf("Close took %v with every page answering", took)
	}
	settled(t, skip)
	for i, a := range answers {
		if code := <-a; code != closeGoingAway {
			t.Errorf("page %d: close %d, want %d", i, code, closeGoingAway)
		}
	}
}
