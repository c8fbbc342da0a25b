package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
	"acconsole/ui/components/table"
)

func newAuditPage() Page {
	p := &listPage[models.AuditEntry]{
		title: "lists.title.audit", empty: "lists.empty.audit",
		cols: []table.Column{
			{Key: "time", Title: "lists.col.time", Width: 19}, {Key: "op", Title: "lists.col.operator", Width: 10},
			{Key: "as", Title: "lists.col.as_user", Width: 8}, {Key: "action", Title: "lists.col.action", Width: 26},
			{Key: "result", Title: "lists.col.result", Width: 19}, {Key: "params", Title: "lists.col.parameters", Flex: 2},
			{Key: "reason", Title: "lists.col.reason", Flex: 1},
		},
		id: func(r models.AuditEntry) string { return r.Time.Format(time.RFC3339Nano) + r.TraceID + auditAction(r) },
		cells: func(r models.AuditEntry) []string {
			as := ""
			if r.ActingUser != 0 {
				as = strconv.FormatInt(r.ActingUser, 10)
			}
			return []string{r.Time.Local().Format(models.TimeLayout), r.Operator, as, auditAction(r), auditResult(r), r.ParamsText(), r.Reason}
		},
		open: func(a *App, r models.AuditEntry) tea.Cmd {
			a.dialogs = append(a.dialogs, &auditDialog{row: r})
			return nil
		},
	}
	p.load = func(ctx context.Context, api API) ([]models.AuditEntry, error) { return nil, nil }
	return &auditPage{listPage: p}
}

// auditPage reads the local audit file instead of the cloud.
type auditPage struct{ *listPage[models.AuditEntry] }

func (p *auditPage) Load(a *App) tea.Cmd {
	src := a.audit
	p.load = func(ctx context.Context, api API) ([]models.AuditEntry, error) {
		if src == nil {
			return nil, nil
		}
		rows, err := src()
		// Newest first.
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		return rows, err
	}
	return p.listPage.Load(a)
}

// auditDialog shows one audit entry in full: the table cuts parameters,
// reasons and notes, and has no room for the trace id. The labels are in
// the reader's language; the entry itself stays as it was recorded.
type auditDialog struct{ row models.AuditEntry }

func (d *auditDialog) key(a *App, m tea.KeyPressMsg) (bool, tea.Cmd) { return true, nil }

func (d *auditDialog) view(a *App, w int) string {
	s := a.styles
	r := d.row
	width := min(w-4, 100)
	text := max(width-4-11, 10) // border and padding, then the label
	field := func(id, v string) []string {
		if v == "" {
			v = "—"
		}
		label := a.T(id)
		parts := wordWrap(models.SanitizeLine(v), text)
		out := make([]string, len(parts))
		for i, part := range parts {
			l := strings.Repeat(" ", 11)
			if i == 0 {
				// Padded in cells: a Chinese label is two cells a character.
				l = s.Faint.Render(label + strings.Repeat(" ", max(11-cellWidth(label), 1)))
			}
			out[i] = l + part
		}
		return out
	}
	as := ""
	if r.ActingUser != 0 {
		as = "#" + strconv.FormatInt(r.ActingUser, 10)
	}
	lines := []string{s.Bold.Render(a.T("lists.audit.entry")) + "  " + s.Faint.Render(r.Time.Local().Format(models.TimeLayout)), ""}
	for _, f := range [][2]string{
		{"lists.audit.action", auditAction(r)}, {"lists.audit.operator", r.Operator}, {"lists.audit.profile", r.Profile}, {"lists.audit.as_user", as},
		{"lists.audit.parameters", r.ParamsText()}, {"lists.audit.result", auditResult(r)}, {"lists.audit.trace_id", r.TraceID},
		{"lists.audit.reason", r.Reason}, {"lists.audit.note", r.Note},
	} {
		lines = append(lines, field(f[0], f[1])...)
	}
	lines = append(lines, "", s.Faint.Render(a.T("lists.audit.any_key_closes")))
	return s.Dialog.Width(width).Render(strings.Join(lines, "\n"))
}

// auditAction names what an entry did: the cloud method it called
// (service/method), or, for a write the console refused before calling,
// what was tried.
func auditAction(e models.AuditEntry) string {
	if e.Service == models.AuditConsoleService {
		return e.Method
	}
	return e.Service + "/" + e.Method
}

// auditResult is how an entry's write ended: ok, the cloud's error code,
// or refused in read-only mode.
func auditResult(e models.AuditEntry) string {
	switch {
	case e.Refused:
		return "refused (read-only)"
	case e.Code != 0:
		return fmt.Sprintf("error %d", e.Code)
	}
	return "ok"
}
