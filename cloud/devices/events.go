package devices

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// The hub reports devices coming and going. The warehouse's lastOnlineTime
// and ipAddr follow them, but not one write per event: 100 000 simulated
// devices come online at start, so events are folded in memory (the last
// one per device wins) and flushed in large transactions every
// FlushInterval.

// flushChunk is how many warehouse rows one flush transaction updates; it
// bounds how long a flush holds the write lock against requests.
const flushChunk = 2000

type seenAt struct {
	at time.Time
	ip string
}

type joinEv struct {
	sub, gateway hub.Key
}

type eventQueue struct {
	mu    sync.Mutex
	seen  map[hub.Key]seenAt
	joins []joinEv
	// lastJoin remembers, by physical id, the gateway a sub-device last
	// joined, so that adding it through another gateway says 3820.
	lastJoin map[string]hub.Key
}

func (q *eventQueue) init() {
	q.seen = map[hub.Key]seenAt{}
	q.lastJoin = map[string]hub.Key{}
}

func (q *eventQueue) joinedTo(pid string) (hub.Key, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	k, ok := q.lastJoin[pid]
	return k, ok
}

func hubKey(sub, pid string) hub.Key { return hub.Key{SubDomain: sub, PhysicalID: pid} }

// onEvent runs on the goroutine that caused the event, so it only records.
func (s *Service) onEvent(e hub.Event) {
	switch e.Kind {
	case hub.EventOnline, hub.EventOffline:
		s.ev.mu.Lock()
		prev, had := s.ev.seen[e.Device]
		ip := e.IP
		if ip == "" {
			ip = prev.ip // an offline event carries no address
		}
		// Subscribers hear a quick connect/disconnect pair in either order;
		// the later time is the last-online time.
		if !had || !e.At.Before(prev.at) {
			s.ev.seen[e.Device] = seenAt{at: e.At, ip: ip}
		}
		s.ev.mu.Unlock()
	case hub.EventJoined:
		s.ev.mu.Lock()
		s.ev.joins = append(s.ev.joins, joinEv{sub: e.Device, gateway: e.Gateway})
		s.ev.lastJoin[e.Device.PhysicalID] = e.Gateway
		s.ev.mu.Unlock()
	}
}

func (s *Service) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(s.opt.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flush()
		case <-s.stop:
			s.flush()
			return
		}
	}
}

// Flush writes the online times and joins received so far (tests and
// shutdown; the background loop calls it every FlushInterval).
func (s *Service) Flush() { s.flush() }

func (s *Service) flush() {
	s.ev.mu.Lock()
	seen, joins := s.ev.seen, s.ev.joins
	if len(seen) == 0 && len(joins) == 0 {
		s.ev.mu.Unlock()
		return
	}
	s.ev.seen, s.ev.joins = map[hub.Key]seenAt{}, nil
	s.ev.mu.Unlock()

	ctx := context.Background()
	subs := s.productsByName()
	if len(joins) > 0 {
		if err := s.activateJoined(ctx, subs, joins); err != nil {
			s.log.Warn("warehouse: activating joined sub-devices failed", "err", err, "count", len(joins))
		}
	}
	type upd struct {
		subID int64
		pid   string
		v     seenAt
	}
	batch := make([]upd, 0, flushChunk)
	write := func() {
		if len(batch) == 0 {
			return
		}
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `UPDATE dev_warehouse SET last_online = ?, ip_addr = CASE WHEN ? <> '' THEN ? ELSE ip_addr END
				WHERE sub_domain_id = ? AND physical_id = ?`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, u := range batch {
				if _, err := st.ExecContext(ctx, u.v.at.Unix(), u.v.ip, u.v.ip, u.subID, u.pid); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			s.log.Warn("warehouse: writing online times failed", "err", err, "count", len(batch))
		}
		batch = batch[:0]
	}
	for k, v := range seen {
		// The hub names products, not domains; every domain with a product
		// of that name gets the update (only the one holding the device
		// has a row to update).
		for _, sd := range subs[k.SubDomain] {
			batch = append(batch, upd{sd.ID, k.PhysicalID, v})
			if len(batch) == flushChunk {
				write()
			}
		}
	}
	write()
}

// productsByName maps each product name to the products of that name in
// every domain.
func (s *Service) productsByName() map[string][]rpc.SubDomain {
	out := map[string][]rpc.SubDomain{}
	done := map[int64]bool{}
	for _, dev := range s.plat.Developers() {
		if done[dev.DomainID] {
			continue
		}
		done[dev.DomainID] = true
		for _, p := range s.plat.Products(dev.DomainID) {
			if sd, ok := s.plat.SubDomain(context.Background(), dev.DomainID, p.SubDomainName); ok {
				out[p.SubDomainName] = append(out[p.SubDomainName], sd)
			}
		}
	}
	return out
}

// activateJoined puts sub-devices that joined a gateway into the warehouse
// (a real sub-device activates itself on first contact), in the domain
// whose warehouse holds the gateway.
func (s *Service) activateJoined(ctx context.Context, subs map[string][]rpc.SubDomain, joins []joinEv) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, j := range joins {
			for _, gw := range subs[j.gateway.SubDomain] {
				ok, err := inWarehouse(ctx, tx, gw.ID, j.gateway.PhysicalID)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				for _, sd := range subs[j.sub.SubDomain] {
					if sd.DomainID != gw.DomainID {
						continue
					}
					if err := s.activateTx(ctx, tx, sd, models.DeviceInfo{PhysicalDeviceID: j.sub.PhysicalID}, false); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
