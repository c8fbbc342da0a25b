package config

import (
	"acconsole/i18n"

	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"acconsole/internal/suggest"
)

// This file gives the parsed tables their meaning: which keys exist where,
// their types and allowed values.

const (
	modeTest       = "test"
	modeProduction = "production"
)

// The keys each place accepts, for "unknown key" errors and their
// suggestions.
var (
	rootKeys    = []string{"default_profile", "operator", "theme", "language", "refresh_interval", "write_minutes"}
	profileKeys = []string{"local", "routers", "developer_id", "access_key", "secret_key", "secret_key_env",
		"major_domain", "sub_domain", "runtime_mode", "theme", "refresh_interval", "timeout", "store"}
	udsKeys    = []string{"url", "anonymous"}
	tableNames = []string{"profiles.NAME", "keys", "aliases", "uds.NAME"}
)

type decoder struct {
	path string
	errs []*Error
}

func (d *decoder) errorf(line int, format string, args ...any) {
	d.errs = append(d.errs, &Error{Path: d.path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) decode(tables []Table) Config {
	c := Default()
	c.Path = d.path
	delete(c.Profiles, DefaultProfileName) // added back below unless the file defines it
	defaultLine := 0
	for _, t := range tables {
		switch {
		case t.Name == nil:
			defaultLine = d.root(&c, t.Entries)
		case len(t.Name) == 2 && t.Name[0] == "profiles":
			if msg := checkName(t.Name[1]); msg != "" {
				d.errorf(t.Line, "profile name %q %s", t.Name[1], msg)
				continue
			}
			c.Profiles[t.Name[1]] = d.profile(t.Name[1], t)
		case len(t.Name) == 1 && t.Name[0] == "keys":
			for _, kv := range t.Entries {
				if keys, ok := d.strList(kv, "key"); ok {
					c.Keys[kv.Key] = keys
					c.keyLines[kv.Key] = kv.Line
				}
			}
		case len(t.Name) == 1 && t.Name[0] == "aliases":
			for _, kv := range t.Entries {
				if s, ok := d.str(kv); ok {
					c.Aliases[kv.Key] = s
				}
			}
		case len(t.Name) == 1 && t.Name[0] == "profiles":
			d.errorf(t.Line, "[profiles] needs a profile name, like [profiles.local]")
		case len(t.Name) == 2 && t.Name[0] == "uds":
			if msg := checkName(t.Name[1]); msg != "" {
				d.errorf(t.Line, "service name %q %s", t.Name[1], msg)
				continue
			}
			if u, ok := d.uds(t.Name[1], t); ok {
				c.UDS[t.Name[1]] = u
			}
		case len(t.Name) == 1 && t.Name[0] == "uds":
			d.errorf(t.Line, "[uds] needs a service name, like [uds.vendor-login]")
		default:
			d.unknownTable(t)
		}
	}
	if _, ok := c.Profiles[DefaultProfileName]; !ok {
		c.Profiles[DefaultProfileName] = Profile{Name: DefaultProfileName, Local: true}
	}
	if _, ok := c.Profiles[c.DefaultProfile]; !ok && defaultLine > 0 {
		d.errorf(defaultLine, "default_profile: %s", c.unknownProfile(c.DefaultProfile))
	}
	return c
}

// unknownTable explains a table the file has no use for: a table inside a
// profile, service, [keys] or [aliases] (an inline table where a value
// belongs, say), or a misspelt table name.
func (d *decoder) unknownTable(t Table) {
	n := t.Name
	inside := func(parent int, known []string) {
		kv := Entry{Key: n[parent], Value: map[string]any{}, Line: t.Line}
		where := "in [" + strings.Join(n[:parent], ".") + "]"
		if known == nil || slices.Contains(known, kv.Key) {
			d.typeErr(kv, "a value")
		} else {
			d.unknownKey(kv, known, where, nil, "")
		}
	}
	switch {
	case len(n) > 2 && n[0] == "profiles":
		inside(2, profileKeys)
	case len(n) > 2 && n[0] == "uds":
		inside(2, udsKeys)
	case len(n) > 1 && (n[0] == "keys" || n[0] == "aliases"):
		inside(1, nil)
	default:
		msg := fmt.Sprintf("unknown table [%s] (known: [profiles.NAME], [keys], [aliases], [uds.NAME])", strings.Join(n, "."))
		if s := suggest.Closest(strings.Join(n, "."), tableNames); s != "" {
			msg += fmt.Sprintf("; did you mean [%s]?", s)
		} else if len(n) == 2 {
			if s := suggest.Closest(n[0], []string{"profiles", "uds"}); s != "" {
				msg += fmt.Sprintf("; did you mean [%s.%s]?", s, n[1])
			}
		}
		d.errorf(t.Line, "%s", msg)
	}
}

// root decodes the top-level keys and returns the line of default_profile.
func (d *decoder) root(c *Config, entries []Entry) (defaultLine int) {
	for _, kv := range entries {
		switch kv.Key {
		case "default_profile":
			if s, ok := d.str(kv); ok {
				c.DefaultProfile, defaultLine = s, kv.Line
			}
		case "operator":
			if s, ok := d.str(kv); ok {
				c.Operator = s
			}
		case "theme":
			if s, ok := d.theme(kv); ok {
				c.Theme = s
			}
		case "language":
			if s, ok := d.str(kv); ok {
				if _, err := i18n.ParseLang(s); err != nil {
					d.errorf(kv.Line, "language: %v", err)
				} else {
					c.Language = s
				}
			}
		case "refresh_interval":
			if v, ok := d.refresh(kv); ok {
				c.RefreshInterval = v
			}
		case "write_minutes":
			if n, ok := d.integer(kv); ok {
				if n < 1 || n > 24*60 {
					d.errorf(kv.Line, "write_minutes: %d is out of range (1 to 1440)", n)
				} else {
					c.WriteMinutes = int(n)
				}
			}
		case "profiles", "uds":
			// A table name with a value: [[profiles]], or profiles = ….
			d.errorf(kv.Line, "%s: want tables like [%s.NAME], got %s", kv.Key, kv.Key, kindOf(kv.Value))
		case "keys", "aliases":
			d.errorf(kv.Line, "%s: want a table like [%s], got %s", kv.Key, kv.Key, kindOf(kv.Value))
		default:
			d.unknownKey(kv, rootKeys, "at the top level", profileKeys, "belongs in a [profiles.NAME] table")
		}
	}
	return defaultLine
}

func (d *decoder) profile(name string, t Table) Profile {
	p := Profile{Name: name}
	where := fmt.Sprintf("in [profiles.%s]", name)
	// badKind is set when local or routers had an error: the check that a
	// profile has one of them would then only repeat that error, wrongly.
	badKind := false
	for _, kv := range t.Entries {
		switch kv.Key {
		case "local":
			b, ok := d.boolean(kv)
			p.Local, badKind = b, badKind || !ok
		case "routers":
			rs, ok := d.strList(kv, "router")
			badKind = badKind || !ok
			if ok {
				for _, r := range rs {
					if msg := checkRouter(r); msg != "" {
						d.errorf(kv.Line, "routers: %q %s", r, msg)
					}
				}
				p.Routers = rs
			}
		case "developer_id":
			if n, ok := d.integer(kv); ok {
				if n <= 0 {
					d.errorf(kv.Line, "developer_id: must be a positive number, not %d", n)
				}
				p.DeveloperID = n
			}
		case "access_key":
			p.AccessKey, _ = d.str(kv)
		case "secret_key":
			if s, ok := d.str(kv); ok {
				p.SecretKey, p.secretLine = s, kv.Line
			}
		case "secret_key_env":
			if s, ok := d.str(kv); ok {
				if !isEnvName(s) {
					d.errorf(kv.Line, "secret_key_env: %q is not an environment variable name (letters, digits and _, not starting with a digit)", s)
				}
				p.SecretKeyEnv = s
			}
		case "major_domain":
			p.MajorDomain, _ = d.str(kv)
		case "sub_domain":
			p.SubDomain, _ = d.str(kv)
		case "runtime_mode":
			if s, ok := d.str(kv); ok {
				if s != modeTest && s != modeProduction {
					msg := fmt.Sprintf("runtime_mode: unknown mode %q (use %q or %q)", s, modeTest, modeProduction)
					if g := suggest.Closest(s, []string{modeTest, modeProduction}); g != "" {
						msg += fmt.Sprintf("; did you mean %q?", g)
					}
					d.errorf(kv.Line, "%s", msg)
				}
				p.RuntimeMode = s
			}
		case "theme":
			p.Theme, _ = d.theme(kv)
		case "refresh_interval":
			p.RefreshInterval, p.HasRefresh = d.refresh(kv)
		case "timeout":
			if v, ok := d.duration(kv); ok {
				if v <= 0 {
					d.errorf(kv.Line, "timeout: must be more than 0, like \"10s\"")
				}
				p.Timeout = v
			}
		case "store":
			if s, ok := d.str(kv); ok {
				if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
					d.errorf(kv.Line, "store: %q is not a PostgreSQL URL (postgres://user@host:5432/db); leave store out for the SQLite file", s)
				}
				p.Store, p.storeLine = s, kv.Line
			}
		default:
			d.unknownKey(kv, profileKeys, where, rootKeys, "is a top-level setting; put it above the first [table]")
		}
	}
	if badKind {
		return p
	}
	switch {
	case !p.Local && len(p.Routers) == 0:
		d.errorf(t.Line, "profile %q has neither local = true nor routers; add routers = [\"https://…\"] or local = true", name)
	case p.Local && len(p.Routers) > 0:
		d.errorf(t.Line, "profile %q sets both local = true and routers; a profile uses the local cloud or routers, not both", name)
	case !p.Local && p.Store != "":
		d.errorf(p.storeLine, "store: only a local profile (local = true) has a store; profile %q talks to routers", name)
	}
	return p
}

// uds decodes a [uds.NAME] table: a vendor service for acconsole serve.
func (d *decoder) uds(name string, t Table) (UDS, bool) {
	u := UDS{Name: name}
	where := fmt.Sprintf("in [uds.%s]", name)
	ok := true
	for _, kv := range t.Entries {
		switch kv.Key {
		case "url":
			if s, good := d.str(kv); good {
				if msg := CheckUDSURL(s); msg != "" {
					d.errorf(kv.Line, "url: %q %s", s, msg)
					ok = false
				}
				u.URL = s
			} else {
				ok = false
			}
		case "anonymous":
			u.Anonymous, _ = d.boolean(kv)
		default:
			d.unknownKey(kv, udsKeys, where, nil, "")
		}
	}
	if u.URL == "" && ok {
		d.errorf(t.Line, "service %q has no url; add url = \"http://127.0.0.1:8080\"", name)
		ok = false
	}
	return u, ok
}

// unknownKey explains an unknown key: a likely misspelling, or a key that
// is valid elsewhere in the file.
func (d *decoder) unknownKey(kv Entry, known []string, where string, elsewhere []string, elsewhereMsg string) {
	msg := fmt.Sprintf("unknown key %q %s", kv.Key, where)
	if slices.Contains(elsewhere, kv.Key) && !slices.Contains(known, kv.Key) {
		msg += fmt.Sprintf("; %s %s", kv.Key, elsewhereMsg)
	} else if s := suggest.Closest(kv.Key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	d.errorf(kv.Line, "%s", msg)
}

func (d *decoder) typeErr(kv Entry, want string) {
	d.errorf(kv.Line, "%s: want %s, got %s", kv.Key, want, kindOf(kv.Value))
}

// str accepts a non-empty string: an empty one is almost always a value
// that was meant to be filled in.
func (d *decoder) str(kv Entry) (string, bool) {
	s, ok := kv.Value.(string)
	if !ok {
		d.typeErr(kv, "a string")
		return "", false
	}
	if s == "" {
		d.errorf(kv.Line, "%s: must not be empty", kv.Key)
		return "", false
	}
	return s, true
}

func (d *decoder) integer(kv Entry) (int64, bool) {
	n, ok := kv.Value.(int64)
	if !ok {
		d.typeErr(kv, "an integer")
	}
	return n, ok
}

func (d *decoder) boolean(kv Entry) (bool, bool) {
	b, ok := kv.Value.(bool)
	if !ok {
		d.typeErr(kv, "a boolean (true or false)")
	}
	return b, ok
}

// strList accepts one string or an array of them, since `pair = "p"` reads
// better than `pair = ["p"]` when there is one.
func (d *decoder) strList(kv Entry, what string) ([]string, bool) {
	switch v := kv.Value.(type) {
	case string:
		if v == "" {
			d.errorf(kv.Line, "%s: empty %s", kv.Key, what)
			return nil, false
		}
		return []string{v}, true
	case []string:
		if slices.Contains(v, "") {
			d.errorf(kv.Line, "%s: empty %s in the list", kv.Key, what)
			return nil, false
		}
		return v, true
	}
	d.typeErr(kv, "a string or an array of strings")
	return nil, false
}

// duration accepts a Go duration string ("5s", "1m30s"), and the integer 0
// so that "0 = off" can be written as the comment in the sample says.
func (d *decoder) duration(kv Entry) (time.Duration, bool) {
	switch v := kv.Value.(type) {
	case int64:
		if v == 0 {
			return 0, true
		}
		d.errorf(kv.Line, "%s: %d has no unit; write a duration string like \"%ds\"", kv.Key, v, v)
		return 0, false
	case string:
		dur, err := time.ParseDuration(v)
		if err != nil {
			d.errorf(kv.Line, "%s: bad duration %q (use a number and a unit, like \"500ms\", \"10s\" or \"2m\")", kv.Key, v)
			return 0, false
		}
		return dur, true
	}
	d.typeErr(kv, "a duration string like \"10s\"")
	return 0, false
}

func (d *decoder) refresh(kv Entry) (time.Duration, bool) {
	v, ok := d.duration(kv)
	if !ok {
		return 0, false
	}
	if msg := checkRefresh(v); msg != "" {
		d.errorf(kv.Line, "%s: %s", kv.Key, msg)
		return 0, false
	}
	return v, true
}

// parseRefresh is the environment's version of refresh: it returns a
// message rather than recording an error with a line.
func parseRefresh(s string) (time.Duration, string) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, "bad duration (use a number and a unit, like \"10s\", or 0 for off)"
	}
	return v, checkRefresh(v)
}

// checkRefresh keeps polling from hammering a production cloud: faster than
// once a second is never what an operator needs.
func checkRefresh(v time.Duration) string {
	if v != 0 && v < time.Second {
		return fmt.Sprintf("%s is too short; use at least 1s, or 0 to turn refreshing off", v)
	}
	return ""
}

func (d *decoder) theme(kv Entry) (string, bool) {
	s, ok := d.str(kv)
	if !ok {
		return "", false
	}
	if msg := checkName(s); msg != "" {
		d.errorf(kv.Line, "theme: %q %s", s, msg)
		return "", false
	}
	return s, true
}

// checkName is the rule for theme and profile names. It is the themes
// package's rule, since a theme name becomes a file name in the user's theme
// folder, and a profile name must be easy to type in ACCONSOLE_PROFILE.
func checkName(s string) string {
	if s == "" {
		return "must not be empty"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "may hold only letters, digits, '-' and '_'"
		}
	}
	return ""
}

func checkRouter(r string) string {
	u, err := url.Parse(r)
	switch {
	case err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return "is not an http(s) URL with a host, like \"https://router.example.com:9005\""
	case u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "":
		return "must be just scheme, host and port (no path)"
	}
	return ""
}

// CheckUDSURL is the rule for a vendor service's base URL: http(s) with a
// host; a path is allowed (calls go to {url}/{method}), a query is not.
func CheckUDSURL(r string) string {
	u, err := url.Parse(r)
	switch {
	case err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return "is not an http(s) URL with a host, like \"http://127.0.0.1:8080\""
	case u.RawQuery != "" || u.Fragment != "":
		return "must not have a query or fragment"
	}
	return ""
}

func isEnvName(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
