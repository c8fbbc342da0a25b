// Package vtscreen shows a program's output on a terminal emulator, so that
// end-to-end tests read the screen a person sees rather than the byte
// stream: after its first frame Bubble Tea writes only the cells that
// changed, so a phrase on screen may never appear whole in the stream
// (UI_GUIDE §4.5).
package vtscreen

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/vt"
)

// Screen is a w×h terminal fed from a program's output.
type Screen struct {
	mu  sync.Mutex
	emu *vt.Emulator
}

// New starts feeding out into a w×h emulator until out ends with an error
// other than io.EOF (teatest's output reader reports EOF while the program
// is still running, so EOF only means "nothing yet").
func New(w, h int, out io.Reader) *Screen {
	s := &Screen{emu: vt.NewEmulator(w, h)}
	go func() { _, _ = io.Copy(io.Discard, s.emu) }() // the emulator's replies to queries
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				// A test writer has no tty to turn \n into \r\n; without
				// it rows drift right.
				chunk := bytes.ReplaceAll(buf[:n], []byte("\n"), []byte("\r\n"))
				s.mu.Lock()
				_, _ = s.emu.Write(chunk)
				s.mu.Unlock()
			}
			if errors.Is(err, io.EOF) {
				time.Sleep(2 * time.Millisecond)
				continue
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// Text is the screen as plain text, one line per row.
func (s *Screen) Text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}

// Snapshot copies every cell at one instant, so a reader (a QR decoder, say)
// never sees half of one frame and half of the next. The result answers
// like Emulator.CellAt: nil outside the screen.
func (s *Screen) Snapshot() func(x, y int) *uv.Cell {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, h := s.emu.Width(), s.emu.Height()
	cells := make([]*uv.Cell, w*h)
	for y := range h {
		for x := range w {
			if c := s.emu.CellAt(x, y); c != nil {
				cp := *c
				cells[y*w+x] = &cp
			}
		}
	}
	return func(x, y int) *uv.Cell {
		if x < 0 || y < 0 || x >= w || y >= h {
			return nil
		}
		return cells[y*w+x]
	}
}

// WaitFor waits up to 20 s until the screen shows every phrase at once and
// returns that screen; the generous limit keeps a loaded CI machine from
// failing a test that is merely slow.
func (s *Screen) WaitFor(t testing.TB, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := s.Text()
		ok := true
		for _, w := range want {
			if !strings.Contains(scr, w) {
				ok = false
				break
			}
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %q; it shows:\n%s", want, scr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
