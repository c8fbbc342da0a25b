package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
	"acconsole/models"
	"acconsole/ui/components/table"
)

// userName is what names a user: the nick name, else the phone, else the
// email; "" for a user with none (userTitle then says "user 42").
func userName(u models.User) string {
	switch {
	case u.NickName != "":
		return u.NickName
	case u.Phone != "":
		return u.Phone
	case u.Email != "":
		return u.Email
	}
	return ""
}

// userTitle names a user for a person: its name, or "user 42".
func userTitle(tr *i18n.Translator, id int64, name string) string {
	if name == "" {
		return tr.T("lists.user.fallback", "ID", id)
	}
	return models.SanitizeLine(name)
}

// The column titles of the lists are catalog ids, rendered by listPage.
var userColumns = []table.Column{
	{Key: "id", Title: "lists.col.ident", Width: 8, Align: table.AlignRight},
	{Key: "name", Title: "lists.col.nick_name", Flex: 2, MinWidth: 10},
	{Key: "phone", Title: "lists.col.phone", Width: 14},
	{Key: "email", Title: "lists.col.email", Flex: 2, MinWidth: 12},
	{Key: "created", Title: "lists.col.created", Width: 19},
}

func userCells(u models.User) []string {
	return []string{strconv.FormatInt(u.UserID, 10), u.NickName, u.Phone, u.Email, u.CreateTime}
}

// newUsersPage lists the users a page at a time by id (keyset, never an
// offset); the total is the cloud's maintained count, exact and one row to
// read, which the summary line says.
func newUsersPage() Page {
	pg := &keyPager{size: pageSize}
	p := &listPage[models.User]{
		title: "lists.title.users", cols: userColumns, cells: userCells,
		id:    func(u models.User) string { return strconv.FormatInt(u.UserID, 10) },
		empty: "lists.empty.users",
	}
	p.load = func(ctx context.Context, api API) ([]models.User, error) {
		n, err := api.CountUsers(ctx)
		if err != nil {
			return nil, err
		}
		pg.total.Store(n)
		us, err := api.ListUsers(ctx, pg.after.Load(), pageSize)
		if err != nil {
			return nil, err
		}
		var last int64
		for _, u := range us {
			last = max(last, u.UserID)
		}
		pg.loaded(len(us), last)
		return us, nil
	}
	p.summary = func(a *App) string { return pg.line(a, usersPager, p.tbl.Len(), p.tbl.Total()) }
	p.open = func(a *App, u models.User) tea.Cmd { return a.Push(newUserPage(u.UserID, userName(u))) }
	p.more = func(models.User, bool) []pageKey {
		return pg.pageKeys(func() bool { return p.loading }, p.Load)
	}
	return p
}

// userPage shows one user: profile, OpenIDs, homes and devices. The
// devices come a page at a time (userDevicePage), so a user with thousands of
// devices costs one page per load and per poll.
type userPage struct {
	id     int64
	name   string
	detail *UserDetail
	devs   *listPage[models.Device]
	homes  *homeNames
	pg     *keyPager
	gen    int
	// pending is a verify code sent and not used yet (page_user_phone.go);
	// codeGen tags the sends.
	pending *pendingPhone
	codeGen int
	err     error
}

// userDevicePage is how many of a user's devices the user page loads at once.
const userDevicePage = 100

func newUserPage(id int64, name string) *userPage {
	p := &userPage{id: id, name: name, homes: &homeNames{}, pg: &keyPager{size: userDevicePage}}
	// The homes come with the user detail (for the HOME column); the
	// devices a page at a time; a rename reloads the whole user page.
	p.devs = newDeviceListIn("lists.title.devices", id, func(ctx context.Context, api API) ([]models.Device, error) {
		ds, total, err := api.UserDevices(ctx, id, p.pg.after.Load(), userDevicePage)
		if err != nil {
			return nil, err
		}
		p.pg.total.Store(total)
		var last int64
		for _, d := range ds {
			last = max(last, d.DeviceID)
		}
		p.pg.loaded(len(ds), last)
		return ds, nil
	}, true, p.homes, func() Page { return p }, nil)
	rename := p.devs.more
	p.devs.more = func(d models.Device, ok bool) []pageKey {
		return append(rename(d, ok), p.pg.pageKeys(func() bool { return p.devs.loading }, p.devs.Load)...)
	}
	return p
}

// userInView is the nearest user page on the stack, the user the views
// above it act for: its id and title (0 and "" when none).
func userInView(a *App) (int64, string) {
	for i := len(a.stack) - 1; i >= 0; i-- {
		if u, ok := a.stack[i].(interface{ UserID() int64 }); ok && u.UserID() != 0 {
			return u.UserID(), a.stack[i].Title(a.tr)
		}
	}
	return 0, ""
}

func (p *userPage) Title(tr *i18n.Translator) string { return userTitle(tr, p.id, p.name) }
func (p *userPage) UserID() int64                    { return p.id }
func (p *userPage) ActingFor() string {
	return fmt.Sprintf("%s (#%d)", userTitle(neutral(), p.id, p.name), p.id)
}

// Relabel renders the device table's words in the new language.
func (p *userPage) Relabel(a *App) { p.devs.Relabel(a) }

// pageKeys: the device list's open and rename, the user's own keys, then
// the rest of the device list's (paging, sorting, moving about).
func (p *userPage) pageKeys() []pageKey {
	devs := p.devs.pageKeys()
	own := []pageKey{
		{action: ActHomes, hint: true, run: func(a *App) tea.Cmd { return a.Push(newHomesPage(p.id, p.name)) }},
		{action: ActProfile, hint: true, writes: true, audit: writeLabel(p, "profile key=value:"), run: p.setProfile},
		{action: ActBindPhone, hint: true, writes: true, audit: "User: bind phone", run: p.bindPhone},
	}
	var first, rest []pageKey
	for _, e := range devs {
		if e.action == ActOpen || e.action == ActRename {
			first = append(first, e)
		} else {
			rest = append(rest, e)
		}
	}
	return append(append(first, own...), rest...)
}

func (p *userPage) Load(a *App) tea.Cmd {
	p.gen++
	api, id := a.api, p.id
	return tea.Batch(p.devs.Load(a),
		Run(a, p, p.gen, false, func(ctx context.Context) (UserDetail, error) { return api.UserDetail(ctx, id) }))
}

func (p *userPage) Poll(a *App) tea.Cmd {
	p.gen++
	api, id := a.api, p.id
	return tea.Batch(p.devs.Poll(a),
		Run(a, p, p.gen, true, func(ctx context.Context) (UserDetail, error) { return api.UserDetail(ctx, id) }))
}

func (p *userPage) SetFilter(q string) error { return p.devs.SetFilter(q) }
func (p *userPage) Filter() string           { return p.devs.Filter() }
func (p *userPage) Scroll(n int)             { p.devs.Scroll(n) }
func (p *userPage) Restyle(a *App)           { p.devs.Restyle(a) }

func (p *userPage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case loaded:
		if m.page == Page(p.devs) {
			return p.devs.Update(a, msg)
		}
		if _, ok := m.val.(phoneCodeSent); ok {
			return p.codeAnswered(a, m)
		}
		if m.gen != p.gen {
			return nil
		}
		if m.err != nil {
			if p.detail == nil {
				p.err = m.err
			}
			return a.Fail(m.err)
		}
		d := m.val.(UserDetail)
		p.detail, p.err = &d, nil
		if d.User.NickName != "" {
			p.name = d.User.NickName
		}
		p.homes.set(d.Homes)
		p.phoneBound(d.User)
		return nil
	}
	return nil
}

func (p *userPage) View(a *App, w, h int) string {
	s := a.styles
	if p.detail == nil {
		if p.err != nil {
			return s.Err.Render(" " + a.T("lists.user.load_failed", "Error", a.errorLine(p.err)))
		}
		return s.Faint.Render(" " + a.T("lists.loading"))
	}
	d := p.detail
	u := d.User
	var lines []string
	lines = append(lines, s.Title.Render(" "+userTitle(a.tr, u.UserID, userName(u)))+s.Faint.Render("  "+a.T("lists.user.header", "ID", u.UserID, "Created", cloudTime(a.tr, u.CreateTime))))
	lines = append(lines, " "+a.T("lists.user.contact", "Phone", orDash(u.Phone), "Email", orDash(u.Email)))
	var oids []string
	for _, o := range d.OpenIDs {
		oids = append(oids, o.Provider+":"+o.OpenID)
	}
	lines = append(lines, " "+a.T("lists.user.openids", "OpenIDs", orDash(strings.Join(oids, ", "))))
	lines = append(lines, " "+a.T("lists.user.profile", "Profile", orDash(flatProfile(d.Profile))))
	if p.pending != nil {
		lines = append(lines, p.pendingLine(a))
	}
	var homes []string
	for _, hm := range d.Homes {
		homes = append(homes, hm.Name)
	}
	lines = append(lines, " "+a.T("lists.user.homes", "Count", len(d.Homes), "Homes", strings.Join(homes, ", "))+"   "+s.HelpKey.Render(a.keys.Get(ActHomes).Label())+s.HelpDesc.Render(" "+a.T("lists.user.open_homes")))
	if p.devs.done {
		online := 0
		for _, dv := range p.devs.tbl.Rows() {
			if dv.Online() {
				online++
			}
		}
		lines = append(lines, s.Bold.Render(" "+p.pg.line(a, devicesPager, p.devs.tbl.Len(), p.devs.tbl.Total()))+s.Faint.Render("   "+a.T("lists.user.online", "Count", online)))
	} else {
		lines = append(lines, s.Bold.Render(" "+a.T("lists.user.devices")))
	}
	top := strings.Join(lines, "\n")
	return top + "\n" + p.devs.View(a, w, max(h-len(lines), 3))
}
