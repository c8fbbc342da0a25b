// The lookups behind ":user" and ":device" and the device pick list.

package ui

import (
	"context"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
	"acconsole/models"
	"acconsole/ui/components/table"
)

// findUserPage resolves ":user <query>" and then puts the user page in its
// place on the stack.
type findUserPage struct {
	query string
	gen   int
	err   error
}

func newFindUserPage(q string) *findUserPage { return &findUserPage{query: q} }

func (p *findUserPage) Title(tr *i18n.Translator) string {
	return tr.T("lists.find.title", "Query", models.SanitizeLine(p.query))
}

func (p *findUserPage) Load(a *App) tea.Cmd {
	p.gen++
	api, q := a.api, p.query
	return Run(a, p, p.gen, false, func(ctx context.Context) (models.User, error) { return api.FindUser(ctx, q) })
}

func (p *findUserPage) Update(a *App, msg tea.Msg) tea.Cmd {
	m, ok := msg.(loaded)
	if !ok || m.gen != p.gen {
		return nil
	}
	if m.err != nil {
		p.err = m.err
		return a.Fail(m.err)
	}
	u := m.val.(models.User)
	next := newUserPage(u.UserID, userName(u))
	for i, q := range a.stack {
		if q == Page(p) {
			a.stack[i] = next
			return tea.Batch(next.Load(a), a.schedulePoll())
		}
	}
	return nil
}

func (p *findUserPage) View(a *App, w, h int) string {
	if p.err != nil {
		return a.styles.Err.Render(" "+a.T("lists.find.no_user", "Query", strconv.Quote(models.SanitizeLine(p.query)), "Error", a.errorLine(p.err))) +
			"\n" + a.styles.Faint.Render(" "+a.T("lists.find.user_hint"))
	}
	return a.styles.Faint.Render(" " + a.T("lists.find.looking_up", "Query", models.SanitizeLine(p.query)))
}

// findDevicePage resolves ":device <physical id|mac>": one match opens the
// device in its place on the stack, several are listed to pick from, none
// says so.
type findDevicePage struct {
	query string
	gen   int
	err   error
}

func newFindDevicePage(q string) *findDevicePage { return &findDevicePage{query: q} }

func (p *findDevicePage) Title(tr *i18n.Translator) string {
	return tr.T("lists.find.title", "Query", models.SanitizeLine(p.query))
}

func (p *findDevicePage) Load(a *App) tea.Cmd {
	p.gen++
	api, q := a.api, p.query
	return Run(a, p, p.gen, false, func(ctx context.Context) ([]models.DeviceInfo, error) { return api.FindDevices(ctx, q) })
}

func (p *findDevicePage) Update(a *App, msg tea.Msg) tea.Cmd {
	m, ok := msg.(loaded)
	if !ok || m.gen != p.gen {
		return nil
	}
	if m.err != nil {
		p.err = m.err
		return a.Fail(m.err)
	}
	found := m.val.([]models.DeviceInfo)
	var next Page
	if len(found) == 1 {
		in := found[0]
		next = newDevicePage(DeviceRef{SubDomain: in.SubDomainName, PhysicalID: in.PhysicalDeviceID}, in.PhysicalDeviceID)
	} else {
		next = newDevicePickPage(p.query, found)
	}
	for i, q := range a.stack {
		if q == Page(p) {
			a.stack[i] = next
			return tea.Batch(next.Load(a), a.schedulePoll())
		}
	}
	return nil
}

func (p *findDevicePage) View(a *App, w, h int) string {
	if p.err != nil {
		return a.styles.Err.Render(" "+a.errorLine(p.err)) +
			"\n" + a.styles.Faint.Render(" "+a.T("lists.find.device_hint"))
	}
	return a.styles.Faint.Render(" " + a.T("lists.find.looking_up", "Query", models.SanitizeLine(p.query)))
}

// newDevicePickPage lists the warehouse records a lookup matched.
func newDevicePickPage(q string, found []models.DeviceInfo) Page {
	p := &listPage[models.DeviceInfo]{
		titleOf: func(tr *i18n.Translator) string {
			return tr.N("lists.title.device_matches", len(found), "Query", models.SanitizeLine(q))
		},
		empty: "lists.empty.devices",
		cols: []table.Column{
			{Key: "pid", Title: "lists.col.physical_id", Width: 16},
			{Key: "product", Title: "lists.col.product", Width: 10},
			{Key: "mac", Title: "lists.col.mac", Width: 17},
			{Key: "fw", Title: "lists.col.firmware", Width: 8},
			{Key: "last", Title: "lists.col.last_online", Flex: 1, MinWidth: 19},
		},
		id: func(d models.DeviceInfo) string { return d.SubDomain + "/" + d.PhysicalDeviceID },
		cells: func(d models.DeviceInfo) []string {
			return []string{d.PhysicalDeviceID, d.SubDomainName, d.MAC, d.DevVersion, d.LastOnlineTime}
		},
		load: func(context.Context, API) ([]models.DeviceInfo, error) { return found, nil },
	}
	p.open = func(a *App, d models.DeviceInfo) tea.Cmd {
		return a.Push(newDevicePage(DeviceRef{SubDomain: d.SubDomainName, PhysicalID: d.PhysicalDeviceID}, d.PhysicalDeviceID))
	}
	return p
}
