// The footer's one-line input (command bar, filter, prompts), Ask and Confirm, and the mouse.

package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"acconsole/models"
)

type inputMode int

const (
	inputNone inputMode = iota
	inputCommand
	inputFilter
	inputPrompt
)

func (a *App) startInput(mode inputMode, value string) {
	a.mode = mode
	// A fresh input each time: completion belongs to the command bar only.
	// A reused input kept the command's matched suggestions (the text input
	// does not clear them when suggestions are switched off), drew them
	// after prompt and filter text, and Tab then sliced past their end.
	a.input = newLineInput(mode == inputCommand)
	a.input.SetValue(value)
	a.input.CursorEnd()
	a.input.Focus()
}

// newLineInput is the one-line input of the footer; only the command bar
// completes (Tab, ↑/↓ through the command names).
func newLineInput(commands bool) textinput.Model {
	ti := textinput.New()
	ti.Prompt = ""
	// A steady cursor: a blinking one redraws the whole console twice a
	// second while an input is open.
	st := textinput.DefaultStyles(true)
	st.Cursor.Blink = false
	ti.SetStyles(st)
	if commands {
		ti.ShowSuggestions = true
		ti.SetSuggestions(commandSuggestions())
	}
	return ti
}

func (a *App) inputKey(m tea.KeyPressMsg) tea.Cmd {
	switch m.String() {
	case "esc":
		if a.mode == inputFilter {
			if f, ok := a.top().(Filterable); ok {
				_ = f.SetFilter("")
			}
		}
		a.endInput()
		return nil
	case "enter":
		v := strings.TrimSpace(a.input.Value())
		mode := a.mode
		a.endInput()
		switch mode {
		case inputCommand:
			a.jumping = true
			defer func() { a.jumping = false }()
			return a.runCommand(v)
		case inputFilter:
			return nil
		case inputPrompt:
			p := a.prompt
			a.prompt = nil
			if p != nil {
				return p.submit(a, v)
			}
		}
		return nil
	}
	var cmd tea.Cmd
	a.input, cmd = a.input.Update(m)
	if a.mode == inputFilter {
		if f, ok := a.top().(Filterable); ok {
			if err := f.SetFilter(a.input.Value()); err != nil {
				a.status, a.statusErr = err.Error(), true
			} else if a.statusErr {
				a.status = ""
			}
		}
	}
	return cmd
}

func (a *App) endInput() {
	a.mode = inputNone
	a.input.Blur()
	a.input.SetValue("")
}

// linePrompt is a question asked on the command line (not a dialog): the
// answer is typed after it and goes to submit on Enter.
type linePrompt struct {
	question string
	submit   func(a *App, answer string) tea.Cmd
}

// Ask opens a one-line prompt; submit runs with the answer.
func (a *App) Ask(question string, submit func(a *App, answer string) tea.Cmd) {
	a.prompt = &linePrompt{question: question, submit: submit}
	a.startInput(inputPrompt, "")
}

// Confirm opens a yes/no dialog that defaults to No and carries its action.
func (a *App) Confirm(question string, yes tea.Cmd) {
	a.dialogs = append(a.dialogs, &confirmDialog{question: models.SanitizeLine(question), yes: yes})
}

func (a *App) mouseWheel(m tea.MouseWheelMsg) tea.Cmd {
	if s, ok := a.top().(Scroller); ok {
		switch m.Mouse().Button {
		case tea.MouseWheelUp:
			s.Scroll(-3)
		case tea.MouseWheelDown:
			s.Scroll(3)
		}
	}
	return nil
}

func (a *App) mouseClick(m tea.MouseClickMsg) tea.Cmd {
	if c, ok := a.top().(Clicker); ok {
		c.Click(m.Mouse().Y - a.bodyTop())
	}
	return nil
}
