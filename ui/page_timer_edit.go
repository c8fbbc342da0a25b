package ui

import (
	"acconsole/i18n"
	"context"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/catalog"
	"acconsole/models"
)

// Timer editor fields, in order.
const (
	teName = iota
	teDesc
	teCycle
	teDays
	tePoint
	teZone
	teCode
	tePayload
	teKind
	teFields
)

var teLabelIDs = [teFields]string{"timers.edit.field.name", "timers.edit.field.descr", "timers.edit.field.repeats", "timers.edit.field.days",
	"timers.edit.field.first_run", "timers.edit.field.zone", "timers.edit.field.command", "timers.edit.field.payload", "timers.edit.field.runs_on"}

// editorCycleIDs name the editor's repeat choices.
var editorCycleIDs = map[models.CycleKind]string{
	models.CycleOnce: "timers.edit.cycle.once", models.CycleHour: "timers.edit.cycle.hour", models.CycleDay: "timers.edit.cycle.day",
	models.CycleWeek: "timers.edit.cycle.week", models.CycleMonth: "timers.edit.cycle.month", models.CycleYear: "timers.edit.cycle.year",
}

// The cycles the editor offers: the AbleCloud keywords minus "min", which
// the current SDKs refuse (PROTOCOL §3.5).
var editorCycles = []models.CycleKind{models.CycleOnce, models.CycleHour, models.CycleDay, models.CycleWeek, models.CycleMonth, models.CycleYear}

const previewFirings = 10

// timerEditor edits one timer (or a new one) with a live preview of its
// next ten firings, computed in its own zone with DST gaps and repeats
// flagged, and a warning when it would clash with the device's other
// timers (FEATURES §2 F). A failed save keeps every edit; leaving with
// unsaved edits asks first.
type timerEditor struct {
	list *timersPage
	orig *models.TimerTask

	text      [teFields]lineEdit // name, description, first run, zone, payload
	cycle     int                // index into editorCycles
	days      models.Weekdays
	dayCursor int
	cmds      []catalog.Message
	codeIdx   int // index into cmds; len(cmds) = a free code
	freeCode  lineEdit
	cloud     bool
	focus     int
	// typing is on while a text field has focus; esc turns it off, so
	// that ":" (the command bar, e.g. :write) and esc (leave) work again
	// without losing the form.
	typing bool

	clean   string // the form as loaded, to tell unsaved edits
	gen     int
	saving  bool
	saveErr error
	leaving bool

	pvKey string
	pv    timerPreview

	// defZone is the zone a new timer started in and zoneWhy (a message
	// id, with zonePlace) where it came from; the form says so while the
	// zone is unchanged.
	defZone, zoneWhy, zonePlace string

	// tr is the language of the texts made outside View (validation
	// messages, the preview, Unsaved): the console's, as of the last
	// key or frame.
	tr *i18n.Translator
}

// newTimerEditor edits orig, or a new timer (nil) whose first run is
// today at 08:00 in its zone, today as of now (the console's clock).
func newTimerEditor(list *timersPage, orig *models.TimerTask, now time.Time) *timerEditor {
	e := &timerEditor{list: list, orig: orig, cloud: true, tr: neutral()}
	if list.data != nil {
		e.cmds = list.data.spec.Commands()
	}
	e.freeCode.accept = func(r rune) bool { return r >= '0' && r <= '9' }
	e.text[tePayload].accept = func(r rune) bool { return r < 128 && (isHexDigit(byte(r)) || r == ' ') }
	zone, why, place := list.defaultZone()
	if orig == nil {
		e.defZone, e.zoneWhy, e.zonePlace = zone, why, place
		loc, _ := models.LoadZone(zone)
		if loc == nil {
			loc = time.UTC
		}
		today := now.In(loc)
		e.text[tePoint].set(time.Date(today.Year(), today.Month(), today.Day(), 8, 0, 0, 0, time.UTC).Format(models.TimeLayout))
		e.text[teZone].set(zone)
		e.cycle = 2 // day
		e.days = models.Weekdays(0x3e)
		// The first command with a documented example; the payload
		// starts empty (the example is its placeholder, never sent).
		for i, c := range e.cmds {
			if c.Example != "" {
				e.codeIdx = i
				break
			}
		}
	} else {
		t := *orig
		e.text[teName].set(t.Name)
		e.text[teDesc].set(t.Description)
		e.text[tePoint].set(t.TimePoint)
		e.text[teZone].set(t.TimeZone)
		if c, err := models.ParseTimeCycle(t.TimeCycle); err == nil {
			for i, k := range editorCycles {
				if k == c.Kind() {
					e.cycle = i
				}
			}
			e.days = c.Weekdays()
		}
		if e.days == 0 {
			e.days = models.Weekdays(0x3e)
		}
		e.codeIdx = len(e.cmds)
		e.freeCode.set(strconv.Itoa(t.MessageCode))
		for i, c := range e.cmds {
			if c.Code == t.MessageCode {
				e.codeIdx = i
			}
		}
		// listTasks does not return a timer's command bytes; an empty
		// payload on save keeps the stored one (the cloud's rule).
		e.text[tePayload].set(spacedHex(t.Payload))
		e.cloud = t.TaskFlag == 0
	}
	e.clean = e.snapshot()
	e.typing = true
	return e
}

func (e *timerEditor) setFocus(f int) {
	e.focus = f
	e.typing = true
}

func (e *timerEditor) Title(tr *i18n.Translator) string {
	if e.orig == nil {
		return tr.T("timers.edit.title_new")
	}
	return tr.T("timers.edit.title_edit", "Name", models.SanitizeLine(e.orig.Name))
}

// pageKeys: save, and move between fields; esc (the global back, which
// asks before dropping edits) is offered in the footer too. Typing and
// the arrows in a field stay in Update.
func (e *timerEditor) pageKeys() []pageKey {
	return []pageKey{
		{action: ActSave, hint: true, writes: true, audit: "Timer: save", readOnlyNote: "your edits stay in the form", run: e.askSave},
		{action: ActNextField, hint: true, run: func(a *App) tea.Cmd { e.setFocus(e.nextField()); return nil }},
		{action: ActBack, hint: true}, // the global key; listed for the footer
		{action: ActPrevField, run: func(a *App) tea.Cmd { e.setFocus(e.prevField()); return nil }},
	}
}

func (e *timerEditor) Load(a *App) tea.Cmd { return nil }

func (e *timerEditor) kind() models.CycleKind { return editorCycles[e.cycle] }

func (e *timerEditor) snapshot() string {
	return strings.Join([]string{e.text[teName].value(), e.text[teDesc].value(), strconv.Itoa(e.cycle), strconv.Itoa(int(e.days)),
		e.text[tePoint].value(), e.text[teZone].value(), strconv.Itoa(e.codeIdx), e.freeCode.value(), e.text[tePayload].value(), strconv.FormatBool(e.cloud)}, "\x00")
}

func (e *timerEditor) dirty() bool { return e.snapshot() != e.clean }

// Unsaved implements Guarded: edits not saved yet are lost by leaving
// (a quit or a ":" jump, as well as the editor's own leave keys). Once
// saved or discarded (leaving), there is nothing to lose.
func (e *timerEditor) Unsaved() string {
	if e.leaving || !e.dirty() {
		return ""
	}
	name := strings.TrimSpace(e.text[teName].value())
	if e.orig != nil {
		name = e.orig.Name
	}
	if name == "" {
		return e.tr.T("timers.edit.unsaved_new")
	}
	return e.tr.T("timers.edit.unsaved", "Name", strconv.Quote(models.SanitizeLine(name)))
}

// textField reports whether the focused field takes typed text.
func (e *timerEditor) textField() bool {
	switch e.focus {
	case teName, teDesc, tePoint, teZone, tePayload:
		return true
	case teCode:
		return e.codeIdx == len(e.cmds)
	}
	return false
}

func (e *timerEditor) claimKey(a *App, m tea.KeyPressMsg) (tea.Cmd, bool) {
	e.tr = a.tr
	typing := e.textField() && e.typing
	switch m.String() {
	case "esc":
		if typing {
			return escStopsTyping(a, &e.typing)
		}
	case "up":
		e.setFocus(e.prevField())
		return nil, true
	case "down":
		e.setFocus(e.nextField())
		return nil, true
	case "enter":
		if e.textField() && !e.typing {
			e.typing = true
			return nil, true
		}
		e.setFocus(e.nextField())
		return nil, true
	case "tab", "shift+tab", "ctrl+s":
		return nil, false
	}
	if isLeaveKey(a, m) && !typing {
		if e.dirty() && !e.leaving {
			a.Confirm(a.T("timers.edit.leave_confirm"), approve(e, discardEdits{}))
			return nil, true
		}
		return nil, false
	}
	if !typing {
		return nil, false
	}
	ed := &e.text[e.focus]
	if e.focus == teCode {
		ed = &e.freeCode
		if m.String() == "left" || m.String() == "right" {
			return nil, false // leave "other code" for the product's commands
		}
	}
	_, ok := ed.key(m)
	return nil, ok
}

type (
	discardEdits      struct{}
	timerSaveApproved struct{ task models.TimerTask }
	timerSaveDone     struct {
		task models.TimerTask
		err  error
	}
)

// nextField skips the weekday row unless the cycle is weekly.
func (e *timerEditor) nextField() int {
	f := (e.focus + 1) % teFields
	if f == teDays && e.kind() != models.CycleWeek {
		f++
	}
	return f
}

func (e *timerEditor) prevField() int {
	f := (e.focus + teFields - 1) % teFields
	if f == teDays && e.kind() != models.CycleWeek {
		f--
	}
	return f
}

func (e *timerEditor) Update(a *App, msg tea.Msg) tea.Cmd {
	e.tr = a.tr
	switch m := msg.(type) {
	case approvedMsg:
		switch v := m.yes.(type) {
		case discardEdits:
			e.leaving = true
			if a.top() == Page(e) {
				return a.pop()
			}
		case timerSaveApproved:
			return e.save(a, v.task)
		}
		return nil
	case doneMsg:
		switch v := m.val.(type) {
		case timerSaveDone:
			e.saving = false
			if v.err != nil {
				// Every edit stays in the form: fix and save again.
				e.saveErr = v.err
				return a.Fail(v.err)
			}
			e.saveErr = nil
			e.clean, e.leaving = e.snapshot(), true
			var cmds []tea.Cmd
			if a.top() == Page(e) {
				cmds = append(cmds, a.pop())
			}
			return tea.Batch(append(cmds, e.list.Load(a), a.Flash(a.T("timers.edit.saved", "Name", strconv.Quote(v.task.Name))))...)
		}
		return nil
	case tea.PasteMsg:
		if e.textField() {
			e.text[e.focus].paste(m.Content)
		}
		return nil
	case tea.KeyPressMsg:
		return e.key(a, m)
	}
	return nil
}

func (e *timerEditor) key(a *App, m tea.KeyPressMsg) tea.Cmd {
	step := 0
	switch m.String() {
	case "left":
		step = -1
	case "right":
		step = 1
	}
	switch e.focus {
	case teCycle:
		if step != 0 {
			e.cycle = (e.cycle + step + len(editorCycles)) % len(editorCycles)
		}
	case teDays:
		switch {
		case step != 0:
			e.dayCursor = (e.dayCursor + step + 7) % 7
		case m.String() == "space":
			e.days ^= 1 << uint(e.dayCursor)
		case len(m.Text) == 1 && m.Text[0] >= '0' && m.Text[0] <= '6':
			e.days ^= 1 << uint(m.Text[0]-'0')
		}
	case teCode:
		if step != 0 {
			e.codeIdx = (e.codeIdx + step + len(e.cmds) + 1) % (len(e.cmds) + 1)
			if e.codeIdx < len(e.cmds) {
				c := e.cmds[e.codeIdx]
				if b, err := parseHex(e.text[tePayload].value()); err != nil || c.Size() != len(b) {
					e.text[tePayload].set("")
				}
			}
		}
	case teKind:
		if step != 0 || m.String() == "space" {
			e.cloud = !e.cloud
		}
	}
	return nil
}

func (e *timerEditor) askSave(a *App) tea.Cmd {
	e.tr = a.tr
	if e.saving {
		return a.Flash(a.T("timers.edit.saving"))
	}
	t, err := e.task(a.Now())
	if err != nil {
		return a.Fail(err)
	}
	if why := a.RequireWrite(); why != "" {
		a.auditRefusal("Timer: save", why)
		return a.Fail(errorf(a.T("timers.edit.refused", "Why", why)))
	}
	pv := e.preview(a.Now())
	q := a.T("timers.edit.save_confirm", "Name", strconv.Quote(t.Name), "Rule", pv.rule.text(a.tr), "Code", t.MessageCode, "Payload", pv.payload)
	if len(pv.clashes) > 0 {
		q = a.T("timers.edit.save_confirm_clash", "Question", q, "Clash", pv.clashes[0])
	}
	a.Confirm(q, approve(e, timerSaveApproved{task: t}))
	return nil
}

func (e *timerEditor) save(a *App, t models.TimerTask) tea.Cmd {
	if why := a.RequireWrite(); why != "" {
		a.auditRefusal("Timer: save", why)
		return a.Fail(errorf(a.T("timers.edit.refused", "Why", why)))
	}
	e.saving = true
	api, ref := a.api, e.list.ref
	return runVal(a, e, func(ctx context.Context) any {
		saved, err := api.SaveTimer(ctx, ref, t)
		if saved.Name == "" {
			saved.Name = t.Name
		}
		return timerSaveDone{task: saved, err: err}
	})
}
