package devices

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"acconsole/cloud/store"
	"acconsole/models"
)

// seedUserDevices binds n plugs to uid straight in the store (one
// transaction) and returns their ids in order.
func seedUserDevices(b *testing.B, e *env, uid int64, n int, prefix string) []int64 {
	b.Helper()
	ctx := context.Background()
	ids := make([]int64, 0, n)
	err := e.db.Tx(ctx, func(tx *sql.Tx) error {
		for i := 0; i < n; i++ {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO dev_devices(domain_id, sub_domain_id, physical_id, name, owner, aes_key, bind_time)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.dom.ID, e.subs[demoPlug].ID, fmt.Sprintf("%s%015d", prefix, i), fmt.Sprintf("plug %d", i), uid, "0123456789abcdef", 1764900000).Scan(&id)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dev_bindings(user_id, device_id, bind_time) VALUES (?, ?, ?)`, uid, id, 1764900000); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkUserDevices5000 is a user with 5 000 devices listed with
// status over loopback HTTP, as the console's user page asks for them
// (the time is the call and its answer's bytes; the benchmark decodes
// after the clock stops).
// One op is one call; p50/p99 come from every op of the run (use many,
// e.g. -benchtime 300x). Target: p99 < 5 ms for a page.
//
//	full:  listDevices without paging (what the console loaded before)
//	page:  listDevices limit 100 from a random afterId (what it loads now)
//	…-after-write: each call right after another user renamed one of
//	       their own devices (untimed), the case a global cache
//	       generation turned into a cold list
func BenchmarkUserDevices5000(b *testing.B) {
	e := newEnv(b)
	uid, other := e.user(1), e.user(2)
	ids := seedUserDevices(b, e, uid, 5000, "U")
	theirs := seedUserDevices(b, e, other, 1, "O")[0]
	if e.db.Dialect == store.Postgres && os.Getenv("ACCONSOLE_BENCH_NO_ANALYZE") == "" {
		// Statistics, as autovacuum gathers them once a tenth of a table
		// changed: a table filled in one go and read at once has none,
		// which a running deployment does not see for long (the 10 M
		// fleet benchmark does the same after its COPY).
		// ACCONSOLE_BENCH_NO_ANALYZE=1 measures the table without them.
		if _, err := e.db.Exec(`ANALYZE dev_devices, dev_bindings, dev_user_counts`); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mode := range []string{"full", "full-after-write", "page", "page-after-write"} {
		b.Run(mode, func(b *testing.B) {
			paged := mode == "page" || mode == "page-after-write"
			write := mode == "full-after-write" || mode == "page-after-write"
			ds := make([]time.Duration, 0, b.N)
			runtime.GC()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := map[string]any{"status": true}
				want := 5000
				if paged {
					k := rng.IntN(len(ids) - 100)
					p["limit"], p["afterId"] = 100, ids[k]
					want = 100
				}
				if write {
					b.StopTimer()
					e.must(e.bind(other, demoPlug, "modifyDevice", map[string]any{"deviceId": theirs, "name": fmt.Sprintf("n%d", i)}, nil))
					b.StartTimer()
				}
				start := time.Now()
				_, body := e.raw(req{method: "listDevices", uid: uid, params: p})
				ds = append(ds, time.Since(start))
				var out struct {
					Devices []models.Device `json:"devices"`
				}
				// A cloud without paging answers the whole list.
				if err := json.Unmarshal(body, &out); err != nil || (len(out.Devices) != want && len(out.Devices) != 5000) {
					b.Fatalf("%d devices, %v: %.200q", len(out.Devices), err, body)
				}
			}
			b.StopTimer()
			latencies(b, ds)
		})
	}
}
