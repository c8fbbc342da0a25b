// Package rpc is the local cloud's router: it parses AbleCloud requests
// (PROTOCOL §1), authenticates them, dispatches them to service methods and
// writes answers in the exact wire form. It is lenient in what it accepts and
// strict in what it sends; no request, however malformed, gets a panic, a
// 500 or a hang.
package rpc

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"acconsole/models"
)

// Error is a protocol error: it becomes X-Zc-Err with {"error","errorCode"}.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Msg) }

// Errorf builds a protocol error.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Auth says who may call a method.
type Auth int

const (
	// AuthUser: a user-signed call, or a developer-signed call acting for a
	// user (X-Zc-User-Id).
	AuthUser Auth = iota
	// AuthAnon: anyone; signature headers are ignored (PROTOCOL §1.4 notes).
	AuthAnon
	// AuthDev: developer-signed; an acting user id is passed on if present.
	AuthDev
	// AuthRefresh: signed with the user's refresh token.
	AuthRefresh
	// AuthAny: developer-signed (with or without a user) or user-signed.
	AuthAny
	// AuthAnonOrDev: anonymous, but a developer signature, when present, is
	// verified and passed on (PHP calls these methods developer-signed).
	AuthAnonOrDev
)

// Func serves one method.
type Func func(*Call) (any, error)

// Method is a registered method.
type Method struct {
	Auth Auth
	// Rule is the authorization rule (rules.go); Why says, in a few
	// words, why a rule PROTOCOL leaves open was decided so.
	Rule Rule
	Why  string
	// OpenKeys are request keys whose value the caller may learn about
	// whoever holds it: the physical id of a device being bound, swapped
	// in or paired (its label is public, and 3811 says it is taken).
	OpenKeys []string
	Handler  Func
	// Mutating marks methods that change state. The router does not act on
	// it (read-only is the client's guard); it documents the method table
	// and lets a service directory list writes.
	Mutating bool
}

// Binary is a raw answer (sendToDevice): the body is sent as
// application/octet-stream with X-Zc-Msg-Attr_code.
type Binary struct {
	Code int
	Body []byte
}

// Registry maps service → version → method.
type Registry struct {
	mu       sync.RWMutex
	services map[string]map[int]map[string]Method
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{services: map[string]map[int]map[string]Method{}}
}

// Handle registers a method; aliases are further names for the same method.
func (r *Registry) Handle(service string, version int, name string, m Method, aliases ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	vs := r.services[service]
	if vs == nil {
		vs = map[int]map[string]Method{}
		r.services[service] = vs
	}
	ms := vs[version]
	if ms == nil {
		ms = map[string]Method{}
		vs[version] = ms
	}
	for _, n := range append([]string{name}, aliases...) {
		ms[n] = m
	}
}

func (r *Registry) lookup(service string, version int, name string) (Method, *Error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	vs, ok := r.services[service]
	if !ok {
		return Method{}, Errorf(models.ErrServiceAbsent, "service %q does not exist", service)
	}
	ms, ok := vs[version]
	if !ok {
		return Method{}, Errorf(models.ErrServiceAbsent, "service %q has no version %d", service, version)
	}
	m, ok := ms[name]
	if !ok {
		return Method{}, Errorf(models.ErrMethodAbsent, "method %q does not exist in %s/v%d", name, service, version)
	}
	return m, nil
}

// HasService reports whether a built-in service is registered.
func (r *Registry) HasService(service string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.services[service]
	return ok
}

// Call is one authenticated request as a method sees it.
type Call struct {
	Ctx         context.Context
	Service     string
	Version     int
	Method      string
	MajorDomain Domain
	// SubDomain is the product named by the request ("" when none). The
	// query key subDomain wins over the header (Q14) for stream calls.
	SubDomain     string
	SubDomainInfo *SubDomain
	Developer     *Developer // nil unless developer-signed
	UserID        int64      // acting or signing user; 0 for none
	UserSigned    bool
	// UserChecked: the router found the developer's acting user in the
	// major domain (see Users), so a service need not look again.
	UserChecked bool
	// Anonymous marks an unsigned call (X-Zc-Access-Mode: 1) to a service
	// that takes them (Options.AnonymousService); UserID is then 0.
	Anonymous     bool
	Params        map[string]any
	Stream        bool
	Payload       []byte
	MethodVersion int
	TraceID       string
	Header        http.Header
	RemoteAddr    string
	// Client is the client's IP address: the peer's, or behind a trusted
	// proxy the one it forwarded (see Options.TrustedProxies).
	Client string
	Now    time.Time
}

// ClientIP is the client's IP address (Client, or for a Call made without
// the router the host of RemoteAddr).
func (c *Call) ClientIP() string {
	if c.Client != "" {
		return c.Client
	}
	if host, _, err := net.SplitHostPort(c.RemoteAddr); err == nil {
		return host
	}
	return c.RemoteAddr
}

// RequireUser returns the acting user or a 3001 error saying how to name one.
func (c *Call) RequireUser() (int64, error) {
	if c.UserID == 0 {
		return 0, Errorf(models.ErrBadHeader, "this method acts for a user: sign as the user or send X-Zc-User-Id")
	}
	return c.UserID, nil
}

// RequireSubDomain returns the product of the request or a 3008 error.
func (c *Call) RequireSubDomain() (*SubDomain, error) {
	if c.SubDomainInfo == nil {
		if c.SubDomain == "" {
			return nil, Errorf(models.ErrSubDomainAbsent, "this method needs the product: set X-Zc-Sub-Domain")
		}
		return nil, Errorf(models.ErrSubDomainAbsent, "sub-domain %q does not exist", c.SubDomain)
	}
	return c.SubDomainInfo, nil
}

// Developer is a developer account of the platform.
type Developer struct {
	ID        int64
	AccessKey string
	SecretKey string
	DomainID  int64
}

// Domain is a major domain.
type Domain struct {
	ID          int64
	Name        string
	DeveloperID int64
}

// SubDomain is a product of a major domain.
type SubDomain struct {
	ID       int64
	DomainID int64
	Name     string
}

// Directory answers the questions authentication asks.
type Directory interface {
	Developer(ctx context.Context, id int64) (Developer, bool)
	DomainByName(ctx context.Context, name string) (Domain, bool)
	DefaultDomain(ctx context.Context) (Domain, bool)
	SubDomain(ctx context.Context, domainID int64, name string) (SubDomain, bool)
}

// DomainIDs is an optional part of a Directory: a major domain by its
// numeric id, so that X-Zc-Major-Domain may carry the id instead of the name.
type DomainIDs interface {
	DomainByID(id int64) (Domain, bool)
}

// Tokens verifies user signatures.
type Tokens interface {
	// AccessToken returns the user's current access token and its expiry
	// (zero = never); ok is false for an unknown user.
	AccessToken(ctx context.Context, userID int64) (token string, expires time.Time, ok bool)
	RefreshToken(ctx context.Context, userID int64) (token string, expires time.Time, ok bool)
}

func trimSlashes(s string) string { return strings.Trim(s, "/") }
