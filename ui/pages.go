// Paging for list pages (offset and key-set pagers), the outbox list, and cell
// helpers the pages share.

package ui

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
	"acconsole/ui/components/table"
)

const pageSize = 100

// pager adds server-side paging to a list page. The load reads offset and
// writes total on its own goroutine while keys and View use them, hence
// atomics.
type pager struct {
	offset atomic.Int64
	total  atomic.Int64
}

// pagerIDs name what a pager line counts: the message of a page of rows
// ("devices 1–100 of 5000") and of an empty one.
type pagerIDs struct{ some, none string }

var (
	usersPager   = pagerIDs{"lists.pager.users", "lists.pager.users_none"}
	devicesPager = pagerIDs{"lists.pager.devices", "lists.pager.devices_none"}
)

// pagerLine is a pager's header: rows first to last of total, and, under
// a filter, how many of the loaded page's rows match; the filter covers
// the loaded page only, as the table's footer says ("of 5 (filtered from
// 100)"). The keys that turn pages are in the footer, as the keymap binds
// them.
func pagerLine(a *App, ids pagerIDs, off, shown int, total int64, matched, loaded int) string {
	if shown == 0 {
		return a.T(ids.none, "Total", total)
	}
	head := a.T(ids.some, "First", off+1, "Last", off+shown, "Total", total)
	if matched != loaded {
		head += " · " + a.T("lists.pager.filtered", "Matched", matched, "Loaded", loaded)
	}
	return head
}

// line is the page's header (pagerLine) for the page loaded from the
// server.
func (pg *pager) line(a *App, ids pagerIDs, matched, loaded int) string {
	return pagerLine(a, ids, int(pg.offset.Load()), loaded, pg.total.Load(), matched, loaded)
}

// pageKeys turn the server's pages (offered in the footer).
func (pg *pager) pageKeys(reload func(a *App) tea.Cmd) []pageKey {
	return []pageKey{
		{action: ActNextPage, hint: true, run: func(a *App) tea.Cmd {
			if pg.offset.Load()+pageSize < pg.total.Load() {
				pg.offset.Add(pageSize)
				return reload(a)
			}
			return a.Flash(a.T("lists.last_page"))
		}},
		{action: ActPrevPage, hint: true, run: func(a *App) tea.Cmd {
			if off := pg.offset.Load(); off > 0 {
				pg.offset.Store(max(off-pageSize, 0))
				return reload(a)
			}
			return a.Flash(a.T("lists.first_page"))
		}},
	}
}

// keyPager pages by key (the last id of a page) instead of an offset, so a
// page costs the cloud the same at any depth. The ids where the visited
// pages start are kept to go back. The load reads after and writes total
// and last on its own goroutine while keys and View use them, hence
// atomics; starts is only used on the Update goroutine.
type keyPager struct {
	after  atomic.Int64 // the current page starts after this id
	total  atomic.Int64
	last   atomic.Int64 // the last id of the current page
	shown  atomic.Int64 // rows on the current page
	starts []int64      // after of each earlier page, oldest first
	size   int
}

// loaded records a page's rows (on the load's goroutine).
func (pg *keyPager) loaded(n int, lastID int64) {
	pg.shown.Store(int64(n))
	pg.last.Store(lastID)
}

// line is the page's place, e.g. "users 101–200 of 1000 (exact count)"
// (pagerLine).
func (pg *keyPager) line(a *App, ids pagerIDs, matched, loaded int) string {
	return pagerLine(a, ids, len(pg.starts)*pg.size, int(pg.shown.Load()), pg.total.Load(), matched, loaded)
}

// pageKeys turn pages (offered in the footer). While a page is loading
// (busy) they wait for it: the next page starts after the last id of the
// loaded one.
func (pg *keyPager) pageKeys(busy func() bool, reload func(a *App) tea.Cmd) []pageKey {
	return []pageKey{
		{action: ActNextPage, hint: true, run: func(a *App) tea.Cmd {
			if busy() {
				return a.Flash(a.T("lists.loading"))
			}
			shown := pg.shown.Load()
			if shown > 0 && shown >= int64(pg.size) && int64(len(pg.starts)+1)*int64(pg.size) < pg.total.Load() {
				pg.starts = append(pg.starts, pg.after.Load())
				pg.after.Store(pg.last.Load())
				return reload(a)
			}
			return a.Flash(a.T("lists.last_page"))
		}},
		{action: ActPrevPage, hint: true, run: func(a *App) tea.Cmd {
			if busy() {
				return a.Flash(a.T("lists.loading"))
			}
			if n := len(pg.starts); n > 0 {
				pg.after.Store(pg.starts[n-1])
				pg.starts = pg.starts[:n-1]
				return reload(a)
			}
			return a.Flash(a.T("lists.first_page"))
		}},
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func flatProfile(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return models.SanitizeLine(strings.Join(parts, "  "))
}

func newOutboxPage() Page {
	return &listPage[OutboxEntry]{
		title: "lists.title.outbox", empty: "lists.empty.outbox", poll: true,
		cols: []table.Column{{Key: "at", Title: "lists.col.sent", Width: 19}, {Key: "account", Title: "lists.col.account", Flex: 2}, {Key: "code", Title: "lists.col.code", Width: 8}, {Key: "tpl", Title: "lists.col.template", Width: 8}},
		id:   func(e OutboxEntry) string { return e.SentAt.Format(time.RFC3339Nano) + e.Account },
		cells: func(e OutboxEntry) []string {
			return []string{e.SentAt.Local().Format(models.TimeLayout), e.Account, e.Code, strconv.Itoa(e.Template)}
		},
		load: func(ctx context.Context, api API) ([]OutboxEntry, error) { return api.Outbox(ctx, 200) },
	}
}
