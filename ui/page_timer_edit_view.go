package ui

import (
	"acconsole/i18n"
	"fmt"
	"strings"
	"time"

	"acconsole/models"
)

func (e *timerEditor) View(a *App, w, h int) string {
	e.tr = a.tr
	s := a.styles
	now := a.Now()
	kind := a.T("timers.edit.kind_device_note")
	if e.cloud {
		kind = a.T("timers.edit.kind_cloud_note")
	}
	lines := []string{s.Title.Render(" "+e.Title(a.tr)) + s.Faint.Render("  "+a.T("timers.edit.head", "Device", deviceTitle(e.list.detail), "User", e.list.ref.UserID,
		"NextKey", a.keyLabel(ActNextField), "SaveKey", a.keyLabel(ActSave)))}
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
				name := a.T(editorCycleIDs[c])
				if j == e.cycle {
					val += s.Bold.Render("‹"+name+"›") + " "
				} else {
					val += s.Faint.Render(" "+name+" ") + " "
				}
			}
		case teDays:
			for d := range 7 {
				name := a.tr.Weekday(time.Weekday(d))
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
				val += s.Faint.Render(" " + a.T("timers.edit.days_hint"))
			}
		case teCode:
			if e.codeIdx < len(e.cmds) {
				c := e.cmds[e.codeIdx]
				val = s.Bold.Render(fmt.Sprintf("‹%d %s›", c.Code, c.Name)) + s.Faint.Render("  "+clipText(c.Layout(), max(fw-30, 10)))
			} else {
				val = a.T("timers.edit.other_code") + " " + e.freeCode.view(focused, 4, s.Selected) + s.Faint.Render("  "+a.T("timers.edit.other_code_hint", "Min", minCommandCode, "Max", maxCommandCode))
			}
		case teKind:
			choice := a.T("timers.kind.device")
			if e.cloud {
				choice = a.T("timers.kind.cloud")
			}
			val = s.Bold.Render("‹"+choice+"›") + s.Faint.Render("  "+kind)
		case tePoint:
			val = e.text[i].view(focused, 22, s.Selected) + s.Faint.Render("  "+a.T("timers.edit.point_hint"))
		case teZone:
			val = e.text[i].view(focused, 28, s.Selected)
			z := strings.TrimSpace(e.text[i].value())
			if _, err := models.LoadZone(z); err != nil {
				val += s.Err.Render("  " + a.T("timers.edit.unknown_zone"))
			} else if e.zoneWhy != "" && z == e.defZone {
				val += s.Faint.Render("  " + clipText(a.T("timers.edit.zone_from", "Why", a.T(e.zoneWhy, "Place", e.zonePlace)), max(fw-30, 10)))
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
		lines = append(lines, " "+mark+padRight(a.T(teLabelIDs[i]), 12)+" "+val)
	}
	if e.textField() && !e.typing {
		lines = append(lines, s.Faint.Render(" "+a.T("timers.edit.not_typing", "Key", a.keyLabel(ActCommand))))
	}
	if e.saveErr != nil {
		lines = append(lines, s.Err.Render(" "+a.T("timers.edit.save_failed", "Error", a.errorLine(e.saveErr))))
	} else if e.saving {
		lines = append(lines, s.Warn.Render(" "+a.T("timers.edit.saving")))
	} else if e.dirty() {
		lines = append(lines, s.Warn.Render(" "+a.T("timers.edit.unsaved_changes")))
	}
	lines = append(lines, "")
	if pv.err != nil {
		lines = append(lines, s.Err.Render(" "+pv.err.Error()))
		return strings.Join(lines, "\n")
	}
	lines = append(lines, s.Bold.Render(" "+a.T("timers.edit.rule_label")+" ")+pv.rule.text(a.tr))
	zone := strings.TrimSpace(e.text[teZone].value())
	lines = append(lines, s.Bold.Render(" "+a.N("timers.edit.next_firings", len(pv.firings)))+s.Faint.Render(" "+a.T("timers.edit.in_zone", "Zone", zone)))
	if len(pv.firings) == 0 {
		msg := a.T("timers.edit.never_runs")
		if e.kind() == models.CycleOnce {
			msg = a.T("timers.edit.once_passed")
		}
		lines = append(lines, s.Warn.Render(" "+msg))
	}
	for _, f := range pv.firings {
		line := "   " + firingText(a.tr, f.At) + "  " + padRight(relTime(a.tr, now, f.At), 9)
		switch f.Note {
		case models.FiringGap:
			line += s.Warn.Render("  " + a.T("timers.edit.dst_gap", "Wall", f.Wall[11:16], "At", f.At.Format("15:04")))
		case models.FiringRepeat:
			line += s.Warn.Render("  " + a.T("timers.edit.dst_repeat", "Wall", f.Wall[11:16]))
		}
		lines = append(lines, line)
	}
	for _, c := range pv.clashes {
		lines = append(lines, s.Warn.Render(" "+s.Glyphs.Warning+" "+c))
	}
	return strings.Join(lines, "\n")
}

// relTime is "in 3 h", "in 2 d" for the preview.
func relTime(tr *i18n.Translator, now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d < time.Minute:
		return tr.T("timers.edit.in_under_minute")
	case d < time.Hour:
		return tr.T("timers.edit.in_minutes", "N", int(d.Minutes()))
	case d < 48*time.Hour:
		return tr.T("timers.edit.in_hours", "N", int(d.Hours()))
	}
	return tr.T("timers.edit.in_days", "N", int(d.Hours()/24))
}
