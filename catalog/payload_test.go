package catalog

import (
	"strings"
	"testing"
)

func spec(t *testing.T, sub string, code int, dir Direction) Message {
	t.Helper()
	for _, m := range Messages(sub) {
		if m.Code == code && m.Dir == dir {
			return m
		}
	}
	t.Fatalf("%s has no %s %d", sub, dir, code)
	return Message{}
}

// Explain, Set and Step against hand-written payloads (the product
// reference's byte layouts).
func TestExplainPayloads(t *testing.T) {
	cases := []struct {
		sub  string
		code int
		dir  Direction
		hex  string
		want string
	}{
		{"plug", 102, Reply, "01005F00003039", "state: power on, draw 9.5 W, energy 12345 Wh"},
		{"plug", 68, Command, "02", "set power: power toggle"},
		{"plug", 68, Command, "0102", "set power: 01 02 (2 bytes, expected 1)"},
		{"bulb", 71, Command, "0FA0", "set colour temperature: colour temperature 4000 K"},
		{"bulb", 71, Command, "0100", "set colour temperature: colour temperature 256 K (out of 2700–6500)"},
		{"switch", 102, Reply, "0305", "state: gangs 3, on gang 1+gang 3"},
		{"gateway", 103, Reply, "01" + "0123456789ABCDEF" + "04" + "01", "sub-devices: count 1, {sub-device id 0123456789ABCDEF, type bulb, link online}"},
		{"gateway", 72, Command, "0123456789ABCDEF45", "forward: sub-device id 0123456789ABCDEF, code 69, payload (none)"},
		{"plug", 127, Reply, "0244", "error: reason bad payload length, command 68"},
		{"plug", 101, Reply, "01312D342D32", `info: type plug, firmware "1-4-2"`},
		{"purifier", 203, Report, "033200", "upgrade progress: phase flash, percent 50 %, failure none"},
		{"plug", 69, Command, "", "query state"},
	}
	for _, c := range cases {
		b, err := ParseHex(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		if got := spec(t, c.sub, c.code, c.dir).Explain(b); got != c.want {
			t.Errorf("%s %d %s: %q, want %q", c.sub, c.code, c.hex, got, c.want)
		}
	}
}

func TestParseHexAsTyped(t *testing.T) {
	for in, want := range map[string]string{"01 00 5f": "01005F", "0x0FA0": "0FA0", "de:ad-BE,ef": "DEADBEEF", "": ""} {
		b, err := ParseHex(in)
		if err != nil || strings.ReplaceAll(SpacedHex(b), " ", "") != want {
			t.Errorf("ParseHex(%q) = %X, %v", in, b, err)
		}
	}
	if _, err := ParseHex("0F A"); err == nil || !strings.Contains(err.Error(), "odd number") {
		t.Errorf("odd digits: %v", err)
	}
	if _, err := ParseHex("zz"); err == nil || !strings.Contains(err.Error(), "not a hex digit") {
		t.Errorf("bad digit: %v", err)
	}
}

func TestSetAndStepFields(t *testing.T) {
	power := spec(t, "plug", 68, Command).Fields[0]
	b, err := power.Set(nil, "on")
	if err != nil || SpacedHex(b) != "01" {
		t.Fatalf("power on: %X %v", b, err)
	}
	if _, err := power.Set(b, "sideways"); err == nil || !strings.Contains(err.Error(), "0 off, 1 on, 2 toggle") {
		t.Fatalf("bad enum: %v", err)
	}
	b, _ = power.Step(b, 1)
	if SpacedHex(b) != "02" {
		t.Fatalf("step: %X", b)
	}
	if b2, _ := power.Step(b, 1); SpacedHex(b2) != "02" {
		t.Fatalf("stepped past the last value: %X", b2)
	}
	kelvin := spec(t, "bulb", 71, Command).Fields[0]
	if _, err := kelvin.Set(nil, "9000"); err == nil || !strings.Contains(err.Error(), "out of range 2700–6500 K") {
		t.Fatalf("range: %v", err)
	}
	b, _ = kelvin.Set(nil, "2700 K")
	if SpacedHex(b) != "0A 8C" {
		t.Fatalf("kelvin: %X", b)
	}
	b, _ = kelvin.Step(b, -1) // stays at the minimum
	if SpacedHex(b) != "0A 8C" {
		t.Fatalf("below the minimum: %X", b)
	}
	draw := spec(t, "plug", 102, Reply).Fields[1]
	if b, _ := draw.Set([]byte{1}, "12.5"); SpacedHex(b) != "01 00 7D" {
		t.Fatalf("decimals: %X", b)
	}
	on := spec(t, "switch", 102, Reply).Fields[1]
	if b, err := on.Set([]byte{3, 0}, "gang 1+gang 3"); err != nil || SpacedHex(b) != "03 05" {
		t.Fatalf("bits: %X %v", b, err)
	}
	fwd := spec(t, "gateway", 72, Command)
	b, _ = fwd.Fields[0].Set(nil, "0123456789abcdef")
	b, _ = fwd.Fields[1].Set(b, "69")
	b, _ = fwd.Fields[2].Set(b, "01 02")
	if SpacedHex(b) != "01 23 45 67 89 AB CD EF 45 01 02" {
		t.Fatalf("forward: %s", SpacedHex(b))
	}
}
