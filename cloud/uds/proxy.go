// Package uds serves the services a vendor writes (UDS, PROTOCOL §2.8): the
// router hands it every call to a service that is not built in, and it
// either forwards the call to the vendor's HTTP endpoint, as the platform
// does (§1.1: POST {base}/{method} with X-Zc-Major-Domain, X-Zc-Sub-Domain
// and X-Zc-User-Id, after the router checked the signature), or serves it
// in-process for the services the local cloud ships (device-history).
package uds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/models"
)

// Defaults of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxResponse = 1 << 20
)

// Options configure a Proxy.
type Options struct {
	// Services maps UDS names to base URLs, e.g. "lights" →
	// "http://127.0.0.1:8080"; a call to lights/v1/controlLight goes to
	// http://127.0.0.1:8080/controlLight.
	Services map[string]string
	// Anonymous names the configured services that take unsigned calls
	// (X-Zc-Access-Mode: 1, e.g. a vendor's login service). The router
	// forwards such a call with X-Zc-Access-Mode: 1 and no X-Zc-User-Id.
	Anonymous []string
	// Timeout bounds a whole forwarded call; 0 means 10 s.
	Timeout time.Duration
	// MaxResponse caps the UDS's answer in bytes; 0 means 1 MiB.
	MaxResponse int64
	// Client sends the forwarded calls; nil means a client of the proxy's
	// own that does not follow redirects.
	Client *http.Client
}

// Proxy routes calls to vendor services. It is safe for concurrent use.
type Proxy struct {
	timeout time.Duration
	max     int64
	client  *http.Client

	mu       sync.RWMutex
	services map[string]*url.URL
	anon     map[string]bool
	builtin  map[string]rpc.Func
}

// New checks the configured URLs and returns a proxy.
func New(opt Options) (*Proxy, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.MaxResponse <= 0 {
		opt.MaxResponse = DefaultMaxResponse
	}
	if opt.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		opt.Client = &http.Client{
			Transport: tr,
			// A redirect would carry the identity headers to wherever it
			// points; a UDS that moved is a configuration error.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	p := &Proxy{
		timeout: opt.Timeout, max: opt.MaxResponse, client: opt.Client,
		services: map[string]*url.URL{}, anon: map[string]bool{}, builtin: map[string]rpc.Func{},
	}
	for name, raw := range opt.Services {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("uds: service %q: base URL %q must be http(s)://host[:port][/path]", name, raw)
		}
		if name == "" || strings.ContainsAny(name, "/ ") {
			return nil, fmt.Errorf("uds: bad service name %q", name)
		}
		u.RawQuery, u.Fragment = "", ""
		p.services[name] = u
	}
	for _, name := range opt.Anonymous {
		if _, ok := p.services[name]; !ok {
			return nil, fmt.Errorf("uds: anonymous service %q is not a configured service", name)
		}
		p.anon[name] = true
	}
	return p, nil
}

// Register serves name in-process. A configured UDS of the same name wins,
// so that a vendor can replace a built-in service with its own.
func (p *Proxy) Register(name string, serve rpc.Func) {
	p.mu.Lock()
	p.builtin[name] = serve
	p.mu.Unlock()
}

// AcceptsAnonymous reports whether name is a configured UDS that takes
// unsigned calls: rpc.Options AnonymousService.
func (p *Proxy) AcceptsAnonymous(name string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.anon[name]
}

// Names lists the services the proxy serves, sorted.
func (p *Proxy) Names() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []string
	for n := range p.services {
		out = append(out, n)
	}
	for n := range p.builtin {
		if _, dup := p.services[n]; !dup {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Serve answers a call to a service the router does not know: rpc.Options
// Unknown. Anything not configured or built in is 3009.
func (p *Proxy) Serve(c *rpc.Call) (any, error) {
	p.mu.RLock()
	base, remote := p.services[c.Service]
	fn, local := p.builtin[c.Service]
	p.mu.RUnlock()
	switch {
	case remote:
		return p.forward(c, base)
	case local:
		return fn(c)
	}
	return nil, rpc.Errorf(models.ErrServiceAbsent,
		"service %q does not exist: it is neither built in nor a configured UDS", c.Service)
}

// Wire names on the UDS side (PROTOCOL §1.1, §1.3, §1.8).
const (
	hdrMajor   = "X-Zc-Major-Domain"
	hdrSub     = "X-Zc-Sub-Domain"
	hdrUser    = "X-Zc-User-Id"
	hdrTrace   = "X-Zc-Trace-Id"
	hdrAccess  = "X-Zc-Access-Mode"
	hdrMsgName = "X-Zc-Msg-Name"
	msgErr     = "X-Zc-Err"
	ctJSON     = "application/x-zc-object"
	ctStream   = "application/octet-stream"
)

func (p *Proxy) forward(c *rpc.Call, base *url.URL) (any, error) {
	target := *base
	target.Path = strings.TrimRight(base.Path, "/") + "/" + c.Method
	target.RawPath = ""
	var body []byte
	ct := ctJSON
	if c.Stream {
		// Octet-stream calls keep their keys in the query (PROTOCOL §1.2).
		q := url.Values{}
		for k, v := range c.Params {
			q.Set(k, fmt.Sprint(v))
		}
		target.RawQuery = q.Encode()
		body, ct = c.Payload, ctStream
	} else {
		// The router merged query and body keys; numbers are json.Number,
		// so they go out exactly as they came in.
		var err error
		if body, err = json.Marshal(c.Params); err != nil {
			return nil, rpc.Errorf(models.ErrInternal, "could not encode the call for service %q: %v", c.Service, err)
		}
	}
	ctx := c.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, rpc.Errorf(models.ErrInternal, "could not build the call to service %q: %v", c.Service, err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set(hdrMajor, c.MajorDomain.Name)
	req.Header.Set(hdrSub, c.SubDomain)
	if c.Anonymous {
		// The router checked no signature: the UDS must not trust the
		// call as any user's.
		req.Header.Set(hdrAccess, "1")
	} else if c.UserID != 0 {
		req.Header.Set(hdrUser, strconv.FormatInt(c.UserID, 10))
	}
	if c.TraceID != "" {
		req.Header.Set(hdrTrace, c.TraceID)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if isTimeout(err) {
			return nil, p.timeoutErr(c)
		}
		return nil, rpc.Errorf(models.ErrServiceDown, "service %q is unavailable at %s: %s",
			c.Service, base.Redacted(), cause(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, p.max+1))
	if err != nil {
		if isTimeout(err) {
			return nil, p.timeoutErr(c)
		}
		return nil, rpc.Errorf(models.ErrNetwork, "service %q broke off its answer: %s", c.Service, cause(err))
	}
	if int64(len(raw)) > p.max {
		return nil, rpc.Errorf(models.ErrInternal, "service %q answered with more than %d bytes; the local cloud passes at most that", c.Service, p.max)
	}
	saysErr := strings.EqualFold(resp.Header.Get(hdrMsgName), msgErr)
	if e, ok := errorBody(raw); ok && (saysErr || resp.Header.Get(hdrMsgName) == "" || resp.StatusCode != http.StatusOK) {
		return nil, e
	}
	switch {
	case saysErr:
		return nil, rpc.Errorf(models.ErrInternal, "service %q answered X-Zc-Err without an {\"error\",\"errorCode\"} body: %s", c.Service, preview(raw))
	case resp.StatusCode == http.StatusNotFound:
		return nil, rpc.Errorf(models.ErrMethodAbsent, "service %q has no method %q (HTTP 404 from %s)", c.Service, c.Method, target.Redacted())
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, rpc.Errorf(models.ErrServiceDown, "service %q answered HTTP %d %s", c.Service, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" {
		return rpc.Raw{Body: []byte("{}")}, nil
	}
	if !json.Valid([]byte(trimmed)) {
		return nil, rpc.Errorf(models.ErrInternal, "service %q answered with something that is not JSON (Content-Type %q): %s",
			c.Service, resp.Header.Get("Content-Type"), preview(raw))
	}
	return rpc.Raw{Body: raw}, nil
}

func (p *Proxy) timeoutErr(c *rpc.Call) error {
	return rpc.Errorf(models.ErrRequestTimeout, "service %q did not answer %s within %s", c.Service, c.Method, p.timeout)
}

// errorBody reads an AbleCloud error answer {"error": "...", "errorCode": n}.
// A UDS that gives no usable code gets 3000, with its message kept.
func errorBody(raw []byte) (*rpc.Error, bool) {
	var b struct {
		Error     *string         `json:"error"`
		ErrorCode json.RawMessage `json:"errorCode"`
	}
	if json.Unmarshal(raw, &b) != nil || b.Error == nil {
		return nil, false
	}
	code, err := strconv.Atoi(strings.Trim(string(b.ErrorCode), `" `))
	if err != nil || code <= 0 {
		code = models.ErrInternal
	}
	msg := *b.Error
	if len(msg) > 1000 {
		msg = msg[:1000] + "…"
	}
	return &rpc.Error{Code: code, Msg: msg}, true
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cause keeps the part of a client error a person can act on ("connection
// refused") without repeating the URL.
func cause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// preview shows the start of an answer, printable and short.
func preview(raw []byte) string {
	const n = 80
	s := raw
	more := ""
	if len(s) > n {
		s, more = s[:n], "…"
	}
	return strconv.Quote(string(s)) + more
}
