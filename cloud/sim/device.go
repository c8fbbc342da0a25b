package sim

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

// Device is one simulated device: a state machine for its product that
// answers commands through the hub (it is the hub.Endpoint) and sends
// reports. Gateways are registered with the hub as a hub.Gateway.
type Device struct {
	f    *Fleet
	key  hub.Key
	prod *catalog.Product
	h    uint64 // hash of the key: seeds every per-device choice

	bucket, pos int32 // wheel slot; guarded by f.mu

	// connected mirrors what the hub was told; read without d.mu by the
	// sub-devices of a gateway.
	connected atomic.Bool

	mu        sync.Mutex
	firmware  string
	module    string // communication module firmware (otaType 2)
	st        state
	powered   bool // false after SetPowered(false)
	churned   bool
	unlinked  bool // cut off from the cloud by SetLinked(false), still running
	rebooting bool
	removed   bool
	syncing   bool     // a goroutine is telling the hub about a change
	gw        *Device  // the gateway of a sub-device
	gws       *gwState // gateway products only
	up        *upgrade // firmware upgrade in progress
	tm        *timers  // device timers; nil until the cloud hands some
}

// msg is a report waiting to be sent once locks are released: the hub
// calls subscribers synchronously, and they must be free to look at the
// device.
type msg struct {
	code    int
	payload []byte
}

// Key names the device in the hub.
func (d *Device) Key() hub.Key { return d.key }

// Product is the device's product (a copy).
func (d *Device) Product() catalog.Product { return d.prod.Clone() }

// Firmware is the version the device runs.
func (d *Device) Firmware() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.firmware
}

// ModuleVersion is the communication module's firmware version.
func (d *Device) ModuleVersion() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.module
}

// SetVersion changes the firmware version, as a finished upgrade does.
func (d *Device) SetVersion(v string) {
	d.mu.Lock()
	d.firmware = v
	d.mu.Unlock()
}

// Online reports whether the device is connected to the hub.
func (d *Device) Online() bool { return d.connected.Load() }

// SetPowered plugs the device in or out: unplugged, it goes offline (and so
// do a gateway's sub-devices) until plugged in again.
func (d *Device) SetPowered(on bool) {
	d.mu.Lock()
	d.powered = on
	d.mu.Unlock()
	d.reconcile()
}

// SetLinked connects the device to the cloud or cuts it off (the cloud
// unreachable: a broken uplink, a router down) without powering it off:
// unlinked, it is offline in the hub but keeps running, so its device
// timers still fire, and it reports those firings when linked again.
func (d *Device) SetLinked(on bool) {
	d.mu.Lock()
	d.unlinked = !on
	d.mu.Unlock()
	d.reconcile()
}

// Linked reports whether the device may reach the cloud (see SetLinked).
func (d *Device) Linked() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.unlinked
}

// Gateway is the physical id of a sub-device's gateway ("" otherwise).
func (d *Device) Gateway() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gw == nil {
		return ""
	}
	return d.gw.key.PhysicalID
}

// Deliver implements hub.Endpoint: the reply comes at once (or after
// Options.ReplyDelay). Error replies (127) are replies, not errors; err is
// hub.ErrOffline when the device cannot hear.
func (d *Device) Deliver(ctx context.Context, code int, payload []byte) (int, []byte, error) {
	if err := d.f.wait(ctx); err != nil {
		return 0, nil, err
	}
	rc, reply, out, err := d.exec(code, payload)
	d.emit(out)
	return rc, reply, err
}

// exec runs a command from the cloud and returns the reply and the reports
// it causes.
func (d *Device) exec(code int, p []byte) (int, []byte, []msg, error) { return d.run(code, p, false) }

// run runs a command. own marks the device's own commands (its timers):
// they need the device awake, not connected, since a device runs its
// timers whether or not it can reach the cloud. Everything else (checks,
// state change, replies) is the same as for a command from the cloud.
func (d *Device) run(code int, p []byte, own bool) (int, []byte, []msg, error) {
	spec := d.prod.Message(code, catalog.Command)
	d.mu.Lock()
	if !d.liveLocked() && !(own && d.awakeLocked()) {
		d.mu.Unlock()
		return 0, nil, nil, hub.ErrOffline
	}
	if spec == nil {
		d.mu.Unlock()
		return errReply(catalog.ReasonUnknownCommand, code)
	}
	if r := catalog.Validate(*spec, p); r != 0 {
		d.mu.Unlock()
		return errReply(r, code)
	}
	if d.up != nil && d.up.busy {
		d.mu.Unlock()
		return errReply(catalog.ReasonBusy, code)
	}
	now := d.f.now()
	d.settle(now)
	switch code {
	case catalog.CodeIdentify:
		info := append([]byte{byte(d.prod.Type)}, d.firmware...)
		d.mu.Unlock()
		return catalog.CodeInfo, info, nil, nil
	case catalog.CodeQueryState:
		s := d.stateBytes(now)
		d.mu.Unlock()
		return catalog.CodeState, s, nil, nil
	}
	if d.gws != nil {
		d.mu.Unlock()
		return d.gatewayCommand(code, p)
	}
	before := d.stateBytes(now)
	if r := d.apply(code, p, now); r != 0 {
		d.mu.Unlock()
		return errReply(r, code)
	}
	after := d.stateBytes(now)
	d.mu.Unlock()
	var out []msg
	if !bytes.Equal(before, after) {
		out = []msg{{catalog.CodeStateChanged, after}}
	}
	return spec.Reply, after, out, nil
}

func errReply(reason byte, code int) (int, []byte, []msg, error) {
	return catalog.CodeError, []byte{reason, byte(code)}, nil, nil
}

// liveLocked: the device is awake, reaches the cloud (not churned out or
// unlinked), and (for a sub-device) its gateway is online.
func (d *Device) liveLocked() bool {
	return d.awakeLocked() && !d.churned && !d.unlinked && (d.gw == nil || d.gw.connected.Load())
}

// awakeLocked: the device is powered, in the fleet and not rebooting; it
// runs (its timers fire) whether or not it reaches the cloud.
func (d *Device) awakeLocked() bool {
	return !d.removed && d.powered && !d.rebooting && !d.f.closed.Load()
}

// reconcile tells the hub when the device's reachability changed. Only one
// goroutine talks to the hub for a device at a time, and it re-checks after
// each call, so the hub ends up with the last word whatever the
// interleaving.
func (d *Device) reconcile() {
	d.mu.Lock()
	if d.syncing {
		d.mu.Unlock()
		return
	}
	d.syncing = true
	for {
		want := d.liveLocked()
		if d.f.closed.Load() {
			// A closed fleet is silent (see Fleet.Close).
			d.syncing = false
			d.mu.Unlock()
			return
		}
		if want == d.connected.Load() {
			d.syncing = false
			d.mu.Unlock()
			if want {
				// Back online (or still): firings made while offline are
				// reported now.
				d.flushFirings()
			}
			return
		}
		var subs []*Device
		if d.gws != nil {
			subs = append(subs, d.gws.subs...)
		}
		if !want {
			d.connected.Store(false)
		}
		d.mu.Unlock()
		if want {
			d.f.hub.Connect(d.key, d.endpoint(), d.ip())
		} else {
			d.f.hub.Disconnect(d.key)
		}
		d.mu.Lock()
		if want {
			d.connected.Store(true)
		}
		d.mu.Unlock()
		for _, s := range subs {
			s.reconcile()
		}
		d.mu.Lock()
	}
}

func (d *Device) endpoint() hub.Endpoint {
	if d.prod.Gateway {
		return (*gatewayEP)(d)
	}
	return d
}

// ip is a stable private address per device, for the warehouse's ipAddr.
func (d *Device) ip() string {
	return fmt.Sprintf("10.%d.%d.%d", byte(d.h>>8), byte(d.h>>16), 1+byte(d.h>>24)%254)
}

// emit sends reports while the device is connected.
func (d *Device) emit(out []msg) {
	for _, m := range out {
		if !d.connected.Load() {
			return
		}
		d.f.hub.Report(d.key, m.code, m.payload)
	}
}

// State is a snapshot of a device for tests and tools. Only the fields of
// the device's product are meaningful.
type State struct {
	SubDomain  string
	PhysicalID string
	Firmware   string
	Module     string
	Online     bool
	Upgrading  bool
	Gateway    string // a sub-device's gateway

	On         bool
	PowerW     float64
	EnergyWh   float64
	Mode       string
	Fan        int
	PM25       int
	Filter     int
	Brightness int
	Kelvin     int
	Gangs      int
	GangOn     [3]bool
	Open       bool
	Battery    int
	MatchOpen  bool
	Remaining  time.Duration
	SubDevices []string
}

// State returns a snapshot.
func (d *Device) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.f.now()
	d.settle(now)
	st := d.st
	s := State{
		SubDomain: d.key.SubDomain, PhysicalID: d.key.PhysicalID, Firmware: d.firmware, Module: d.module,
		Online: d.connected.Load(), Upgrading: d.up != nil,
		On: st.on, PowerW: float64(st.powerDW) / 10, EnergyWh: st.energyWh,
		Mode: catalog.ModeName(int(st.mode)), Fan: int(st.fan), PM25: int(st.pm25), Filter: int(st.filter),
		Brightness: int(st.brightness), Kelvin: int(st.kelvin), Gangs: int(st.gangs),
		Open: st.open, Battery: int(st.battery),
	}
	for i := range s.GangOn {
		s.GangOn[i] = st.bits&(1<<i) != 0
	}
	if d.gw != nil {
		s.Gateway = d.gw.key.PhysicalID
	}
	if g := d.gws; g != nil {
		s.MatchOpen = g.open && now.Before(g.deadline)
		if s.MatchOpen {
			s.Remaining = g.deadline.Sub(now)
		}
		for _, sub := range g.subs {
			s.SubDevices = append(s.SubDevices, sub.key.PhysicalID)
		}
	}
	return s
}

var _ hub.Endpoint = (*Device)(nil)
var _ hub.Gateway = (*gatewayEP)(nil)
