package ui

import (
	"acconsole/i18n"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/models"
	"acconsole/ui/components/table"
	"acconsole/ui/text"
)

const (
	// timerLimit is what one device is expected to hold (Tuya's 30,
	// FEATURES §4): shown as n/30 so an operator sees the room left.
	timerLimit = 30
	// clashHorizon is how far ahead clashes between a device's timers are
	// looked for: a month covers every cycle but year.
	clashHorizon = 31 * 24 * time.Hour
)

// timerRow is a task with what the list shows about it.
type timerRow struct {
	task models.TimerTask
	next *models.Firing
	bad  string // why its fields do not parse
	last *TimerRun
	// clashWith is the name of the first other timer firing a different
	// command in the same minute, at clashAt ("" when none).
	clashWith string
	clashAt   time.Time
	cloud     bool
	cycle     ruleDesc
	status    string // a timers.status id, "" while it runs
}

type timersData struct {
	tasks []models.TimerTask
	last  map[int64]TimerRun
	spec  ProductSpec
	serr  error
}

// timersPage lists a device's timers: the rule in words (in the timer's
// own zone), status, next firing, the last run's result, and clashes with
// the device's other timers. Space starts or stops one, enter edits, a
// adds, D deletes after asking.
type timersPage struct {
	ref    DeviceRef
	detail DeviceDetail
	tbl    *table.Table[timerRow]
	data   *timersData
	gen    int
	err    error
}

func newTimersPage(ref DeviceRef, d DeviceDetail) *timersPage {
	return &timersPage{ref: ref, detail: d}
}

func (p *timersPage) Title(tr *i18n.Translator) string { return tr.T("timers.title") }

// pageKeys: open (edit), add, start/stop and delete the timer under the
// cursor, then moving about.
func (p *timersPage) pageKeys() []pageKey {
	var row timerRow
	ok := false
	if p.tbl != nil {
		row, ok = p.tbl.CursorRow()
	}
	list := []pageKey{
		{action: ActOpen, hint: true, run: func(a *App) tea.Cmd {
			if !ok || p.data == nil {
				return nil
			}
			t := row.task
			return a.Push(newTimerEditor(p, &t, a.Now()))
		}},
		{action: ActCreate, hint: true, run: func(a *App) tea.Cmd {
			if p.data == nil {
				return a.Flash(a.T("timers.still_loading"))
			}
			return a.Push(newTimerEditor(p, nil, a.Now()))
		}},
		{action: ActTimerToggle, hint: true, writes: true, audit: writeLabel(p, ""), run: func(a *App) tea.Cmd {
			if !ok {
				return nil
			}
			return p.toggle(a, row)
		}},
		{action: ActDelete, hint: true, writes: true, audit: "Timers", run: func(a *App) tea.Cmd {
			if !ok {
				return nil
			}
			a.Confirm(a.T("timers.delete_confirm", "Name", strconv.Quote(row.task.Name), "Rule", row.cycle.text(a.tr)), approve(p, timerDeleteApproved{id: row.task.TaskID, name: row.task.Name}))
			return nil
		}},
	}
	return append(list, tableKeys(func(a *App) *table.Table[timerRow] { p.ensureTable(a); return p.tbl }, false)...)
}

func (p *timersPage) ensureTable(a *App) {
	if p.tbl != nil {
		return
	}
	p.tbl = table.New(table.Options[timerRow]{
		Texts:   tableTexts(a),
		Columns: p.columns(a),
		ID:      func(r timerRow) string { return strconv.FormatInt(r.task.TaskID, 10) },
		Cells: func(r timerRow) []string {
			st := "○"
			switch r.task.Status {
			case models.TaskRunning:
				st = "●"
			case models.TaskFrozen:
				st = "#"
			}
			next, rule := "–", r.cycle.text(a.tr)
			switch {
			case r.bad != "":
				rule = a.T("timers.cannot_run", "Why", r.bad)
			case r.task.Status != models.TaskRunning:
				next = ""
				if r.status != "" {
					next = a.T(r.status)
				}
			case r.next != nil:
				next = nextText(a.tr, r.next.At)
				if r.next.Note != models.FiringNormal {
					next += " *"
				}
			}
			last := a.T("timers.last_never")
			if r.last != nil {
				// The result is the cloud's code for it (ok, offline…).
				last = r.last.Result + " " + r.last.At.Local().Format("01-02 15:04")
				if r.last.ReplyCode != 0 {
					last += fmt.Sprintf(" (%d)", r.last.ReplyCode)
				}
			}
			kind := a.T("timers.kind.device")
			if r.cloud {
				kind = a.T("timers.kind.cloud")
			}
			clash := ""
			if r.clashWith != "" {
				clash = a.T("timers.clash_short", "Name", strconv.Quote(r.clashWith), "At", r.clashAt.Format("01-02 15:04"))
			}
			return []string{st, r.task.Name, rule, next, last, strconv.Itoa(r.task.MessageCode), kind, clash}
		},
		Tone: func(r timerRow, col int) table.Tone {
			switch col {
			case 0:
				if r.task.Status == models.TaskRunning {
					return table.ToneOK
				}
				return table.ToneFaint
			case 4:
				if r.last != nil && !timerRunOK(r.last.Result, r.last.ReplyCode) {
					return table.ToneErr
				}
			case 2:
				if r.bad != "" {
					return table.ToneErr
				}
			case 7:
				return table.ToneWarn
			}
			return table.ToneDefault
		},
		Styles: a.styles,
		Empty:  a.T("timers.empty", "Key", a.keyLabel(ActCreate)),
	})
}

// columns are the list's columns in the console's language; the next
// firing's column fits the language's date ("11-30 06:45 CST *",
// "11月30日 06:45 CST *").
func (p *timersPage) columns(a *App) []table.Column {
	return []table.Column{
		{Key: "st", Title: "", Width: 1},
		{Key: "name", Title: a.T("timers.col.name"), Flex: 2, MinWidth: 10},
		{Key: "rule", Title: a.T("timers.col.rule"), Flex: 5, MinWidth: 20},
		{Key: "next", Title: a.T("timers.col.next"), Width: max(17, text.Width(nextText(a.tr, time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)))+2)},
		{Key: "last", Title: a.T("timers.col.last"), Width: 20},
		{Key: "cmd", Title: a.T("timers.col.cmd"), Width: 4, Align: table.AlignRight},
		{Key: "kind", Title: a.T("timers.col.kind"), Width: 6},
		{Key: "warn", Title: "", Flex: 2, MinWidth: 6},
	}
}

// Relabel rebuilds the table in the new language, keeping the rows and
// the cursor (the empty text is set when a table is made).
func (p *timersPage) Relabel(a *App) {
	if p.tbl == nil {
		return
	}
	rows, cursor := p.tbl.Rows(), p.tbl.CursorID()
	w, h := p.tbl.Width(), p.tbl.Height()
	p.tbl = nil
	p.ensureTable(a)
	p.tbl.SetSize(w, h)
	p.tbl.SetRows(rows)
	p.tbl.SetCursorByID(cursor)
}

func zoneAbbr(t time.Time) string {
	name, _ := t.Zone()
	return name
}

func (p *timersPage) Restyle(a *App) {
	if p.tbl != nil {
		p.tbl.SetStyles(a.styles)
	}
}

func (p *timersPage) Load(a *App) tea.Cmd { return p.fetch(a, false) }
func (p *timersPage) Poll(a *App) tea.Cmd { return p.fetch(a, true) }

func (p *timersPage) fetch(a *App, bg bool) tea.Cmd {
	p.ensureTable(a)
	p.gen++
	api, ref := a.api, p.ref
	return Run(a, p, p.gen, bg, func(ctx context.Context) (timersData, error) {
		tasks, err := api.ListTimers(ctx, ref)
		if err != nil {
			return timersData{}, err
		}
		d := timersData{tasks: tasks, last: map[int64]TimerRun{}}
		for _, t := range tasks {
			if runs, err := api.TimerHistory(ctx, ref, t.TaskID, 1); err == nil && len(runs) > 0 {
				d.last[t.TaskID] = runs[0]
			}
		}
		d.spec, d.serr = api.ProductSpec(ctx, ref.SubDomain)
		return d, nil
	})
}

// rows computes what the list shows, in the timers' own zones.
func (p *timersPage) rows(now time.Time) []timerRow {
	if p.data == nil {
		return nil
	}
	clashes := models.FindConflicts(p.data.tasks, now, clashHorizon)
	names := map[int64]string{}
	for _, t := range p.data.tasks {
		names[t.TaskID] = t.Name
	}
	out := make([]timerRow, 0, len(p.data.tasks))
	for _, t := range p.data.tasks {
		r := timerRow{task: t, cloud: acapi.IsCloudTimer(t)}
		r.cycle, r.bad = describeTask(t)
		switch t.Status {
		case models.TaskStopped:
			r.status = "timers.status.stopped"
		case models.TaskFrozen:
			r.status = "timers.status.frozen"
		}
		if r.bad == "" {
			if fs, err := models.NextFirings(t, now, 1); err == nil && len(fs) > 0 {
				r.next = &fs[0]
			} else if err == nil && t.Status == models.TaskRunning {
				r.status = "timers.status.done"
			}
		}
		if l, ok := p.data.last[t.TaskID]; ok {
			r.last = &l
		}
		for _, c := range clashes {
			other := int64(0)
			switch t.TaskID {
			case c.A:
				other = c.B
			case c.B:
				other = c.A
			}
			if other != 0 {
				r.clashWith, r.clashAt = names[other], c.At
				break
			}
		}
		out = append(out, r)
	}
	return out
}

func (p *timersPage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case approvedMsg:
		switch v := m.yes.(type) {
		case timerDeleteApproved:
			return p.write(a, "timers.deleted", strconv.Quote(v.name), func(ctx context.Context, api API) error {
				return api.DeleteTimer(ctx, p.ref, v.id)
			})
		}
		return nil
	case loaded:
		switch v := m.val.(type) {
		case timersData:
			if m.gen != p.gen {
				return nil
			}
			if m.err != nil {
				if p.data == nil {
					p.err = m.err
				}
				return a.Fail(m.err)
			}
			p.data, p.err = &v, nil
			p.tbl.SetRows(p.rows(a.Now()))
			return nil
		case timerSaved:
			// The editor saved: show the list as the cloud has it.
			return p.Load(a)
		}
		return nil
	case doneMsg:
		switch v := m.val.(type) {
		case timerWriteDone:
			if v.err != nil {
				return a.Fail(v.err)
			}
			return tea.Batch(a.Flash(v.what), p.Load(a))
		}
		return nil
	}
	return nil
}

type (
	timerWriteDone struct {
		what string
		err  error
	}
	timerDeleteApproved struct {
		id   int64
		name string
	}
	timerSaved struct{}
)

// write runs a timer write; what is its message id (with the quoted name),
// said in English to the audit log and in the console's language on screen.
func (p *timersPage) write(a *App, what, quoted string, fn func(ctx context.Context, api API) error) tea.Cmd {
	if cmd := a.refuseWrite(p.Title(neutral()) + ": " + neutral().T(what, "Name", quoted)); cmd != nil {
		return cmd
	}
	api, done := a.api, a.T(what, "Name", quoted)
	return runVal(a, p, func(ctx context.Context) any {
		return timerWriteDone{what: done, err: fn(ctx, api)}
	})
}

// toggle starts or stops a timer after a yes (askWrite: write mode, then
// a confirm that defaults to No): one stray space must not stop a
// customer's heater or start a timer that was stopped on purpose.
func (p *timersPage) toggle(a *App, row timerRow) tea.Cmd {
	t, api, ref := row.task, a.api, p.ref
	switch t.Status {
	case models.TaskFrozen:
		return a.Fail(errorf(a.T("timers.frozen_toggle")))
	case models.TaskRunning:
		return askWrite(a, p, msg{}, func(string) (writeText, func(context.Context) error, error) {
			return writeText{confirm: "timers.stop_confirm", done: "timers.stop_done", pairs: []any{"Name", strconv.Quote(t.Name), "Rule", row.cycle.text(a.tr)}},
				func(ctx context.Context) error { return api.SetTimerRunning(ctx, ref, t.TaskID, false) }, nil
		})
	}
	wt := writeText{confirm: "timers.start_confirm", done: "timers.start_done", pairs: []any{"Name", strconv.Quote(t.Name), "Rule", row.cycle.text(a.tr)}}
	if row.next != nil {
		wt = writeText{confirm: "timers.start_confirm_next", done: "timers.start_done_next",
			pairs: []any{"Name", strconv.Quote(t.Name), "Rule", row.cycle.text(a.tr), "Next", minuteText(a.tr, row.next.At)}}
	}
	return askWrite(a, p, msg{}, func(string) (writeText, func(context.Context) error, error) {
		return wt, func(ctx context.Context) error { return api.SetTimerRunning(ctx, ref, t.TaskID, true) }, nil
	})
}

// defaultZone is the zone a new timer starts in, and why: the device's
// own (from its profile, when a timeZone is recorded there), else the zone
// of the place its warehouse record names (上海 → Asia/Shanghai), else the
// zone of its other timers, else the operator's (TZ, then the console
// machine's), else UTC. why is a message id; place fills its {{.Place}}.
func (p *timersPage) defaultZone() (zone, why, place string) {
	for _, k := range []string{"timeZone", "timezone", "tz", "zone"} {
		if v, ok := p.detail.Profile[k].(string); ok {
			if _, err := models.LoadZone(v); err == nil {
				return v, "timers.zone_from.profile", ""
			}
		}
	}
	if z, place := locationZone(p.detail.Info); z != "" {
		return z, "timers.zone_from.location", place
	}
	if p.data != nil {
		for _, t := range p.data.tasks {
			if _, err := models.LoadZone(t.TimeZone); err == nil {
				return t.TimeZone, "timers.zone_from.other_timers", ""
			}
		}
	}
	if tz := os.Getenv("TZ"); tz != "" {
		if _, err := models.LoadZone(tz); err == nil {
			return tz, "timers.zone_from.tz", ""
		}
	}
	if name := time.Now().Location().String(); name != "Local" && name != "" {
		return name, "timers.zone_from.computer", ""
	}
	return "UTC", "timers.zone_from.nothing", ""
}

func (p *timersPage) View(a *App, w, h int) string {
	p.ensureTable(a)
	s := a.styles
	head := s.Title.Render(" "+a.T("timers.head", "Device", deviceTitle(p.detail))) + s.Faint.Render("  "+a.T("timers.as_user", "User", p.ref.UserID))
	if p.data == nil {
		if p.err != nil {
			return head + "\n" + s.Err.Render(" "+a.T("timers.load_failed", "Error", a.errorLine(p.err)))
		}
		return head + "\n" + s.Faint.Render(" "+a.T("timers.loading"))
	}
	n := len(p.data.tasks)
	info := " " + a.N("timers.info", n, "Limit", timerLimit)
	lines := []string{head, s.Faint.Render(info)}
	if n >= timerLimit {
		lines = append(lines, s.Warn.Render(" "+a.N("timers.over_limit", n, "Limit", timerLimit)))
	}
	p.tbl.SetSize(w, max(h-len(lines), 3))
	return strings.Join(lines, "\n") + "\n" + p.tbl.View()
}

// timerRunOK tells a good firing from a bad one. A device timer fired by the
// device is good unless the device refused its own command (error reply
// 127, catalog/PRODUCTS.md).
func timerRunOK(result string, replyCode int) bool {
	switch result {
	case "ok", "handed":
		return true
	case "fired-by-device":
		return replyCode != 127
	}
	return false
}
