package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// example is the sample from the design brief, comments and all.
const example = `default_profile = "local"
operator = "alice"          # defaults to $USER
theme = "dark"              # dark | light | high-contrast | ascii | a user theme name
refresh_interval = "5s"     # 0 = off
write_minutes = 15          # how long :write lasts
[profiles.local]
local = true                # start the in-process local cloud
[profiles.prod-eu]
routers = ["https://eurouter.example.com:9005", "http://eurouter.example.com:5000"]
developer_id = 42
access_key = "AK…"
secret_key_env = "ACCONSOLE_PROD_EU_SK"   # or secret_key = "…" (then the file must be mode 0600)
major_domain = "acme"
sub_domain = "plug"
runtime_mode = "production" # test | production
theme = "high-contrast"
refresh_interval = "10s"
timeout = "10s"
[keys]
quit = ["q", "ctrl+c"]
pair = "p"
[aliases]
dev = "devices"
`

func TestParseExample(t *testing.T) {
	c, err := Parse("config.toml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultProfile != "local" || c.Operator != "alice" || c.Theme != "dark" ||
		c.RefreshInterval != 5*time.Second || c.WriteMinutes != 15 || c.Path != "config.toml" {
		t.Errorf("top level = %+v", c)
	}
	if got := c.Profiles["local"]; !got.Local || got.Name != "local" {
		t.Errorf("local profile = %+v", got)
	}
	p := c.Profiles["prod-eu"]
	want := Profile{
		Name:         "prod-eu",
		Routers:      []string{"https://eurouter.example.com:9005", "http://eurouter.example.com:5000"},
		DeveloperID:  42,
		AccessKey:    "AK…",
		SecretKeyEnv: "ACCONSOLE_PROD_EU_SK",
		MajorDomain:  "acme", SubDomain: "plug", RuntimeMode: "production", Theme: "high-contrast",
		RefreshInterval: 10 * time.Second, HasRefresh: true, Timeout: 10 * time.Second,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("prod-eu =\n %+v\nwant\n %+v", p, want)
	}
	if !c.Profiles["prod-eu"].Production() || c.Profiles["local"].Production() {
		t.Error("Production() wrong")
	}
	if !slices.Equal(c.Keys["quit"], []string{"q", "ctrl+c"}) || !slices.Equal(c.Keys["pair"], []string{"p"}) {
		t.Errorf("keys = %q", c.Keys)
	}
	if c.Aliases["dev"] != "devices" || len(c.Aliases) != 1 {
		t.Errorf("aliases = %q", c.Aliases)
	}
}

func TestLocalProfileStore(t *testing.T) {
	c, err := Parse("t", []byte("[profiles.team]\nlocal = true\nstore = \"postgres://acc@db.lan:5432/acconsole\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Profiles["team"].Store; got != "postgres://acc@db.lan:5432/acconsole" {
		t.Fatalf("store %q", got)
	}
	if got := c.Profiles["local"].Store; got != "" {
		t.Fatalf("default local profile store %q, want the SQLite file", got)
	}
}

func TestParseValues(t *testing.T) {
	src := "\uFEFF" + `# a comment line
operator = "a\"b\\c\nd\te\u00e9\U0001F600"
theme = 'C-3po'   # literal
[profiles."lab"]
routers = [
  'http://10.0.0.1:5000',   # first
  "http://10.0.0.2:5000",   # trailing comma is fine
]
developer_id = +1_000
refresh_interval = 0      # integer 0 means off
[aliases]
"x y" = 'C:\no\escapes'
` + "[keys]\r\nquit = []\r\n"
	c, err := Parse("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Operator != "a\"b\\c\nd\teé😀" || c.Theme != "C-3po" {
		t.Errorf("strings: %q %q", c.Operator, c.Theme)
	}
	lab := c.Profiles["lab"]
	if len(lab.Routers) != 2 || lab.DeveloperID != 1000 || !lab.HasRefresh || lab.RefreshInterval != 0 {
		t.Errorf("lab = %+v", lab)
	}
	if c.Aliases["x y"] != `C:\no\escapes` {
		t.Errorf("aliases = %q", c.Aliases)
	}
	if k, ok := c.Keys["quit"]; !ok || len(k) != 0 {
		t.Errorf("keys = %q", c.Keys)
	}
	// The implicit local profile stays when the file defines others.
	if !c.Profiles["local"].Local || c.DefaultProfile != "local" {
		t.Errorf("profiles = %+v", c.Profiles)
	}
}

// configErrors unpacks Parse's joined errors.
func configErrors(t *testing.T, err error) []*Error {
	t.Helper()
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else if err != nil {
		list = []error{err}
	}
	var out []*Error
	for _, e := range list {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Fatalf("error %v is not a *config.Error", e)
		}
		out = append(out, ce)
	}
	return out
}

func TestErrors(t *testing.T) {
	const prof = "[profiles.p]\nrouters = [\"http://h:1\"]\n"
	tests := []struct {
		name, src string
		line      int
		want      string
	}{
		{"unknown key", "theme = \"dark\"\nrefresh_intervall = \"5s\"\n", 2, `unknown key "refresh_intervall" at the top level; did you mean "refresh_interval"?`},
		{"unknown key far", "colour = \"red\"\n", 1, `unknown key "colour" at the top level`},
		{"unknown profile key", prof + "developerid = 4\n", 3, `unknown key "developerid" in [profiles.p]; did you mean "developer_id"?`},
		{"profile key at top", "routers = []\n", 1, `routers belongs in a [profiles.NAME] table`},
		{"top key in profile", prof + "operator = \"x\"\n", 3, `operator is a top-level setting`},
		{"wrong type int", "write_minutes = \"15\"\n", 1, "write_minutes: want an integer, got a string"},
		{"wrong type bool", "[profiles.p]\nlocal = \"yes\"\n", 2, "local: want a boolean (true or false), got a string"},
		{"wrong type string", "theme = 3\n", 1, "theme: want a string, got an integer"},
		{"wrong type list", prof + "[keys]\nquit = true\n", 4, "quit: want a string or an array of strings, got a boolean"},
		{"array of ints", "[keys]\nquit = [1]\n", 2, "quit: want a string or an array of strings, got an array holding an integer"},
		{"empty string", "operator = \"\"\n", 1, "operator: must not be empty"},
		{"write range", "write_minutes = 0\n", 1, "write_minutes: 0 is out of range"},
		{"bad duration", "\nrefresh_interval = \"5 seconds\"\n", 2, `refresh_interval: bad duration "5 seconds"`},
		{"duration without unit", "refresh_interval = 5\n", 1, `has no unit; write a duration string like "5s"`},
		{"refresh too short", "refresh_interval = \"100ms\"\n", 1, "too short"},
		{"bad timeout", prof + "timeout = \"-1s\"\n", 3, "timeout: must be more than 0"},
		{"runtime mode", prof + "runtime_mode = \"prod\"\n", 3, `runtime_mode: unknown mode "prod" (use "test" or "production")`},
		{"runtime mode suggestion", prof + "runtime_mode = \"tset\"\n", 3, `did you mean "test"?`},
		{"store not postgres", "[profiles.l]\nlocal = true\nstore = \"/tmp/x.db\"\n", 3, `store: "/tmp/x.db" is not a PostgreSQL URL`},
		{"store on remote profile", prof + "store = \"postgres://h/db\"\n", 3, `store: only a local profile (local = true) has a store`},
		{"duplicate key", "theme = \"a\"\n\ntheme = \"b\"\n", 3, `duplicate key "theme" at the top level (first set on line 1)`},
		{"duplicate profile key", prof + "routers = [\"http://h:2\"]\n", 3, `duplicate key "routers" in [profiles.p] (first set on line 2)`},
		{"duplicate table", prof + "[keys]\n[profiles.p]\nlocal = true\n", 4, "table [profiles.p] is already defined on line 1"},
		{"unterminated basic", "operator = \"alice\n", 1, `unterminated string (missing closing ")`},
		{"unterminated literal", "\noperator = 'alice\n", 2, "unterminated string (missing closing ')"},
		{"unterminated escape", "operator = \"alice\\", 1, `need a character after \`},
		{"unterminated array", "[profiles.p]\nrouters = [\"http://h:1\",\n", 2, "array is incomplete (no closing ']')"},
		{"neither local nor routers", "theme = \"dark\"\n[profiles.x]\ndeveloper_id = 1\n", 2, `profile "x" has neither local = true nor routers`},
		{"local false", "[profiles.x]\nlocal = false\n", 1, `profile "x" has neither local = true nor routers`},
		{"both local and routers", "[profiles.x]\nlocal = true\nrouters = [\"http://h:1\"]\n", 1, "sets both local = true and routers"},
		{"bad router", "[profiles.x]\nrouters = [\"ftp://h\"]\n", 2, `routers: "ftp://h" is not an http(s) URL`},
		{"router path", "[profiles.x]\nrouters = \"http://h:1/api\"\n", 2, "no path"},
		{"developer id", prof + "developer_id = -3\n", 3, "developer_id: must be a positive number"},
		{"secret env name", prof + "secret_key_env = \"MY-KEY\"\n", 3, "is not an environment variable name"},
		{"unknown table", "[profile.x]\nlocal = true\n", 1, "unknown table [profile.x]"},
		{"unknown table suggestion", "[profile.x]\n", 1, "did you mean [profiles.x]?"},
		{"unknown table key", "[key]\n", 1, "did you mean [keys]?"},
		{"profiles alone", "[profiles]\n", 1, "[profiles] needs a profile name"},
		{"profile name", "[profiles.\"a b\"]\nlocal = true\n", 1, `profile name "a b" may hold only letters`},
		{"theme name", "theme = \"../x\"\n", 1, `theme: "../x" may hold only letters`},
		{"language without a catalog", "theme = \"dark\"\nlanguage = \"fr\"\n", 2, `language: language "fr" has no catalog (known: en, zh-CN)`},
		{"traditional Chinese", "language = \"zh-TW\"\n", 1, `only Simplified Chinese (zh-CN) is carried`},
		{"default profile unknown", "\ndefault_profile = \"prod\"\n[profiles.prd]\nlocal = true\n", 2, `no profile "prod" (known: local, prd); did you mean "prd"?`},
		{"float", "write_minutes = 1.5\n", 1, "write_minutes: want an integer, got a float"},
		{"date", "operator = 2024-01-01\n", 1, "operator: want a string, got a date or time"},
		{"bare word", "theme = dark\n", 1, `at start of value (strings need quotes, like "dark")`},
		{"leading zero", "write_minutes = 015\n", 1, "integers cannot have leading zeroes"},
		{"too big", "write_minutes = 99999999999999999999\n", 1, "too large to fit in a 64-bit signed integer"},
		{"missing value", "theme =\n", 1, "missing value after '='"},
		{"missing value before comment", "theme = # dark\n", 1, "missing value after '='"},
		{"missing equals", "theme \"dark\"\n", 1, "expected '=' after key"},
		{"trailing text", "theme = \"dark\" \"light\"\n", 1, `expected newline but got U+0022 '"' (one key = value per line)`},
		{"inline table in a profile", "[profiles.p]\nx = {a = 1}\n", 2, `unknown key "x" in [profiles.p]`},
		{"known key as a table", "[profiles.p]\nrouters = {a = 1}\n", 2, "routers: want a value, got a table"},
		{"table in keys", "[keys]\nquit = {a = 1}\n", 2, "quit: want a value, got a table"},
		{"array of tables", "[[profiles]]\n", 1, "profiles: want tables like [profiles.NAME], got an array of tables ([[…]])"},
		{"keys not a table", "keys = \"q\"\n", 1, "keys: want a table like [keys], got a string"},
		{"unclosed header", "[keys\n", 1, "expected ']' to close table name"},
		{"bad escape", "operator = \"a\\qb\"\n", 1, `invalid escape character U+0071 'q' (write \\ for a backslash`},
		{"short unicode escape", "operator = \"\\u12\"\n", 1, "invalid hexadecimal digit in unicode escape"},
		{"surrogate escape", "operator = \"\\uD800\"\n", 1, "not a valid unicode code point"},
		{"control character", "operator = \"a\x1bb\"\n", 1, "control character"},
		{"invalid utf-8", "# ok\noperator = \"\xff\"\n", 2, "invalid UTF-8"},
		{"bad key", "= 3\n", 1, "invalid character at start of key: U+003D '='"},
		{"too deep", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q = 1\n", 1, "keys nest more than 16 levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.toml", []byte(tt.src))
			errs := configErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("want one error, got %d: %v", len(errs), err)
			}
			e := errs[0]
			if e.Line != tt.line || e.Path != "cfg.toml" || !strings.Contains(e.Msg, tt.want) {
				t.Errorf("got  %v\nwant cfg.toml:%d: …%s…", e, tt.line, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "cfg.toml:"+strconv.Itoa(tt.line)+": ") {
				t.Errorf("message %q lacks path:line:", err)
			}
		})
	}
}

func TestSeveralErrorsAtOnce(t *testing.T) {
	src := `theme = 3
operator = ""
[profiles.a]
runtime_mode = "staging"
timeout = "soon"
[profiles.b]
routers = ["ftp://h"]
`
	_, err := Parse("c", []byte(src))
	var lines []int
	for _, e := range configErrors(t, err) {
		lines = append(lines, e.Line)
	}
	// Line 3 is [profiles.a], which has neither local nor routers.
	if want := []int{1, 2, 3, 4, 5, 7}; !slices.Equal(lines, want) {
		t.Errorf("error lines = %v, want %v\n%v", lines, want, err)
	}
}

func TestSyntaxErrorComesAlone(t *testing.T) {
	// What follows a line that is not TOML cannot be read with certainty,
	// so the syntax error is reported by itself, not with guesses.
	src := "theme = 3\noperator = \"x\" junk\n[profiles.a]\nruntime_mode = \"staging\"\n"
	_, err := Parse("c", []byte(src))
	errs := configErrors(t, err)
	if len(errs) != 1 || errs[0].Line != 2 {
		t.Errorf("errors = %v", err)
	}
}

func TestBrokenHeaderDoesNotLeak(t *testing.T) {
	// The keys under a header that did not parse must not be reported as
	// unknown keys of the previous table.
	_, err := Parse("c", []byte("[keys]\nquit = \"q\"\n[profiles.a b]\nlocal = true\n"))
	errs := configErrors(t, err)
	if len(errs) != 1 || errs[0].Line != 3 {
		t.Errorf("errors = %v", err)
	}
}

func TestTooManyErrors(t *testing.T) {
	var src strings.Builder
	for i := range 100 {
		fmt.Fprintf(&src, "unknown_%d = 1\n", i)
	}
	_, err := Parse("c", []byte(src.String()))
	errs := configErrors(t, err)
	if len(errs) != maxErrors+1 {
		t.Fatalf("got %d errors: %v", len(errs), err)
	}
	if last := errs[maxErrors]; last.Line != 21 || last.Msg != "80 more errors not shown" {
		t.Errorf("last error = %v", last)
	}
}

// TestMalformedFiles makes one mistake of the kinds people make in the
// example file and checks the whole message Load gives, line included
// (counted by hand in the example).
func TestMalformedFiles(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name, old, new string
		want           string // after "path:"
	}{
		{"unterminated string", `access_key = "AK…"`, `access_key = "AK…`,
			`11: unterminated string (missing closing ")`},
		{"unterminated literal string", `dev = "devices"`, `dev = 'devices`,
			`23: unterminated string (missing closing ')`},
		{"duplicate key", "sub_domain = \"plug\"\n", "sub_domain = \"plug\"\ndeveloper_id = 43\n",
			`15: duplicate key "developer_id" in [profiles.prod-eu] (first set on line 10)`},
		{"duplicate table", "[aliases]", "[profiles.local]",
			"22: table [profiles.local] is already defined on line 6"},
		{"wrong type for a known key", "developer_id = 42", `developer_id = "42"`,
			"10: developer_id: want an integer, got a string"},
		{"wrong type in keys", `pair = "p"`, "pair = 1",
			"21: pair: want a string or an array of strings, got an integer"},
		{"duration without quotes", `timeout = "10s"`, "timeout = 10s",
			`18: strings must be quoted, like "10s"`},
		{"unknown table", "[aliases]", "[alias]",
			"22: unknown table [alias] (known: [profiles.NAME], [keys], [aliases], [uds.NAME]); did you mean [aliases]?"},
		{"unknown key", `runtime_mode = "production"`, `runtime_mod = "production"`,
			`15: unknown key "runtime_mod" in [profiles.prod-eu]; did you mean "runtime_mode"?`},
		{"bare word in an array over lines",
			`routers = ["https://eurouter.example.com:9005", "http://eurouter.example.com:5000"]`,
			"routers = [\n  \"https://eurouter.example.com:9005\",\n  eurouter.example.com,\n]",
			`11: unexpected character U+0065 'e' at start of value (strings need quotes, like "eurouter")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(example, tt.old) {
				t.Fatalf("example has no %q", tt.old)
			}
			path := writeFile(t, strings.Replace(example, tt.old, tt.new, 1), 0o600)
			_, err := Load(path)
			if err == nil || err.Error() != path+":"+tt.want {
				t.Errorf("got  %v\nwant %s:%s", err, path, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	clearEnv(t)
	t.Setenv("USER", "bob")
	path := filepath.Join(t.TempDir(), "acconsole", "config.toml")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Profile("")
	if err != nil || !p.Local || p.Name != "local" {
		t.Fatalf("default profile = %+v, %v", p, err)
	}
	if c.Path != path || c.Operator != "bob" || c.WriteMinutes != DefaultWrite || c.RefreshInterval != DefaultRefresh {
		t.Errorf("config = %+v", c)
	}
}

func writeFile(t *testing.T, src string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	// Chmod after writing: WriteFile's mode is filtered by the umask.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadRefusesSharedSecret(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	clearEnv(t)
	src := "[profiles.p]\nrouters = [\"http://h:1\"]\nsecret_key = \"s3cret\"\n"

	path := writeFile(t, src, 0o644)
	_, err := Load(path)
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 3 || ce.Path != path ||
		!strings.Contains(ce.Msg, "chmod 600 "+path) || !strings.Contains(ce.Msg, "mode 0644") {
		t.Fatalf("0644: err = %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Error("the error shows the secret")
	}
	if _, err := Load(writeFile(t, src, 0o640)); err == nil {
		t.Error("0640 accepted")
	}

	c, err := Load(writeFile(t, src, 0o600))
	if err != nil {
		t.Fatalf("0600: %v", err)
	}
	if s, err := c.Profiles["p"].Secret(noEnv); s != "s3cret" || err != nil {
		t.Errorf("secret = %q, %v", s, err)
	}

	// Without a secret in it the file may be shared.
	if _, err := Load(writeFile(t, "theme = \"dark\"\n", 0o644)); err != nil {
		t.Errorf("no secret, 0644: %v", err)
	}
}

func TestLoadReportsParseErrors(t *testing.T) {
	clearEnv(t)
	path := writeFile(t, "theme = 'x\n", 0o600)
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":1: unterminated string") {
		t.Errorf("err = %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
}

// clearEnv unsets the overrides so the developer's own environment cannot
// change the tests' results.
func clearEnv(t *testing.T) {
	for _, k := range []string{"ACCONSOLE_PROFILE", "ACCONSOLE_THEME", "ACCONSOLE_OPERATOR", "ACCONSOLE_REFRESH"} {
		t.Setenv(k, "")
	}
}

func TestEnvOverrides(t *testing.T) {
	path := writeFile(t, example, 0o600)

	clearEnv(t)
	t.Setenv("USER", "fallback")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Operator != "alice" {
		t.Errorf("operator from file = %q", c.Operator)
	}

	t.Setenv("ACCONSOLE_PROFILE", "prod-eu")
	t.Setenv("ACCONSOLE_THEME", "light")
	t.Setenv("ACCONSOLE_OPERATOR", "carol")
	t.Setenv("ACCONSOLE_REFRESH", "0")
	c, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Profile("")
	if err != nil {
		t.Fatal(err)
	}
	// The environment beats the profile's own theme and refresh too.
	if p.Name != "prod-eu" || p.Theme != "light" || p.RefreshInterval != 0 || c.Operator != "carol" {
		t.Errorf("profile = %+v, operator %q", p, c.Operator)
	}

	t.Setenv("ACCONSOLE_PROFILE", "prod-us")
	t.Setenv("ACCONSOLE_REFRESH", "often")
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), `ACCONSOLE_PROFILE="prod-us": no profile "prod-us" (known: local, prod-eu)`) ||
		!strings.Contains(err.Error(), `ACCONSOLE_REFRESH="often": bad duration`) {
		t.Errorf("err = %v", err)
	}
}

func TestOperatorDefaultsToUser(t *testing.T) {
	clearEnv(t)
	t.Setenv("USER", "dave")
	c, err := Load(writeFile(t, "theme = \"dark\"\n", 0o600))
	if err != nil || c.Operator != "dave" {
		t.Errorf("operator = %q, %v", c.Operator, err)
	}
}

func TestProfileLookup(t *testing.T) {
	c, err := Parse("cfg.toml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Profile("prod-eu")
	if err != nil || p.Theme != "high-contrast" || p.RefreshInterval != 10*time.Second {
		t.Errorf("prod-eu = %+v, %v", p, err)
	}
	// local sets neither, so it inherits the top level.
	p, err = c.Profile("")
	if err != nil || p.Name != "local" || p.Theme != "dark" || p.RefreshInterval != 5*time.Second {
		t.Errorf("default = %+v, %v", p, err)
	}
	_, err = c.Profile("prod-ue")
	if err == nil || err.Error() != `cfg.toml: no profile "prod-ue" (known: local, prod-eu); did you mean "prod-eu"?` {
		t.Errorf("err = %v", err)
	}
}

func noEnv(string) string { return "" }

func TestSecret(t *testing.T) {
	env := func(vals map[string]string) func(string) string {
		return func(k string) string { return vals[k] }
	}
	both := Profile{Name: "p", SecretKeyEnv: "SK", SecretKey: "from-file"}
	if s, err := both.Secret(env(map[string]string{"SK": "from-env"})); s != "from-env" || err != nil {
		t.Errorf("env wins: %q, %v", s, err)
	}
	if s, err := both.Secret(noEnv); s != "from-file" || err != nil {
		t.Errorf("file fallback: %q, %v", s, err)
	}
	onlyEnv := Profile{Name: "p", SecretKeyEnv: "ACCONSOLE_P_SK"}
	if _, err := onlyEnv.Secret(noEnv); err == nil || !strings.Contains(err.Error(), "ACCONSOLE_P_SK") {
		t.Errorf("unset variable: %v", err)
	}
	if s, err := (Profile{Name: "local", Local: true}).Secret(noEnv); s != "" || err != nil {
		t.Errorf("local: %q, %v", s, err)
	}
	if _, err := (Profile{Name: "r", Routers: []string{"http://h:1"}}).Secret(noEnv); err == nil ||
		!strings.Contains(err.Error(), "secret_key_env") {
		t.Errorf("none: %v", err)
	}
	t.Setenv("ACCONSOLE_TEST_SK", "os-env")
	if s, _ := (Profile{SecretKeyEnv: "ACCONSOLE_TEST_SK"}).Secret(nil); s != "os-env" {
		t.Errorf("nil getenv: %q", s)
	}
}

// FuzzParse: no input makes the parser panic, and every error it returns
// says where, on a line that exists.
func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	for _, s := range []string{"", "[", "a = [", "a = \"\\u", "x = 'y", "[profiles.p]\nrouters = [\n'a',\n# c\n]",
		"a = +", "a = -0", "a = 1_", "a = _1", "\"\" = 1", "[a.\"\".b]", "a = \"\\U0011FFFF\"", "\r\n", "a = 1\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f", data)
		if err == nil {
			if _, perr := c.Profile(""); perr != nil {
				t.Fatalf("parsed config has no default profile: %v", perr)
			}
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range configErrors(t, err) {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("error on line %d of %d: %v", e.Line, lines, e)
			}
		}
	})
}

// largeInputs are nonsense of each shape, n quarter megabytes of it.
var largeInputs = []struct {
	name string
	make func(n int) string
}{
	{"assignments", func(n int) string { return strings.Repeat("a = \"x\"\n", n<<15) }},
	{"arrays", func(n int) string { return "[keys]\n" + strings.Repeat("k = ['x', \"y\"]\n", n<<14) }},
	{"brackets", func(n int) string { return strings.Repeat("[", n<<18) }},
	{"long-array", func(n int) string { return "a = [" + strings.Repeat("'x',", n<<16) + "]" }},
}

// A megabyte of nonsense is answered briefly (a bounded list of errors),
// and the parser's work grows in proportion to the input: four times the
// input (256 KB, 1 MB) costs at most about four times the allocations (a quadratic step
// would cost sixteen). Work is counted, not timed, so a loaded machine
// cannot fail this; BenchmarkParseLargeInput has the times.
func TestLargeInputIsLinear(t *testing.T) {
	for _, in := range largeInputs {
		small, big := in.make(1), in.make(4)
		if _, err := Parse("big", []byte(big)); err != nil && len(configErrors(t, err)) > maxErrors+1 {
			t.Errorf("%s: %d errors", in.name, len(configErrors(t, err)))
		}
		a1 := testing.AllocsPerRun(1, func() { _, _ = Parse("big", []byte(small)) })
		a4 := testing.AllocsPerRun(1, func() { _, _ = Parse("big", []byte(big)) })
		if a4 > 5*a1+100 {
			t.Errorf("%s: %.0f allocations for 256 KB, %.0f for 1 MB: more than linear", in.name, a1, a4)
		}
	}
}

// BenchmarkParseLargeInput is the time to answer a megabyte of nonsense of
// each shape (target in BENCHMARKS.md).
func BenchmarkParseLargeInput(b *testing.B) {
	for _, in := range largeInputs {
		src := []byte(in.make(4))
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_, _ = Parse("big", src)
			}
		})
	}
}

func TestUDSTables(t *testing.T) {
	src := `
[uds.vendor-login]
url = "http://127.0.0.1:8080/login"
anonymous = true

[uds.orders]
url = "https://orders.example.com"
`
	c, err := Parse("cfg.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]UDS{
		"vendor-login": {Name: "vendor-login", URL: "http://127.0.0.1:8080/login", Anonymous: true},
		"orders":       {Name: "orders", URL: "https://orders.example.com"},
	}
	if len(c.UDS) != len(want) || c.UDS["vendor-login"] != want["vendor-login"] || c.UDS["orders"] != want["orders"] {
		t.Fatalf("UDS = %+v", c.UDS)
	}
	for src, msg := range map[string]string{
		"[uds.a]\nanonymous = true\n":                        `cfg.toml:1: service "a" has no url; add url = "http://127.0.0.1:8080"`,
		"[uds.a]\nurl = \"ftp://x\"\n":                       `cfg.toml:2: url: "ftp://x" is not an http(s) URL with a host`,
		"[uds.a]\nurl = \"http://x\"\nurll = 1\n":            `cfg.toml:3: unknown key "urll" in [uds.a]; did you mean "url"?`,
		"[uds.a]\nurl = \"http://x\"\nanonymous = \"yes\"\n": `cfg.toml:3: anonymous: want a boolean (true or false), got a string`,
		"[uds]\nurl = \"http://x\"\n":                        `cfg.toml:1: [uds] needs a service name, like [uds.vendor-login]`,
		"[uds.\"a b\"]\nurl = \"http://x\"\n":                `cfg.toml:1: service name "a b" may hold only letters, digits, '-' and '_'`,
	} {
		if _, err := Parse("cfg.toml", []byte(src)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", src, err, msg)
		}
	}
}

func TestParseUDSFlag(t *testing.T) {
	for in, want := range map[string]UDS{
		"orders=http://127.0.0.1:8080":               {Name: "orders", URL: "http://127.0.0.1:8080"},
		"vendor-login=http://10.0.0.2/api,anonymous": {Name: "vendor-login", URL: "http://10.0.0.2/api", Anonymous: true},
	} {
		if got, err := ParseUDSFlag(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
}

// TestTOMLForms: the file is TOML, so what TOML allows works, line numbers
// included, however a table is written.
func TestTOMLForms(t *testing.T) {
	src := `write_minutes = 0x1e            # 30
operator = """
alice"""
[profiles]
dotted.local = true
inline = { routers = ["http://h:1"], developer_id = 7 }
[profiles.lab]
routers = ['''http://10.0.0.1:5000''']
developer_id = 1_000
[uds]
orders = { url = "http://127.0.0.1:8080", anonymous = true }
[keys]
pair = "p"
`
	c, err := Parse("cfg.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.WriteMinutes != 30 || c.Operator != "alice" {
		t.Errorf("write_minutes %d, operator %q", c.WriteMinutes, c.Operator)
	}
	if !c.Profiles["dotted"].Local || c.Profiles["lab"].DeveloperID != 1000 ||
		!slices.Equal(c.Profiles["lab"].Routers, []string{"http://10.0.0.1:5000"}) ||
		c.Profiles["inline"].DeveloperID != 7 {
		t.Errorf("profiles = %+v", c.Profiles)
	}
	if want := (UDS{Name: "orders", URL: "http://127.0.0.1:8080", Anonymous: true}); c.UDS["orders"] != want {
		t.Errorf("uds = %+v", c.UDS)
	}
	if e := c.KeyError("pair", "x"); e.Line != 13 {
		t.Errorf("[keys] pair is on line 13, KeyError says %d", e.Line)
	}

	// Errors in those forms point at the line of the key.
	for src, want := range map[string]string{
		"profiles.dotted.locall = true\n":                              `cfg.toml:1: unknown key "locall" in [profiles.dotted]; did you mean "local"?`,
		"[profiles]\n\nx = { routers = [\"ftp://h\"] }\n":              `cfg.toml:3: routers: "ftp://h" is not an http(s) URL`,
		"[profiles]\nx = { local = true,\n  store = \"/tmp/x.db\" }\n": `cfg.toml:3: store: "/tmp/x.db" is not a PostgreSQL URL`,
		"[profiles.x]\nlocal = true\n[profiles.x.extra]\n":             `cfg.toml:3: unknown key "extra" in [profiles.x]`,
		"[keys]\nquit = \"q\"\n\n[keys.pair]\nkey = \"p\"\n":           "cfg.toml:4: pair: want a value, got a table",
		"[[uds]]\nurl = \"http://x\"\n":                                "cfg.toml:1: uds: want tables like [uds.NAME], got an array of tables ([[…]])",
	} {
		if _, err := Parse("cfg.toml", []byte(src)); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q:\n got  %v\n want %s…", src, err, want)
		}
	}
}

func TestParseTables(t *testing.T) {
	src := `max = 3
[operator.ann]
keys = ["a", "b"]
role = "admin"
n = 1.5

[empty]
[operator.bob]
profiles = []
`
	tables, err := ParseTables("team.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	// [operator] holds only tables and is not listed; [empty] is.
	want := []Table{
		{Line: 1, Entries: []Entry{{Key: "max", Value: int64(3), Line: 1}}},
		{Name: []string{"operator", "ann"}, Line: 2, Entries: []Entry{
			{Key: "keys", Value: []string{"a", "b"}, Line: 3},
			{Key: "role", Value: "admin", Line: 4},
			{Key: "n", Value: 1.5, Line: 5},
		}},
		{Name: []string{"empty"}, Line: 7},
		{Name: []string{"operator", "bob"}, Line: 8, Entries: []Entry{{Key: "profiles", Value: []string{}, Line: 9}}},
	}
	if !reflect.DeepEqual(tables, want) {
		t.Errorf("tables =\n %+v\nwant\n %+v", tables, want)
	}
	_, err = ParseTables("team.toml", []byte("[operator.ann]\nrole = \"admin\"\n[operator.ann]\n"))
	if err == nil || err.Error() != "team.toml:3: table [operator.ann] is already defined on line 1" {
		t.Errorf("duplicate table: %v", err)
	}
}

// TestLanguageSetting: the language key is read as written; the console
// resolves it against --lang and the locale (i18n.Choose).
func TestLanguageSetting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("language = \"zh_CN.UTF-8\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Language != "zh_CN.UTF-8" {
		t.Fatalf("Language = %q", c.Language)
	}
}
