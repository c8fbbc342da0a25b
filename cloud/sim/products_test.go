package sim

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"time"

	"acconsole/cloud/hub"
)

func TestCatalog(t *testing.T) {
	want := []string{"plug", "purifier", "gateway", "bulb", "doorsensor", "switch"}
	cat := Catalog()
	if len(cat) != len(want) {
		t.Fatalf("catalog has %d products", len(cat))
	}
	seenType := map[int]bool{}
	for i, p := range cat {
		if p.Record.SubDomainName != want[i] {
			t.Errorf("product %d is %q, want %q", i, p.Record.SubDomainName, want[i])
		}
		if p.Firmware == "" || len(p.DataPoints) == 0 || p.Record.Name == "" {
			t.Errorf("%s: missing firmware, data points or name", want[i])
		}
		if seenType[p.Type] || typeNames[p.Type] != want[i] {
			t.Errorf("%s: type %d", want[i], p.Type)
		}
		seenType[p.Type] = true
		codes := map[[2]any]bool{}
		for _, m := range p.Messages {
			k := [2]any{m.Code, m.Dir}
			if codes[k] {
				t.Errorf("%s: code %d %s twice", want[i], m.Code, m.Dir)
			}
			codes[k] = true
			switch m.Dir {
			case Command:
				if m.Code < hub.MinCommandCode || m.Code > hub.MaxCommandCode || m.Reply == 0 {
					t.Errorf("%s: command %d out of range or without reply", want[i], m.Code)
				}
				if p.message(m.Reply, Reply) == nil {
					t.Errorf("%s: command %d answers with undocumented %d", want[i], m.Code, m.Reply)
				}
				if m.Example != "" {
					if r := validate(&m, mustHex(t, m.Example)); r != 0 {
						t.Errorf("%s: example of %d is invalid (reason %d)", want[i], m.Code, r)
					}
				}
			case Reply:
				if m.Code < 100 || m.Code > 127 {
					t.Errorf("%s: reply %d outside 100–127", want[i], m.Code)
				}
			case Report:
				if m.Code < hub.MinReportCode {
					t.Errorf("%s: report %d below 200", want[i], m.Code)
				}
			}
			off := 0
			for _, f := range m.Fields {
				if f.Offset != off {
					t.Errorf("%s %d: field %s at %d, want %d", want[i], m.Code, f.Name, f.Offset, off)
				}
				off += f.Size
			}
		}
	}
	// Catalog returns copies.
	cat[0].Messages[0].Name = "changed"
	if Catalog()[0].Messages[0].Name == "changed" {
		t.Error("Catalog shares its slices")
	}
	if Commands("nope") != nil || len(Commands(SubBulb)) != 5 {
		t.Errorf("Commands(bulb) = %d specs", len(Commands(SubBulb)))
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'A' && c <= 'F':
				v |= byte(c - 'A' + 10)
			default:
				t.Fatalf("bad hex %q", s)
			}
		}
		b[i] = v
	}
	return b
}

func TestPlug(t *testing.T) {
	r := newRig(t, Options{Seed: 7})
	d := r.add(SubPlug, "PLUG000000000001")
	r.mustSend(d, CodeSetPower, "00", CodeState)
	r.reset()

	st := r.mustSend(d, CodeSetPower, "01", CodeState)
	if st[0] != 1 || binary.BigEndian.Uint16(st[1:]) == 0 {
		t.Fatalf("after on: % X", st)
	}
	ev := reports(r.take(hub.EventReport, ""))
	if len(ev) != 1 || !strings.HasPrefix(ev[0], "state changed: on, ") {
		t.Fatalf("reports after on: %q", ev)
	}
	// Same command again: no change, no report.
	r.mustSend(d, CodeSetPower, "01", CodeState)
	if ev := r.take(hub.EventReport, ""); len(ev) != 0 {
		t.Fatalf("report without a change: %v", reports(ev))
	}

	// Energy accrues with time at the current draw.
	w := float64(binary.BigEndian.Uint16(st[1:])) / 10
	r.mustSend(d, CodeResetEnergy, "", CodeState)
	r.clock.Advance(2 * time.Hour)
	st = r.mustSend(d, CodeQueryState, "", CodeState)
	if got, want := binary.BigEndian.Uint32(st[3:]), uint32(2*w); got != want && got+1 != want {
		t.Fatalf("energy after 2 h at %.1f W = %d Wh, want %d", w, got, want)
	}

	// Toggle.
	st = r.mustSend(d, CodeSetPower, "02", CodeState)
	if st[0] != 0 || binary.BigEndian.Uint16(st[1:]) != 0 {
		t.Fatalf("after toggle: % X", st)
	}
	// Bad values and lengths.
	for _, c := range []struct {
		code    int
		payload string
		reason  byte
	}{
		{CodeSetPower, "03", ReasonOutOfRange},
		{CodeSetPower, "", ReasonBadLength},
		{CodeSetPower, "0101", ReasonBadLength},
		{CodeResetEnergy, "00", ReasonBadLength},
		{71, "", ReasonUnknownCommand},
		{199, "", ReasonUnknownCommand},
	} {
		r.reset()
		got := r.mustSend(d, c.code, c.payload, CodeError)
		if !reflect.DeepEqual(got, []byte{c.reason, byte(c.code)}) {
			t.Errorf("%d %q: error % X, want reason %d", c.code, c.payload, got, c.reason)
		}
		if ev := r.take(hub.EventReport, ""); len(ev) != 0 {
			t.Errorf("%d %q: refused command reported %v", c.code, c.payload, reports(ev))
		}
	}
	info := r.mustSend(d, CodeIdentify, "", CodeInfo)
	if got := Describe(SubPlug, CodeInfo, info); got != "info: plug, firmware 1-4-2" {
		t.Errorf("info = %q", got)
	}
	if got := Describe(SubPlug, CodeError, []byte{ReasonOutOfRange, CodeSetPower}); got != "error: value out of range, to command 68 set power" {
		t.Errorf("error = %q", got)
	}
}

func TestPurifier(t *testing.T) {
	r := newRig(t, Options{Seed: 1})
	d := r.add(SubPurifier, "AP00000000000001")
	r.mustSend(d, CodeSetPower, "01", CodeState)
	st := r.mustSend(d, CodeSetMode, "03", CodeState) // turbo
	if st[1] != modeTurbo || st[2] != 5 {
		t.Fatalf("turbo: % X", st)
	}
	st = r.mustSend(d, CodeSetMode, "01", CodeState) // sleep
	if st[1] != modeSleep || st[2] != 1 {
		t.Fatalf("sleep: % X", st)
	}
	st = r.mustSend(d, CodeSetFan, "03", CodeState)
	if st[1] != modeManual || st[2] != 3 {
		t.Fatalf("fan 3: % X", st)
	}
	st = r.mustSend(d, CodeSetMode, "00", CodeState) // auto follows PM2.5
	pm := binary.BigEndian.Uint16(st[3:])
	if st[2] != autoFan(pm) {
		t.Fatalf("auto at PM2.5 %d runs fan %d", pm, st[2])
	}
	if got := r.mustSend(d, CodeSetFan, "06", CodeError); got[0] != ReasonOutOfRange {
		t.Errorf("fan 6: % X", got)
	}
	if got := r.mustSend(d, CodeSetFan, "00", CodeError); got[0] != ReasonOutOfRange {
		t.Errorf("fan 0: % X", got)
	}
	if got := r.mustSend(d, CodeSetMode, "04", CodeError); got[0] != ReasonOutOfRange {
		t.Errorf("mode 4: % X", got)
	}
	got := Describe(SubPurifier, CodeState, []byte{1, 2, 3, 0, 35, 80})
	if got != "state: on, manual, fan 3, PM2.5 35 µg/m³, filter 80 %" {
		t.Errorf("describe = %q", got)
	}
	if got := Describe(SubPurifier, CodeTelemetry, []byte{0, 12, 77}); got != "air quality: PM2.5 12 µg/m³, filter 77 %" {
		t.Errorf("describe 202 = %q", got)
	}
}

func TestPurifierCleansTheAir(t *testing.T) {
	r := newRig(t, Options{Seed: 3, TelemetryEvery: 10 * time.Second})
	d := r.add(SubPurifier, "AP00000000000002")
	r.mustSend(d, CodeSetPower, "00", CodeState)
	r.clock.Advance(10 * time.Minute) // off: drifts to the room's level
	dirty := d.State().PM25
	r.mustSend(d, CodeSetPower, "01", CodeState)
	r.mustSend(d, CodeSetMode, "00", CodeState)
	r.reset()
	r.clock.Advance(10 * time.Minute)
	clean := d.State().PM25
	if clean >= dirty/2 {
		t.Fatalf("PM2.5 %d → %d after 10 min in auto", dirty, clean)
	}
	var telemetry, changed int
	for _, e := range r.take(hub.EventReport, "") {
		switch e.Code {
		case CodeTelemetry:
			telemetry++
		case CodeStateChanged:
			changed++
		}
	}
	if telemetry != 60 {
		t.Errorf("%d telemetry reports in 10 min at 10 s", telemetry)
	}
	if changed == 0 {
		t.Errorf("auto mode never changed the fan speed (PM2.5 %d → %d)", dirty, clean)
	}
}

func TestBulb(t *testing.T) {
	r := newRig(t, Options{})
	d := r.add(SubBulb, "B000000000000001")
	r.mustSend(d, CodeSetPower, "00", CodeState)
	st := r.mustSend(d, CodeSetBrightness, "32", CodeState)
	if st[0] != 0 || st[1] != 50 {
		t.Fatalf("brightness 50 while off: % X", st)
	}
	st = r.mustSend(d, CodeSetColourTemp, "0FA0", CodeState)
	if binary.BigEndian.Uint16(st[2:]) != 4000 {
		t.Fatalf("4000 K: % X", st)
	}
	st = r.mustSend(d, CodeSetPower, "02", CodeState)
	if got := Describe(SubBulb, CodeState, st); got != "state: on, brightness 50 %, 4000 K" {
		t.Errorf("describe = %q", got)
	}
	for _, p := range []string{"00", "65"} {
		if got := r.mustSend(d, CodeSetBrightness, p, CodeError); got[0] != ReasonOutOfRange {
			t.Errorf("brightness %s: % X", p, got)
		}
	}
	for _, p := range []string{"0A8B", "1965", "0000"} { // 2699, 6501, 0
		if got := r.mustSend(d, CodeSetColourTemp, p, CodeError); got[0] != ReasonOutOfRange {
			t.Errorf("kelvin %s: % X", p, got)
		}
	}
	if got := r.mustSend(d, CodeSetColourTemp, "0A", CodeError); got[0] != ReasonBadLength {
		t.Errorf("short kelvin: % X", got)
	}
}

func TestDoorSensor(t *testing.T) {
	r := newRig(t, Options{Seed: 5, TelemetryEvery: 30 * time.Second})
	d := r.add(SubDoorSensor, "D000000000000001")
	r.mustSend(d, CodeSimulateContact, "00", CodeState)
	r.reset()
	st := r.mustSend(d, CodeSimulateContact, "01", CodeState)
	if got := Describe(SubDoorSensor, CodeState, st); !strings.HasPrefix(got, "state: open, battery ") {
		t.Errorf("describe = %q", got)
	}
	if ev := reports(r.take(hub.EventReport, "")); len(ev) != 1 || !strings.HasPrefix(ev[0], "state changed: open") {
		t.Fatalf("reports: %q", ev)
	}
	// On its own: the door opens and closes now and then; battery reports
	// every tenth interval.
	r.clock.Advance(2 * time.Hour)
	var battery, changes int
	for _, e := range r.take(hub.EventReport, "") {
		switch e.Code {
		case CodeTelemetry:
			battery++
		case CodeStateChanged:
			changes++
		}
	}
	if battery != 24 {
		t.Errorf("%d battery reports in 2 h", battery)
	}
	if changes < 3 || changes > 40 {
		t.Errorf("%d open/close reports in 2 h", changes)
	}
}

func TestSwitch(t *testing.T) {
	r := newRig(t, Options{})
	// Find one device per gang count.
	byGangs := map[int]*Device{}
	for i := 0; len(byGangs) < 3 && i < 100; i++ {
		d := r.add(SubSwitch, "S00000000000000"+string(rune('A'+i%26))+string(rune('a'+i/26)))
		byGangs[d.State().Gangs] = d
	}
	if len(byGangs) != 3 {
		t.Fatalf("gang counts seen: %v", byGangs)
	}
	d := byGangs[2]
	st := r.mustSend(d, CodeSetGang, "0000", CodeState)
	if !reflect.DeepEqual(st, []byte{2, 0}) {
		t.Fatalf("all off: % X", st)
	}
	st = r.mustSend(d, CodeSetGang, "0201", CodeState)
	if !reflect.DeepEqual(st, []byte{2, 2}) {
		t.Fatalf("gang 2 on: % X", st)
	}
	if got := Describe(SubSwitch, CodeState, st); got != "state: 2 gangs, gang 1 off, gang 2 on" {
		t.Errorf("describe = %q", got)
	}
	st = r.mustSend(d, CodeSetGang, "0002", CodeState) // toggle all
	if !reflect.DeepEqual(st, []byte{2, 1}) {
		t.Fatalf("toggle all: % X", st)
	}
	if got := r.mustSend(d, CodeSetGang, "0301", CodeError); got[0] != ReasonOutOfRange {
		t.Errorf("gang 3 of 2: % X", got)
	}
	if got := r.mustSend(byGangs[3], CodeSetGang, "0301", CodeState); got[1]&4 == 0 {
		t.Errorf("gang 3 of 3: % X", got)
	}
	if got := Describe(SubSwitch, CodeState, []byte{1, 1}); got != "state: 1 gang, gang 1 on" {
		t.Errorf("describe = %q", got)
	}
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		sub     string
		code    int
		payload []byte
		want    string
	}{
		{SubPlug, CodeState, []byte{1, 0, 125, 0, 0, 4, 210}, "state: on, 12.5 W, 1234 Wh"},
		{SubPlug, CodeState, []byte{1, 0, 0x5F, 0, 0, 0x30, 0x39}, "state: on, 9.5 W, 12345 Wh"}, // the README's example
		{SubPlug, CodeTelemetry, []byte{0x3A, 0x98, 0, 1, 0, 0}, "power telemetry: 1500.0 W, 65536 Wh"},
		{SubPlug, CodeSetPower, []byte{2}, "set power: toggle"},
		{SubPlug, CodeQueryState, nil, "query state"},
		{SubPlug, CodeState, []byte{1}, "state: 01 (1 byte) (expected 7 bytes)"},
		{SubPlug, 150, []byte{1, 2}, "code 150: 0102 (2 bytes)"},
		{SubPlug, 150, nil, "code 150: empty"},
		{"kettle", 68, []byte{1}, "code 68: 01 (1 byte)"},
		{SubBulb, CodeUpgrade, []byte{3, 80, 0}, "upgrade progress: flash, 80 %, none"},
		{SubBulb, CodeUpgrade, []byte{6, 40, 2}, "upgrade progress: failed, 40 %, checksum mismatch"},
		{SubGateway, CodeState, []byte{1, 0, 254, 3}, "state: open, remaining 254 s, sub-devices 3"},
		{SubGateway, CodeSubJoined, []byte{1, 2, 3, 4, 5, 6, 7, 8, 4}, "sub-device joined: 0102030405060708, bulb"},
		{SubGateway, CodeSubList, []byte{2, 1, 2, 3, 4, 5, 6, 7, 8, 4, 1, 9, 9, 9, 9, 9, 9, 9, 9, 6, 0},
			"sub-devices: 2 sub-devices, 0102030405060708 bulb online, 0909090909090909 switch offline"},
		{SubGateway, CodeSubList, []byte{2, 1}, "sub-devices: 2 sub-devices, (list has 1 bytes, expected 20)"},
		{SubGateway, CodeForward, []byte{1, 2, 3, 4, 5, 6, 7, 8, 69}, "forward: to 0102030405060708, code 69 query state"},
		{SubGateway, CodeForwarded, []byte{1, 2, 3, 4, 5, 6, 7, 8, 102, 1, 50},
			"forwarded reply: from 0102030405060708, code 102 state, 0132 (2 bytes)"},
		{SubGateway, CodeInfo, append([]byte{3}, "3-0-7\x1b[2J"...), "info: gateway, firmware 3-0-7?[2J"},
		{SubDoorSensor, CodeTelemetry, []byte{88}, "battery: battery 88 %"},
		{SubSwitch, CodeSetGang, []byte{0, 1}, "set gang: gang 0, on"},
		{SubSwitch, CodeInfo, []byte{9}, "info: unknown (9), firmware "},
	} {
		if got := Describe(c.sub, c.code, c.payload); got != c.want {
			t.Errorf("Describe(%s, %d, % X) = %q, want %q", c.sub, c.code, c.payload, got, c.want)
		}
	}
}

// Every spec decodes its own example and a zero payload of its size.
func TestDescribeAllSpecs(t *testing.T) {
	for _, p := range Catalog() {
		for _, m := range p.Messages {
			n := m.Size()
			if n < 0 {
				n = m.minSize()
			}
			got := Describe(p.Record.SubDomainName, m.Code, make([]byte, n))
			if !strings.HasPrefix(got, m.Name) || strings.Contains(got, "expected") {
				t.Errorf("%s %d: %q", p.Record.SubDomainName, m.Code, got)
			}
		}
	}
}

func TestCatalogCopies(t *testing.T) {
	p, _ := Lookup(SubPlug)
	p.Messages[0].Fields = append(p.Messages[0].Fields, Field{Name: "x"})
	for i := range p.Messages {
		for j := range p.Messages[i].Fields {
			if p.Messages[i].Fields[j].Enum != nil {
				p.Messages[i].Fields[j].Enum[0] = "changed"
			}
		}
	}
	cs := Commands(SubPlug)
	cs[1].Fields[0].Enum[1] = "changed"
	if got := Describe(SubPlug, CodeSetPower, []byte{1}); got != "set power: on" {
		t.Fatalf("catalog changed through a copy: %q", got)
	}
}
