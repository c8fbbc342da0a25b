// Package qr draws QR codes in a terminal: device share codes and WeChat
// binding URLs that an operator's customer scans from the screen.
//
// Encoding is github.com/skip2/go-qrcode (it picks the best mask); drawing
// is ours. Two module rows share one text row through the upper half block
// "▀": its foreground paints the top module and its background the bottom
// one. Colours are always explicit black and white, never theme colours or
// the terminal's defaults, so the code scans the same on dark and light
// terminals (a light-on-dark code is what scanners fail on). Results are
// cached, because View runs after every message and the code never changes
// while it is on screen.
package qr

import (
	"container/list"
	"errors"
	"fmt"
	"strings"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// Level is the error-correction level.
type Level uint8

const (
	// LevelM recovers about 15% damage: the default, robust against a
	// terminal font that leaves thin gaps between cells.
	LevelM Level = iota
	// LevelL recovers about 7%, for a smaller code when space is tight.
	LevelL
)

func (l Level) String() string {
	if l == LevelL {
		return "L"
	}
	return "M"
}

// Mode is how modules become cells.
type Mode uint8

const (
	// HalfBlock draws two module rows per text row with "▀": a square-ish
	// code of N columns and N/2 rows.
	HalfBlock Mode = iota
	// ASCII draws each module as two spaces with a background colour, one
	// module row per text row (2N columns, N rows). For terminals that draw
	// block elements double-width (East-Asian ambiguous set to wide) or with
	// gaps between half blocks.
	ASCII
)

// DefaultQuiet is the quiet zone, in modules, callers should pass to Render
// unless they have room for more. The standard asks for 4; UI_GUIDE §6
// recommends 2 in a terminal (4 when it is wide enough), which saves four
// rows and columns, and the tests decode codes drawn with it.
const DefaultQuiet = 2

// maxQuiet bounds the quiet zone a caller can ask for.
const maxQuiet = 16

// Size is what a rendered code occupies.
type Size struct {
	Width  int // cells
	Height int // text rows
	// Modules is the side of the symbol without quiet zone; Version the QR
	// version (1–40); Level the error correction that was used.
	Modules int
	Version int
	Level   Level
}

// Fits reports whether a code of size s fits in w×h cells.
func Fits(s Size, w, h int) bool { return s.Width <= w && s.Height <= h }

// ErrEmpty is returned for an empty payload: there is nothing to scan.
var ErrEmpty = errors.New("qr: empty payload")

// ErrTooLong wraps the encoder's refusal of a payload too long for a QR code.
var ErrTooLong = errors.New("qr: payload too long for a QR code")

// ErrDoesNotFit is returned by RenderFit when no level or mode fits.
var ErrDoesNotFit = errors.New("qr: code does not fit")

// Options select how a payload is drawn.
type Options struct {
	Quiet int   // quiet zone in modules, 0–16
	Level Level // LevelM falls back to LevelL when the payload needs it
	Mode  Mode
}

type cacheKey struct {
	payload string
	opts    Options
}

type cacheEntry struct {
	key  cacheKey
	s    string
	size Size
}

// Renderer renders and caches codes. It is safe for concurrent use (a tea.Cmd
// may pre-render a code off the UI goroutine).
type Renderer struct {
	mu      sync.Mutex
	max     int
	entries map[cacheKey]*list.Element
	order   *list.List // front = most recently used
}

// NewRenderer returns a renderer that keeps the capacity most recently used
// codes (at least 1).
func NewRenderer(capacity int) *Renderer {
	return &Renderer{max: max(capacity, 1), entries: map[cacheKey]*list.Element{}, order: list.New()}
}

// A few entries cover everything on screen at once (a share dialog, its
// ASCII fallback and a second device) with room to flip back and forth.
var defaultRenderer = NewRenderer(16)

// Render draws payload with half blocks at level M (L if M cannot hold it)
// and a quiet zone of quiet modules, from the cache when it was drawn before.
func Render(payload string, quiet int) (string, Size, error) {
	return defaultRenderer.Render(payload, Options{Quiet: quiet})
}

// RenderWith is Render with every option.
func RenderWith(payload string, o Options) (string, Size, error) {
	return defaultRenderer.Render(payload, o)
}

// RenderFit is the largest-first choice a QR dialog needs: half blocks at
// level M, then at level L, in w×h cells with quiet modules of quiet zone.
// It returns ErrDoesNotFit (with the smallest size tried) when neither fits,
// so the caller can say how big the terminal must be.
func RenderFit(payload string, quiet, w, h int, mode Mode) (string, Size, error) {
	return defaultRenderer.RenderFit(payload, quiet, w, h, mode)
}

// RenderFit is the Renderer form of the package function.
func (r *Renderer) RenderFit(payload string, quiet, w, h int, mode Mode) (string, Size, error) {
	var last Size
	for _, lvl := range []Level{LevelM, LevelL} {
		s, size, err := r.Render(payload, Options{Quiet: quiet, Level: lvl, Mode: mode})
		if err != nil {
			return "", size, err
		}
		if Fits(size, w, h) {
			return s, size, nil
		}
		last = size
	}
	return "", last, fmt.Errorf("%w: needs %d×%d, have %d×%d", ErrDoesNotFit, last.Width, last.Height, w, h)
}

// Render draws payload with the given options, from the cache when it can.
func (r *Renderer) Render(payload string, o Options) (string, Size, error) {
	if payload == "" {
		return "", Size{}, ErrEmpty
	}
	o.Quiet = min(max(o.Quiet, 0), maxQuiet)
	key := cacheKey{payload, o}

	r.mu.Lock()
	if el, ok := r.entries[key]; ok {
		r.order.MoveToFront(el)
		e := el.Value.(*cacheEntry)
		r.mu.Unlock()
		return e.s, e.size, nil
	}
	r.mu.Unlock()

	// Encode outside the lock: it takes about a millisecond, and two
	// goroutines rendering the same payload at once just do it twice.
	bm, size, err := encode(payload, o.Level)
	if err != nil {
		return "", Size{}, err
	}
	var s string
	if o.Mode == ASCII {
		s, size.Width, size.Height = drawASCII(bm, o.Quiet)
	} else {
		s, size.Width, size.Height = drawHalfBlocks(bm, o.Quiet)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.entries[key]; ok {
		r.order.MoveToFront(el)
		e := el.Value.(*cacheEntry)
		return e.s, e.size, nil
	}
	r.entries[key] = r.order.PushFront(&cacheEntry{key: key, s: s, size: size})
	for r.order.Len() > r.max {
		old := r.order.Back()
		r.order.Remove(old)
		delete(r.entries, old.Value.(*cacheEntry).key)
	}
	return s, size, nil
}

// Len is the number of cached codes.
func (r *Renderer) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.order.Len()
}

// encode returns the module bitmap (true = dark) without quiet zone.
func encode(payload string, lvl Level) ([][]bool, Size, error) {
	levels := []Level{lvl}
	if lvl == LevelM {
		levels = append(levels, LevelL)
	}
	var err error
	for _, l := range levels {
		var q *qrcode.QRCode
		q, err = qrcode.New(payload, recovery(l))
		if err != nil {
			continue
		}
		// We draw our own quiet zone, of the size the caller chose.
		q.DisableBorder = true
		bm := q.Bitmap()
		return bm, Size{Modules: len(bm), Version: q.VersionNumber, Level: l}, nil
	}
	return nil, Size{}, fmt.Errorf("%w (%d bytes): %v", ErrTooLong, len(payload), err)
}

func recovery(l Level) qrcode.RecoveryLevel {
	if l == LevelL {
		return qrcode.Low
	}
	return qrcode.Medium
}

// The four cell looks of the half-block renderer, by (top dark, bottom
// dark). Written as raw SGR: one sequence per run of equal cells, and no
// styling library in a loop over 2 000 cells.
const (
	sgrBlack = "0;0;0"
	sgrWhite = "255;255;255"
	reset    = "\x1b[m"
	upper    = "▀"
)

func sgr(fg, bg string) string {
	return "\x1b[38;2;" + fg + ";48;2;" + bg + "m"
}

var halfStyles = [2][2]string{
	{sgr(sgrWhite, sgrWhite), sgr(sgrWhite, sgrBlack)}, // top light
	{sgr(sgrBlack, sgrWhite), sgr(sgrBlack, sgrBlack)}, // top dark
}

var fullStyles = [2]string{"\x1b[48;2;" + sgrWhite + "m", "\x1b[48;2;" + sgrBlack + "m"}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dark reports the module at (x, y) of the symbol with a quiet zone of q
// around it; everything outside the symbol is light.
func dark(bm [][]bool, q, x, y int) bool {
	x, y = x-q, y-q
	n := len(bm)
	if x < 0 || y < 0 || x >= n || y >= n {
		return false
	}
	return bm[y][x]
}

// drawHalfBlocks draws two module rows per text row. An odd module count
// leaves the last text row with a light bottom half, which only widens the
// quiet zone below by half a module.
func drawHalfBlocks(bm [][]bool, q int) (string, int, int) {
	side := len(bm) + 2*q
	rows := (side + 1) / 2
	var b strings.Builder
	// About half the cells start a run (an SGR of ~36 bytes) in a typical
	// symbol (measured: 23 bytes per cell): size the buffer so it does not
	// have to grow.
	b.Grow(rows * (side*(len(upper)+24) + len(reset) + 1))
	for ty := range rows {
		if ty > 0 {
			b.WriteByte('\n')
		}
		prev := -1
		for x := range side {
			top := b2i(dark(bm, q, x, 2*ty))
			bot := b2i(dark(bm, q, x, 2*ty+1))
			if st := top<<1 | bot; st != prev {
				b.WriteString(halfStyles[top][bot])
				prev = st
			}
			b.WriteString(upper)
		}
		// Reset at the end of each row so the last background does not leak
		// into whatever the caller places after it.
		b.WriteString(reset)
	}
	return b.String(), side, rows
}

// drawASCII draws each module as two background-coloured spaces.
func drawASCII(bm [][]bool, q int) (string, int, int) {
	side := len(bm) + 2*q
	var b strings.Builder
	b.Grow(side * (side*12 + len(reset) + 1)) // measured: 9.4 bytes per module
	for y := range side {
		if y > 0 {
			b.WriteByte('\n')
		}
		prev := -1
		for x := range side {
			d := b2i(dark(bm, q, x, y))
			if d != prev {
				b.WriteString(fullStyles[d])
				prev = d
			}
			b.WriteString("  ")
		}
		b.WriteString(reset)
	}
	return b.String(), 2 * side, side
}
