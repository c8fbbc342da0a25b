package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The form field moves and deletes by character as a reader sees it, and
// its view is cut by cells: "设备👩‍👩‍👧‍👦" is 3 characters, 6 cells.
func TestLineEditByCharacterAndCell(t *testing.T) {
	const family = "👩\u200d👩\u200d👧\u200d👦"
	e := newLineEdit("设备" + family)
	e.key(tea.KeyPressMsg{Code: tea.KeyLeft})
	e.key(tea.KeyPressMsg{Code: tea.KeyBackspace}) // deletes 备, not a piece of anything
	if got := e.value(); got != "设"+family {
		t.Fatalf("after left, backspace: %q", got)
	}
	e.key(tea.KeyPressMsg{Code: tea.KeyEnd})
	e.key(tea.KeyPressMsg{Code: tea.KeyBackspace}) // the whole family goes at once
	if got := e.value(); got != "设" {
		t.Fatalf("backspace after the family left %q", got)
	}
	e.set("Cafe")
	e.key(tea.KeyPressMsg{Text: "\u0301", Code: 0x301}) // a combining accent joins the e
	e.key(tea.KeyPressMsg{Code: tea.KeyLeft})
	e.key(tea.KeyPressMsg{Code: tea.KeyBackspace})
	if got := e.value(); got != "Cae\u0301" {
		t.Fatalf("the accent did not stay with its e: %q", got)
	}

	// View: 10 CJK characters (20 cells) in 9 cells, cursor at the end.
	e.set("一二三四五六七八九十")
	for _, focused := range []bool{true, false} {
		v := e.view(focused, 9, lipgloss.NewStyle())
		if w := ansi.StringWidth(v); w > 9 {
			t.Fatalf("focused=%v: view %q is %d cells, more than 9", focused, v, w)
		}
	}
	if v := ansi.Strip(e.view(true, 9, lipgloss.NewStyle())); v != "七八九十 " {
		t.Fatalf("view at the end = %q, want the last four characters and the cursor", v)
	}
}
