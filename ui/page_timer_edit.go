package ui

import (
	"acconsole/i18n"
	"context"
	"fmt"
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

var teLabels = [teFields]string{"name", "description", "repeats", "days", "first run", "time zone", "command", "payload", "runs on"}

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

	// defZone is the zone a new timer started in and zoneWhy where it
	// came from; the form says so while the zone is unchanged.
	defZone, zoneWhy string
}

// timerPreview is what the editor shows beside the form; it is computed
// when the form changes, not on every frame.
type timerPreview struct {
	rule    string
	firings []models.Firing
	err     error
	clashes []string
	payload string
	perr    error
}

// newTimerEditor edits orig, or a new timer (nil) whose first run is
// today at 08:00 in its zone, today as of now (the console's clock).
func newTimerEditor(list *timersPage, orig *models.TimerTask, now time.Time) *timerEditor {
	e := &timerEditor{list: list, orig: orig, cloud: true}
	if list.data != nil {
		e.cmds = list.data.spec.Commands()
	}
	e.freeCode.accept = func(r rune) bool { return r >= '0' && r <= '9' }
	e.text[tePayload].accept = func(r rune) bool { return r < 128 && (isHexDigit(byte(r)) || r == ' ') }
	zone, why := list.defaultZone()
	if orig == nil {
		e.defZone, e.zoneWhy = zone, why
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
		return "New timer"
	}
	return "Edit " + models.SanitizeLine(e.orig.Name)
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
		return "unsaved edits to a new timer"
	}
	return "unsaved edits to timer " + strconv.Quote(models.SanitizeLine(name))
}

// command is the chosen message code and its spec (ok false for a code the
// product does not describe).
func (e *timerEditor) command() (int, catalog.Message, bool, error) {
	if e.codeIdx < len(e.cmds) {
		return e.cmds[e.codeIdx].Code, e.cmds[e.codeIdx], true, nil
	}
	n, err := strconv.Atoi(e.freeCode.value())
	if err != nil || n < minCommandCode || n > maxCommandCode {
		return 0, catalog.Message{}, false, errorf("command: a message code from 65 to 199")
	}
	if e.list.data != nil {
		if m, ok := e.list.data.spec.Message(n, catalog.Command); ok && m.Dir == catalog.Command {
			return n, m, true, nil
		}
	}
	return n, catalog.Message{}, false, nil
}

// timePoint normalises what was typed: "07:30" means today at 07:30 in
// the timer's zone, a missing :ss is :00.
func (e *timerEditor) timePoint(now time.Time) string {
	s := strings.Join(strings.Fields(e.text[tePoint].value()), " ")
	if len(s) == 5 && s[2] == ':' {
		s += ":00"
	}
	if len(s) == 8 && s[2] == ':' && s[5] == ':' {
		loc, err := models.LoadZone(strings.TrimSpace(e.text[teZone].value()))
		if err != nil {
			loc = time.UTC
		}
		s = now.In(loc).Format("2006-01-02") + " " + s
	}
	if len(s) == 16 && s[13] == ':' {
		s += ":00"
	}
	return s
}

func (e *timerEditor) cycleValue() (models.TimeCycle, error) {
	if e.kind() == models.CycleWeek {
		if e.days == 0 {
			return models.TimeCycle{}, errorf("days: pick at least one weekday")
		}
		return models.NewTimeCycle(models.CycleWeek, e.days.Days()...)
	}
	return models.NewTimeCycle(e.kind())
}

// task builds the timer from the form; the error names the field.
func (e *timerEditor) task(now time.Time) (models.TimerTask, error) {
	var t models.TimerTask
	if e.orig != nil {
		t = *e.orig
	}
	t.DeviceID = e.list.ref.DeviceID
	t.Name = strings.TrimSpace(e.text[teName].value())
	if t.Name == "" {
		return t, errorf("name: a timer needs a name")
	}
	t.Description = strings.TrimSpace(e.text[teDesc].value())
	c, err := e.cycleValue()
	if err != nil {
		return t, err
	}
	t.TimeCycle = c.String()
	t.TimeZone = strings.TrimSpace(e.text[teZone].value())
	t.TimePoint = e.timePoint(now)
	if _, _, err := models.ParseTimePoint(t.TimePoint, t.TimeZone); err != nil {
		return t, errorf("first run / zone: " + err.Error())
	}
	code, spec, known, err := e.command()
	if err != nil {
		return t, err
	}
	t.MessageCode = code
	b, err := parseHex(e.text[tePayload].value())
	if err != nil {
		return t, errorf("payload: " + err.Error())
	}
	if known && (len(b) > 0 || e.orig == nil) {
		if n := spec.Size(); n >= 0 && n != len(b) {
			return t, errorf(fmt.Sprintf("payload: %s takes %s, not %d", spec.Name, count(n, "byte"), len(b)))
		}
	}
	t.Payload = b
	t.TaskFlag = 1
	if e.cloud {
		t.TaskFlag = 0
	}
	if e.orig == nil {
		t.Status = models.TaskRunning
	}
	return t, nil
}

// preview recomputes the rule, the next firings and the clashes when the
// form (or the minute) changed since the last time.
func (e *timerEditor) preview(now time.Time) timerPreview {
	key := e.snapshot() + "\x00" + now.Truncate(time.Minute).String()
	if key == e.pvKey {
		return e.pv
	}
	e.pvKey = key
	e.pv = e.compute(now)
	return e.pv
}

func (e *timerEditor) compute(now time.Time) timerPreview {
	var pv timerPreview
	c, err := e.cycleValue()
	if err != nil {
		pv.err = err
		return pv
	}
	point, zone := e.timePoint(now), strings.TrimSpace(e.text[teZone].value())
	probe := models.TimerTask{TimeCycle: c.String(), TimePoint: point, TimeZone: zone}
	pv.rule, _ = describeTask(probe)
	pv.firings, pv.err = models.NextFirings(probe, now, previewFirings)
	if b, perr := parseHex(e.text[tePayload].value()); perr != nil {
		pv.perr = perr
	} else if _, spec, known, cerr := e.command(); cerr == nil {
		switch {
		case len(b) == 0 && e.orig != nil:
			pv.payload = "(empty: the cloud keeps the timer's stored command bytes)"
		case len(b) == 0 && known && spec.Size() > 0:
			pv.perr = errorf(fmt.Sprintf("type the payload: %s takes %s", spec.Name, count(spec.Size(), "byte")))
		case known:
			pv.payload = spec.Explain(b)
		default:
			pv.payload = orNone(spacedHex(b))
		}
	}
	if pv.err != nil || e.list.data == nil {
		return pv
	}
	// Clashes: this timer as if running, with the device's other running
	// timers, over the next month.
	t, err := e.task(now)
	if err != nil {
		t = probe
		t.DeviceID = e.list.ref.DeviceID
		if code, _, _, cerr := e.command(); cerr == nil {
			t.MessageCode = code
		}
	}
	self := int64(-1)
	if e.orig != nil {
		self = e.orig.TaskID
	}
	t.TaskID, t.Status = self, models.TaskRunning
	all := []models.TimerTask{t}
	names := map[int64]string{}
	for _, o := range e.list.data.tasks {
		if o.TaskID == self {
			continue
		}
		o.DeviceID = t.DeviceID
		names[o.TaskID] = o.Name
		all = append(all, o)
	}
	for _, c := range models.FindConflicts(all, now, clashHorizon) {
		other := c.A
		if other == self {
			other = c.B
		} else if c.B != self {
			continue
		}
		pv.clashes = append(pv.clashes, fmt.Sprintf("clashes with %q (#%d) at %s: a different command in the same minute", names[other], other, c.At.Format("2006-01-02 15:04 MST")))
	}
	return pv
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
			a.Confirm("Leave the editor? Your unsaved changes to this timer are lost.", approve(e, discardEdits{}))
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
			return tea.Batch(append(cmds, e.list.Load(a), a.Flash("saved timer "+strconv.Quote(v.task.Name)))...)
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
	if e.saving {
		return a.Flash("saving…")
	}
	t, err := e.task(a.Now())
	if err != nil {
		return a.Fail(err)
	}
	if why := a.RequireWrite(); why != "" {
		a.auditRefusal("Timer: save", why)
		return a.Fail(errorf(why + " (your edits stay in the form)"))
	}
	pv := e.preview(a.Now())
	q := fmt.Sprintf("Save timer %q: %s, command %d %s?", t.Name, pv.rule, t.MessageCode, pv.payload)
	if len(pv.clashes) > 0 {
		q += " It " + pv.clashes[0] + "."
	}
	a.Confirm(q, approve(e, timerSaveApproved{task: t}))
	return nil
}

func (e *timerEditor) save(a *App, t models.TimerTask) tea.Cmd {
	if why := a.RequireWrite(); why != "" {
		a.auditRefusal("Timer: save", why)
		return a.Fail(errorf(why + " (your edits stay in the form)"))
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

func (e *timerEditor) View(a *App, w, h int) string {
	s := a.styles
	now := a.Now()
	kind := "device timer (runs on the device, survives cloud outages)"
	if e.cloud {
		kind = "cloud timer (the cloud sends the command)"
	}
	lines := []string{s.Title.Render(" "+e.Title(a.tr)) + s.Faint.Render(fmt.Sprintf("  on %s · as user #%d · ↑/↓ or %s move, ←/→ choose, %s saves", deviceTitle(e.list.detail), e.list.ref.UserID, a.keyLabel(ActNextField), a.keyLabel(ActSave)))}
	pv := e.preview(now)
	fw := max(w-18, 10)
	for i := range teFields {
		if i == teDays && e.kind() != models.CycleWeek {
			continue
		}
		mark := "  "
		if e.focus == i {
			mark = s.Glyphs.Cursor + " "
		}
		focused := e.focus == i
		var val string
		switch i {
		case teCycle:
			for j, c := range editorCycles {
				if j == e.cycle {
					val += s.Bold.Render("‹"+c.String()+"›") + " "
				} else {
					val += s.Faint.Render(" "+c.String()+" ") + " "
				}
			}
		case teDays:
			for d := range 7 {
				name := []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}[d]
				cell := " " + name + " "
				if e.days.Has(time.Weekday(d)) {
					cell = "[" + name + "]"
				}
				if focused && d == e.dayCursor {
					cell = s.Selected.Render(cell)
				} else if e.days.Has(time.Weekday(d)) {
					cell = s.Bold.Render(cell)
				} else {
					cell = s.Faint.Render(cell)
				}
				val += cell + " "
			}
			if focused {
				val += s.Faint.Render(" space or 0–6 toggles (0 = Sunday)")
			}
		case teCode:
			if e.codeIdx < len(e.cmds) {
				c := e.cmds[e.codeIdx]
				val = s.Bold.Render(fmt.Sprintf("‹%d %s›", c.Code, c.Name)) + s.Faint.Render("  "+clipText(c.Layout(), max(fw-30, 10)))
			} else {
				val = "other code " + e.freeCode.view(focused, 4, s.Selected) + s.Faint.Render("  (65–199; ←/→ for the product's commands)")
			}
		case teKind:
			val = s.Bold.Render("‹"+map[bool]string{true: "cloud", false: "device"}[e.cloud]+"›") + s.Faint.Render("  "+kind)
		case tePoint:
			val = e.text[i].view(focused, 22, s.Selected) + s.Faint.Render("  yyyy-MM-dd HH:mm:ss, or HH:mm for today")
		case teZone:
			val = e.text[i].view(focused, 28, s.Selected)
			z := strings.TrimSpace(e.text[i].value())
			if _, err := models.LoadZone(z); err != nil {
				val += s.Err.Render("  unknown zone: an IANA name such as Asia/Shanghai")
			} else if e.zoneWhy != "" && z == e.defZone {
				val += s.Faint.Render("  " + clipText("from "+e.zoneWhy, max(fw-30, 10)))
			}
		case tePayload:
			var example []byte
			if e.codeIdx < len(e.cmds) {
				example = e.cmds[e.codeIdx].ExamplePayload()
			}
			val = payloadField(&e.text[i], focused, 24, s, example)
			if pv.perr != nil {
				val += s.Err.Render("  " + pv.perr.Error())
			} else if pv.payload != "" {
				val += s.Accent.Render("  → " + clipText(pv.payload, max(fw-28, 10)))
			}
		default:
			val = e.text[i].view(focused, fw, s.Selected)
		}
		lines = append(lines, fmt.Sprintf(" %s%-12s %s", mark, teLabels[i], val))
	}
	if e.textField() && !e.typing {
		lines = append(lines, s.Faint.Render(" not typing: \""+a.keyLabel(ActCommand)+"\" runs a command, esc leaves, enter types again"))
	}
	if e.saveErr != nil {
		lines = append(lines, s.Err.Render(" save failed: "+a.errorLine(e.saveErr)+" — your edits are kept; fix and save again"))
	} else if e.saving {
		lines = append(lines, s.Warn.Render(" saving…"))
	} else if e.dirty() {
		lines = append(lines, s.Warn.Render(" unsaved changes"))
	}
	lines = append(lines, "")
	if pv.err != nil {
		lines = append(lines, s.Err.Render(" "+pv.err.Error()))
		return strings.Join(lines, "\n")
	}
	lines = append(lines, s.Bold.Render(" RULE ")+pv.rule)
	zone := strings.TrimSpace(e.text[teZone].value())
	lines = append(lines, s.Bold.Render(fmt.Sprintf(" NEXT %d FIRINGS", len(pv.firings)))+s.Faint.Render(" in "+zone))
	if len(pv.firings) == 0 {
		msg := " none: "
		if e.kind() == models.CycleOnce {
			msg += "a once timer whose time has passed never runs (the cloud refuses it: 4401)"
		} else {
			msg += "it never runs after now"
		}
		lines = append(lines, s.Warn.Render(msg))
	}
	for _, f := range pv.firings {
		line := fmt.Sprintf("   %s  %-9s", f.At.Format("Mon 2006-01-02 15:04:05 MST"), relTime(now, f.At))
		switch f.Note {
		case models.FiringGap:
			line += s.Warn.Render(fmt.Sprintf("  DST gap: %s does not exist there; runs at %s", f.Wall[11:16], f.At.Format("15:04")))
		case models.FiringRepeat:
			line += s.Warn.Render(fmt.Sprintf("  DST repeat: %s happens twice; runs once, at the first", f.Wall[11:16]))
		}
		lines = append(lines, line)
	}
	for _, c := range pv.clashes {
		lines = append(lines, s.Warn.Render(" "+s.Glyphs.Warning+" "+c))
	}
	return strings.Join(lines, "\n")
}

// relTime is "in 3 h", "in 2 d" for the preview.
func relTime(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d < time.Minute:
		return "in <1 min"
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("in %d h", int(d.Hours()))
	}
	return fmt.Sprintf("in %d d", int(d.Hours()/24))
}
