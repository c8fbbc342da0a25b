package ui

import (
	"strings"
	"testing"
)

func spec(t *testing.T, sub string, code int, dir string) MessageSpec {
	t.Helper()
	for _, m := range productMessages(sub) {
		if m.Code == code && m.Dir == dir {
			return m
		}
	}
	t.Fatalf("%s has no %s %d", sub, dir, code)
	return MessageSpec{}
}

func TestDescribePayloads(t *testing.T) {
	cases := []struct {
		sub  string
		code int
		dir  string
		hex  string
		want string
	}{
		{"plug", 102, DirReply, "01005F00003039", "state: power on, draw 9.5 W, energy 12345 Wh"},
		{"plug", 68, DirCommand, "02", "set power: power toggle"},
		{"plug", 68, DirCommand, "0102", "set power: 01 02 (2 bytes, expected 1)"},
		{"bulb", 71, DirCommand, "0FA0", "set colour temperature: colour temperature 4000 K"},
		{"bulb", 71, DirCommand, "0100", "set colour temperature: colour temperature 256 K (out of 2700–6500)"},
		{"switch", 102, DirReply, "0305", "state: gangs 3, on gang 1+gang 3"},
		{"gateway", 103, DirReply, "01" + "0123456789ABCDEF" + "04" + "01", "sub-devices: count 1, {sub-device id 0123456789ABCDEF, type bulb, link online}"},
		{"gateway", 72, DirCommand, "0123456789ABCDEF45", "forward: sub-device id 0123456789ABCDEF, code 69, payload (none)"},
		{"plug", 127, DirReply, "0244", "error: reason bad payload length, command 68"},
		{"plug", 101, DirReply, "01312D342D32", `info: type plug, firmware "1-4-2"`},
		{"purifier", 203, DirReport, "033200", "upgrade: phase flash, percent 50 %, failure none"},
		{"plug", 69, DirCommand, "", "query state"},
	}
	for _, c := range cases {
		b, err := parseHex(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		if got := describePayload(spec(t, c.sub, c.code, c.dir), b); got != c.want {
			t.Errorf("%s %d %s: %q, want %q", c.sub, c.code, c.hex, got, c.want)
		}
	}
}

func TestParseHexAsTyped(t *testing.T) {
	for in, want := range map[string]string{"01 00 5f": "01005F", "0x0FA0": "0FA0", "de:ad-BE,ef": "DEADBEEF", "": ""} {
		b, err := parseHex(in)
		if err != nil || strings.ReplaceAll(spacedHex(b), " ", "") != want {
			t.Errorf("parseHex(%q) = %X, %v", in, b, err)
		}
	}
	if _, err := parseHex("0F A"); err == nil || !strings.Contains(err.Error(), "odd number") {
		t.Errorf("odd digits: %v", err)
	}
	if _, err := parseHex("zz"); err == nil || !strings.Contains(err.Error(), "not a hex digit") {
		t.Errorf("bad digit: %v", err)
	}
}

func TestSetAndStepFields(t *testing.T) {
	power := spec(t, "plug", 68, DirCommand).Fields[0]
	b, err := setField(nil, power, "on")
	if err != nil || spacedHex(b) != "01" {
		t.Fatalf("power on: %X %v", b, err)
	}
	if _, err := setField(b, power, "sideways"); err == nil || !strings.Contains(err.Error(), "0 off, 1 on, 2 toggle") {
		t.Fatalf("bad enum: %v", err)
	}
	b, _ = stepField(b, power, 1)
	if spacedHex(b) != "02" {
		t.Fatalf("step: %X", b)
	}
	if b2, _ := stepField(b, power, 1); spacedHex(b2) != "02" {
		t.Fatalf("stepped past the last value: %X", b2)
	}
	kelvin := spec(t, "bulb", 71, DirCommand).Fields[0]
	if _, err := setField(nil, kelvin, "9000"); err == nil || !strings.Contains(err.Error(), "out of range 2700–6500 K") {
		t.Fatalf("range: %v", err)
	}
	b, _ = setField(nil, kelvin, "2700 K")
	if spacedHex(b) != "0A 8C" {
		t.Fatalf("kelvin: %X", b)
	}
	b, _ = stepField(b, kelvin, -1) // stays at the minimum
	if spacedHex(b) != "0A 8C" {
		t.Fatalf("below the minimum: %X", b)
	}
	draw := spec(t, "plug", 102, DirReply).Fields[1]
	if b, _ := setField([]byte{1}, draw, "12.5"); spacedHex(b) != "01 00 7D" {
		t.Fatalf("decimals: %X", b)
	}
	on := spec(t, "switch", 102, DirReply).Fields[1]
	if b, err := setField([]byte{3, 0}, on, "gang 1+gang 3"); err != nil || spacedHex(b) != "03 05" {
		t.Fatalf("bits: %X %v", b, err)
	}
	fwd := spec(t, "gateway", 72, DirCommand)
	b, _ = setField(nil, fwd.Fields[0], "0123456789abcdef")
	b, _ = setField(b, fwd.Fields[1], "69")
	b, _ = setField(b, fwd.Fields[2], "01 02")
	if spacedHex(b) != "01 23 45 67 89 AB CD EF 45 01 02" {
		t.Fatalf("forward: %s", spacedHex(b))
	}
}

func TestParseLayoutRefusesNonsense(t *testing.T) {
	for _, bad := range []string{"power u8", "[x] power u8", "[0–1] draw u8", "[0] mode u8: auto, sleep"} {
		if _, _, err := parseLayout(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
