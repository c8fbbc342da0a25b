package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
)

type dialog interface {
	// key handles a key; done closes the dialog.
	key(a *App, m tea.KeyPressMsg) (done bool, cmd tea.Cmd)
	view(a *App, w int) string
}

// confirmDialog defaults to No: only an explicit "y" runs the action.
type confirmDialog struct {
	question string
	yes      tea.Cmd
}

func (d *confirmDialog) key(a *App, m tea.KeyPressMsg) (bool, tea.Cmd) {
	switch m.String() {
	case "y", "Y":
		return true, d.yes
	case "n", "N", "esc", "enter", "q":
		return true, a.Flash("cancelled")
	}
	return false, nil
}

func (d *confirmDialog) view(a *App, w int) string {
	s := a.styles
	body := s.Bold.Render(d.question) + "\n\n" + s.HelpKey.Render("y") + " " + s.HelpDesc.Render("yes") + "   " +
		s.HelpKey.Render("n/enter") + " " + s.HelpDesc.Render("no (default)")
	return s.Dialog.Width(min(w-4, 70)).Render(body)
}

type errorDialog struct {
	err error
	at  time.Time
}

func (d *errorDialog) key(a *App, m tea.KeyPressMsg) (bool, tea.Cmd) {
	return true, nil
}

func (d *errorDialog) view(a *App, w int) string {
	s := a.styles
	var lines []string
	lines = append(lines, s.Err.Render("Last error")+"  "+s.Faint.Render(d.at.Format("15:04:05")), "")
	var ae *acapi.Error
	if errors.As(d.err, &ae) {
		lines = append(lines,
			fmt.Sprintf("code     %d", ae.Code),
			"meaning  "+ae.Human(),
			"call     "+ae.Service+"/"+ae.Method,
		)
		if ae.TraceID != "" {
			lines = append(lines, "trace id "+ae.TraceID)
		}
	} else {
		lines = append(lines, d.err.Error())
	}
	lines = append(lines, "", s.Faint.Render("any key closes"))
	return s.Dialog.Width(min(w-4, 90)).Render(strings.Join(lines, "\n"))
}

// errorLine is the one-line form of an error for the status line; a cloud
// error points at the key that shows it in full (last_error).
func (a *App) errorLine(err error) string { return errorText(err, a.keyLabel(ActErrors)) }

// errorText is errorLine with the key that shows the last error in full.
func errorText(err error, detailsKey string) string {
	var ae *acapi.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("%s (%d) — press %s for details", ae.Human(), ae.Code, detailsKey)
	}
	if errors.Is(err, acapi.ErrReadOnly) {
		return "read-only: type :write to enable changes"
	}
	return err.Error()
}

// askWith is App.Ask with the answer pre-filled, for edits of a value.
func askWith(a *App, question, value string, submit func(a *App, answer string) tea.Cmd) {
	a.Ask(question, submit)
	a.input.SetValue(value)
	a.input.CursorEnd()
}
