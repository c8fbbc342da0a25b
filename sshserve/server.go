package sshserve

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"acconsole/internal/clock"
)

// Console is what the caller builds for one session.
type Console struct {
	Model tea.Model
	// Filter, if set, sees every message before the model (the console's
	// mouse coalescing).
	Filter func(tea.Model, tea.Msg) tea.Msg
	// Close releases what the console holds; it runs once the program ended.
	Close func()
}

// Options configure a Server.
type Options struct {
	HostKey  gossh.Signer
	TeamPath string
	// Profile is the profile every session uses; a member must list it
	// (or "*") in profiles.
	Profile string
	Audit   *AuditLog
	// NewConsole builds the console of an admitted session.
	NewConsole func(s *Session) (Console, error)
	Log        *slog.Logger
	// Tick is how often the team file is checked for changes and idle
	// sessions are ended (0 = 2 s). The file is also checked on every new
	// connection.
	Tick time.Duration
	// Clock is the time of idle and session limits; nil is the wall clock.
	Clock clock.Clock
}

// Server serves consoles over SSH.
type Server struct {
	o    Options
	srv  *ssh.Server
	team atomic.Pointer[Team]

	reloadMu sync.Mutex
	teamSize int64
	teamMod  time.Time

	mu       sync.Mutex
	sessions map[string]*Session
	closed   bool
	admitted sync.Map // ssh.Session → *Session, while its console runs

	stop chan struct{}
	done chan struct{}
}

// Session is one operator's connection.
type Session struct {
	ID       string
	Operator string // the team file's operator id: the audit operator
	Name     string // display name
	Role     Role
	Profile  string
	Source   string // remote address
	Since    time.Time
	KeyFP    string // SHA256 fingerprint of the key that logged in
	Audit    *SessionAudit

	writable  atomic.Bool
	lastInput atomic.Int64 // unix nanoseconds

	mu      sync.Mutex
	program *tea.Program
	reason  string // why the server ended the session
	// closeConsole releases the console once its program has ended.
	closeConsole func()
}

// SetWritable records the session's write mode for :sessions.
func (s *Session) SetWritable(on bool) { s.writable.Store(on) }

// Writable reports the session's write mode.
func (s *Session) Writable() bool { return s.writable.Load() }

// End stops the session's console; reason is shown to the operator and
// audited.
func (s *Session) End(reason string) {
	s.mu.Lock()
	if s.reason == "" {
		s.reason = reason
	}
	p := s.program
	s.mu.Unlock()
	if p != nil {
		p.Quit()
	}
}

func (s *Session) endReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// SessionView is one row of :sessions.
type SessionView struct {
	ID, Operator, Name, Source, Profile string
	Role                                Role
	Since, LastInput                    time.Time
	Writable                            bool
}

// New loads the team file and builds the server.
func New(o Options) (*Server, error) {
	if o.HostKey == nil || o.NewConsole == nil || o.Audit == nil {
		return nil, errors.New("sshserve: host key, console and audit log are required")
	}
	if o.Tick <= 0 {
		o.Tick = 2 * time.Second
	}
	o.Clock = clock.Or(o.Clock)
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{o: o, sessions: map[string]*Session{}, stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.reload(true); err != nil {
		return nil, err
	}
	srv, err := wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(o.HostKey); return nil },
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithMiddleware(bm.MiddlewareWithProgramHandler(s.program), s.admit),
	)
	if err != nil {
		return nil, err
	}
	s.srv = srv
	return s, nil
}

// Fingerprint is the host key's SHA256 fingerprint, as ssh prints it.
func (s *Server) Fingerprint() string { return gossh.FingerprintSHA256(s.o.HostKey.PublicKey()) }

// Team is the team file as last read.
func (s *Server) Team() *Team { return s.team.Load() }

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	go s.watch()
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Close ends every session and stops the server.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	list := s.list()
	s.mu.Unlock()
	close(s.stop)
	for _, ss := range list {
		ss.End("the server is shutting down")
	}
	return s.srv.Close()
}

func (s *Server) list() []*Session {
	out := make([]*Session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}

// Sessions lists the open sessions, oldest first.
func (s *Server) Sessions() []SessionView {
	s.mu.Lock()
	list := s.list()
	s.mu.Unlock()
	out := make([]SessionView, len(list))
	for i, ss := range list {
		out[i] = SessionView{ID: ss.ID, Operator: ss.Operator, Name: ss.Name, Source: ss.Source, Profile: ss.Profile,
			Role: ss.Role, Since: ss.Since, LastInput: time.Unix(0, ss.lastInput.Load()), Writable: ss.Writable()}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// reload re-reads the team file when its size or modification time
// changed. A file that no longer reads keeps the team as it was (and is
// logged), so one bad edit does not lock everyone out; operators removed
// by a good edit lose their open sessions.
func (s *Server) reload(first bool) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	info, err := os.Stat(s.o.TeamPath)
	if err != nil {
		if first {
			return fmt.Errorf("team file: %w", err)
		}
		s.o.Log.Error("team file", "err", err)
		return err
	}
	if !first && info.Size() == s.teamSize && info.ModTime().Equal(s.teamMod) {
		return nil
	}
	team, err := LoadTeam(s.o.TeamPath)
	if !first {
		// Once per change, good or bad: a broken file is reported once,
		// not on every tick until it is fixed.
		s.teamSize, s.teamMod = info.Size(), info.ModTime()
	}
	if err != nil {
		if !first {
			s.o.Log.Error("team file not reloaded; the previous team stays in force", "err", err)
		}
		return err
	}
	s.teamSize, s.teamMod = info.Size(), info.ModTime()
	s.team.Store(team)
	if !first {
		s.o.Log.Info("team file reloaded", "operators", len(team.Members))
	}
	s.mu.Lock()
	list := s.list()
	s.mu.Unlock()
	for _, ss := range list {
		if why := stillAllowed(team, ss, s.o.Profile); why != "" {
			ss.End(why)
		}
	}
	return nil
}

// stillAllowed says why a session may no longer stay open under team.
func stillAllowed(team *Team, ss *Session, profile string) string {
	m := team.Member(ss.Operator)
	if m == nil {
		return "operator " + ss.Operator + " was removed from the team file"
	}
	keyed := false
	for _, k := range m.Keys {
		if gossh.FingerprintSHA256(k) == ss.KeyFP {
			keyed = true
		}
	}
	switch {
	case !keyed:
		return "the key this session logged in with was removed from the team file"
	case m.Role != ss.Role:
		return "your role changed to " + string(m.Role) + "; log in again"
	case !m.MayUse(profile):
		return "profile " + profile + " was taken off your list in the team file"
	}
	return ""
}

func (s *Server) watch() {
	t := time.NewTicker(s.o.Tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_ = s.reload(false)
			s.endIdle()
		}
	}
}

func (s *Server) endIdle() {
	team := s.team.Load()
	now := s.o.Clock.Now()
	s.mu.Lock()
	list := s.list()
	s.mu.Unlock()
	for _, ss := range list {
		if now.Sub(time.Unix(0, ss.lastInput.Load())) >= team.IdleTimeout {
			ss.End("idle for " + team.IdleTimeout.String())
		}
	}
}

// authorize admits only keys listed in the team file for members who may
// use the served profile: an unknown key never reaches a console.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	_ = s.reload(false)
	m := s.team.Load().Lookup(key)
	ok := m != nil && m.MayUse(s.o.Profile)
	if !ok {
		s.o.Log.Warn("ssh key refused", "fingerprint", gossh.FingerprintSHA256(key), "source", ctx.RemoteAddr().String())
	}
	return ok
}

func newID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// admit checks the limits, registers the session, runs the console (next)
// and records how the session ended.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		team := s.team.Load()
		m := team.Lookup(sess.PublicKey())
		if m == nil || !m.MayUse(s.o.Profile) {
			// The key was removed between authentication and now.
			fmt.Fprint(sess.Stderr(), "acconsole: this key is not on the team\r\n")
			_ = sess.Exit(1)
			return
		}
		now := s.o.Clock.Now()
		ss := &Session{ID: newID(), Operator: m.ID, Name: m.Name, Role: m.Role, Profile: s.o.Profile,
			Source: sess.RemoteAddr().String(), Since: now, KeyFP: gossh.FingerprintSHA256(sess.PublicKey())}
		ss.lastInput.Store(now.UnixNano())
		ss.Audit = s.o.Audit.For(ss.Operator, ss.ID, ss.Source)
		if why := s.register(ss, team); why != "" {
			ss.Audit.Event("session-refused", why)
			fmt.Fprintf(sess.Stderr(), "acconsole: %s\r\n", why)
			_ = sess.Exit(1)
			return
		}
		ss.Audit.Event("session-start", "role "+string(ss.Role))
		s.o.Log.Info("session start", "session", ss.ID, "operator", ss.Operator, "source", ss.Source)
		ctx := sess.Context()
		// Keyed by the session, not the connection's context: one
		// connection may carry several sessions.
		s.admitted.Store(sess, ss)
		next(sess) // runs the console's program to its end
		s.admitted.Delete(sess)

		ss.mu.Lock()
		closeConsole := ss.closeConsole
		ss.mu.Unlock()
		if closeConsole != nil {
			closeConsole()
		}
		dropped := ctx.Err() != nil
		why := ss.endReason()
		switch {
		case why != "":
		case dropped:
			why = "connection closed"
		default:
			why = "quit"
		}
		if open := ss.Audit.OpenWindows(); len(open) > 0 {
			why += "; pairing window left open to its timeout on gateway " + open
		}
		s.mu.Lock()
		delete(s.sessions, ss.ID)
		s.mu.Unlock()
		ss.Audit.Event("session-end", why)
		s.o.Log.Info("session end", "session", ss.ID, "operator", ss.Operator, "why", why)
		if !dropped {
			if r := ss.endReason(); r != "" {
				fmt.Fprintf(sess, "\r\nacconsole: session ended: %s\r\n", r)
			}
			_ = sess.Exit(0)
		}
	}
}

// register adds ss unless a limit says no (and says which).
func (s *Server) register(ss *Session, team *Team) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "the server is shutting down"
	}
	if len(s.sessions) >= team.MaxSessions {
		return fmt.Sprintf("the server is full (%d sessions); try again later", team.MaxSessions)
	}
	mine := 0
	for _, o := range s.sessions {
		if o.Operator == ss.Operator {
			mine++
		}
	}
	if mine >= team.MaxPerOperator {
		return fmt.Sprintf("%s already has %d sessions open (the team's limit per operator)", ss.Operator, team.MaxPerOperator)
	}
	s.sessions[ss.ID] = ss
	return ""
}

// program builds the session's Bubble Tea program on its own PTY: size,
// resizes and colour profile come from the SSH session (its TERM and
// environment), never from the host.
func (s *Server) program(sess ssh.Session) (p *tea.Program) {
	v, _ := s.admitted.Load(sess)
	ss, _ := v.(*Session)
	if ss == nil {
		return nil
	}
	defer func() {
		// A console that fails to build ends this session, not the server.
		if r := recover(); r != nil {
			s.o.Log.Error("console panicked", "session", ss.ID, "panic", r)
			fmt.Fprint(sess.Stderr(), "acconsole: the console failed to start\r\n")
			p = nil
		}
	}()
	if _, _, ok := sess.Pty(); !ok {
		fmt.Fprint(sess.Stderr(), "acconsole: the console needs a terminal: connect with ssh -t\r\n")
		return nil
	}
	c, err := s.o.NewConsole(ss)
	if err != nil {
		s.o.Log.Error("console", "session", ss.ID, "err", err)
		fmt.Fprintf(sess.Stderr(), "acconsole: %v\r\n", err)
		return nil
	}
	opts := bm.MakeOptions(sess)
	filter := c.Filter
	opts = append(opts,
		tea.WithInput(&inputReader{r: sess, s: ss, now: s.o.Clock.Now}),
		tea.WithFilter(func(m tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.SuspendMsg); ok {
				return tea.ResumeMsg{}
			}
			if filter != nil {
				return filter(m, msg)
			}
			return msg
		}),
	)
	p = tea.NewProgram(c.Model, opts...)
	ss.mu.Lock()
	ss.program = p
	pending := ss.reason != ""
	ss.mu.Unlock()
	if pending {
		go p.Quit()
	}
	ss.mu.Lock()
	ss.closeConsole = c.Close
	ss.mu.Unlock()
	return p
}

// inputReader notes when the operator last typed, for the idle timeout.
type inputReader struct {
	r   io.Reader
	s   *Session
	now func() time.Time
}

func (r *inputReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.s.lastInput.Store(r.now().UnixNano())
	}
	return n, err
}
