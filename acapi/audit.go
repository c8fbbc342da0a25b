package acapi

import (
	"context"
	"strings"
	"time"
)

// AuditEntry records one mutating call, whether it succeeded or not.
type AuditEntry struct {
	Time       time.Time      `json:"time"`
	Operator   string         `json:"operator"`
	ActingUser int64          `json:"actingUser,omitempty"`
	Service    string         `json:"service"`
	Method     string         `json:"method"`
	SubDomain  string         `json:"subDomain,omitempty"`
	Params     map[string]any `json:"params,omitempty"`
	PayloadLen int            `json:"payloadLen,omitempty"`
	Code       int            `json:"code"` // 0 = success
	Error      string         `json:"error,omitempty"`
	TraceID    string         `json:"traceId"`
	Duration   time.Duration  `json:"durationNs"`
	Note       string         `json:"note,omitempty"`
	// ReadOnlyRefused marks a call stopped by the read-only guard.
	ReadOnlyRefused bool `json:"readOnlyRefused,omitempty"`
}

// Auditor receives every mutating call. It must be safe for concurrent use
// and should not block for long.
type Auditor interface {
	Audit(AuditEntry)
}

// AuditFunc adapts a function to Auditor.
type AuditFunc func(AuditEntry)

// Audit calls f.
func (f AuditFunc) Audit(e AuditEntry) { f(e) }

type noteKey struct{}

// WithAuditNote attaches a note (for example the operator's reason for write
// mode, or a ticket id) to the audit entries of calls made with ctx.
func WithAuditNote(ctx context.Context, note string) context.Context {
	return context.WithValue(ctx, noteKey{}, note)
}

func auditNote(ctx context.Context) string {
	s, _ := ctx.Value(noteKey{}).(string)
	return s
}

// secretKeys are parameter names whose values never reach an audit log.
var secretKeys = map[string]bool{
	"password": true, "old": true, "new": true, "token": true, "refreshtoken": true,
	"accesstoken": true, "secretkey": true, "verifycode": true, "aeskey": true,
	// A share code binds whoever holds it to the device.
	"sharecode": true,
}

func redact(params map[string]any) map[string]any {
	if len(params) == 0 {
		return nil
	}
	out := make(map[string]any, len(params))
	for k, v := range params {
		if secretKeys[strings.ToLower(k)] {
			out[k] = "[redacted]"
			continue
		}
		if m, ok := v.(map[string]any); ok {
			v = redact(m)
		}
		out[k] = v
	}
	return out
}
