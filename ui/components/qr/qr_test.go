package qr

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

const (
	wechatPayload = `http://we.qq.com/d/AQC7Pp3MMTHeEFxg0GDgTqbsMRCmLHfqLFyyc7dn#{"sub_domain":"plug","share_code":"8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3"}`
	shareCode     = "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3"
)

var (
	black = color.RGBA{0, 0, 0, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// screen feeds a rendered code into a terminal emulator the way a real
// terminal receives it (UI_GUIDE §4.5: "\n" becomes "\r\n" because there is
// no tty to translate it; the emulator's replies are drained so it never
// blocks) and returns the emulator.
func screen(t *testing.T, s string, size Size) *vt.Emulator {
	t.Helper()
	emu := vt.NewEmulator(size.Width, size.Height)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, emu)
	}()
	t.Cleanup(func() {
		// End the drain by closing the reply pipe first: Emulator.Close
		// sets a flag that Read checks without a lock (a data race in x/vt
		// v0.1.0), so it runs only once the reader is gone.
		c, ok := emu.InputPipe().(io.Closer)
		if !ok {
			c = emu
		}
		_ = c.Close()
		<-done
		_ = emu.Close()
	})
	if _, err := emu.WriteString(strings.ReplaceAll(s, "\n", "\r\n")); err != nil {
		t.Fatal(err)
	}
	return emu
}

// isDark classifies a cell colour, failing on anything but exact black or
// white: a theme colour or the terminal default would make the code depend
// on the terminal.
func isDark(t *testing.T, c color.Color, where string) bool {
	t.Helper()
	if c == nil {
		t.Fatalf("%s: terminal default colour, want explicit black or white", where)
	}
	r, g, b, _ := c.RGBA()
	got := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}
	switch got {
	case black:
		return true
	case white:
		return false
	}
	t.Fatalf("%s: colour %v, want #000000 or #FFFFFF", where, got)
	return false
}

// readModules reads the module grid (quiet zone included) back from the
// emulator's cells.
func readModules(t *testing.T, emu *vt.Emulator, size Size, mode Mode) [][]bool {
	t.Helper()
	var grid [][]bool
	switch mode {
	case HalfBlock:
		side := size.Width
		grid = make([][]bool, 2*size.Height)
		for y := range grid {
			grid[y] = make([]bool, side)
		}
		for y := range size.Height {
			for x := range side {
				c := emu.CellAt(x, y)
				where := fmt.Sprintf("cell %d,%d", x, y)
				if c == nil || c.Content != "▀" {
					t.Fatalf("%s: content %v, want ▀", where, c)
				}
				grid[2*y][x] = isDark(t, c.Style.Fg, where+" fg")
				grid[2*y+1][x] = isDark(t, c.Style.Bg, where+" bg")
			}
		}
		grid = grid[:side] // drop the half row added for an odd side
	case ASCII:
		side := size.Height
		grid = make([][]bool, side)
		for y := range side {
			grid[y] = make([]bool, side)
			for x := range side {
				var d [2]bool
				for k := range 2 {
					c := emu.CellAt(2*x+k, y)
					where := fmt.Sprintf("cell %d,%d", 2*x+k, y)
					if c == nil || c.Content != " " {
						t.Fatalf("%s: content %v, want a space", where, c)
					}
					d[k] = isDark(t, c.Style.Bg, where+" bg")
				}
				if d[0] != d[1] {
					t.Fatalf("module %d,%d: its two cells differ", x, y)
				}
				grid[y][x] = d[0]
			}
		}
	}
	return grid
}

// decode scans a module grid with zxing, 6 pixels per module.
func decode(t *testing.T, grid [][]bool) string {
	t.Helper()
	const scale = 6
	n := len(grid)
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for y := range n * scale {
		for x := range n * scale {
			v := uint8(0xff)
			if grid[y/scale][x/scale] {
				v = 0
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8"}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("zxing could not decode the screen: %v", err)
	}
	return res.GetText()
}

func TestScreenDecodesToThePayload(t *testing.T) {
	payloads := map[string]string{
		"wechat": wechatPayload,
		"share":  shareCode,
		"short":  "AC-7Q2K9",
		"utf8":   "客厅插座 share 8mRf",
	}
	for name, payload := range payloads {
		for _, mode := range []Mode{HalfBlock, ASCII} {
			for _, o := range []Options{{Quiet: 2}, {Quiet: 4}, {Quiet: 2, Level: LevelL}} {
				o.Mode = mode
				t.Run(fmt.Sprintf("%s/mode%d/q%d/%s", name, mode, o.Quiet, o.Level), func(t *testing.T) {
					s, size, err := NewRenderer(4).Render(payload, o)
					if err != nil {
						t.Fatal(err)
					}
					if size.Level != o.Level {
						t.Errorf("level %s, want %s", size.Level, o.Level)
					}
					emu := screen(t, s, size)
					grid := readModules(t, emu, size, mode)
					if got, want := len(grid), size.Modules+2*o.Quiet; got != want {
						t.Fatalf("read %d module rows, want %d", got, want)
					}
					checkQuietZone(t, grid, o.Quiet)
					if got := decode(t, grid); got != payload {
						t.Errorf("decoded %q\nwant    %q", got, payload)
					}
				})
			}
		}
	}
}

func checkQuietZone(t *testing.T, grid [][]bool, q int) {
	t.Helper()
	n := len(grid)
	for y := range n {
		for x := range n {
			inside := x >= q && y >= q && x < n-q && y < n-q
			if !inside && grid[y][x] {
				t.Fatalf("dark module %d,%d in the quiet zone", x, y)
			}
		}
	}
	// The finder pattern's corner sits right inside the quiet zone.
	if !grid[q][q] {
		t.Fatalf("module %d,%d should be the finder pattern's dark corner", q, q)
	}
}

func TestLayoutAndStyleRuns(t *testing.T) {
	for _, mode := range []Mode{HalfBlock, ASCII} {
		s, size, err := RenderWith(wechatPayload, Options{Quiet: 2, Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(s, "\n")
		if len(lines) != size.Height {
			t.Fatalf("mode %d: %d lines, size says %d", mode, len(lines), size.Height)
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != size.Width {
				t.Fatalf("mode %d line %d: width %d, want %d", mode, i, w, size.Width)
			}
			if !strings.HasSuffix(l, reset) {
				t.Errorf("mode %d line %d does not end with a reset", mode, i)
			}
			// One style per run: no SGR repeats the one before it.
			seqs := sgrSequences(l)
			for k := 1; k < len(seqs)-1; k++ {
				if seqs[k] == seqs[k-1] {
					t.Fatalf("mode %d line %d: style %q repeated for one run", mode, i, seqs[k])
				}
			}
		}
	}
}

// sgrSequences lists the SGR sequences of a line in order.
func sgrSequences(l string) []string {
	var out []string
	for {
		i := strings.Index(l, "\x1b[")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(l[i:], 'm')
		out = append(out, l[i:i+j+1])
		l = l[i+j+1:]
	}
}

func TestSizesMatchTheGuide(t *testing.T) {
	// UI_GUIDE §6 table (cols×rows, quiet zone 2, byte mode).
	cases := []struct {
		bytes  int
		l, m   [2]int
		fitsIn [2]int // an 80×24 terminal minus header and footer
	}{
		{20, [2]int{29, 15}, [2]int{29, 15}, [2]int{80, 22}},
		{64, [2]int{37, 19}, [2]int{41, 21}, [2]int{80, 22}},
		{100, [2]int{41, 21}, [2]int{45, 23}, [2]int{80, 22}},
		{150, [2]int{49, 25}, [2]int{53, 27}, [2]int{80, 22}},
	}
	r := NewRenderer(8)
	for _, c := range cases {
		payload := strings.Repeat("x", c.bytes)
		for lvl, want := range map[Level][2]int{LevelL: c.l, LevelM: c.m} {
			_, size, err := r.Render(payload, Options{Quiet: 2, Level: lvl})
			if err != nil {
				t.Fatal(err)
			}
			if size.Width != want[0] || size.Height != want[1] {
				t.Errorf("%d bytes at %s: %d×%d, want %d×%d", c.bytes, lvl, size.Width, size.Height, want[0], want[1])
			}
			if Fits(size, c.fitsIn[0], c.fitsIn[1]) != (want[1] <= c.fitsIn[1]) {
				t.Errorf("Fits(%v, %v) wrong", size, c.fitsIn)
			}
		}
	}
}

func TestRenderFit(t *testing.T) {
	r := NewRenderer(8)
	payload := strings.Repeat("x", 100) // M 45×23, L 41×21
	_, size, err := r.RenderFit(payload, 2, 80, 23, HalfBlock)
	if err != nil || size.Level != LevelM {
		t.Errorf("80×23: %v %+v, want level M", err, size)
	}
	_, size, err = r.RenderFit(payload, 2, 80, 22, HalfBlock)
	if err != nil || size.Level != LevelL || size.Height != 21 {
		t.Errorf("80×22: %v %+v, want level L", err, size)
	}
	_, size, err = r.RenderFit(payload, 2, 80, 20, HalfBlock)
	if !errors.Is(err, ErrDoesNotFit) || size.Height != 21 || !strings.Contains(err.Error(), "41×21") {
		t.Errorf("80×20: %v %+v, want ErrDoesNotFit with the smallest size", err, size)
	}
	_, size, err = r.RenderFit(payload, 2, 90, 45, ASCII)
	if err != nil || size.Width != 90 || size.Height != 45 {
		t.Errorf("ASCII fit: %v %+v", err, size)
	}
}

func TestLevelFallbackAndErrors(t *testing.T) {
	r := NewRenderer(4)
	// Version 40 holds 2331 bytes at M and 2953 at L.
	_, size, err := r.Render(strings.Repeat("x", 2500), Options{Quiet: 2})
	if err != nil || size.Level != LevelL {
		t.Errorf("2500 bytes: %v %+v, want a fall back to L", err, size)
	}
	_, _, err = r.Render(strings.Repeat("x", 3000), Options{Quiet: 2})
	if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "3000 bytes") {
		t.Errorf("3000 bytes: %v", err)
	}
	if _, _, err := r.Render("", Options{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	// Quiet zones out of range are clamped, not an error.
	_, size0, _ := r.Render(shareCode, Options{Quiet: -3})
	_, size16, _ := r.Render(shareCode, Options{Quiet: 99})
	if size0.Width != size0.Modules || size16.Width != size16.Modules+2*maxQuiet {
		t.Errorf("clamping: %+v %+v", size0, size16)
	}
}

func TestCache(t *testing.T) {
	r := NewRenderer(2)
	a1, _, _ := r.Render(shareCode, Options{Quiet: 2})
	a2, _, _ := r.Render(shareCode, Options{Quiet: 2})
	if unsafe.StringData(a1) != unsafe.StringData(a2) {
		t.Error("second render of the same payload was not served from the cache")
	}
	b, _, _ := r.Render(shareCode, Options{Quiet: 3})
	if b == a1 || r.Len() != 2 {
		t.Errorf("quiet zone not part of the key (len %d)", r.Len())
	}
	// a is now the least recently used... after touching it, b is.
	_, _, _ = r.Render(shareCode, Options{Quiet: 2})
	_, _, _ = r.Render(wechatPayload, Options{Quiet: 2})
	if r.Len() != 2 {
		t.Errorf("capacity not enforced: %d", r.Len())
	}
	a3, _, _ := r.Render(shareCode, Options{Quiet: 2})
	if unsafe.StringData(a3) != unsafe.StringData(a1) {
		t.Error("the most recently used entry was evicted")
	}
	// The package-level Render shares one cache.
	p1, _, _ := Render(shareCode, DefaultQuiet)
	p2, _, _ := Render(shareCode, DefaultQuiet)
	if unsafe.StringData(p1) != unsafe.StringData(p2) {
		t.Error("Render does not cache")
	}
}

func TestConcurrentRenders(t *testing.T) {
	r := NewRenderer(3)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for k := range 20 {
				p := fmt.Sprintf("%s-%d", shareCode, (i+k)%5)
				s, _, err := r.Render(p, Options{Quiet: 2})
				if err != nil || s == "" {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if r.Len() > 3 {
		t.Errorf("len %d over capacity", r.Len())
	}
}

func BenchmarkRender(b *testing.B) {
	b.Run("first", func(b *testing.B) {
		// A fresh renderer each time: encode + draw, what the first frame
		// of a share dialog pays.
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := NewRenderer(1).Render(wechatPayload, Options{Quiet: 2}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first-ascii", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := NewRenderer(1).Render(wechatPayload, Options{Quiet: 2, Mode: ASCII}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		// Every later frame.
		r := NewRenderer(4)
		_, _, _ = r.Render(wechatPayload, Options{Quiet: 2})
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := r.Render(wechatPayload, Options{Quiet: 2}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("draw-only", func(b *testing.B) {
		// Our drawing alone, without the encoder.
		bm, _, err := encode(wechatPayload, LevelM)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = drawHalfBlocks(bm, 2)
		}
	})
}
