package ui

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"acconsole/internal/clock"
)

// harness drives the App like the program would, running returned
// commands one at a time. Its clock stands still: a console wait (a
// command asleep on the clock) is left asleep, as if its time never came.
type harness struct {
	t     *testing.T
	app   *App
	clock *clock.Fake
	// late receives the messages of waits that were left asleep and woken
	// later by moving the clock (pollRig).
	late chan tea.Msg
	quit chan struct{}
}

// parkedClock is a clock that stands still at the test's start: the
// console's waits sleep until the end of the test, where they are woken
// so that none stays behind (their messages go nowhere).
func parkedClock(t testing.TB) *clock.Fake {
	c := clock.NewFake(time.Now())
	t.Cleanup(func() { c.Advance(24 * time.Hour) })
	return c
}

func newHarness(t *testing.T, api API, w, h int) *harness {
	hs := newHarnessOn(t, parkedClock(t), Options{API: api, Keys: DefaultKeyMap(), Profile: Profile{Name: "test", Router: "http://r", MajorDomain: "acme", CanWrite: true}})
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(hs.app.Init())
	return hs
}

// newHarnessOn builds the App of o on clk and a harness that drives it.
func newHarnessOn(t *testing.T, clk *clock.Fake, o Options) *harness {
	o.Clock = clk
	hs := &harness{t: t, app: New(o), clock: clk, late: make(chan tea.Msg, 64), quit: make(chan struct{})}
	t.Cleanup(func() { close(hs.quit) })
	return hs
}

func (h *harness) send(msg tea.Msg) {
	_, cmd := h.app.Update(msg)
	h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	// Commands run one at a time, so a timer made while this one runs is
	// its own: it is a wait, now asleep on the clock.
	asleep := h.clock.TimerMade()
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-asleep:
		go func() {
			m := <-ch
			select {
			case h.late <- m:
			case <-h.quit:
			}
		}()
		return
	case <-time.After(10 * time.Second):
		h.t.Fatal("a command did not answer in 10 s")
	}
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			h.run(c)
		}
	default:
		if _, ok := msg.(tea.QuitMsg); ok {
			return
		}
		if _, ok := msg.(tea.BackgroundColorMsg); ok {
			return
		}
		h.send(msg)
	}
}

func (h *harness) press(keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		h.send(msg)
	}
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (h *harness) screen() string { return ansi.Strip(h.app.View().Content) }

func (h *harness) must(want string) {
	h.t.Helper()
	if !strings.Contains(h.screen(), want) {
		h.t.Fatalf("screen lacks %q:\n%s", want, h.screen())
	}
}

func TestUsersPageAndPaging(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 100, 30)
	h.must("users 1–100 of 250")
	h.must("user001")
	h.press("n")
	h.must("users 101–200 of 250")
}

func TestFindUserOpenDeviceAndRenameNeedsWriteMode(t *testing.T) {
	api := newFakeAPI()
	h := newHarness(t, api, 120, 30)
	h.press(":")
	h.typeText("user 13800000042")
	h.press("enter")
	h.must("张伟")
	h.must("客厅插座")
	h.must("for 张伟 (#42)") // the header names the user acted for
	h.press("enter")       // open the first device
	h.must("online")
	h.must("A1B2C3D4E5F60001")

	h.press("R") // rename while read-only: refused, nothing sent
	h.must("read-only")
	if api.renamesSoFar() != "" {
		t.Fatal("a rename reached the API in read-only mode")
	}

	h.press(":")
	h.typeText("write")
	h.press("enter")
	h.typeText("SUP-7 customer asked")
	h.press("enter")
	h.must("WRITE 15:00")
	h.press("R")
	h.typeText("Kitchen plug")
	h.press("enter")
	h.must(`Rename "客厅插座" to "Kitchen plug"?`)
	h.press("enter") // the default is No
	if api.renamesSoFar() != "" {
		t.Fatal("enter confirmed a rename; the default must be No")
	}
	h.press("R")
	h.typeText("Kitchen plug")
	h.press("enter")
	h.press("y")
	if got := api.renamesSoFar(); got != "900:Kitchen plug" {
		t.Fatalf("renames = %q", got)
	}
	h.must("done: Rename")
	h.must("Kitchen plug")
}

func TestStaleResultsAreDropped(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 100, 30)
	p := h.app.top().(*listPage[modelsUser])
	old := p.gen - 1
	h.send(loaded{page: p, gen: old, val: []modelsUser{{UserID: 999, NickName: "stale"}}})
	if strings.Contains(h.screen(), "stale") {
		t.Fatal("an answer to an older request replaced the table")
	}
}

func TestTooSmallAndHostileNamesStayAligned(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 40, 10)
	h.must("terminal too small: 40×10, need 80×24")
	h.send(tea.WindowSizeMsg{Width: 20, Height: 5})
	if h.screen() == "" {
		t.Fatal("nothing drawn at 20 columns")
	}
	h.send(tea.WindowSizeMsg{Width: 90, Height: 30})
	h.press(":")
	h.typeText("user 42")
	h.press("enter")
	out := h.app.View().Content
	if strings.Contains(out, "\x1b]") || strings.Contains(out, "\a") {
		t.Fatal("an OSC sequence from a device name reached the screen")
	}
	for i, line := range strings.Split(out, "\n") {
		if w := lipgloss.Width(line); w > 90 {
			t.Fatalf("line %d is %d cells wide (> 90): %q", i, w, ansi.Strip(line))
		}
	}
	h.must("evillamp")
}

func TestReadOnlySessionRefusesWriteMode(t *testing.T) {
	h := newHarnessOn(t, parkedClock(t), Options{API: newFakeAPI(), Keys: DefaultKeyMap(), Profile: Profile{Name: "test", CanWrite: false}})
	a := h.app
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.run(a.Init())
	h.press(":")
	h.typeText("write")
	h.press("enter")
	h.must("this session is read-only (started with --readonly)")
	if a.Writable() {
		t.Fatal("write mode turned on in a --readonly session")
	}
}

func TestHelpScrollsToEveryCommand(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 80, 24)
	h.press("?")
	h.must("This view: Users")
	for i := 0; i < 200 && !strings.Contains(h.screen(), ":theme"); i++ {
		h.press("down")
	}
	h.must(":theme <name>")
	h.press("esc")
	h.must("users 1–100")
}

func TestTooSmallScreenNeverSplitsACharacter(t *testing.T) {
	for w := 1; w < 80; w++ {
		for _, line := range strings.Split(tooSmall(w, 10, "q"), "\n") {
			if !utf8.ValidString(line) {
				t.Fatalf("width %d: broken UTF-8 in %q", w, line)
			}
			if lipgloss.Width(line) > w && w > 1 {
				t.Fatalf("width %d: line %q is wider", w, line)
			}
		}
	}
}

// guardedPage holds unsaved edits until told otherwise.
type guardedPage struct {
	listPage[modelsUser]
	dirty bool
}

func (g *guardedPage) Unsaved() string {
	if g.dirty {
		return "unsaved edits to timer X"
	}
	return ""
}

func TestQuitAsksWhenAPageHoldsUnsavedWork(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 100, 30)
	g := &guardedPage{dirty: true}
	g.listPage = emptyUserList("Editor")
	h.run(h.app.Push(g))
	h.press("q")
	h.must("There is unsaved edits to timer X. Leave anyway?")
	h.press("n")
	if h.app.top() != Page(g) {
		t.Fatal("the page left although the answer was no")
	}
	h.press(":")
	h.typeText("q")
	h.press("enter")
	h.must("Quit anyway?")
	h.press("y")
	if !h.app.quitting {
		t.Fatal("yes did not quit")
	}
}

// resumingPage counts how often it is brought back.
type resumingPage struct {
	listPage[modelsUser]
	resumed int
}

func (r *resumingPage) Resume(a *App) tea.Cmd { r.resumed++; return nil }

func TestHistoryResumesThePageItReturnsTo(t *testing.T) {
	h := newHarness(t, newFakeAPI(), 100, 30)
	r := &resumingPage{}
	r.listPage = emptyUserList("Tail")
	h.run(h.app.Push(r))
	h.press(":")
	h.typeText("users")
	h.press("enter")
	h.press("[")
	if h.app.top() != Page(r) || r.resumed != 1 {
		t.Fatalf("after [ the top is %T and the page resumed %d times", h.app.top(), r.resumed)
	}
}

// emptyUserList is a list page with no rows, to build test pages on.
func emptyUserList(title string) listPage[modelsUser] {
	return listPage[modelsUser]{
		title: title, cols: userColumns, cells: userCells,
		id:   func(u modelsUser) string { return "u" },
		load: func(ctx context.Context, api API) ([]modelsUser, error) { return nil, nil },
	}
}
