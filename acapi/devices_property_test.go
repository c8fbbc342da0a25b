package acapi_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/models"
)

// TestBindingInvariantsUnderRandomOperations runs random sequences of bind,
// unbind, share, ownership and home operations by random users on random
// devices, and after every step checks against the cloud's own answers:
//
//   - every device has exactly one owner while it has users, and none after;
//   - a user's listDevices is exactly the devices whose users include them,
//     each with the right owner;
//   - a user who is not bound to a device cannot command or rename it, and
//     a bound user can command it.
//
// Most operations fail (wrong actor, stale id, …): that is the point; what
// may never happen is an internal error or a broken invariant.
func TestBindingInvariantsUnderRandomOperations(t *testing.T) {
	steps := 300
	if testing.Short() {
		steps = 60
	}
	for _, seed := range []uint64{1, 7, 2026} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runBindingProperty(t, seed, steps)
		})
	}
}

type propWorld struct {
	*world
	rng    *rand.Rand
	people []person
	pids   []string
	lastID map[string]int64 // physical id → last logical id seen
	homes  []int64
	log    []string
	// ok and failed count outcomes per operation, to show (and check) that
	// the run did more than collect refusals.
	ok, failed map[string]int
	// What the last check saw, to aim operations at actors that can
	// succeed.
	usersOf   map[int64][]int64
	ownerOf0  map[int64]int64
	homeOwner map[int64]int64
}

func runBindingProperty(t *testing.T, seed uint64, steps int) {
	w := newWorld(t, cloudtest.Options{})
	servicesReady(t, w.env, "zc-bind", "zc-warehouse")
	p := &propWorld{world: w, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), lastID: map[string]int64{},
		ok: map[string]int{}, failed: map[string]int{}, homeOwner: map[int64]int64{}}
	for i := 0; i < 4; i++ {
		p.people = append(p.people, w.person(fmt.Sprintf("user%d", i)))
	}
	for i := 0; i < 5; i++ {
		p.pids = append(p.pids, w.device("plug", &echoDevice{}))
	}
	defer func() {
		if t.Failed() {
			from := max(0, len(p.log)-15)
			t.Logf("seed %d, last operations:\n  %s", seed, strings.Join(p.log[from:], "\n  "))
		}
	}()
	for step := 0; step < steps && !t.Failed(); step++ {
		p.step(t, step)
		p.check(t, step)
	}
	t.Logf("succeeded %v; refused %v", p.ok, p.failed)
	if !t.Failed() && (p.ok["bindDevice"] == 0 || p.ok["share"] == 0 || p.ok["unbindDevice"] == 0 || p.ok["addUserToHome"] == 0 || p.ok["addDeviceToHome"] == 0) {
		t.Errorf("the run never got the main operations through: %v", p.ok)
	}
}

func (p *propWorld) anyone() person { return p.people[p.rng.IntN(len(p.people))] }
func (p *propWorld) anyPID() string { return p.pids[p.rng.IntN(len(p.pids))] }
func (p *propWorld) idOf(pid string) int64 {
	if id := p.lastID[pid]; id != 0 {
		return id
	}
	return 1 + int64(p.rng.IntN(50)) // a guess: most likely someone else's or nobody's
}
func (p *propWorld) anyHome() int64 {
	if len(p.homes) == 0 {
		return 1
	}
	return p.homes[p.rng.IntN(len(p.homes))]
}

// fatalCode stops the run on answers that are never acceptable, whatever the
// operation: internal errors, transport failures, unknown methods, answers
// outside the protocol.
func (p *propWorld) fatalCode(t *testing.T, what string, err error) {
	t.Helper()
	var e *acapi.Error
	if err == nil {
		return
	}
	if !asError(err, &e) {
		t.Fatalf("%s: not a protocol error: %v", what, err)
	}
	switch {
	case e.HTTPStatus != 0, e.Code == models.ErrInternal, e.Code == models.ErrRequestTimeout, e.Code == models.ErrNetwork,
		e.Code == models.ErrServiceAbsent, e.Code == models.ErrMethodAbsent, e.Code == models.ErrBadHeader:
		t.Fatalf("%s: %v", what, err)
	}
}

// likely returns, with probability 2/3, one of the given users (the ones
// for whom an operation can succeed) and otherwise anyone, so that runs
// mix successes with refusals.
func (p *propWorld) likely(ids []int64) person {
	if len(ids) > 0 && p.rng.IntN(3) < 2 {
		return p.personByID(ids[p.rng.IntN(len(ids))])
	}
	return p.anyone()
}

func (p *propWorld) step(t *testing.T, step int) {
	t.Helper()
	ctx := p.ctx
	pid := p.anyPID()
	id := p.idOf(pid)
	users := p.usersOf[id]
	var owner []int64
	if o := p.ownerOf0[id]; o != 0 {
		owner = []int64{o}
	}
	h := p.anyHome()
	var homeOwner []int64
	if o := p.homeOwner[h]; o != 0 {
		homeOwner = []int64{o}
	}
	v := p.anyone()
	var err error
	var desc, name string
	switch op := p.rng.IntN(100); {
	case op < 14:
		u := p.anyone()
		name, desc = "bindDevice", fmt.Sprintf("u%d bindDevice %s", u.UserID, pid)
		var d models.Device
		if d, err = u.c.Bind().BindDevice(ctx, "plug", pid, ""); err == nil {
			p.lastID[pid] = d.DeviceID
			if !sees(t, u, d.DeviceID) {
				t.Errorf("step %d: %s succeeded but the user does not see the device", step, desc)
			}
		}
	case op < 26:
		u := p.likely(users)
		name, desc = "share", fmt.Sprintf("u%d getShareCode %d → u%d", u.UserID, id, v.UserID)
		var code string
		if code, err = u.c.Bind().GetShareCode(ctx, "plug", id, 60); err == nil {
			var d models.Device
			if d, err = v.c.Bind().BindDeviceWithShareCode(ctx, code); err == nil {
				desc += " bound"
				if !sees(t, v, d.DeviceID) {
					t.Errorf("step %d: %s but the user does not see the device", step, desc)
				}
			}
		}
	case op < 36:
		u := p.likely(users)
		name, desc = "unbindDevice", fmt.Sprintf("u%d unbindDevice %d", u.UserID, id)
		wasOwner := p.ownerOf(t, id) == u.UserID
		if err = u.c.Bind().UnbindDevice(ctx, "plug", id); err == nil {
			if sees(t, u, id) {
				t.Errorf("step %d: %s succeeded but the user still sees it", step, desc)
			}
			if wasOwner {
				for _, o := range p.people {
					if sees(t, o, id) {
						t.Errorf("step %d: %s by the owner left user %d bound", step, desc, o.UserID)
					}
				}
			}
		}
	case op < 43:
		u, v := p.likely(owner), p.likely(users)
		name, desc = "unbindDeviceWithUser", fmt.Sprintf("u%d unbindDeviceWithUser %d u%d", u.UserID, id, v.UserID)
		if err = u.c.Bind().UnbindDeviceWithUser(ctx, "plug", id, v.UserID); err == nil && v.UserID != u.UserID && sees(t, v, id) {
			t.Errorf("step %d: %s succeeded but the user still sees it", step, desc)
		}
	case op < 50:
		u, v := p.likely(owner), p.likely(users)
		name, desc = "changeOwner", fmt.Sprintf("u%d changeOwner %d → u%d", u.UserID, id, v.UserID)
		if err = u.c.Bind().ChangeOwner(ctx, "plug", id, v.UserID); err == nil {
			if o := p.ownerOf(t, id); o != v.UserID {
				t.Errorf("step %d: %s succeeded but the owner is %d", step, desc, o)
			}
		}
	case op < 57:
		u := p.likely(owner)
		name, desc = "bindDeviceWithUser", fmt.Sprintf("u%d bindDeviceWithUser %d u%d", u.UserID, id, v.UserID)
		if err = u.c.Bind().BindDeviceWithUser(ctx, "plug", id, v.Phone); err == nil && !sees(t, v, id) {
			t.Errorf("step %d: %s succeeded but the user does not see it", step, desc)
		}
	case op < 62:
		if len(p.homes) >= 4 {
			return
		}
		u := p.anyone()
		name, desc = "createHome", fmt.Sprintf("u%d createHome", u.UserID)
		var hm models.Home
		if hm, err = u.c.Home().CreateHome(ctx, fmt.Sprintf("home %d", step)); err == nil {
			p.homes = append(p.homes, hm.HomeID)
			p.homeOwner[hm.HomeID] = u.UserID
		}
	case op < 72:
		u := p.likely(homeOwner)
		// Mostly a device the actor owns: only an owner may add one.
		var owned []int64
		for d, o := range p.ownerOf0 {
			if o == u.UserID {
				owned = append(owned, d)
			}
		}
		slices.Sort(owned) // map order must not leak into the seeded run
		if len(owned) > 0 && p.rng.IntN(3) < 2 {
			id = owned[p.rng.IntN(len(owned))]
		}
		name, desc = "addDeviceToHome", fmt.Sprintf("u%d addDeviceToHome %d home %d", u.UserID, id, h)
		if _, err = u.c.Home().AddDeviceToHome(ctx, h, id, ""); err == nil {
			members, lerr := u.c.Home().ListHomeUsers(ctx, h)
			p.fatalCode(t, "listHomeUsers", lerr)
			for _, m := range members {
				if !sees(t, p.personByID(m.UserID), id) {
					t.Errorf("step %d: %s succeeded but member %d does not see it", step, desc, m.UserID)
				}
			}
		}
	case op < 80:
		u := p.likely(homeOwner)
		name, desc = "addUserToHome", fmt.Sprintf("u%d addUserToHome %d u%d", u.UserID, h, v.UserID)
		if err = u.c.Home().AddUserToHome(ctx, h, v.Phone); err == nil {
			devs, lerr := u.c.Home().ListHomeDevices(ctx, h, false)
			p.fatalCode(t, "listHomeDevices", lerr)
			for _, d := range devs {
				if !sees(t, v, d.DeviceID) {
					t.Errorf("step %d: %s succeeded but the new member does not see device %d", step, desc, d.DeviceID)
				}
			}
		}
	case op < 86:
		u := p.likely(homeOwner)
		members, _ := p.client.As(p.homeOwner[h]).Home().ListHomeUsers(ctx, h)
		var mids []int64
		for _, m := range members {
			mids = append(mids, m.UserID)
		}
		v := p.likely(mids)
		name, desc = "removeUserFromHome", fmt.Sprintf("u%d removeUserFromHome %d u%d", u.UserID, h, v.UserID)
		if err = u.c.Home().RemoveUserFromHome(ctx, h, v.UserID); err == nil && v.UserID != p.homeOwner[h] {
			if hs := val(v.c.Home().ListHomes(ctx))(t, "ListHomes"); slices.ContainsFunc(hs, func(x models.Home) bool { return x.HomeID == h }) {
				t.Errorf("step %d: %s succeeded but the user still lists the home", step, desc)
			}
		}
	case op < 91:
		u := p.likely(homeOwner)
		devs, _ := p.client.As(p.homeOwner[h]).Home().ListHomeDevices(ctx, h, false)
		if len(devs) > 0 && p.rng.IntN(3) < 2 {
			id = devs[p.rng.IntN(len(devs))].DeviceID
		}
		name, desc = "deleteDeviceFromHome", fmt.Sprintf("u%d deleteDeviceFromHome %d dev %d", u.UserID, h, id)
		err = u.c.Home().DeleteDeviceFromHome(ctx, h, id)
	case op < 96:
		u := p.likely(homeOwner)
		name, desc = "joinHome", fmt.Sprintf("u%d joinHome %d via u%d's code", v.UserID, h, u.UserID)
		var code string
		if code, err = u.c.Home().GetHomeShareCode(ctx, h, 60); err == nil {
			_, err = v.c.Home().JoinHomeWithShareCode(ctx, code)
		}
	default:
		u := p.likely(homeOwner)
		name, desc = "deleteHome", fmt.Sprintf("u%d deleteHome %d", u.UserID, h)
		if err = u.c.Home().DeleteHome(ctx, h); err == nil {
			p.homes = slices.DeleteFunc(p.homes, func(x int64) bool { return x == h })
		}
	}
	if err != nil {
		desc += fmt.Sprintf(" → %d", acapi.Code(err))
		p.failed[name]++
	} else {
		p.ok[name]++
	}
	p.log = append(p.log, fmt.Sprintf("%3d %s", step, desc))
	p.fatalCode(t, desc, err)
}

func (p *propWorld) personByID(id int64) person {
	for _, q := range p.people {
		if q.UserID == id {
			return q
		}
	}
	p.t.Fatalf("unknown user %d", id)
	return person{}
}

// ownerOf asks the cloud (developer scope) who owns device id; 0 for none.
func (p *propWorld) ownerOf(t *testing.T, id int64) int64 {
	t.Helper()
	users, err := p.client.Bind().ListUsers(p.ctx, "plug", id)
	if err != nil {
		p.fatalCode(t, "listUsers", err)
		return 0
	}
	for _, u := range users {
		if u.UserType == 1 {
			return u.UserID
		}
	}
	return 0
}

func (p *propWorld) check(t *testing.T, step int) {
	t.Helper()
	ctx := p.ctx
	dev := p.client.Bind()
	usersOf := map[int64][]int64{} // device → users
	ownerOf := map[int64]int64{}
	for _, pid := range p.pids {
		id, err := dev.GetDeviceID(ctx, "plug", pid)
		if err != nil {
			p.fatalCode(t, "getDeviceId", err)
			if acapi.Code(err) != models.ErrDeviceAbsent && acapi.Code(err) != models.ErrDeviceNotBound {
				t.Fatalf("step %d: getDeviceId(%s): %v", step, pid, err)
			}
			continue
		}
		p.lastID[pid] = id
		users, err := dev.ListUsers(ctx, "plug", id)
		if err != nil {
			t.Fatalf("step %d: listUsers(%d) of a device with a record: %v", step, id, err)
		}
		owners := 0
		for _, u := range users {
			usersOf[id] = append(usersOf[id], u.UserID)
			if u.UserType == 1 {
				owners++
				ownerOf[id] = u.UserID
			}
		}
		if len(users) > 0 && owners != 1 {
			t.Fatalf("step %d: device %d has %d owners among %+v", step, id, owners, users)
		}
		if len(users) == 0 {
			t.Fatalf("step %d: device %d (%s) has a record but no users", step, id, pid)
		}
	}
	p.usersOf, p.ownerOf0 = usersOf, ownerOf
	// One random isDeviceBound cross-check per step.
	pid := p.anyPID()
	bound, err := dev.IsDeviceBound(ctx, "plug", pid)
	p.fatalCode(t, "isDeviceBound", err)
	if want := len(usersOf[p.lastID[pid]]) > 0; err == nil && bound != want {
		t.Fatalf("step %d: isDeviceBound(%s) = %v, want %v", step, pid, bound, want)
	}

	for _, u := range p.people {
		list, err := u.c.Bind().ListDevices(ctx, false)
		if err != nil {
			t.Fatalf("step %d: listDevices(%d): %v", step, u.UserID, err)
		}
		var want []int64
		for id, us := range usersOf {
			if slices.Contains(us, u.UserID) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if got := ids(list); !slices.Equal(got, want) {
			t.Fatalf("step %d: user %d lists %v, but is a user of %v", step, u.UserID, got, want)
		}
		for _, d := range list {
			if d.Owner != ownerOf[d.DeviceID] {
				t.Fatalf("step %d: user %d sees device %d with owner %d, listUsers says %d", step, u.UserID, d.DeviceID, d.Owner, ownerOf[d.DeviceID])
			}
		}
	}

	// Control: a random outsider must be refused, a random user obeyed.
	u := p.anyone()
	pid = p.anyPID()
	id := p.lastID[pid]
	if id == 0 {
		return
	}
	if slices.Contains(usersOf[id], u.UserID) {
		if r, err := u.c.Bind().SendToDevice(ctx, "plug", id, "", 66, []byte("x")); err != nil || r.Code != echoReplyCode {
			t.Fatalf("step %d: user %d cannot command their device %d: %v", step, u.UserID, id, err)
		}
		return
	}
	if _, err := u.c.Bind().SendToDevice(ctx, "plug", id, "", 66, []byte("x")); acapi.Code(err) != models.ErrDeviceAbsent {
		t.Fatalf("step %d: outsider %d commanding device %d: %v, want 3802", step, u.UserID, id, err)
	}
	if _, err := u.c.Bind().SendToDevice(ctx, "plug", 0, pid, 66, nil); acapi.Code(err) != models.ErrDeviceAbsent {
		t.Fatalf("step %d: outsider %d commanding %s by physical id: %v, want 3802", step, u.UserID, pid, err)
	}
	if err := u.c.Bind().ModifyDevice(ctx, "plug", id, "hijacked"); err == nil {
		t.Fatalf("step %d: outsider %d renamed device %d", step, u.UserID, id)
	}
}

func asError(err error, target **acapi.Error) bool { return errors.As(err, target) }
