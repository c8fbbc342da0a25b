package sim

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

// gwState is a gateway's match window and its sub-devices.
type gwState struct {
	open     bool
	deadline time.Time
	join     *event // next join attempt
	expire   *event // end of the window
	subs     []*Device
}

// gatewayEP is how a gateway is registered with the hub: the same device,
// plus the match-window methods of hub.Gateway. Other products are
// registered as *Device, so the hub refuses to open a window on a plug.
type gatewayEP Device

func (g *gatewayEP) Deliver(ctx context.Context, code int, payload []byte) (int, []byte, error) {
	return (*Device)(g).Deliver(ctx, code, payload)
}

// SetTimers implements hub.TimerHost: a gateway keeps timers like any
// device.
func (g *gatewayEP) SetTimers(tasks []hub.DeviceTimer) error { return (*Device)(g).SetTimers(tasks) }

// OpenMatch implements hub.Gateway: sub-devices in range join one at a time,
// JoinEvery apart, until the deadline. Opening an open window moves its
// deadline.
func (g *gatewayEP) OpenMatch(deadline time.Time) error {
	d := (*Device)(g)
	f := d.f
	d.mu.Lock()
	if !d.liveLocked() {
		d.mu.Unlock()
		return hub.ErrOffline
	}
	gs := d.gws
	now := f.now()
	gs.open, gs.deadline = true, deadline
	f.sched.cancel(gs.expire)
	gs.expire = f.sched.at(deadline, d.matchExpired)
	if gs.join == nil && now.Add(f.opt.JoinEvery).Before(deadline) {
		gs.join = f.sched.after(f.opt.JoinEvery, d.joinNext)
	}
	s := d.stateBytes(now)
	d.mu.Unlock()
	d.emit([]msg{{catalog.CodeStateChanged, s}})
	return nil
}

// CloseMatch implements hub.Gateway: joining stops at once.
func (g *gatewayEP) CloseMatch() error {
	d := (*Device)(g)
	d.mu.Lock()
	was := d.gws.open
	d.closeWindowLocked()
	s := d.stateBytes(d.f.now())
	d.mu.Unlock()
	if was {
		d.emit([]msg{{catalog.CodeStateChanged, s}})
	}
	return nil
}

func (d *Device) closeWindowLocked() {
	gs := d.gws
	gs.open = false
	d.f.sched.cancel(gs.join)
	d.f.sched.cancel(gs.expire)
	gs.join, gs.expire = nil, nil
}

// matchExpired closes the window at its deadline and says so: the gateway
// reports its state, and the hub publishes the close, so that no screen
// keeps counting down a window that is shut.
func (d *Device) matchExpired() {
	d.mu.Lock()
	gs := d.gws
	now := d.f.now()
	gs.expire = nil
	if !gs.open || now.Before(gs.deadline) {
		d.mu.Unlock()
		return
	}
	deadline := gs.deadline
	d.closeWindowLocked()
	s := d.stateBytes(now)
	d.mu.Unlock()
	d.emit([]msg{{catalog.CodeStateChanged, s}})
	d.f.hub.ExpireMatch(d.key, deadline)
}

// MatchDeadline is the end of the gateway's open window (zero when closed).
func (d *Device) MatchDeadline() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gws == nil || !d.gws.open {
		return time.Time{}
	}
	return d.gws.deadline
}

// Candidate is a sub-device in range of a gateway, waiting to join.
type Candidate struct {
	SubDomain  string
	PhysicalID string
}

// Candidates lists, in join order, the sub-devices in range of the gateway
// with physical id gatewayID: the same for every run, whatever the seed,
// so that tests and demos can name them in advance.
func Candidates(gatewayID string, n int) []Candidate {
	out := make([]Candidate, n)
	base := fnv64("gateway/" + gatewayID)
	subs := [...]string{catalog.SubBulb, catalog.SubDoorSensor, catalog.SubSwitch}
	for i := range out {
		h := mix2(base, uint64(i))
		out[i] = Candidate{SubDomain: subs[mix(h)%3], PhysicalID: fmt.Sprintf("%016X", h)}
	}
	return out
}

// joinNext lets the next candidate join, if the window is still open.
func (d *Device) joinNext() {
	f := d.f
	d.mu.Lock()
	gs := d.gws
	gs.join = nil
	now := f.now()
	if !gs.open || !now.Before(gs.deadline) {
		d.mu.Unlock()
		return
	}
	if !d.liveLocked() {
		// An offline gateway hears nobody; try again while the window lasts.
		d.scheduleJoinLocked(now)
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	// The fleet lock is never taken under a device lock.
	var next *Candidate
	for _, c := range Candidates(d.key.PhysicalID, f.opt.JoinCandidates) {
		if f.Device(hub.Key{SubDomain: c.SubDomain, PhysicalID: c.PhysicalID}) == nil {
			next = &c
			break
		}
	}
	if next == nil {
		return // everyone in range has joined
	}
	subKey := hub.Key{SubDomain: next.SubDomain, PhysicalID: next.PhysicalID}
	if !f.hub.Join(d.key, subKey) {
		return // the hub's window is shut: stop, as the gateway would
	}
	if _, err := f.add(next.SubDomain, next.PhysicalID, "", d); err != nil {
		return
	}
	id, _ := hex.DecodeString(next.PhysicalID)
	report := append(id, byte(products[next.SubDomain].Type))
	d.mu.Lock()
	s := d.stateBytes(f.now())
	if gs.open {
		d.scheduleJoinLocked(f.now())
	}
	d.mu.Unlock()
	d.emit([]msg{{catalog.CodeSubJoined, report}, {catalog.CodeStateChanged, s}})
}

func (d *Device) scheduleJoinLocked(now time.Time) {
	gs := d.gws
	if gs.join == nil && now.Add(d.f.opt.JoinEvery).Before(gs.deadline) {
		gs.join = d.f.sched.after(d.f.opt.JoinEvery, d.joinNext)
	}
}

// dropSub forgets a sub-device that left.
func (d *Device) dropSub(s *Device) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gws == nil {
		return
	}
	for i, x := range d.gws.subs {
		if x == s {
			d.gws.subs = append(d.gws.subs[:i], d.gws.subs[i+1:]...)
			return
		}
	}
}

// SubDevices lists the keys of a gateway's sub-devices, in join order.
func (d *Device) SubDevices() []hub.Key {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gws == nil {
		return nil
	}
	out := make([]hub.Key, len(d.gws.subs))
	for i, s := range d.gws.subs {
		out[i] = s.key
	}
	return out
}

// gatewayCommand runs the gateway's own commands (71 list, 72 forward);
// the payload was validated.
func (d *Device) gatewayCommand(code int, p []byte) (int, []byte, []msg, error) {
	d.mu.Lock()
	subs := append([]*Device(nil), d.gws.subs...)
	d.mu.Unlock()
	switch code {
	case catalog.CodeListSubDevices:
		list := []byte{0}
		for _, s := range subs {
			id, err := hex.DecodeString(s.key.PhysicalID)
			if err != nil || len(id) != 8 || list[0] == 255 {
				continue // not addressable over Zigbee ids (seeded by hand)
			}
			list = append(list, id...)
			list = append(list, byte(s.prod.Type), b2u(s.connected.Load()))
			list[0]++
		}
		return catalog.CodeSubList, list, nil, nil
	case catalog.CodeForward:
		id := strings.ToUpper(hex.EncodeToString(p[:8]))
		var sub *Device
		for _, s := range subs {
			if s.key.PhysicalID == id {
				sub = s
				break
			}
		}
		if sub == nil {
			return errReply(catalog.ReasonUnknownSub, code)
		}
		rc, reply, out, err := sub.exec(int(p[8]), p[9:])
		if err != nil {
			return errReply(catalog.ReasonSubNoAnswer, code)
		}
		sub.emit(out)
		ans := append(append(append(make([]byte, 0, 9+len(reply)), p[:8]...), byte(rc)), reply...)
		return catalog.CodeForwarded, ans, nil, nil
	}
	return errReply(catalog.ReasonUnknownCommand, code)
}
