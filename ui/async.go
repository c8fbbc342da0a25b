package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// approvedMsg carries the operator's yes to a page's confirmation
// (approve) back to that page, by pointer, whether or not it is on top.
type approvedMsg struct {
	page Page
	yes  any
}

// approve is the yes-action of a confirmation: it hands v back to page p
// as a message, so that the page starts the work on the UI goroutine (a
// Cmd runs on its own goroutine and must not touch the page).
func approve(p Page, v any) tea.Cmd {
	return func() tea.Msg { return approvedMsg{page: p, yes: v} }
}

// doneMsg is the result of a runVal job, handed to the page that started
// it (by pointer, whether or not it is on top). It is not a loaded: a
// page's load answers carry a generation and the newest one wins, while a
// job's result carries its own identity (which add of several, which
// confirm) and is never superseded by a later request. Its val is the
// job's own type, which the page switches on.
type doneMsg struct {
	page Page
	val  any
}

// runVal runs fn in the background and hands its result to page p as a
// doneMsg.
func runVal(a *App, p Page, fn func(ctx context.Context) any) tea.Cmd {
	ctx := a.ctx
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return doneMsg{page: p, val: fn(c)}
	}
}
