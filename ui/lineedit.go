package ui

import (
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"acconsole/models"
)

// lineEdit is a one-line text field for the workflow forms. It is ours
// rather than bubbles/textinput because the forms re-render (and
// recompute previews) on every key and must be testable without a cursor
// blink timer; it keeps no styles and allocates only on edits.
type lineEdit struct {
	r   []rune
	pos int
	// accept filters typed runes (nil accepts printable text).
	accept func(r rune) bool
}

func newLineEdit(s string) lineEdit {
	e := lineEdit{}
	e.set(s)
	return e
}

func (e *lineEdit) set(s string) {
	e.r = []rune(s)
	e.pos = len(e.r)
}

func (e *lineEdit) value() string { return string(e.r) }

// key applies an editing key; changed reports a change of the text, ok
// whether the key was an editing key at all.
func (e *lineEdit) key(m tea.KeyPressMsg) (changed, ok bool) {
	switch m.String() {
	case "backspace", "ctrl+h":
		if e.pos > 0 {
			e.r = append(e.r[:e.pos-1], e.r[e.pos:]...)
			e.pos--
			return true, true
		}
		return false, true
	case "delete", "ctrl+d":
		if e.pos < len(e.r) {
			e.r = append(e.r[:e.pos], e.r[e.pos+1:]...)
			return true, true
		}
		return false, true
	case "left", "ctrl+b":
		e.pos = max(e.pos-1, 0)
		return false, true
	case "right", "ctrl+f":
		e.pos = min(e.pos+1, len(e.r))
		return false, true
	case "home", "ctrl+a":
		e.pos = 0
		return false, true
	case "end", "ctrl+e":
		e.pos = len(e.r)
		return false, true
	case "ctrl+u":
		changed = len(e.r) > 0
		e.r, e.pos = e.r[:0], 0
		return changed, true
	case "ctrl+k":
		changed = e.pos < len(e.r)
		e.r = e.r[:e.pos]
		return changed, true
	}
	text := m.Text
	if m.String() == "space" {
		text = " "
	}
	if text == "" {
		return false, false
	}
	return e.insert(text), true
}

// paste inserts text (newlines become spaces: the fields are one line).
func (e *lineEdit) paste(s string) bool {
	return e.insert(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s))
}

func (e *lineEdit) insert(text string) bool {
	var add []rune
	for len(text) > 0 {
		r, n := utf8.DecodeRuneInString(text)
		text = text[n:]
		if r < ' ' || r == 0x7f || (e.accept != nil && !e.accept(r)) {
			continue
		}
		add = append(add, r)
	}
	if len(add) == 0 {
		return false
	}
	tail := append(add, e.r[e.pos:]...)
	e.r = append(e.r[:e.pos], tail...)
	e.pos += len(add)
	return true
}

// view draws the text with a block cursor when focused, cut to w cells
// around the cursor.
func (e *lineEdit) view(focused bool, w int, cursor lipgloss.Style) string {
	s := models.SanitizeLine(string(e.r))
	r := []rune(s)
	pos := min(e.pos, len(r))
	start := 0
	if w > 1 && pos >= w {
		start = pos - w + 1
	}
	end := min(len(r), start+max(w, 1))
	if !focused {
		return string(r[start:end])
	}
	var b strings.Builder
	b.WriteString(string(r[start:pos]))
	under := " "
	if pos < len(r) {
		under = string(r[pos])
	}
	b.WriteString(cursor.Render(under))
	if pos+1 < end {
		b.WriteString(string(r[pos+1 : end]))
	}
	return b.String()
}

// cycleField moves a form's focus for next_field/prev_field over n areas,
// wrapping around; ok is false for any other key.
func cycleField(k KeyMap, m tea.KeyPressMsg, cur, n int) (int, bool) {
	switch {
	case k.Is(m, ActNextField):
		return (cur + 1) % n, true
	case k.Is(m, ActPrevField):
		return (cur + n - 1) % n, true
	}
	return cur, false
}
