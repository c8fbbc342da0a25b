// Package acapi is a client for AbleCloud routers (PROTOCOL.md): developer and
// user signatures, JSON and octet-stream calls, typed errors, retries for
// reads, a read-only guard and an audit hook for writes, and sanitising decode
// so that no string from the network can drive the operator's terminal.
package acapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Runtime modes of a developer context (PROTOCOL §1.1).
const (
	ModeTest       = "test"
	ModeProduction = "production"
)

// Config says which router to talk to and as whom.
type Config struct {
	// Routers are tried in order; the next one is used when a connection
	// to the previous one cannot be made.
	Routers     []string
	DeveloperID int64
	AccessKey   string
	SecretKey   string
	MajorDomain string
	// SubDomain is the default product for calls that do not name one.
	SubDomain   string
	RuntimeMode string
	// Timeout bounds each call when the caller's context has no earlier
	// deadline. Zero means 10 s.
	Timeout time.Duration
	// ReadOnly makes every mutating method fail before any network I/O.
	ReadOnly bool
	// Operator names the person at the keyboard in audit entries.
	Operator string
	Auditor  Auditor
	// HTTPClient is optional; the default reuses connections.
	HTTPClient *http.Client
	// MaxAttempts for reads (writes are never retried). Zero means 3.
	MaxAttempts int
}

// ParseRouters splits a comma-separated router list, adding http:// where a
// router has no scheme and dropping trailing slashes.
func ParseRouters(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, normaliseRouter(r))
		}
	}
	return out
}

func normaliseRouter(r string) string {
	if !strings.Contains(r, "://") {
		r = "http://" + r
	}
	return strings.TrimRight(r, "/")
}

// Validate reports every problem with the configuration at once, each in
// words that say what to fix.
func (c Config) Validate() error {
	var errs []error
	if len(c.Routers) == 0 {
		errs = append(errs, errors.New("router: at least one router URL is required (e.g. http://127.0.0.1:5000)"))
	}
	for _, r := range c.Routers {
		u, err := url.Parse(normaliseRouter(r))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("router %q: not an http(s) URL with a host", r))
		} else if u.Path != "" && u.Path != "/" {
			errs = append(errs, fmt.Errorf("router %q: must not have a path", r))
		}
	}
	if c.DeveloperID <= 0 {
		errs = append(errs, errors.New("developer id: must be a positive number"))
	}
	if c.SecretKey == "" {
		errs = append(errs, errors.New("secret key: missing (set it in the profile or in the environment variable the profile names)"))
	}
	if c.MajorDomain == "" {
		errs = append(errs, errors.New("major domain: missing"))
	}
	switch c.RuntimeMode {
	case "", ModeTest, ModeProduction:
	default:
		errs = append(errs, fmt.Errorf("runtime mode %q: must be %q or %q", c.RuntimeMode, ModeTest, ModeProduction))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("timeout: must not be negative"))
	}
	return errors.Join(errs...)
}
