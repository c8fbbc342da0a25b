package ui

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
	"acconsole/models"
	"acconsole/themes"
)

// End-to-end tests of the pages and keys no other test opens or presses,
// on a local cloud, pressing every key of a binding as the keymap lists it.

// keysOf presses each key of an action's binding in turn (k and ↑, j and
// ↓, g and home, G and end, ctrl+r and f5).
func (e *e2e) keysOf(action string) []string { return e.keys.Get(action).Keys }

// rowAfterHeader is the text of the n-th table row (0 = the first) below
// the line holding header.
func rowAfterHeader(scr, header string, n int) string {
	lines := strings.Split(scr, "\n")
	for i, l := range lines {
		if strings.Contains(l, header) && i+1+n < len(lines) {
			return lines[i+1+n]
		}
	}
	return ""
}

// cursorLine is the row the cursor is on (marked ›, below the breadcrumb).
func cursorLine(scr string) string {
	for i, l := range strings.Split(scr, "\n") {
		if i > 1 && strings.HasPrefix(strings.TrimLeft(l, " "), "›") {
			return l
		}
	}
	return ""
}

var (
	pidRe = regexp.MustCompile(`[0-9A-F]{16}`)
	rowRe = regexp.MustCompile(`(?m)^\s*›?\s*[●○] [0-9A-F]{16}`)
)

// waitScreen waits until cond holds for the screen.
func (e *e2e) waitScreen(what string, cond func(scr string) bool) string {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := e.scr.Text()
		if cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the screen never showed %s:\n%s", what, scr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The fleet (:devices): paging with n and b, sorting with o and O, the
// cursor keys and their alternates, refresh, and the / filter.
func TestE2EFleetPagingSortFilterAndCursorKeys(t *testing.T) {
	e := startE2E(t, cloudtest.Options{Demo: 150})
	ctx := context.Background()
	total, err := e.client.Warehouse().GetDeviceCount(ctx, "")
	if err != nil || total <= 100 {
		t.Fatalf("the demo fleet has %d devices (%v); paging needs more than 100", total, err)
	}
	e.command("devices")
	e.scr.WaitFor(t, "Fleet", fmt.Sprintf("1–100 of %d", total))
	e.act(ActNextPage)
	e.scr.WaitFor(t, fmt.Sprintf("101–%d of %d", min(200, total), total))
	e.act(ActPrevPage)
	e.scr.WaitFor(t, fmt.Sprintf("1–100 of %d", total))

	// The first page sorted by product (plain lowercase words, whose order
	// is the same whichever way text is compared).
	rows, err := e.client.Warehouse().ListDevicesExt(ctx, "", 0, 100)
	if err != nil || len(rows) != 100 {
		t.Fatalf("first page: %d rows, %v", len(rows), err)
	}
	var prods []string
	for _, r := range rows {
		prods = append(prods, r.DeviceInfo.SubDomainName)
	}
	slices.Sort(prods)
	lo, hi := " "+prods[0]+" ", " "+prods[len(prods)-1]+" "
	if lo == hi {
		t.Fatal("the demo page holds one product only")
	}
	e.act(ActSort) // the status column
	e.act(ActSort) // PHYSICAL ID
	e.act(ActSort) // PRODUCT, ascending
	// The cursor keeps its row through a sort; the top of the table is a
	// key away.
	e.act(ActTop)
	e.waitScreen("the first product first", func(s string) bool { return strings.Contains(rowAfterHeader(s, "PHYSICAL ID", 0), lo) })
	e.act(ActSortRev)
	e.act(ActTop)
	e.waitScreen("the last product first", func(s string) bool { return strings.Contains(rowAfterHeader(s, "PHYSICAL ID", 0), hi) })

	// Every key of the cursor bindings moves the cursor row (told by its
	// physical id).
	scr := e.scr.Text()
	first, second := pidRe.FindString(rowAfterHeader(scr, "PHYSICAL ID", 0)), pidRe.FindString(rowAfterHeader(scr, "PHYSICAL ID", 1))
	on := func(what, pid string) {
		t.Helper()
		e.waitScreen("the cursor on "+what, func(s string) bool { return pidRe.FindString(cursorLine(s)) == pid })
	}
	off := func(what string) {
		t.Helper()
		e.waitScreen("the cursor on "+what, func(s string) bool { c := pidRe.FindString(cursorLine(s)); return c != "" && c != first })
	}
	atBottom := func(k string) {
		t.Helper()
		e.waitScreen("the cursor on the last row ("+k+")", func(s string) bool { return strings.Contains(cursorLine(s), lo) })
	}
	for _, bottom := range e.keysOf(ActBottom) {
		for _, top := range e.keysOf(ActTop) {
			e.press(bottom)
			atBottom(bottom)
			e.press(top)
			on("the first row ("+top+")", first)
		}
	}
	for _, down := range e.keysOf(ActDown) {
		for _, up := range e.keysOf(ActUp) {
			e.press(down)
			on("the second row ("+down+")", second)
			e.press(up)
			on("the first row ("+up+")", first)
		}
	}
	for _, pgdn := range e.keysOf(ActPageDown) {
		for _, pgup := range e.keysOf(ActPageUp) {
			e.press(pgdn)
			off("a page down (" + pgdn + ")")
			e.press(pgup)
			on("the first row ("+pgup+")", first)
		}
	}

	// Refresh: a rename made elsewhere shows after each refresh key.
	var top *struct {
		id    int64
		owner int64
		sub   string
	}
	for _, r := range rows {
		if r.PhysicalDeviceID == first && r.Owner != 0 && r.DeviceID != 0 {
			top = &struct {
				id    int64
				owner int64
				sub   string
			}{r.DeviceID, r.Owner, r.DeviceInfo.SubDomainName}
		}
	}
	if top != nil {
		for i, k := range e.keysOf(ActRefresh) {
			name := "Renamed elsewhere " + strconv.Itoa(i)
			if err := e.client.As(top.owner).Bind().ModifyDevice(ctx, top.sub, top.id, name); err != nil {
				t.Fatal(err)
			}
			e.press(k)
			e.scr.WaitFor(t, name)
		}
	}

	// The / filter keeps the rows that match, esc clears it.
	e.act(ActFilter)
	e.typeText(second)
	e.waitScreen("only the filtered row", func(s string) bool {
		return strings.Contains(s, second) && len(rowRe.FindAllString(s, -1)) == 1
	})
	e.press("enter")
	e.act(ActBack)
	e.waitScreen("every row again", func(s string) bool { return strings.Contains(s, second) && len(rowRe.FindAllString(s, -1)) > 10 })
}

// The commands that open pages: :outbox, :audit, :homes, :gateways,
// :theme, :share and :readonly; e shows the last error.
func TestE2ECommandsOpenTheirPages(t *testing.T) {
	// The binary's theme loader, built-in themes only.
	loadTheme := func(o *Options) {
		o.Themes = func(name string) (*themes.Styles, error) {
			th, err := themes.Load(name, t.TempDir())
			if err != nil {
				return nil, err
			}
			return themes.NewStyles(th, themes.GlyphSet(false)), nil
		}
	}
	e := startE2E(t, cloudtest.Options{Demo: 40}, loadTheme)
	plug := e.device("plug")

	e.command("outbox")
	e.scr.WaitFor(t, "SMS outbox")
	e.command("audit")
	e.scr.WaitFor(t, "Audit")

	e.command("homes")
	e.scr.WaitFor(t, "open a user first")
	u := strconv.FormatInt(plug.Owner, 10)
	e.command("user " + u)
	e.scr.WaitFor(t, "user #"+u)
	e.command("homes")
	e.scr.WaitFor(t, "› Homes", "OWNER")
	e.act(ActBack)
	e.command("gateways")
	e.scr.WaitFor(t, "› Gateways")
	e.act(ActBack)

	e.command("theme light")
	e.scr.WaitFor(t, "theme light")
	e.command("theme nosuch")
	e.scr.WaitFor(t, "nosuch")

	e.openDevice(plug)
	e.command("share")
	e.scr.WaitFor(t, "Share")
	// It asks before making a code: esc says no, a second esc leaves.
	e.act(ActBack)
	e.scr.WaitFor(t, "no share code yet")
	e.act(ActBack)
	e.waitScreen("the device page again", func(s string) bool { return !strings.Contains(s, "› Share") })

	// startE2E starts in write mode.
	e.scr.WaitFor(t, "WRITE")
	e.command("readonly")
	e.waitScreen("read-only in the header", func(s string) bool { return !strings.Contains(s, "WRITE") })
	e.act(ActRename)
	e.scr.WaitFor(t, "read-only: type :write")

	// e shows the last error in full (the refused rename), any key
	// closes it.
	e.act(ActErrors)
	e.scr.WaitFor(t, "Last error", "read-only: type :write", "any key closes")
	e.press("esc")
	e.waitScreen("the dialog closed", func(s string) bool { return !strings.Contains(s, "Last error") })
}

// The device page's home and room keys (H m M, and W's prompt) in write
// mode, checked in the cloud.
func TestE2EDeviceOwnerHomeAndRoomKeys(t *testing.T) {
	e := startE2E(t, cloudtest.Options{Demo: 40})
	ctx := context.Background()
	plug := e.device("plug")
	owner := e.client.As(plug.Owner)
	d, err := owner.Bind().GetUserDevice(ctx, "plug", plug.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	homeID := d.RootID
	if homeID == 0 {
		// A device in no home: H puts it in a new one.
		home, err := owner.Home().CreateHome(ctx, "E2E home")
		if err != nil {
			t.Fatal(err)
		}
		homeID = home.HomeID
	}
	room, err := owner.Home().CreateRoom(ctx, homeID, "E2E room")
	if err != nil {
		t.Fatal(err)
	}
	roomID := room.RoomID
	e.openDevice(plug)

	confirm := func(action, answer, question, done string) {
		t.Helper()
		e.act(action)
		e.typeText(answer)
		e.press("enter")
		e.scr.WaitFor(t, question)
		e.press("y")
		e.scr.WaitFor(t, done)
	}
	if d.RootID == 0 {
		confirm(ActAddToHome, strconv.FormatInt(homeID, 10), fmt.Sprintf("to home #%d", homeID), "done: Add")
		devs, err := owner.Home().ListHomeDevices(ctx, homeID, false)
		if err != nil || !slices.ContainsFunc(devs, func(x models.Device) bool { return x.DeviceID == plug.DeviceID }) {
			t.Fatalf("the plug is not in the home: %v %v", devs, err)
		}
	} else {
		// H to the home it is in already: the cloud's refusal is shown.
		e.act(ActAddToHome)
		e.scr.WaitFor(t, "home id to add the device to:")
		e.press("esc")
	}
	e.scr.WaitFor(t, `in home "`, fmt.Sprintf("(#%d)", homeID))
	// m lists the home's rooms by name: walk to the new room, enter, yes.
	e.act(ActMoveRoom)
	e.scr.WaitFor(t, "E2E room")
	for i := 0; !strings.Contains(selectedRow(e.scr.Text()), "E2E room"); i++ {
		if i == 20 {
			t.Fatalf("the cursor never reached the new room:\n%s", e.scr.Text())
		}
		before := selectedRow(e.scr.Text())
		e.act(ActDown)
		waitScreen(t, e.scr, func(scr string) bool { return selectedRow(scr) != before })
	}
	e.act(ActOpen)
	e.scr.WaitFor(t, `to room "E2E room"`)
	e.press("y")
	e.scr.WaitFor(t, "done: Move")
	if devs, err := owner.Home().ListRoomDevices(ctx, homeID, roomID, false); err != nil || len(devs) != 1 || devs[0].DeviceID != plug.DeviceID {
		t.Fatalf("the room holds %v (%v)", devs, err)
	}
	// M takes it out of the room it is in, after a yes: once the page has
	// read the move back (the done message names the room too).
	e.scr.WaitFor(t, `), room "E2E room"`)
	e.act(ActOutOfRoom)
	e.scr.WaitFor(t, `out of room "E2E room"`)
	e.press("y")
	e.scr.WaitFor(t, "done: Took")
	if devs, err := owner.Home().ListRoomDevices(ctx, homeID, roomID, false); err != nil || len(devs) != 0 {
		t.Fatalf("the room still holds %v (%v)", devs, err)
	}
	// W asks for the new owner's id; esc sends nothing.
	e.act(ActOwner)
	e.scr.WaitFor(t, "new owner's user id:")
	e.press("esc")
	if got, err := owner.Bind().GetUserDevice(ctx, "plug", plug.DeviceID); err != nil || got.Owner != plug.Owner {
		t.Fatalf("owner %d after esc (%v)", got.Owner, err)
	}
}
