package devices

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"acconsole/models"
)

// dump renders the tables a demo world fills, in a stable order.
func (e *env) dump() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, email, phone, nick_name, password_hash <> '', create_time FROM account_users ORDER BY id`,
		`SELECT provider, open_id, user_id FROM account_openids ORDER BY user_id, open_id`,
		`SELECT * FROM dev_warehouse ORDER BY id`,
		`SELECT * FROM dev_devices ORDER BY id`,
		`SELECT * FROM dev_bindings ORDER BY user_id, device_id`,
		`SELECT * FROM dev_homes ORDER BY id`,
		`SELECT * FROM dev_rooms ORDER BY id`,
		`SELECT * FROM dev_home_users ORDER BY home_id, user_id`,
	} {
		rows, err := e.db.Query(q)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// matching counts the rows of q (one text column) that match the regular
// expression pattern.
func (e *env) matching(q, pattern string) int {
	e.t.Helper()
	re := regexp.MustCompile(pattern)
	rows, err := e.db.Query(q)
	if err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			e.t.Fatal(err)
		}
		if re.MatchString(v) {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestDemoDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b, c := newEnv(t), newEnv(t), newEnv(t)
	for _, x := range []struct {
		e    *env
		seed int64
	}{{a, 7}, {b, 7}, {c, 8}} {
		if err := x.e.svc.SeedDemo(ctx, x.e.dom.ID, 2000, x.seed); err != nil {
			t.Fatal(err)
		}
	}
	da, db, dc := a.dump(), b.dump(), c.dump()
	if da != db {
		t.Fatal("the same seed gave two different worlds")
	}
	if da == dc {
		t.Fatal("different seeds gave the same world")
	}
}

func TestDemoWorld(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	const n = 3000
	if seeded, _ := e.svc.DemoSeeded(ctx); seeded {
		t.Fatal("seeded before seeding")
	}
	if err := e.svc.SeedDemo(ctx, e.dom.ID, n, 1); err != nil {
		t.Fatal(err)
	}
	if seeded, _ := e.svc.DemoSeeded(ctx); !seeded {
		t.Fatal("not marked seeded")
	}
	if got := e.count(`SELECT COUNT(*) FROM dev_warehouse`); got != n {
		t.Fatalf("warehouse has %d devices, want %d", got, n)
	}
	users := e.count(`SELECT COUNT(*) FROM account_users`)
	if users != n/6 {
		t.Fatalf("%d users", users)
	}
	if o := e.count(`SELECT COUNT(*) FROM account_openids WHERE provider = 'weixin'`); o < users/5 || o > users/2 {
		t.Fatalf("%d of %d users have a WeChat OpenID", o, users)
	}
	if e.count(`SELECT COUNT(*) FROM account_users WHERE nick_name = ?`, demoHostileNick) != 1 ||
		e.count(`SELECT COUNT(*) FROM dev_devices WHERE name = ?`, demoHostileName) != 1 {
		t.Fatal("the hostile nick name or device name is missing")
	}
	if e.matching(`SELECT phone || ' ' || email FROM account_users`, `^138[0-9]{8} user.*@example\.com$`) != users {
		t.Fatal("phones or emails do not follow the pattern")
	}
	if e.matching(`SELECT physical_id FROM dev_warehouse`, `^[0-9A-F]{16}$`) != n {
		t.Fatal("physical ids are not 16 uppercase hex digits")
	}
	bound := e.count(`SELECT COUNT(*) FROM dev_devices`)
	if bound < n/2 || bound > n*2/3 {
		t.Fatalf("%d of %d devices bound", bound, n)
	}
	for _, p := range demoProducts {
		if e.count(`SELECT COUNT(*) FROM dev_devices WHERE sub_domain_id = ?`, e.subs[p].ID) == 0 ||
			e.count(`SELECT COUNT(*) FROM dev_warehouse w WHERE sub_domain_id = ? AND NOT EXISTS
				(SELECT 1 FROM dev_devices d WHERE d.sub_domain_id = w.sub_domain_id AND d.physical_id = w.physical_id)`, e.subs[p].ID) == 0 {
			t.Fatalf("product %s lacks bound or unbound devices", p)
		}
	}
	// Gateways with and without sub-devices; homes with rooms and members;
	// shared devices outside homes.
	if e.count(`SELECT COUNT(*) FROM dev_devices g WHERE is_gateway = 1 AND NOT EXISTS (SELECT 1 FROM dev_devices s WHERE s.gateway_id = g.id)`) == 0 ||
		e.count(`SELECT COUNT(DISTINCT gateway_id) FROM dev_devices WHERE gateway_id <> 0`) == 0 {
		t.Fatal("want gateways with and without sub-devices")
	}
	if e.count(`SELECT COUNT(*) FROM dev_homes`) == 0 || e.count(`SELECT COUNT(*) FROM dev_rooms WHERE name = '客厅 Living room'`) == 0 ||
		e.count(`SELECT COUNT(*) FROM dev_home_users hu JOIN dev_homes h ON h.id = hu.home_id WHERE hu.user_id <> h.owner`) == 0 {
		t.Fatal("want homes with rooms and members")
	}
	if e.count(`SELECT COUNT(*) FROM dev_bindings b JOIN dev_devices d ON d.id = b.device_id WHERE d.home_id = 0 AND b.user_id <> d.owner`) == 0 {
		t.Fatal("want devices shared outside homes")
	}
	if e.count(`SELECT COUNT(DISTINCT dev_version) FROM dev_warehouse`) != 3 {
		t.Fatal("want firmware 1-0-0, 1-1-0 and 1-2-0")
	}
	// The ownership rules hold everywhere.
	for what, q := range map[string]string{
		"owner not bound":              `SELECT COUNT(*) FROM dev_devices d WHERE NOT EXISTS (SELECT 1 FROM dev_bindings b WHERE b.device_id = d.id AND b.user_id = d.owner)`,
		"sub-device owner ≠ gateway's": `SELECT COUNT(*) FROM dev_devices s JOIN dev_devices g ON g.id = s.gateway_id WHERE s.owner <> g.owner OR s.home_id <> g.home_id`,
		"gateway user not on sub":      `SELECT COUNT(*) FROM dev_devices s JOIN dev_bindings b ON b.device_id = s.gateway_id WHERE NOT EXISTS (SELECT 1 FROM dev_bindings x WHERE x.device_id = s.id AND x.user_id = b.user_id)`,
		"home device owner ≠ home's":   `SELECT COUNT(*) FROM dev_devices d JOIN dev_homes h ON h.id = d.home_id WHERE d.owner <> h.owner`,
		"member not bound":             `SELECT COUNT(*) FROM dev_devices d JOIN dev_home_users hu ON hu.home_id = d.home_id WHERE NOT EXISTS (SELECT 1 FROM dev_bindings b WHERE b.device_id = d.id AND b.user_id = hu.user_id)`,
		"room of another home":         `SELECT COUNT(*) FROM dev_devices d JOIN dev_rooms r ON r.id = d.room_id WHERE r.home_id <> d.home_id`,
		"bound device not in stock":    `SELECT COUNT(*) FROM dev_devices d WHERE NOT EXISTS (SELECT 1 FROM dev_warehouse w WHERE w.sub_domain_id = d.sub_domain_id AND w.physical_id = d.physical_id)`,
	} {
		if got := e.count(q); got != 0 {
			t.Errorf("%s: %d rows", what, got)
		}
	}

	// The world works through the API: the first user logs in with the
	// demo password and has a home with a gateway and sub-devices.
	var login struct {
		UserID int64 `json:"userId"`
	}
	e.must(e.do(req{service: "zc-account", method: "login", params: map[string]any{"account": "user1@example.com", "password": DemoPassword}}, &login))
	ds := e.listDevices(login.UserID, true)
	subs, gws := 0, 0
	for _, d := range ds {
		if d.IsSubDevice() {
			subs++
		} else if d.SubDomainName == "gateway" {
			gws++
		}
	}
	if gws != 1 || subs != 3 || len(ds) != 7 || ds[0].RootID == 0 {
		t.Fatalf("user 1's devices: %d (%d gateways, %d sub-devices): %+v", len(ds), gws, subs, ds)
	}
	var homes struct {
		Homes []models.Home `json:"homes"`
	}
	e.must(e.bind(login.UserID, "", "listHomes", nil, &homes))
	if len(homes.Homes) == 0 || homes.Homes[0].Name != "我的家 My home" {
		t.Fatalf("user 1's homes: %+v", homes.Homes)
	}
	// An unbound warehouse device is ready to bind.
	var pid string
	if err := e.db.QueryRow(`SELECT physical_id FROM dev_warehouse w WHERE sub_domain_id = ? AND NOT EXISTS
		(SELECT 1 FROM dev_devices d WHERE d.sub_domain_id = w.sub_domain_id AND d.physical_id = w.physical_id) LIMIT 1`, e.subs["plug"].ID).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if d := e.bindDev(login.UserID, "plug", pid); d.Owner != login.UserID {
		t.Fatalf("binding stock: %+v", d)
	}
	if !regexp.MustCompile(`^[0-9A-F]{16}$`).MatchString(pid) {
		t.Fatalf("physical id %q", pid)
	}
}

func TestDemoMissingProducts(t *testing.T) {
	e := newEnv(t)
	// Only plugs: every other product's devices are skipped.
	if _, err := e.db.Exec(`DELETE FROM sub_domains WHERE name <> 'plug'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.plat.EnsureProduct(context.Background(), e.dom.ID, models.Product{SubDomainName: "plug"}); err != nil { // reloads the directory
		t.Fatal(err)
	}
	if err := e.svc.SeedDemo(context.Background(), e.dom.ID, 500, 3); err != nil {
		t.Fatal(err)
	}
	if got := e.count(`SELECT COUNT(*) FROM dev_warehouse WHERE sub_domain_id = ?`, e.subs["plug"].ID); got != 500 {
		t.Fatalf("%d plugs", got)
	}
	e2 := newEnv(t)
	if _, err := e2.db.Exec(`DELETE FROM sub_domains`); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.plat.EnsureProduct(context.Background(), e2.dom.ID, models.Product{SubDomainName: "toaster"}); err != nil {
		t.Fatal(err)
	}
	if err := e2.svc.SeedDemo(context.Background(), e2.dom.ID, 500, 3); err != ErrDemoNoProducts {
		t.Fatalf("no products: %v", err)
	}
}
