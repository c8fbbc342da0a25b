package ui

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
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

var deviceColumns = []table.Column{
	{Key: "status", Title: "", Width: 1},
	{Key: "id", Title: "lists.col.ident", Width: 8, Align: table.AlignRight},
	{Key: "name", Title: "lists.col.name", Flex: 3, MinWidth: 10},
	{Key: "product", Title: "lists.col.product", Width: 10},
	{Key: "pid", Title: "lists.col.physical_id", Width: 16},
	{Key: "role", Title: "lists.col.role", Width: 10},
	{Key: "home", Title: "lists.col.home", Flex: 1, MinWidth: 8},
}

// homeNames names homes by id for a device list; the load fills it on
// its goroutine while cells read it on the UI's.
type homeNames struct {
	mu sync.Mutex
	m  map[int64]string
}

func (h *homeNames) set(homes []models.Home) {
	m := make(map[int64]string, len(homes))
	for _, x := range homes {
		m[x.HomeID] = x.Name
	}
	h.mu.Lock()
	h.m = m
	h.mu.Unlock()
}

// label is the home's name, or its id when the name is unknown.
func (h *homeNames) label(id int64) string {
	if id == 0 {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n, ok := h.m[id]; ok && n != "" {
		return models.SanitizeLine(n)
	}
	return "#" + strconv.FormatInt(id, 10)
}

// newDeviceList builds a device list; title is a catalog id (or data, such
// as a room's name, shown as it is).
func newDeviceList(title string, userID int64, load func(ctx context.Context, api API) ([]models.Device, error), poll bool) *listPage[models.Device] {
	var p *listPage[models.Device]
	return newDeviceListIn(title, userID, load, poll, &homeNames{}, func() Page { return p }, &p)
}

// newDeviceListIn builds a device list whose HOME column reads names
// (fetched with the devices unless the host fills names itself) and whose
// rename key renames the device under the cursor; host is the page that
// reloads after a write. self receives the list.
func newDeviceListIn(title string, userID int64, load func(ctx context.Context, api API) ([]models.Device, error), poll bool,
	names *homeNames, host func() Page, self **listPage[models.Device]) *listPage[models.Device] {
	p := &listPage[models.Device]{
		title: title, cols: deviceColumns, poll: poll, empty: "lists.empty.devices",
		id: func(d models.Device) string { return strconv.FormatInt(d.DeviceID, 10) },
		tone: func(d models.Device, col int) table.Tone {
			if col == 0 && d.Status != nil {
				if d.Online() {
					return table.ToneOK
				}
				return table.ToneOffline
			}
			return table.ToneDefault
		},
	}
	p.cells = func(d models.Device) []string {
		st := "?"
		if d.Status != nil {
			if d.Online() {
				st = "●"
			} else {
				st = "○"
			}
		}
		role := "lists.role.shared"
		switch {
		case d.Owner == userID && d.IsSubDevice():
			role = "lists.role.owner_sub"
		case d.Owner == userID:
			role = "lists.role.owner"
		case d.IsSubDevice():
			role = "lists.role.shared_sub"
		}
		return []string{st, strconv.FormatInt(d.DeviceID, 10), d.Name, d.SubDomainName, d.PhysicalDeviceID, p.text(role), names.label(d.RootID)}
	}
	if self != nil {
		*self = p
	}
	p.load = func(ctx context.Context, api API) ([]models.Device, error) {
		devs, err := load(ctx, api)
		if err != nil || userID == 0 {
			return devs, err
		}
		for _, d := range devs {
			if d.RootID != 0 {
				// Names are a nicety: a failure leaves the ids.
				if homes, err := api.Homes(ctx, userID); err == nil {
					names.set(homes)
				}
				break
			}
		}
		return devs, nil
	}
	p.open = func(a *App, d models.Device) tea.Cmd {
		return a.Push(newDevicePage(DeviceRef{UserID: userID, DeviceID: d.DeviceID, SubDomain: d.SubDomainName, PhysicalID: d.PhysicalDeviceID}, d.Name))
	}
	p.more = func(d models.Device, ok bool) []pageKey {
		return []pageKey{{action: ActRename, hint: true, writes: true, audit: writeLabel(host(), fmt.Sprintf("new name for %q:", models.SanitizeLine(d.Name))),
			run: func(a *App) tea.Cmd { return renameDevice(a, host(), userID, d, ok) }}}
	}
	return p
}

// renameDevice asks for a new name of the device under a list's cursor.
func renameDevice(a *App, host Page, userID int64, d models.Device, ok bool) tea.Cmd {
	if !ok {
		return a.Fail(errorf(a.T("lists.rename.no_device")))
	}
	ref := DeviceRef{UserID: userID, DeviceID: d.DeviceID, SubDomain: d.SubDomainName, PhysicalID: d.PhysicalDeviceID}
	if ref.UserID == 0 {
		ref.UserID = d.Owner
	}
	api, old := a.api, d.Name
	return askWrite(a, host, msg{id: "writes.ask_new_name_for", pairs: []any{"Old", strconv.Quote(models.SanitizeLine(old))}}, func(s string) (writeText, func(context.Context) error, error) {
		name, err := a.nonEmptyT(s, "writes.what.device_name")
		return renameText(old, name), func(ctx context.Context) error { return api.RenameDevice(ctx, ref, name) }, err
	})
}

func newHomesPage(userID int64, userName string) Page {
	p := &listPage[models.Home]{
		title: "lists.title.homes", empty: "lists.empty.homes",
		cols: []table.Column{{Key: "id", Title: "lists.col.ident", Width: 8, Align: table.AlignRight}, {Key: "name", Title: "lists.col.name", Flex: 2}, {Key: "owner", Title: "lists.col.owner", Width: 10}},
		id:   func(h models.Home) string { return strconv.FormatInt(h.HomeID, 10) },
		load: func(ctx context.Context, api API) ([]models.Home, error) { return api.Homes(ctx, userID) },
	}
	p.cells = func(h models.Home) []string {
		owner := strconv.FormatInt(h.Owner, 10)
		if h.Owner == userID {
			owner = p.text("lists.home.this_user")
		}
		return []string{strconv.FormatInt(h.HomeID, 10), h.Name, owner}
	}
	p.open = func(a *App, h models.Home) tea.Cmd { return a.Push(newRoomsPage(userID, h)) }
	p.more = func(h models.Home, ok bool) []pageKey {
		return append(homeWrites(userID, p, h, ok),
			// s shares the home under the cursor (the homes page's one
			// workflow key); not in the footer, as before.
			pageKey{action: ActShare, run: func(a *App) tea.Cmd {
				if !ok {
					return nil
				}
				return a.Push(newHomeSharePage(homeViewer(a), h))
			}})
	}
	return p
}

// roomRow is a room, or the whole home (RoomID 0) listed first.
type roomRow struct {
	room  models.Room
	whole bool
}

func newRoomsPage(userID int64, home models.Home) Page {
	p := &listPage[roomRow]{
		titleOf: func(*i18n.Translator) string { return models.SanitizeLine(home.Name) }, empty: "lists.empty.rooms",
		cols: []table.Column{{Key: "id", Title: "lists.col.room", Width: 8, Align: table.AlignRight}, {Key: "name", Title: "lists.col.name", Flex: 2}},
		id: func(r roomRow) string {
			if r.whole {
				return "all"
			}
			return strconv.FormatInt(r.room.RoomID, 10)
		},
		load: func(ctx context.Context, api API) ([]roomRow, error) {
			rooms, err := api.Rooms(ctx, userID, home.HomeID)
			if err != nil {
				return nil, err
			}
			out := []roomRow{{whole: true}}
			for _, r := range rooms {
				out = append(out, roomRow{room: r})
			}
			return out, nil
		},
	}
	p.cells = func(r roomRow) []string {
		if r.whole {
			return []string{"", p.text("lists.room.whole_home")}
		}
		return []string{strconv.FormatInt(r.room.RoomID, 10), r.room.Name}
	}
	p.more = func(r roomRow, ok bool) []pageKey { return roomWrites(userID, home.HomeID, p, r, ok) }
	p.open = func(a *App, r roomRow) tea.Cmd {
		if r.whole {
			return a.Push(newDeviceList("lists.title.devices", userID, func(ctx context.Context, api API) ([]models.Device, error) {
				return api.HomeDevices(ctx, userID, home.HomeID)
			}, true))
		}
		list := newDeviceList("", userID, func(ctx context.Context, api API) ([]models.Device, error) {
			return api.RoomDevices(ctx, userID, home.HomeID, r.room.RoomID)
		}, true)
		list.titleOf = func(*i18n.Translator) string { return models.SanitizeLine(r.room.Name) }
		return a.Push(list)
	}
	return p
}

// newFleetPage lists the warehouse 100 devices at a time. It pages by
// offset, which costs the same at any depth here: the cloud numbers the
// warehouse densely (seq) and reads "offset k" as "seq > k", an index seek,
// and its count is the highest seq (PROTOCOL-EXTENSIONS.md, zc-warehouse).
func newFleetPage() Page {
	pg := &pager{}
	p := &listPage[models.FleetDevice]{
		title: "lists.title.fleet", empty: "lists.empty.fleet", poll: true,
		cols: []table.Column{
			{Key: "status", Title: "", Width: 1},
			{Key: "pid", Title: "lists.col.physical_id", Width: 16},
			{Key: "product", Title: "lists.col.product", Width: 10},
			{Key: "name", Title: "lists.col.name", Flex: 2, MinWidth: 8},
			{Key: "fw", Title: "lists.col.firmware", Width: 8},
			{Key: "last", Title: "lists.col.last_online", Width: 19},
			{Key: "owner", Title: "lists.col.owner", Flex: 1, MinWidth: 8},
		},
		id: func(d models.FleetDevice) string { return d.SubDomainName + "/" + d.PhysicalDeviceID },
		cells: func(d models.FleetDevice) []string {
			st := "○"
			if d.Online {
				st = "●"
			}
			owner := "–"
			if d.Owner != 0 {
				owner = fmt.Sprintf("%s #%d", d.OwnerNickName, d.Owner)
			}
			prod := d.SubDomainName
			if prod == "" {
				prod = d.SubDomain
			}
			return []string{st, d.PhysicalDeviceID, prod, d.Name, d.DevVersion, d.LastOnlineTime, owner}
		},
		tone: func(d models.FleetDevice, col int) table.Tone {
			if col == 0 {
				if d.Online {
					return table.ToneOK
				}
				return table.ToneOffline
			}
			return table.ToneDefault
		},
	}
	p.load = func(ctx context.Context, api API) ([]models.FleetDevice, error) {
		n, err := api.FleetCount(ctx)
		if err != nil {
			return nil, err
		}
		pg.total.Store(n)
		return api.Fleet(ctx, int(pg.offset.Load()), pageSize)
	}
	p.summary = func(a *App) string { return pg.line(a, devicesPager, p.tbl.Len(), p.tbl.Total()) }
	p.open = func(a *App, d models.FleetDevice) tea.Cmd {
		return a.Push(newDevicePage(DeviceRef{DeviceID: d.DeviceID, SubDomain: d.SubDomainName, PhysicalID: d.PhysicalDeviceID}, d.Name))
	}
	p.more = func(models.FleetDevice, bool) []pageKey { return pg.pageKeys(p.Load) }
	return p
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
