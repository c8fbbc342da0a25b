package sim

import (
	"encoding/binary"
	"math"
	"time"

	"acconsole/catalog"
)

// products are the catalog's products, copied once: every device of a
// product points at the same copy, and nothing outside this package can
// change what the devices run on.
var products, productOrder = func() (map[string]*catalog.Product, []string) {
	m := map[string]*catalog.Product{}
	var order []string
	for _, p := range catalog.Catalog() {
		m[p.Record.SubDomainName] = &p
		order = append(order, p.Record.SubDomainName)
	}
	return m, order
}()

// state holds the fields of every product in one flat struct: a union
// would cost an allocation and an interface per device, and a fleet has
// 100 000 of them.
type state struct {
	on         bool
	open       bool
	mode       uint8
	fan        uint8
	filter     uint8
	brightness uint8
	gangs      uint8
	bits       uint8
	battery    uint8
	pm25       uint16
	kelvin     uint16
	powerDW    uint16  // plug: current draw in 0.1 W
	loadDW     uint16  // plug: what the appliance draws when on
	ticks      uint32  // telemetry visits, feeds the noise
	upgrades   uint32  // upgrade attempts, feeds the failure draw
	energyWh   float64 // plug: energy since reset
	accounted  int64   // plug: unix ns up to which energy is counted
}

// Typical appliances behind a plug, in 0.1 W: a lamp, a router, a fan, a
// TV, a fridge, a PC, a heater, a kettle.
var plugLoads = []uint16{95, 70, 450, 850, 1200, 1800, 15000, 20000}

const (
	modeAuto   = 0
	modeSleep  = 1
	modeManual = 2
	modeTurbo  = 3
)

// initState draws a plausible starting state from the device's hash.
func (d *Device) initState(now time.Time) {
	h := d.h
	r := func(salt uint64) uint64 { return mix2(h, salt) }
	st := &d.st
	st.accounted = now.UnixNano()
	switch d.prod.Type {
	case catalog.TypePlug:
		st.on = r(1)%2 == 0
		base := plugLoads[r(2)%uint64(len(plugLoads))]
		st.loadDW = uint16(float64(base) * (0.9 + 0.2*unit(r(3))))
		st.energyWh = float64(r(4) % 50000)
		if st.on {
			st.powerDW = st.loadDW
		}
	case catalog.TypePurifier:
		st.on = r(1)%2 == 0
		st.mode = uint8(r(2) % 4)
		st.pm25 = d.ambient()
		st.filter = uint8(20 + r(3)%81)
		st.fan = uint8(1 + r(4)%5)
		d.modeFan()
	case catalog.TypeBulb:
		st.on = r(1)%2 == 0
		st.brightness = uint8(10 + r(2)%91)
		st.kelvin = uint16(2700 + 100*(r(3)%39))
	case catalog.TypeDoorSensor:
		st.open = r(1)%8 == 0
		st.battery = uint8(40 + r(2)%61)
	case catalog.TypeSwitch:
		st.gangs = uint8(1 + r(1)%3)
		st.bits = uint8(r(2)) & (1<<st.gangs - 1)
	}
}

// ambient is the PM2.5 a purifier's room drifts to when it is off.
func (d *Device) ambient() uint16 { return uint16(20 + mix2(d.h, 99)%120) }

// autoFan is the fan speed auto mode picks for a PM2.5 level.
func autoFan(pm uint16) uint8 {
	switch {
	case pm < 35:
		return 1
	case pm < 75:
		return 2
	case pm < 115:
		return 3
	case pm < 150:
		return 4
	}
	return 5
}

// modeFan applies the fan speed a mode implies.
func (d *Device) modeFan() {
	st := &d.st
	switch st.mode {
	case modeAuto:
		st.fan = autoFan(st.pm25)
	case modeSleep:
		st.fan = 1
	case modeTurbo:
		st.fan = 5
	}
}

// settle counts a plug's energy up to now.
func (d *Device) settle(now time.Time) {
	if d.prod.Type != catalog.TypePlug {
		return
	}
	st := &d.st
	ns := now.UnixNano()
	if dt := ns - st.accounted; dt > 0 {
		st.energyWh += float64(st.powerDW) / 10 * float64(dt) / float64(time.Hour)
	}
	st.accounted = ns
}

func (d *Device) stateBytes(now time.Time) []byte {
	st := &d.st
	switch d.prod.Type {
	case catalog.TypePlug:
		b := make([]byte, 7)
		b[0] = b2u(st.on)
		binary.BigEndian.PutUint16(b[1:], st.powerDW)
		binary.BigEndian.PutUint32(b[3:], energyU32(st.energyWh))
		return b
	case catalog.TypePurifier:
		return []byte{b2u(st.on), st.mode, st.fan, byte(st.pm25 >> 8), byte(st.pm25), st.filter}
	case catalog.TypeGateway:
		g := d.gws
		b := make([]byte, 4)
		if g.open && now.Before(g.deadline) {
			b[0] = 1
			secs := math.Ceil(g.deadline.Sub(now).Seconds())
			binary.BigEndian.PutUint16(b[1:], uint16(min(secs, 65535)))
		}
		b[3] = byte(min(len(g.subs), 255))
		return b
	case catalog.TypeBulb:
		return []byte{b2u(st.on), st.brightness, byte(st.kelvin >> 8), byte(st.kelvin)}
	case catalog.TypeDoorSensor:
		return []byte{b2u(st.open), st.battery}
	case catalog.TypeSwitch:
		return []byte{st.gangs, st.bits}
	}
	return nil
}

func energyU32(wh float64) uint32 {
	if wh >= math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(wh)
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// power applies an on/off/toggle byte.
func power(cur bool, v byte) bool {
	if v == 2 {
		return !cur
	}
	return v == 1
}

// apply runs a validated product command under d.mu; it returns an error
// reason or 0.
func (d *Device) apply(code int, p []byte, now time.Time) byte {
	st := &d.st
	switch d.prod.Type {
	case catalog.TypePlug:
		switch code {
		case catalog.CodeSetPower:
			st.on = power(st.on, p[0])
			st.powerDW = 0
			if st.on {
				st.powerDW = st.loadDW
			}
		case catalog.CodeResetEnergy:
			st.energyWh = 0
		}
	case catalog.TypePurifier:
		switch code {
		case catalog.CodeSetPower:
			st.on = power(st.on, p[0])
		case catalog.CodeSetMode:
			st.mode = p[0]
			d.modeFan()
		case catalog.CodeSetFan:
			st.mode, st.fan = modeManual, p[0]
		}
	case catalog.TypeBulb:
		switch code {
		case catalog.CodeSetPower:
			st.on = power(st.on, p[0])
		case catalog.CodeSetBrightness:
			st.brightness = p[0]
		case catalog.CodeSetColourTemp:
			st.kelvin = binary.BigEndian.Uint16(p)
		}
	case catalog.TypeDoorSensor:
		if code == catalog.CodeSimulateContact {
			st.open = p[0] == 1
		}
	case catalog.TypeSwitch:
		if code == catalog.CodeSetGang {
			g := p[0]
			if g > st.gangs {
				return catalog.ReasonOutOfRange
			}
			mask := uint8(1<<st.gangs - 1)
			if g > 0 {
				mask = 1 << (g - 1)
			}
			switch p[1] {
			case 0:
				st.bits &^= mask
			case 1:
				st.bits |= mask
			case 2:
				st.bits ^= mask
			}
		}
	}
	return 0
}

// noise is a deterministic value in [-1, 1) for the device's n-th visit.
func (d *Device) noise(salt uint64) float64 {
	return 2*unit(mix3(d.f.seed, d.h^salt, uint64(d.st.ticks))) - 1
}

// telemetry is a telemetry-wheel visit: the device's periodic report and
// whatever changed on its own since the last visit.
func (d *Device) telemetry(now time.Time) []msg {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.liveLocked() || d.up != nil && d.up.busy {
		return nil
	}
	st := &d.st
	st.ticks++
	d.settle(now)
	switch d.prod.Type {
	case catalog.TypePlug:
		if st.on {
			st.powerDW = uint16(math.Max(0, float64(st.loadDW)*(1+0.03*d.noise(1))))
		}
		b := make([]byte, 6)
		binary.BigEndian.PutUint16(b, st.powerDW)
		binary.BigEndian.PutUint32(b[2:], energyU32(st.energyWh))
		return []msg{{catalog.CodeTelemetry, b}}
	case catalog.TypePurifier:
		pm := float64(st.pm25)
		if st.on {
			pm -= pm * 0.06 * float64(st.fan)
		} else {
			pm += (float64(d.ambient()) - pm) * 0.1
		}
		pm += 3 * d.noise(2)
		st.pm25 = uint16(math.Max(3, math.Min(999, pm)))
		if st.on && st.ticks%480 == 0 && st.filter > 0 {
			st.filter--
		}
		out := []msg{{catalog.CodeTelemetry, []byte{byte(st.pm25 >> 8), byte(st.pm25), st.filter}}}
		if st.mode == modeAuto {
			if f := autoFan(st.pm25); f != st.fan {
				st.fan = f
				out = append(out, msg{catalog.CodeStateChanged, d.stateBytes(now)})
			}
		}
		return out
	case catalog.TypeDoorSensor:
		var out []msg
		// About one open-or-close per twenty visits (10 min at 30 s).
		if unit(mix3(d.f.seed, d.h^3, uint64(st.ticks))) < 0.05 {
			st.open = !st.open
			out = append(out, msg{catalog.CodeStateChanged, d.stateBytes(now)})
		}
		// Battery devices report rarely: every tenth visit, and drain one
		// percent a day at 30 s.
		if st.ticks%2880 == 0 && st.battery > 1 {
			st.battery--
		}
		if st.ticks%10 == 0 {
			out = append(out, msg{catalog.CodeTelemetry, []byte{st.battery}})
		}
		return out
	}
	return nil
}
