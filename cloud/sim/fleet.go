package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"acconsole/cloud/hub"
	"acconsole/internal/clock"
)

// Defaults of Options.
const (
	DefaultTelemetryEvery = 30 * time.Second
	DefaultJoinEvery      = 3 * time.Second
	DefaultJoinCandidates = 6
	DefaultChurnEvery     = 5 * time.Minute
)

// Off, as a duration option, turns the feature off (a zero Options means
// "the defaults", so zero cannot mean off).
const Off time.Duration = -1

// wheelBuckets is how many slices the fleet is cut into for the telemetry
// and churn wheels: each wheel tick visits one bucket, so work is spread
// evenly over the period instead of arriving in one burst.
const wheelBuckets = 64

// Options configure a Fleet.
type Options struct {
	// Clock stamps state (energy accounting, window remaining) and sets
	// the fleet's timers; nil is the wall clock. Give the hub the same
	// clock. Tests pass a *clock.Fake and call Advance.
	Clock clock.Clock
	// Seed makes every simulated choice (loads, noise, churn, upgrade
	// failures) repeatable.
	Seed int64
	// TelemetryEvery is how often each device sends its telemetry report
	// (202); 0 means 30 s, Off (or any negative value) sends none.
	TelemetryEvery time.Duration
	// JoinEvery is the gap between two sub-devices joining an open
	// gateway; 0 means 3 s.
	JoinEvery time.Duration
	// JoinCandidates is how many sub-devices are in range of each gateway,
	// waiting to join; 0 means 6.
	JoinCandidates int
	// Churn is the fraction of devices offline at any time (0.02 = 2 %);
	// 0 disables churn. Which devices are offline rotates every
	// ChurnEvery, staggered across the fleet.
	Churn float64
	// ChurnEvery is how long a device stays in or out of the offline set;
	// 0 means 5 min.
	ChurnEvery time.Duration
	// ReplyDelay is how long a device takes to answer a command; 0
	// answers at once.
	ReplyDelay time.Duration
}

// Errors of the fleet.
var (
	ErrUnknownProduct = errors.New("sim: unknown product")
	ErrExists         = errors.New("sim: device already in the fleet")
	ErrNotGateway     = errors.New("sim: not a gateway")
	ErrNotSubDevice   = errors.New("sim: product does not join gateways")
	ErrClosed         = errors.New("sim: fleet closed")
)

// Fleet is a set of simulated devices connected to one hub. It is safe for
// concurrent use.
type Fleet struct {
	hub   *hub.Hub
	opt   Options
	clock clock.Clock
	now   func() time.Time
	seed  uint64
	sched *sched

	closed atomic.Bool

	mu      sync.Mutex
	devices map[hub.Key]*Device
	buckets [wheelBuckets][]*Device
	// Wheel positions: ticks done since the fleet started.
	telTicks, churnTicks uint64
	scratch              []*Device // reused by wheel ticks (one runs at a time)
}

// NewFleet starts an empty fleet on h.
func NewFleet(h *hub.Hub, opt Options) *Fleet {
	opt.Clock = clock.Or(opt.Clock)
	if opt.TelemetryEvery == 0 {
		opt.TelemetryEvery = DefaultTelemetryEvery
	}
	if opt.JoinEvery <= 0 {
		opt.JoinEvery = DefaultJoinEvery
	}
	if opt.JoinCandidates <= 0 {
		opt.JoinCandidates = DefaultJoinCandidates
	}
	if opt.ChurnEvery <= 0 {
		opt.ChurnEvery = DefaultChurnEvery
	}
	f := &Fleet{
		hub: h, opt: opt, clock: opt.Clock, now: opt.Clock.Now, seed: mix(uint64(opt.Seed)),
		sched: newSched(opt.Clock), devices: map[hub.Key]*Device{},
	}
	start := f.clock.Now()
	if opt.TelemetryEvery > 0 {
		f.startWheel(start, opt.TelemetryEvery, f.telemetryTick)
	}
	if opt.Churn > 0 {
		f.startWheel(start, opt.ChurnEvery, f.churnTick)
	}
	return f
}

// startWheel runs visit once per bucket per period, at fixed times from
// start so that slow visits do not make the wheel drift.
func (f *Fleet) startWheel(start time.Time, period time.Duration, visit func(now time.Time)) {
	step := period / wheelBuckets
	if step <= 0 {
		step = 1
	}
	var k int64
	var next func()
	next = func() {
		visit(f.clock.Now())
		k++
		f.sched.at(start.Add(time.Duration(k+1)*step), next)
	}
	f.sched.at(start.Add(step), next)
}

// Options returns the options in force (defaults filled in).
func (f *Fleet) Options() Options { return f.opt }

// Add connects a simulated device of product sub with the given physical
// id; firmware "" means the product's default version.
func (f *Fleet) Add(sub, physicalID, firmware string) (*Device, error) {
	return f.add(sub, physicalID, firmware, nil)
}

// AddSubDevice connects a sub-device that joined gateway earlier (seeded
// worlds): it is online only while its gateway is, and commands reach it
// through the gateway.
func (f *Fleet) AddSubDevice(gateway hub.Key, sub, physicalID, firmware string) (*Device, error) {
	gw := f.Device(gateway)
	if gw == nil || !gw.prod.Gateway {
		return nil, fmt.Errorf("%w: %s/%s", ErrNotGateway, gateway.SubDomain, gateway.PhysicalID)
	}
	return f.add(sub, physicalID, firmware, gw)
}

func (f *Fleet) add(sub, physicalID, firmware string, gw *Device) (*Device, error) {
	p, ok := products[sub]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownProduct, sub)
	}
	if physicalID == "" {
		return nil, errors.New("sim: a physical id is required")
	}
	if gw != nil && !p.SubDevice {
		return nil, fmt.Errorf("%w: %s", ErrNotSubDevice, sub)
	}
	if firmware == "" {
		firmware = p.Firmware
	}
	k := hub.Key{SubDomain: p.Record.SubDomainName, PhysicalID: physicalID}
	d := &Device{f: f, key: k, prod: p, h: fnv64(sub + "/" + physicalID), firmware: firmware, module: p.Module, powered: true, gw: gw}
	if p.Gateway {
		d.gws = &gwState{}
	}
	d.initState(f.now())
	f.mu.Lock()
	if f.closed.Load() {
		f.mu.Unlock()
		return nil, ErrClosed
	}
	if _, dup := f.devices[k]; dup {
		f.mu.Unlock()
		return nil, fmt.Errorf("%w: %s/%s", ErrExists, sub, physicalID)
	}
	f.devices[k] = d
	b := d.h % wheelBuckets
	d.bucket, d.pos = int32(b), int32(len(f.buckets[b]))
	f.buckets[b] = append(f.buckets[b], d)
	d.churned = f.churnedIn(d, epochOf(b, f.churnTicks))
	f.mu.Unlock()
	if gw != nil {
		gw.mu.Lock()
		gone := gw.removed
		if !gone {
			gw.gws.subs = append(gw.gws.subs, d)
		}
		gw.mu.Unlock()
		if gone {
			// The gateway left while this sub-device was joining it.
			f.Remove(k)
			return nil, fmt.Errorf("%w: %s/%s", ErrNotGateway, gw.key.SubDomain, gw.key.PhysicalID)
		}
	}
	d.reconcile()
	return d, nil
}

// Remove takes a device out of the fleet (and a gateway's sub-devices with
// it); it goes offline. It reports whether the device was there.
func (f *Fleet) Remove(k hub.Key) bool {
	f.mu.Lock()
	d := f.devices[k]
	if d == nil {
		f.mu.Unlock()
		return false
	}
	f.unlinkLocked(d)
	f.mu.Unlock()

	d.mu.Lock()
	d.removed = true
	d.dropTimersLocked()
	var subs []*Device
	if d.gws != nil {
		subs = append(subs, d.gws.subs...)
		d.gws.subs = nil
		d.closeWindowLocked()
	}
	up := d.up
	gw := d.gw
	d.mu.Unlock()
	if up != nil {
		d.abortUpgrade(up, failRemoved)
	}
	if gw != nil {
		gw.dropSub(d)
	}
	d.reconcile()
	for _, s := range subs {
		f.Remove(s.key)
	}
	return true
}

func (f *Fleet) unlinkLocked(d *Device) {
	delete(f.devices, d.key)
	b := f.buckets[d.bucket]
	last := b[len(b)-1]
	b[d.pos] = last
	last.pos = d.pos
	b[len(b)-1] = nil
	f.buckets[d.bucket] = b[:len(b)-1]
}

// Device finds a device of the fleet; nil when absent.
func (f *Fleet) Device(k hub.Key) *Device {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.devices[k]
}

// Len is the number of devices in the fleet.
func (f *Fleet) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.devices)
}

// Devices lists the fleet's devices in no particular order.
func (f *Fleet) Devices() []*Device {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*Device, 0, len(f.devices))
	for _, d := range f.devices {
		out = append(out, d)
	}
	return out
}

// Close stops every timer of the fleet; its devices stop answering. It
// publishes no offline events: a cloud that shuts down must not rewrite the
// last-online time of every device on its way out.
func (f *Fleet) Close() {
	f.closed.Store(true)
	f.sched.close()
	// Upgrades in flight end as failed, so whoever reads their progress
	// channels sees them close instead of waiting forever.
	for _, d := range f.Devices() {
		d.mu.Lock()
		up := d.up
		d.mu.Unlock()
		if up != nil {
			d.abortUpgrade(up, failRemoved)
		}
	}
}

// bucketSnapshot copies a bucket into the scratch slice; only wheel ticks
// call it, and the scheduler runs one at a time.
func (f *Fleet) bucketSnapshot(b int) []*Device {
	f.mu.Lock()
	f.scratch = append(f.scratch[:0], f.buckets[b]...)
	f.mu.Unlock()
	return f.scratch
}

func (f *Fleet) telemetryTick(now time.Time) {
	f.mu.Lock()
	b := int(f.telTicks % wheelBuckets)
	f.telTicks++
	f.mu.Unlock()
	for _, d := range f.bucketSnapshot(b) {
		if out := d.telemetry(now); len(out) > 0 {
			d.emit(out)
		}
	}
}

func (f *Fleet) churnTick(time.Time) {
	f.mu.Lock()
	n := f.churnTicks
	f.churnTicks++
	f.mu.Unlock()
	b := n % wheelBuckets
	epoch := epochOf(b, n+1)
	for _, d := range f.bucketSnapshot(int(b)) {
		off := f.churnedIn(d, epoch)
		d.mu.Lock()
		changed := d.churned != off
		d.churned = off
		d.mu.Unlock()
		if changed {
			d.reconcile()
		}
	}
}

// epochOf is how many times the churn wheel has visited bucket b after
// ticks ticks: a device's offline draw changes once per visit.
func epochOf(b, ticks uint64) uint64 {
	return (ticks + wheelBuckets - 1 - b) / wheelBuckets
}

// churnedIn decides whether d sits out the given churn epoch.
func (f *Fleet) churnedIn(d *Device, epoch uint64) bool {
	if f.opt.Churn <= 0 {
		return false
	}
	return unit(mix3(f.seed, d.h, epoch)) < f.opt.Churn
}

// wait is the simulated reply latency.
func (f *Fleet) wait(ctx context.Context) error {
	if f.opt.ReplyDelay <= 0 {
		return nil
	}
	ch := make(chan struct{})
	t := f.clock.AfterFunc(f.opt.ReplyDelay, func() { close(ch) })
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}
