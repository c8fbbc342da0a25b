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
		return a.Fail(errorf(":sessions lists the team's sessions on a shared console server, for admins only"))
	}
	return a.Push(newSessionsPage(a.sessions))
}

func newSessionsPage(src SessionSource) Page {
	p := &listPage[SessionRow]{
		title: "Sessions", empty: "no sessions", poll: true,
		cols: []table.Column{
			{Key: "op", Title: "OPERATOR", Width: 14}, {Key: "role", Title: "ROLE", Width: 9},
			{Key: "since", Title: "SINCE", Width: 19}, {Key: "from", Title: "FROM", Width: 22},
			{Key: "mode", Title: "MODE", Width: 9}, {Key: "id", Title: "SESSION", Flex: 1},
		},
		id: func(r SessionRow) string { return r.ID },
		cells: func(r SessionRow) []string {
			mode := "read-only"
			if r.Writable {
				mode = "WRITE"
			}
			return []string{r.Operator, r.Role, r.Since.Local().Format(models.TimeLayout), r.Source, mode, r.ID}
		},
	}
	p.load = func(context.Context, API) ([]SessionRow, error) { return src(), nil }
	return p
}
