package audit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"acconsole/acapi"
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
	if s := FormatParams(got[0].Params); s != "deviceId=3 name=Lamp" {
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
