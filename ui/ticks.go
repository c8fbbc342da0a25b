package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// after is how the console waits (status line, write mode, polls and the
// workflow pages' ticks): a command that sleeps d on the App's clock and
// then returns msg, as tea.Tick would on the system clock. The timer is
// made when the command runs, not when it is built, so a command the
// program never runs leaves no timer behind, and while the command sleeps
// its timer is pending on the clock: a model test on a clock.Fake tells a
// command that sleeps from one still working by the fake's pending
// timers, and wakes it with Advance.
func (a *App) after(d time.Duration, msg tea.Msg) tea.Cmd {
	clk := a.clock
	return func() tea.Msg {
		<-clk.NewTimer(d).C()
		return msg
	}
}

// tickMsg is a page's own timer firing (pageTick).
type tickMsg struct {
	page Page
	tick any
}

// pageTick delivers tick to page p after d. It travels as a tickMsg,
// which the App routes by page whether or not p is on top, so a
// countdown chain survives the operator looking at another page; the page
// drops ticks whose tag is not its latest, so a chain never doubles
// (UI_GUIDE §4.7).
func (a *App) pageTick(p Page, d time.Duration, tick any) tea.Cmd {
	return a.after(d, tickMsg{page: p, tick: tick})
}

// onStack reports whether p is still on the page stack; pages that are
// gone stop their ticks.
func onStack(a *App, p Page) bool {
	for _, q := range a.stack {
		if q == p {
			return true
		}
	}
	return false
}

// onTop reports whether p is the page on top. Pages that poll the cloud on
// their own chains keep the chain while hidden but skip the read (the
// events page's rule): nobody sees the answer, and coming back on top
// reads again at the next tick.
func onTop(a *App, p Page) bool {
	return len(a.stack) > 0 && a.top() == p
}
