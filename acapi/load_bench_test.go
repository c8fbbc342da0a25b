package acapi_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"acconsole/acapi"
	"acconsole/cloud"
	"acconsole/cloud/store/storetest"
	"acconsole/models"
)

// loadInstance starts a local cloud on loopback whose data lives at store
// ("" = the SQLite file in dir; otherwise a PostgreSQL location), whatever
// ACCONSOLE_TEST_POSTGRES says, so that one run compares both stores.
func loadInstance(b *testing.B, dir, store string) (*cloud.Server, string) {
	b.Helper()
	srv, err := cloud.Open(context.Background(), cloud.Options{DataDir: dir, Store: store, BcryptCost: bcrypt.MinCost})
	if err != nil {
		b.Fatalf("open cloud: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		b.Fatalf("listen: %v", err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { srv.Close() })
	return srv, "http://" + ln.Addr().String()
}

// loadClient is a developer client of the instance at url, with a
// connection pool wide enough for every concurrent client to keep its
// connection.
func loadClient(b *testing.B, srv *cloud.Server, url string) *acapi.Client {
	b.Helper()
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	cl, err := acapi.New(acapi.Config{
		Routers: []string{url}, DeveloperID: srv.Developer.ID,
		AccessKey: srv.Developer.AccessKey, SecretKey: srv.Developer.SecretKey,
		MajorDomain: srv.Domain.Name, Operator: "load", HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute},
	})
	if err != nil {
		b.Fatal(err)
	}
	return cl
}

// loadUser is one of the concurrent clients: a registered user with a few
// bound plugs, acting through one instance.
type loadUser struct {
	id      int64
	c       *acapi.Client // the user, through its instance
	dev     *acapi.Client // the developer, through the same instance
	devices []int64
}

const (
	loadClients       = 64
	loadDevicesPerKey = 4
)

// seedLoad registers the clients' users and binds their plugs through
// the first client; client i then acts through clients[i%len(clients)].
func seedLoad(b *testing.B, clients []*acapi.Client) []*loadUser {
	b.Helper()
	ctx := context.Background()
	admin := clients[0]
	users := make([]*loadUser, loadClients)
	for i := range users {
		phone := fmt.Sprintf("139%08d", i+1)
		acc := admin.Account()
		if err := acc.SendVerifyCode(ctx, phone, 1, 0); err != nil {
			b.Fatalf("sendVerifyCode: %v", err)
		}
		code, err := acc.GetVerifyCode(ctx, phone, 300)
		if err != nil {
			b.Fatalf("getVerifyCode: %v", err)
		}
		u, err := acc.Register(ctx, "", phone, fmt.Sprint("load", i), "pw-123456", code)
		if err != nil {
			b.Fatalf("register: %v", err)
		}
		via := clients[i%len(clients)]
		lu := &loadUser{id: u.UserID, c: via.As(u.UserID), dev: via}
		for j := 0; j < loadDevicesPerKey; j++ {
			pid := fmt.Sprintf("D%03X%012X", i, j)
			if err := admin.Warehouse().ActivateDevice(ctx, "plug", acapi.Activation{PhysicalDeviceID: pid, DevVersion: "1-0-0", ModVersion: "2-0-0", MAC: "02:00:00:00:00:01"}); err != nil {
				b.Fatalf("activateDevice: %v", err)
			}
			d, err := admin.As(u.UserID).Bind().BindDevice(ctx, "plug", pid, fmt.Sprint("plug", j))
			if err != nil {
				b.Fatalf("bindDevice: %v", err)
			}
			lu.devices = append(lu.devices, d.DeviceID)
		}
		users[i] = lu
	}
	return users
}

// mixedOp runs operation k of a client: 8 in 10 are reads (listDevices,
// getUserDevice, listAllAccounts), 2 in 10 writes (modifyDevice rename,
// addTask of a cloud timer a year ahead, so that nothing fires).
func mixedOp(ctx context.Context, u *loadUser, k int, due string) error {
	dev := u.devices[k%len(u.devices)]
	switch k % 10 {
	case 0, 3, 6:
		ds, err := u.c.Bind().ListDevices(ctx, false)
		if err == nil && len(ds) != loadDevicesPerKey {
			err = fmt.Errorf("listDevices: %d devices, want %d", len(ds), loadDevicesPerKey)
		}
		return err
	case 1, 4, 7:
		d, err := u.c.Bind().GetUserDevice(ctx, "plug", dev)
		if err == nil && d.DeviceID != dev {
			err = fmt.Errorf("getUserDevice(%d) answered device %d", dev, d.DeviceID)
		}
		return err
	case 2, 8:
		_, err := u.dev.Account().ListAllAccounts(ctx, 0, 20)
		return err
	case 5:
		return u.c.Bind().ModifyDevice(ctx, "plug", dev, fmt.Sprint("plug-", k))
	default: // 9
		_, err := u.c.Timer().AddTask(ctx, models.TimerTask{DeviceID: dev, TaskFlag: 0, TimeZone: "UTC",
			TimePoint: due, TimeCycle: "once", Name: fmt.Sprint("t", k), MessageCode: 66})
		return err
	}
}

// runMixed: each of the 64 clients runs b.N operations of the mix, all at
// once; the latency of every call is one sample.
func runMixed(b *testing.B, users []*loadUser) float64 {
	ctx := context.Background()
	due := time.Now().UTC().AddDate(1, 0, 0).Format("2006-01-02 15:04:05")
	lats := make([][]time.Duration, len(users))
	var failed atomic.Value
	var wg sync.WaitGroup
	n := b.N
	b.ResetTimer()
	start := time.Now()
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, n)
			for k := 0; k < n; k++ {
				t0 := time.Now()
				err := mixedOp(ctx, u, k+i, due)
				lat = append(lat, time.Since(t0))
				if err != nil {
					failed.CompareAndSwap(nil, fmt.Errorf("client %d op %d: %w", i, k, err))
					return
				}
			}
			lats[i] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	all := slices.Concat(lats...)
	rate := float64(len(all)) / elapsed.Seconds()
	b.ReportMetric(rate, "op/s")
	b.ReportMetric(float64(len(all)), "samples")
	reportLatency(b, all)
	return rate
}

// BenchmarkMixed64: 64 clients at once, each running a mix of 80 % reads
// and 20 % writes against the local cloud over loopback HTTP, on SQLite, on
// PostgreSQL with one instance, and on PostgreSQL with two instances sharing
// the database (clients alternate between the two). b.N is the number of
// operations per client. The PostgreSQL setups need ACCONSOLE_TEST_POSTGRES.
// Throughput ratios to SQLite are logged at the end of the run.
func BenchmarkMixed64(b *testing.B) {
	rates := map[string]float64{}
	run := func(name string, setup func(b *testing.B) []*acapi.Client) {
		var users []*loadUser
		b.Run(name, func(b *testing.B) {
			if users == nil {
				users = seedLoad(b, setup(b))
			}
			rates[name] = runMixed(b, users)
		})
	}
	// Each setup is seeded once, on the sub-benchmark's first call; its
	// servers live until the whole benchmark ends.
	parent := b
	run("sqlite", func(*testing.B) []*acapi.Client {
		srv, url := loadInstance(parent, parent.TempDir(), "")
		return []*acapi.Client{loadClient(parent, srv, url)}
	})
	dsn := storetest.Postgres()
	if dsn == "" {
		b.Logf("PostgreSQL setups skipped: %s names no server", storetest.EnvPostgres)
		return
	}
	run("postgres-1", func(*testing.B) []*acapi.Client {
		srv, url := loadInstance(parent, parent.TempDir(), storetest.FreshSchema(parent, dsn))
		return []*acapi.Client{loadClient(parent, srv, url)}
	})
	run("postgres-2", func(*testing.B) []*acapi.Client {
		dir, loc := parent.TempDir(), storetest.FreshSchema(parent, dsn)
		a, ua := loadInstance(parent, dir, loc)
		c, uc := loadInstance(parent, dir, loc)
		return []*acapi.Client{loadClient(parent, a, ua), loadClient(parent, c, uc)}
	})
	if s := rates["sqlite"]; s > 0 {
		b.Logf("throughput relative to SQLite (%.0f op/s): PostgreSQL one instance %.2f×, two instances %.2f×",
			s, rates["postgres-1"]/s, rates["postgres-2"]/s)
	}
}

// BenchmarkFleetPage10M: the console's fleet page (zc-warehouse/listDevicesExt,
// pages of 100) over a PostgreSQL warehouse of 10 000 000 devices, seeded
// with COPY (pgx CopyFrom) into a fresh schema that is dropped afterwards.
// Sub-benchmarks read the first page and deep pages (past the 5 000 000th
// device, at varying positions). Needs ACCONSOLE_TEST_POSTGRES;
// ACCONSOLE_BENCH_WAREHOUSE may lower the size.
func BenchmarkFleetPage10M(b *testing.B) {
	dsn := storetest.Postgres()
	if dsn == "" {
		b.Skipf("needs PostgreSQL: %s names no server", storetest.EnvPostgres)
	}
	total := 10_000_000
	if v := envInt("ACCONSOLE_BENCH_WAREHOUSE"); v > 0 {
		total = v
	}
	ctx := context.Background()
	loc := storetest.FreshSchema(b, dsn)
	srv, url := loadInstance(b, b.TempDir(), loc)
	cl := loadClient(b, srv, url)
	sd, ok := srv.Platform.SubDomain(ctx, srv.Domain.ID, "plug")
	if !ok {
		b.Fatal("the local cloud has no product \"plug\"")
	}

	conn, err := pgx.Connect(ctx, loc)
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var have int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM dev_warehouse`).Scan(&have); err != nil || have != 0 {
		b.Fatalf("fresh warehouse holds %d rows (%v)", have, err)
	}
	start := time.Now()
	active := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == total {
			return nil, nil
		}
		i++
		return []any{srv.Domain.ID, sd.ID, fmt.Sprintf("%016X", i), int64(i), int64(i), "plug",
			fmt.Sprintf("02:00:%02X:%02X:%02X:%02X", byte(i>>24), byte(i>>16), byte(i>>8), byte(i)),
			"1-0-0", "2-0-0", active + int64(i%86400), int64(0)}, nil
	})
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"dev_warehouse"},
		[]string{"domain_id", "sub_domain_id", "physical_id", "seq", "sub_seq", "type", "mac", "dev_version", "mod_version", "active_time", "last_online"}, src)
	if err != nil || n != int64(total) {
		b.Fatalf("copy: %d rows, %v", n, err)
	}
	copied := time.Since(start)
	if _, err := conn.Exec(ctx, `ANALYZE dev_warehouse`); err != nil {
		b.Fatalf("analyze: %v", err)
	}
	b.Logf("seeded %d warehouse rows with COPY in %v (+ ANALYZE: %v in all)", total, copied.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if got, err := cl.Warehouse().GetDeviceCount(ctx, ""); err != nil || got != int64(total) {
		b.Fatalf("getDeviceCount = %d, %v; want %d", got, err, total)
	}

	page := func(b *testing.B, offset func(k int) int) {
		var lat []time.Duration
		k := 0
		for b.Loop() {
			off := offset(k)
			k++
			t0 := time.Now()
			p, err := cl.Warehouse().ListDevicesExt(ctx, "", off, 100)
			lat = append(lat, time.Since(t0))
			if err != nil || len(p) != 100 || p[0].PhysicalDeviceID != fmt.Sprintf("%016X", off+1) {
				b.Fatalf("page after %d: %d rows, %v", off, len(p), err)
			}
		}
		b.ReportMetric(float64(len(lat)), "samples")
		reportLatency(b, lat)
	}
	b.Run("first", func(b *testing.B) { page(b, func(int) int { return 0 }) })
	b.Run("deep", func(b *testing.B) {
		page(b, func(k int) int { return total/2 + (k*7919*100)%(total/2-100) })
	})
}

// envInt reads a positive integer from the environment (0 when unset or
// not a number).
func envInt(name string) int {
	v, err := strconv.Atoi(os.Getenv(name))
	if err != nil || v < 0 {
		return 0
	}
	return v
}
