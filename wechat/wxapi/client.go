package wxapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"acconsole/internal/clock"
	"acconsole/models"
)

// Defaults used when the corresponding Config field is zero.
const (
	DefaultBaseURL          = "https://api.weixin.qq.com"
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
)

// Config configures a Client. Either AppID+AppSecret (the client manages the
// token) or AccessToken (a token managed elsewhere, e.g. a central token
// server, as the PHP bridge's constructor takes it) must be set.
type Config struct {
	AppID     string
	AppSecret string

	// AccessToken is used as-is when AppID is empty. It is never refreshed,
	// so a 40001/42001 is returned to the caller instead of retried.
	AccessToken string

	BaseURL    string       // default DefaultBaseURL; tests point it at wxemu
	HTTPClient *http.Client // default: a plain client; deadlines come from contexts

	// Timeout bounds each call (token fetch and the single retry included)
	// when the caller's context has no deadline of its own.
	Timeout time.Duration

	// MaxResponseBytes caps how much of a response body is read; a larger
	// body is an error rather than a memory spike.
	MaxResponseBytes int64

	// Clock is the time of token expiry; nil is the wall clock. Tests pass
	// a clock.Fake.
	Clock clock.Clock
}

// Client calls the WeChat APIs. It is safe for concurrent use.
type Client struct {
	base    string
	appID   string
	secret  string
	static  string
	hc      *http.Client
	timeout time.Duration
	maxBody int64
	now     func() time.Time

	// fetchSem lets one goroutine fetch a token at a time, so that many
	// callers finding the token stale cause one fetch, not a stampede (each
	// fetch on WeChat's side invalidates the previous token after a while).
	// It is a channel rather than a mutex so waiting honours the context.
	fetchSem chan struct{}

	mu        sync.Mutex
	token     string
	refreshAt time.Time
}

// New checks cfg and returns a Client. No network traffic happens here.
func New(cfg Config) (*Client, error) {
	if cfg.AppID == "" && cfg.AccessToken == "" {
		return nil, errors.New("wxapi: config needs AppID and AppSecret, or an AccessToken")
	}
	if cfg.AppID != "" && cfg.AppSecret == "" {
		return nil, errors.New("wxapi: config has an AppID but no AppSecret")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wxapi: base URL %q is not an http(s) URL", base)
	}
	c := &Client{
		base:     base,
		appID:    cfg.AppID,
		secret:   cfg.AppSecret,
		static:   cfg.AccessToken,
		hc:       cfg.HTTPClient,
		timeout:  cfg.Timeout,
		maxBody:  cfg.MaxResponseBytes,
		now:      clock.Or(cfg.Clock).Now,
		fetchSem: make(chan struct{}, 1),
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	return c, nil
}

// withDeadline gives ctx a deadline unless it already has one, so that no
// call can wait forever on a silent server.
func (c *Client) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.timeout)
}

// AccessToken returns a valid access token, fetching one if the cached token
// is missing or close to expiry. The Bridge needs it for JS-SDK tickets and
// other official-account calls this package does not wrap.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	return c.accessToken(ctx)
}

// InvalidateToken drops the cached token so the next call fetches a new one.
func (c *Client) InvalidateToken() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

func (c *Client) cached() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.refreshAt) {
		return c.token, true
	}
	return "", false
}

// dropToken forgets tok if it is still the cached one. Comparing first means
// that when several calls fail with the same stale token, only the first
// refresh happens and the others pick up its result.
func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
}

func (c *Client) accessToken(ctx context.Context) (string, error) {
	if c.appID == "" {
		return c.static, nil
	}
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	select {
	case c.fetchSem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("wxapi: token: waiting for a token fetch: %w", ctx.Err())
	}
	defer func() { <-c.fetchSem }()
	// Another goroutine may have fetched while we waited.
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	start := c.now()
	tok, ttl, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	// Refresh a little before WeChat's expiry so a token never dies in
	// flight: 5 minutes for the usual 2-hour token, a fifth of the lifetime
	// for short ones.
	margin := min(5*time.Minute, ttl/5)
	c.mu.Lock()
	c.token = tok
	c.refreshAt = start.Add(ttl - margin)
	c.mu.Unlock()
	return tok, nil
}

type tokenResponse struct {
	AccessToken string   `json:"access_token"`
	ExpiresIn   *flexInt `json:"expires_in"`
}

func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	const op = "token"
	q := url.Values{}
	q.Set("grant_type", "client_credential")
	q.Set("appid", c.appID)
	q.Set("secret", c.secret)
	data, err := c.roundTrip(ctx, op, http.MethodGet, "/cgi-bin/token", q, nil)
	if err != nil {
		return "", 0, err
	}
	var r tokenResponse
	if err := decode(op, data, &r); err != nil {
		return "", 0, err
	}
	if r.AccessToken == "" {
		return "", 0, badResponse(op, "no access_token in the response")
	}
	if r.ExpiresIn == nil || *r.ExpiresIn <= 0 {
		return "", 0, badResponse(op, "missing or non-positive expires_in")
	}
	return r.AccessToken, time.Duration(*r.ExpiresIn) * time.Second, nil
}

// call performs one API call with the access token, decoding the response
// into out (which may be nil). A token rejection (40001/42001) leads to one
// token refresh and one retry; any other outcome is final.
func (c *Client) call(ctx context.Context, op, method, path string, q url.Values, body, out any) error {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	var payload []byte
	if body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		// WeChat reads the JSON literally; HTML escaping of <, >, & in
		// template URLs or content would only add noise.
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return fmt.Errorf("wxapi: %s: encoding request: %w", op, err)
		}
		payload = bytes.TrimRight(buf.Bytes(), "\n")
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("access_token", tok)
		data, err := c.roundTrip(ctx, op, method, path, qq, payload)
		if err != nil {
			return err
		}
		err = decode(op, data, out)
		var we *Error
		if attempt == 0 && c.appID != "" && errors.As(err, &we) && we.TokenInvalid() {
			c.dropToken(tok)
			continue
		}
		return err
	}
}

// roundTrip sends one request and returns the body of a 200 response.
func (c *Client) roundTrip(ctx context.Context, op, method, path string, q url.Values, payload []byte) ([]byte, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("wxapi: %s: building request: %w", op, stripURL(err))
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wxapi: %s: %w", op, stripURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("wxapi: %s: %w: reading body: %w", op, ErrBadResponse, stripURL(err))
	}
	if int64(len(data)) > c.maxBody {
		return nil, badResponse(op, "body larger than %d bytes", c.maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, badResponse(op, "HTTP %d %s", resp.StatusCode, snippet(data))
	}
	return data, nil
}

// stripURL removes the request URL from net/http errors: the URL carries the
// access token (and, for the token endpoint, the app secret), which must not
// end up in logs or on screen.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// snippet shows the start of an unexpected body (an HTML error page, say) so
// the operator can tell what answered, without dumping it all.
func snippet(data []byte) string {
	s := string(bytes.TrimSpace(data))
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return strconv.Quote(models.SanitizeLine(s))
}

// envelope holds every error wrapping WeChat uses; all of them are checked on
// every response because endpoints mix them (a bind with a bad token answers
// with a top-level errcode, not base_resp).
type envelope struct {
	ErrCode  *flexInt `json:"errcode"`
	ErrMsg   string   `json:"errmsg"`
	BaseResp *struct {
		ErrCode flexInt `json:"errcode"`
		ErrMsg  string  `json:"errmsg"`
	} `json:"base_resp"`
	RespMsg *struct {
		RetCode   flexInt `json:"ret_code"`
		ErrorInfo string  `json:"error_info"`
	} `json:"resp_msg"`
	Ret     *flexInt `json:"ret"`
	RetInfo string   `json:"ret_info"`
}

func (e *envelope) apiError(op string) *Error {
	mk := func(code flexInt, msg string) *Error {
		return &Error{Op: op, Code: int(code), Msg: models.SanitizeLine(msg)}
	}
	switch {
	case e.ErrCode != nil && *e.ErrCode != 0:
		return mk(*e.ErrCode, e.ErrMsg)
	case e.BaseResp != nil && e.BaseResp.ErrCode != 0:
		return mk(e.BaseResp.ErrCode, e.BaseResp.ErrMsg)
	case e.RespMsg != nil && e.RespMsg.RetCode != 0:
		return mk(e.RespMsg.RetCode, e.RespMsg.ErrorInfo)
	case e.Ret != nil && *e.Ret != 0:
		return mk(*e.Ret, e.RetInfo)
	}
	return nil
}

// decode validates data as one JSON object, turns any WeChat error wrapping
// into *Error, and otherwise unmarshals it into out.
func decode(op string, data []byte, out any) error {
	body := bytes.TrimSpace(data)
	if len(body) == 0 {
		return badResponse(op, "empty body")
	}
	if body[0] != '{' {
		return badResponse(op, "not a JSON object: %s", snippet(body))
	}
	if !json.Valid(body) {
		return badResponse(op, "%s", classifyJSON(body))
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return badResponse(op, "unexpected error fields: %v", err)
	}
	if apiErr := env.apiError(op); apiErr != nil {
		return apiErr
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return badResponse(op, "unexpected field types: %v", err)
	}
	return nil
}

// classifyJSON tells a truncated body (connection cut, proxy limit) from one
// that is garbled, because they point at different culprits.
func classifyJSON(body []byte) string {
	var v any
	err := json.NewDecoder(bytes.NewReader(body)).Decode(&v)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("truncated JSON (body ends after %d bytes)", len(body))
	case err != nil:
		return fmt.Sprintf("malformed JSON: %v", err)
	default:
		return "malformed JSON: data after the top-level object"
	}
}

// flexInt accepts a JSON number or a numeric string (WeChat and its SDKs are
// inconsistent about e.g. device_num), and null as 0.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*f = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
		if s == "" {
			*f = 0
			return nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", strconv.Quote(models.SanitizeLine(s)))
	}
	*f = flexInt(n)
	return nil
}
