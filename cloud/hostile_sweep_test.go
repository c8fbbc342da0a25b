package cloud_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
	"acconsole/cloud/rpc"
	"acconsole/cloud/rpc/rpctest"
)

// TestHostileSweep sends every method of the dispatch table (the registry
// itself, every service: accounts, devices, homes, timers, OTA, warehouse,
// products, device-history) every kind of wrong value for every key, with
// every other key pointed at user A's things:
//   - each answer is a protocol answer, never a 500, a panic or an internal
//     error (3000), so that a person gets a message to act on;
//   - a second user, B, never succeeds with A's things, nonsense or not, for
//     a method whose rule keeps A's things from others;
//   - nonsense in every id a method could name a thing by is an error for
//     those methods: there is nothing to act on.
func TestHostileSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("long sweep: leave out with -short")
	}
	c := cloudtest.Start(t, cloudtest.Options{})
	m := &matrix{t: t, c: c, hc: &http.Client{Timeout: 30 * time.Second}, seq: new(atomic.Int64),
		dev: rpctest.Developer{ID: c.Developer.ID, AccessKey: c.Developer.AccessKey, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name}}
	t.Cleanup(m.hc.CloseIdleConnections)
	keys := append(append([]string{}, resourceKeys...), "name", "account", "userId", "timeout", "status", "limit",
		"deviceProfile", "messageCode", "timePoint", "timeCycle", "physicalDeviceIds")
	values := []any{nil, -1, 1.5, []any{}, map[string]any{}, strings.Repeat("é", 300) + "\x00\x1b[2J", "9223372036854775808"}
	if raceDetector {
		values = values[:3]
	}
	services := map[string]bool{}
	for _, row := range c.DispatchTable() {
		services[row.Service] = true
		row := row
		t.Run(row.Service+"/"+row.Name, func(t *testing.T) {
			m := *m
			m.t = t
			w := m.newWorld()
			who := idUserA
			switch row.Method.Auth {
			case rpc.AuthAnon:
				who = idAnon
			case rpc.AuthDev:
				who = idDevA
			}
			guarded := row.Method.Rule == rpc.RuleBound || row.Method.Rule == rpc.RuleOwner
			internal := func(a answer, what string) {
				if !a.ok && a.code == 3000 {
					t.Errorf("%s: internal error %s", what, a)
				}
			}
			for _, k := range keys {
				resource := false
				for _, r := range resourceKeys {
					resource = resource || r == k
				}
				for _, v := range values {
					p := params(row, w, all("A"))
					p[k] = v
					what := fmt.Sprintf("%s=%.40v as %s", k, v, who)
					internal(m.call(row, who, w, p), what)
					if guarded && resource {
						b := m.call(row, idUserB, w, p)
						internal(b, what+" (user B)")
						if b.ok {
							t.Errorf("user B with A's things and %s=%.40v: succeeded", k, v)
						}
					}
				}
			}
			if !guarded {
				return
			}
			for _, v := range values {
				p := params(row, w, all("A"))
				for _, k := range resourceKeys {
					p[k] = v
				}
				if a := m.call(row, who, w, p); a.ok {
					t.Errorf("every id set to %.40v: succeeded, want an error", v)
				}
			}
		})
	}
	for _, s := range []string{"zc-account", "zc-bind", "zc-warehouse", "zc-product", "zc-timer-task", "zc-ota", "device-history"} {
		if !services[s] {
			t.Errorf("the sweep did not reach %s", s)
		}
	}
}
