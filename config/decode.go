package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
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
	rootKeys    = []string{"default_profile", "operator", "theme", "refresh_interval", "write_minutes"}
	profileKeys = []string{"local", "routers", "developer_id", "access_key", "secret_key", "secret_key_env",
		"major_domain", "sub_domain", "runtime_mode", "theme", "refresh_interval", "timeout", "store"}
	udsKeys    = []string{"url", "anonymous"}
	tableNames = []string{"profiles.NAME", "keys", "aliases", "uds.NAME"}
)

type decoder struct {
	path string
	errs []*Error
	// partial is set when some lines did not parse; checks that look at a
	// whole table are skipped then, because the missing piece may be on the
	// broken line and the user would be sent looking for the wrong thing.
	partial bool
}

func (d *decoder) errorf(line int, format string, args ...any) {
	d.errs = append(d.errs, &Error{Path: d.path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) decode(tables []*table) Config {
	c := Default()
	c.Path = d.path
	delete(c.Profiles, DefaultProfileName) // added back below unless the file defines it
	defaultLine := 0
	seen := map[string]int{}
	for _, t := range tables {
		if t.broken {
			continue
		}
		display := "[" + strings.Join(t.name, ".") + "]"
		if t.name != nil {
			id := strings.Join(t.name, "\x00")
			if first, dup := seen[id]; dup {
				d.errorf(t.line, "table %s is already defined on line %d", display, first)
				continue
			}
			seen[id] = t.line
		}
		switch {
		case t.name == nil:
			defaultLine = d.root(&c, d.unique(t, "at the top level"))
		case len(t.name) == 2 && t.name[0] == "profiles":
			if msg := checkName(t.name[1]); msg != "" {
				d.errorf(t.line, "profile name %q %s", t.name[1], msg)
				continue
			}
			c.Profiles[t.name[1]] = d.profile(t.name[1], t)
		case len(t.name) == 1 && t.name[0] == "keys":
			for _, kv := range d.unique(t, "in [keys]") {
				if keys, ok := d.strList(kv, "key"); ok {
					c.Keys[kv.key] = keys
					c.keyLines[kv.key] = kv.line
				}
			}
		case len(t.name) == 1 && t.name[0] == "aliases":
			for _, kv := range d.unique(t, "in [aliases]") {
				if s, ok := d.str(kv); ok {
					c.Aliases[kv.key] = s
				}
			}
		case len(t.name) == 1 && t.name[0] == "profiles":
			d.errorf(t.line, "[profiles] needs a profile name, like [profiles.local]")
		case len(t.name) == 2 && t.name[0] == "uds":
			if msg := checkName(t.name[1]); msg != "" {
				d.errorf(t.line, "service name %q %s", t.name[1], msg)
				continue
			}
			if u, ok := d.uds(t.name[1], t); ok {
				c.UDS[t.name[1]] = u
			}
		case len(t.name) == 1 && t.name[0] == "uds":
			d.errorf(t.line, "[uds] needs a service name, like [uds.vendor-login]")
		default:
			msg := fmt.Sprintf("unknown table %s (known: [profiles.NAME], [keys], [aliases], [uds.NAME])", display)
			if s := suggest(strings.Join(t.name, "."), tableNames); s != "" {
				msg += fmt.Sprintf("; did you mean [%s]?", s)
			} else if len(t.name) == 2 {
				if s := suggest(t.name[0], []string{"profiles"}); s != "" {
					msg += fmt.Sprintf("; did you mean [%s.%s]?", s, t.name[1])
				}
			}
			d.errorf(t.line, "%s", msg)
		}
	}
	if _, ok := c.Profiles[DefaultProfileName]; !ok {
		c.Profiles[DefaultProfileName] = Profile{Name: DefaultProfileName, Local: true}
	}
	if _, ok := c.Profiles[c.DefaultProfile]; !ok && defaultLine > 0 && !d.partial {
		d.errorf(defaultLine, "default_profile: %s", c.unknownProfile(c.DefaultProfile))
	}
	return c
}

// Suggest returns the known word w is most likely a misspelling of, or "".
func Suggest(w string, known []string) string { return suggest(w, known) }

// unique reports keys set twice in one table and returns the first of each.
func (d *decoder) unique(t *table, where string) []keyVal {
	first := map[string]int{}
	var out []keyVal
	for _, kv := range t.entries {
		if line, dup := first[kv.key]; dup {
			d.errorf(kv.line, "duplicate key %q %s (first set on line %d)", kv.key, where, line)
			continue
		}
		first[kv.key] = kv.line
		out = append(out, kv)
	}
	return out
}

// root decodes the top-level keys and returns the line of default_profile.
func (d *decoder) root(c *Config, entries []keyVal) (defaultLine int) {
	for _, kv := range entries {
		switch kv.key {
		case "default_profile":
			if s, ok := d.str(kv); ok {
				c.DefaultProfile, defaultLine = s, kv.line
			}
		case "operator":
			if s, ok := d.str(kv); ok {
				c.Operator = s
			}
		case "theme":
			if s, ok := d.theme(kv); ok {
				c.Theme = s
			}
		case "refresh_interval":
			if v, ok := d.refresh(kv); ok {
				c.RefreshInterval = v
			}
		case "write_minutes":
			if n, ok := d.integer(kv); ok {
				if n < 1 || n > 24*60 {
					d.errorf(kv.line, "write_minutes: %d is out of range (1 to 1440)", n)
				} else {
					c.WriteMinutes = int(n)
				}
			}
		default:
			d.unknownKey(kv, rootKeys, "at the top level", profileKeys, "belongs in a [profiles.NAME] table")
		}
	}
	return defaultLine
}

func (d *decoder) profile(name string, t *table) Profile {
	p := Profile{Name: name}
	where := fmt.Sprintf("in [profiles.%s]", name)
	// badKind is set when local or routers had an error: the check that a
	// profile has one of them would then only repeat that error, wrongly.
	badKind := false
	for _, kv := range d.unique(t, where) {
		switch kv.key {
		case "local":
			b, ok := d.boolean(kv)
			p.Local, badKind = b, badKind || !ok
		case "routers":
			rs, ok := d.strList(kv, "router")
			badKind = badKind || !ok
			if ok {
				for _, r := range rs {
					if msg := checkRouter(r); msg != "" {
						d.errorf(kv.line, "routers: %q %s", r, msg)
					}
				}
				p.Routers = rs
			}
		case "developer_id":
			if n, ok := d.integer(kv); ok {
				if n <= 0 {
					d.errorf(kv.line, "developer_id: must be a positive number, not %d", n)
				}
				p.DeveloperID = n
			}
		case "access_key":
			p.AccessKey, _ = d.str(kv)
		case "secret_key":
			if s, ok := d.str(kv); ok {
				p.SecretKey, p.secretLine = s, kv.line
			}
		case "secret_key_env":
			if s, ok := d.str(kv); ok {
				if !isEnvName(s) {
					d.errorf(kv.line, "secret_key_env: %q is not an environment variable name (letters, digits and _, not starting with a digit)", s)
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
					if g := suggest(s, []string{modeTest, modeProduction}); g != "" {
						msg += fmt.Sprintf("; did you mean %q?", g)
					}
					d.errorf(kv.line, "%s", msg)
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
					d.errorf(kv.line, "timeout: must be more than 0, like \"10s\"")
				}
				p.Timeout = v
			}
		case "store":
			if s, ok := d.str(kv); ok {
				if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
					d.errorf(kv.line, "store: %q is not a PostgreSQL URL (postgres://user@host:5432/db); leave store out for the SQLite file", s)
				}
				p.Store, p.storeLine = s, kv.line
			}
		default:
			d.unknownKey(kv, profileKeys, where, rootKeys, "is a top-level setting; put it above the first [table]")
		}
	}
	if d.partial || badKind {
		return p
	}
	switch {
	case !p.Local && len(p.Routers) == 0:
		d.errorf(t.line, "profile %q has neither local = true nor routers; add routers = [\"https://…\"] or local = true", name)
	case p.Local && len(p.Routers) > 0:
		d.errorf(t.line, "profile %q sets both local = true and routers; a profile uses the local cloud or routers, not both", name)
	case !p.Local && p.Store != "":
		d.errorf(p.storeLine, "store: only a local profile (local = true) has a store; profile %q talks to routers", name)
	}
	return p
}

// uds decodes a [uds.NAME] table: a vendor service for acconsole serve.
func (d *decoder) uds(name string, t *table) (UDS, bool) {
	u := UDS{Name: name}
	where := fmt.Sprintf("in [uds.%s]", name)
	ok := true
	for _, kv := range d.unique(t, where) {
		switch kv.key {
		case "url":
			if s, good := d.str(kv); good {
				if msg := CheckUDSURL(s); msg != "" {
					d.errorf(kv.line, "url: %q %s", s, msg)
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
	if u.URL == "" && ok && !d.partial {
		d.errorf(t.line, "service %q has no url; add url = \"http://127.0.0.1:8080\"", name)
		ok = false
	}
	return u, ok
}

// unknownKey explains an unknown key: a likely misspelling, or a key that
// is valid elsewhere in the file.
func (d *decoder) unknownKey(kv keyVal, known []string, where string, elsewhere []string, elsewhereMsg string) {
	msg := fmt.Sprintf("unknown key %q %s", kv.key, where)
	if slices.Contains(elsewhere, kv.key) && !slices.Contains(known, kv.key) {
		msg += fmt.Sprintf("; %s %s", kv.key, elsewhereMsg)
	} else if s := suggest(kv.key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	d.errorf(kv.line, "%s", msg)
}

func (d *decoder) typeErr(kv keyVal, want string) {
	d.errorf(kv.line, "%s: want %s, got %s", kv.key, want, kv.val.kind)
}

// str accepts a non-empty string: an empty one is almost always a value
// that was meant to be filled in.
func (d *decoder) str(kv keyVal) (string, bool) {
	if kv.val.kind != kString {
		d.typeErr(kv, "a string")
		return "", false
	}
	if kv.val.str == "" {
		d.errorf(kv.line, "%s: must not be empty", kv.key)
		return "", false
	}
	return kv.val.str, true
}

func (d *decoder) integer(kv keyVal) (int64, bool) {
	if kv.val.kind != kInt {
		d.typeErr(kv, "an integer")
		return 0, false
	}
	return kv.val.num, true
}

func (d *decoder) boolean(kv keyVal) (bool, bool) {
	if kv.val.kind != kBool {
		d.typeErr(kv, "a boolean (true or false)")
		return false, false
	}
	return kv.val.b, true
}

// strList accepts one string or an array of them, since `pair = "p"` reads
// better than `pair = ["p"]` when there is one.
func (d *decoder) strList(kv keyVal, what string) ([]string, bool) {
	switch kv.val.kind {
	case kString:
		if kv.val.str == "" {
			d.errorf(kv.line, "%s: empty %s", kv.key, what)
			return nil, false
		}
		return []string{kv.val.str}, true
	case kArray:
		if slices.Contains(kv.val.arr, "") {
			d.errorf(kv.line, "%s: empty %s in the list", kv.key, what)
			return nil, false
		}
		return kv.val.arr, true
	}
	d.typeErr(kv, "a string or an array of strings")
	return nil, false
}

// duration accepts a Go duration string ("5s", "1m30s"), and the integer 0
// so that "0 = off" can be written as the comment in the sample says.
func (d *decoder) duration(kv keyVal) (time.Duration, bool) {
	switch kv.val.kind {
	case kInt:
		if kv.val.num == 0 {
			return 0, true
		}
		d.errorf(kv.line, "%s: %d has no unit; write a duration string like \"%ds\"", kv.key, kv.val.num, kv.val.num)
		return 0, false
	case kString:
		v, err := time.ParseDuration(kv.val.str)
		if err != nil {
			d.errorf(kv.line, "%s: bad duration %q (use a number and a unit, like \"500ms\", \"10s\" or \"2m\")", kv.key, kv.val.str)
			return 0, false
		}
		return v, true
	}
	d.typeErr(kv, "a duration string like \"10s\"")
	return 0, false
}

func (d *decoder) refresh(kv keyVal) (time.Duration, bool) {
	v, ok := d.duration(kv)
	if !ok {
		return 0, false
	}
	if msg := checkRefresh(v); msg != "" {
		d.errorf(kv.line, "%s: %s", kv.key, msg)
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

func (d *decoder) theme(kv keyVal) (string, bool) {
	s, ok := d.str(kv)
	if !ok {
		return "", false
	}
	if msg := checkName(s); msg != "" {
		d.errorf(kv.line, "theme: %q %s", s, msg)
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

// suggest returns the known word closest to w when it is close enough to be
// a misspelling (at most 2 edits, and fewer than half of w's letters).
func suggest(w string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(w), k); dist < bestDist && dist*2 < len(w) {
			best, bestDist = k, dist
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and swaps
// of neighbours that turn a into b (optimal string alignment), on bytes:
// keys are ASCII. Swaps count as one because "tset" for "test" is the
// commonest typing slip.
func editDistance(a, b string) int {
	rows := [3][]int{make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)}
	for j := range rows[1] {
		rows[1][j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev2, prev, cur := rows[0], rows[1], rows[2]
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		rows = [3][]int{prev, cur, prev2}
	}
	return rows[1][len(b)]
}
