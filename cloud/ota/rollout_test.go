package ota

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"acconsole/cloud/hub"
	"acconsole/models"
)

// countingUpgrader runs upgrades driven by the test and counts those
// started and not yet told to end, keeping the highest count seen.
type countingUpgrader struct {
	mu      sync.Mutex
	chans   map[string]chan Progress
	running map[string]bool
	most    int
	started int
}

func (u *countingUpgrader) StartUpgrade(k hub.Key, _ int, _ string) (<-chan Progress, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	ch := make(chan Progress, 8)
	u.chans[k.PhysicalID] = ch
	u.running[k.PhysicalID] = true
	u.started++
	u.most = max(u.most, len(u.running))
	return ch, nil
}

// finishOne ends one running upgrade (it stops counting before the
// service hears of it, so the count never lags behind a freed slot).
func (u *countingUpgrader) finishOne(at time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for pid := range u.running {
		delete(u.running, pid)
		u.chans[pid] <- Progress{Phase: "done", Percent: 100, At: at}
		return true
	}
	return false
}

func (u *countingUpgrader) counts() (running, started, most int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.running), u.started, u.most
}

// peerLink hands one service's notices to another, as the relay does
// between instances.
type peerLink struct{ to *Service }

func (p peerLink) CatalogChanged(ctx context.Context, subID int64) error {
	go p.to.CatalogChanged(ctx, subID)
	return nil
}

func (p peerLink) SlotFreed(ctx context.Context) error {
	go p.to.SlotFreed(ctx)
	return nil
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two services on one store (two instances: PostgreSQL with
// ACCONSOLE_TEST_POSTGRES, else SQLite), three online plugs each, and a
// rollout cap of 2: a silent version published through B reaches A's
// plugs too, and at no moment do more than 2 automatic upgrades run on
// both together, until all six plugs have the version.
func TestRolloutCapIsSharedByInstances(t *testing.T) {
	w := newWorld(t, Options{})
	up := &countingUpgrader{chans: map[string]chan Progress{}, running: map[string]bool{}}
	alive := func(context.Context, string) (bool, error) { return true, nil }
	var pids [2][]string
	for i, name := range []string{"A", "B"} {
		for j := 0; j < 3; j++ {
			pid := fmt.Sprintf("PLUG%s%011d", name, j)
			pids[i] = append(pids[i], pid)
			w.devices.wh[pid] = &models.DeviceInfo{PhysicalDeviceID: pid, DevVersion: "1-0-0", ModVersion: "1-0-0", Status: 2}
			w.devices.sub[pid] = "plug"
		}
	}
	var svcs [2]*Service
	var hubs [2]*hub.Hub
	for i, name := range []string{"A", "B"} {
		hubs[i] = hub.New(w.clock.Now)
		s, err := New(Deps{DB: w.db, Devices: w.devices, Warehouse: w.devices, Products: w.plat, Hub: hubs[i], Upgrader: up},
			Options{Clock: w.clock, DomainID: w.svc.opt.DomainID, MaxAuto: 2, Instance: name, Alive: alive})
		if err != nil {
			t.Fatal(err)
		}
		svcs[i] = s
	}
	svcs[0].deps.Peers, svcs[1].deps.Peers = peerLink{svcs[1]}, peerLink{svcs[0]}
	for i, s := range svcs {
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		for _, pid := range pids[i] {
			hubs[i].Connect(hub.Key{SubDomain: "plug", PhysicalID: pid}, endpoint{}, "")
		}
	}

	if err := svcs[1].Publish(context.Background(), Version{SubDomainID: w.plug.ID, OTAType: TypeMCU, Version: "1-1-0", Mode: ModeSilent}); err != nil {
		t.Fatal(err)
	}
	queued := func() int {
		n := 0
		for _, s := range svcs {
			s.mu.Lock()
			n += len(s.queue)
			s.mu.Unlock()
		}
		return n
	}
	waitUntil(t, "two upgrades run and the four other plugs wait", func() bool {
		running, _, _ := up.counts()
		return running == 2 && queued() == 4
	})
	if got := countUpgrading(t, w); got != 2 {
		t.Fatalf("%d automatic upgrades recorded running, want 2", got)
	}
	for done := 1; done <= 6; done++ {
		if !up.finishOne(w.clock.Now()) {
			t.Fatalf("nothing running after %d of 6 upgrades", done-1)
		}
		want := min(2, 6-done)
		waitUntil(t, fmt.Sprintf("%d upgrades running after %d done", want, done), func() bool {
			running, started, _ := up.counts()
			return running == want && started == done+want
		})
	}
	if _, started, most := up.counts(); most != 2 || started != 6 {
		t.Fatalf("%d upgrades started, at most %d at once; want 6, at most 2", started, most)
	}
	waitUntil(t, "every plug recorded on 1-1-0", func() bool {
		for _, ps := range pids {
			for _, pid := range ps {
				if dev, _ := w.devices.version(pid); dev != "1-1-0" {
					return false
				}
			}
		}
		return countUpgrading(t, w) == 0
	})
	var instances int
	if err := w.db.QueryRow(`SELECT COUNT(DISTINCT instance) FROM ota_upgrades WHERE state=? AND trigger='silent'`, models.UpgradeSucceeded).Scan(&instances); err != nil {
		t.Fatal(err)
	}
	if instances != 2 {
		t.Fatalf("silent upgrades succeeded on %d instances, want both", instances)
	}
}

func countUpgrading(t *testing.T, w *world) int {
	t.Helper()
	var n int
	if err := w.db.QueryRow(`SELECT COUNT(*) FROM ota_upgrades WHERE state=? AND trigger IN ('silent', 'forced')`, models.UpgradeUpgrading).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
