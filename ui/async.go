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

// runVal runs fn in the background and hands its result to page p as is
// (gen -1: results that carry their own identity, such as one add of
// several, are not superseded by a later request).
func runVal(a *App, p Page, fn func(ctx context.Context) any) tea.Cmd {
	ctx := a.ctx
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return loaded{page: p, gen: -1, val: fn(c)}
	}
}
