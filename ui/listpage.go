package ui

import (
	"acconsole/i18n"
	"context"

	tea "charm.land/bubbletea/v2"

	"acconsole/ui/components/table"
)

// listPage is a table page: it loads rows, keeps cursor, selection and
// filter across refreshes (by row id), and drills down on Enter.
type listPage[T any] struct {
	title string
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
	empty   string
	poll    bool

	tbl     *table.Table[T]
	gen     int
	loading bool
	err     error
	done    bool
}

func (p *listPage[T]) Title(tr *i18n.Translator) string { return p.title }

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
	p.tbl = table.New(table.Options[T]{Columns: p.cols, ID: p.id, Cells: p.cells, Tone: p.tone, Styles: a.styles, Empty: p.empty})
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
			return top + s.Err.Render(" could not load: "+a.errorLine(p.err)) + "\n" + s.Faint.Render(" press "+a.keys.Get(ActRefresh).Label()+" to retry")
		default:
			return top + s.Faint.Render(" loading…")
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
