// Package ui is the console: a Bubble Tea v2 program over an API (acapi in
// production, an in-memory fake in model tests). One root App owns the page
// stack, the command bar, the filter, dialogs, the status line and write
// mode; pages own their data and tables. README.md in this directory maps
// where a view, a command, a key, a dialog and a call to the cloud go.
package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"acconsole/i18n"
	"acconsole/internal/clock"
	"acconsole/models"
	"acconsole/themes"
	"acconsole/ui/text"
)

// Minimum terminal size; below it the console shows a "too small" screen.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Profile is what the header says about the connection.
type Profile struct {
	Name        string
	Router      string
	MajorDomain string
	Production  bool
	// CanWrite is false for profiles where write mode is refused outright.
	CanWrite bool
}

// AuditSource reads the audit log's entries, oldest first, for the :audit
// view and the live events' audit lines (page_audit.go shows them).
type AuditSource func() ([]models.AuditEntry, error)

// Options build an App.
type Options struct {
	API      API
	Keys     KeyMap
	Styles   *themes.Styles
	Themes   func(name string) (*themes.Styles, error)
	Profile  Profile
	Refresh  time.Duration // 0 = no polling
	WriteFor time.Duration // how long :write lasts; 0 = 15 min
	// StartWritable opens in write mode (refused for production profiles).
	StartWritable bool
	Audit         AuditSource
	// OnWriteMode tells the caller the reason for write mode, for audit
	// notes.
	OnWriteMode func(reason string)
	// AuditRefused records a write the console refused before calling the
	// cloud (read-only mode): what was tried and why (writes.go).
	AuditRefused func(action, why string)
	// OnError receives every error the console shows the operator, with
	// the page it was shown on, for the console's log file.
	OnError func(page string, err error)
	// IdleAfter stops polling after this long without a key, click or
	// paste (0 = 5 min, < 0 = never); it starts again on the next input.
	IdleAfter time.Duration
	// ShareQR makes WeChat QR strings through the WeChat bridge; nil shows
	// the plain share code (page_share.go).
	ShareQR ShareQRFunc
	// ShareScanHint tells the operator where a WeChat QR can be scanned
	// without a phone (the local WeChat emulator's control address); it is
	// shown under a WeChat QR.
	ShareScanHint string
	// Operator, when set, is who is at the keyboard as the server knows
	// them (an SSH key's owner): shown in the header, never changeable
	// from inside the console.
	Operator string
	// ReadOnlyWhy is what :write says when Profile.CanWrite is false
	// (default: the --readonly explanation).
	ReadOnlyWhy string
	// Sessions lists a shared server's sessions for :sessions (admins).
	Sessions SessionSource
	// Lang is the language the console starts in (English when empty);
	// :lang switches it.
	Lang i18n.Lang
	// Clock tells the console's time and runs its waits (the status
	// line, write mode, polls, the workflow pages' ticks); nil is the real
	// clock. Model tests pass a *clock.Fake and move time by hand.
	Clock clock.Clock
}

type inputMode int

const (
	inputNone inputMode = iota
	inputCommand
	inputFilter
	inputPrompt
)

// App is the root model.
type App struct {
	api     API
	keys    KeyMap
	styles  *themes.Styles
	themes  func(string) (*themes.Styles, error)
	profile Profile
	clock   clock.Clock // ticks.go
	refresh time.Duration
	audit   AuditSource
	onWrite func(string)
	refused func(action, why string)
	onError func(page string, err error)
	// operator, readOnlyWhy and sessions: see Options.
	operator    string
	readOnlyWhy string
	sessions    SessionSource
	tr          *i18n.Translator // i18n.go

	width, height int

	stack   []Page
	back    [][]Page // snapshots for "[" and "]"
	forward [][]Page

	mode   inputMode
	input  textinput.Model
	prompt *linePrompt

	dialogs []dialog

	status     string
	statusErr  bool
	statusTag  int
	lastErr    error
	lastErrAt  time.Time
	writeUntil time.Time
	writeFor   time.Duration
	writeWhy   string
	writeTag   int
	pollSeq    int
	poll       pollState // poll.go
	showHelp   bool
	// jumping is set while the command bar's command runs (see Push).
	jumping bool
	// quitAsk is the open "quit anyway?" dialog: a second ctrl+c there
	// leaves without asking again.
	quitAsk dialog
	helpTop int // first line of the help screen shown
	// autoTheme follows the terminal's background (dark or light) because
	// no theme was configured.
	autoTheme bool
	quitting  bool
	wf        workflowState // session.go
	ctx       context.Context
	cancel    context.CancelFunc
}

// New builds the console. The first page is the users list.
func New(o Options) *App {
	o.Clock = clock.Or(o.Clock)
	if o.WriteFor == 0 {
		o.WriteFor = 15 * time.Minute
	}
	auto := o.Styles == nil
	if auto {
		o.Styles = themes.DefaultStyles(true)
	}
	ti := newLineInput(false)
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{
		api: o.API, keys: o.Keys, styles: o.Styles, themes: o.Themes, profile: o.Profile,
		clock: o.Clock, refresh: o.Refresh, audit: o.Audit, onWrite: o.OnWriteMode, refused: o.AuditRefused, onError: o.OnError,
		poll:     newPollState(o),
		writeFor: o.WriteFor, input: ti, ctx: ctx, cancel: cancel, autoTheme: auto,
		wf:       newWorkflowState(o),
		operator: o.Operator, readOnlyWhy: o.ReadOnlyWhy, sessions: o.Sessions,
		tr: i18n.For(o.Lang),
	}
	a.api.SetReadOnly(true)
	if o.StartWritable && !o.Profile.Production && o.Profile.CanWrite {
		a.enterWrite("--write at start")
	}
	a.stack = []Page{newUsersPage()}
	return a
}

func (a *App) setStyles(st *themes.Styles) {
	a.styles = st
	for _, p := range a.stack {
		if s, ok := p.(Restyler); ok {
			s.Restyle(a)
		}
	}
}

// Context is cancelled when the console quits, so in-flight calls stop.
func (a *App) Context() context.Context { return a.ctx }

// Styles returns the current styles.
func (a *App) Styles() *themes.Styles { return a.styles }

// Keys returns the key map.
func (a *App) Keys() KeyMap { return a.keys }

// API returns the cloud the console talks to.
func (a *App) API() API { return a.api }

// Now is the console's time (Options.Clock).
func (a *App) Now() time.Time { return a.clock.Now() }

// Init implements tea.Model.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, a.top().Load(a), a.schedulePoll()}
	if !a.writeUntil.IsZero() {
		cmds = append(cmds, a.writeTick())
	}
	return tea.Batch(cmds...)
}

func (a *App) top() Page { return a.stack[len(a.stack)-1] }

// Push opens a page on top of the stack. A page that names its own place
// (a user or a device found by ":user …", ":device …") opened from the
// command bar is a jump, not a step down: it becomes the root of the path,
// so the breadcrumb shows where the operator is, not every lookup so far.
func (a *App) Push(p Page) tea.Cmd {
	if a.jumping && isJumpTarget(p) {
		return a.Replace(p)
	}
	a.back = append(a.back, append([]Page(nil), a.stack...))
	a.forward = nil
	a.stack = append(a.stack, p)
	return tea.Batch(p.Load(a), a.schedulePoll())
}

// Replace swaps the whole stack for a new root page (":" jumps), asking
// first when a page on the stack holds something leaving would lose.
func (a *App) Replace(p Page) tea.Cmd {
	return a.guard(a.stack, "shell.guard.jump", func() tea.Cmd {
		a.back = append(a.back, append([]Page(nil), a.stack...))
		a.forward = nil
		a.stack = []Page{p}
		return tea.Batch(p.Load(a), a.schedulePoll())
	})
}

// isJumpTarget: pages that stand for one thing found by a lookup. The
// list lives here rather than as a page method because only the command
// bar's jumps ask.
func isJumpTarget(p Page) bool {
	switch p.(type) {
	case *findUserPage, *devicePage:
		return true
	}
	return false
}

// pop goes up one level of the path. It is a step back, not a new place:
// when the history's last entry is where it lands (the usual case: the
// operator went down, and comes back) that entry is used up as "[" would,
// so the page left is "]" away; otherwise history is left alone.
func (a *App) pop() tea.Cmd {
	if len(a.stack) <= 1 {
		return nil
	}
	return a.guard(a.stack[len(a.stack)-1:], "shell.guard.leave", func() tea.Cmd {
		up := a.stack[:len(a.stack)-1]
		if n := len(a.back); n > 0 && sameStack(a.back[n-1], up) {
			a.back = a.back[:n-1]
			a.forward = append(a.forward, append([]Page(nil), a.stack...))
		}
		a.stack = append([]Page(nil), up...)
		return a.shown()
	})
}

func sameStack(x, y []Page) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func (a *App) quit() tea.Cmd {
	cmd := a.guard(a.stack, "shell.guard.quit", a.quitNow)
	if cmd == nil && len(a.dialogs) > 0 && !a.quitting {
		a.quitAsk = a.dialogs[len(a.dialogs)-1]
	}
	return cmd
}

func (a *App) quitNow() tea.Cmd {
	a.quitting = true
	a.cancel()
	return tea.Quit
}

// tooSmallNow: the screen is known and below the minimum.
func (a *App) tooSmallNow() bool {
	return a.width > 0 && a.height > 0 && (a.width < MinWidth || a.height < MinHeight)
}

// interrupt is ctrl+c: it always leaves, from any input, dialog or help
// screen, asking first only where leaving loses work (the guard); pressed
// again at that question, it leaves.
func (a *App) interrupt() tea.Cmd {
	if n := len(a.dialogs); n > 0 && a.quitAsk != nil && a.dialogs[n-1] == a.quitAsk {
		return a.quitNow()
	}
	if a.mode != inputNone {
		a.prompt = nil
		a.endInput()
	}
	a.dialogs = nil
	a.showHelp, a.helpTop = false, 0
	return a.quit()
}

// runAction carries an App change out of a confirm dialog: dialogs return
// commands, which run off the Update goroutine, so the change itself waits
// for Update.
type runAction struct{ do func() tea.Cmd }

// guard runs do now, or after a confirm (default No) when one of the pages
// it would drop holds something leaving loses or leaves running.
func (a *App) guard(dropping []Page, verb string, do func() tea.Cmd) tea.Cmd {
	var why []string
	for _, p := range dropping {
		if g, ok := p.(Guarded); ok {
			if w := g.Unsaved(); w != "" {
				why = append(why, w)
			}
		}
	}
	if len(why) == 0 {
		return do()
	}
	what := why[0]
	for _, w := range why[1:] {
		what = a.T("shell.guard.and", "First", what, "Second", w)
	}
	a.Confirm(a.T(verb, "What", what), func() tea.Msg { return runAction{do} })
	return nil
}

// shown restarts the top page's own chains (a Resumer) and the poller after
// the top page changed.
func (a *App) shown() tea.Cmd {
	cmds := []tea.Cmd{a.schedulePoll()}
	if r, ok := a.top().(Resumer); ok {
		cmds = append(cmds, r.Resume(a))
	}
	return tea.Batch(cmds...)
}

func (a *App) history(forward bool) tea.Cmd {
	from, to := &a.back, &a.forward
	if forward {
		from, to = &a.forward, &a.back
	}
	// An entry that is where the operator already is would make the key
	// look dead: skip it.
	for len(*from) > 0 && sameStack((*from)[len(*from)-1], a.stack) {
		*from = (*from)[:len(*from)-1]
	}
	if len(*from) == 0 {
		return nil
	}
	snap := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	*to = append(*to, append([]Page(nil), a.stack...))
	a.stack = snap
	if f, ok := a.top().(*findUserPage); ok && f.err == nil {
		// The snapshot was taken while the lookup was under way: its
		// answer went to the page that replaced it. Look up again.
		return tea.Batch(a.shown(), f.Load(a))
	}
	return a.shown()
}

func (a *App) toggleLast() tea.Cmd {
	if len(a.back) == 0 {
		return nil
	}
	snap := a.back[len(a.back)-1]
	a.back[len(a.back)-1] = append([]Page(nil), a.stack...)
	a.stack = snap
	return a.shown()
}

// Flash shows a message in the status line for a few seconds.
func (a *App) Flash(msg string) tea.Cmd { return a.flash(msg, false) }

// Fail shows an error in the status line and keeps it for `e`.
func (a *App) Fail(err error) tea.Cmd {
	a.lastErr, a.lastErrAt = err, a.Now()
	if a.onError != nil && len(a.stack) > 0 {
		a.onError(a.top().Title(neutral()), err)
	}
	return a.flash(a.errorLine(err), true)
}

type clearStatus struct{ tag int }

func (a *App) flash(msg string, isErr bool) tea.Cmd {
	a.statusTag++
	a.status, a.statusErr = models.SanitizeLine(msg), isErr
	tag := a.statusTag
	ttl := 5 * time.Second
	if isErr {
		ttl = 8 * time.Second
	}
	return a.after(ttl, clearStatus{tag})
}

// Run starts a call in the background and routes its result to page p.
func Run[T any](a *App, p Page, gen int, bg bool, fn func(ctx context.Context) (T, error)) tea.Cmd {
	ctx := a.ctx
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := fn(c)
		return loaded{page: p, gen: gen, val: v, err: err, bg: bg}
	}
}

// Writable reports whether write mode is on.
func (a *App) Writable() bool { return !a.writeUntil.IsZero() && a.Now().Before(a.writeUntil) }

// RequireWrite returns a reason when the action cannot run now, in the
// screen's language.
func (a *App) RequireWrite() string { return a.requireWriteIn(a.tr) }

// requireWriteIn is RequireWrite in tr's language (neutral() for the audit
// log).
func (a *App) requireWriteIn(tr *i18n.Translator) string {
	if a.Writable() {
		return ""
	}
	if !a.profile.CanWrite {
		if a.readOnlyWhy != "" {
			return tr.T("shell.read_only.why", "Why", a.readOnlyWhy)
		}
		return tr.T("shell.read_only.flag")
	}
	return tr.T("shell.read_only.write_for", "Span", spanIn(tr, a.writeFor))
}

func (a *App) enterWrite(reason string) {
	a.writeUntil = a.Now().Add(a.writeFor)
	a.writeWhy = reason
	a.api.SetReadOnly(false)
	if a.onWrite != nil {
		a.onWrite(reason)
	}
}

func (a *App) leaveWrite() {
	a.writeUntil = time.Time{}
	a.writeWhy = ""
	a.api.SetReadOnly(true)
	if a.onWrite != nil {
		a.onWrite("")
	}
}

type writeTickMsg struct{ tag int }

func (a *App) writeTick() tea.Cmd {
	a.writeTag++
	tag := a.writeTag
	return a.after(time.Second, writeTickMsg{tag})
}

func (a *App) schedulePoll() tea.Cmd {
	if a.refresh <= 0 {
		return nil
	}
	if _, ok := a.top().(Poller); !ok {
		return nil
	}
	a.pollSeq++
	seq, p := a.pollSeq, a.top()
	return a.after(a.refresh, pollTick{page: p, seq: seq})
}

// Update implements tea.Model.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, done := a.activity(msg); done {
		return a, cmd
	} else if cmd != nil {
		m, next := a.update(msg)
		return m, tea.Batch(next, cmd)
	}
	return a.update(msg)
}

func (a *App) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = m.Width, m.Height
		return a, nil
	case tea.BackgroundColorMsg:
		if a.autoTheme {
			a.setStyles(themes.DefaultStyles(m.IsDark()))
		}
		return a, nil
	case clearStatus:
		if m.tag == a.statusTag {
			a.status = ""
		}
		return a, nil
	case writeTickMsg:
		if m.tag != a.writeTag || a.writeUntil.IsZero() {
			return a, nil
		}
		if !a.Now().Before(a.writeUntil) {
			a.leaveWrite()
			return a, a.Flash(a.T("shell.write_ended"))
		}
		return a, a.writeTick()
	case pollTick:
		if m.seq != a.pollSeq || m.page != a.top() {
			return a, nil // hidden pages do not poll
		}
		if a.pausePoll() {
			return a, nil // idle or unfocused: the next input polls again
		}
		if p, ok := a.top().(Poller); ok {
			return a, p.Poll(a)
		}
		return a, nil
	case loaded:
		cmd := m.page.Update(a, m)
		if m.bg && m.page == a.top() {
			cmd = tea.Batch(cmd, a.schedulePoll())
		}
		return a, cmd
	case tickMsg:
		return a, m.page.Update(a, m) // on top or not (ticks.go)
	case doneMsg:
		return a, m.page.Update(a, m) // on top or not (async.go)
	case approvedMsg:
		return a, m.page.Update(a, m)
	case runAction:
		return a, m.do()
	case writeDone:
		return a, a.finishWrite(m)
	case tea.MouseWheelMsg:
		if a.tooSmallNow() {
			return a, nil
		}
		return a, a.mouseWheel(m)
	case tea.MouseClickMsg:
		if a.tooSmallNow() {
			return a, nil
		}
		return a, a.mouseClick(m)
	case tea.PasteMsg:
		if a.tooSmallNow() {
			return a, nil // typed blind into whatever is open
		}
		if a.mode != inputNone {
			var cmd tea.Cmd
			a.input, cmd = a.input.Update(m)
			return a, cmd
		}
		return a, a.top().Update(a, m) // editors take pastes (claimkeys.go)
	case tea.KeyPressMsg:
		return a, a.key(m)
	}
	return a, a.top().Update(a, msg)
}

func (a *App) key(m tea.KeyPressMsg) tea.Cmd {
	if m.String() == "ctrl+c" {
		return a.interrupt()
	}
	if a.tooSmallNow() {
		// The operator cannot see what a key would do: only help and quit
		// act (a blind "y" must not confirm a dialog).
		switch {
		case a.keys.Is(m, ActQuit):
			return a.quit()
		case a.keys.Is(m, ActHelp):
			a.showHelp, a.helpTop = !a.showHelp, 0
		}
		return nil
	}
	if len(a.dialogs) > 0 {
		d := a.dialogs[len(a.dialogs)-1]
		done, cmd := d.key(a, m)
		if done {
			a.dialogs = a.dialogs[:len(a.dialogs)-1]
			if d == a.quitAsk {
				a.quitAsk = nil
			}
		}
		return cmd
	}
	if a.showHelp {
		switch {
		case m.String() == "esc" || a.keys.Is(m, ActHelp) || a.keys.Is(m, ActQuit):
			a.showHelp, a.helpTop = false, 0
		case a.keys.Is(m, ActDown):
			a.helpTop = min(a.helpTop+1, a.helpMaxTop())
		case a.keys.Is(m, ActUp):
			a.helpTop = max(a.helpTop-1, 0)
		case a.keys.Is(m, ActPageDown):
			a.helpTop = min(a.helpTop+a.helpBody(), a.helpMaxTop())
		case a.keys.Is(m, ActPageUp):
			a.helpTop = max(a.helpTop-a.helpBody(), 0)
		}
		return nil
	}
	if a.mode != inputNone {
		return a.inputKey(m)
	}
	if cmd, ok := claimKey(a, m); ok { // editors type before global keys (claimkeys.go)
		return cmd
	}
	if e, ok := a.keyEntry(m); ok { // the global keys, then the page's (pagekeys.go)
		return a.runKey(e)
	}
	return a.top().Update(a, m)
}

func (a *App) startInput(mode inputMode, value string) {
	a.mode = mode
	// A fresh input each time: completion belongs to the command bar only.
	// A reused input kept the command's matched suggestions (the text input
	// does not clear them when suggestions are switched off), drew them
	// after prompt and filter text, and Tab then sliced past their end.
	a.input = newLineInput(mode == inputCommand)
	a.input.SetValue(value)
	a.input.CursorEnd()
	a.input.Focus()
}

// newLineInput is the one-line input of the footer; only the command bar
// completes (Tab, ↑/↓ through the command names).
func newLineInput(commands bool) textinput.Model {
	ti := textinput.New()
	ti.Prompt = ""
	// A steady cursor: a blinking one redraws the whole console twice a
	// second while an input is open.
	st := textinput.DefaultStyles(true)
	st.Cursor.Blink = false
	ti.SetStyles(st)
	if commands {
		ti.ShowSuggestions = true
		ti.SetSuggestions(commandSuggestions())
	}
	return ti
}

func (a *App) inputKey(m tea.KeyPressMsg) tea.Cmd {
	switch m.String() {
	case "esc":
		if a.mode == inputFilter {
			if f, ok := a.top().(Filterable); ok {
				_ = f.SetFilter("")
			}
		}
		a.endInput()
		return nil
	case "enter":
		v := strings.TrimSpace(a.input.Value())
		mode := a.mode
		a.endInput()
		switch mode {
		case inputCommand:
			a.jumping = true
			defer func() { a.jumping = false }()
			return a.runCommand(v)
		case inputFilter:
			return nil
		case inputPrompt:
			p := a.prompt
			a.prompt = nil
			if p != nil {
				return p.submit(a, v)
			}
		}
		return nil
	}
	var cmd tea.Cmd
	a.input, cmd = a.input.Update(m)
	if a.mode == inputFilter {
		if f, ok := a.top().(Filterable); ok {
			if err := f.SetFilter(a.input.Value()); err != nil {
				a.status, a.statusErr = err.Error(), true
			} else if a.statusErr {
				a.status = ""
			}
		}
	}
	return cmd
}

func (a *App) endInput() {
	a.mode = inputNone
	a.input.Blur()
	a.input.SetValue("")
}

// linePrompt is a question asked on the command line (not a dialog): the
// answer is typed after it and goes to submit on Enter.
type linePrompt struct {
	question string
	submit   func(a *App, answer string) tea.Cmd
}

// Ask opens a one-line prompt; submit runs with the answer.
func (a *App) Ask(question string, submit func(a *App, answer string) tea.Cmd) {
	a.prompt = &linePrompt{question: question, submit: submit}
	a.startInput(inputPrompt, "")
}

// Confirm opens a yes/no dialog that defaults to No and carries its action.
func (a *App) Confirm(question string, yes tea.Cmd) {
	a.dialogs = append(a.dialogs, &confirmDialog{question: models.SanitizeLine(question), yes: yes})
}

func (a *App) mouseWheel(m tea.MouseWheelMsg) tea.Cmd {
	if s, ok := a.top().(Scroller); ok {
		switch m.Mouse().Button {
		case tea.MouseWheelUp:
			s.Scroll(-3)
		case tea.MouseWheelDown:
			s.Scroll(3)
		}
	}
	return nil
}

func (a *App) mouseClick(m tea.MouseClickMsg) tea.Cmd {
	if c, ok := a.top().(Clicker); ok {
		c.Click(m.Mouse().Y - a.bodyTop())
	}
	return nil
}

// bodyTop is the screen row where the page body starts (below the header
// and breadcrumbs).
func (a *App) bodyTop() int { return 2 }

// View implements tea.Model.
func (a *App) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "acconsole"
	v.ReportFocus = true // polling pauses while the terminal is in the background
	if a.quitting {
		return v
	}
	v.SetContent(a.render())
	return v
}

func (a *App) render() string {
	w, h := a.width, a.height
	if w == 0 || h == 0 {
		return a.T("shell.starting")
	}
	if w < MinWidth || h < MinHeight {
		if a.styles.Glyphs.ASCII {
			return asciiGlyphs.Replace(tooSmallIn(a.tr, w, h, a.keyLabel(ActQuit)))
		}
		return tooSmallIn(a.tr, w, h, a.keyLabel(ActQuit))
	}
	header := a.renderHeader(w)
	crumbs := a.renderCrumbs(w)
	footer := a.renderFooter(w)
	bodyH := h - 2 - strings.Count(footer, "\n") - 1
	var body string
	if a.showHelp {
		body = a.renderHelp(w, bodyH)
	} else {
		body = a.top().View(a, w, bodyH)
	}
	body = fitBlock(body, w, bodyH)
	screen := header + "\n" + crumbs + "\n" + body + "\n" + footer
	if len(a.dialogs) > 0 {
		screen = overlay(screen, a.dialogs[len(a.dialogs)-1].view(a, w), w, h)
	}
	if a.styles.Glyphs.ASCII {
		screen = asciiGlyphs.Replace(screen)
	}
	return screen
}

// asciiGlyphs is the safety net of the ascii theme: pages write some marks
// of their own ("1–40", "a · b", arrows) besides the theme's glyphs, and an
// ASCII-only terminal shows none of them. Each becomes one ASCII character
// of the same width, so alignment holds. User data (names in CJK, say) is
// left as it is.
var asciiGlyphs = strings.NewReplacer(
	"–", "-", "—", "-", "·", ".", "…", "~", "›", ">", "‹", "<", "•", "*",
	"●", "+", "○", "-", "▲", "^", "▼", "v", "↑", "^", "↓", "v", "←", "<", "→", ">",
	"✓", "x", "✗", "x", "×", "x", "─", "-", "│", "|", "━", "=", "█", "#", "░", ".",
)

// tooSmall is the screen below the minimum size in English; quit is the
// quit key.
func tooSmall(w, h int, quit string) string { return tooSmallIn(neutral(), w, h, quit) }

// tooSmallIn is the too-small screen in tr's language, wrapped by cells
// (a Chinese line breaks between characters, an English one anywhere).
func tooSmallIn(tr *i18n.Translator, w, h int, quit string) string {
	msg := tr.T("shell.too_small", "Width", w, "Height", h, "MinWidth", MinWidth, "MinHeight", MinHeight, "Quit", quit)
	return strings.Join(wrap(msg, max(w, 1)), "\n")
}

func (a *App) renderHeader(w int) string {
	s := a.styles
	mode := a.T("shell.header.read_only")
	if a.Writable() {
		left := a.writeUntil.Sub(a.Now())
		mode = a.T("shell.header.write", "Left", fmtClock(left))
	}
	parts := []string{"acconsole", a.profile.Name, a.profile.Router, a.T("shell.header.domain", "Domain", a.profile.MajorDomain), mode}
	if a.operator != "" {
		parts = append(parts[:2], append([]string{a.T("shell.header.operator", "Operator", a.operator)}, parts[2:]...)...)
	}
	if a.profile.Production {
		// In words, not only in red: for colour-blind operators and the
		// ascii theme.
		parts = append([]string{"acconsole", a.T("shell.header.production")}, parts[1:]...)
	}
	if u := a.actingUser(); u != "" {
		parts = append(parts, a.T("shell.header.acting_for", "User", u))
	}
	if a.poll.paused {
		parts = append(parts, a.T("shell.header.paused"))
	}
	line := " " + strings.Join(parts, " "+s.Glyphs.Bullet+" ")
	line = text.Fit(line, w)
	if a.profile.Production {
		return s.Production.Render(line)
	}
	if a.Writable() {
		return s.WriteHeader.Render(line)
	}
	return s.Header.Render(line)
}

func (a *App) actingUser() string {
	for i := len(a.stack) - 1; i >= 0; i-- {
		if u, ok := a.stack[i].(ActingFor); ok {
			return u.ActingFor()
		}
	}
	return ""
}

// renderCrumbs shows the path to the current view (the page stack: what
// Esc climbs), cut from the left so that the current view always shows.
func (a *App) renderCrumbs(w int) string {
	s := a.styles
	titles := make([]string, len(a.stack))
	for i, p := range a.stack {
		titles[i] = p.Title(a.tr)
	}
	line := strings.Join(titles, " "+s.Glyphs.PathSep+" ")
	return s.Accent.Render(" " + text.Fit(text.ClipLeft(line, w-1), w-1))
}

func (a *App) renderFooter(w int) string {
	s := a.styles
	switch a.mode {
	case inputCommand, inputFilter, inputPrompt:
		prefix := ":"
		if a.mode == inputFilter {
			prefix = "/"
		} else if a.mode == inputPrompt && a.prompt != nil {
			prefix = a.prompt.question + " "
		}
		if iw := max(w-lipgloss.Width(prefix)-2, 10); iw != a.input.Width() {
			a.input.SetWidth(iw)
			a.input.SetCursor(a.input.Position()) // re-fits the visible part
		}
		// The text input pads without counting its completion, and wide
		// characters can leave its window wider than the screen until the
		// next key: the line never leaves the screen.
		return ansi.Truncate(s.Prompt.Render(prefix)+a.input.View(), w, "")
	}
	if a.status != "" {
		st := s.Text
		if a.statusErr {
			st = s.Err
		}
		return st.Render(text.Fit(" "+a.status, w))
	}
	return strings.Join(a.footerHints(w), "\n")
}
