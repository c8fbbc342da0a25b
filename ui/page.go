package ui

import (
	"acconsole/i18n"
	tea "charm.land/bubbletea/v2"
)

// Page is one view on the stack. Pages are pointers and change in place;
// only the App builds the tea.View.
type Page interface {
	// Title is the page's breadcrumb.
	Title(tr *i18n.Translator) string
	// Load starts (or restarts) fetching the page's data.
	Load(a *App) tea.Cmd
	// Update handles a message routed to this page: keys while it is on
	// top, and results of its own loads.
	Update(a *App, msg tea.Msg) tea.Cmd
	View(a *App, w, h int) string
}

// Filterable pages take "/" filters.
type Filterable interface {
	SetFilter(q string) error
	Filter() string
}

// Poller pages refresh at the profile's interval while they are on top.
type Poller interface {
	Poll(a *App) tea.Cmd
}

// loaded carries a page's load result (Run). Results are routed by page
// pointer and generation: an answer for a page that is gone, or for an
// older request, is dropped (UI_GUIDE §3.3). A job's result (runVal) is a
// doneMsg instead (async.go).
type loaded struct {
	page Page
	gen  int
	val  any
	err  error
	bg   bool // background refresh: errors go to the status line only
}

// pollTick asks the top page to refresh.
type pollTick struct {
	page Page
	seq  int
}

// Resumer pages restart their own tick chains (countdowns, tails) when they
// come back on top through history ([ ] -) or a pop: their chains end while
// they are hidden.
type Resumer interface {
	Resume(a *App) tea.Cmd
}

// Guarded pages hold something that leaving would lose or leave running
// (unsaved edits, an open pairing window). Unsaved says what, in words for
// a confirm dialog; "" when leaving is harmless.
type Guarded interface {
	Unsaved() string
}

// The optional parts of a page the App looks for (besides Filterable,
// Poller, Resumer, Guarded above, keyed in pagekeys.go and keyClaimer in
// claimkeys.go).

// Restyler pages rebuild what they styled when the theme changes.
type Restyler interface {
	Restyle(a *App)
}

// Scroller pages scroll with the mouse wheel (n lines, up when negative).
type Scroller interface {
	Scroll(n int)
}

// Clicker pages move their cursor to a clicked row (y below the page's
// top).
type Clicker interface {
	Click(y int)
}

// ActingFor pages act for a user, whom the header names.
type ActingFor interface {
	ActingFor() string
}

// UserScoped pages belong to one user (0: none), whose homes ":homes" and
// ":share" mean.
type UserScoped interface {
	UserID() int64
}
