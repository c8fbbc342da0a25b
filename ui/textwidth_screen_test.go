package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"acconsole/internal/vtscreen"
)

// A device named in CJK with a joined emoji (设备 = 4 cells, the family =
// 2 cells) keeps its row inside the screen on a terminal: every column of
// the row is still there, and no row spills into the next.
func TestScreenWideDeviceNameKeepsItsRow(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, hgt := size[0], size[1]
		api := newFakeAPI()
		api.devices[42][0].Name = "设备👩\u200d👩\u200d👧\u200d👦 客厅 e\u0301clairage du salon et de la cuisine"
		app := New(Options{API: api, Keys: DefaultKeyMap(), Clock: parkedClock(t), Profile: Profile{Name: "test", Router: "http://r", MajorDomain: "acme", CanWrite: true}})
		tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, hgt))
		scr := vtscreen.New(w, hgt, tm.Output())
		scr.WaitFor(t, "users 1–")
		for _, k := range ":user 42" {
			tm.Send(tea.KeyPressMsg{Code: k, Text: string(k)})
		}
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		text := scr.WaitFor(t, "A1B2C3D4E5F60001", "A1B2C3D4E5F60002")
		var row string
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, "设备") {
				row = l
			}
		}
		if !strings.Contains(row, "A1B2C3D4E5F60001") || !strings.Contains(row, "owner") {
			t.Fatalf("%dx%d: the row lost columns: %q\n%s", w, hgt, row, text)
		}
		if !strings.Contains(row, "设备👩\u200d👩\u200d👧\u200d👦") {
			t.Fatalf("%dx%d: the name was cut inside a character: %q", w, hgt, row)
		}
		_ = tm.Quit()
	}
}
