package ui

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"acconsole/models"
)

// fleetAPI is a warehouse of 250 devices that notes what the fleet page
// asks: each page's offset and limit, and how many counts.
type fleetAPI struct {
	*fakeAPI
	mu      sync.Mutex
	counts  int
	offsets []int
	limits  []int
}

func (f *fleetAPI) FleetCount(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts++
	return 250, nil
}

func (f *fleetAPI) Fleet(_ context.Context, offset, limit int) ([]models.FleetDevice, error) {
	f.mu.Lock()
	f.offsets = append(f.offsets, offset)
	f.limits = append(f.limits, limit)
	f.mu.Unlock()
	var out []models.FleetDevice
	for i := offset; i < 250 && i < offset+limit; i++ {
		out = append(out, models.FleetDevice{DeviceInfo: models.DeviceInfo{PhysicalDeviceID: fmt.Sprintf("F%015d", i), SubDomainName: "plug", Status: 2}})
	}
	return out, nil
}

// The fleet page turns pages on n and b, 100 devices at a time, asking one
// count and one page per load; it stops at either end without asking.
func TestFleetPageTurnsPagesWithNAndB(t *testing.T) {
	api := &fleetAPI{fakeAPI: newFakeAPI()}
	h := newHarness(t, api, 120, 30)
	h.press(":")
	h.typeText("devices")
	h.press("enter")
	h.must("devices 1–100 of 250")
	h.must("F000000000000000")
	h.press("b")
	h.must("first page")
	h.press("n")
	h.must("devices 101–200 of 250")
	h.must("F000000000000100")
	h.press("n")
	h.must("devices 201–250 of 250")
	h.must("F000000000000200")
	h.press("n")
	h.must("last page")
	h.press("b")
	h.must("devices 101–200 of 250")
	api.mu.Lock()
	defer api.mu.Unlock()
	if fmt.Sprint(api.offsets) != "[0 100 200 100]" || fmt.Sprint(api.limits) != "[100 100 100 100]" {
		t.Fatalf("fleet pages asked at offsets %v limits %v, want [0 100 200 100] and 100 each", api.offsets, api.limits)
	}
	if api.counts != len(api.offsets) {
		t.Fatalf("%d counts for %d pages, want one per load", api.counts, len(api.offsets))
	}
}
