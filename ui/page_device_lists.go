// Lists of devices (a user's, a home's, a room's, the fleet) and renaming from them.

package ui

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
	"acconsole/ui/components/table"
)

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
