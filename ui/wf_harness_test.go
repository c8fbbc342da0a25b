package ui

import (
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"acconsole/internal/clock"
	"acconsole/models"
)

// wfHarness drives an App the way the program would, with the console's
// clock a clock.Fake: commands run in goroutines, their messages are
// processed until the program is quiet, and the console's waits sleep on
// the fake until advance moves the clock past them.
type wfHarness struct {
	t     testing.TB
	app   *App
	api   *fakeAPI
	clock *clock.Fake
	msgs  chan tea.Msg
	clip  string
	// ticks are the page ticks delivered so far, in order (ticksIn).
	ticks []tickMsg
	// hold, when set, keeps the messages it matches from the App: they
	// collect in held, for a test to deliver late (or never).
	hold func(tea.Msg) bool
	held []tea.Msg

	mu       sync.Mutex
	inflight map[int]time.Time // commands running, by start
	cmdSeq   int
	quit     chan struct{}
	closed   sync.Once
}

func newWFHarness(t *testing.T, api *fakeAPI, w, h int, opts ...func(*Options)) *wfHarness {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	api.wf().now = clk.Now
	hs := newAppHarness(t, api, clk, w, h, opts...)
	hs.api = api
	return hs
}

// newAppHarness drives a console over any API (the fake, or the real
// client on a local cloud) with the console's waits on the fake clock,
// which must be the console's alone: the harness takes every timer on it
// for a console wait (busy).
func newAppHarness(t testing.TB, api API, clk *clock.Fake, w, h int, opts ...func(*Options)) *wfHarness {
	t.Helper()
	o := Options{API: api, Keys: DefaultKeyMap(), Profile: Profile{Name: "test", Router: "http://r", MajorDomain: "acme", CanWrite: true}}
	for _, f := range opts {
		f(&o)
	}
	o.Clock = clk
	hs := &wfHarness{t: t, app: New(o), clock: clk, msgs: make(chan tea.Msg, 256), inflight: map[int]time.Time{}, quit: make(chan struct{})}
	t.Cleanup(hs.close)
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.exec(hs.app.Init())
	hs.settle()
	return hs
}

// close ends the harness: the waits still asleep are woken, and their
// messages and any still to come go nowhere, so no goroutine stays
// behind.
func (h *wfHarness) close() {
	h.closed.Do(func() {
		close(h.quit)
		h.clock.Advance(24 * time.Hour)
	})
}

// exec starts a command; its messages arrive on h.msgs.
func (h *wfHarness) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	h.mu.Lock()
	h.cmdSeq++
	id := h.cmdSeq
	h.inflight[id] = time.Now()
	h.mu.Unlock()
	go func() {
		msg := runCmd(cmd)
		select {
		case h.msgs <- msg:
		case <-h.quit:
		}
		h.mu.Lock()
		delete(h.inflight, id)
		h.mu.Unlock()
	}()
}

// busy reports a command at work. A console wait makes one timer on the
// harness's clock when it runs and sleeps on it until it fires; nothing
// else makes timers there. So each pending timer is one command asleep,
// and the commands beyond those are working (or woken, with a message on
// its way), however slow the machine. The commands are counted before the
// timers: a wait that falls asleep or wakes in between is taken for busy,
// never the other way round.
func (h *wfHarness) busy() bool {
	h.mu.Lock()
	n := len(h.inflight)
	h.mu.Unlock()
	return n > h.clock.Pending()
}

func (h *wfHarness) send(msg tea.Msg) {
	_, cmd := h.app.Update(msg)
	h.exec(cmd)
}

// settle processes messages until none came for a while (the fake API
// answers at once; only the shell's own status-line timers stay asleep).
func (h *wfHarness) settle() {
	// A command that never answers is a hang, reported as one (like the
	// simple harness's limit) instead of a test that never ends.
	stuck := time.Now().Add(20 * time.Second)
	for {
		if time.Now().After(stuck) {
			h.mu.Lock()
			n := len(h.inflight)
			h.mu.Unlock()
			panic(fmt.Sprintf("%d command(s) did not answer in 20 s", n))
		}
		select {
		case msg := <-h.msgs:
			h.handle(msg)
			continue
		default:
		}
		if !h.busy() {
			select {
			case msg := <-h.msgs:
				h.handle(msg)
				continue
			default:
				return
			}
		}
		select {
		case msg := <-h.msgs:
			h.handle(msg)
		case <-time.After(time.Millisecond):
		}
	}
}

// cmdPanic carries a command's panic to the test goroutine, where it is
// raised again with the command's stack (a panic in a command's goroutine
// would end the test binary without saying which test or seed).
type cmdPanic struct {
	v     any
	stack []byte
}

func runCmd(cmd tea.Cmd) (msg tea.Msg) {
	defer func() {
		if r := recover(); r != nil {
			msg = cmdPanic{r, debug.Stack()}
		}
	}()
	return cmd()
}

func (h *wfHarness) handle(msg tea.Msg) {
	switch m := msg.(type) {
	case cmdPanic:
		panic(fmt.Sprintf("a command panicked: %v\n%s", m.v, m.stack))
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			h.exec(c)
		}
	case tea.QuitMsg, tea.BackgroundColorMsg:
	default:
		if h.hold != nil && h.hold(msg) {
			h.held = append(h.held, msg)
			return
		}
		if t, ok := msg.(tickMsg); ok {
			h.ticks = append(h.ticks, t)
		}
		if v := reflect.ValueOf(msg); v.Kind() == reflect.String && reflect.TypeOf(msg).Name() == "setClipboardMsg" {
			h.clip = v.String()
			return
		}
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && reflect.TypeOf(msg).Name() == "sequenceMsg" {
			for i := range v.Len() {
				if c, ok := v.Index(i).Interface().(tea.Cmd); ok {
					h.exec(c)
				}
			}
			return
		}
		h.send(msg)
	}
}

// advance moves the fake clock by d, a deadline at a time: the waits due
// at the next deadline wake, and what they start is done (and the waits it
// sets are armed) before the clock moves on.
func (h *wfHarness) advance(d time.Duration) {
	end := h.clock.Now().Add(d)
	for {
		h.settle()
		next, ok := h.clock.NextDeadline()
		if !ok || next.After(end) {
			break
		}
		h.clock.Set(next)
	}
	h.clock.Set(end)
	h.settle()
}

func (h *wfHarness) press(keys ...string) {
	for _, k := range keys {
		h.send(wfKey(k))
		h.settle()
	}
}

// act presses the first key of an action.
func (h *wfHarness) act(action string) {
	h.t.Helper()
	b := h.app.keys.Get(action)
	if len(b.Keys) == 0 {
		h.t.Fatalf("no key for %s", action)
	}
	h.press(b.Keys[0])
}

func wfKey(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	}
	if c, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(c)[0], Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func (h *wfHarness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	h.settle()
}

// command runs a ":" command.
func (h *wfHarness) command(s string) {
	h.press(":")
	h.typeText(s)
	h.press("enter")
}

// writeMode turns write mode on, as an operator would.
func (h *wfHarness) writeMode() {
	h.command("write")
	h.typeText("SUP-1 test")
	h.press("enter")
}

// answer replaces the text of an open prompt and submits it.
func (h *wfHarness) answer(s string) {
	h.t.Helper()
	if h.app.mode != inputPrompt {
		h.t.Fatalf("no prompt is open:\n%s", h.screen())
	}
	h.app.input.SetValue("")
	h.typeText(s)
	h.press("enter")
}

func (h *wfHarness) screen() string { return ansi.Strip(h.app.View().Content) }

func (h *wfHarness) must(want ...string) {
	h.t.Helper()
	scr := h.screen()
	for _, w := range want {
		if !strings.Contains(scr, w) {
			h.t.Fatalf("screen lacks %q:\n%s", w, scr)
		}
	}
}

func (h *wfHarness) mustNot(bad string) {
	h.t.Helper()
	if strings.Contains(h.screen(), bad) {
		h.t.Fatalf("screen shows %q:\n%s", bad, h.screen())
	}
}

// top is the page on top, typed.
func topAs[T Page](h *wfHarness) T {
	h.t.Helper()
	p, ok := h.app.top().(T)
	if !ok {
		h.t.Fatalf("top page is %T:\n%s", h.app.top(), h.screen())
	}
	return p
}

// gatewayFake is the fake with a gateway (950) and a plug (900) of user 42.
func gatewayFake() *fakeAPI {
	f := newFakeAPI()
	on := 1
	f.addDevice(42, models.Device{DeviceID: 950, PhysicalDeviceID: "6A0B3C4D5E6F0950", Name: "Home hub", Owner: 42, SubDomainName: "gateway", GatewayDeviceID: 950, Status: &on})
	return f
}

func teaSize(w, h int) tea.Msg { return tea.WindowSizeMsg{Width: w, Height: h} }

// ticksIn moves the clock by period and counts the page ticks whose value
// is a T delivered to page p meanwhile. With period the chain's (the
// longest wait it arms), that is the number of its chains alive: one
// while it runs, none once it ended, two if it doubled. A chain's next
// tick is due within a period, and no two of one chain's ticks fall in
// one, so each chain alive (an older one about to die at its stale tag
// included) is counted once.
func ticksIn[T any](h *wfHarness, p Page, period time.Duration) int {
	from := len(h.ticks)
	h.advance(period)
	return countTicks[T](h, p, from)
}

// countTicks counts the page ticks whose value is a T delivered to page p
// since the first from were.
func countTicks[T any](h *wfHarness, p Page, from int) int {
	n := 0
	for _, m := range h.ticks[from:] {
		if _, ok := m.tick.(T); ok && m.page == p {
			n++
		}
	}
	return n
}

// reads returns a counter of the fake under its lock.
func (w *fakeWF) reads(f func(w *fakeWF) int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return f(w)
}
