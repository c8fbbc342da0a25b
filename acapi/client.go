package acapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"acconsole/models"
)

// Header and content-type spellings of the wire (PROTOCOL §1.2–§1.3).
const (
	ContentJSON   = "application/x-zc-object"
	ContentStream = "application/octet-stream"

	hdrMajorDomain = "X-Zc-Major-Domain"
	hdrSubDomain   = "X-Zc-Sub-Domain"
	hdrDeveloperID = "X-Zc-Developer-Id"
	hdrAccessKey   = "X-Zc-Access-Key"
	hdrDevSig      = "X-Zc-Developer-Signature"
	hdrUserID      = "X-Zc-User-Id"
	hdrUserSig     = "X-Zc-User-Signature"
	hdrTimestamp   = "X-Zc-Timestamp"
	hdrTimeout     = "X-Zc-Timeout"
	hdrNonce       = "X-Zc-Nonce"
	hdrAccessMode  = "X-Zc-Access-Mode"
	hdrVersion     = "X-Zc-Version"
	hdrTraceID     = "X-Zc-Trace-Id"
	hdrTraceStart  = "X-Zc-Trace-Start-Time"
	hdrContentLen  = "X-Zc-Content-Length"
	hdrMsgName     = "X-Zc-Msg-Name"
	hdrMsgAttr     = "X-Zc-Msg-Attr_"
	msgAck         = "X-Zc-Ack"
	msgErr         = "X-Zc-Err"

	signatureTimeout     = 300
	signatureTimeoutText = "300"
	maxResponse          = 32 << 20
)

// Client calls an AbleCloud router. It is safe for concurrent use. Derived
// clients (As, WithUser, WithSubDomain) share the connection pool and the
// read-only switch.
type Client struct {
	shared *shared
	// identity of this view of the client
	actAs     int64  // developer-signed, acting for this user
	userID    int64  // user-signed with userToken
	userToken string //
	subDomain string
}

type shared struct {
	cfg      Config
	http     *http.Client
	readOnly atomic.Bool
	// preferred is the index of the router that last answered.
	preferred atomic.Int32
	now       func() time.Time
	signer    *signer
	// developerID is the decimal header value, formatted once.
	developerID string
}

// New validates cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for i, r := range cfg.Routers {
		cfg.Routers[i] = normaliseRouter(r)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.RuntimeMode == "" {
		cfg.RuntimeMode = ModeTest
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{Transport: tr}
	}
	s := &shared{cfg: cfg, http: hc, now: time.Now, signer: newSigner(cfg.SecretKey), developerID: strconv.FormatInt(cfg.DeveloperID, 10)}
	s.readOnly.Store(cfg.ReadOnly)
	return &Client{shared: s, subDomain: cfg.SubDomain}, nil
}

// Config returns the configuration the client was built with.
func (c *Client) Config() Config { return c.shared.cfg }

// SetReadOnly switches the read-only guard for this client and every client
// derived from it.
func (c *Client) SetReadOnly(on bool) { c.shared.readOnly.Store(on) }

// ReadOnly reports whether mutating calls are refused.
func (c *Client) ReadOnly() bool { return c.shared.readOnly.Load() }

// As returns a client that signs as the developer and acts for user id
// (X-Zc-User-Id), the way a support console and a server-side SDK reach a
// user's devices.
func (c *Client) As(userID int64) *Client {
	d := *c
	d.actAs, d.userID, d.userToken = userID, 0, ""
	return &d
}

// WithUser returns a client that signs as the user with an access token
// (PROTOCOL §1.6), the way an app does.
func (c *Client) WithUser(userID int64, token string) *Client {
	d := *c
	d.userID, d.userToken, d.actAs = userID, token, 0
	return &d
}

// WithSubDomain returns a client whose calls default to product sub.
func (c *Client) WithSubDomain(sub string) *Client {
	d := *c
	d.subDomain = sub
	return &d
}

// ActingUser is the user this client acts for or signs as (0 for none).
func (c *Client) ActingUser() int64 {
	if c.userID != 0 {
		return c.userID
	}
	return c.actAs
}

// Auth selects how a request is authenticated.
type Auth int

const (
	// AuthDefault: user-signed when the client holds a user token, else
	// developer-signed (acting for a user when As was used).
	AuthDefault Auth = iota
	// AuthAnonymous: no signature, X-Zc-Access-Mode: 1.
	AuthAnonymous
	// AuthRefresh: user-signed with the refresh token (updateAccessToken).
	AuthRefresh
	// AuthDeveloper: developer-signed with no acting user, whatever the
	// client's identity.
	AuthDeveloper
)

// Request is one call. Params travel as the JSON body, or in the query
// string when Payload is set (octet-stream).
type Request struct {
	Service string
	Version int // 0 means 1
	Method  string
	// SubDomain overrides the client's default product; set NoSubDomain to
	// send an empty one.
	SubDomain   string
	NoSubDomain bool
	Params      map[string]any
	// Stream sends Payload as application/octet-stream with every param in
	// the query string.
	Stream  bool
	Payload []byte
	// MethodVersion is sent as X-Zc-Version when non-zero.
	MethodVersion int
	Auth          Auth
	RefreshToken  string
	// Mutating calls pass the read-only guard and the audit hook, and are
	// never retried.
	Mutating bool
}

// Response is a successful answer.
type Response struct {
	Body        []byte
	ContentType string
	// Attrs are the X-Zc-Msg-Attr_* headers, keyed without the prefix.
	Attrs   map[string]string
	TraceID string
}

// Decode unmarshals a JSON response into v, sanitising every string.
func (r *Response) Decode(v any) error { return decodeJSON(r.Body, v) }

// Do performs req. Mutating requests on a read-only client fail with
// ErrReadOnly before any I/O; every mutating request is audited.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	if req.Version == 0 {
		req.Version = 1
	}
	if !req.Mutating {
		return c.doWithRetry(ctx, req)
	}
	start := c.shared.now()
	entry := AuditEntry{
		Time: start, Operator: c.shared.cfg.Operator, ActingUser: c.ActingUser(),
		Service: req.Service, Method: req.Method, SubDomain: c.sub(req),
		Params: redact(req.Params), PayloadLen: len(req.Payload), Note: auditNote(ctx),
	}
	if c.ReadOnly() {
		entry.ReadOnlyRefused = true
		entry.Error = ErrReadOnly.Error()
		c.audit(entry)
		return nil, fmt.Errorf("%s/%s: %w", req.Service, req.Method, ErrReadOnly)
	}
	resp, traceID, err := c.doOnce(ctx, req, true)
	entry.TraceID = traceID
	entry.Duration = c.shared.now().Sub(start)
	if err != nil {
		entry.Code = Code(err)
		entry.Error = err.Error()
	}
	c.audit(entry)
	return resp, err
}

func (c *Client) audit(e AuditEntry) {
	if a := c.shared.cfg.Auditor; a != nil {
		a.Audit(e)
	}
}

func (c *Client) sub(req Request) string {
	if req.NoSubDomain {
		return ""
	}
	if req.SubDomain != "" {
		return req.SubDomain
	}
	return c.subDomain
}

func (c *Client) doWithRetry(ctx context.Context, req Request) (*Response, error) {
	var lastErr error
	for attempt := 0; attempt < c.shared.cfg.MaxAttempts; attempt++ {
		if attempt > 0 {
			// Exponential backoff with full jitter: 100 ms, 200 ms, … capped.
			backoff := time.Duration(100<<(attempt-1)) * time.Millisecond
			if backoff > 2*time.Second {
				backoff = 2 * time.Second
			}
			wait := time.Duration(rand.Int64N(int64(backoff)) + int64(backoff)/2)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, lastErr
			case <-t.C:
			}
		}
		resp, _, err := c.doOnce(ctx, req, false)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return resp, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func retryable(err error) bool {
	switch Code(err) {
	case models.ErrServiceDown, models.ErrRequestTimeout, models.ErrNetwork:
		return true
	}
	return false
}

// doOnce sends req to the preferred router, failing over to the next router
// only when a connection could not be made (so a write is never sent twice).
func (c *Client) doOnce(ctx context.Context, req Request, mutating bool) (*Response, string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.shared.cfg.Timeout)
		defer cancel()
	}
	traceID := TraceID()
	routers := c.shared.cfg.Routers
	first := int(c.shared.preferred.Load())
	var lastErr error
	for i := 0; i < len(routers); i++ {
		idx := (first + i) % len(routers)
		resp, err := c.send(ctx, routers[idx], req, traceID)
		if err == nil {
			c.shared.preferred.Store(int32(idx))
			return resp, traceID, nil
		}
		lastErr = err
		if !isDialError(err) || ctx.Err() != nil {
			break
		}
	}
	return nil, traceID, lastErr
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func (c *Client) send(ctx context.Context, router string, req Request, traceID string) (*Response, error) {
	cfg := &c.shared.cfg
	sub := c.sub(req)
	u := router + "/" + req.Service + "/v" + strconv.Itoa(req.Version) + "/" + req.Method

	var body []byte
	contentType := ContentJSON
	if req.Stream {
		contentType = ContentStream
		body = req.Payload
		if len(req.Params) > 0 {
			u += "?" + encodeQuery(req.Params)
		}
	} else {
		var err error
		if req.Params == nil {
			body = []byte("{}")
		} else if body, err = encodeParams(req.Params); err != nil {
			return nil, &Error{Code: models.ErrInvalidParam, Message: "cannot encode parameters: " + err.Error(), Service: req.Service, Method: req.Method}
		}
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Code: models.ErrBadURI, Message: err.Error(), Service: req.Service, Method: req.Method}
	}
	hs := headerSet{h: make(http.Header, 20), vals: make([]string, 0, 20)}
	hreq.Header = hs.h
	hs.set("Content-Type", contentType)
	hs.set(hdrContentLen, strconv.Itoa(len(body)))
	hs.set(hdrMajorDomain, cfg.MajorDomain)
	hs.set(hdrSubDomain, sub)
	hs.set(hdrTraceID, traceID)
	now := c.shared.now()
	hs.set(hdrTraceStart, strconv.FormatInt(now.UnixMilli(), 10))
	if req.MethodVersion != 0 {
		hs.set(hdrVersion, strconv.Itoa(req.MethodVersion))
	}
	ts := now.Unix()
	if req.Auth == AuthAnonymous {
		hs.set(hdrAccessMode, "1")
	} else {
		nonce := Nonce()
		hs.set(hdrTimestamp, strconv.FormatInt(ts, 10))
		hs.set(hdrTimeout, signatureTimeoutText)
		hs.set(hdrNonce, nonce)
		switch {
		case req.Auth == AuthRefresh:
			hs.set(hdrUserID, strconv.FormatInt(c.userID, 10))
			hs.set(hdrUserSig, UserSignature(signatureTimeout, ts, nonce, req.RefreshToken))
		case req.Auth != AuthDeveloper && c.userToken != "":
			hs.set(hdrUserID, strconv.FormatInt(c.userID, 10))
			hs.set(hdrUserSig, UserSignature(signatureTimeout, ts, nonce, c.userToken))
		default:
			hs.set(hdrDeveloperID, c.shared.developerID)
			if cfg.AccessKey != "" {
				hs.set(hdrAccessKey, cfg.AccessKey)
			}
			hs.set(hdrDevSig, c.shared.signer.sign(signatureTimeout, ts, nonce, cfg.DeveloperID, req.Method, cfg.MajorDomain, sub))
			if req.Auth != AuthDeveloper && c.actAs != 0 {
				hs.set(hdrUserID, strconv.FormatInt(c.actAs, 10))
			}
		}
	}

	hresp, err := c.shared.roundTrip(hreq)
	if err != nil {
		return nil, transportError(req, traceID, err)
	}
	defer hresp.Body.Close()
	respBody, err := readBody(hresp)
	if err != nil {
		return nil, transportError(req, traceID, err)
	}
	if len(respBody) > maxResponse {
		return nil, &Error{Code: models.ErrNetwork, Message: "response larger than 32 MiB", Service: req.Service, Method: req.Method, TraceID: traceID}
	}
	if echoed := hresp.Header.Get(hdrTraceID); echoed != "" {
		traceID = sanitizeHeader(echoed)
	}
	if hresp.StatusCode != http.StatusOK {
		return nil, &Error{Code: hresp.StatusCode, HTTPStatus: hresp.StatusCode, Message: sanitizeHeader(strings.TrimSpace(string(truncate(respBody, 200)))), Service: req.Service, Method: req.Method, TraceID: traceID}
	}
	msgName := hresp.Header.Get(hdrMsgName)
	ct := hresp.Header.Get("Content-Type")
	isErr := strings.EqualFold(msgName, msgErr)
	if !isErr && !strings.EqualFold(msgName, msgAck) && !strings.HasPrefix(ct, ContentStream) {
		// No (or an unknown) message name: an error is recognised by an
		// "error" key in the body (PROTOCOL §1.8).
		isErr = bytes.Contains(respBody, []byte(`"error"`)) && looksLikeError(respBody)
	}
	if isErr {
		var eb struct {
			Error     string `json:"error"`
			ErrorCode int    `json:"errorCode"`
		}
		if err := decodeJSON(respBody, &eb); err != nil || eb.ErrorCode == 0 {
			msg := eb.Error
			if msg == "" {
				msg = "error answer without an error code"
			}
			return nil, &Error{Code: models.ErrInternal, Message: msg, Service: req.Service, Method: req.Method, TraceID: traceID}
		}
		return nil, &Error{Code: eb.ErrorCode, Message: eb.Error, Service: req.Service, Method: req.Method, TraceID: traceID}
	}
	resp := &Response{Body: respBody, ContentType: ct, TraceID: traceID}
	for k, v := range hresp.Header {
		if len(k) > len(hdrMsgAttr) && strings.EqualFold(k[:len(hdrMsgAttr)], hdrMsgAttr) && len(v) > 0 {
			if resp.Attrs == nil {
				resp.Attrs = map[string]string{}
			}
			resp.Attrs[strings.ToLower(k[len(hdrMsgAttr):])] = sanitizeHeader(v[0])
		}
	}
	return resp, nil
}

func looksLikeError(body []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	_, hasErr := probe["error"]
	_, hasCode := probe["errorCode"]
	return hasErr && (hasCode || len(probe) == 1)
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func transportError(req Request, traceID string, err error) error {
	code := models.ErrNetwork
	if errors.Is(err, context.DeadlineExceeded) {
		code = models.ErrRequestTimeout
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	return &Error{Code: code, Message: msg, Service: req.Service, Method: req.Method, TraceID: traceID, Cause: err}
}

// encodeQuery percent-encodes every value with RFC 3986 rules (PROTOCOL Q8),
// in a stable key order.
func encodeQuery(params map[string]any) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.PathEscape(k))
		b.WriteByte('=')
		b.WriteString(rfc3986(queryValue(params[k])))
	}
	return b.String()
}

func queryValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func rfc3986(s string) string {
	// url.QueryEscape writes spaces as '+'; RFC 3986 wants %20.
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// roundTrip sends a request straight through the transport when the
// configured http.Client adds nothing (no cookie jar, no redirect policy):
// http.Client.Do copies every header for redirect handling, which costs
// a dozen allocations per call, and AbleCloud calls are POSTs that are never
// redirected. Deadlines come from the request's context either way.
func (s *shared) roundTrip(r *http.Request) (*http.Response, error) {
	hc := s.http
	if hc.Jar != nil || hc.CheckRedirect != nil || hc.Timeout != 0 {
		return hc.Do(r)
	}
	tr := hc.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	resp, err := tr.RoundTrip(r)
	if err != nil {
		return nil, &url.Error{Op: "Post", URL: r.URL.Redacted(), Err: err}
	}
	return resp, nil
}

// headerSet fills one header map from one backing array of values: a call's
// allocations are dominated by headers otherwise.
type headerSet struct {
	h    http.Header
	vals []string
}

func (hs *headerSet) set(k, v string) {
	hs.vals = append(hs.vals, v)
	n := len(hs.vals)
	hs.h[k] = hs.vals[n-1 : n : n]
}
