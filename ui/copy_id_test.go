package ui

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// y on a device page puts its physical id on the terminal's clipboard
// (Bubble Tea's OSC 52 command) and says what was copied; an unbound
// device, whose other keys are off, copies its id too.
func TestDevicePageCopiesPhysicalID(t *testing.T) {
	h := newWFHarness(t, newFakeAPI(), 120, 40)
	h.command("device 900")
	h.must("客厅插座", "y copy physical id")
	h.press("y")
	if h.clip != "A1B2C3D4E5F60001" {
		t.Fatalf("clipboard = %q, want the plug's physical id", h.clip)
	}
	h.must("copied to the clipboard (OSC 52): A1B2C3D4E5F60001")
}

// The README's example of adding a key is the code: each of its lines is
// in the file and function its comment names.
func TestREADMEKeyExampleIsTheCode(t *testing.T) {
	t.Run("descriptions", readmeKeyDescriptionsAreTheCatalog)
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "```go\n// ui/keys.go")
	if start < 0 {
		t.Fatal("the README has no key example under Development")
	}
	block := readme[start+len("```go\n"):]
	block = block[:strings.Index(block, "```")]
	where := regexp.MustCompile(`^// (ui/[a-z_]+\.go)(?:, in (\S+))?:`)
	checked := 0
	lines := strings.Split(block, "\n")
	for i := 0; i+1 < len(lines); i++ {
		m := where.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		code := lines[i+1]
		src, err := os.ReadFile("../" + m[1])
		if err != nil {
			t.Fatal(err)
		}
		body := string(src)
		if fn := m[2]; fn != "" {
			head := "func " + fn + "("
			if recv, name, ok := strings.Cut(strings.TrimPrefix(fn, "(*"), ")."); ok {
				head = "func (p *" + recv + ") " + name + "("
			}
			at := strings.Index(body, head)
			if at < 0 {
				t.Errorf("%s has no %s", m[1], head)
				continue
			}
			body = body[at:]
			body = body[:strings.Index(body, "\n}\n")]
		}
		found := false
		for _, l := range strings.Split(body, "\n") {
			if strings.TrimSpace(l) == code {
				found = true
			}
		}
		if !found {
			t.Errorf("the README says %s has %q (%s), but it does not", m[1], code, lines[i])
		}
		checked++
	}
	if checked != 3 {
		t.Fatalf("checked %d lines of the example, want 3", checked)
	}
}

// readmeKeyDescriptionsAreTheCatalog: the README's TOML lines of the key
// example are in the catalog file and table their comment names.
func readmeKeyDescriptionsAreTheCatalog(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "```toml\n# i18n/messages/keys.")
	if start < 0 {
		t.Fatal("the README's key example has no catalog lines")
	}
	block := readme[start+len("```toml\n"):]
	block = block[:strings.Index(block, "```")]
	where := regexp.MustCompile(`^# (i18n/messages/[a-zA-Z.-]+\.toml), in \[(\S+)\]$`)
	checked := 0
	lines := strings.Split(block, "\n")
	for i := 0; i+1 < len(lines); i++ {
		m := where.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		src, err := os.ReadFile("../" + m[1])
		if err != nil {
			t.Fatal(err)
		}
		body := string(src)
		at := strings.Index(body, "["+m[2]+"]\n")
		if at < 0 {
			t.Errorf("%s has no [%s]", m[1], m[2])
			continue
		}
		body = body[at:]
		if end := strings.Index(body[1:], "\n["); end >= 0 {
			body = body[:end+1]
		}
		if !strings.Contains(body, "\n"+lines[i+1]+"\n") {
			t.Errorf("%s [%s] lacks the README's line %q", m[1], m[2], lines[i+1])
		}
		checked++
	}
	if checked != 2 {
		t.Fatalf("checked %d catalog lines, want the English and the Chinese", checked)
	}
}
