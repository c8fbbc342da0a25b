package table

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/models"
	"acconsole/themes"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// device is shaped like the console's device list rows.
type device struct {
	ID         int64
	Physical   string
	Name       string
	Product    string
	Firmware   string
	Online     bool
	LastOnline time.Time
	Owner      string
}

var deviceColumns = []Column{
	{Key: "id", Title: "ID", Width: 7, Align: AlignRight},
	{Key: "physical", Title: "Physical ID", Width: 14},
	{Key: "name", Title: "Name", Flex: 3, MinWidth: 10},
	{Key: "product", Title: "Product", Flex: 1, MinWidth: 6},
	{Key: "firmware", Title: "Firmware", Width: 9},
	{Key: "status", Title: "Status", Width: 7, Align: AlignCenter},
	{Key: "last", Title: "Last online", Width: 16},
	{Key: "owner", Title: "Owner", Flex: 1, MinWidth: 6},
}

func deviceID(d device) string { return strconv.FormatInt(d.ID, 10) }

func deviceCells(d device) []string {
	status := "offline"
	if d.Online {
		status = "online"
	}
	return []string{
		strconv.FormatInt(d.ID, 10),
		d.Physical,
		d.Name,
		d.Product,
		d.Firmware,
		status,
		d.LastOnline.UTC().Format("2006-01-02 15:04"),
		d.Owner,
	}
}

func deviceTone(d device, col int) Tone {
	if col == 5 {
		if d.Online {
			return ToneOK
		}
		return ToneOffline
	}
	return ToneDefault
}

func newDeviceTable(s *themes.Styles) *Table[device] {
	return New(Options[device]{
		Columns: deviceColumns,
		ID:      deviceID,
		Cells:   deviceCells,
		Tone:    deviceTone,
		Styles:  s,
		Empty:   "No devices",
	})
}

var baseTime = time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)

// sampleDevices is a fixed, varied set: CJK, emoji, combining marks, names
// that went through SanitizeLine, very long names, numbers that sort
// differently as text.
func sampleDevices() []device {
	names := []string{
		"客厅插座",
		"Kitchen plug",
		"卧室空调控制器超长名字测试一二三四五六七八九十",
		"Küche Steckdose",
		"👨‍👩‍👧 family plug",
		"⚠️ boiler",
		models.SanitizeLine("evil\x1b]0;pwned\x07name\r\n\u202eoops\x1b[2J"),
		"ｆｕｌｌｗｉｄｔｈ lamp",
		"e\u0301clair light",
		"거실 조명",
		"Gateway 10",
		"Gateway 9",
		"A very long device name that certainly does not fit anywhere at all",
		"🇨🇳 flag sensor",
		"สวัสดี sensor",
		"plain",
	}
	products := []string{"plug", "gateway", "空调", "sensor"}
	out := make([]device, len(names))
	for i, n := range names {
		out[i] = device{
			ID:         int64([]int{3, 10, 2, 100, 7, 1, 55, 8, 9, 12, 11, 4, 6, 13, 14, 5}[i]),
			Physical:   fmt.Sprintf("AC%012X", 0xBEEF00+i*7919),
			Name:       n,
			Product:    products[i%len(products)],
			Firmware:   []string{"1.9.2", "1.10.0", "1.2.10", "0.9"}[i%4],
			Online:     i%3 != 0,
			LastOnline: baseTime.Add(-time.Duration(i) * 37 * time.Minute),
			Owner:      []string{"alice", "张伟", "bob@example.com", ""}[i%4],
		}
	}
	return out
}

// checkLines asserts the table's core layout promise.
func checkLines(t *testing.T, out string, w, h int, ctx string) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if out != "" {
			t.Fatalf("%s: want empty view, got %q", ctx, out)
		}
		return
	}
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("%s: %d lines, want %d", ctx, len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw != w {
			t.Fatalf("%s: line %d width %d, want %d: %q", ctx, i, lw, w, ansi.Strip(l))
		}
		if sw := ansi.StringWidth(l); sw != w {
			t.Fatalf("%s: line %d ansi width %d, want %d", ctx, i, sw, w)
		}
		for _, r := range ansi.Strip(l) {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("%s: line %d has control %U", ctx, i, r)
			}
		}
	}
}

func ids(rows []device) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = deviceID(r)
	}
	return out
}
