package devices

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"acconsole/models"
)

// The fleet page's paging and count after a demo seed and activations
// over HTTP: a page at any offset is the same slice of the whole walk
// (the offset is the dense seq, an index seek, not rows skipped), the
// newest activations come last in the order they were made, and the count
// is exact after each activation, a repeated one included.
func TestFleetPagesAndCountAfterSeedAndActivations(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.SeedDemo(context.Background(), e.dom.ID, 500, 1); err != nil {
		t.Fatal(err)
	}
	count := func(sub string) int64 {
		var c map[string]int64
		e.must(e.wh("getDeviceCount", sub, nil, &c))
		return c["count"]
	}
	page := func(sub string, off, limit int) []string {
		var p struct {
			Devices []models.FleetDevice `json:"devices"`
		}
		e.must(e.wh("listDevicesExt", sub, map[string]any{"offset": off, "limit": limit}, &p))
		ids := []string{}
		for _, d := range p.Devices {
			ids = append(ids, d.SubDomainName+"/"+d.PhysicalDeviceID)
		}
		return ids
	}
	seeded := count("")
	if seeded != 500 {
		t.Fatalf("count after seeding 500 devices: %d", seeded)
	}
	var activated []string
	plugsBefore := count("plug")
	for i := 0; i < 30; i++ {
		sub := []string{"plug", "bulb"}[i%2]
		pid := fmt.Sprintf("FL%014d", i)
		e.activate(sub, pid)
		activated = append(activated, sub+"/"+pid)
		if got := count(""); got != seeded+int64(i)+1 {
			t.Fatalf("after %d activations: count %d, want %d", i+1, got, seeded+int64(i)+1)
		}
	}
	e.activate("plug", "FL00000000000000") // again: still one device
	if got := count(""); got != 530 {
		t.Fatalf("after a repeated activation: count %d, want 530", got)
	}
	if got := count("plug"); got != plugsBefore+15 {
		t.Fatalf("plug count %d, want %d", got, plugsBefore+15)
	}

	all := page("", 0, 1000)
	if len(all) != 530 {
		t.Fatalf("one page of 1000: %d devices, want 530", len(all))
	}
	if !slices.Equal(all[500:], activated) {
		t.Fatalf("newest devices %v, want %v", all[500:], activated)
	}
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("%s listed twice", id)
		}
		seen[id] = true
	}
	var walk []string
	for off := 0; ; off += 100 {
		p := page("", off, 100)
		walk = append(walk, p...)
		if len(p) < 100 {
			break
		}
	}
	if !slices.Equal(walk, all) {
		t.Fatalf("walk by pages of 100 differs from the whole list")
	}
	for _, off := range []int{0, 1, 99, 250, 429, 529, 530, 600} {
		want := all[min(off, len(all)):min(off+100, len(all))]
		if got := page("", off, 100); !slices.Equal(got, want) {
			t.Fatalf("offset %d: %d devices, want %d (%v…)", off, len(got), len(want), got[:min(3, len(got))])
		}
	}
	// A product's pages are its own slice, in the same order.
	var plugs []string
	for _, id := range all {
		if len(id) > 5 && id[:5] == "plug/" {
			plugs = append(plugs, id)
		}
	}
	if got := page("plug", 10, 1000); !slices.Equal(got, plugs[10:]) {
		t.Fatalf("plug pages from offset 10: %d devices, want %d", len(got), len(plugs)-10)
	}
	wantCode(t, e.wh("listDevicesExt", "", map[string]any{"offset": -1, "limit": 100}, nil), 3002)
	wantCode(t, e.wh("listDevicesExt", "", map[string]any{"offset": 0, "limit": 1001}, nil), 3002)
}
