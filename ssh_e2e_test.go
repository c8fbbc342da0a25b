package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"acconsole/cloud"
	"acconsole/internal/vtscreen"
	"acconsole/sshserve"
	"acconsole/ui"
)

// teamServer is the real ssh-serve (local cloud, team file, team audit)
// on a loopback port.
type teamServer struct {
	t        testing.TB
	limits   string // the team file's first lines
	banner   string // what ssh-serve printed on start
	srv      *sshserve.Server
	addr     string
	hostKey  gossh.PublicKey
	teamPath string
	keys     map[string]gossh.Signer
	roles    map[string]string
	dev      cloud.DeveloperFile
	km       ui.KeyMap
}

func newKey(t testing.TB) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeTeam writes a team file (mode 0600) for the named operators.
func (ts *teamServer) writeTeam(ids ...string) {
	ts.t.Helper()
	var b strings.Builder
	limits := ts.limits
	if limits == "" {
		limits = "max_sessions = 10\nmax_sessions_per_operator = 2\n"
	}
	b.WriteString(limits)
	for _, id := range ids {
		fmt.Fprintf(&b, "\n[operator.%s]\nname = %q\nrole = %q\nprofiles = [\"local\"]\nkeys = [%q]\n",
			id, strings.ToUpper(id[:1])+id[1:], ts.roles[id], strings.TrimSpace(string(gossh.MarshalAuthorizedKey(ts.keys[id].PublicKey())))+" "+id+"@laptop")
	}
	tmp := ts.teamPath + ".new"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		ts.t.Fatal(err)
	}
	if err := os.Rename(tmp, ts.teamPath); err != nil {
		ts.t.Fatal(err)
	}
}

func startTeamServer(t testing.TB) *teamServer {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	return startTeamServerWith(t, "")
}

func startTeamServerWith(t testing.TB, limits string) *teamServer {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("ACCONSOLE_CONFIG", "")
	ts := &teamServer{t: t, limits: limits, teamPath: filepath.Join(dir, "team.toml"), keys: map[string]gossh.Signer{},
		roles: map[string]string{"alice": "admin", "bob": "operator", "vic": "viewer"}}
	for id := range ts.roles {
		ts.keys[id] = newKey(t)
	}
	ts.writeTeam("alice", "bob", "vic")
	ctx, cancel := context.WithCancel(context.Background())
	var banner strings.Builder
	srv, ln, cleanup, err := startSSH(ctx, sshFlags{listen: "127.0.0.1:0", team: ts.teamPath, console: consoleFlags{demo: 300, lang: "en"}}, &banner)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done; cancel(); cleanup() })
	ts.srv, ts.addr = srv, ln.Addr().String()
	hk, err := sshserve.HostKey(filepath.Join(dataDir(), "ssh_host_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	ts.hostKey = hk.PublicKey()
	ts.banner = banner.String()
	if ts.dev, err = cloud.ReadDeveloperFile(filepath.Join(dataDir(), cloud.DeveloperFileName)); err != nil {
		t.Fatal(err)
	}
	ts.km, _ = buildKeyMap(nil)
	return ts
}

func (ts *teamServer) dial(key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User: "support", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(ts.hostKey), Timeout: 20 * time.Second,
	})
}

// term is one operator's ssh session, read on a vt-emulated screen and
// driven by the bytes a terminal sends.
type term struct {
	t      testing.TB
	ts     *teamServer
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	scr    *vtscreen.Screen
}

func (ts *teamServer) login(id string, w, h int) *term {
	ts.t.Helper()
	c, err := ts.dial(ts.keys[id])
	if err != nil {
		ts.t.Fatalf("%s: %v", id, err)
	}
	return ts.open(c, w, h)
}

// open starts a console session on an existing connection.
func (ts *teamServer) open(c *gossh.Client, w, h int) *term {
	ts.t.Helper()
	s, err := c.NewSession()
	if err != nil {
		ts.t.Fatal(err)
	}
	if err := s.Setenv("COLORTERM", "truecolor"); err != nil {
		// The server accepts env requests; a refusal is not fatal here.
		_ = err
	}
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		ts.t.Fatal(err)
	}
	in, err := s.StdinPipe()
	if err != nil {
		ts.t.Fatal(err)
	}
	out, err := s.StdoutPipe()
	if err != nil {
		ts.t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		ts.t.Fatal(err)
	}
	tm := &term{t: ts.t, ts: ts, client: c, sess: s, in: in, scr: vtscreen.New(w, h, out)}
	ts.t.Cleanup(func() { c.Close() })
	return tm
}

// keyBytes is what a terminal sends for a key name of the keymap.
func keyBytes(k string) string {
	switch k {
	case "enter":
		return "\r"
	case "esc":
		return "\x1b"
	case "down":
		return "\x1b[B"
	case "up":
		return "\x1b[A"
	case "tab":
		return "\t"
	}
	if strings.HasPrefix(k, "ctrl+") && len(k) == 6 {
		return string(rune(k[5] - 'a' + 1))
	}
	return k
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.in, s); err != nil {
		tm.t.Fatal(err)
	}
}

func (tm *term) press(action string) {
	tm.t.Helper()
	b := tm.ts.km.Get(action)
	if len(b.Keys) == 0 {
		tm.t.Fatalf("no key for %s", action)
	}
	tm.send(keyBytes(b.Keys[0]))
}

func (tm *term) command(s string) {
	tm.t.Helper()
	tm.press(ui.ActCommand)
	tm.send(s)
	tm.press(ui.ActOpen)
}

func (ts *teamServer) auditEntries() []sshserve.Entry {
	ts.t.Helper()
	es, err := sshserve.ReadAudit(filepath.Join(stateDir(), "team-audit.jsonl"), "")
	if err != nil {
		ts.t.Fatal(err)
	}
	return es
}

// waitAudit waits until an entry matches.
func (ts *teamServer) waitAudit(what string, match func(sshserve.Entry) bool) sshserve.Entry {
	ts.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, e := range ts.auditEntries() {
			if match(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("the team audit log never showed %s: %+v", what, ts.auditEntries())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitSessions waits until the server has n sessions open.
func (ts *teamServer) waitSessions(n int) {
	ts.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(ts.srv.Sessions()) != n {
		if time.Now().After(deadline) {
			ts.t.Fatalf("sessions open: %+v, want %d", ts.srv.Sessions(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSSHKnownKeyGetsConsoleUnknownKeyRefused(t *testing.T) {
	ts := startTeamServer(t)
	// The start banner shows the host key's fingerprint as ssh shows it.
	if fp := gossh.FingerprintSHA256(ts.hostKey); !strings.Contains(ts.banner, "host key      "+fp) {
		t.Fatalf("banner lacks the host key fingerprint %s:\n%s", fp, ts.banner)
	}
	a := ts.login("alice", 120, 40)
	a.scr.WaitFor(t, "op alice", "users 1–", "read-only")

	// A key not in the team file never reaches a console.
	if c, err := ts.dial(newKey(t)); err == nil {
		c.Close()
		t.Fatal("an unknown key was let in")
	} else if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("unknown key: %v", err)
	}
	for _, e := range ts.auditEntries() {
		if e.Method == "session-start" && e.Operator != "alice" {
			t.Fatalf("a session started for %+v", e)
		}
	}
	start := ts.waitAudit("alice's session start", func(e sshserve.Entry) bool {
		return e.Method == "session-start" && e.Operator == "alice"
	})
	if start.Session == "" || !strings.HasPrefix(start.Source, "127.0.0.1:") {
		t.Fatalf("session start without session id or source: %+v", start)
	}
}

func TestSSHViewerWriteRefusedAndAudited(t *testing.T) {
	ts := startTeamServer(t)
	v := ts.login("vic", 120, 40)
	v.scr.WaitFor(t, "op vic", "users 1–")
	v.command("write")
	v.scr.WaitFor(t, "write mode refused: vic is a viewer")
	e := ts.waitAudit("vic's refused :write", func(e sshserve.Entry) bool {
		return e.Operator == "vic" && e.Refused && e.Method == "write mode"
	})
	if e.Session == "" || !strings.HasPrefix(e.Source, "127.0.0.1:") || !strings.Contains(e.Error, "viewer") {
		t.Fatalf("refusal entry: %+v", e)
	}
	// The header still says read-only.
	v.scr.WaitFor(t, "read-only")
}

func TestSSHTwoSessionsKeepTheirOwnViewsAndModes(t *testing.T) {
	ts := startTeamServer(t)
	a := ts.login("alice", 120, 40)
	b := ts.login("bob", 120, 40)
	a.scr.WaitFor(t, "op alice", "users 1–")
	b.scr.WaitFor(t, "op bob", "users 1–")

	b.command("write")
	b.scr.WaitFor(t, "reason for write mode:")
	b.send("SUP-7 check")
	b.press(ui.ActOpen)
	b.scr.WaitFor(t, "WRITE ")
	if strings.Contains(a.scr.Text(), "WRITE ") {
		t.Fatal("bob's write mode showed in alice's session")
	}

	a.command("sessions")
	scr := a.scr.WaitFor(t, "Sessions", "bob", "WRITE", "alice")
	if !strings.Contains(scr, "operator") || !strings.Contains(scr, "admin") {
		t.Fatalf("sessions view lacks roles:\n%s", scr)
	}
	// Bob is still on the users list, and may not see the sessions.
	if strings.Contains(b.scr.Text(), "Sessions") {
		t.Fatal("alice's view showed in bob's session")
	}
	b.command("sessions")
	b.scr.WaitFor(t, "for admins only")

	// The audit: alice (admin) sees bob's entries; bob sees only his own.
	a.command("audit")
	a.scr.WaitFor(t, "ssh session-start", "bob")
	b.command("audit")
	scr = b.scr.WaitFor(t, "ssh session-start")
	if strings.Contains(scr, "alice") {
		t.Fatalf("bob's :audit shows alice's entries:\n%s", scr)
	}
}

func TestSSHResizeReachesTheSession(t *testing.T) {
	ts := startTeamServer(t)
	b := ts.login("bob", 120, 40)
	b.scr.WaitFor(t, "users 1–")
	if err := b.sess.WindowChange(20, 60); err != nil {
		t.Fatal(err)
	}
	b.scr.WaitFor(t, "terminal too small: 60×20")
	if err := b.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	b.scr.WaitFor(t, "users 1–")
}

// Closing the client while a write waits for its yes sends nothing, and
// the audit log says how the session ended.
func TestSSHClosedMidDialogLeavesNoWrite(t *testing.T) {
	ts := startTeamServer(t)
	b := ts.login("bob", 120, 40)
	b.scr.WaitFor(t, "users 1–")
	b.command("write")
	b.scr.WaitFor(t, "reason for write mode:")
	b.send("SUP-8 refund")
	b.press(ui.ActOpen)
	b.scr.WaitFor(t, "WRITE ")
	b.command("call vendor-billing/refund")
	b.scr.WaitFor(t, "Call a service")
	b.send(keyBytes("ctrl+u"))
	b.send(`{"order":7}`)
	b.scr.WaitFor(t, "write: needs write mode and a yes")
	b.press(ui.ActOpen)
	b.scr.WaitFor(t, `Call vendor-billing/refund v1 as the developer with {"order":7}?`)
	b.client.Close()

	end := ts.waitAudit("bob's session end", func(e sshserve.Entry) bool {
		return e.Operator == "bob" && e.Method == "session-end"
	})
	if !strings.Contains(end.Note, "connection closed") {
		t.Fatalf("session end: %+v", end)
	}
	for _, e := range ts.auditEntries() {
		if e.Service == "vendor-billing" {
			t.Fatalf("a write went out after the client left: %+v", e)
		}
	}
	if len(ts.srv.Sessions()) != 0 {
		t.Fatalf("sessions still open: %+v", ts.srv.Sessions())
	}
}

func TestSSHRemovedOperatorSessionEnds(t *testing.T) {
	ts := startTeamServer(t)
	b := ts.login("bob", 120, 40)
	b.scr.WaitFor(t, "users 1–")
	ts.writeTeam("alice", "vic")
	b.scr.WaitFor(t, "session ended: operator bob was removed from the team file")
	ts.waitAudit("bob's session end", func(e sshserve.Entry) bool {
		return e.Operator == "bob" && e.Method == "session-end" && strings.Contains(e.Note, "removed")
	})
	if _, err := ts.dial(ts.keys["bob"]); err == nil {
		t.Fatal("a removed operator's key still logs in")
	}
}

// No screen of a session shows the developer's secret key: not the
// console, not a :call answer, not an error.
func TestSSHScreensNeverShowTheSecretKey(t *testing.T) {
	ts := startTeamServer(t)
	secret := ts.dev.SecretKey
	if len(secret) < 16 {
		t.Fatalf("secret key %q is too short to search for", secret)
	}
	a := ts.login("alice", 120, 40)
	var seen []string
	look := func(s string) {
		seen = append(seen, s)
		if strings.Contains(s, secret) || strings.Contains(s, secret[:12]) {
			t.Fatalf("the secret key is on screen:\n%s", s)
		}
	}
	look(a.scr.WaitFor(t, "users 1–"))
	a.command("call device-history/listEvents")
	look(a.scr.WaitFor(t, "Call a service"))
	a.press(ui.ActOpen)
	look(a.scr.WaitFor(t, "HISTORY (1)", "physicalDeviceId is required"))
	a.client.Close()
	ts.waitSessions(0)
	// A write the console refuses, in a session of its own.
	a = ts.login("alice", 120, 40)
	look(a.scr.WaitFor(t, "users 1–"))
	a.command("call no-such-service/nothing")
	look(a.scr.WaitFor(t, "no-such-service"))
	a.send(keyBytes("ctrl+u") + `{"a":1}`)
	look(a.scr.WaitFor(t, "write: needs write mode and a yes"))
	a.press(ui.ActOpen)
	look(a.scr.WaitFor(t, "read-only: type :write"))
	a.client.Close()
	ts.waitSessions(0)
	a = ts.login("alice", 120, 40)
	look(a.scr.WaitFor(t, "users 1–"))
	a.command("audit")
	look(a.scr.WaitFor(t, "Audit"))
	a.command("sessions")
	look(a.scr.WaitFor(t, "Sessions"))
	if len(seen) < 6 {
		t.Fatal("not every screen was checked")
	}
}

// refusedSession opens a session that the server is expected to refuse,
// and returns what it printed.
func (ts *teamServer) refusedSession(id string) (string, error) {
	ts.t.Helper()
	c, err := ts.dial(ts.keys[id])
	if err != nil {
		ts.t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		ts.t.Fatal(err)
	}
	if err := s.RequestPty("xterm", 40, 120, gossh.TerminalModes{}); err != nil {
		ts.t.Fatal(err)
	}
	out, err := s.CombinedOutput("")
	return string(out), err
}

// The server-wide limit refuses one session more than it allows.
func TestSSHSessionLimitTotal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud with a demo world")
	}
	ts := startTeamServerWith(t, "max_sessions = 2\nmax_sessions_per_operator = 2\n")
	ts.login("alice", 120, 40).scr.WaitFor(t, "op alice")
	ts.login("bob", 120, 40).scr.WaitFor(t, "op bob")
	if out, err := ts.refusedSession("vic"); err == nil || !strings.Contains(out, "the server is full (2 sessions)") {
		t.Fatalf("third session: %v %q", err, out)
	}
	ts.waitAudit("the refused session", func(e sshserve.Entry) bool {
		return e.Operator == "vic" && e.Method == "session-refused" && strings.Contains(e.Note, "full")
	})
}

// The team's per-operator limit refuses a third session of bob, says why,
// and audits the refusal; alice is not affected.
func TestSSHSessionLimitPerOperator(t *testing.T) {
	ts := startTeamServer(t)
	for range 2 {
		ts.login("bob", 120, 40).scr.WaitFor(t, "op bob")
	}
	if out, err := ts.refusedSession("bob"); err == nil || !strings.Contains(out, "bob already has 2 sessions open") {
		t.Fatalf("third session: %v %q", err, out)
	}
	ts.waitAudit("the refused session", func(e sshserve.Entry) bool {
		return e.Operator == "bob" && e.Method == "session-refused"
	})
	ts.login("alice", 120, 40).scr.WaitFor(t, "op alice")
	if n := len(ts.srv.Sessions()); n != 3 {
		t.Fatalf("%d sessions open, want 3", n)
	}
}

// firstFrame logs in with the given environment and returns the session's
// output up to its first full frame (the header with the operator).
func (ts *teamServer) firstFrame(id string, env map[string]string) string {
	ts.t.Helper()
	c, err := ts.dial(ts.keys[id])
	if err != nil {
		ts.t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		ts.t.Fatal(err)
	}
	for k, v := range env {
		if err := s.Setenv(k, v); err != nil {
			ts.t.Fatal(err)
		}
	}
	if err := s.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		ts.t.Fatal(err)
	}
	out, _ := s.StdoutPipe()
	if err := s.Shell(); err != nil {
		ts.t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		var all []byte
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			all = append(all, buf[:n]...)
			if strings.Contains(string(all), "op "+id) || err != nil {
				got <- string(all)
				return
			}
		}
	}()
	select {
	case s := <-got:
		return s
	case <-time.After(30 * time.Second):
		ts.t.Fatal("no first frame")
		return ""
	}
}

// Each session draws in its own terminal's colours: the client's TERM and
// COLORTERM decide, the host's environment never does.
func TestSSHColourProfileIsTheSessions(t *testing.T) {
	ts := startTeamServer(t)
	t.Setenv("COLORTERM", "truecolor") // the host's: must not leak into sessions
	trueColour := regexp.MustCompile("\x1b\\[[0-9;]*[34]8;2;")
	colour256 := regexp.MustCompile("\x1b\\[[0-9;]*[34]8;5;")

	plain := ts.firstFrame("bob", nil)
	if trueColour.MatchString(plain) || !colour256.MatchString(plain) {
		t.Fatalf("xterm-256color without COLORTERM: want 256-colour SGR only, got %q", plain[:min(len(plain), 600)])
	}
	ts.waitSessions(0)
	rich := ts.firstFrame("bob", map[string]string{"COLORTERM": "truecolor"})
	if !trueColour.MatchString(rich) {
		t.Fatalf("COLORTERM=truecolor: want truecolor SGR, got %q", rich[:min(len(rich), 600)])
	}
}

// A config or team file that group or others can read is refused before
// anything starts, with the fix in the message.
func TestSSHServeRefusesFilesOthersCanRead(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("ACCONSOLE_CONFIG", "")
	team := filepath.Join(dir, "team.toml")
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(newKey(t).PublicKey())))
	if err := os.WriteFile(team, []byte("[operator.ann]\nrole = \"admin\"\nprofiles = [\"*\"]\nkeys = [\""+line+"\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("default_profile = \"local\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	flags := sshFlags{listen: "127.0.0.1:0", team: team, console: consoleFlags{configPath: cfg, lang: "en"}}
	_, _, cleanup, err := startSSH(context.Background(), flags, io.Discard)
	cleanup()
	if err == nil || !strings.Contains(err.Error(), "config: "+cfg+" is accessible by group or others (mode 0644)") {
		t.Fatalf("readable config: %v", err)
	}
	if err := os.Chmod(cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(team, 0o604); err != nil {
		t.Fatal(err)
	}
	_, _, cleanup, err = startSSH(context.Background(), flags, io.Discard)
	cleanup()
	if err == nil || !strings.Contains(err.Error(), "team file: "+team+" is accessible by group or others (mode 0604)") {
		t.Fatalf("readable team file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir(), "ssh_host_ed25519")); err == nil {
		t.Fatal("a host key was made although the server refused to start")
	}
}

// A key monkey in a viewer's session: a few hundred keys of the default
// keymap and plain characters, as a terminal sends them, in a fixed random
// order. The console survives, still knows who is at the keyboard, and
// nothing reached the cloud as a write.
func TestSSHKeyMonkeyInOneSession(t *testing.T) {
	ts := startTeamServer(t)
	v := ts.login("vic", 120, 40)
	v.scr.WaitFor(t, "op vic", "users 1–")
	var keys []string
	for _, b := range ts.km.All() {
		if b.Action == ui.ActQuit {
			continue
		}
		for _, k := range b.Keys {
			if bs := keyBytes(k); k != "q" && k != "ctrl+c" && (len(k) == 1 || bs != k) {
				keys = append(keys, bs)
			}
		}
	}
	keys = append(keys, "a", "7", " ", "/", "\x7f", "\x1b[C", "\x1b[D", "\x1b[5~", "\x1b[6~", "\t",
		// Bracketed pastes, as the console's key monkey pastes: CJK, a
		// joined emoji, and an escape sequence that must stay text.
		"\x1b[200~客厅插座\x1b[201~", "\x1b[200~👩\u200d👩\u200d👧\u200d👦\x1b[201~", "\x1b[200~\x1b]0;pwned\x07x\x1b[201~")
	rng := mathrand.New(mathrand.NewPCG(15, 2026))
	for range 400 {
		v.send(keys[rng.IntN(len(keys))])
	}
	// Still alive and drawing: a resize re-lays the screen out whatever
	// page or input the monkey left open.
	if err := v.sess.WindowChange(20, 60); err != nil {
		t.Fatal(err)
	}
	v.scr.WaitFor(t, "terminal too small: 60×20")
	if err := v.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	v.scr.WaitFor(t, "op vic")
	if n := len(ts.srv.Sessions()); n != 1 {
		t.Fatalf("%d sessions open after the monkey, want 1", n)
	}
	for _, e := range ts.auditEntries() {
		if e.Service != sshserve.ServerService && !e.Refused {
			t.Fatalf("a write went out from a viewer's session: %+v", e)
		}
	}
}

// Two sessions on one connection (as ssh's connection sharing makes) are
// two consoles, each with its own page.
func TestSSHTwoSessionsOnOneConnection(t *testing.T) {
	ts := startTeamServer(t)
	first := ts.login("bob", 120, 40)
	second := ts.open(first.client, 100, 30)
	first.scr.WaitFor(t, "op bob", "users 1–")
	second.scr.WaitFor(t, "op bob", "users 1–")
	ts.waitSessions(2)
	second.command("audit")
	second.scr.WaitFor(t, "ssh session-start")
	if strings.Contains(first.scr.Text(), "ssh session-start") {
		t.Fatal("the second session's page showed in the first")
	}
	ids := map[string]bool{}
	for _, v := range ts.srv.Sessions() {
		ids[v.ID] = true
	}
	if len(ids) != 2 {
		t.Fatalf("sessions %+v", ts.srv.Sessions())
	}
}
