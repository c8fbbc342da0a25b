package sshserve

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"acconsole/acapi"
	"acconsole/audit"
)

// Entry is one line of the team's audit file: the console's audit line
// plus the SSH session and the address it came from.
type Entry struct {
	audit.Entry
	Session string `json:"session"`
	Source  string `json:"source"`
}

// AuditLog is the team's one audit file, shared by every session.
type AuditLog struct {
	path    string
	profile string
	mu      sync.Mutex
	f       *os.File
	err     error
}

// OpenAudit opens (creating, mode 0600) the team's audit file.
func OpenAudit(path, profile string) (*AuditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &AuditLog{path: path, profile: profile, f: f}, nil
}

// Path is the file's location.
func (l *AuditLog) Path() string { return l.path }

// Close closes the file.
func (l *AuditLog) Close() error { return l.f.Close() }

// Err is the first write error, if any.
func (l *AuditLog) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *AuditLog) write(e Entry) {
	line, _ := json.Marshal(e)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(line, '\n')); err != nil && l.err == nil {
		l.err = err
	}
}

// Read returns the team's entries, oldest first; operator != "" keeps only
// that operator's. Lines that do not parse are skipped.
func (l *AuditLog) Read(operator string) ([]Entry, error) {
	return ReadAudit(l.path, operator)
}

// ReadAudit reads a team audit file (see AuditLog.Read).
func ReadAudit(path, operator string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Entry
	for len(data) > 0 {
		i := 0
		for i < len(data) && data[i] != '\n' {
			i++
		}
		var e Entry
		if json.Unmarshal(data[:i], &e) == nil && (operator == "" || e.Operator == operator) {
			out = append(out, e)
		}
		if i < len(data) {
			i++
		}
		data = data[i:]
	}
	return out, nil
}

// SessionAudit writes one session's entries: the operator is the key's
// owner whatever the entry says, and every line carries the session id and
// source address. It implements acapi.Auditor.
type SessionAudit struct {
	log      *AuditLog
	operator string
	session  string
	source   string
	mu       sync.Mutex
	reason   string
	windows  map[string]bool // gateways with a pairing window this session opened
}

// For returns the auditor of one session.
func (l *AuditLog) For(operator, session, source string) *SessionAudit {
	return &SessionAudit{log: l, operator: operator, session: session, source: source}
}

// SetReason records why write mode is on ("" when it ends).
func (a *SessionAudit) SetReason(r string) {
	a.mu.Lock()
	a.reason = r
	a.mu.Unlock()
}

func (a *SessionAudit) entry(e audit.Entry) Entry {
	a.mu.Lock()
	e.Reason = a.reason
	a.mu.Unlock()
	e.Operator = a.operator
	e.Profile = a.log.profile
	e.Time = e.Time.UTC()
	return Entry{Entry: e, Session: a.session, Source: a.source}
}

// Audit implements acapi.Auditor.
func (a *SessionAudit) Audit(e acapi.AuditEntry) {
	a.track(e)
	a.log.write(a.entry(audit.FromCall(e)))
}

// Refused records a write the console refused before calling the cloud.
func (a *SessionAudit) Refused(at time.Time, action, why string) {
	a.log.write(a.entry(audit.Entry{Time: at, Service: audit.ConsoleService, Method: action, Error: why, Refused: true}))
}

// Event records something the server did for the session (it started,
// ended, was refused a limit, left a pairing window to its timeout).
func (a *SessionAudit) Event(method, note string) {
	a.log.write(a.entry(audit.Entry{Time: time.Now(), Service: ServerService, Method: method, Note: note}))
}

// ServerService is the service name of the server's own entries.
const ServerService = "ssh"

// OpenWindows lists the gateways on which this session opened a pairing
// window that it did not close ("" when none).
func (a *SessionAudit) OpenWindows() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]string, 0, len(a.windows))
	for id := range a.windows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

func (a *SessionAudit) track(e acapi.AuditEntry) {
	if e.Code != 0 || e.ReadOnlyRefused || e.Error != "" {
		return
	}
	id := fmt.Sprint(e.Params["gatewayDeviceId"])
	a.mu.Lock()
	defer a.mu.Unlock()
	switch e.Method {
	case "openGatewayMatch":
		if a.windows == nil {
			a.windows = map[string]bool{}
		}
		a.windows[id] = true
	case "closeGatewayMatch":
		delete(a.windows, id)
	}
}
