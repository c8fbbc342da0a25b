package account_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"acconsole/cloud/account"
)

// seedUsers writes n accounts straight into the store (one transaction, no
// hashing), and their count, as the migration would.
func seedUsers(b *testing.B, e *env, n int) {
	b.Helper()
	start := time.Now()
	ctx := context.Background()
	err := e.db.Tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO account_users(domain_id, email, phone, nick_name, create_time) VALUES (1, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := 0; i < n; i++ {
			if _, err := st.ExecContext(ctx, fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("139%08d", i), fmt.Sprintf("user %d", i), 1764900000+i); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO account_user_counts(domain_id, n) SELECT domain_id, COUNT(*) FROM account_users GROUP BY domain_id
			ON CONFLICT (domain_id) DO UPDATE SET n = excluded.n`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d users in %v", n, time.Since(start).Round(time.Millisecond))
}

// percentiles reports p50 and p99 (ms) of many timed calls.
func percentiles(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	at := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(len(ds)), "samples")
}

// BenchmarkUsersPage1M is what the console's users page asks of the cloud
// on each load, with 1 000 000 accounts in SQLite, at random depths, over
// the router in-process (signed HTTP requests on loopback). One op is one
// page load; p50/p99 come from every op of the run (use many ops, e.g.
// -benchtime 2000x). Target: p99 < 5 ms.
//
//	keyset: getAccountCount (the maintained count) + listAllAccounts afterId
//	offset: the former load, COUNT(*) over the domain's accounts (run on the
//	        store directly) + listAllAccounts offset (still served)
func BenchmarkUsersPage1M(b *testing.B) {
	const n = 1_000_000
	e := newEnv(b, account.Options{})
	seedUsers(b, e, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mode := range []string{"keyset", "offset"} {
		b.Run(mode, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			runtime.GC()
			b.ResetTimer()
			for range b.N {
				at := rng.IntN(n - 100)
				t0 := time.Now()
				var page map[string]any
				if mode == "keyset" {
					if c := e.dev("getAccountCount", nil).must(b, "count")["count"]; num(b, c) != n {
						b.Fatalf("count %v", c)
					}
					page = e.dev("listAllAccounts", map[string]any{"afterId": at, "limit": 100}).must(b, "page")
				} else {
					var c int64
					if err := e.db.QueryRow(`SELECT COUNT(*) FROM account_users WHERE domain_id = ?`, 1).Scan(&c); err != nil || c != n {
						b.Fatalf("count %d %v", c, err)
					}
					page = e.dev("listAllAccounts", map[string]any{"offset": at, "limit": 100}).must(b, "page")
				}
				ds = append(ds, time.Since(t0))
				if len(page["accounts"].([]any)) != 100 {
					b.Fatalf("page at %d: %d accounts", at, len(page["accounts"].([]any)))
				}
			}
			b.StopTimer()
			percentiles(b, ds)
		})
	}
}
