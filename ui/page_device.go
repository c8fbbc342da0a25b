package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/i18n"
	"acconsole/models"
	"acconsole/ui/components/table"
)

// devicePage shows one device: warehouse record, users with roles,
// profile, online state, gateway and sub-devices.
type devicePage struct {
	// query is what ":device" was given when it read it as a device id:
	// if no device has that id, the page looks it up as a physical id.
	query  string
	ref    DeviceRef
	name   string
	detail *DeviceDetail
	gen    int
	err    error
}

func newDevicePage(ref DeviceRef, name string) *devicePage {
	return &devicePage{ref: ref, name: name}
}

func (p *devicePage) Title(tr *i18n.Translator) string {
	if p.name != "" {
		return models.SanitizeLine(p.name)
	}
	return tr.T("device.title")
}

// pageKeys: the device's writes, then its workflows. A device nobody has
// bound has no logical id and no owner to act for: only its live events
// work.
func (p *devicePage) pageKeys() []pageKey {
	off := ""
	if p.detail != nil && p.detail.Unbound {
		off = "device.unbound_keys"
	}
	write := func(action, question string) pageKey {
		return pageKey{action: action, hint: true, writes: true, off: off, audit: writeLabel(p, question), run: func(a *App) tea.Cmd { return p.deviceWrite(a, action) }}
	}
	list := []pageKey{
		{action: ActRename, hint: true, writes: true, off: off, audit: writeLabel(p, "new name:"), run: p.rename},
		write(ActUnbindUser, "user id to unbind from this device:"), write(ActOwner, "new owner's user id:"), write(ActProfile, "profile key=value:"),
		write(ActAddToHome, "home id to add the device to:"),
		{action: ActMoveRoom, hint: true, writes: true, off: off, audit: "Device: move to room", run: func(a *App) tea.Cmd { return p.roomMove(a, false) }},
		{action: ActOutOfRoom, writes: true, off: off, audit: "Device: take out of room", run: func(a *App) tea.Cmd { return p.roomMove(a, true) }},
		{action: ActCopyID, hint: true, run: p.copyPhysicalID},
	}
	return append(list, deviceWorkflowKeys(p, off)...)
}

// copyPhysicalID copies the device's physical id, the name support asks
// for and that every lookup takes, the way the share page copies its code.
// An unbound device has one too, so the key works there.
func (p *devicePage) copyPhysicalID(a *App) tea.Cmd {
	id := p.ref.PhysicalID
	if p.detail != nil && p.detail.Device.PhysicalDeviceID != "" {
		id = p.detail.Device.PhysicalDeviceID
	}
	if id == "" {
		return a.Flash("nothing to copy yet")
	}
	return copyToClipboard(a, id)
}

func (p *devicePage) Load(a *App) tea.Cmd { return p.fetch(a, false) }
func (p *devicePage) Poll(a *App) tea.Cmd { return p.fetch(a, true) }

func (p *devicePage) fetch(a *App, bg bool) tea.Cmd {
	p.gen++
	api, ref := a.api, p.ref
	return Run(a, p, p.gen, bg, func(ctx context.Context) (DeviceDetail, error) { return api.DeviceDetail(ctx, ref) })
}

func (p *devicePage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case loaded:
		if m.gen != p.gen {
			return nil
		}
		if m.err != nil {
			if p.detail == nil && p.query != "" && acapi.Code(m.err) == models.ErrDeviceAbsent {
				return p.lookUpInstead(a)
			}
			if p.detail == nil {
				p.err = m.err
			}
			return a.Fail(m.err)
		}
		d := m.val.(DeviceDetail)
		p.detail, p.err = &d, nil
		p.name = d.Device.Name
		if d.Unbound {
			p.name = d.Device.PhysicalDeviceID
		}
		if p.ref.DeviceID == 0 {
			p.ref.DeviceID = d.Device.DeviceID
		}
		if p.ref.SubDomain == "" {
			p.ref.SubDomain = d.Device.SubDomainName
		}
		if p.ref.PhysicalID == "" {
			p.ref.PhysicalID = d.Device.PhysicalDeviceID
		}
		return nil
	}
	return nil
}

// lookUpInstead puts the physical-id lookup in the page's place: a number
// no device id matches may be a physical id.
func (p *devicePage) lookUpInstead(a *App) tea.Cmd {
	next := newFindDevicePage(p.query)
	for i, q := range a.stack {
		if q == Page(p) {
			a.stack[i] = next
			return tea.Batch(next.Load(a), a.schedulePoll())
		}
	}
	return nil
}

// rename takes the path every write takes (askWrite); the page reloads
// when it is done, whichever page is on top by then.
func (p *devicePage) rename(a *App) tea.Cmd {
	if p.detail == nil {
		return a.Fail(errorf(a.T("device.still_loading")))
	}
	if p.detail.Unbound || p.ref.DeviceID == 0 {
		return a.Fail(errorf(a.T("device.rename_unbound")))
	}
	ref := p.ref
	if ref.UserID == 0 {
		ref.UserID = p.detail.Device.Owner
	}
	api, old := a.api, p.name
	return askWrite(a, p, "new name:", func(s string) (string, func(context.Context) error, error) {
		name, err := nonEmpty(s, "a device name")
		return fmt.Sprintf("Rename %q to %q?", old, name), func(ctx context.Context) error { return api.RenameDevice(ctx, ref, name) }, err
	})
}

func (p *devicePage) View(a *App, w, h int) string {
	s := a.styles
	if p.detail == nil {
		if p.err != nil {
			return s.Err.Render(" " + a.T("device.load_failed", "Error", a.errorLine(p.err)))
		}
		return s.Faint.Render(" " + a.T("lists.loading"))
	}
	d := p.detail
	dv, info := d.Device, d.Info
	state := s.Offline.Render(s.Glyphs.Offline + " " + a.T("device.offline"))
	if d.Online {
		state = s.OK.Render(s.Glyphs.Online + " " + a.T("device.online"))
	}
	var lines []string
	if d.Unbound {
		lines = append(lines, s.Title.Render(" "+dv.PhysicalDeviceID)+"  "+state+s.Faint.Render("  "+a.T("device.unbound")))
	} else {
		lines = append(lines, s.Title.Render(" "+dv.Name)+"  "+state+s.Faint.Render("  "+a.T("device.number", "ID", dv.DeviceID)))
	}
	lines = append(lines,
		" "+a.T("device.line.product", "Product", orDash(dv.SubDomainName), "PhysicalID", orDash(dv.PhysicalDeviceID)),
		" "+a.T("device.line.firmware", "Firmware", orDash(info.DevVersion), "Module", orDash(info.ModVersion), "MAC", orDash(info.MAC)),
		" "+a.T("device.line.activated", "Activated", orDash(cloudTime(a.tr, info.ActiveTime)), "LastOnline", orDash(cloudTime(a.tr, info.LastOnlineTime)), "IP", orDash(info.IPAddr)),
		" "+a.T("device.line.location", "Location", orDash(strings.Trim(strings.Join([]string{info.Country, info.Province, info.City}, " "), " "))),
	)
	if dv.IsSubDevice() {
		lines = append(lines, " "+a.T("device.line.sub_device_of", "Gateway", dv.GatewayDeviceID))
	}
	if dv.RootID != 0 {
		lines = append(lines, " "+placeLine(a.tr, *d))
	}
	lines = append(lines, " "+a.T("device.line.profile", "Profile", orDash(flatProfile(d.Profile))), "")
	lines = append(lines, s.Bold.Render(" "+a.T("device.users", "Count", len(d.Users))))
	for _, u := range d.Users {
		role := a.T("device.role.member")
		if u.UserType == 1 {
			role = a.T("device.role.owner")
		}
		// The role is padded in cells: a Chinese role is two cells a
		// character wide.
		lines = append(lines, fmt.Sprintf("   %s #%-8d %s %s %s", padRight(role, 8), u.UserID, u.NickName, u.Phone, u.Email))
	}
	if len(d.SubDevices) > 0 {
		lines = append(lines, "", s.Bold.Render(" "+a.T("device.sub_devices", "Count", len(d.SubDevices))))
		for _, sd := range d.SubDevices {
			lines = append(lines, fmt.Sprintf("   #%-8d %-16s %s %s", sd.DeviceID, sd.PhysicalDeviceID, sd.SubDomainName, sd.Name))
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

// placeLine names the home and room a device is in, with their ids.
func placeLine(tr *i18n.Translator, d DeviceDetail) string {
	fields := []any{"HomeID", d.Device.RootID, "Home", strconv.Quote(models.SanitizeLine(d.HomeName)),
		"RoomID", d.RoomID, "Room", strconv.Quote(models.SanitizeLine(d.RoomName))}
	switch {
	case d.HomeName != "" && d.RoomID != 0:
		return tr.T("device.place.home_room", fields...)
	case d.HomeName != "":
		return tr.T("device.place.home", fields...)
	case d.RoomID != 0:
		return tr.T("device.place.home_id_room", fields...)
	}
	return tr.T("device.place.home_id", fields...)
}

// roomMove moves the device to a room picked by name from its home's
// rooms, or takes it out of the room it is in.
func (p *devicePage) roomMove(a *App, out bool) tea.Cmd {
	action := "Device: move to room"
	if out {
		action = "Device: take out of room"
	}
	if cmd := a.refuseWrite(action); cmd != nil {
		return cmd
	}
	if p.detail == nil {
		return a.Fail(errorf(a.T("device.still_loading")))
	}
	d := *p.detail
	if d.Unbound || d.Device.RootID == 0 {
		return a.Fail(errorf(a.T("device.room.no_home")))
	}
	ref := p.ref
	if ref.UserID == 0 {
		ref.UserID = d.Device.Owner
	}
	api, name, home := a.api, d.Device.Name, d.Device.RootID
	if out {
		if d.RoomID == 0 {
			return a.Fail(errorf(a.T("device.room.in_no_room", "Device", strconv.Quote(name))))
		}
		rid, room := d.RoomID, d.RoomName
		return askWrite(a, p, "", func(string) (string, func(context.Context) error, error) {
			return fmt.Sprintf("Take %q out of room %q?", name, room), func(ctx context.Context) error { return api.RemoveDeviceFromRoom(ctx, ref, home, rid) }, nil
		})
	}
	if len(d.Rooms) == 0 {
		return a.Fail(errorf(a.T("device.room.home_has_none")))
	}
	return a.Push(newRoomPickPage(p, ref, d))
}

// newRoomPickPage lists the rooms of the device's home by name; Enter
// goes back to the device and asks to confirm the move there.
func newRoomPickPage(dev *devicePage, ref DeviceRef, d DeviceDetail) Page {
	rooms := d.Rooms
	p := &listPage[models.Room]{
		titleOf: func(tr *i18n.Translator) string {
			return tr.T("device.room.pick_title", "Device", models.SanitizeLine(d.Device.Name))
		},
		empty: "lists.empty.rooms",
		cols:  []table.Column{{Key: "name", Title: "lists.col.room", Flex: 2, MinWidth: 10}, {Key: "id", Title: "lists.col.ident", Width: 8, Align: table.AlignRight}, {Key: "here", Title: "", Width: 20}},
		id:    func(r models.Room) string { return strconv.FormatInt(r.RoomID, 10) },
		load:  func(context.Context, API) ([]models.Room, error) { return rooms, nil },
	}
	p.cells = func(r models.Room) []string {
		here := ""
		if r.RoomID == d.RoomID {
			here = p.text("device.room.here")
		}
		return []string{r.Name, strconv.FormatInt(r.RoomID, 10), here}
	}
	p.summary = func(a *App) string {
		return a.T("device.room.pick_summary", "Home", placeHome(a.tr, d), "Pick", a.keys.Get(ActOpen).Label(), "Cancel", a.keys.Get(ActBack).Label())
	}
	p.open = func(a *App, r models.Room) tea.Cmd {
		if r.RoomID == d.RoomID {
			return a.Fail(errorf(a.T("device.room.already_there", "Device", strconv.Quote(d.Device.Name), "Room", strconv.Quote(r.Name))))
		}
		api, name, home := a.api, d.Device.Name, d.Device.RootID
		return tea.Sequence(a.pop(), askWrite(a, dev, "", func(string) (string, func(context.Context) error, error) {
			return fmt.Sprintf("Move %q to room %q (#%d)?", name, r.Name, r.RoomID), func(ctx context.Context) error { return api.MoveDeviceToRoom(ctx, ref, home, r.RoomID) }, nil
		}))
	}
	return p
}

func placeHome(tr *i18n.Translator, d DeviceDetail) string {
	if d.HomeName != "" {
		return strconv.Quote(models.SanitizeLine(d.HomeName))
	}
	return tr.T("device.home_number", "ID", d.Device.RootID)
}

// deviceWorkflowKeys are the workflow keys of the device page (off: why
// none works for this device). Pairing is offered in the footer for what
// looks like a gateway only; the key works on any device and says why a
// sub-device cannot pair.
func deviceWorkflowKeys(p *devicePage, off string) []pageKey {
	loaded := p.detail != nil
	open := func(push func(r DeviceRef, d DeviceDetail) Page) func(a *App) tea.Cmd {
		return func(a *App) tea.Cmd {
			if p.detail == nil {
				return nil
			}
			return a.Push(push(actingRef(p.ref, *p.detail), *p.detail))
		}
	}
	return []pageKey{
		{action: ActPair, hint: looksLikeGateway(p.detail), off: off, run: func(a *App) tea.Cmd {
			if p.detail == nil {
				return nil
			}
			d := *p.detail
			if d.Device.IsSubDevice() {
				return a.Fail(errorf(a.T("device.pair_sub_device", "Device", deviceTitle(d), "Gateway", d.Device.GatewayDeviceID)))
			}
			return a.Push(newPairingPage(actingRef(p.ref, d), d))
		}},
		{action: ActSendCommand, hint: loaded, off: off, run: open(func(r DeviceRef, d DeviceDetail) Page { return newComposerPage(r, d) })},
		{action: ActTimers, hint: loaded, off: off, run: open(func(r DeviceRef, d DeviceDetail) Page { return newTimersPage(r, d) })},
		{action: ActFirmware, hint: loaded, off: off, run: open(func(r DeviceRef, d DeviceDetail) Page { return newOTAPage(r, d) })},
		{action: ActShare, hint: loaded, off: off, run: func(a *App) tea.Cmd {
			if p.detail == nil {
				return nil
			}
			return a.Push(newDeviceSharePage(p.ref, *p.detail))
		}},
		{action: ActEvents, hint: loaded, run: open(func(r DeviceRef, d DeviceDetail) Page { return newEventsPage([]watchedDevice{watchOf(r, d)}) })},
	}
}
