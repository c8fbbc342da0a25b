package timer

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAddTaskWriters is addTask over loopback HTTP by one writer and
// by 16 at once, on the store the tests run on (SQLite, or PostgreSQL with
// ACCONSOLE_TEST_POSTGRES). It reports throughput and the latency of every
// call (p50, p99 over all b.N calls); run it with a fixed count such as
// -benchtime 2000x so that both cases do the same work.
func BenchmarkAddTaskWriters(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			w := newWorld(b, Options{})
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
						i := int(next.Add(1) - 1)
						if i >= b.N {
							return
						}
						p := taskParams(plugID, fmt.Sprintf("2027-06-01 %02d:%02d:%02d", i/3600%24, i/60%60, i%60), "day", 70)
						t := time.Now()
						a := w.call("addTask", alice, p, []byte{1})
						lat[g] = append(lat[g], time.Since(t))
						if a.code != 0 {
							failed.Add(1)
						}
					}
				}(g)
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d addTask calls failed", n, b.N)
			}
			var all []time.Duration
			for _, l := range lat {
				all = append(all, l...)
			}
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			at := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "adds/s")
			b.ReportMetric(at(0.50), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
		})
	}
}
