package devices

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// BenchmarkFleetFlat measures what the console's fleet page asks on every
// poll, at 100 000 devices: getDeviceCount and a listDevicesExt page of
// 100, first and last, over loopback HTTP. For comparison it also times,
// straight on the store, a row-by-row COUNT(*) and a LIMIT/OFFSET page at
// the same depth: what the count and the page would cost if they were
// not read from the dense seq numbers (see the schema).
func BenchmarkFleetFlat(b *testing.B) {
	const total = 100000
	e := newEnv(b)
	if err := e.svc.SeedDemo(context.Background(), e.dom.ID, total, 1); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, call func()) {
		call()
		ds := make([]time.Duration, 0, b.N)
		runtime.GC() // the seed's garbage is not the call's cost
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			call()
			ds = append(ds, time.Since(start))
		}
		b.StopTimer()
		latencies(b, ds)
	}
	wire := func(method string, params map[string]any) func() {
		r := req{service: WarehouseService, method: method, params: params}
		return func() { e.raw(r) }
	}
	store := func(q string, args ...any) func() {
		return func() {
			rows, err := e.db.Query(q, args...)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
	}
	b.Run("getDeviceCount", func(b *testing.B) { run(b, wire("getDeviceCount", nil)) })
	b.Run("store-COUNT(*)", func(b *testing.B) {
		run(b, store(`SELECT COUNT(*) FROM dev_warehouse WHERE domain_id = ?`, e.dom.ID))
	})
	b.Run("listDevicesExt-first", func(b *testing.B) { run(b, wire("listDevicesExt", map[string]any{"offset": 0, "limit": 100})) })
	b.Run("listDevicesExt-last", func(b *testing.B) {
		run(b, wire("listDevicesExt", map[string]any{"offset": total - 100, "limit": 100}))
	})
	b.Run("store-OFFSET-last", func(b *testing.B) {
		run(b, store(`SELECT `+whCols+fleetCols+` WHERE w.domain_id = ? ORDER BY w.seq LIMIT 100 OFFSET ?`, e.dom.ID, total-100))
	})
}
