package ui

import (
	"image"
	"image/color"
	"io"
	"strings"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/vt"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// emulate draws a frame on a vt emulator the way a terminal receives it
// (UI_GUIDE §4.5: \n becomes \r\n without a tty; the emulator's replies
// are drained).
func emulate(t testing.TB, frame string, w, h int) *vt.Emulator {
	t.Helper()
	emu := vt.NewEmulator(w, h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, emu)
	}()
	t.Cleanup(func() {
		if c, ok := emu.InputPipe().(io.Closer); ok {
			_ = c.Close()
		}
		<-done
		_ = emu.Close()
	})
	if _, err := emu.WriteString(strings.ReplaceAll(frame, "\n", "\r\n")); err != nil {
		t.Fatal(err)
	}
	return emu
}

// cellShade is 1 for exact black, 0 for exact white, -1 for anything else
// (theme colours, the terminal default): a QR drawn in those would depend
// on the terminal and is not accepted.
func cellShade(c color.Color) int {
	if c == nil {
		return -1
	}
	r, g, b, _ := c.RGBA()
	switch {
	case r == 0 && g == 0 && b == 0:
		return 1
	case r == 0xffff && g == 0xffff && b == 0xffff:
		return 0
	}
	return -1
}

// decodeScreenQR finds the half-block QR on an emulated screen, reads its
// modules from the cells' colours and decodes it with zxing.
func decodeScreenQR(t testing.TB, cellAt func(x, y int) *uv.Cell, w, h int) string {
	t.Helper()
	minX, minY, maxX, maxY := w, h, -1, -1
	for y := range h {
		for x := range w {
			c := cellAt(x, y)
			if c == nil || c.Content != "▀" || cellShade(c.Style.Fg) < 0 || cellShade(c.Style.Bg) < 0 {
				continue
			}
			minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
		}
	}
	if maxX < 0 {
		t.Fatal("no QR code on the screen")
	}
	cols, rows := maxX-minX+1, maxY-minY+1
	grid := make([][]bool, 2*rows)
	for y := range grid {
		grid[y] = make([]bool, cols)
	}
	for y := range rows {
		for x := range cols {
			c := cellAt(minX+x, minY+y)
			if c == nil || c.Content != "▀" {
				t.Fatalf("cell %d,%d of the QR is %v", minX+x, minY+y, c)
			}
			top, bot := cellShade(c.Style.Fg), cellShade(c.Style.Bg)
			if top < 0 || bot < 0 {
				t.Fatalf("cell %d,%d is not black and white", minX+x, minY+y)
			}
			grid[2*y][x], grid[2*y+1][x] = top == 1, bot == 1
		}
	}
	const scale = 6
	img := image.NewGray(image.Rect(0, 0, cols*scale, 2*rows*scale))
	for y := range 2 * rows * scale {
		for x := range cols * scale {
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
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8"})
	if err != nil {
		t.Fatalf("the screen's QR does not decode: %v", err)
	}
	return res.GetText()
}
