package catalog

import (
	"testing"
	"time"
)

// The gateway's state report 01 00FE 03 (PRODUCTS.md: permit join open,
// 254 s remaining, 3 sub-devices) read through the fields marked for the
// pairing window, as the console reads a gateway's window.
func TestPairingWindowFields(t *testing.T) {
	open, remaining, ok := PairingWindow("gateway")
	if !ok {
		t.Fatal("the gateway has no pairing window")
	}
	report := []byte{0x01, 0x00, 0xFE, 0x03}
	ob, ok1 := open.Bytes(report)
	rb, ok2 := remaining.Bytes(report)
	if !ok1 || !ok2 || len(ob) != 1 || ob[0] != 1 {
		t.Fatalf("open % X (%v), remaining % X (%v)", ob, ok1, rb, ok2)
	}
	if d, ok := remaining.Duration(rb); !ok || d != 254*time.Second {
		t.Fatalf("remaining = %v, %v; want 254s", d, ok)
	}
	for _, sub := range []string{"plug", "bulb", "switch", "kettle"} {
		if _, _, ok := PairingWindow(sub); ok {
			t.Errorf("%s has a pairing window", sub)
		}
	}
}

func TestFieldDurationUnits(t *testing.T) {
	for _, c := range []struct {
		f    Field
		raw  []byte
		want time.Duration
		ok   bool
	}{
		{Field{Size: 2, Kind: KindUint, Unit: "s"}, []byte{0x01, 0x2C}, 300 * time.Second, true},
		{Field{Size: 2, Kind: KindUint, Unit: "ms"}, []byte{0x01, 0xF4}, 500 * time.Millisecond, true},
		{Field{Size: 1, Kind: KindUint, Unit: "%"}, []byte{50}, 0, false},
		{Field{Size: 1, Kind: KindEnum, Unit: "s"}, []byte{1}, 0, false},
	} {
		if got, ok := c.f.Duration(c.raw); got != c.want || ok != c.ok {
			t.Errorf("%+v % X: %v %v, want %v %v", c.f, c.raw, got, ok, c.want, c.ok)
		}
	}
}
