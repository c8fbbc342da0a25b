package timer

import (
	"fmt"
	"testing"

	"acconsole/internal/benchwriters"
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
			benchwriters.Run(b, writers, "adds", func(_, i int) error {
				p := taskParams(plugID, fmt.Sprintf("2027-06-01 %02d:%02d:%02d", i/3600%24, i/60%60, i%60), "day", 70)
				return w.call("addTask", alice, p, []byte{1}).err()
			})
		})
	}
}
