// Package ui is the console: a Bubble Tea v2 program over an API (acapi in
// production, an in-memory fake in model tests). One root App owns the page
// stack, the command bar, the filter, dialogs, the status line and write
// mode; pages own their data and tables. README.md in this directory maps
// where a view, a command, a key, a dialog and a call to the cloud go.
package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
	"acconsole/internal/clock"
	"acconsole/models"
	"acconsole/themes"
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

// tooSmallNow: the screen is known and below the minimum.
func (a *App) tooSmallNow() bool {
	return a.width > 0 && a.height > 0 && (a.width < MinWidth || a.height < MinHeight)
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
