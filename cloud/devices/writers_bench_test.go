package devices

import (
	"fmt"
	"testing"

	"acconsole/internal/benchwriters"
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
			benchwriters.Run(b, writers, "binds", func(g, i int) error {
				if a := e.do(req{method: "bindDevice", sub: "plug", uid: uids[g], params: map[string]any{"physicalDeviceId": fmt.Sprintf("W%015d", i), "name": "w"}}, nil); a != nil {
					return a
				}
				return nil
			})
		})
	}
}
