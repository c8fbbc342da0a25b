package ui

import (
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"acconsole/models"
	"acconsole/ui/text"
)

// lineEdit is a one-line text field for the workflow forms. It is ours
// rather than bubbles/textinput because the forms re-render (and
// recompute previews) on every key and must be testable without a cursor
// blink timer; it keeps no styles and allocates only on edits. The text is
// kept as characters (grapheme clusters), so the cursor never lands inside
// a family emoji or between a letter and its accent, and the view is cut
// by cells.
type lineEdit struct {
	g   []string
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
	e.g = text.Graphemes(s)
	e.pos = len(e.g)
}

func (e *lineEdit) value() string { return strings.Join(e.g, "") }

// key applies an editing key; changed reports a change of the text, ok
// whether the key was an editing key at all.
func (e *lineEdit) key(m tea.KeyPressMsg) (changed, ok bool) {
	switch m.String() {
	case "backspace", "ctrl+h":
		if e.pos > 0 {
			e.g = append(e.g[:e.pos-1], e.g[e.pos:]...)
			e.pos--
			return true, true
		}
		return false, true
	case "delete", "ctrl+d":
		if e.pos < len(e.g) {
			e.g = append(e.g[:e.pos], e.g[e.pos+1:]...)
			return true, true
		}
		return false, true
	case "left", "ctrl+b":
		e.pos = max(e.pos-1, 0)
		return false, true
	case "right", "ctrl+f":
		e.pos = min(e.pos+1, len(e.g))
		return false, true
	case "home", "ctrl+a":
		e.pos = 0
		return false, true
	case "end", "ctrl+e":
		e.pos = len(e.g)
		return false, true
	case "ctrl+u":
		changed = len(e.g) > 0
		e.g, e.pos = e.g[:0], 0
		return changed, true
	case "ctrl+k":
		changed = e.pos < len(e.g)
		e.g = e.g[:e.pos]
		return changed, true
	}
	t := m.Text
	if m.String() == "space" {
		t = " "
	}
	if t == "" {
		return false, false
	}
	return e.insert(t), true
}

// paste inserts text (newlines become spaces: the fields are one line).
func (e *lineEdit) paste(s string) bool {
	return e.insert(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s))
}

func (e *lineEdit) insert(t string) bool {
	var keep strings.Builder
	for len(t) > 0 {
		r, n := utf8.DecodeRuneInString(t)
		t = t[n:]
		if r < ' ' || r == 0x7f || (e.accept != nil && !e.accept(r)) {
			continue
		}
		keep.WriteRune(r)
	}
	if keep.Len() == 0 {
		return false
	}
	// Re-split around the cursor: a typed combining accent joins the
	// letter before it, as it does on screen.
	before := strings.Join(e.g[:e.pos], "") + keep.String()
	after := strings.Join(e.g[e.pos:], "")
	e.g = text.Graphemes(before + after)
	e.pos = min(len(text.Graphemes(before)), len(e.g))
	return true
}

// view draws the text with a block cursor when focused, cut to w cells
// around the cursor.
func (e *lineEdit) view(focused bool, w int, cursor lipgloss.Style) string {
	w = max(w, 1)
	g := e.g
	pos := min(e.pos, len(g))
	// The cursor takes its character's cells (one at the end of the text);
	// walk back from it while the window has room, then forward. Only the
	// characters in view are measured: a pasted body of 100 KB costs no
	// more per frame than a short one.
	cur := 0
	if focused {
		cur = 1
		if pos < len(g) {
			cur = max(text.Width(g[pos]), 1)
		}
	}
	start, used := pos, cur
	for start > 0 {
		cw := text.Width(g[start-1])
		if used+cw > w {
			break
		}
		used += cw
		start--
	}
	end := pos
	if focused && pos < len(g) {
		end = pos + 1
	}
	for end < len(g) {
		cw := text.Width(g[end])
		if used+cw > w {
			break
		}
		used += cw
		end++
	}
	join := func(from, to int) string {
		if from >= to {
			return ""
		}
		return models.SanitizeLine(strings.Join(g[from:to], ""))
	}
	if !focused {
		return join(start, end)
	}
	var b strings.Builder
	b.WriteString(join(start, pos))
	under := " "
	if pos < len(g) {
		under = models.SanitizeLine(g[pos])
	}
	b.WriteString(cursor.Render(under))
	b.WriteString(join(pos+1, end))
	return b.String()
}
