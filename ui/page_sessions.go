package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
	"acconsole/ui/components/table"
)

// SessionRow is one open console session on a shared (SSH) server, for the
// :sessions view.
type SessionRow struct {
	ID       string
	Operator string
	Role     string
	Source   string
	Since    time.Time
	Writable bool
}

// SessionSource lists the server's open sessions; nil where the console is
// not shared, or the operator may not see the team's sessions.
type SessionSource func() []SessionRow

func cmdSessions(a *App, _ string) tea.Cmd {
	if a.sessions == nil {
		return a.Fail(errorf(a.T("lists.sessions.unavailable")))
	}
	return a.Push(newSessionsPage(a.sessions))
}

func newSessionsPage(src SessionSource) Page {
	p := &listPage[SessionRow]{
		title: "lists.title.sessions", empty: "lists.empty.sessions", poll: true,
		cols: []table.Column{
			{Key: "op", Title: "lists.col.operator", Width: 14}, {Key: "role", Title: "lists.col.role", Width: 9},
			{Key: "since", Title: "lists.col.since", Width: 19}, {Key: "from", Title: "lists.col.from", Width: 22},
			{Key: "mode", Title: "lists.col.mode", Width: 9}, {Key: "id", Title: "lists.col.session", Flex: 1},
		},
		id: func(r SessionRow) string { return r.ID },
	}
	p.cells = func(r SessionRow) []string {
		mode := p.text("lists.sessions.read_only")
		if r.Writable {
			mode = p.text("lists.sessions.write")
		}
		// The role (admin, operator, viewer) is the server's data.
		return []string{r.Operator, r.Role, r.Since.Local().Format(models.TimeLayout), r.Source, mode, r.ID}
	}
	p.load = func(context.Context, API) ([]SessionRow, error) { return src(), nil }
	return p
}
