// Package sshserve serves the console over SSH to a team: one host holds
// the cloud credentials, each operator logs in with their own SSH key and
// gets their own console, and the host enforces roles, limits and one
// audit log. The console itself is built by the caller (main), so this
// package knows Bubble Tea models, not the ui package.
package sshserve

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"acconsole/config"
)

// Role is what an operator may do.
type Role string

// Roles, from least to most allowed.
const (
	Viewer   Role = "viewer"   // always read-only
	Operator Role = "operator" // :write with a reason
	Admin    Role = "admin"    // also the team's sessions and whole audit log
)

// CanWrite reports whether the role may turn on write mode.
func (r Role) CanWrite() bool { return r == Operator || r == Admin }

// Member is one operator of the team file.
type Member struct {
	ID       string // the [operator.ID] table name: the audit "operator"
	Name     string // display name
	Role     Role
	Profiles []string // profiles they may use; "*" for any
	Keys     []gossh.PublicKey
}

// MayUse reports whether the member may use profile name.
func (m *Member) MayUse(name string) bool {
	return slices.Contains(m.Profiles, name) || slices.Contains(m.Profiles, "*")
}

// Team is the team file: who may log in, and the server's limits.
type Team struct {
	Members []*Member
	// MaxSessions caps sessions on the server (0 = DefaultMaxSessions);
	// MaxPerOperator caps one operator's (0 = DefaultMaxPerOperator).
	MaxSessions    int
	MaxPerOperator int
	// IdleTimeout ends a session with no input for this long
	// (0 = DefaultIdleTimeout).
	IdleTimeout time.Duration
}

// Defaults for limits the team file leaves out.
const (
	DefaultMaxSessions    = 50
	DefaultMaxPerOperator = 3
	DefaultIdleTimeout    = 30 * time.Minute
)

// Lookup finds the member holding key.
func (t *Team) Lookup(key gossh.PublicKey) *Member {
	if t == nil || key == nil {
		return nil
	}
	want := key.Marshal()
	for _, m := range t.Members {
		for _, k := range m.Keys {
			if string(k.Marshal()) == string(want) {
				return m
			}
		}
	}
	return nil
}

// Member finds a member by id.
func (t *Team) Member(id string) *Member {
	for _, m := range t.Members {
		if m.ID == id {
			return m
		}
	}
	return nil
}

const maxTeamFile = 1 << 20

// CheckPrivate refuses a file that group or others may read or write: the
// config and team files decide who may act with the developer key.
func CheckPrivate(path string, info os.FileInfo) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s is accessible by group or others (mode %04o): it decides who may act with the developer key; run `chmod 600 %s`", path, perm, path)
	}
	return nil
}

// LoadTeam reads and checks the team file.
func LoadTeam(path string) (*Team, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("team file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("team file: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("team file %s is a directory", path)
	}
	if err := CheckPrivate(path, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTeamFile+1))
	if err != nil {
		return nil, fmt.Errorf("team file: %w", err)
	}
	if len(data) > maxTeamFile {
		return nil, fmt.Errorf("team file %s is larger than %d bytes", path, maxTeamFile)
	}
	return ParseTeam(path, data)
}

// ParseTeam reads a team file:
//
//	max_sessions = 50
//	max_sessions_per_operator = 3
//	idle_timeout = "30m"
//
//	[operator.alice]
//	name = "Alice Chen"
//	role = "admin"            # viewer | operator | admin
//	profiles = ["local"]
//	keys = ["ssh-ed25519 AAAA… alice@laptop"]
func ParseTeam(name string, data []byte) (*Team, error) {
	tables, err := config.ParseTables(name, data)
	if err != nil {
		return nil, err
	}
	t := &Team{}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	seenKey := map[string]string{}
	for _, tb := range tables {
		switch {
		case len(tb.Name) == 0:
			for _, e := range tb.Entries {
				switch e.Key {
				case "max_sessions", "max_sessions_per_operator":
					n, ok := e.Value.(int64)
					if !ok || n < 1 || n > 10000 {
						fail(e.Line, "%s must be a whole number from 1 to 10000", e.Key)
						continue
					}
					if e.Key == "max_sessions" {
						t.MaxSessions = int(n)
					} else {
						t.MaxPerOperator = int(n)
					}
				case "idle_timeout":
					s, _ := e.Value.(string)
					d, err := time.ParseDuration(s)
					if err != nil || d < time.Minute {
						fail(e.Line, "idle_timeout must be a duration of at least 1m, such as \"30m\"")
						continue
					}
					t.IdleTimeout = d
				default:
					fail(e.Line, "unknown key %q (known: max_sessions, max_sessions_per_operator, idle_timeout, and [operator.ID] tables)", e.Key)
				}
			}
		case len(tb.Name) == 2 && tb.Name[0] == "operator":
			m := &Member{ID: tb.Name[1]}
			if m.ID == "" || strings.ContainsAny(m.ID, " \t\r\n") {
				fail(tb.Line, "operator id %q must be a single word", m.ID)
				continue
			}
			for _, e := range tb.Entries {
				switch e.Key {
				case "name":
					m.Name, _ = e.Value.(string)
				case "role":
					s, _ := e.Value.(string)
					switch Role(s) {
					case Viewer, Operator, Admin:
						m.Role = Role(s)
					default:
						fail(e.Line, "role %q: want viewer, operator or admin", s)
					}
				case "profiles":
					list, ok := e.Value.([]string)
					if !ok {
						fail(e.Line, "profiles must be an array of profile names")
					}
					m.Profiles = list
				case "keys":
					list, ok := e.Value.([]string)
					if !ok {
						fail(e.Line, "keys must be an array of public keys in authorized_keys format")
						continue
					}
					for _, line := range list {
						k, _, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
						if err != nil {
							fail(e.Line, "operator %s: a key is not in authorized_keys format: %v", m.ID, err)
							continue
						}
						fp := gossh.FingerprintSHA256(k)
						if other, dup := seenKey[fp]; dup {
							fail(e.Line, "key %s is listed for both %s and %s", fp, other, m.ID)
							continue
						}
						seenKey[fp] = m.ID
						m.Keys = append(m.Keys, k)
					}
				default:
					fail(e.Line, "unknown key %q in [operator.%s] (known: name, role, profiles, keys)", e.Key, m.ID)
				}
			}
			if m.Role == "" {
				fail(tb.Line, "operator %s has no role (viewer, operator or admin)", m.ID)
			}
			if len(m.Profiles) == 0 {
				fail(tb.Line, "operator %s has no profiles (the profiles they may use, or [\"*\"] for any)", m.ID)
			}
			if len(m.Keys) == 0 {
				fail(tb.Line, "operator %s has no keys", m.ID)
			}
			if m.Name == "" {
				m.Name = m.ID
			}
			t.Members = append(t.Members, m)
		default:
			fail(tb.Line, "unknown table [%s] (want [operator.ID])", strings.Join(tb.Name, "."))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if t.MaxSessions == 0 {
		t.MaxSessions = DefaultMaxSessions
	}
	if t.MaxPerOperator == 0 {
		t.MaxPerOperator = DefaultMaxPerOperator
	}
	if t.IdleTimeout == 0 {
		t.IdleTimeout = DefaultIdleTimeout
	}
	return t, nil
}
