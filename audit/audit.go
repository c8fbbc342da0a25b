// Package audit appends every write the console makes to a JSON-lines file
// (one object per line, append-only, mode 0600) and reads it back for the
// :audit view.
package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

// Entry is one line of the audit file. The type lives in models, so
// that the console's :audit view shows the file's own entries.
type Entry = models.AuditEntry

// DefaultOperator names the person at the keyboard when nothing else does:
// the OS account's login name, else its uid ("uid 1000"), never "".
func DefaultOperator() string {
	if u, err := user.Current(); err == nil {
		if u.Username != "" {
			return u.Username
		}
		if u.Uid != "" {
			return "uid " + u.Uid
		}
	}
	return "uid " + strconv.Itoa(os.Getuid())
}

// Log is an acapi.Auditor writing to a file.
type Log struct {
	path     string
	profile  string
	operator string // for entries that name none

	mu     sync.Mutex
	f      *os.File
	reason string
	err    error
}

// Open opens (creating) the audit file for appending.
func Open(path, profile string) (*Log, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Log{path: path, profile: profile, operator: DefaultOperator(), f: f}, nil
}

// SetReason records why write mode is on; it goes on every entry until
// changed ("" when write mode ends).
func (l *Log) SetReason(r string) {
	l.mu.Lock()
	l.reason = r
	l.mu.Unlock()
}

// Audit implements acapi.Auditor. A write that cannot be recorded is kept
// as an error for Err, because the caller (a key press) cannot wait on disk.
func (l *Log) Audit(e acapi.AuditEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	op := e.Operator
	if op == "" {
		op = l.operator
	}
	line := FromCall(e)
	line.Operator, line.Profile, line.Reason = op, l.profile, l.reason
	l.write(line)
}

// FromCall is the audit line of a call acapi reported; who made it under
// which profile and reason is for the writer to fill in.
func FromCall(e acapi.AuditEntry) Entry {
	return Entry{
		Time: e.Time.UTC(), Operator: e.Operator, ActingUser: e.ActingUser,
		Service: e.Service, Method: e.Method, SubDomain: e.SubDomain, Params: e.Params,
		Code: e.Code, Error: e.Error, TraceID: e.TraceID,
		DurationMS: float64(e.Duration.Microseconds()) / 1000, Note: e.Note, Refused: e.ReadOnlyRefused,
	}
}

// ConsoleService is the service name of entries for writes the console
// refused before any call was made.
const ConsoleService = models.AuditConsoleService

// Refused records a write the console refused before calling the cloud
// (read-only mode): what was tried, and why it was refused.
func (l *Log) Refused(at time.Time, operator, action, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if operator == "" {
		operator = l.operator
	}
	l.write(Entry{Time: at.UTC(), Operator: operator, Profile: l.profile, Service: ConsoleService, Method: action,
		Error: why, Reason: l.reason, Refused: true})
}

func (l *Log) write(e Entry) {
	line, _ := json.Marshal(e)
	if _, err := l.f.Write(append(line, '\n')); err != nil && l.err == nil {
		l.err = err
	}
}

// Err is the first write error, if any.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close closes the file.
func (l *Log) Close() error { return l.f.Close() }

// Path is the file's location.
func (l *Log) Path() string { return l.path }

// Read returns every entry in the file, oldest first. Lines that do not
// parse (a torn last line after a crash) are skipped, not fatal.
func Read(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}
