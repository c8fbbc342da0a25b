// The tail's model: polling the watched devices and merging events, timer firings and audit into lines.

package ui

import (
	"acconsole/i18n"
	"context"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
)

type (
	tailTick  struct{ tag int }
	tailBatch struct {
		perDev [][]DeviceEvent
		errs   []error
		runs   [][]timerFiring
		audit  []models.AuditEntry
	}
	timerFiring struct {
		task models.TimerTask
		run  TimerRun
	}
	watchResolved struct {
		w   watchedDevice
		err error
	}
	// watchOpened is :watch's answer: the devices found and the names
	// that found none. The page goes on the stack only when one was found.
	watchOpened struct {
		ws   []watchedDevice
		errs []string
	}
)

func (p *eventsPage) poll(a *App) tea.Cmd {
	p.gen++
	p.polls++
	api, audit := a.api, a.audit
	type q struct {
		ref   DeviceRef
		since time.Time
		limit int
	}
	qs := make([]q, len(p.devs))
	for i, d := range p.devs {
		qs[i] = q{ref: d.w.ref, limit: tailBacklog}
		if d.lastMs != 0 {
			qs[i].since, qs[i].limit = time.UnixMilli(d.lastMs), tailReadLimit
		}
	}
	withTimers := p.polls%timerPollEach == 1
	return Run(a, p, p.gen, true, func(ctx context.Context) (tailBatch, error) {
		b := tailBatch{perDev: make([][]DeviceEvent, len(qs)), errs: make([]error, len(qs)), runs: make([][]timerFiring, len(qs))}
		for i, x := range qs {
			b.perDev[i], b.errs[i] = api.DeviceHistory(ctx, x.ref, x.since, x.limit)
			if withTimers {
				b.runs[i] = timerFirings(ctx, api, x.ref)
			}
		}
		if audit != nil {
			b.audit, _ = audit()
		}
		return b, nil
	})
}

// timerFirings reads the last runs of a device's timers; failures leave
// them out (a cloud without timer history, or without timers).
func timerFirings(ctx context.Context, api API, ref DeviceRef) []timerFiring {
	tasks, err := api.ListTimers(ctx, ref)
	if err != nil {
		return nil
	}
	var out []timerFiring
	for _, t := range tasks {
		runs, err := api.TimerHistory(ctx, ref, t.TaskID, 10)
		if err != nil {
			continue
		}
		for _, r := range runs {
			out = append(out, timerFiring{task: t, run: r})
		}
	}
	return out
}

func (p *eventsPage) absorb(a *App, b tailBatch) {
	tr := a.Tr()
	var fresh []tailLine
	for i, d := range p.devs {
		if i >= len(b.perDev) {
			break
		}
		d.err = b.errs[i]
		for _, e := range b.perDev[i] {
			ms := e.At.UnixMilli()
			key := e.Kind + "|" + strconv.Itoa(e.Code) + "|" + string(e.Payload) + "|" + e.Other + e.Result
			if ms < d.lastMs || (ms == d.lastMs && d.atLast[key]) {
				continue
			}
			if ms > d.lastMs {
				d.lastMs = ms
				clear(d.atLast)
			}
			d.atLast[key] = true
			switch e.Kind {
			case "online", "offline":
				d.online = e.Kind
			}
			fresh = append(fresh, eventLine(tr, i, e))
		}
	}
	var runs []tailLine
	for i, d := range p.devs {
		if i >= len(b.runs) {
			break
		}
		for _, f := range b.runs[i] {
			k := strconv.FormatInt(f.task.TaskID, 10) + "|" + f.run.At.String()
			if d.timerSeen[k] {
				continue
			}
			d.timerSeen[k] = true
			// A cloud timer's firing is a command the cloud sent: the
			// command's own line becomes the firing's line.
			if p.markTimerCommand(tr, fresh, i, f) {
				continue
			}
			bad := !timerRunOK(f.run.Result, f.run.ReplyCode)
			runs = append(runs, rendered(tr, tailLine{at: f.run.At, dev: i, kind: EventTimer, bad: bad, render: timerFiredText(f)}))
		}
	}
	fresh = append(fresh, runs...)
	for _, r := range b.audit {
		if !r.Time.After(p.auditSeen) {
			continue
		}
		params := r.ParamsText()
		for i, d := range p.devs {
			if auditMentions(params, d.w.ref) {
				fresh = append(fresh, rendered(tr, tailLine{at: r.Time, dev: i, kind: EventAudit, bad: auditResult(r) != "ok", render: auditText(r, params)}))
			}
		}
	}
	for _, r := range b.audit {
		if r.Time.After(p.auditSeen) {
			p.auditSeen = r.Time
		}
	}
	if len(fresh) == 0 {
		return
	}
	sortTail(fresh)
	for _, l := range fresh {
		l.low = p.lowered(tr, l)
		p.devs[l.dev].lines++
		p.push(l)
	}
	if !p.follow {
		p.scroll += len(fresh) // keep the lines in view where they are
	}
}

// auditMentions reports whether an audit entry is about the device: the
// console's writes name it by id or physical id in their parameters
// (params, as ParamsText renders them).
func auditMentions(params string, ref DeviceRef) bool {
	if ref.PhysicalID != "" && strings.Contains(params, ref.PhysicalID) {
		return true
	}
	if ref.DeviceID == 0 {
		return false
	}
	id := strconv.FormatInt(ref.DeviceID, 10)
	for _, key := range []string{"deviceId=", "gatewayDeviceId=", "deviceId:", "\"deviceId\":"} {
		if i := strings.Index(params, key+id); i >= 0 {
			end := i + len(key) + len(id)
			if end == len(params) || params[end] < '0' || params[end] > '9' {
				return true
			}
		}
	}
	return false
}

func sortTail(ls []tailLine) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].at.Before(ls[j-1].at); j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

// push appends a line to the ring; the tail is in time order of arrival
// per poll, which is time order per device.
func (p *eventsPage) push(l tailLine) {
	if len(p.lines) < tailKeep {
		p.lines = append(p.lines, l)
		return
	}
	p.lines[p.start] = l
	p.start = (p.start + 1) % tailKeep
}

// timerMatch is how far a cloud timer's firing time and its command's
// history time may be apart: the firing is stamped when the send starts,
// the command when the device has answered.
const timerMatch = 3 * time.Second

// markTimerCommand finds the command a cloud timer's firing sent (same
// device and message code, within timerMatch of the firing) among the
// lines of this batch and the tail, and marks it as the timer's firing.
func (p *eventsPage) markTimerCommand(tr *i18n.Translator, fresh []tailLine, dev int, f timerFiring) bool {
	if f.task.TaskFlag != 0 {
		return false // a device timer: the device ran it, no command went out
	}
	mark := func(l *tailLine) bool {
		if l.dev != dev || l.kind != "command" || l.code != f.task.MessageCode {
			return false
		}
		if d := l.at.Sub(f.run.At); d < -timerMatch || d > timerMatch {
			return false
		}
		l.kind = EventTimer
		command, shown := l.render, l.text
		l.render = func(tr *i18n.Translator) string {
			if command != nil {
				shown = command(tr)
			}
			return tr.T("events.timer_fired_command", "Name", f.task.Name, "Task", f.task.TaskID, "Command", shown)
		}
		*l = rendered(tr, *l)
		l.low = p.lowered(tr, *l)
		return true
	}
	for i := range fresh {
		if mark(&fresh[i]) {
			return true
		}
	}
	for i := len(p.lines) - 1; i >= 0; i-- {
		if mark(&p.lines[(p.start+i)%len(p.lines)]) {
			return true
		}
	}
	return false
}

func (p *eventsPage) line(i int) tailLine { return p.lines[(p.start+i)%len(p.lines)] }

// eventLine is a device-history event as a line of the tail, in tr's
// language (results, codes and the cloud's descriptions are data).
func eventLine(tr *i18n.Translator, dev int, e DeviceEvent) tailLine {
	l := tailLine{at: e.At, dev: dev, kind: e.Kind, render: eventText(e)}
	switch e.Kind {
	case "command":
		l.bad = e.Result != "" && e.Result != "ok"
		l.code = e.Code
	case "offline":
		l.bad = true
	}
	return rendered(tr, l)
}
