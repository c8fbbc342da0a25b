package vtscreen

import (
	"io"
	"strings"
	"testing"
)

func TestScreenShowsCellDiffsAsAPersonSeesThem(t *testing.T) {
	pr, pw := io.Pipe()
	s := New(20, 3, pr)
	// A first frame, then a cell-level change the way a renderer sends it:
	// "last key: x" never appears whole in the byte stream.
	go func() {
		_, _ = io.WriteString(pw, "last key: y\nline 2")
		_, _ = io.WriteString(pw, "\x1b[1;11Hx")
	}()
	s.WaitFor(t, "last key: x", "line 2")
	if strings.Contains(s.Text(), "last key: y") {
		t.Fatal("the overwritten cell still shows")
	}
	cell := s.Snapshot()
	if c := cell(10, 0); c == nil || c.Content != "x" {
		t.Fatalf("cell 10,0 = %v", c)
	}
	if cell(25, 0) != nil || cell(0, -1) != nil {
		t.Fatal("cells outside the screen are not nil")
	}
	pw.Close()
}
