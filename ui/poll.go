package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// pollState keeps polling for people looking at the console: only the
// page on top polls (schedulePoll), and not at all while the terminal
// reports that it lost focus or while nobody has typed, clicked or pasted
// for idleAfter. A paused console sends nothing until the next input or
// focus, which refreshes the page at once and restarts the polling.
type pollState struct {
	idleAfter time.Duration // <= 0: never idle
	lastInput time.Time
	blurred   bool
	paused    bool
}

// defaultIdleAfter is Options.IdleAfter's default.
const defaultIdleAfter = 5 * time.Minute

func newPollState(o Options) pollState {
	ps := pollState{idleAfter: o.IdleAfter}
	if ps.idleAfter == 0 {
		ps.idleAfter = defaultIdleAfter
	}
	return ps
}

// activity notes input and focus. done means msg was only about focus and
// needs nothing else; cmd restarts a paused poller.
func (a *App) activity(msg tea.Msg) (cmd tea.Cmd, done bool) {
	switch msg.(type) {
	case tea.BlurMsg:
		a.poll.blurred = true
		return nil, true
	case tea.FocusMsg:
		a.poll.blurred = false
		a.poll.lastInput = a.Now()
		return a.resumePoll(), true
	case tea.KeyPressMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.PasteMsg:
		a.poll.lastInput = a.Now()
		if !a.poll.blurred {
			return a.resumePoll(), false
		}
	}
	return nil, false
}

// pausePoll reports whether a due poll should be skipped, and then marks
// the poller paused (no new tick is scheduled).
func (a *App) pausePoll() bool {
	idle := a.poll.idleAfter > 0 && !a.poll.lastInput.IsZero() && a.Now().Sub(a.poll.lastInput) >= a.poll.idleAfter
	if a.poll.lastInput.IsZero() {
		a.poll.lastInput = a.Now() // the console just started
	}
	if a.poll.blurred || idle {
		a.poll.paused = true
		return true
	}
	return false
}

// resumePoll refreshes the top page in the background after a pause; the
// answer schedules the next tick as every background load does.
func (a *App) resumePoll() tea.Cmd {
	if !a.poll.paused {
		return nil
	}
	a.poll.paused = false
	p, ok := a.top().(Poller)
	if !ok || a.refresh <= 0 {
		return nil
	}
	a.pollSeq++ // a tick still on its way is stale now
	return p.Poll(a)
}

// PollPaused reports whether polling waits for input or focus.
func (a *App) PollPaused() bool { return a.poll.paused }
