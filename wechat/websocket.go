package wechat

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The server side of RFC 6455, as much as the alert channel needs: the
// opening handshake, text frames out, and from the client masked frames
// (data, possibly fragmented, which are read and dropped), ping/pong and the
// close handshake. No extensions and no sub-protocols are negotiated, so
// every RSV bit must be zero.

// wsGUID is the fixed GUID of the handshake (RFC 6455 §1.3).
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11B65"

// Opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close codes (RFC 6455 §7.4.1).
const (
	closeNormal       = 1000
	closeGoingAway    = 1001
	closeProtocol     = 1002
	closeNoStatus     = 1005 // never sent; "no code" when the peer gave none
	closeInvalidData  = 1007
	closePolicy       = 1008
	closeTooBig       = 1009
	closeInternalFail = 1011
)

// closeWait is how long a closing side waits for the peer's close frame
// before it drops the connection.
const closeWait = 2 * time.Second

// wsError is a protocol failure that ends the connection with a close code.
type wsError struct {
	code int
	msg  string
}

func (e *wsError) Error() string { return fmt.Sprintf("websocket: %s (close %d)", e.msg, e.code) }

func protoErr(format string, args ...any) error {
	return &wsError{closeProtocol, fmt.Sprintf(format, args...)}
}

// wsAccept is the Sec-WebSocket-Accept value for a client key.
func wsAccept(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// headerHasToken reports whether a comma-separated header (Connection:
// keep-alive, Upgrade) lists token, case-insensitively.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// checkUpgrade validates an opening handshake (RFC 6455 §4.2.1) and returns
// the client's key. It writes the HTTP error itself when the request is not
// one.
func checkUpgrade(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "websocket: GET only", http.StatusMethodNotAllowed)
		return "", false
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		http.Error(w, "websocket: not a WebSocket upgrade request", http.StatusBadRequest)
		return "", false
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "websocket: only version 13 is supported", http.StatusUpgradeRequired)
		return "", false
	}
	key := strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key"))
	if raw, err := base64.StdEncoding.DecodeString(key); err != nil || len(raw) != 16 {
		http.Error(w, "websocket: Sec-WebSocket-Key is not 16 bytes of Base64", http.StatusBadRequest)
		return "", false
	}
	return key, true
}

// wsConn is an upgraded connection. Writes are serialised; reads happen on
// the goroutine running readLoop only.
type wsConn struct {
	conn         net.Conn
	br           *bufio.Reader
	maxMsg       int
	writeTimeout time.Duration

	wmu       sync.Mutex
	closeSent bool
	done      chan struct{}
	doneOnce  sync.Once
}

// upgrade completes the handshake and takes the connection over from the
// HTTP server.
func upgrade(w http.ResponseWriter, r *http.Request, key string, maxMsg int, writeTimeout time.Duration) (*wsConn, error) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "websocket: the server cannot hand over the connection", http.StatusInternalServerError)
		return nil, err
	}
	// The HTTP server's deadlines no longer apply; ours are set per
	// operation.
	_ = conn.SetDeadline(time.Time{})
	resp := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + wsAccept(key) + "\r\n\r\n"
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := io.WriteString(conn, resp); err != nil {
		conn.Close()
		return nil, err
	}
	// brw.Reader may already hold frames the client sent right after its
	// handshake, so reads go through it.
	return &wsConn{conn: conn, br: brw.Reader, maxMsg: maxMsg, writeTimeout: writeTimeout, done: make(chan struct{})}, nil
}

// writeFrame writes one unmasked, unfragmented frame (servers never mask,
// RFC 6455 §5.1).
func (c *wsConn) writeFrame(op byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return net.ErrClosed
	}
	if op == opClose {
		c.closeSent = true
	}
	var hdr [10]byte
	hdr[0] = 0x80 | op
	n := 2
	switch l := len(payload); {
	case l <= 125:
		hdr[1] = byte(l)
	case l <= 0xFFFF:
		hdr[1] = 126
		binary.BigEndian.PutUint16(hdr[2:], uint16(l))
		n = 4
	default:
		hdr[1] = 127
		binary.BigEndian.PutUint64(hdr[2:], uint64(l))
		n = 10
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	if _, err := c.conn.Write(append(hdr[:n:n], payload...)); err != nil {
		return err
	}
	return nil
}

// WriteText sends one text message.
func (c *wsConn) WriteText(s string) error { return c.writeFrame(opText, []byte(s)) }

// closeWith starts the close handshake: it sends a close frame and gives
// the peer closeWait to answer before the connection is dropped.
func (c *wsConn) closeWith(code int, reason string) {
	if len(reason) > 123 {
		reason = reason[:123] // a control frame's payload is at most 125 bytes
	}
	p := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	p = append(p, reason...)
	if err := c.writeFrame(opClose, p); err != nil {
		c.drop()
		return
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(closeWait))
}

// fail ends the connection after a protocol error: the close frame goes
// out, and whatever the peer still sends is discarded until it closes or
// closeWait passes. Closing a socket with unread input makes the kernel
// reset the connection, and the peer could lose the close frame (and with
// it the reason) before reading it.
func (c *wsConn) fail(code int, reason string) {
	c.closeWith(code, reason)
	_, _ = io.Copy(io.Discard, c.br)
}

// drop closes the TCP connection.
func (c *wsConn) drop() {
	c.doneOnce.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// frame is one frame as read.
type frame struct {
	fin     bool
	op      byte
	payload []byte
}

// readFrame reads and unmasks one client frame, enforcing the rules a
// server must (RFC 6455 §5.1–§5.5): masked, RSV bits clear, known opcodes,
// control frames short and unfragmented, minimal length encoding; limit
// bounds the payload before any of it is read.
func (c *wsConn) readFrame(limit int) (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&0x80 != 0, op: h[0] & 0x0F}
	if h[0]&0x70 != 0 {
		return frame{}, protoErr("reserved bits set without an extension")
	}
	switch f.op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
	default:
		return frame{}, protoErr("unknown opcode %#x", f.op)
	}
	if h[1]&0x80 == 0 {
		return frame{}, protoErr("client frame not masked")
	}
	length := uint64(h[1] & 0x7F)
	control := f.op >= opClose
	if control && (!f.fin || length > 125) {
		return frame{}, protoErr("control frame fragmented or longer than 125 bytes")
	}
	switch length {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return frame{}, err
		}
		length = uint64(binary.BigEndian.Uint16(ext[:]))
		if length < 126 {
			return frame{}, protoErr("length not minimally encoded")
		}
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return frame{}, err
		}
		length = binary.BigEndian.Uint64(ext[:])
		if length>>63 != 0 {
			return frame{}, protoErr("length with the most significant bit set")
		}
		if length <= 0xFFFF {
			return frame{}, protoErr("length not minimally encoded")
		}
	}
	if !control && length > uint64(limit) {
		return frame{}, &wsError{closeTooBig, fmt.Sprintf("message longer than %d bytes", c.maxMsg)}
	}
	var mask [4]byte
	if _, err := io.ReadFull(c.br, mask[:]); err != nil {
		return frame{}, err
	}
	f.payload = make([]byte, length)
	if _, err := io.ReadFull(c.br, f.payload); err != nil {
		return frame{}, err
	}
	for i := range f.payload {
		f.payload[i] ^= mask[i&3]
	}
	return f, nil
}

// readLoop serves the connection until it ends: pings are answered, data
// messages are assembled (to enforce the size and UTF-8 rules) and dropped,
// since the channel carries alerts one way. idle is how long the peer may
// stay silent; the server's own pings make a live peer answer well within
// it.
func (c *wsConn) readLoop(idle time.Duration) error {
	defer c.drop()
	var msgOp byte // opcode of the message being assembled, 0 when none
	var msgLen int
	var msgText []byte
	for {
		// Checked and set under wmu: otherwise a close frame sent between
		// the check and the set (Close, a replacing connection) would have
		// its closeWait deadline overwritten with idle, and a silent peer
		// would be kept for idle instead.
		c.wmu.Lock()
		if !c.closeSent {
			_ = c.conn.SetReadDeadline(time.Now().Add(idle))
		}
		c.wmu.Unlock()
		f, err := c.readFrame(c.maxMsg - msgLen)
		if err != nil {
			var we *wsError
			if errors.As(err, &we) {
				c.fail(we.code, we.msg)
			}
			return err
		}
		switch f.op {
		case opPing:
			if err := c.writeFrame(opPong, f.payload); err != nil && !errors.Is(err, net.ErrClosed) {
				return err
			}
		case opPong:
		case opClose:
			return c.answerClose(f.payload)
		case opText, opBinary:
			if msgOp != 0 {
				c.fail(closeProtocol, "new message inside a fragmented one")
				return protoErr("new message inside a fragmented one")
			}
			msgOp, msgLen, msgText = f.op, len(f.payload), nil
			if f.op == opText {
				msgText = f.payload
			}
		case opContinuation:
			if msgOp == 0 {
				c.fail(closeProtocol, "continuation without a message")
				return protoErr("continuation without a message")
			}
			msgLen += len(f.payload)
			if msgOp == opText {
				msgText = append(msgText, f.payload...)
			}
		}
		if (f.op == opText || f.op == opBinary || f.op == opContinuation) && f.fin {
			if msgOp == opText && !utf8.Valid(msgText) {
				c.fail(closeInvalidData, "text message is not UTF-8")
				return &wsError{closeInvalidData, "text message is not UTF-8"}
			}
			msgOp, msgLen, msgText = 0, 0, nil
		}
	}
}

// answerClose handles the peer's close frame: it checks the payload and,
// unless this side started the close, echoes the code (RFC 6455 §5.5.1).
func (c *wsConn) answerClose(p []byte) error {
	code := closeNoStatus
	switch {
	case len(p) == 1:
		c.fail(closeProtocol, "close payload of one byte")
		return protoErr("close payload of one byte")
	case len(p) >= 2:
		code = int(binary.BigEndian.Uint16(p))
		if !validCloseCode(code) {
			c.fail(closeProtocol, "invalid close code")
			return protoErr("invalid close code %d", code)
		}
		if !utf8.Valid(p[2:]) {
			c.fail(closeInvalidData, "close reason is not UTF-8")
			return &wsError{closeInvalidData, "close reason is not UTF-8"}
		}
	}
	if code == closeNoStatus {
		code = closeNormal
	}
	c.closeWith(code, "")
	return nil
}

// validCloseCode reports whether a peer may send code (RFC 6455 §7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
