// From the editor's fields to a timer task, and the preview of its next firings.

package ui

import (
	"strconv"
	"strings"
	"time"

	"acconsole/catalog"
	"acconsole/models"
)

// timerPreview is what the editor shows beside the form; it is computed
// when the form changes, not on every frame.
type timerPreview struct {
	rule    ruleDesc
	firings []models.Firing
	err     error
	clashes []string
	payload string
	perr    error
}

// command is the chosen message code and its spec (ok false for a code the
// product does not describe).
func (e *timerEditor) command() (int, catalog.Message, bool, error) {
	if e.codeIdx < len(e.cmds) {
		return e.cmds[e.codeIdx].Code, e.cmds[e.codeIdx], true, nil
	}
	n, err := strconv.Atoi(e.freeCode.value())
	if err != nil || n < minCommandCode || n > maxCommandCode {
		return 0, catalog.Message{}, false, errorf(e.tr.T("timers.edit.bad_code", "Min", minCommandCode, "Max", maxCommandCode))
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
			return models.TimeCycle{}, errorf(e.tr.T("timers.edit.no_days"))
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
		return t, errorf(e.tr.T("timers.edit.no_name"))
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
		return t, errorf(e.tr.T("timers.edit.bad_point", "Error", err.Error()))
	}
	code, spec, known, err := e.command()
	if err != nil {
		return t, err
	}
	t.MessageCode = code
	b, err := parseHex(e.text[tePayload].value())
	if err != nil {
		return t, errorf(e.tr.T("timers.edit.bad_payload", "Error", err.Error()))
	}
	if known && (len(b) > 0 || e.orig == nil) {
		if n := spec.Size(); n >= 0 && n != len(b) {
			return t, errorf(e.tr.N("timers.edit.payload_size", n, "Command", spec.Name, "Got", len(b)))
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
	key := e.snapshot() + "\x00" + now.Truncate(time.Minute).String() + "\x00" + string(e.tr.Lang())
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
			pv.payload = e.tr.T("timers.edit.payload_kept")
		case len(b) == 0 && known && spec.Size() > 0:
			pv.perr = errorf(e.tr.N("timers.edit.payload_needed", spec.Size(), "Command", spec.Name))
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
		pv.clashes = append(pv.clashes, e.tr.T("timers.edit.clash", "Name", strconv.Quote(names[other]), "ID", other, "At", minuteText(e.tr, c.At)))
	}
	return pv
}
