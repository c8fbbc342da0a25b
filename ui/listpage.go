package ui

import (
	"context"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
	"acconsole/ui/components/table"
)

// listPage is a table page: it loads rows, keeps cursor, selection and
// filter across refreshes (by row id), and drills down on Enter.
//
// Its words are kept as catalog ids and rendered in the reader's language:
// the title on every frame, the column titles when the table is built and
// again when the language changes (Relabel).
type listPage[T any] struct {
	// title is a catalog id; text that is no id (a title from a caller
	// not translated yet) is shown as it is. titleOf, when set, renders
	// the title instead: titles that carry data (a home's name).
	title   string
	titleOf func(tr *i18n.Translator) string
	// cols' Titles are catalog ids ("" for none).
	cols  []table.Column
	id    func(T) string
	cells func(T) []string
	tone  func(T, int) table.Tone
	load  func(ctx context.Context, api API) ([]T, error)
	open  func(a *App, row T) tea.Cmd
	// more are the list's own keys besides open, sort and moving about
	// (paging, writes, sharing), for the row under the cursor.
	more    func(row T, ok bool) []pageKey
	summary func(a *App) string
	empty   string // catalog id, shown when there are no rows
	poll    bool

	// tr is the language the cells were last drawn in: cells with words
	// (a role, "this user") read it through text.
	tr *i18n.Translator

	tbl     *table.Table[T]
	gen     int
	loading bool
	err     error
	done    bool
}

func (p *listPage[T]) Title(tr *i18n.Translator) string {
	if p.titleOf != nil {
		return p.titleOf(tr)
	}
	return textOf(tr, p.title)
}

// textOf renders a catalog id; text that is no id is shown as it is.
// Ids have a dot and no space; a missing id renders as "[id]".
func textOf(tr *i18n.Translator, s string) string {
	if s == "" || !strings.Contains(s, ".") || strings.ContainsAny(s, " \t\n") {
		return s
	}
	if out := tr.T(s); out != "["+s+"]" {
		return out
	}
	return s
}

// columnsIn renders column titles (catalog ids) in tr's language.
func columnsIn(tr *i18n.Translator, cols []table.Column) []table.Column {
	out := append([]table.Column(nil), cols...)
	for i := range out {
		out[i].Title = textOf(tr, out[i].Title)
	}
	return out
}

// titlesIn maps column keys to their titles in tr's language.
func titlesIn(tr *i18n.Translator, cols []table.Column) map[string]string {
	m := make(map[string]string, len(cols))
	for _, c := range columnsIn(tr, cols) {
		m[c.Key] = c.Title
	}
	return m
}

// tableTexts are a table's own words (position line, no match) in the
// console's language at the time they are drawn.
func tableTexts(a *App) table.Texts {
	return table.Texts{
		Footer: func(f table.Footer) string {
			var line string
			switch {
			case f.Shown == 0 && f.Total > 0:
				line = a.T("table.none_filtered", "Total", f.Total)
			case f.Shown == 0:
				line = a.T("table.none")
			case f.Shown != f.Total:
				line = a.T("table.range_filtered", "First", f.First, "Sep", f.RangeSep, "Last", f.Last, "Shown", f.Shown, "Total", f.Total)
			default:
				line = a.T("table.range", "First", f.First, "Sep", f.RangeSep, "Last", f.Last, "Shown", f.Shown)
			}
			if f.Selected > 0 {
				line += " " + f.Bullet + " " + a.T("table.selected", "Selected", f.Selected)
			}
			return line
		},
		NoMatch: func(filter string) string { return a.T("table.no_match", "Filter", strconv.Quote(filter)) },
	}
}

// text renders a catalog id for a cell, in the language of the table.
func (p *listPage[T]) text(id string, pairs ...any) string {
	tr := p.tr
	if tr == nil {
		tr = neutral()
	}
	return tr.T(id, pairs...)
}

// Relabel renders the column titles, the cells' words and the table's
// own words again in the new language; rows, cursor, selection and filter
// stay.
func (p *listPage[T]) Relabel(a *App) {
	p.tr = a.tr
	if p.tbl == nil {
		return
	}
	p.tbl.SetTitles(titlesIn(a.tr, p.cols))
	p.tbl.SetTexts(textOf(a.tr, p.empty), tableTexts(a))
	p.tbl.Reread()
}

// pageKeys: enter opens the row under the cursor, then the list's own
// keys, then sorting and moving about.
func (p *listPage[T]) pageKeys() []pageKey {
	var row T
	ok := false
	if p.tbl != nil {
		row, ok = p.tbl.CursorRow()
	}
	list := []pageKey{{action: ActOpen, hint: true, run: func(a *App) tea.Cmd {
		if ok && p.open != nil {
			return p.open(a, row)
		}
		return nil
	}}}
	if p.more != nil {
		list = append(list, p.more(row, ok)...)
	}
	list = append(list,
		pageKey{action: ActSort, run: func(a *App) tea.Cmd { p.ensureTable(a); p.cycleSort(false); return nil }},
		pageKey{action: ActSortRev, run: func(a *App) tea.Cmd { p.ensureTable(a); p.cycleSort(true); return nil }})
	return append(list, tableKeys(func(a *App) *table.Table[T] { p.ensureTable(a); return p.tbl }, true)...)
}

func (p *listPage[T]) ensureTable(a *App) {
	if p.tbl != nil {
		return
	}
	p.tr = a.tr
	p.tbl = table.New(table.Options[T]{Columns: columnsIn(a.tr, p.cols), ID: p.id, Cells: p.cells, Tone: p.tone, Styles: a.styles,
		Empty: textOf(a.tr, p.empty), Texts: tableTexts(a)})
}

func (p *listPage[T]) Restyle(a *App) {
	if p.tbl != nil {
		p.tbl.SetStyles(a.styles)
	}
}

func (p *listPage[T]) Load(a *App) tea.Cmd { return p.fetch(a, false) }

func (p *listPage[T]) fetch(a *App, bg bool) tea.Cmd {
	p.ensureTable(a)
	p.gen++
	p.loading = true
	api := a.api
	return Run(a, p, p.gen, bg, func(ctx context.Context) ([]T, error) { return p.load(ctx, api) })
}

// Poll refreshes in the background (pages built with poll = true).
func (p *listPage[T]) Poll(a *App) tea.Cmd {
	if !p.poll {
		return nil
	}
	return p.fetch(a, true)
}

func (p *listPage[T]) SetFilter(q string) error {
	if p.tbl == nil {
		return nil
	}
	return p.tbl.SetFilter(q)
}

func (p *listPage[T]) Filter() string {
	if p.tbl == nil {
		return ""
	}
	return p.tbl.Filter()
}

func (p *listPage[T]) Scroll(n int) {
	if p.tbl != nil {
		p.tbl.ScrollBy(n)
	}
}

func (p *listPage[T]) Click(y int) {
	if p.tbl == nil {
		return
	}
	if p.summary != nil {
		y--
	}
	if row, ok := p.tbl.RowAt(y); ok {
		p.tbl.SetCursorByID(p.id(row))
	}
}

func (p *listPage[T]) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case loaded:
		if m.gen != p.gen {
			return nil // an older request answered late
		}
		p.loading = false
		if m.err != nil {
			if m.bg && p.done {
				// Background refresh errors never cover the table.
				return a.Fail(m.err)
			}
			p.err = m.err
			return a.Fail(m.err)
		}
		p.err, p.done = nil, true
		rows, _ := m.val.([]T)
		p.tbl.SetRows(rows)
		return nil
	}
	return nil
}

func (p *listPage[T]) cycleSort(reverse bool) {
	key, desc := p.tbl.Sort()
	cols := p.tbl.Columns()
	if reverse {
		if key == "" && len(cols) > 0 {
			key = cols[0].Key
		}
		p.tbl.SetSort(key, !desc)
		return
	}
	next := 0
	for i, c := range cols {
		if c.Key == key {
			next = (i + 1) % len(cols)
		}
	}
	if len(cols) > 0 {
		p.tbl.SetSort(cols[next].Key, false)
	}
}

func (p *listPage[T]) View(a *App, w, h int) string {
	p.ensureTable(a)
	s := a.styles
	top := ""
	if p.summary != nil {
		top = s.Faint.Render(" "+p.summary(a)) + "\n"
		h--
	}
	if !p.done {
		switch {
		case p.err != nil:
			return top + s.Err.Render(" "+a.T("lists.load_failed", "Error", a.errorLine(p.err))) + "\n" + s.Faint.Render(" "+a.T("lists.retry", "Key", a.keys.Get(ActRefresh).Label()))
		default:
			return top + s.Faint.Render(" "+a.T("lists.loading"))
		}
	}
	p.tbl.SetSize(w, h)
	return top + p.tbl.View()
}

// tableKeys are the keys every table page shares: cursor moves, and with
// selectable the multi-select keys. None is offered in the footer (? lists
// them).
func tableKeys[T any](t func(a *App) *table.Table[T], selectable bool) []pageKey {
	move := func(f func(*table.Table[T])) func(a *App) tea.Cmd {
		return func(a *App) tea.Cmd { f(t(a)); return nil }
	}
	list := []pageKey{
		{action: ActUp, run: move((*table.Table[T]).MoveUp)},
		{action: ActDown, run: move((*table.Table[T]).MoveDown)},
		{action: ActPageUp, run: move((*table.Table[T]).PageUp)},
		{action: ActPageDown, run: move((*table.Table[T]).PageDown)},
		{action: ActTop, run: move((*table.Table[T]).Home)},
		{action: ActBottom, run: move((*table.Table[T]).End)},
	}
	if selectable {
		list = append(list,
			pageKey{action: ActSelect, run: move(func(t *table.Table[T]) { t.ToggleSelect(); t.MoveDown() })},
			pageKey{action: ActSelectAll, run: move(func(t *table.Table[T]) {
				if t.SelectedCount() > 0 {
					t.SelectNone()
				} else {
					t.SelectAll()
				}
			})})
	}
	return list
}
