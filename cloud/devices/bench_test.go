package devices

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
	"time"

	"acconsole/models"
)

// BenchmarkSeedDemo100k seeds the 100 000-device demo world (target: well
// under a minute on 2 cores).
func BenchmarkSeedDemo100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		b.StartTimer()
		start := time.Now()
		if err := e.svc.SeedDemo(context.Background(), e.dom.ID, 100000, 1); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/seed")
	}
}

// latencies reports p50 and p99 of the timed calls in milliseconds.
func latencies(b *testing.B, ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) float64 {
		return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkListDevices500 is listDevices (with status) over loopback HTTP
// for a user with 500 devices; target p99 < 5 ms.
func BenchmarkListDevices500(b *testing.B) {
	e := newEnv(b)
	uid := e.user(1)
	for i := 0; i < 500; i++ {
		pid := fmt.Sprintf("L%015d", i)
		e.activate("plug", pid)
		e.bindDev(uid, "plug", pid)
	}
	r := req{method: "listDevices", uid: uid, params: map[string]any{"status": true}}
	var out struct {
		Devices []models.Device `json:"devices"`
	}
	if err := e.do(r, &out); err != nil || len(out.Devices) != 500 {
		b.Fatalf("%d devices, %v", len(out.Devices), err)
	}
	ds := make([]time.Duration, 0, b.N)
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e.raw(r)
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	latencies(b, ds)
}

// BenchmarkWarehousePages pages through 100 000 devices 100 at a time at
// random offsets, over loopback HTTP; target p99 < 5 ms.
func BenchmarkWarehousePages(b *testing.B) {
	e := newEnv(b)
	if err := e.svc.SeedDemo(context.Background(), e.dom.ID, 100000, 1); err != nil {
		b.Fatal(err)
	}
	for _, m := range []struct{ method, sub string }{{"listDevices", ""}, {"listDevices", "plug"}, {"listDevicesExt", ""}} {
		b.Run(m.method+"/"+m.sub, func(b *testing.B) {
			total := 100000
			if m.sub != "" {
				var c map[string]int64
				e.must(e.wh("getDeviceCount", m.sub, nil, &c))
				total = int(c["count"])
			}
			rng := rand.New(rand.NewPCG(1, 2))
			ds := make([]time.Duration, 0, b.N)
			runtime.GC() // the seed's garbage is not the page's cost
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				off := rng.IntN(total - 100)
				r := req{service: WarehouseService, method: m.method, sub: m.sub, params: map[string]any{"offset": off, "limit": 100}}
				start := time.Now()
				e.raw(r)
				ds = append(ds, time.Since(start))
			}
			b.StopTimer()
			latencies(b, ds)
		})
	}
}

// BenchmarkOnlineFlush100k: 100 000 devices come online at once (the
// simulation's start); one flush writes their online times.
func BenchmarkOnlineFlush100k(b *testing.B) {
	e := newEnv(b)
	if err := e.svc.SeedDemo(context.Background(), e.dom.ID, 100000, 1); err != nil {
		b.Fatal(err)
	}
	var keys []struct{ sub, pid string }
	err := e.svc.WarehouseDevices(context.Background(), func(info models.DeviceInfo, sub string) error {
		keys = append(keys, struct{ sub, pid string }{sub, info.PhysicalDeviceID})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ep := &fakeDevice{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for _, k := range keys {
			e.hub.Connect(hubKey(k.sub, k.pid), ep, "10.0.0.1")
		}
		e.clock.Advance(time.Second)
		b.StartTimer()
		start := time.Now()
		e.svc.Flush()
		b.ReportMetric(time.Since(start).Seconds(), "s/flush")
	}
}
