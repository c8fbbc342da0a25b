package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"acconsole/acapi"
	"acconsole/internal/clock"
)

func authorizedLine(t *testing.T) (string, gossh.PublicKey) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k))) + " ann@laptop", k
}

func TestParseTeam(t *testing.T) {
	line, key := authorizedLine(t)
	team, err := ParseTeam("team.toml", []byte(`idle_timeout = "10m"

[operator.ann]
name = "Ann"
role = "viewer"
profiles = ["prod"]
keys = ["`+line+`"]
`))
	if err != nil {
		t.Fatal(err)
	}
	m := team.Lookup(key)
	if m == nil || m.ID != "ann" || m.Role != Viewer || m.Role.CanWrite() || !m.MayUse("prod") || m.MayUse("local") {
		t.Fatalf("member = %+v", m)
	}
	if team.IdleTimeout != 10*time.Minute || team.MaxSessions != DefaultMaxSessions || team.MaxPerOperator != DefaultMaxPerOperator {
		t.Fatalf("limits = %+v", team)
	}
	_, other := authorizedLine(t)
	if team.Lookup(other) != nil {
		t.Fatal("an unknown key was found")
	}
}

func TestParseTeamErrorsNameTheLine(t *testing.T) {
	line, _ := authorizedLine(t)
	cases := map[string]string{
		"[operator.ann]\nrole = \"root\"\nprofiles = [\"*\"]\nkeys = [\"" + line + "\"]\n":      `team.toml:2: role "root": want viewer, operator or admin`,
		"[operator.ann]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\"ssh-rsa nonsense\"]\n": "team.toml:4: operator ann: a key is not in authorized_keys format",
		"[operator.ann]\nrole = \"admin\"\nkeys = [\"" + line + "\"]\n":                         "team.toml:1: operator ann has no profiles",
		"max_session = 3\n":       `team.toml:1: unknown key "max_session"`,
		"idle_timeout = \"5s\"\n": "idle_timeout must be a duration of at least 1m",
		"[operator.ann]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\"" + line + "\"]\n[operator.bob]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\"" + line + "\"]\n": "is listed for both ann and bob",
		"[team]\n": "team.toml:1: unknown table [team]",
		// A second [operator.ann] is refused when the file is read, not
		// merged into the first.
		"[operator.ann]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\"" + line + "\"]\n\n[operator.ann]\nrole = \"viewer\"\n": "team.toml:6: table [operator.ann] is already defined on line 1",
		"[operator.ann]\nrole = \"admin\"\nrole = \"viewer\"\n":                                                                  `team.toml:3: duplicate key "role" in [operator.ann] (first set on line 2)`,
		"max_sessions = 3\n[operator.ann]\nrole = admin\n":                                                                       `team.toml:3: unexpected character U+0061 'a' at start of value (strings need quotes, like "admin")`,
	}
	for src, want := range cases {
		_, err := ParseTeam("team.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

func TestLoadTeamRefusesAFileOthersCanRead(t *testing.T) {
	line, _ := authorizedLine(t)
	path := filepath.Join(t.TempDir(), "team.toml")
	src := "[operator.ann]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\"" + line + "\"]\n"
	if err := os.WriteFile(path, []byte(src), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := LoadTeam(path)
	if err == nil || !strings.Contains(err.Error(), "accessible by group or others (mode 0640)") || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("error = %v", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTeam(path); err != nil {
		t.Fatal(err)
	}
}

func TestHostKeyIsCreatedPrivateAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "host")
	k1, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("host key file: %v %v", info, err)
	}
	k2, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if gossh.FingerprintSHA256(k1.PublicKey()) != gossh.FingerprintSHA256(k2.PublicKey()) {
		t.Fatal("the host key changed between starts")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := HostKey(path); err == nil {
		t.Fatal("a world-readable host key was used")
	}
}

// A session with no input for the team's idle timeout is ended, and one
// that typed recently is not.
func TestIdleSessionsEnd(t *testing.T) {
	line, _ := authorizedLine(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "team.toml")
	src := "idle_timeout = \"5m\"\n[operator.ann]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\"" + line + "\"]\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	hk, err := HostKey(filepath.Join(dir, "host"))
	if err != nil {
		t.Fatal(err)
	}
	log, err := OpenAudit(filepath.Join(dir, "audit.jsonl"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	srv, err := New(Options{HostKey: hk, TeamPath: path, Profile: "prod", Audit: log,
		NewConsole: func(*Session) (Console, error) { return Console{}, nil }, Clock: clock.NewFake(now)})
	if err != nil {
		t.Fatal(err)
	}
	idle := &Session{ID: "a", Operator: "ann"}
	idle.lastInput.Store(now.Add(-5 * time.Minute).UnixNano())
	busy := &Session{ID: "b", Operator: "ann"}
	busy.lastInput.Store(now.Add(-4 * time.Minute).UnixNano())
	srv.sessions["a"], srv.sessions["b"] = idle, busy
	srv.endIdle()
	if idle.endReason() != "idle for 5m0s" || busy.endReason() != "" {
		t.Fatalf("idle %q, busy %q", idle.endReason(), busy.endReason())
	}
}

// A pairing window the session opened and did not close is named when the
// session ends; one it closed, or that failed to open, is not.
func TestSessionAuditTracksOpenPairingWindows(t *testing.T) {
	log, err := OpenAudit(filepath.Join(t.TempDir(), "audit.jsonl"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	a := log.For("ann", "s1", "127.0.0.1:5000")
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	a.Audit(acapi.AuditEntry{Time: at, Service: "zc-bind", Method: "openGatewayMatch", Params: map[string]any{"gatewayDeviceId": int64(41), "time": 60}})
	a.Audit(acapi.AuditEntry{Time: at, Service: "zc-bind", Method: "openGatewayMatch", Params: map[string]any{"gatewayDeviceId": int64(42), "time": 60}})
	a.Audit(acapi.AuditEntry{Time: at, Service: "zc-bind", Method: "openGatewayMatch", Params: map[string]any{"gatewayDeviceId": int64(43)}, Code: 3807, Error: "offline"})
	a.Audit(acapi.AuditEntry{Time: at, Service: "zc-bind", Method: "closeGatewayMatch", Params: map[string]any{"gatewayDeviceId": int64(41)}})
	if got := a.OpenWindows(); got != "42" {
		t.Fatalf("open windows = %q, want 42", got)
	}
	es, err := log.Read("ann")
	if err != nil || len(es) != 4 {
		t.Fatalf("entries %v %v", es, err)
	}
	for _, e := range es {
		if e.Session != "s1" || e.Source != "127.0.0.1:5000" || e.Operator != "ann" || e.Profile != "prod" {
			t.Fatalf("entry %+v", e)
		}
	}
}

// An edit of the team file that does not parse keeps the team in force;
// the next good edit is taken.
func TestBadTeamEditKeepsTheTeam(t *testing.T) {
	line, key := authorizedLine(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "team.toml")
	good := "[operator.ann]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\"" + line + "\"]\n"
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	hk, err := HostKey(filepath.Join(dir, "host"))
	if err != nil {
		t.Fatal(err)
	}
	log, err := OpenAudit(filepath.Join(dir, "audit.jsonl"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	srv, err := New(Options{HostKey: hk, TeamPath: path, Profile: "prod", Audit: log,
		NewConsole: func(*Session) (Console, error) { return Console{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(good+"[operator.bob]\nrole = \"boss\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.reload(false); err == nil {
		t.Fatal("a broken team file was taken")
	}
	if srv.Team().Lookup(key) == nil {
		t.Fatal("a broken edit locked ann out")
	}
	if err := os.WriteFile(path, []byte("# nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.reload(false); err != nil {
		t.Fatal(err)
	}
	if srv.Team().Lookup(key) != nil {
		t.Fatal("ann is still on a team that no longer lists her")
	}
}
