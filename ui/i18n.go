package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
)

// The console speaks the operator's language: every text a person reads
// goes through a.T (or a.N for counts) with a message id from the i18n
// catalogs. Pages render from ids at View time, so :lang switches the
// whole stack live; what a page caches (table column titles) it rebuilds
// in Relabel.

// T renders a catalog message in the console's language.
func (a *App) T(id string, pairs ...any) string { return a.tr.T(id, pairs...) }

// N renders the plural form of a catalog message for n.
func (a *App) N(id string, n int, pairs ...any) string { return a.tr.N(id, n, pairs...) }

// Tr is the console's translator (dates, durations, language names).
func (a *App) Tr() *i18n.Translator { return a.tr }

// Lang is the language the console shows.
func (a *App) Lang() i18n.Lang { return a.tr.Lang() }

// Relabeler pages cache translated text (column titles) and rebuild it
// when the language changes.
type Relabeler interface {
	Relabel(a *App)
}

// setLang switches the language of every page on the stack and in the
// history, keeping them all.
func (a *App) setLang(l i18n.Lang) {
	a.tr = i18n.For(l)
	seen := map[Page]bool{}
	relabel := func(p Page) {
		if seen[p] {
			return
		}
		seen[p] = true
		if r, ok := p.(Relabeler); ok {
			r.Relabel(a)
		}
	}
	for _, p := range a.stack {
		relabel(p)
	}
	for _, snap := range append(append([][]Page{}, a.back...), a.forward...) {
		for _, p := range snap {
			relabel(p)
		}
	}
}

func cmdLang(a *App, arg string) tea.Cmd {
	if strings.TrimSpace(arg) == "" {
		var names []string
		for _, l := range i18n.Langs() {
			names = append(names, string(l)+" ("+a.tr.LangName(l)+")")
		}
		return a.Flash(a.T("lang.current", "Lang", a.tr.LangName(a.Lang()), "Known", strings.Join(names, ", ")))
	}
	l, err := i18n.ParseLang(arg)
	if err != nil {
		return a.Fail(err)
	}
	a.setLang(l)
	return a.Flash(a.T("lang.switched", "Lang", a.tr.LangName(l)))
}

// neutral is the translator of what machines and logs read (the audit
// log's action names, console.log): always English, whatever the operator
// reads on screen.
func neutral() *i18n.Translator { return i18n.For(i18n.English) }
