package sim

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"acconsole/catalog"
)

// checkReply runs one command against a device of every product and checks
// the answer's shape; it must never panic.
func checkReply(t *testing.T, r *rig, devs []*Device, code int, payload []byte) {
	for _, d := range devs {
		sub := d.Key().SubDomain
		rc, reply, err := d.Deliver(context.Background(), code, payload)
		if err != nil {
			t.Fatalf("%s %d % X: %v", sub, code, payload, err)
		}
		p := products[sub]
		switch {
		case rc == catalog.CodeError:
			if len(reply) != 2 || reply[1] != byte(code) || reply[0] < 1 || strings.HasPrefix(catalog.ReasonName(int(reply[0])), "unknown (") {
				t.Fatalf("%s %d % X: error reply % X", sub, code, payload, reply)
			}
		case p.Message(code, catalog.Command) == nil || p.Message(code, catalog.Command).Reply != rc:
			t.Fatalf("%s %d % X: reply code %d", sub, code, payload, rc)
		}
		m := p.Message(rc, catalog.Reply)
		if n := m.Size(); n >= 0 && len(reply) != n {
			t.Fatalf("%s %d: reply %d has %d bytes, want %d", sub, code, rc, len(reply), n)
		}
		for _, s := range []string{catalog.Describe(sub, code, payload), catalog.Describe(sub, rc, reply)} {
			if !utf8.ValidString(s) {
				t.Fatalf("description is not UTF-8: %q", s)
			}
			for _, c := range s {
				if c < 0x20 || c == 0x7f {
					t.Fatalf("control character in description %q", s)
				}
			}
		}
	}
}

func fuzzRig(t *testing.T) (*rig, []*Device) {
	r := newRig(t, Options{})
	var devs []*Device
	for i, sub := range productOrder {
		devs = append(devs, r.add(sub, "F00000000000000"+string(rune('0'+i))))
	}
	// The gateway gets sub-devices so that forwards reach someone.
	gw := devs[2]
	for _, c := range Candidates(gw.Key().PhysicalID, 3) {
		if _, err := r.fleet.AddSubDevice(gw.Key(), c.SubDomain, c.PhysicalID, ""); err != nil {
			t.Fatal(err)
		}
	}
	return r, devs
}

// TestPayloadsNeverPanic throws random and edge-case payloads at every
// product (go test runs this; FuzzDeliver explores further with -fuzz).
func TestPayloadsNeverPanic(t *testing.T) {
	r, devs := fuzzRig(t)
	rng := rand.New(rand.NewPCG(1, 2))
	gw := devs[2]
	subs := gw.SubDevices()
	for i := 0; i < 20000; i++ {
		code := 65 + rng.IntN(135)
		n := rng.IntN(12)
		if rng.IntN(10) == 0 {
			n = rng.IntN(300)
		}
		p := make([]byte, n)
		for j := range p {
			p[j] = byte(rng.UintN(256))
		}
		if code == catalog.CodeForward && n >= 9 && rng.IntN(2) == 0 {
			copy(p, mustHex(t, subs[rng.IntN(len(subs))].PhysicalID))
			p[8] = byte(65 + rng.IntN(10))
		}
		checkReply(t, r, devs, code, p)
	}
	for _, sub := range productOrder {
		for code := 0; code < 300; code++ {
			for _, p := range [][]byte{nil, {0}, {255}, {255, 255}, make([]byte, 9), make([]byte, 64)} {
				_ = catalog.Describe(sub, code, p)
			}
		}
	}
}

func FuzzDeliver(f *testing.F) {
	f.Add(68, []byte{1})
	f.Add(72, []byte{0, 0, 0, 0, 0, 0, 0, 0, 69})
	f.Add(71, []byte{0x0f, 0xa0})
	f.Add(70, []byte{})
	f.Fuzz(func(t *testing.T, code int, payload []byte) {
		if code < 65 || code > 199 {
			return // the hub refuses these before any device sees them
		}
		r, devs := fuzzRig(t)
		checkReply(t, r, devs, code, payload)
	})
}

func FuzzDescribe(f *testing.F) {
	f.Add("plug", 102, []byte{1, 0, 125, 0, 0, 4, 210})
	f.Add("gateway", 103, []byte{1, 1, 2, 3, 4, 5, 6, 7, 8, 4, 1})
	f.Add("gateway", 104, []byte{1, 2, 3, 4, 5, 6, 7, 8, 102})
	f.Fuzz(func(t *testing.T, sub string, code int, payload []byte) {
		s := catalog.Describe(sub, code, payload)
		if !utf8.ValidString(s) {
			t.Fatalf("not UTF-8: %q", s)
		}
	})
}
