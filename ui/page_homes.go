// A user's homes and a home's rooms.

package ui

import (
	"context"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
	"acconsole/models"
	"acconsole/ui/components/table"
)

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
