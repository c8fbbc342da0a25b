package models

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// AuditEntry is one line of the console's audit file (JSON lines, written
// and read by package audit, shown by the console's :audit view): a write
// the console made or refused, as the client reported the call, with who
// made it, under which profile and why. The JSON names are the file
// format; changing one makes older files unreadable.
type AuditEntry struct {
	Time       time.Time      `json:"time"`
	Operator   string         `json:"operator"`
	Profile    string         `json:"profile"`
	ActingUser int64          `json:"actingUser,omitempty"`
	Service    string         `json:"service"`
	Method     string         `json:"method"`
	SubDomain  string         `json:"subDomain,omitempty"`
	Params     map[string]any `json:"params,omitempty"`
	Code       int            `json:"code"`
	Error      string         `json:"error,omitempty"`
	TraceID    string         `json:"traceId,omitempty"`
	DurationMS float64        `json:"durationMs"`
	// Reason is the operator's reason for write mode.
	Reason string `json:"reason,omitempty"`
	// Note is what the call itself carried: a ticket id, or a pairing
	// run's summary on its closeGatewayMatch. It never replaces Reason.
	Note    string `json:"note,omitempty"`
	Refused bool   `json:"refusedReadOnly,omitempty"`
}

// AuditConsoleService is the service name of entries for writes the
// console refused before any call was made: their Method is what was
// tried, not a cloud method.
const AuditConsoleService = "console"

// ParamsText renders the parameters as k=v pairs in key order.
func (e AuditEntry) ParamsText() string {
	keys := make([]string, 0, len(e.Params))
	for k := range e.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, e.Params[k]))
	}
	return strings.Join(parts, " ")
}
