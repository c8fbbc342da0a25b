package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func testKeys() KeyMap {
	return NewKeyMap([]Binding{
		{Action: ActOpen, Keys: []string{"enter"}, Desc: "open"},
		{Action: ActBack, Keys: []string{"esc"}, Desc: "back"},
		{Action: ActCommand, Keys: []string{":"}, Desc: "command"},
		{Action: ActFilter, Keys: []string{"/"}, Desc: "filter"},
		{Action: ActHelp, Keys: []string{"?"}, Desc: "keys"},
		{Action: ActQuit, Keys: []string{"q"}, Desc: "quit"},
		{Action: ActDown, Keys: []string{"down"}, Desc: "down"},
		{Action: ActUp, Keys: []string{"up"}, Desc: "up"},
		{Action: ActNextPage, Keys: []string{"n"}, Desc: "next page"},
		{Action: ActRename, Keys: []string{"R"}, Desc: "rename", Writes: true},
		{Action: ActUnbindUser, Keys: []string{"x"}, Desc: "unbind", Writes: true},
		{Action: ActProfile, Keys: []string{"P"}, Desc: "profile", Writes: true},
		{Action: ActCreate, Keys: []string{"a"}, Desc: "add", Writes: true},
		{Action: ActDelete, Keys: []string{"D"}, Desc: "delete", Writes: true},
		{Action: ActBindPhone, Keys: []string{"B"}, Desc: "bind phone", Writes: true},
		{Action: ActHistBack, Keys: []string{"["}, Desc: "back in history"},
		{Action: ActErrors, Keys: []string{"e"}, Desc: "last error"},
	})
}

// harness drives the App like the program would, running returned
// commands (ticks that would sleep are abandoned after a short wait).
type harness struct {
	t   *testing.T
	app *App
}

func newHarness(t *testing.T, api API, w, h int) *harness {
	a := New(Options{API: api, Keys: testKeys(), Profile: Profile{Name: "test", Router: "http://r", MajorDomain: "acme", CanWrite: true}})
	hs := &harness{t: t, app: a}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(a.Init())
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
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(60 * time.Millisecond):
		return // a tick: the test does not wait for timers
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
