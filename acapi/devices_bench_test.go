package acapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
	"acconsole/models"
)

// reportLatency adds the median and 99th percentile of the calls (in ms)
// to the benchmark's results, so targets read straight off the output.
func reportLatency(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkListDevices500: one user's listDevices (with online status) when
// they have 500 devices, through the client against the local cloud on
// loopback.
func BenchmarkListDevices500(b *testing.B) {
	w := newWorld(b, cloudtest.Options{})
	servicesReady(b, w.env, "zc-bind", "zc-warehouse")
	u := w.person("Many")
	for i := 0; i < 500; i++ {
		w.bound(u, "")
	}
	ctx := context.Background()
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		ds, err := u.c.Bind().ListDevices(ctx, true)
		lat = append(lat, time.Since(start))
		if err != nil || len(ds) != 500 {
			b.Fatalf("listDevices: %d devices, %v", len(ds), err)
		}
	}
	reportLatency(b, lat)
}

// BenchmarkWarehousePages100k: pages of 100 at random offsets over a
// warehouse of 100 000 devices (the demo world), plain and with the fleet
// extension. Target: p99 < 5 ms on loopback.
func BenchmarkWarehousePages100k(b *testing.B) {
	const total = 100_000
	start := time.Now()
	w := newWorld(b, cloudtest.Options{Demo: total})
	servicesReady(b, w.env, "zc-warehouse")
	ctx := context.Background()
	n, err := w.client.Warehouse().GetDeviceCount(ctx, "")
	if err != nil || n < total {
		b.Fatalf("the demo warehouse holds %d devices (%v), want %d", n, err, total)
	}
	b.Logf("seeded %d devices in %v", n, time.Since(start).Round(time.Millisecond))
	for _, ext := range []bool{false, true} {
		name := "listDevices"
		if ext {
			name = "listDevicesExt"
		}
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				// A stride that visits offsets all over the store.
				off := (i * 7919 * 100) % (total - 100)
				i++
				t0 := time.Now()
				var got int
				var err error
				if ext {
					var page []models.FleetDevice
					page, err = w.client.Warehouse().ListDevicesExt(ctx, "", off, 100)
					got = len(page)
				} else {
					var page []models.DeviceInfo
					page, err = w.client.Warehouse().ListDevices(ctx, "", off, 100)
					got = len(page)
				}
				lat = append(lat, time.Since(t0))
				if err != nil || got != 100 {
					b.Fatalf("page at %d: %d rows, %v", off, got, err)
				}
			}
			reportLatency(b, lat)
		})
	}
}

// BenchmarkSendToDeviceSimPlug: a state query (code 69) to a simulated plug
// and its reply, the whole round trip through client, router, hub and the
// simulated device. Target: median < 2 ms.
func BenchmarkSendToDeviceSimPlug(b *testing.B) {
	w := newWorld(b, cloudtest.Options{Demo: 50, Simulate: true})
	servicesReady(b, w.env, "zc-bind", "zc-warehouse")
	ctx := context.Background()
	c, id := simPlug(b, w)
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		r, err := c.Bind().SendToDevice(ctx, "plug", id, "", 69, nil)
		lat = append(lat, time.Since(t0))
		if err != nil || r.Code != 102 {
			b.Fatalf("query state: %+v, %v", r, err)
		}
	}
	reportLatency(b, lat)
}
