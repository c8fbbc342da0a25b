package wechat

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The H5 pages' alert channel is a WebSocket served by
// github.com/coder/websocket (RFC 6455: handshake, framing, masking, ping,
// close handshake). This file holds what the bridge adds: one channel per
// page with a write timeout, a bounded close, and a way to drop a peer that
// never answers.

// closeWait is how long a closing side waits for the peer's close frame
// before it drops the connection.
const closeWait = 2 * time.Second

// Close codes the bridge sends (RFC 6455 §7.4.1).
const (
	closeGoingAway = websocket.StatusGoingAway       // the server shuts down
	closePolicy    = websocket.StatusPolicyViolation // replaced by a newer page
)

// hijackRecorder passes the response through and keeps the connection the
// WebSocket library takes over, so that a peer that never answers a close
// can be dropped. (net/http clears its own deadlines when it hands the
// connection over, so the server's timeouts do not end a channel.)
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil {
		h.conn = c
	}
	return c, brw, err
}

// wsConn is one page's upgraded connection.
type wsConn struct {
	ws           *websocket.Conn
	tcp          net.Conn
	writeTimeout time.Duration
	done         chan struct{} // closed when the connection is dropped
	dropOnce     sync.Once
}

// acceptWS upgrades the request. On failure the library has written the
// HTTP error (426 for a request that is not an upgrade, 400 for a bad key
// or version).
//
// Origins are not checked: the channel is authorised by the token in its
// URL, never by cookies, and the vendor's page is usually served from
// another host than the bridge, so a cross-site page gains nothing a token
// does not already give it.
func acceptWS(w http.ResponseWriter, r *http.Request, maxMsg int, writeTimeout time.Duration) (*wsConn, error) {
	hr := &hijackRecorder{ResponseWriter: w}
	ws, err := websocket.Accept(hr, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(int64(maxMsg))
	return &wsConn{ws: ws, tcp: hr.conn, writeTimeout: writeTimeout, done: make(chan struct{})}, nil
}

// WriteText sends one text message.
func (c *wsConn) WriteText(s string) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, []byte(s))
}

// ping sends a ping and waits up to timeout for the pong; it needs readLoop
// running.
func (c *wsConn) ping(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.ws.Ping(ctx)
}

// closeWith runs the close handshake: the close frame goes out and the
// peer has closeWait to answer before the connection is dropped. It
// returns when the connection is closed.
func (c *wsConn) closeWith(code websocket.StatusCode, reason string) {
	if len(reason) > 123 {
		reason = reason[:123] // a control frame's payload is at most 125 bytes
	}
	t := time.AfterFunc(closeWait, c.drop)
	defer t.Stop()
	_ = c.ws.Close(code, reason)
}

// drop closes the TCP connection, which ends every call on it.
func (c *wsConn) drop() {
	c.dropOnce.Do(func() {
		close(c.done)
		if c.tcp != nil {
			_ = c.tcp.Close()
		}
	})
}

// readLoop reads and discards what the page sends (the channel carries
// alerts one way) until the connection ends; the library answers pings and
// close frames meanwhile, and closes with 1009 a message over the limit.
func (c *wsConn) readLoop() error {
	defer c.drop()
	for {
		_, r, err := c.ws.Reader(context.Background())
		if err != nil {
			if websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	}
}
