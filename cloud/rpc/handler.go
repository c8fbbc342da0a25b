package rpc

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"acconsole/models"
)

// Wire spellings the server sends; exact, because some clients compare them
// case-sensitively (PROTOCOL §1.8).
const (
	contentJSON   = "application/x-zc-object"
	contentStream = "application/octet-stream"
	msgAck        = "X-Zc-Ack"
	msgErr        = "X-Zc-Err"
	hdrMsgName    = "X-Zc-Msg-Name"
	hdrTraceID    = "X-Zc-Trace-Id"
	hdrMsgAttr    = "X-Zc-Msg-Attr_"
	// hdrAccessMode "1" marks an unsigned call (Node SDK
	// sendToServiceWithoutSign); see Options.AnonymousService.
	hdrAccessMode = "X-Zc-Access-Mode"
)

// Raw is a success answer passed through verbatim (a proxied UDS reply).
type Raw struct{ Body []byte }

// Options configure a Handler.
type Options struct {
	// BodyLimit caps request bodies; 0 means 1 MiB.
	BodyLimit int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// FutureSkew is how far in the future a signature timestamp may be
	// (Q10); 0 means 300 s.
	FutureSkew time.Duration
	// Unknown serves services that are not registered (UDS proxy); nil
	// answers 3009.
	Unknown func(*Call) (any, error)
	// AnonymousService says whether a service served by Unknown takes
	// unsigned calls marked X-Zc-Access-Mode: 1; nil means none does.
	// Such a call reaches Unknown with Call.Anonymous set and no user.
	AnonymousService func(service string) bool
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client (see clientIP); none by default.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
}

// Handler is the router's http.Handler.
type Handler struct {
	reg    *Registry
	dir    Directory
	tokens Tokens
	opt    Options
}

// NewHandler builds the router over a registry.
func NewHandler(reg *Registry, dir Directory, tokens Tokens, opt Options) *Handler {
	if opt.BodyLimit == 0 {
		opt.BodyLimit = 1 << 20
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.FutureSkew == 0 {
		opt.FutureSkew = 300 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Handler{reg: reg, dir: dir, tokens: tokens, opt: opt}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	traceID := r.Header.Get(hdrTraceID)
	if traceID == "" || len(traceID) > 128 {
		traceID = newTraceID()
	}
	w.Header()[hdrTraceID] = []string{sanitizeHeaderValue(traceID)}
	defer func() {
		if p := recover(); p != nil {
			h.opt.Logger.Error("panic in handler", "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			writeError(w, Errorf(models.ErrInternal, "internal error (trace %s)", traceID))
		}
	}()
	res, err := h.serve(r, traceID)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			h.opt.Logger.Error("method failed", "path", r.URL.Path, "err", err)
			e = Errorf(models.ErrInternal, "internal error (trace %s)", traceID)
		}
		writeError(w, e)
		return
	}
	writeResult(w, res)
}

func (h *Handler) serve(r *http.Request, traceID string) (any, error) {
	service, version, method, perr := parsePath(r.URL.Path)
	if perr != nil {
		return nil, perr
	}
	if r.Method != http.MethodPost {
		return nil, Errorf(models.ErrBadURI, "use POST for %s (got %s)", r.URL.Path, r.Method)
	}
	m, lerr := h.reg.lookup(service, version, method)
	if lerr != nil && (lerr.Code != models.ErrServiceAbsent || h.opt.Unknown == nil) {
		return nil, lerr
	}
	unknown := lerr != nil
	anonymous := false
	if unknown {
		m = Method{Auth: AuthAny, Handler: h.opt.Unknown}
		if anonymousCall(r.Header) && h.opt.AnonymousService != nil && h.opt.AnonymousService(service) {
			m.Auth, anonymous = AuthAnon, true
		}
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, h.opt.BodyLimit+1))
	if err != nil {
		return nil, Errorf(models.ErrInvalidParam, "could not read the request body: %v", err)
	}
	if int64(len(body)) > h.opt.BodyLimit {
		return nil, Errorf(models.ErrInvalidParam, "request body larger than %d bytes", h.opt.BodyLimit)
	}
	query, qerr := url.ParseQuery(r.URL.RawQuery)
	if qerr != nil {
		return nil, Errorf(models.ErrInvalidParam, "malformed query string: %v", qerr)
	}
	c := &Call{
		Ctx: r.Context(), Service: service, Version: version, Method: method,
		Header: r.Header, TraceID: traceID, RemoteAddr: r.RemoteAddr, Client: clientIP(r, h.opt.TrustedProxies), Now: h.opt.Now(),
		Params: map[string]any{},
	}
	for k, vs := range query {
		if len(vs) > 0 {
			c.Params[k] = vs[len(vs)-1]
		}
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case contentStream:
		c.Stream, c.Payload = true, body
	case "", contentJSON, "text/json", "application/json", "text/plain", "application/x-www-form-urlencoded":
		// Lenient: anything that is JSON (or empty) is accepted as JSON.
		if err := mergeJSON(c.Params, body); err != nil {
			return nil, err
		}
	default:
		return nil, Errorf(models.ErrUnsupported, "unsupported Content-Type %q: use %s or %s", ct, contentJSON, contentStream)
	}
	if v := r.Header.Get("X-Zc-Version"); v != "" {
		c.MethodVersion, _ = strconv.Atoi(strings.TrimSpace(v))
	}

	if err := h.authenticate(c, m.Auth); err != nil {
		if e, ok := err.(*Error); ok && e.Code == models.ErrBadHeader && unknown && anonymousCall(r.Header) {
			return nil, Errorf(models.ErrBadHeader, "service %q does not take anonymous calls (X-Zc-Access-Mode: 1): sign the call", service)
		}
		return nil, err
	}
	if anonymous {
		// Nobody vouches for an X-Zc-User-Id on an unsigned call: the
		// service is told the call is anonymous and gets no user.
		c.Anonymous, c.UserID = true, 0
	}
	if err := h.checkActingUser(c); err != nil {
		return nil, err
	}
	sub := r.Header.Get("X-Zc-Sub-Domain")
	if c.Stream {
		if q := query.Get("subDomain"); q != "" {
			sub = q
		}
	}
	c.SubDomain = strings.TrimSpace(sub)
	if c.SubDomain != "" {
		if sd, ok := h.dir.SubDomain(c.Ctx, c.MajorDomain.ID, c.SubDomain); ok {
			c.SubDomainInfo = &sd
		} else if !unknown {
			return nil, Errorf(models.ErrSubDomainAbsent, "sub-domain %q does not exist in major domain %q", c.SubDomain, c.MajorDomain.Name)
		}
	}
	return m.Handler(c)
}

// parsePath splits /{service}/v{n}/{method}.
func parsePath(p string) (string, int, string, *Error) {
	parts := strings.Split(trimSlashes(p), "/")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" || len(parts[1]) < 2 || (parts[1][0] != 'v' && parts[1][0] != 'V') {
		return "", 0, "", Errorf(models.ErrBadURI, "bad URI %q: expected /{service}/v{version}/{method}", truncate(p, 80))
	}
	v, err := strconv.Atoi(parts[1][1:])
	if err != nil || v < 1 {
		return "", 0, "", Errorf(models.ErrBadURI, "bad URI %q: version must be v1, v2, …", truncate(p, 80))
	}
	return parts[0], v, parts[2], nil
}

func mergeJSON(params map[string]any, body []byte) error {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return Errorf(models.ErrInvalidParam, "malformed JSON body: %v", err)
	}
	if dec.More() {
		return Errorf(models.ErrInvalidParam, "malformed JSON body: trailing data after the object")
	}
	for k, v := range obj { // body wins over the query (PROTOCOL §1.2)
		params[k] = v
	}
	return nil
}

func (h *Handler) authenticate(c *Call, need Auth) error {
	hd := c.Header
	ctx := c.Ctx
	devSig := hd.Get("X-Zc-Developer-Signature")
	userSig := hd.Get("X-Zc-User-Signature")

	// The major domain: named by the header (its name, or its numeric id as
	// some vendor clients send), else the only/default one.
	if name := strings.TrimSpace(hd.Get("X-Zc-Major-Domain")); name != "" {
		d, ok := h.dir.DomainByName(ctx, name)
		if !ok {
			d, ok = h.domainByID(name)
		}
		if !ok {
			return Errorf(models.ErrMajorDomainAbsent, "major domain %q does not exist", name)
		}
		c.MajorDomain = d
	} else if d, ok := h.dir.DefaultDomain(ctx); ok {
		c.MajorDomain = d
	} else {
		return Errorf(models.ErrBadHeader, "X-Zc-Major-Domain is required")
	}

	if need == AuthAnon || (need == AuthAnonOrDev && devSig == "") {
		if uid, err := optionalInt(hd.Get("X-Zc-User-Id")); err == nil {
			c.UserID = uid
		}
		return nil
	}
	switch {
	case devSig != "":
		if need == AuthRefresh {
			return Errorf(models.ErrBadHeader, "this method must be signed with the user's refresh token")
		}
		if err := h.verifyDeveloper(c, devSig); err != nil {
			return err
		}
		uid, err := optionalInt(hd.Get("X-Zc-User-Id"))
		if err != nil {
			return Errorf(models.ErrBadHeader, "X-Zc-User-Id must be a number")
		}
		c.UserID = uid
		if need == AuthUser && uid == 0 {
			return Errorf(models.ErrBadHeader, "this method acts for a user: send X-Zc-User-Id with the developer signature")
		}
		return nil
	case userSig != "":
		if need == AuthDev || need == AuthAnonOrDev {
			return Errorf(models.ErrNoPermission, "method %s is for developers: sign with the developer key", c.Method)
		}
		return h.verifyUser(c, userSig, need == AuthRefresh)
	}
	return Errorf(models.ErrBadHeader, "missing signature: send X-Zc-Developer-Signature or X-Zc-User-Signature (or X-Zc-Access-Mode: 1 for anonymous methods)")
}

// anonymousCall reports an unsigned call marked X-Zc-Access-Mode: 1. A
// call that carries a signature is verified as signed whatever its mode.
func anonymousCall(h http.Header) bool {
	return strings.TrimSpace(h.Get(hdrAccessMode)) == "1" &&
		h.Get("X-Zc-Developer-Signature") == "" && h.Get("X-Zc-User-Signature") == ""
}

// domainByID reads a decimal major-domain id, when the directory can look
// one up (DomainIDs).
func (h *Handler) domainByID(s string) (Domain, bool) {
	ids, ok := h.dir.(DomainIDs)
	if !ok {
		return Domain{}, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return Domain{}, false
	}
	return ids.DomainByID(id)
}

type signedHeaders struct {
	timestamp, timeout int64
	nonce              string
}

func (h *Handler) signed(c *Call) (signedHeaders, error) {
	hd := c.Header
	var s signedHeaders
	var err error
	if s.timestamp, err = strconv.ParseInt(strings.TrimSpace(hd.Get("X-Zc-Timestamp")), 10, 64); err != nil {
		return s, Errorf(models.ErrBadHeader, "X-Zc-Timestamp must be Unix seconds")
	}
	if s.timeout, err = strconv.ParseInt(strings.TrimSpace(hd.Get("X-Zc-Timeout")), 10, 64); err != nil || s.timeout < 0 {
		return s, Errorf(models.ErrBadHeader, "X-Zc-Timeout must be a number of seconds")
	}
	if s.nonce = hd.Get("X-Zc-Nonce"); s.nonce == "" {
		return s, Errorf(models.ErrBadHeader, "X-Zc-Nonce is required")
	}
	now := c.Now.Unix()
	if now > s.timestamp+s.timeout {
		return s, Errorf(models.ErrSignatureExpired, "signature expired at %s (server time %s)",
			time.Unix(s.timestamp+s.timeout, 0).UTC().Format(time.RFC3339), c.Now.UTC().Format(time.RFC3339))
	}
	if s.timestamp > now+int64(h.opt.FutureSkew/time.Second) {
		return s, Errorf(models.ErrSignatureExpired, "signature timestamp is %d s in the future: check the clock", s.timestamp-now)
	}
	return s, nil
}

func (h *Handler) verifyDeveloper(c *Call, sig string) error {
	hd := c.Header
	devID, err := strconv.ParseInt(strings.TrimSpace(hd.Get("X-Zc-Developer-Id")), 10, 64)
	if err != nil {
		return Errorf(models.ErrBadHeader, "X-Zc-Developer-Id must be a number")
	}
	s, err := h.signed(c)
	if err != nil {
		return err
	}
	dev, ok := h.dir.Developer(c.Ctx, devID)
	if !ok {
		return Errorf(models.ErrSignatureWrong, "developer %d does not exist", devID)
	}
	if ak := hd.Get("X-Zc-Access-Key"); ak != "" && ak != dev.AccessKey {
		return Errorf(models.ErrSignatureWrong, "access key does not belong to developer %d", devID)
	}
	major := hd.Get("X-Zc-Major-Domain")
	sub := hd.Get("X-Zc-Sub-Domain")
	if !devSignatureOK(dev.SecretKey, s, devID, c.Method, major, sub, sig) {
		return Errorf(models.ErrSignatureWrong, "developer signature does not match (signed string is timeout+timestamp+nonce+developerId+method+majorDomain+subDomain)")
	}
	if dev.DomainID != c.MajorDomain.ID {
		return Errorf(models.ErrNoPermission, "developer %d does not own major domain %q", devID, c.MajorDomain.Name)
	}
	c.Developer = &dev
	return nil
}

// devSignatureOK accepts the plain string (Node/PHP) and the Java form that
// URL-encodes the string first (PROTOCOL §1.5).
func devSignatureOK(sk string, s signedHeaders, devID int64, method, major, sub, sig string) bool {
	plain := strconv.FormatInt(s.timeout, 10) + strconv.FormatInt(s.timestamp, 10) + s.nonce +
		strconv.FormatInt(devID, 10) + method + major + sub
	sig = strings.ToLower(strings.TrimSpace(sig))
	if hmacEqual(sk, plain, sig) {
		return true
	}
	if enc := javaURLEncode(plain); enc != plain {
		return hmacEqual(sk, enc, sig)
	}
	return false
}

func hmacEqual(sk, msg, sig string) bool {
	m := hmac.New(sha256.New, []byte(sk))
	m.Write([]byte(msg))
	want := hex.EncodeToString(m.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(want), []byte(sig)) == 1
}

// javaURLEncode mimics java.net.URLEncoder: space → '+', everything except
// A–Z a–z 0–9 . - * _ → %XX with uppercase hex.
func javaURLEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

func (h *Handler) verifyUser(c *Call, sig string, refresh bool) error {
	uid, err := strconv.ParseInt(strings.TrimSpace(c.Header.Get("X-Zc-User-Id")), 10, 64)
	if err != nil || uid <= 0 {
		return Errorf(models.ErrBadHeader, "X-Zc-User-Id is required with a user signature")
	}
	s, err := h.signed(c)
	if err != nil {
		return err
	}
	var tok string
	var exp time.Time
	var ok bool
	if refresh {
		tok, exp, ok = h.tokens.RefreshToken(c.Ctx, uid)
	} else {
		tok, exp, ok = h.tokens.AccessToken(c.Ctx, uid)
	}
	if !ok || tok == "" {
		if refresh {
			return Errorf(models.ErrRefreshTokenWrong, "no refresh token for user %d: log in again", uid)
		}
		return Errorf(models.ErrSignatureWrong, "user %d has no session: log in again", uid)
	}
	msg := strconv.FormatInt(s.timeout, 10) + strconv.FormatInt(s.timestamp, 10) + s.nonce + tok
	sum := sha1.Sum([]byte(msg))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(strings.TrimSpace(sig)))) != 1 {
		if refresh {
			return Errorf(models.ErrRefreshTokenWrong, "refresh token signature does not match")
		}
		return Errorf(models.ErrSignatureWrong, "user signature does not match (signed string is timeout+timestamp+nonce+token)")
	}
	if !exp.IsZero() && c.Now.After(exp) {
		if refresh {
			return Errorf(models.ErrRefreshTokenExpired, "refresh token expired: log in again")
		}
		return Errorf(models.ErrAccessTokenExpired, "access token expired: refresh it with updateAccessToken")
	}
	c.UserID, c.UserSigned = uid, true
	return nil
}

func optionalInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

func writeError(w http.ResponseWriter, e *Error) {
	h := w.Header()
	h[hdrMsgName] = []string{msgErr}
	h["Content-Type"] = []string{contentJSON}
	body, _ := json.Marshal(struct {
		Error     string `json:"error"`
		ErrorCode int    `json:"errorCode"`
	}{e.Msg, e.Code})
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func writeResult(w http.ResponseWriter, res any) {
	h := w.Header()
	h[hdrMsgName] = []string{msgAck}
	switch v := res.(type) {
	case Binary:
		h["Content-Type"] = []string{contentStream}
		h[hdrMsgAttr+"code"] = []string{strconv.Itoa(v.Code)}
		writeBody(w, v.Body)
		return
	case Raw:
		h["Content-Type"] = []string{contentJSON}
		writeBody(w, v.Body)
		return
	}
	if res == nil {
		res = struct{}{}
	}
	body, err := json.Marshal(res)
	if err != nil {
		h[hdrMsgName] = []string{msgErr}
		body, _ = json.Marshal(map[string]any{"error": "could not encode the answer", "errorCode": models.ErrInternal})
	}
	h["Content-Type"] = []string{contentJSON}
	writeBody(w, body)
}

// writeBody sends an answer whose length is known: with a Content-Length,
// a client reads it in one go into a buffer of its size, where a chunked
// answer (net/http's choice past 2 KB) is read in pieces into a growing one.
func writeBody(w http.ResponseWriter, body []byte) {
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func sanitizeHeaderValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
