// The status line (flash, errors) and write mode with its countdown.

package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
	"acconsole/models"
)

// Flash shows a message in the status line for a few seconds.
func (a *App) Flash(msg string) tea.Cmd { return a.flash(msg, false) }

// Fail shows an error in the status line and keeps it for `e`.
func (a *App) Fail(err error) tea.Cmd {
	a.lastErr, a.lastErrAt = err, a.Now()
	if a.onError != nil && len(a.stack) > 0 {
		a.onError(a.top().Title(neutral()), err)
	}
	return a.flash(a.errorLine(err), true)
}

type clearStatus struct{ tag int }

func (a *App) flash(msg string, isErr bool) tea.Cmd {
	a.statusTag++
	a.status, a.statusErr = models.SanitizeLine(msg), isErr
	tag := a.statusTag
	ttl := 5 * time.Second
	if isErr {
		ttl = 8 * time.Second
	}
	return a.after(ttl, clearStatus{tag})
}

// Writable reports whether write mode is on.
func (a *App) Writable() bool { return !a.writeUntil.IsZero() && a.Now().Before(a.writeUntil) }

// RequireWrite returns a reason when the action cannot run now, in the
// screen's language.
func (a *App) RequireWrite() string { return a.requireWriteIn(a.tr) }

// requireWriteIn is RequireWrite in tr's language (neutral() for the audit
// log).
func (a *App) requireWriteIn(tr *i18n.Translator) string {
	if a.Writable() {
		return ""
	}
	if !a.profile.CanWrite {
		if a.readOnlyWhy != "" {
			return tr.T("shell.read_only.why", "Why", a.readOnlyWhy)
		}
		return tr.T("shell.read_only.flag")
	}
	return tr.T("shell.read_only.write_for", "Span", spanIn(tr, a.writeFor))
}

func (a *App) enterWrite(reason string) {
	a.writeUntil = a.Now().Add(a.writeFor)
	a.writeWhy = reason
	a.api.SetReadOnly(false)
	if a.onWrite != nil {
		a.onWrite(reason)
	}
}

func (a *App) leaveWrite() {
	a.writeUntil = time.Time{}
	a.writeWhy = ""
	a.api.SetReadOnly(true)
	if a.onWrite != nil {
		a.onWrite("")
	}
}

type writeTickMsg struct{ tag int }

func (a *App) writeTick() tea.Cmd {
	a.writeTag++
	tag := a.writeTag
	return a.after(time.Second, writeTickMsg{tag})
}
