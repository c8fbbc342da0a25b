// Package config reads the console's configuration file,
// $XDG_CONFIG_HOME/acconsole/config.toml, a TOML file.
//
// Every problem is reported as "path:line: what is wrong", several at once
// when the file has several (a TOML syntax error stops the reading, so it
// comes alone), so that a user fixes the file in as few passes as can be.
// A file that holds a secret key must be readable by its owner only.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"acconsole/internal/suggest"
)

// Config is the whole file, with defaults filled in.
type Config struct {
	// DefaultProfile is used when the operator names none; "local" unless
	// the file or ACCONSOLE_PROFILE says otherwise.
	DefaultProfile string
	// Operator names the person at the keyboard in audit entries.
	Operator string
	// Theme is a built-in or user theme name; empty lets the console pick
	// one to suit the terminal background.
	Theme string
	// Language is the console's language ("en", "zh-CN"); empty follows
	// the locale (LC_ALL, LC_MESSAGES, LANG). The --lang flag beats it.
	Language string
	// RefreshInterval is how often pages poll; 0 turns polling off.
	RefreshInterval time.Duration
	// WriteMinutes is how long :write keeps the console writable.
	WriteMinutes int
	// Profiles always holds a "local" profile unless the file defines its
	// own profile of that name.
	Profiles map[string]Profile
	// Keys maps an action name to the keys that trigger it; keymap.go
	// knows the action names and checks for conflicts.
	Keys    map[string][]string
	Aliases map[string]string
	// UDS are the vendor services acconsole serve forwards to, from
	// [uds.NAME] tables.
	UDS map[string]UDS
	// Path is where the configuration was read from (or would have been).
	Path string

	// keyLines is the line of each [keys] entry, for KeyError.
	keyLines map[string]int
}

// KeyError is an error about the [keys] entry of action, pointing at its
// line (the file's key names are checked by the console, which knows the
// actions).
func (c Config) KeyError(action, msg string) *Error {
	return &Error{Path: c.Path, Line: c.keyLines[action], Msg: "[keys] " + msg}
}

// Profile is one cloud to talk to: the in-process local cloud, or a router
// list with developer credentials.
type Profile struct {
	Name string
	// Local starts the in-process local cloud instead of using Routers.
	Local        bool
	Routers      []string
	DeveloperID  int64
	AccessKey    string
	SecretKey    string
	SecretKeyEnv string
	MajorDomain  string
	SubDomain    string
	// RuntimeMode is "test", "production" or empty (the client's default).
	RuntimeMode string
	// Store is the PostgreSQL server a local profile's cloud keeps its data
	// on (postgres://…); empty is the SQLite file in the data directory.
	Store string
	// Theme and RefreshInterval override the top-level settings; Config.Profile
	// fills them in from the top level when the profile leaves them out.
	Theme           string
	RefreshInterval time.Duration
	Timeout         time.Duration
	// HasRefresh says the profile set refresh_interval itself, since 0 is a
	// meaningful value (off) and cannot mean "not set".
	HasRefresh bool

	// secretLine is where secret_key was set, for Load's file mode check.
	secretLine int
	// storeLine is where store was set, to refuse it on a remote profile.
	storeLine int
}

// UDS is a vendor service (PROTOCOL §2.8) that acconsole serve forwards
// calls to: {URL}/{method}.
type UDS struct {
	Name string
	URL  string
	// Anonymous lets unsigned calls marked X-Zc-Access-Mode: 1 through.
	Anonymous bool
}

// ParseUDSFlag reads the --uds form "name=url" or "name=url,anonymous".
func ParseUDSFlag(s string) (UDS, error) {
	name, rest, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return UDS{}, fmt.Errorf("--uds %q: want name=url or name=url,anonymous", s)
	}
	name = strings.TrimSpace(name)
	if msg := checkName(name); msg != "" {
		return UDS{}, fmt.Errorf("--uds %q: service name %q %s", s, name, msg)
	}
	u := UDS{Name: name}
	raw, opt, hasOpt := strings.Cut(rest, ",")
	u.URL = strings.TrimSpace(raw)
	if msg := CheckUDSURL(u.URL); msg != "" {
		return UDS{}, fmt.Errorf("--uds %q: url %q %s", s, u.URL, msg)
	}
	if hasOpt {
		if strings.TrimSpace(opt) != "anonymous" {
			return UDS{}, fmt.Errorf("--uds %q: unknown option %q (the only option is anonymous)", s, strings.TrimSpace(opt))
		}
		u.Anonymous = true
	}
	return u, nil
}

// Error is one problem in the file. Line is 0 when the problem is not tied
// to a line (an environment variable, the file's mode).
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// Defaults that the file may change.
const (
	DefaultProfileName = "local"
	DefaultRefresh     = 5 * time.Second
	DefaultWrite       = 15
)

// maxErrors is how many errors Parse reports; the first ones are what
// helps, and the rest often follow from them.
const maxErrors = 20

// maxFileSize keeps a mistaken path (a log, a disk image) from being read
// whole; a real config file is a few kilobytes.
const maxFileSize = 1 << 20

// Default is the configuration used when there is no file: one profile that
// runs the local cloud, so the console works on a fresh machine.
func Default() Config {
	return Config{
		DefaultProfile:  DefaultProfileName,
		RefreshInterval: DefaultRefresh,
		WriteMinutes:    DefaultWrite,
		Profiles:        map[string]Profile{DefaultProfileName: {Name: DefaultProfileName, Local: true}},
		Keys:            map[string][]string{},
		Aliases:         map[string]string{},
		UDS:             map[string]UDS{},
		keyLines:        map[string]int{},
	}
}

// Load reads the file at path, refuses it if it holds a secret key and is
// accessible by group or others, and applies the environment overrides
// (ACCONSOLE_PROFILE, ACCONSOLE_THEME, ACCONSOLE_OPERATOR, ACCONSOLE_REFRESH).
// A missing file gives Default(), not an error. Operator defaults to $USER.
func Load(path string) (Config, error) {
	c, err := loadFile(path)
	if err != nil {
		return Config{}, err
	}
	if err := applyEnv(&c, os.Getenv); err != nil {
		return Config{}, err
	}
	return c, nil
}

func loadFile(path string) (Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		c := Default()
		c.Path = path
		return c, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode checked is the mode of
	// the bytes read even if the file is replaced meanwhile.
	info, err := f.Stat()
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if info.IsDir() {
		return Config{}, &Error{Path: path, Msg: "is a directory, not a config file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(data) > maxFileSize {
		return Config{}, &Error{Path: path, Msg: fmt.Sprintf("larger than %d bytes; is this the right file?", maxFileSize)}
	}
	c, err := Parse(path, data)
	if err != nil {
		return Config{}, err
	}
	// Windows has no Unix permission bits to check; its ACLs are out of
	// this package's reach.
	if line := c.secretLine(); line > 0 && runtime.GOOS != "windows" {
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			return Config{}, &Error{Path: path, Line: line, Msg: fmt.Sprintf(
				"secret_key is set but the file is accessible by group or others (mode %04o); run `chmod 600 %s`, or move the key to an environment variable named by secret_key_env",
				perm, path)}
		}
	}
	return c, nil
}

// secretLine is the first line holding a secret_key, or 0.
func (c Config) secretLine() int {
	first := 0
	for _, p := range c.Profiles {
		if p.secretLine > 0 && (first == 0 || p.secretLine < first) {
			first = p.secretLine
		}
	}
	return first
}

// Parse reads a configuration from data; name is used in error messages
// (normally the file's path). It cannot check the file's mode; Load does.
func Parse(name string, data []byte) (Config, error) {
	tables, err := readTables(name, data)
	if err != nil {
		return Config{}, err
	}
	d := &decoder{path: name}
	c := d.decode(tables)
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b *Error) int { return a.Line - b.Line })
		var errs []error
		for i, e := range d.errs {
			if i == maxErrors {
				// A file that is not a config at all would otherwise
				// bury the useful first errors.
				errs = append(errs, &Error{Path: name, Line: e.Line, Msg: fmt.Sprintf("%d more errors not shown", len(d.errs)-i)})
				break
			}
			errs = append(errs, e)
		}
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// applyEnv applies the environment overrides; the environment wins over
// the file, including over a profile's own theme and refresh interval.
func applyEnv(c *Config, getenv func(string) string) error {
	var errs []error
	envErr := func(name, value, msg string) {
		errs = append(errs, fmt.Errorf("environment %s=%q: %s", name, value, msg))
	}
	if v := getenv("ACCONSOLE_PROFILE"); v != "" {
		if _, ok := c.Profiles[v]; ok {
			c.DefaultProfile = v
		} else {
			envErr("ACCONSOLE_PROFILE", v, c.unknownProfile(v))
		}
	}
	if v := getenv("ACCONSOLE_THEME"); v != "" {
		if msg := checkName(v); msg != "" {
			envErr("ACCONSOLE_THEME", v, msg)
		} else {
			c.Theme = v
			for name, p := range c.Profiles {
				p.Theme = ""
				c.Profiles[name] = p
			}
		}
	}
	if v := getenv("ACCONSOLE_REFRESH"); v != "" {
		if d, msg := parseRefresh(v); msg != "" {
			envErr("ACCONSOLE_REFRESH", v, msg)
		} else {
			c.RefreshInterval = d
			for name, p := range c.Profiles {
				p.RefreshInterval, p.HasRefresh = 0, false
				c.Profiles[name] = p
			}
		}
	}
	if v := getenv("ACCONSOLE_OPERATOR"); v != "" {
		c.Operator = v
	}
	if c.Operator == "" {
		c.Operator = getenv("USER")
	}
	if c.Operator == "" {
		c.Operator = getenv("USERNAME") // Windows
	}
	return errors.Join(errs...)
}

// Profile returns the named profile ("" = the default one) with the theme
// and refresh interval inherited from the top level where it sets none.
func (c Config) Profile(name string) (Profile, error) {
	if name == "" {
		name = c.DefaultProfile
	}
	if name == "" {
		name = DefaultProfileName
	}
	p, ok := c.Profiles[name]
	if !ok {
		where := c.Path
		if where == "" {
			where = "the configuration"
		}
		return Profile{}, fmt.Errorf("%s: %s", where, c.unknownProfile(name))
	}
	if p.Theme == "" {
		p.Theme = c.Theme
	}
	if !p.HasRefresh {
		p.RefreshInterval = c.RefreshInterval
	}
	return p, nil
}

func (c Config) unknownProfile(name string) string {
	known := slices.Sorted(maps.Keys(c.Profiles))
	msg := fmt.Sprintf("no profile %q (known: %s)", name, strings.Join(known, ", "))
	if s := suggest.Closest(name, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}

// Secret returns the profile's secret key: the environment variable named by
// secret_key_env when it is set and not empty, else secret_key. A local
// profile needs none (the local cloud makes its own credentials) and gets ""
// with no error. getenv nil means os.Getenv.
func (p Profile) Secret(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p.SecretKeyEnv != "" {
		if v := getenv(p.SecretKeyEnv); v != "" {
			return v, nil
		}
	}
	switch {
	case p.SecretKey != "":
		return p.SecretKey, nil
	case p.SecretKeyEnv != "":
		return "", fmt.Errorf("profile %q: environment variable %s (named by secret_key_env) is not set", p.Name, p.SecretKeyEnv)
	case p.Local:
		return "", nil
	}
	return "", fmt.Errorf("profile %q has no secret key: add secret_key_env = \"VARIABLE\" and export VARIABLE, or secret_key = \"…\" in a file of mode 0600", p.Name)
}

// Production says the profile talks to a production runtime, where the
// console asks for more care (PROTOCOL §1.1).
func (p Profile) Production() bool { return p.RuntimeMode == modeProduction }
