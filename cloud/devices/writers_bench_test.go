package devices

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBindWriters is bindDevice over loopback HTTP by one writer and
// by 16 at once, each bind a fresh device of its own user, on the store the
// tests run on (SQLite, or PostgreSQL with ACCONSOLE_TEST_POSTGRES). It
// reports throughput and the latency of every call (p50, p99 over all b.N
// calls); run it with a fixed count such as -benchtime 2000x so that both
// cases do the same work.
func BenchmarkBindWriters(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			e := newEnv(b)
			uids := make([]int64, writers)
			for i := range uids {
				uids[i] = e.user(i + 1)
			}
			for i := 0; i < b.N; i++ {
				e.activate("plug", fmt.Sprintf("W%015d", i))
			}
			var next atomic.Int64
			var failed atomic.Int64
			lat := make([][]time.Duration, writers)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for g := 0; g < writers; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						t := time.Now()
						a := e.do(req{method: "bindDevice", sub: "plug", uid: uids[g], params: map[string]any{"physicalDeviceId": fmt.Sprintf("W%015d", i), "name": "w"}}, nil)
						lat[g] = append(lat[g], time.Since(t))
						if a != nil {
							failed.Add(1)
						}
					}
				}(g)
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d binds failed", n, b.N)
			}
			var all []time.Duration
			for _, l := range lat {
				all = append(all, l...)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "binds/s")
			latencies(b, all)
		})
	}
}
