package catalog

import (
	"encoding/hex"
	"strings"
	"testing"
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
				if m.Code < 65 || m.Code > 199 || m.Reply == 0 {
					t.Errorf("%s: command %d out of range or without reply", want[i], m.Code)
				}
				if p.Message(m.Reply, Reply) == nil {
					t.Errorf("%s: command %d answers with undocumented %d", want[i], m.Code, m.Reply)
				}
				if m.Example != "" {
					if r := Validate(m, mustHex(t, m.Example)); r != 0 {
						t.Errorf("%s: example of %d is invalid (reason %d)", want[i], m.Code, r)
					}
				}
			case Reply:
				if m.Code < 100 || m.Code > 127 {
					t.Errorf("%s: reply %d outside 100–127", want[i], m.Code)
				}
			case Report:
				if m.Code < 200 {
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
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
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
				n = m.MinSize()
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
