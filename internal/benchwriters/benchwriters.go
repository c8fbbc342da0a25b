// Package benchwriters runs one benchmark operation from several
// goroutines at once and reports throughput and latency percentiles over
// every call, so that "1 writer" and "16 writers" are measured the same way
// in every package that compares them.
package benchwriters

import (
	"os"
	"sort"
	"strconv"
	"strings"
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
	cpu0, cpuOK := machineCPU()
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
	cpu1, cpuOK1 := machineCPU()
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
	if cpuOK && cpuOK1 && cpu1.total > cpu0.total {
		// How much of the machine the run kept busy (clients, cloud and
		// database together when they share it): a run that already
		// keeps it busy with one writer cannot gain much from sixteen.
		b.ReportMetric(100*float64(cpu1.busy-cpu0.busy)/float64(cpu1.total-cpu0.total), "machine-busy-%")
	}
}

// cpuTimes are the machine's CPU times in clock ticks, summed over its
// cores.
type cpuTimes struct{ busy, total uint64 }

// machineCPU reads the machine's CPU times from /proc/stat (Linux); ok is
// false where there is none.
func machineCPU() (t cpuTimes, ok bool) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return t, false
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return t, false
	}
	// user nice system idle iowait irq softirq steal: idle and iowait are
	// the idle ones. The guest times after them are counted in user and
	// nice already.
	for i, f := range fields[1:9] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return t, false
		}
		t.total += v
		if i != 3 && i != 4 {
			t.busy += v
		}
	}
	return t, true
}
