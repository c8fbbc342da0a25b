package devices

import (
	"fmt"
	"strings"
	"testing"

	"acconsole/cloud/store"
	"acconsole/models"
)

// cachedIDs reports which of ids have a record in the device cache.
func (e *env) cachedIDs(ids []int64) []int64 {
	e.svc.cache.mu.RLock()
	defer e.svc.cache.mu.RUnlock()
	var out []int64
	for _, id := range ids {
		if _, ok := e.svc.cache.m[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// Another user's bind, share and unbind leave a user's cached records in
// place, while a change to a record (rename by its owner) is seen at once
// by every user of the device.
func TestUnrelatedWritesKeepCachedLists(t *testing.T) {
	e := newEnv(t)
	if e.db.Dialect != store.SQLite {
		t.Skip("the device cache serves one process per database (SQLite); on PostgreSQL it is off: TestOtherInstancesWritesAreSeen")
	}
	alice, bob, carol := e.user(1), e.user(2), e.user(3)
	var mine []int64
	for i := 0; i < 5; i++ {
		pid := fmt.Sprintf("A%015d", i)
		e.activate(demoPlug, pid)
		mine = append(mine, e.bindDev(alice, demoPlug, pid).DeviceID)
	}
	e.listDevices(alice, false) // fills the cache
	if got := e.cachedIDs(mine); len(got) != len(mine) {
		t.Fatalf("after a list, cached %v of %v", got, mine)
	}

	e.activate(demoPlug, "B000000000000001")
	bobs := e.bindDev(bob, demoPlug, "B000000000000001")
	code := e.shareCode(bob, demoPlug, bobs.DeviceID, 0)
	e.must(e.bind(carol, demoPlug, "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))
	e.must(e.bind(carol, demoPlug, "unbindDevice", map[string]any{"deviceId": bobs.DeviceID}, nil))
	e.must(e.bind(bob, demoPlug, "modifyDevice", map[string]any{"deviceId": bobs.DeviceID, "name": "hall"}, nil))
	if got := e.cachedIDs(mine); len(got) != len(mine) {
		t.Fatalf("other users' writes evicted alice's records: %v of %v still cached", got, mine)
	}

	// Alice shares one device with Bob; Bob lists it (cached), Alice renames it.
	code = e.shareCode(alice, demoPlug, mine[2], 0)
	e.must(e.bind(bob, demoPlug, "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))
	e.listDevices(bob, false)
	e.must(e.bind(alice, demoPlug, "modifyDevice", map[string]any{"deviceId": mine[2], "name": "kitchen"}, nil))
	if got := e.cachedIDs(mine); len(got) != len(mine)-1 {
		t.Fatalf("a rename of one device left %d of %d records cached, want %d", len(got), len(mine), len(mine)-1)
	}
	var name string
	for _, d := range e.listDevices(bob, false) {
		if d.DeviceID == mine[2] {
			name = d.Name
		}
	}
	if name != "kitchen" {
		t.Fatalf("bob sees the renamed device as %q, want \"kitchen\"", name)
	}
}

// listDevices with limit pages in device-id order from afterId and gives
// the user's whole count; without limit it is the full list, as before.
func TestListDevicesPages(t *testing.T) {
	e := newEnv(t)
	uid := e.user(1)
	var want []int64
	for i := 0; i < 7; i++ {
		pid := fmt.Sprintf("P%015d", i)
		e.activate(demoPlug, pid)
		want = append(want, e.bindDev(uid, demoPlug, pid).DeviceID)
	}
	type page struct {
		Devices []models.Device `json:"devices"`
		Total   *int64          `json:"total"`
	}
	var walked []int64
	after := int64(0)
	for {
		var p page
		e.must(e.bind(uid, "", "listDevices", map[string]any{"status": true, "afterId": after, "limit": 3}, &p))
		if p.Total == nil || *p.Total != 7 {
			t.Fatalf("page after %d: total %v, want 7", after, p.Total)
		}
		if len(p.Devices) == 0 {
			break
		}
		if len(p.Devices) > 3 {
			t.Fatalf("page of %d devices with limit 3", len(p.Devices))
		}
		walked = append(walked, ids(p.Devices)...)
		after = p.Devices[len(p.Devices)-1].DeviceID
	}
	if fmt.Sprint(walked) != fmt.Sprint(want) {
		t.Fatalf("paged walk %v, want %v", walked, want)
	}
	var full page
	e.must(e.bind(uid, "", "listDevices", map[string]any{"status": false}, &full))
	if full.Total != nil || fmt.Sprint(ids(full.Devices)) != fmt.Sprint(want) {
		t.Fatalf("unpaged list: total %v, ids %v", full.Total, ids(full.Devices))
	}
	wantCode(t, e.bind(uid, "", "listDevices", map[string]any{"limit": 0}, nil), 3002)
	wantCode(t, e.bind(uid, "", "listDevices", map[string]any{"limit": 501}, nil), 3002)
	wantCode(t, e.bind(uid, "", "listDevices", map[string]any{"limit": 5, "afterId": -1}, nil), 3002)
	wantCode(t, e.bind(uid, "", "listDevices", map[string]any{"afterId": 3}, nil), 3002)
}

// The list paths search indexes; none reads a whole table (SQLite's plan:
// SEARCH, never SCAN of a table).
func TestUserDeviceQueriesUseIndexes(t *testing.T) {
	e := newEnv(t)
	if e.db.Dialect != store.SQLite {
		t.Skip("reads SQLite's EXPLAIN QUERY PLAN")
	}
	for name, q := range map[string]string{"page": qUserDevicesPage, "count": qUserDeviceCount, "all": qUserDevices} {
		rows, err := e.db.Query(`EXPLAIN QUERY PLAN `+q, 1, 1, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN") {
				t.Errorf("%s query scans: %q (plan %q)", name, step, plan)
			}
		}
	}
}

// Every write that changes what a list shows is seen by the next list of
// another user of the device, whose list was served from the cache.
func TestCachedListsSeeEveryRecordChange(t *testing.T) {
	e := newEnv(t)
	owner, friend := e.user(1), e.user(2)
	e.activate(demoPlug, "C000000000000001")
	e.activate(demoPlug, "C000000000000002")
	d := e.bindDev(owner, demoPlug, "C000000000000001")
	code := e.shareCode(owner, demoPlug, d.DeviceID, 0)
	e.must(e.bind(friend, demoPlug, "bindDeviceWithShareCode", map[string]any{"shareCode": code}, nil))
	seen := func() models.Device {
		t.Helper()
		for _, x := range e.listDevices(friend, false) {
			if x.DeviceID == d.DeviceID {
				return x
			}
		}
		t.Fatalf("device %d missing from the friend's list", d.DeviceID)
		return models.Device{}
	}
	before := seen()

	e.must(e.bind(owner, demoPlug, "modifyDevice", map[string]any{"deviceId": d.DeviceID, "name": "desk"}, nil))
	if got := seen(); got.Name != "desk" {
		t.Fatalf("after modifyDevice the friend sees name %q", got.Name)
	}
	e.must(e.bind(owner, demoPlug, "updateAccessKey", map[string]any{"deviceId": d.DeviceID}, nil))
	if got := seen(); got.AESKey == before.AESKey {
		t.Fatal("after updateAccessKey the friend sees the old key")
	}
	e.must(e.bind(owner, demoPlug, "changeDevice", map[string]any{"deviceId": d.DeviceID, "physicalDeviceId": "C000000000000002"}, nil))
	if got := seen(); got.PhysicalDeviceID != "C000000000000002" {
		t.Fatalf("after changeDevice the friend sees %q", got.PhysicalDeviceID)
	}
	e.must(e.bind(owner, demoPlug, "changeOwner", map[string]any{"deviceId": d.DeviceID, "userId": friend}, nil))
	if got := seen(); got.Owner != friend {
		t.Fatalf("after changeOwner the friend sees owner %d, want %d", got.Owner, friend)
	}
	var home struct {
		Home models.Home `json:"home"`
	}
	e.must(e.bind(friend, "", "createHome", map[string]any{"name": "Home"}, &home))
	e.must(e.bind(friend, demoPlug, "addDeviceToHome", map[string]any{"homeId": home.Home.HomeID, "deviceId": d.DeviceID}, nil))
	if got := seen(); got.RootID != home.Home.HomeID {
		t.Fatalf("after addDeviceToHome the friend sees home %d, want %d", got.RootID, home.Home.HomeID)
	}
}

// On PostgreSQL several instances share the rows: a record another
// instance changed (here: an UPDATE behind the service's back) is what the
// next list shows, so no instance serves a stale copy.
func TestOtherInstancesWritesAreSeen(t *testing.T) {
	e := newEnv(t)
	if e.db.Dialect != store.Postgres {
		t.Skip("several instances share a store only on PostgreSQL (ACCONSOLE_TEST_POSTGRES)")
	}
	alice := e.user(1)
	e.activate(demoPlug, "B000000000000001")
	dev := e.bindDev(alice, demoPlug, "B000000000000001")
	if got := e.listDevices(alice, false); len(got) != 1 {
		t.Fatalf("list %+v", got)
	}
	if _, err := e.db.Exec(`UPDATE dev_devices SET name = ? WHERE id = ?`, "renamed elsewhere", dev.DeviceID); err != nil {
		t.Fatal(err)
	}
	if got := e.listDevices(alice, false); len(got) != 1 || got[0].Name != "renamed elsewhere" {
		t.Fatalf("after another instance's rename the list shows %+v", got)
	}
}
