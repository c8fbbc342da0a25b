package sim

import (
	"encoding/binary"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestPlug(t *testing.T) {
	r := newRig(t, Options{Seed: 7})
	d := r.add(catalog.SubPlug, "PLUG000000000001")
	r.mustSend(d, catalog.CodeSetPower, "00", catalog.CodeState)
	r.reset()

	st := r.mustSend(d, catalog.CodeSetPower, "01", catalog.CodeState)
	if st[0] != 1 || binary.BigEndian.Uint16(st[1:]) == 0 {
		t.Fatalf("after on: % X", st)
	}
	ev := reports(r.take(hub.EventReport, ""))
	if len(ev) != 1 || !strings.HasPrefix(ev[0], "state changed: on, ") {
		t.Fatalf("reports after on: %q", ev)
	}
	// Same command again: no change, no report.
	r.mustSend(d, catalog.CodeSetPower, "01", catalog.CodeState)
	if ev := r.take(hub.EventReport, ""); len(ev) != 0 {
		t.Fatalf("report without a change: %v", reports(ev))
	}

	// Energy accrues with time at the current draw.
	w := float64(binary.BigEndian.Uint16(st[1:])) / 10
	r.mustSend(d, catalog.CodeResetEnergy, "", catalog.CodeState)
	r.clock.Advance(2 * time.Hour)
	st = r.mustSend(d, catalog.CodeQueryState, "", catalog.CodeState)
	if got, want := binary.BigEndian.Uint32(st[3:]), uint32(2*w); got != want && got+1 != want {
		t.Fatalf("energy after 2 h at %.1f W = %d Wh, want %d", w, got, want)
	}

	// Toggle.
	st = r.mustSend(d, catalog.CodeSetPower, "02", catalog.CodeState)
	if st[0] != 0 || binary.BigEndian.Uint16(st[1:]) != 0 {
		t.Fatalf("after toggle: % X", st)
	}
	// Bad values and lengths.
	for _, c := range []struct {
		code    int
		payload string
		reason  byte
	}{
		{catalog.CodeSetPower, "03", catalog.ReasonOutOfRange},
		{catalog.CodeSetPower, "", catalog.ReasonBadLength},
		{catalog.CodeSetPower, "0101", catalog.ReasonBadLength},
		{catalog.CodeResetEnergy, "00", catalog.ReasonBadLength},
		{71, "", catalog.ReasonUnknownCommand},
		{199, "", catalog.ReasonUnknownCommand},
	} {
		r.reset()
		got := r.mustSend(d, c.code, c.payload, catalog.CodeError)
		if !reflect.DeepEqual(got, []byte{c.reason, byte(c.code)}) {
			t.Errorf("%d %q: error % X, want reason %d", c.code, c.payload, got, c.reason)
		}
		if ev := r.take(hub.EventReport, ""); len(ev) != 0 {
			t.Errorf("%d %q: refused command reported %v", c.code, c.payload, reports(ev))
		}
	}
	info := r.mustSend(d, catalog.CodeIdentify, "", catalog.CodeInfo)
	if got := catalog.Describe(catalog.SubPlug, catalog.CodeInfo, info); got != "info: plug, firmware 1-4-2" {
		t.Errorf("info = %q", got)
	}
	if got := catalog.Describe(catalog.SubPlug, catalog.CodeError, []byte{catalog.ReasonOutOfRange, catalog.CodeSetPower}); got != "error: value out of range, to command 68 set power" {
		t.Errorf("error = %q", got)
	}
}

func TestPurifier(t *testing.T) {
	r := newRig(t, Options{Seed: 1})
	d := r.add(catalog.SubPurifier, "AP00000000000001")
	r.mustSend(d, catalog.CodeSetPower, "01", catalog.CodeState)
	st := r.mustSend(d, catalog.CodeSetMode, "03", catalog.CodeState) // turbo
	if st[1] != modeTurbo || st[2] != 5 {
		t.Fatalf("turbo: % X", st)
	}
	st = r.mustSend(d, catalog.CodeSetMode, "01", catalog.CodeState) // sleep
	if st[1] != modeSleep || st[2] != 1 {
		t.Fatalf("sleep: % X", st)
	}
	st = r.mustSend(d, catalog.CodeSetFan, "03", catalog.CodeState)
	if st[1] != modeManual || st[2] != 3 {
		t.Fatalf("fan 3: % X", st)
	}
	st = r.mustSend(d, catalog.CodeSetMode, "00", catalog.CodeState) // auto follows PM2.5
	pm := binary.BigEndian.Uint16(st[3:])
	if st[2] != autoFan(pm) {
		t.Fatalf("auto at PM2.5 %d runs fan %d", pm, st[2])
	}
	if got := r.mustSend(d, catalog.CodeSetFan, "06", catalog.CodeError); got[0] != catalog.ReasonOutOfRange {
		t.Errorf("fan 6: % X", got)
	}
	if got := r.mustSend(d, catalog.CodeSetFan, "00", catalog.CodeError); got[0] != catalog.ReasonOutOfRange {
		t.Errorf("fan 0: % X", got)
	}
	if got := r.mustSend(d, catalog.CodeSetMode, "04", catalog.CodeError); got[0] != catalog.ReasonOutOfRange {
		t.Errorf("mode 4: % X", got)
	}
	got := catalog.Describe(catalog.SubPurifier, catalog.CodeState, []byte{1, 2, 3, 0, 35, 80})
	if got != "state: on, manual, fan 3, PM2.5 35 µg/m³, filter 80 %" {
		t.Errorf("describe = %q", got)
	}
	if got := catalog.Describe(catalog.SubPurifier, catalog.CodeTelemetry, []byte{0, 12, 77}); got != "air quality: PM2.5 12 µg/m³, filter 77 %" {
		t.Errorf("describe 202 = %q", got)
	}
}

func TestPurifierCleansTheAir(t *testing.T) {
	r := newRig(t, Options{Seed: 3, TelemetryEvery: 10 * time.Second})
	d := r.add(catalog.SubPurifier, "AP00000000000002")
	r.mustSend(d, catalog.CodeSetPower, "00", catalog.CodeState)
	r.clock.Advance(10 * time.Minute) // off: drifts to the room's level
	dirty := d.State().PM25
	r.mustSend(d, catalog.CodeSetPower, "01", catalog.CodeState)
	r.mustSend(d, catalog.CodeSetMode, "00", catalog.CodeState)
	r.reset()
	r.clock.Advance(10 * time.Minute)
	clean := d.State().PM25
	if clean >= dirty/2 {
		t.Fatalf("PM2.5 %d → %d after 10 min in auto", dirty, clean)
	}
	var telemetry, changed int
	for _, e := range r.take(hub.EventReport, "") {
		switch e.Code {
		case catalog.CodeTelemetry:
			telemetry++
		case catalog.CodeStateChanged:
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
	d := r.add(catalog.SubBulb, "B000000000000001")
	r.mustSend(d, catalog.CodeSetPower, "00", catalog.CodeState)
	st := r.mustSend(d, catalog.CodeSetBrightness, "32", catalog.CodeState)
	if st[0] != 0 || st[1] != 50 {
		t.Fatalf("brightness 50 while off: % X", st)
	}
	st = r.mustSend(d, catalog.CodeSetColourTemp, "0FA0", catalog.CodeState)
	if binary.BigEndian.Uint16(st[2:]) != 4000 {
		t.Fatalf("4000 K: % X", st)
	}
	st = r.mustSend(d, catalog.CodeSetPower, "02", catalog.CodeState)
	if got := catalog.Describe(catalog.SubBulb, catalog.CodeState, st); got != "state: on, brightness 50 %, 4000 K" {
		t.Errorf("describe = %q", got)
	}
	for _, p := range []string{"00", "65"} {
		if got := r.mustSend(d, catalog.CodeSetBrightness, p, catalog.CodeError); got[0] != catalog.ReasonOutOfRange {
			t.Errorf("brightness %s: % X", p, got)
		}
	}
	for _, p := range []string{"0A8B", "1965", "0000"} { // 2699, 6501, 0
		if got := r.mustSend(d, catalog.CodeSetColourTemp, p, catalog.CodeError); got[0] != catalog.ReasonOutOfRange {
			t.Errorf("kelvin %s: % X", p, got)
		}
	}
	if got := r.mustSend(d, catalog.CodeSetColourTemp, "0A", catalog.CodeError); got[0] != catalog.ReasonBadLength {
		t.Errorf("short kelvin: % X", got)
	}
}

func TestDoorSensor(t *testing.T) {
	r := newRig(t, Options{Seed: 5, TelemetryEvery: 30 * time.Second})
	d := r.add(catalog.SubDoorSensor, "D000000000000001")
	r.mustSend(d, catalog.CodeSimulateContact, "00", catalog.CodeState)
	r.reset()
	st := r.mustSend(d, catalog.CodeSimulateContact, "01", catalog.CodeState)
	if got := catalog.Describe(catalog.SubDoorSensor, catalog.CodeState, st); !strings.HasPrefix(got, "state: open, battery ") {
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
		case catalog.CodeTelemetry:
			battery++
		case catalog.CodeStateChanged:
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
		d := r.add(catalog.SubSwitch, "S00000000000000"+string(rune('A'+i%26))+string(rune('a'+i/26)))
		byGangs[d.State().Gangs] = d
	}
	if len(byGangs) != 3 {
		t.Fatalf("gang counts seen: %v", byGangs)
	}
	d := byGangs[2]
	st := r.mustSend(d, catalog.CodeSetGang, "0000", catalog.CodeState)
	if !reflect.DeepEqual(st, []byte{2, 0}) {
		t.Fatalf("all off: % X", st)
	}
	st = r.mustSend(d, catalog.CodeSetGang, "0201", catalog.CodeState)
	if !reflect.DeepEqual(st, []byte{2, 2}) {
		t.Fatalf("gang 2 on: % X", st)
	}
	if got := catalog.Describe(catalog.SubSwitch, catalog.CodeState, st); got != "state: 2 gangs, gang 1 off, gang 2 on" {
		t.Errorf("describe = %q", got)
	}
	st = r.mustSend(d, catalog.CodeSetGang, "0002", catalog.CodeState) // toggle all
	if !reflect.DeepEqual(st, []byte{2, 1}) {
		t.Fatalf("toggle all: % X", st)
	}
	if got := r.mustSend(d, catalog.CodeSetGang, "0301", catalog.CodeError); got[0] != catalog.ReasonOutOfRange {
		t.Errorf("gang 3 of 2: % X", got)
	}
	if got := r.mustSend(byGangs[3], catalog.CodeSetGang, "0301", catalog.CodeState); got[1]&4 == 0 {
		t.Errorf("gang 3 of 3: % X", got)
	}
	if got := catalog.Describe(catalog.SubSwitch, catalog.CodeState, []byte{1, 1}); got != "state: 1 gang, gang 1 on" {
		t.Errorf("describe = %q", got)
	}
}
