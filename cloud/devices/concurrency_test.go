package devices

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"acconsole/models"
)

// Devices activated at the same moment (a gateway's sub-devices added
// together, a factory line) all land in the warehouse, numbered densely
// 1..N per product, on either store: each activation reads the highest
// number and writes the next, as if alone.
func TestConcurrentActivationsNumberDensely(t *testing.T) {
	e := newEnv(t)
	const n = 24
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- e.svc.Activate(context.Background(), e.subs["plug"].ID, models.DeviceInfo{PhysicalDeviceID: fmt.Sprintf("C%015d", i), DevVersion: "1-0-0"})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("activate: %v", err)
		}
	}
	var count, distinct, top int
	if err := e.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT sub_seq), COALESCE(MAX(sub_seq), 0) FROM dev_warehouse WHERE sub_domain_id = ?`, e.subs["plug"].ID).
		Scan(&count, &distinct, &top); err != nil {
		t.Fatal(err)
	}
	if count != n || distinct != n || top != n {
		t.Fatalf("%d devices, %d distinct numbers, highest %d; want %d, numbered 1..%d", count, distinct, top, n, n)
	}
}
