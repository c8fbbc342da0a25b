// The page stack: push, replace, pop, back/forward history, the leave guard and quitting.

package ui

import (
	tea "charm.land/bubbletea/v2"
)

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
