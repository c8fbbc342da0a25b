// Package benchwriters runs one benchmark operation from several
// goroutines at once and reports throughput and latency percentiles over
// every call, so that "1 writer" and "16 writers" are measured the same way
// in every package that compares them.
package benchwriters

import (
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Run calls op(g, i) for i = 0 … b.N-1, spread over writers goroutines (g
// is the goroutine's index), with the benchmark timer on. It fails the
// benchmark if any call failed, and reports unit/s and the p50 and p99 of
// all b.N call latencies in milliseconds.
func Run(b *testing.B, writers int, unit string, op func(g, i int) error) {
	var next, failed atomic.Int64
	var firstErr atomic.Value
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
				t := time.Now()
				err := op(g, i)
				lat[g] = append(lat[g], time.Since(t))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}(g)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d calls failed; the first: %v", n, b.N, firstErr.Load())
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	at := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit+"/s")
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
