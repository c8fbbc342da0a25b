package devices

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// devCache keeps device records for the list paths. Reading 11 columns of
// 500 rows costs most of a listDevices call, while the ids alone come from
// an index in a tenth of the time; so lists read ids from the database
// (bindings are always current) and records from here.
//
// A write forgets only the records it changed: the statements that change
// dev_devices rows name them (changed, changedGateway, changedRoom) in their
// transaction, and tx drops those entries after the commit, before the
// writing call returns, so no client sees its own change undone. A bind,
// share or unbind that leaves records as they are evicts nothing, so one
// user's write does not slow every other user's next list. Every commit
// also bumps gen: a load that began before it is not stored (it may hold
// a record from before the commit). This holds for one cloud process per
// database, as with the embedded SQLite store; on PostgreSQL several
// instances write the same rows behind each other's backs, so there the
// cache is off and every record is read from the database.
type devCache struct {
	off bool
	mu  sync.RWMutex
	gen uint64
	m   map[int64]devRow
	// pending holds, per open transaction, what its writes changed.
	pending map[*sql.Tx]*dirty
}

// dirty is what one transaction changed: device ids, gateways (the
// gateway and its sub-devices) and rooms (every device of a home's room).
type dirty struct {
	ids      []int64
	gateways []int64
	rooms    [][2]int64 // home id, room id
}

// maxCached bounds the cache; past it the map is dropped and refilled.
const maxCached = 200000

func (c *devCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// invalidate forgets every record (the demo seeder's bulk writes).
func (c *devCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.m = nil
	c.mu.Unlock()
}

func (c *devCache) mark(tx *sql.Tx, f func(d *dirty)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[*sql.Tx]*dirty{}
	}
	d := c.pending[tx]
	if d == nil {
		d = &dirty{}
		c.pending[tx] = d
	}
	f(d)
}

// done ends tx's bookkeeping: the records it changed are forgotten. That
// is done after a failed transaction too: a commit that reports an error
// may still have happened, and forgetting costs only a reload.
func (c *devCache) done(tx *sql.Tx, evs []unbound) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.pending[tx]
	delete(c.pending, tx)
	c.gen++
	for _, e := range evs {
		delete(c.m, e.device)
	}
	if d == nil {
		return
	}
	for _, id := range d.ids {
		delete(c.m, id)
	}
	if len(d.gateways) == 0 && len(d.rooms) == 0 {
		return
	}
	// Writes by gateway or room are rare (ownership hand-over, moving into
	// a home, deleting a room): one pass over the cache.
	for id, r := range c.m {
		for _, g := range d.gateways {
			if r.id == g || r.gatewayID == g {
				delete(c.m, id)
			}
		}
		for _, hr := range d.rooms {
			if r.homeID == hr[0] && r.roomID == hr[1] {
				delete(c.m, id)
			}
		}
	}
}

// changed records, in tx, that the records of ids change.
func (s *Service) changed(tx *sql.Tx, ids ...int64) {
	s.cache.mark(tx, func(d *dirty) { d.ids = append(d.ids, ids...) })
}

// changedGateway records that a gateway and all its sub-devices change.
func (s *Service) changedGateway(tx *sql.Tx, gatewayID int64) {
	s.cache.mark(tx, func(d *dirty) { d.gateways = append(d.gateways, gatewayID) })
}

// changedRoom records that every device in a home's room changes.
func (s *Service) changedRoom(tx *sql.Tx, homeID, roomID int64) {
	s.cache.mark(tx, func(d *dirty) { d.rooms = append(d.rooms, [2]int64{homeID, roomID}) })
}

// lookup fills out[i] for every cached id and returns the indexes it could
// not fill.
func (c *devCache) lookup(ids []int64, out []devRow) (missing []int) {
	if c.off {
		missing = make([]int, len(ids))
		for i := range ids {
			missing[i] = i
		}
		return missing
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i, id := range ids {
		if d, ok := c.m[id]; ok {
			out[i] = d
			continue
		}
		missing = append(missing, i)
	}
	return missing
}

func (c *devCache) put(rows []devRow, gen uint64) {
	if c.off {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // read before a write committed: possibly stale
	}
	if len(c.m) > maxCached {
		c.m = nil
	}
	if c.m == nil {
		c.m = make(map[int64]devRow, len(rows))
	}
	for _, d := range rows {
		c.m[d.id] = d
	}
}

// devicesByID returns the records of ids in order, from the cache where
// it can; ids that no longer exist are left out.
func (s *Service) devicesByID(ctx context.Context, ids []int64) ([]devRow, error) {
	gen := s.cache.generation()
	out := make([]devRow, len(ids))
	missing := s.cache.lookup(ids, out)
	if len(missing) > 0 {
		pos := make(map[int64]int, len(missing))
		const chunk = 500
		var loaded []devRow
		for start := 0; start < len(missing); start += chunk {
			part := missing[start:min(start+chunk, len(missing))]
			args := make([]any, len(part))
			for j, i := range part {
				args[j] = ids[i]
				pos[ids[i]] = i
			}
			rows, err := queryDevs(ctx, s.db, `SELECT `+devCols+` FROM dev_devices d WHERE d.id IN (?`+strings.Repeat(",?", len(part)-1)+`)`, args...)
			if err != nil {
				return nil, err
			}
			for _, d := range rows {
				out[pos[d.id]] = d
			}
			loaded = append(loaded, rows...)
		}
		s.cache.put(loaded, gen)
	}
	// A device deleted between the id query and the load has id 0 here.
	kept := out[:0]
	for _, d := range out {
		if d.id != 0 {
			kept = append(kept, d)
		}
	}
	return kept, nil
}
