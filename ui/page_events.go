package ui

import (
	"acconsole/i18n"
	"context"
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"acconsole/acapi"
	"acconsole/models"
)

const (
	tailKeep      = 5000 // lines kept, like k9s's log buffer (FEATURES §4)
	tailPollGap   = 2 * time.Second
	tailBacklog   = 50  // entries per device on the first read
	tailReadLimit = 200 // entries per device per read after that
	timerPollEach = 5   // read timer histories every 5th poll (10 s)
	watchMax      = 8
	listWidth     = 30
)

// watchedDevice is a device on the watch list.
type watchedDevice struct {
	ref   DeviceRef
	label string
}

func watchOf(ref DeviceRef, d DeviceDetail) watchedDevice {
	return watchedDevice{ref: ref, label: deviceTitle(d)}
}

// tailLine is one line of the merged tail.
type tailLine struct {
	at   time.Time
	dev  int // index into the page's devices
	kind string
	text string
	bad  bool // a failure worth colouring
	low  string
	code int // a command's message code, to match it to a timer firing
	// render words the line in a language (text is its wording in the
	// language the line was read in), so :lang rewords the tail.
	render func(tr *i18n.Translator) string
}

// devTail is what the page knows of one watched device.
type devTail struct {
	w         watchedDevice
	lastMs    int64
	atLast    map[string]bool // keys of the entries at lastMs, to drop repeats
	online    string          // "online", "offline" or ""
	lines     int
	timerSeen map[string]bool
	colour    int // index into watchColours, kept while the device is watched
	err       error
}

// eventsPage is the live tail of one device (v on a device) or of a watch
// list of several (:watch), in a split pane: the devices on the left, one
// colour each, and their events merged in time order on the right
// (FEATURES §2 I). It polls the device-history service incrementally,
// adds timer firings and this console's audit entries for the devices,
// keeps the last 5 000 lines, and filters with "/".
type eventsPage struct {
	devs   []*devTail
	lines  []tailLine // ring, oldest first once full
	start  int
	cursor int  // device under the list cursor
	solo   int  // -1, or the only device shown
	follow bool // stick to the newest line
	scroll int  // lines up from the bottom when not following
	filter string
	invert bool

	gen        int
	tag        int
	polls      int
	auditSeen  time.Time
	paused     bool
	nextColour int
	styles     []lipgloss.Style // by colour index
}

// The colours of watched devices: ANSI colours, so that each theme's
// terminal palette keeps them readable.
var watchColours = []color.Color{
	lipgloss.ANSIColor(6), lipgloss.ANSIColor(3), lipgloss.ANSIColor(5), lipgloss.ANSIColor(2),
	lipgloss.ANSIColor(4), lipgloss.ANSIColor(14), lipgloss.ANSIColor(11), lipgloss.ANSIColor(13),
}

func newEventsPage(ws []watchedDevice) *eventsPage {
	p := &eventsPage{solo: -1, follow: true}
	for _, w := range ws {
		p.addDevice(w)
	}
	return p
}

func (p *eventsPage) addDevice(w watchedDevice) bool {
	for _, d := range p.devs {
		if d.w.ref.PhysicalID == w.ref.PhysicalID && d.w.ref.SubDomain == w.ref.SubDomain {
			return false
		}
	}
	p.devs = append(p.devs, &devTail{w: w, atLast: map[string]bool{}, timerSeen: map[string]bool{}, colour: p.nextColour % len(watchColours)})
	p.nextColour++
	return true
}

// style is device i's colour (built once per colour: View runs often).
func (p *eventsPage) style(i int) lipgloss.Style {
	if len(p.styles) == 0 {
		for _, c := range watchColours {
			p.styles = append(p.styles, lipgloss.NewStyle().Foreground(c).Bold(true))
		}
	}
	return p.styles[p.devs[i].colour]
}

func (p *eventsPage) Title(tr *i18n.Translator) string {
	if len(p.devs) == 1 {
		return tr.T("events.title_one", "Device", p.devs[0].w.label)
	}
	return tr.T("events.title_watch", "Devices", len(p.devs))
}

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

// pageKeys: the watch list (add, remove, the device under the cursor
// alone or not), pause, and moving through devices and events.
func (p *eventsPage) pageKeys() []pageKey {
	return []pageKey{
		{action: ActWatchAdd, hint: true, run: func(a *App) tea.Cmd {
			if len(p.devs) >= watchMax {
				return a.Fail(errorf(a.T("events.watch_max", "Max", watchMax)))
			}
			a.Ask(a.T("events.ask_watch"), func(a *App, s string) tea.Cmd {
				return resolveWatch(a, p, s)
			})
			return nil
		}},
		{action: ActWatchRemove, hint: true, run: func(a *App) tea.Cmd {
			if len(p.devs) <= 1 {
				return a.Flash(a.T("events.last_stays", "Key", a.keyLabel(ActBack)))
			}
			p.removeDevice(p.cursor)
			return p.Load(a)
		}},
		{action: ActOpen, hint: true, run: func(a *App) tea.Cmd {
			if p.solo == p.cursor {
				p.solo = -1
			} else {
				p.solo = p.cursor
			}
			p.scroll = 0
			return nil
		}},
		{action: ActPause, hint: true, run: func(a *App) tea.Cmd {
			p.paused = !p.paused
			if p.paused {
				return a.Flash(a.T("events.paused_flash"))
			}
			return a.Flash(a.T("events.following"))
		}},
		{action: ActUp, run: func(a *App) tea.Cmd { p.cursor = max(p.cursor-1, 0); return nil }},
		{action: ActDown, run: func(a *App) tea.Cmd { p.cursor = min(p.cursor+1, max(len(p.devs)-1, 0)); return nil }},
		{action: ActPageUp, run: func(a *App) tea.Cmd { p.Scroll(-10); return nil }},
		{action: ActPageDown, run: func(a *App) tea.Cmd {
			p.Scroll(10)
			if p.scroll == 0 {
				p.follow = true
			}
			return nil
		}},
		{action: ActBottom, run: func(a *App) tea.Cmd { p.follow, p.scroll = true, 0; return nil }},
	}
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

// Load starts (or restarts) the tail; the watch list is remembered for
// the session, so ":watch" alone comes back to it.
func (p *eventsPage) Load(a *App) tea.Cmd {
	var ws []watchedDevice
	for _, d := range p.devs {
		ws = append(ws, d.w)
	}
	if len(ws) > 1 {
		a.wf.watch = ws
	}
	p.tag++
	return p.poll(a)
}

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

func (p *eventsPage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tickMsg:
		switch v := m.tick.(type) {
		case tailTick:
			if v.tag != p.tag || !onStack(a, p) {
				return nil // an older chain, or the page is gone (Resume restarts it)
			}
			if !onTop(a, p) || p.paused {
				// Hidden or paused: keep the chain, skip the read.
				return a.pageTick(p, tailPollGap, tailTick{p.tag})
			}
			return p.poll(a)
		}
		return nil
	case loaded:
		switch v := m.val.(type) {
		case tailBatch:
			if m.gen != p.gen {
				return nil
			}
			p.absorb(a, v)
			return a.pageTick(p, tailPollGap, tailTick{p.tag})
		}
		return nil
	case doneMsg:
		switch v := m.val.(type) {
		case watchOpened:
			if len(v.ws) == 0 {
				return a.Fail(errorf(a.T("events.nothing_to_watch", "Errors", strings.Join(v.errs, "; "))))
			}
			for _, w := range v.ws {
				p.addDevice(w)
			}
			cmd := a.Push(p)
			if len(v.errs) > 0 {
				cmd = tea.Batch(cmd, a.Fail(errorf(a.T("events.not_watched", "Errors", strings.Join(v.errs, "; ")))))
			}
			return cmd
		case watchResolved:
			if v.err != nil {
				return a.Fail(v.err)
			}
			if len(p.devs) >= watchMax {
				return a.Fail(errorf(a.T("events.watch_max", "Max", watchMax)))
			}
			if !p.addDevice(v.w) {
				return a.Flash(a.T("events.already_watched", "Device", v.w.label))
			}
			return tea.Batch(a.Flash(a.T("events.watching", "Device", v.w.label)), p.Load(a))
		}
		return nil
	}
	return nil
}

// Resume implements Resumer: the tail's chain ends while the page is off
// the stack, so it starts again when the page is back on top, under a
// fresh tag that voids any older chain (and a fresh read, unless paused,
// which supersedes any read in flight).
func (p *eventsPage) Resume(a *App) tea.Cmd {
	p.tag++
	if p.paused {
		return a.pageTick(p, tailPollGap, tailTick{p.tag})
	}
	return p.poll(a)
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

func (p *eventsPage) removeDevice(i int) {
	if i < 0 || i >= len(p.devs) {
		return
	}
	p.devs = append(p.devs[:i], p.devs[i+1:]...)
	kept := p.lines[:0:0]
	for j := 0; j < len(p.lines); j++ {
		l := p.line(j)
		switch {
		case l.dev == i:
			continue
		case l.dev > i:
			l.dev--
		}
		kept = append(kept, l)
	}
	p.lines, p.start = kept, 0
	p.cursor = min(p.cursor, len(p.devs)-1)
	p.solo = -1
}

// resolveWatch finds a device by id or physical id for the watch list.
func resolveWatch(a *App, p Page, q string) tea.Cmd {
	q = strings.TrimSpace(q)
	if q == "" {
		return a.Fail(errorf(a.T("events.name_device")))
	}
	api, details, tr := a.api, a.keyLabel(ActErrors), a.Tr()
	return runVal(a, p, func(ctx context.Context) any {
		w, err := findWatched(ctx, api, tr, q, details)
		return watchResolved{w: w, err: err}
	})
}

// findWatched looks a device up for the watch list. A device the cloud
// does not know (no binding and no warehouse record) is refused: its tail
// would stay empty for ever.
// details is the key that shows an error in full; tr the language of the
// refusals.
func findWatched(ctx context.Context, api API, tr *i18n.Translator, q, details string) (watchedDevice, error) {
	ref := DeviceRef{PhysicalID: q}
	if id, err := strconv.ParseInt(q, 10, 64); err == nil && len(q) < 16 {
		ref = DeviceRef{DeviceID: id}
	}
	d, err := api.DeviceDetail(ctx, ref)
	if acapi.Code(err) == models.ErrDeviceAbsent {
		// Several names share one status line: say which, briefly.
		return watchedDevice{}, errorf(tr.T("events.no_device", "Query", strconv.Quote(models.SanitizeLine(q))))
	}
	if err != nil {
		return watchedDevice{}, fmt.Errorf("%s: %s", q, errorText(err, details))
	}
	// The warehouse answers for any physical id; status 0 says the device
	// does not exist (PROTOCOL §3.7).
	if d.Device.PhysicalDeviceID == "" || (d.Device.DeviceID == 0 && (d.Info.PhysicalDeviceID == "" || d.Info.Status == 0)) {
		return watchedDevice{}, errorf(tr.T("events.no_device", "Query", strconv.Quote(models.SanitizeLine(q))))
	}
	return watchOf(actingRef(ref, d), d), nil
}

// cmdWatch opens the watch list: the devices named, else the last list.
// Named devices are looked up first; the page opens only when one of them
// exists, and each name that finds none is said.
func cmdWatch(a *App, arg string) tea.Cmd {
	p := newEventsPage(nil)
	if strings.TrimSpace(arg) == "" {
		if len(a.wf.watch) == 0 {
			if dp, ok := a.top().(*devicePage); ok && dp.detail != nil {
				return a.Push(newEventsPage([]watchedDevice{watchOf(actingRef(dp.ref, *dp.detail), *dp.detail)}))
			}
			return a.Fail(errorf(a.T("events.watch_usage", "Max", watchMax, "Key", a.keyLabel(ActEvents))))
		}
		for _, w := range a.wf.watch {
			p.addDevice(w)
		}
		return a.Push(p)
	}
	names := strings.Fields(arg)
	if len(names) > watchMax {
		return a.Fail(errorf(a.T("events.watch_max", "Max", watchMax)))
	}
	api, details, tr := a.api, a.keyLabel(ActErrors), a.Tr()
	return runVal(a, p, func(ctx context.Context) any {
		var v watchOpened
		for _, q := range names {
			w, err := findWatched(ctx, api, tr, q, details)
			if err != nil {
				v.errs = append(v.errs, errorText(err, details))
				continue
			}
			v.ws = append(v.ws, w)
		}
		return v
	})
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
