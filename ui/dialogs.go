package ui

import (
	"errors"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/i18n"
	"acconsole/models"
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
		return true, a.Flash(a.T("errors.cancelled"))
	}
	return false, nil
}

func (d *confirmDialog) view(a *App, w int) string {
	s := a.styles
	body := s.Bold.Render(d.question) + "\n\n" + s.HelpKey.Render("y") + " " + s.HelpDesc.Render(a.T("errors.confirm_yes")) + "   " +
		s.HelpKey.Render("n/enter") + " " + s.HelpDesc.Render(a.T("errors.confirm_no"))
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
	lines = append(lines, s.Err.Render(a.T("errors.last_error"))+"  "+s.Faint.Render(d.at.Format("15:04:05")), "")
	var ae *acapi.Error
	if errors.As(d.err, &ae) {
		rows := [][2]string{
			{a.T("errors.field_code"), strconv.Itoa(ae.Code)},
			{a.T("errors.field_meaning"), humanIn(a.tr, d.err, ae)},
			{a.T("errors.field_call"), ae.Service + "/" + ae.Method},
		}
		if ae.TraceID != "" {
			rows = append(rows, [2]string{a.T("errors.field_trace"), ae.TraceID})
		}
		// The labels line up in cells: a Chinese label is two cells a
		// character.
		labelW := 0
		for _, r := range rows {
			labelW = max(labelW, cellWidth(r[0]))
		}
		for _, r := range rows {
			lines = append(lines, padRight(r[0], labelW)+" "+r[1])
		}
	} else {
		lines = append(lines, d.err.Error())
	}
	lines = append(lines, "", s.Faint.Render(a.T("errors.any_key_closes")))
	return s.Dialog.Width(min(w-4, 90)).Render(strings.Join(lines, "\n"))
}

// errorLine is the one-line form of an error for the status line; a cloud
// error points at the key that shows it in full (last_error).
func (a *App) errorLine(err error) string { return errorTextIn(a.tr, err, a.keyLabel(ActErrors)) }

// errorText is errorLine in English with the key that shows the last error
// in full.
func errorText(err error, detailsKey string) string { return errorTextIn(neutral(), err, detailsKey) }

// errorTextIn is errorText in tr's language.
func errorTextIn(tr *i18n.Translator, err error, detailsKey string) string {
	var ae *acapi.Error
	if errors.As(err, &ae) {
		return tr.T("errors.line", "Meaning", humanIn(tr, err, ae), "Code", ae.Code, "Key", detailsKey)
	}
	if errors.Is(err, acapi.ErrReadOnly) {
		return tr.T("errors.read_only")
	}
	return err.Error()
}

// humanIn is acapi.Error.Human in tr's language: the meaning of the code
// from the catalog, and the server's own message (data, as it came) when
// it says more.
func humanIn(tr *i18n.Translator, err error, e *acapi.Error) string {
	meaning := codeMeaning(tr, e.Code)
	msg := e.Message
	var own *consoleError
	if errors.As(err, &own) {
		msg = tr.T(own.id, own.pairs...) // the console's own words, not the cloud's
	}
	if msg != "" && msg != models.ErrorText(e.Code) {
		return tr.T("errors.meaning_with_message", "Meaning", meaning, "Message", msg)
	}
	return meaning
}

// consoleError is an error the console words itself around a cloud code
// (a search that found nothing answers like the cloud's 3802): shown in
// the screen's language, logged in English, and still an *acapi.Error to
// errors.As.
type consoleError struct {
	id    string
	pairs []any
	cause *acapi.Error
}

func (e *consoleError) Error() string { return neutral().T(e.id, e.pairs...) }
func (e *consoleError) Unwrap() error { return e.cause }

// newConsoleError words a cloud-shaped error with catalog message id; the
// cause's Message is the English text, for logs and callers of Error().
func newConsoleError(code int, service, method, id string, pairs ...any) error {
	return &consoleError{id: id, pairs: pairs, cause: &acapi.Error{Code: code, Message: neutral().T(id, pairs...), Service: service, Method: method}}
}

// codeMeaning is what an AbleCloud error code means (models.ErrorText), in
// tr's language: errcode.<code> for the codes models knows, else the
// meaning of the code's range.
func codeMeaning(tr *i18n.Translator, code int) string {
	if id := "errcode." + strconv.Itoa(code); i18n.Has(id) {
		return tr.T(id)
	}
	switch {
	case code >= 3901 && code <= 3905:
		return tr.T("errors.range_file_store")
	case code >= 3920 && code <= 3930:
		return tr.T("errors.range_data_store")
	case code >= 4001 && code <= 4011:
		return tr.T("errors.range_push")
	case (code >= 1000 && code <= 2000) || code > 10000:
		return tr.T("errors.range_vendor")
	}
	return tr.T("errors.range_unknown")
}

// askWith is App.Ask with the answer pre-filled, for edits of a value.
func askWith(a *App, question, value string, submit func(a *App, answer string) tea.Cmd) {
	a.Ask(question, submit)
	a.input.SetValue(value)
	a.input.CursorEnd()
}
