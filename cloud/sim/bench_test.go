package sim

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud/hub"
	"acconsole/internal/clock"
)

// BenchmarkSendPlug is the in-process part of sendToDevice: hub.Send to a
// simulated plug and back (the HTTP part is measured with the router).
func BenchmarkSendPlug(b *testing.B) {
	h := hub.New(nil)
	f := NewFleet(h, Options{TelemetryEvery: Off})
	defer f.Close()
	d, _ := f.Add(catalog.SubPlug, "P000000000000001", "")
	ctx := context.Background()
	payload := []byte{2} // toggle: a state change and a 201 report each time
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, _, err := h.Send(ctx, d.Key(), catalog.CodeSetPower, payload, time.Second); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "median-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkFleetIdle100k builds a fleet of 100 000 devices (telemetry every
// 30 s, 2 % churn) and runs it for simulated time: each iteration is one
// telemetry interval. It reports the heap per device (fleet and hub
// together), the goroutines the fleet added, and the CPU that one interval
// costs as a share of one core.
func BenchmarkFleetIdle100k(b *testing.B) {
	const n = 100_000
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()

	clock := clock.NewFake(t0)
	h := hub.New(clock.Now)
	f := NewFleet(h, Options{Clock: clock, Seed: 1, Churn: 0.02})
	defer f.Close()
	subs := []string{catalog.SubPlug, catalog.SubPurifier, catalog.SubBulb, catalog.SubDoorSensor, catalog.SubSwitch, catalog.SubGateway}
	for i := 0; i < n; i++ {
		if _, err := f.Add(subs[i%len(subs)], fmt.Sprintf("%016X", uint64(i)), ""); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perDevice := float64(after.HeapAlloc-before.HeapAlloc) / n
	extra := runtime.NumGoroutine() - goroutines
	if p := clock.Pending(); p != 1 {
		b.Fatalf("%d timers for the fleet", p)
	}

	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		clock.Advance(DefaultTelemetryEvery)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	perInterval := elapsed / time.Duration(b.N)
	// Reported after ResetTimer, which deletes metrics reported before it.
	b.ReportMetric(perDevice, "bytes/device")
	b.ReportMetric(float64(extra), "goroutines")
	b.ReportMetric(100*perInterval.Seconds()/DefaultTelemetryEvery.Seconds(), "%core")
}
