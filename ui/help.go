package ui

import (
	"acconsole/i18n"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"acconsole/models"
	"acconsole/ui/components/table"
	"acconsole/ui/text"
)

// The footer's key hints and the ? help screen, both drawn from the key
// lists (pagekeys.go) and the key map.

// pageHints are the actions the footer offers for the top page: those its
// key list marks as hints and that are not off.
func (a *App) pageHints() []string { return hintActions(a.top()) }

// footerHints lays the page's hints and the global ones out in one line,
// or more when they do not fit (two on a 24-line screen, three from 30
// lines); each key is offered once (the first action that names it wins).
// When even that is too few, the last hints give way, never the help key:
// ? lists them all.
func (a *App) footerHints(w int) []string {
	s := a.styles
	type hint struct{ plain, styled string }
	var hints []hint
	seen := map[string]bool{}
	var help *hint
	for _, act := range append(a.pageHints(), ActCommand, ActFilter, ActBack, ActHelp, ActQuit) {
		b := a.keys.Get(act)
		if b.Action == "" || seen[b.Action] || seen["key:"+b.Label()] {
			continue
		}
		if _, ok := a.top().(Filterable); !ok && act == ActFilter {
			continue
		}
		seen[b.Action], seen["key:"+b.Label()] = true, true
		ks, ds := s.HelpKey, s.HelpDesc
		if (b.Writes || writesOf(a.top(), act)) && !a.Writable() {
			ks, ds = s.Disabled, s.Disabled
		}
		desc := a.keyDesc(b)
		h := hint{b.Label() + " " + desc, ks.Render(b.Label()) + " " + ds.Render(desc)}
		if act == ActHelp {
			help = &h
			continue
		}
		hints = append(hints, h)
	}
	if help != nil {
		hints = append(hints, *help)
	}
	const gap = 2
	width := func(hs []hint) int {
		n := 0
		for i, h := range hs {
			if i > 0 {
				n += gap
			}
			n += text.Width(h.plain)
		}
		return n
	}
	room := w - 1
	var rows [][]hint
	for _, h := range hints {
		if n := len(rows); n > 0 && width(append(rows[n-1][:len(rows[n-1]):len(rows[n-1])], h)) <= room {
			rows[n-1] = append(rows[n-1], h)
			continue
		}
		rows = append(rows, []hint{h})
	}
	maxRows := 2
	if a.height >= 30 {
		maxRows = 3
	}
	if len(rows) > maxRows {
		last := rows[maxRows-1]
		if help != nil {
			for len(last) > 0 && width(append(last[:len(last):len(last)], *help)) > room {
				last = last[:len(last)-1]
			}
			last = append(last, *help)
		}
		rows = append(rows[:maxRows-1], last)
	}
	lines := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, h := range r {
			parts[j] = h.styled
		}
		lines[i] = text.ClipWith(" "+strings.Join(parts, strings.Repeat(" ", gap)), w, "")
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// helpLines is the whole help text for a width; the help screen shows a
// window of it. It starts with this view's keys, then the keys that work
// everywhere, then the other views' keys, each under its view's name (the
// same letter does different things in different views, and a list that
// put them side by side without saying where would read as a clash), then
// the commands.
func (a *App) helpLines(w int) []string {
	s := a.styles
	entry := func(b Binding) string {
		desc := a.keyDesc(b)
		if b.Writes {
			desc = a.T("keys.write_mode", "Desc", desc)
		}
		return padRight(strings.Join(b.Keys, ", "), 14) + " " + desc
	}
	var lines []string
	section := func(title string, entries []string) {
		if len(entries) == 0 {
			return
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, s.Title.Render(" "+title))
		lines = append(lines, columns(entries, w)...)
	}
	var global []string
	for _, act := range globalActions {
		global = append(global, entry(a.keys.Get(act)))
	}
	section(a.T("shell.help.this_view", "Title", models.SanitizeLine(a.top().Title(a.tr))), pageHelp(a, keysOf(a.top()), entry))
	section(a.T("shell.help.everywhere"), global)
	// The keys every table shares are listed once; each kind of page
	// then lists its own.
	var tables []string
	for _, e := range tableKeys(func(*App) *table.Table[int] { return nil }, true) {
		tables = append(tables, entry(a.keys.Get(e.action)))
	}
	tables = append(tables, entry(a.keys.Get(ActSort)), entry(a.keys.Get(ActSortRev)))
	section(a.T("shell.help.tables"), tables)
	for _, k := range pageKinds() {
		if k.notInHelp {
			continue
		}
		section(a.T("shell.help.in_view", "View", a.T(k.label)), pageHelp(a, withoutTableKeys(keysOf(k.page())), entry))
	}
	var cmds []string
	for _, c := range commandTable {
		cmds = append(cmds, ":"+padRight(a.T(c.usage), 28)+" "+a.T(c.desc))
	}
	section(a.T("shell.help.commands"), cmds)
	return lines
}

// helpMaxTop is the last useful scroll position of the help screen.
func (a *App) helpMaxTop() int {
	return max(len(a.helpLines(a.width))-a.helpBody(), 0)
}

// helpBody is how many help lines show: the body (below header and
// breadcrumb, above the footer, which can take more than one line) less
// the help's own last line.
func (a *App) helpBody() int {
	footer := strings.Count(a.renderFooter(a.width), "\n") + 1
	return max(a.height-2-footer-1, 1)
}

// renderHelp shows the help text from line helpTop; the list is longer than
// a screen, so it scrolls and its last line says how.
func (a *App) renderHelp(w, h int) string {
	s := a.styles
	lines := a.helpLines(w)
	body := max(h-1, 1)
	top := min(a.helpTop, max(len(lines)-body, 0))
	end := min(top+body, len(lines))
	view := append([]string(nil), lines[top:end]...)
	closes := a.T("shell.help.closes", "Key", a.keyLabel(ActHelp))
	if end < len(lines) {
		closes = a.N("shell.help.closes_more", len(lines)-end, "Key", a.keyLabel(ActHelp),
			"Down", a.keys.Get(ActDown).Label(), "PageDown", a.keys.Get(ActPageDown).Label())
	}
	view = append(view, s.Faint.Render(" "+closes))
	return strings.Join(view, "\n")
}

// columns lays entries out top to bottom in as many columns as fit in w.
func columns(entries []string, w int) []string {
	width := 0
	for _, e := range entries {
		width = max(width, lipgloss.Width(e))
	}
	width += 3
	n := max(1, (w-1)/width)
	rows := (len(entries) + n - 1) / n
	out := make([]string, rows)
	for i, e := range entries {
		r := i % rows
		out[r] += " " + padRight(ansi.Truncate(e, width-1, "…"), width-1)
	}
	return out
}

// keyDesc is what b's key does, in the screen's language: the catalog's
// key.<action>, or the binding's own words for an action the catalog does
// not know.
func (a *App) keyDesc(b Binding) string {
	if id := "key." + b.Action; i18n.Has(id) {
		return a.T(id)
	}
	return b.Desc
}
