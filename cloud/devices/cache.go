package devices

import (
	"context"
	"strings"
	"sync"
)

// devCache keeps device records for the list paths. Reading 11 columns of
// 500 rows costs most of a listDevices call, while the ids alone come from
// an index in a tenth of the time; so lists read ids from the database
// (bindings are always current) and records from here.
//
// Every committed write of this package bumps the generation, and an entry
// is only used at the generation it was read in, so a change is visible to
// the next read. The bump happens before the writing call returns, so no
// client can see its own change undone. This assumes one cloud process per
// database, as with the embedded SQLite store.
type devCache struct {
	mu  sync.RWMutex
	gen uint64
	m   map[int64]cachedDev
}

type cachedDev struct {
	gen uint64
	d   devRow
}

// maxCached bounds the cache; past it the map is dropped and refilled.
const maxCached = 200000

func (c *devCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *devCache) invalidate() {
	c.mu.Lock()
	c.gen++
	if len(c.m) > maxCached {
		c.m = nil
	}
	c.mu.Unlock()
}

// lookup fills out[i] for every cached id of the current generation and
// returns the indexes it could not fill.
func (c *devCache) lookup(ids []int64, gen uint64, out []devRow) (missing []int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i, id := range ids {
		if e, ok := c.m[id]; ok && e.gen == gen && c.gen == gen {
			out[i] = e.d
			continue
		}
		missing = append(missing, i)
	}
	return missing
}

func (c *devCache) put(rows []devRow, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // read before a write committed: possibly stale
	}
	if c.m == nil {
		c.m = make(map[int64]cachedDev, len(rows))
	}
	for _, d := range rows {
		c.m[d.id] = cachedDev{gen, d}
	}
}

// devicesByID returns the records of ids in order, from the cache where
// it can; ids that no longer exist are left out.
func (s *Service) devicesByID(ctx context.Context, ids []int64) ([]devRow, error) {
	gen := s.cache.generation()
	out := make([]devRow, len(ids))
	missing := s.cache.lookup(ids, gen, out)
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
