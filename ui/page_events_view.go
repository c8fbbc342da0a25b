// Showing the tail: the texts of its lines, the filter and scrolling, and drawing.

package ui

import (
	"acconsole/i18n"
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"acconsole/models"
)

// eventKindName is an event kind (device history's, and the console's
// timer, ota and audit lines) in the reader's language; a kind this
// console does not know shows as the cloud sent it.
func eventKindName(tr *i18n.Translator, kind string) string {
	switch kind {
	case "report":
		return tr.T("events.kind.report")
	case "command":
		return tr.T("events.kind.command")
	case "online":
		return tr.T("events.kind.online")
	case "offline":
		return tr.T("events.kind.offline")
	case "joined":
		return tr.T("events.kind.joined")
	case "subDeviceJoined":
		return tr.T("events.kind.sub_joined")
	case "matchOpened":
		return tr.T("events.kind.match_opened")
	case "matchClosed":
		return tr.T("events.kind.match_closed")
	case EventTimer:
		return tr.T("events.kind.timer")
	case EventOTA:
		return tr.T("events.kind.ota")
	case EventAudit:
		return tr.T("events.kind.audit")
	}
	return models.SanitizeLine(kind)
}

// lowered is what the filter matches a line against: its kind as the
// cloud names it and in the reader's words, the device and the text.
func (p *eventsPage) lowered(tr *i18n.Translator, l tailLine) string {
	return strings.ToLower(l.kind + " " + eventKindName(tr, l.kind) + " " + p.devs[l.dev].w.label + " " + l.text)
}

func (p *eventsPage) SetFilter(q string) error {
	p.invert = strings.HasPrefix(q, "!")
	p.filter = strings.ToLower(strings.TrimPrefix(q, "!"))
	if p.filter == "" {
		p.invert = false
	}
	p.scroll = 0
	return nil
}

func (p *eventsPage) Filter() string {
	if p.invert {
		return "!" + p.filter
	}
	return p.filter
}

func (p *eventsPage) Scroll(n int) {
	p.follow = false
	p.scroll = max(p.scroll-n, 0)
}

// rendered fills in a line's text from its render, in tr's language.
func rendered(tr *i18n.Translator, l tailLine) tailLine {
	if l.render != nil {
		l.text = models.SanitizeLine(l.render(tr))
	}
	return l
}

// eventText words a device-history event.
func eventText(e DeviceEvent) func(tr *i18n.Translator) string {
	return func(tr *i18n.Translator) string {
		switch e.Kind {
		case "report", EventOTA:
			return fmt.Sprintf("%d %s", e.Code, orHex(tr, e.Text, e.Payload))
		case "command":
			result := orDash(e.Result)
			if e.Result == "refused" {
				result = tr.T("events.refused")
			}
			return fmt.Sprintf("%d %s → %s", e.Code, orHex(tr, e.Text, e.Payload), result)
		case "offline":
			return tr.T("events.went_offline")
		case "online":
			if e.Other != "" {
				return tr.T("events.came_online_from", "From", e.Other)
			}
			return tr.T("events.came_online")
		case "joined":
			return tr.T("events.joined_gateway", "Gateway", e.Other)
		case "subDeviceJoined":
			return tr.T("events.sub_joined", "Device", e.Other)
		case "matchOpened":
			return tr.T("events.pairing_opened")
		case "matchClosed":
			return tr.T("events.pairing_closed")
		}
		return e.Text
	}
}

// timerFiredText words a timer's firing. The result, the reply and the delay
// are clauses of one sentence; the catalog has a sentence for each
// combination that occurs.
func timerFiredText(f timerFiring) func(tr *i18n.Translator) string {
	return func(tr *i18n.Translator) string {
		name, task, result := f.task.Name, f.task.TaskID, f.run.Result
		late := f.run.Late > time.Second
		var text string
		switch {
		case f.run.ReplyCode != 0 && late:
			text = tr.T("events.timer_fired_reply_late", "Name", name, "Task", task, "Result", result, "Reply", f.run.ReplyCode, "Late", tr.Duration(f.run.Late))
		case f.run.ReplyCode != 0:
			text = tr.T("events.timer_fired_reply", "Name", name, "Task", task, "Result", result, "Reply", f.run.ReplyCode)
		case late:
			text = tr.T("events.timer_fired_late", "Name", name, "Task", task, "Result", result, "Late", tr.Duration(f.run.Late))
		default:
			text = tr.T("events.timer_fired", "Name", name, "Task", task, "Result", result)
		}
		if f.run.Detail != "" {
			text += " · " + f.run.Detail
		}
		return text
	}
}

// auditText words one of this console's audit entries (the action, its
// parameters and its result as the audit log has them).
func auditText(r models.AuditEntry, params string) func(tr *i18n.Translator) string {
	return func(tr *i18n.Translator) string {
		text := tr.T("events.audit_line", "Action", auditAction(r), "Params", params, "Operator", r.Operator, "Result", auditResult(r))
		if r.Reason != "" {
			text += " · " + r.Reason
		}
		if r.Note != "" {
			text += " · " + r.Note
		}
		return text
	}
}

// Relabel implements Relabeler: the lines already read are worded again
// in the new language (and filtered by its words).
func (p *eventsPage) Relabel(a *App) {
	tr := a.Tr()
	for i := range p.lines {
		l := rendered(tr, p.lines[i])
		if l.dev < len(p.devs) {
			l.low = p.lowered(tr, l)
		}
		p.lines[i] = l
	}
}

func orHex(tr *i18n.Translator, text string, b []byte) string {
	if text != "" {
		return text
	}
	return emptyOr(tr, spacedHex(b))
}

func (p *eventsPage) visible(l tailLine) bool {
	if p.solo >= 0 && l.dev != p.solo {
		return false
	}
	if p.filter == "" {
		return true
	}
	return strings.Contains(l.low, p.filter) != p.invert
}

func (p *eventsPage) View(a *App, w, h int) string {
	s := a.styles
	lw := min(listWidth, w/3)
	tw := w - lw - 1

	// Left: the watched devices.
	tr := a.Tr()
	left := []string{s.Bold.Render(" " + a.T("events.watching_head"))}
	for i, d := range p.devs {
		mark := " "
		if i == p.cursor {
			mark = s.Glyphs.Cursor
		}
		dot := s.Faint.Render("?")
		switch d.online {
		case "online":
			dot = s.OK.Render(s.Glyphs.Online)
		case "offline":
			dot = s.Offline.Render(s.Glyphs.Offline)
		}
		name := p.style(i).Render(clipText(d.w.label, lw-8))
		left = append(left, fmt.Sprintf("%s%s %s", mark, dot, name))
		info := fmt.Sprintf("   %s %s", d.w.ref.SubDomain, shortID(d.w.ref.PhysicalID))
		if d.err != nil {
			info = "   " + s.Err.Render(clipText(a.errorLine(d.err), lw-4))
		} else {
			info = s.Faint.Render(clipText(info+" · "+a.N("events.lines", d.lines), lw))
		}
		left = append(left, info)
	}
	left = append(left, "")
	if p.solo >= 0 && p.solo < len(p.devs) {
		left = append(left, s.Warn.Render(" "+a.T("events.only", "Device", clipText(p.devs[p.solo].w.label, lw-7))))
	}
	if p.filter != "" {
		left = append(left, s.Warn.Render(" "+a.T("events.filter", "Filter", clipText(p.Filter(), lw-9))))
	}
	if p.paused {
		left = append(left, s.Warn.Render(" "+a.T("events.paused")))
	} else if !p.follow {
		left = append(left, s.Faint.Render(" "+a.N("events.lines_below", p.scroll)))
	}

	// Right: the merged tail, newest at the bottom.
	var shown []int
	for i := len(p.lines) - 1; i >= 0 && len(shown) < h+p.scroll; i-- {
		if p.visible(p.line(i)) {
			shown = append(shown, i)
		}
	}
	skip := min(p.scroll, len(shown))
	shown = shown[skip:]
	rows := make([]string, 0, h)
	for j := min(len(shown), h) - 1; j >= 0; j-- {
		l := p.line(shown[j])
		who := p.style(l.dev).Render(padRight(clipText(p.devs[l.dev].w.label, 12), 12))
		kind := padRight(eventKindName(tr, l.kind), 9)
		text := clipText(l.text, max(tw-36, 10))
		st := s.Text
		switch {
		case l.bad:
			st = s.Err
		case l.kind == EventAudit:
			st = s.Accent
		case l.kind == EventOTA || l.kind == EventTimer:
			st = s.Warn
		}
		rows = append(rows, " "+s.Faint.Render(l.at.Local().Format("15:04:05.000"))+" "+who+" "+s.Faint.Render(kind)+" "+st.Render(text))
	}
	if len(rows) == 0 {
		msg := a.T("events.waiting")
		if len(p.lines) > 0 {
			msg = a.T("events.no_match")
		}
		rows = append(rows, s.Faint.Render(" "+msg))

	}
	for len(rows) < h {
		rows = append([]string{""}, rows...)
	}
	out := make([]string, h)
	sep := s.BorderFg.Render("│")
	for i := range h {
		l := ""
		if i < len(left) {
			l = left[i]
		}
		out[i] = padRight(clipCells(l, lw), lw) + sep + rows[i]
	}
	return strings.Join(out, "\n")
}

// clipCells cuts a styled string to w cells.
func clipCells(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return clipText(s, w)
}
