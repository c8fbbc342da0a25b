package devices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"acconsole/cloud/account"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// The demo world: what a vendor's cloud looks like after a year or two, so
// that the console has something real to browse on first start. Everything
// is drawn from one seeded generator in a fixed order, so the same seed
// gives the same world (ids included, in a fresh database).

// DemoPassword is the password of every demo user.
const DemoPassword = "acdemo123"

// Demo product sub-domain names, created by the simulation before seeding.
const (
	demoPlug       = "plug"
	demoPurifier   = "purifier"
	demoGateway    = "gateway"
	demoBulb       = "bulb"
	demoDoorSensor = "doorsensor"
	demoSwitch     = "switch"
)

var demoProducts = []string{demoPlug, demoPurifier, demoGateway, demoBulb, demoDoorSensor, demoSwitch}

// Shares of the unbound warehouse stock by product, in demoProducts order.
var demoStockWeights = []int{30, 15, 10, 20, 15, 10}

var demoNames = map[string][]string{
	demoPlug:       {"客厅插座", "Desk lamp", "Kettle", "电热毯 Heated blanket", "Fan", "Christmas lights", "饮水机", "Coffee maker"},
	demoPurifier:   {"卧室净化器", "Air purifier", "Office purifier", "儿童房净化器", "Living room air"},
	demoGateway:    {"Zigbee 网关", "Home hub", "Gateway", "智能网关"},
	demoBulb:       {"Ceiling light", "床头灯", "Reading lamp", "Hallway bulb", "吊灯"},
	demoDoorSensor: {"Front door", "阳台门", "Back door", "Window sensor", "车库门 Garage"},
	demoSwitch:     {"Wall switch", "走廊开关", "Stairs", "Kitchen switch"},
}

// demoHostileName is a device name as an older or hostile client might
// have stored it: terminal escapes (title change, screen clear, colour).
// The API refuses control characters today; the console must still
// sanitise what it is sent.
const demoHostileName = "Lamp\x1b]0;pwned\x07\x1b[2J\x1b[31mRED"

var demoNicks = []string{"张伟", "王芳", "Alice", "李娜", "Bob Smith", "刘洋", "Carol", "陈静", "小明", "Emma Li",
	"Jürgen Müller", "José", "黄丽 Huang Li", "Dave", "赵磊", "Ng Wai Ling", "孙悦", "Frank", "周杰", "Grace 吴"}

// demoHostileNick is a nick name that passes the account service's check
// (no control characters) and still attacks a terminal: a right-to-left
// override, isolates and a zero-width space reorder and hide text.
const demoHostileNick = "Mallory\u202egnp.exe\u202c \u2066admin\u2069\u200b"

var demoRooms = []string{"客厅 Living room", "Kitchen", "Bedroom", "主卧 Master bedroom", "Study", "儿童房 Kids room", "Bathroom", "阳台 Balcony"}

var demoHomeNames = []string{"我的家 My home", "Home", "老家 Parents", "Apartment", "Holiday house", "公司 Office"}

var demoPlaces = []struct {
	country, province, city, street string
	lat, long                       float64
}{
	{"中国", "广东", "深圳", "南山区科技园", 22.54, 113.95},
	{"中国", "北京", "北京", "海淀区中关村大街", 39.98, 116.31},
	{"中国", "上海", "上海", "浦东新区张江路", 31.20, 121.59},
	{"中国", "浙江", "杭州", "西湖区文三路", 30.28, 120.13},
	{"中国", "四川", "成都", "高新区天府大道", 30.57, 104.06},
	{"中国", "香港", "香港", "弥敦道 Nathan Road", 22.31, 114.17},
	{"Germany", "Bayern", "München", "Leopoldstraße", 48.16, 11.58},
}

var demoVersions = []string{"1-0-0", "1-0-0", "1-1-0", "1-1-0", "1-1-0", "1-2-0"}

type demoUser struct {
	phone, email, nick, openID string
}

type demoDevice struct {
	prod                     int // index into demoProducts
	pid, mac, devVer, modVer string
	active, lastOnline       int64
	ip                       string
	place                    int
	lat, long                float64

	// For bound devices (owner >= 0):
	owner   int // user index, -1 for warehouse stock
	name    string
	aes     string
	gateway int // plan index of the gateway, -1 for none
	home    int // home index, -1 for none
	room    int // room index in the home, -1 for none
	shared  []int
	isGW    bool
}

type demoHome struct {
	owner   int
	name    string
	rooms   []string
	members []int // besides the owner
}

type demoPlan struct {
	users   []demoUser
	homes   []demoHome
	devices []demoDevice
}

// demoGen draws the world. Keep every draw in a fixed order: that order is
// what makes a seed reproducible.
type demoGen struct {
	r    *rand.Rand
	now  int64
	have [6]bool
	pids map[string]bool
	plan demoPlan
}

func (g *demoGen) pick(n int) int { return g.r.IntN(n) }

func (g *demoGen) hex(n int) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *demoGen) alnum(n int, extra string) string {
	set := alnum + extra
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

// device draws the hardware side of a device of product p.
func (g *demoGen) device(p int) demoDevice {
	pid := g.hex(16)
	for g.pids[pid] {
		pid = g.hex(16)
	}
	g.pids[pid] = true
	mac := g.hex(12)
	d := demoDevice{
		prod: p, pid: pid, owner: -1, gateway: -1, home: -1, room: -1,
		mac:    mac[0:2] + ":" + mac[2:4] + ":" + mac[4:6] + ":" + mac[6:8] + ":" + mac[8:10] + ":" + mac[10:12],
		devVer: demoVersions[g.pick(len(demoVersions))],
		modVer: "1-0-" + fmt.Sprint(g.pick(4)),
		place:  g.pick(len(demoPlaces)),
	}
	age := g.r.Int64N(730 * 24 * 3600)
	d.active = g.now - age
	d.lastOnline = d.active + g.r.Int64N(age+1)
	d.ip = fmt.Sprintf("%d.%d.%d.%d", []int{113, 117, 183, 221, 36}[g.pick(5)], g.pick(256), g.pick(256), 1+g.pick(254))
	pl := demoPlaces[d.place]
	d.lat = pl.lat + (g.r.Float64()-0.5)*0.2
	d.long = pl.long + (g.r.Float64()-0.5)*0.2
	return d
}

func (g *demoGen) bound(p, owner int) demoDevice {
	d := g.device(p)
	d.owner = owner
	names := demoNames[demoProducts[p]]
	d.name = names[g.pick(len(names))]
	d.aes = g.alnum(16, "")
	return d
}

func (g *demoGen) otherUser(not int) int {
	if len(g.plan.users) < 2 {
		return -1
	}
	for {
		if u := g.pick(len(g.plan.users)); u != not {
			return u
		}
	}
}

func newDemoPlan(n int, seed int64, now time.Time, have [6]bool) demoPlan {
	g := &demoGen{r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), now: now.Unix(), have: have, pids: map[string]bool{}}
	nUsers := max(3, n/6)
	for i := 0; i < nUsers; i++ {
		u := demoUser{
			// 7919 is prime to 10^8, so the numbers are distinct.
			phone: fmt.Sprintf("138%08d", (int64(i)*7919+12345)%100000000),
			email: fmt.Sprintf("user%d@example.com", i+1),
			nick:  demoNicks[i%len(demoNicks)],
		}
		if i >= len(demoNicks) {
			u.nick = fmt.Sprintf("%s %d", u.nick, i/len(demoNicks)+1)
		}
		if i == 3 {
			u.nick = demoHostileNick
		}
		if g.pick(3) == 0 {
			u.openID = "o" + g.alnum(27, "-_")
		}
		g.plan.users = append(g.plan.users, u)
	}
	budget := n * 3 / 5 // the rest is warehouse stock, ready to bind
	const (
		plug, purifier, gateway, bulb, door, sw = 0, 1, 2, 3, 4, 5
	)
	subKinds := []int{bulb, bulb, bulb, door, door, sw}
	hostileDone := false
	for u := 0; u < nUsers && len(g.plan.devices) < budget; u++ {
		// What this user owns: stand-alone devices and maybe a gateway
		// with sub-devices. User 0 always gets the full set, so the first
		// user shown has every kind.
		var kinds []int
		subs := 0
		if u == 0 {
			kinds = []int{gateway, plug, purifier, plug}
			subs = 3
		} else {
			for k := 1 + g.pick(4); k > 0; k-- {
				if g.pick(5) < 3 {
					kinds = append(kinds, plug)
				} else {
					kinds = append(kinds, purifier)
				}
			}
			if g.pick(10) < 4 {
				kinds = append([]int{gateway}, kinds...)
				subs = g.pick(6)
			}
		}
		first := len(g.plan.devices)
		for _, k := range kinds {
			if len(g.plan.devices) >= budget {
				break
			}
			if !have[k] {
				continue
			}
			d := g.bound(k, u)
			if k == gateway {
				d.isGW = true
				gwIdx := len(g.plan.devices)
				g.plan.devices = append(g.plan.devices, d)
				for i := 0; i < subs && len(g.plan.devices) < budget; i++ {
					sk := subKinds[i%len(subKinds)]
					if u != 0 {
						sk = subKinds[g.pick(len(subKinds))]
					}
					if !have[sk] {
						continue
					}
					sd := g.bound(sk, u)
					sd.gateway = gwIdx
					g.plan.devices = append(g.plan.devices, sd)
				}
				continue
			}
			if !hostileDone && u == 2 {
				d.name, hostileDone = demoHostileName, true
			}
			g.plan.devices = append(g.plan.devices, d)
		}
		mine := g.plan.devices[first:]
		if len(mine) == 0 {
			continue
		}
		// Half the users keep their devices in a home with rooms.
		if u == 0 || g.pick(2) == 0 {
			h := demoHome{owner: u, name: demoHomeNames[g.pick(len(demoHomeNames))]}
			if u == 0 {
				h.name = demoHomeNames[0]
			}
			h.rooms = append(h.rooms, demoRooms[0])
			for _, i := range g.r.Perm(len(demoRooms) - 1)[:1+g.pick(3)] {
				h.rooms = append(h.rooms, demoRooms[i+1])
			}
			if g.pick(10) < 3 || u == 0 {
				for k := 1 + g.pick(2); k > 0; k-- {
					if o := g.otherUser(u); o >= 0 && !containsInt(h.members, o) {
						h.members = append(h.members, o)
					}
				}
			}
			hi := len(g.plan.homes)
			g.plan.homes = append(g.plan.homes, h)
			for i := range mine {
				mine[i].home = hi
				if g.pick(5) > 0 {
					mine[i].room = g.pick(len(h.rooms))
				}
			}
			continue
		}
		// Outside homes, some devices are shared with ordinary users.
		for i := range mine {
			if mine[i].gateway >= 0 || g.pick(10) != 0 {
				continue
			}
			for k := 1 + g.pick(2); k > 0; k-- {
				if o := g.otherUser(u); o >= 0 && !containsInt(mine[i].shared, o) {
					mine[i].shared = append(mine[i].shared, o)
				}
			}
		}
	}
	// Warehouse stock: activated, never bound.
	var avail, weights []int
	total := 0
	for p, ok := range have {
		if ok {
			avail = append(avail, p)
			weights = append(weights, demoStockWeights[p])
			total += demoStockWeights[p]
		}
	}
	for len(g.plan.devices) < n && total > 0 {
		w := g.pick(total)
		p := avail[len(avail)-1]
		for i, wt := range weights {
			if w < wt {
				p = avail[i]
				break
			}
			w -= wt
		}
		g.plan.devices = append(g.plan.devices, g.device(p))
	}
	return g.plan
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// ErrDemoNoProducts means none of the demo products exist, so there is
// nothing to put devices of in the warehouse.
var ErrDemoNoProducts = errors.New("demo: none of the demo products (plug, purifier, gateway, bulb, doorsensor, switch) exists")

// DemoSeeded reports whether SeedDemo has run in this database.
func (s *Service) DemoSeeded(ctx context.Context) (bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM dev_meta WHERE key = 'demo_seeded'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// WarehouseEmpty reports whether no device has been activated yet.
func (s *Service) WarehouseEmpty(ctx context.Context) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM dev_warehouse LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return false, err
}

// SeedDemo fills domainID with a demo world of n warehouse devices: users
// (phones 138…, emails userN@example.com, CJK nick names, one hostile, a
// third with a WeChat OpenID; password DemoPassword), homes with rooms,
// devices of every demo product bound across users (gateways with and
// without sub-devices), shares, and unbound stock. It is deterministic for
// a seed, and one transaction: all of it or nothing.
func (s *Service) SeedDemo(ctx context.Context, domainID int64, n int, seed int64) error {
	if s.acc == nil {
		return errors.New("demo: the account service is required")
	}
	if n <= 0 {
		return nil
	}
	var have [6]bool
	var subs [6]rpc.SubDomain
	found := false
	for i, name := range demoProducts {
		subs[i], have[i] = s.plat.SubDomain(ctx, domainID, name)
		found = found || have[i]
	}
	if !found {
		return ErrDemoNoProducts
	}
	now := s.now()
	plan := newDemoPlan(n, seed, now, have)
	hash, err := s.acc.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	start := time.Now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.writeDemo(ctx, tx, domainID, subs, plan, hash, now)
	})
	s.cache.invalidate()
	if err == nil {
		s.log.Info("demo world seeded", "world", plan.summary(), "took", time.Since(start).Round(time.Millisecond))
	}
	return err
}

func (s *Service) writeDemo(ctx context.Context, tx *sql.Tx, domainID int64, subs [6]rpc.SubDomain, plan demoPlan, hash string, now time.Time) error {
	nowUnix := now.Unix()
	uids := make([]int64, len(plan.users))
	for i, u := range plan.users {
		nu := account.NewUser{Email: u.email, Phone: u.phone, NickName: u.nick, PasswordHash: hash,
			CreateTime: now.Add(-time.Duration(len(plan.users)-i) * time.Minute)}
		if u.openID != "" {
			nu.OpenIDs = []models.OpenID{{OpenID: u.openID, Provider: "weixin"}}
		}
		id, err := s.acc.CreateUser(ctx, tx, domainID, nu)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.email, err)
		}
		uids[i] = id
	}

	prep := func(q string) (*sql.Stmt, error) { return tx.PrepareContext(ctx, q) }
	insHome, err := prep(`INSERT INTO dev_homes(domain_id, owner, name, create_time) VALUES (?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer insHome.Close()
	insRoom, err := prep(`INSERT INTO dev_rooms(home_id, name) VALUES (?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer insRoom.Close()
	insMember, err := prep(`INSERT INTO dev_home_users(home_id, user_id, join_time) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer insMember.Close()
	insWH, err := prep(`INSERT INTO dev_warehouse(domain_id, sub_domain_id, physical_id, seq, sub_seq, type, mac, dev_version, mod_version,
		active_time, last_online, ip_addr, country, province, city, street, latitude, longitude)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insWH.Close()
	insDev, err := prep(`INSERT INTO dev_devices(domain_id, sub_domain_id, physical_id, name, owner, aes_key, gateway_id, is_gateway, home_id, room_id, bind_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer insDev.Close()
	insBind, err := prep(`INSERT INTO dev_bindings(user_id, device_id, bind_time) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer insBind.Close()

	homeIDs := make([]int64, len(plan.homes))
	roomIDs := make([][]int64, len(plan.homes))
	members := make([][]int64, len(plan.homes)) // owner first
	for i, h := range plan.homes {
		if err := insHome.QueryRowContext(ctx, domainID, uids[h.owner], h.name, nowUnix).Scan(&homeIDs[i]); err != nil {
			return err
		}
		for _, r := range h.rooms {
			var id int64
			if err := insRoom.QueryRowContext(ctx, homeIDs[i], r).Scan(&id); err != nil {
				return err
			}
			roomIDs[i] = append(roomIDs[i], id)
		}
		members[i] = append(members[i], uids[h.owner])
		for _, m := range h.members {
			members[i] = append(members[i], uids[m])
		}
		for _, m := range members[i] {
			if _, err := insMember.ExecContext(ctx, homeIDs[i], m, nowUnix); err != nil {
				return err
			}
		}
	}

	// Warehouse seq numbers continue after whatever is there (the demo is
	// normally seeded into an empty warehouse).
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM dev_warehouse WHERE domain_id = ?`, domainID).Scan(&seq); err != nil {
		return err
	}
	var subSeq [6]int64
	for i, sd := range subs {
		if sd.ID == 0 {
			continue
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(sub_seq), 0) FROM dev_warehouse WHERE sub_domain_id = ?`, sd.ID).Scan(&subSeq[i]); err != nil {
			return err
		}
	}
	types := [6]string{}
	for i, sd := range subs {
		if p, ok := s.plat.Product(sd.ID); ok && sd.ID != 0 {
			types[i] = p.Type
		}
	}
	devIDs := make([]int64, len(plan.devices))
	users := make([][]int64, len(plan.devices))
	for i, d := range plan.devices {
		sd := subs[d.prod]
		seq++
		subSeq[d.prod]++
		pl := demoPlaces[d.place]
		if _, err := insWH.ExecContext(ctx, domainID, sd.ID, d.pid, seq, subSeq[d.prod], types[d.prod], d.mac, d.devVer, d.modVer,
			d.active, d.lastOnline, d.ip, pl.country, pl.province, pl.city, pl.street, d.lat, d.long); err != nil {
			return fmt.Errorf("demo device %s: %w", d.pid, err)
		}
		if d.owner < 0 {
			continue
		}
		var gwID, homeID, roomID int64
		if d.gateway >= 0 {
			gwID = devIDs[d.gateway]
		}
		if d.home >= 0 {
			homeID = homeIDs[d.home]
			if d.room >= 0 {
				roomID = roomIDs[d.home][d.room]
			}
		}
		bindTime := d.active + (nowUnix-d.active)/4
		if err := insDev.QueryRowContext(ctx, domainID, sd.ID, d.pid, d.name, uids[d.owner], d.aes, gwID, d.isGW, homeID, roomID, bindTime).Scan(&devIDs[i]); err != nil {
			return err
		}
		// Users: a sub-device has its gateway's; a home device every
		// member; otherwise the owner and whoever it was shared with.
		switch {
		case d.gateway >= 0:
			users[i] = users[d.gateway]
		case d.home >= 0:
			users[i] = members[d.home]
		default:
			users[i] = []int64{uids[d.owner]}
			for _, o := range d.shared {
				users[i] = append(users[i], uids[o])
			}
		}
		for _, u := range users[i] {
			if _, err := insBind.ExecContext(ctx, u, devIDs[i], bindTime); err != nil {
				return err
			}
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO dev_meta(key, value) VALUES ('demo_seeded', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, models.FormatTime(now))
	return err
}

// demoSummary describes a plan in one line, for logs.
func (p demoPlan) summary() string {
	bound := 0
	for _, d := range p.devices {
		if d.owner >= 0 {
			bound++
		}
	}
	return strings.Join([]string{
		fmt.Sprintf("%d users", len(p.users)), fmt.Sprintf("%d homes", len(p.homes)),
		fmt.Sprintf("%d devices (%d bound)", len(p.devices), bound)}, ", ")
}
