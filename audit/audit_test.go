package audit

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

func TestAuditFileRoundTripAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "audit.jsonl")
	l, err := Open(path, "local")
	if err != nil {
		t.Fatal(err)
	}
	l.SetReason("SUP-1 rename for customer")
	l.Audit(acapi.AuditEntry{Time: time.Unix(100, 0), Operator: "alice", ActingUser: 7, Service: "zc-bind", Method: "modifyDevice",
		Params: map[string]any{"deviceId": 3, "name": "Lamp"}, TraceID: "t1", Duration: 1500 * time.Microsecond})
	l.Audit(acapi.AuditEntry{Time: time.Unix(101, 0), Operator: "alice", Service: "zc-bind", Method: "unbindDevice", Code: 3821, Error: "owner mismatch", Note: "explicit note"})
	l.Close()
	// A torn last line (crash mid-write) must not hide the good ones.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"20`)
	f.Close()

	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("audit file mode %v, want 0600", st.Mode().Perm())
	}
	got, err := Read(path)
	if err != nil || len(got) != 2 {
		t.Fatalf("read %d entries, %v", len(got), err)
	}
	if got[0].Reason != "SUP-1 rename for customer" || got[0].Profile != "local" || got[0].ActingUser != 7 || got[0].DurationMS != 1.5 {
		t.Fatalf("first entry %+v", got[0])
	}
	// A call's note goes in its own field: the write-mode reason stays.
	if got[1].Reason != "SUP-1 rename for customer" || got[1].Note != "explicit note" || got[1].Code != 3821 {
		t.Fatalf("second entry %+v", got[1])
	}
	if s := got[0].ParamsText(); s != "deviceId=3 name=Lamp" {
		t.Fatalf("params %q", s)
	}
}

// With $USER unset, entries still name the OS account (as `id -un` does).
func TestAuditOperatorWithoutUSER(t *testing.T) {
	t.Setenv("USER", "")
	t.Setenv("USERNAME", "")
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		t.Fatalf("id -un: %v", err)
	}
	want := strings.TrimSpace(string(out))
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, "local")
	if err != nil {
		t.Fatal(err)
	}
	l.Audit(acapi.AuditEntry{Time: time.Unix(100, 0), Service: "zc-bind", Method: "modifyDevice"})
	l.Refused(time.Unix(101, 0), "", "Device: rename", "read-only: type :write")
	l.Close()
	got, err := Read(path)
	if err != nil || len(got) != 2 {
		t.Fatalf("read %d entries, %v", len(got), err)
	}
	for _, e := range got {
		if e.Operator != want {
			t.Fatalf("operator %q, want the OS account %q", e.Operator, want)
		}
	}
	if !got[1].Refused || got[1].Method != "Device: rename" || got[1].Error != "read-only: type :write" {
		t.Fatalf("refused entry %+v", got[1])
	}
}

// The file format is the JSON of models.AuditEntry: a line written by
// hand, as an older console wrote it, reads back field by field, and an
// entry with the same fields is written as that very line.
func TestAuditLineFormat(t *testing.T) {
	const line = `{"time":"2026-11-28T10:00:00Z","operator":"alice","profile":"prod","actingUser":42,"service":"zc-bind","method":"modifyDevice","subDomain":"plug","params":{"deviceId":900,"name":"Lamp"},"code":3821,"error":"owner mismatch","traceId":"t-1","durationMs":1.5,"reason":"SUP-1","note":"ticket 9","refusedReadOnly":true}`
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil || len(got) != 1 {
		t.Fatalf("read %d entries, %v", len(got), err)
	}
	e := got[0]
	if !e.Time.Equal(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) || e.Operator != "alice" || e.Profile != "prod" || e.ActingUser != 42 ||
		e.Service != "zc-bind" || e.Method != "modifyDevice" || e.SubDomain != "plug" || e.Params["deviceId"] != float64(900) || e.Params["name"] != "Lamp" ||
		e.Code != 3821 || e.Error != "owner mismatch" || e.TraceID != "t-1" || e.DurationMS != 1.5 || e.Reason != "SUP-1" || e.Note != "ticket 9" || !e.Refused {
		t.Fatalf("the line read as %+v", e)
	}
	out, err := json.Marshal(models.AuditEntry{Time: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), Operator: "alice", Profile: "prod", ActingUser: 42,
		Service: "zc-bind", Method: "modifyDevice", SubDomain: "plug", Params: map[string]any{"deviceId": 900, "name": "Lamp"},
		Code: 3821, Error: "owner mismatch", TraceID: "t-1", DurationMS: 1.5, Reason: "SUP-1", Note: "ticket 9", Refused: true})
	if err != nil || string(out) != line {
		t.Fatalf("written as\n%s\nwant\n%s (%v)", out, line, err)
	}
	// The optional fields are left out when empty; the others never are.
	if out, _ := json.Marshal(models.AuditEntry{Time: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), Service: "zc-bind", Method: "m"}); string(out) !=
		`{"time":"2026-11-28T10:00:00Z","operator":"","profile":"","service":"zc-bind","method":"m","code":0,"durationMs":0}` {
		t.Fatalf("a bare entry is written as %s", out)
	}
}
