package wxpush

import (
	"strconv"
	"sync"
	"time"
)

// Defaults for NewDeduper. WeChat retries a push three times within about
// 15 seconds, so ten minutes is ample, and 10 000 entries bound the memory to
// well under a few MiB even under a flood.
const (
	DefaultDedupTTL = 10 * time.Minute
	DefaultDedupMax = 10000
)

// Deduper remembers recent pushes so that WeChat's retries (sent when the
// bridge answers slower than 5 s) are not handled twice. It is safe for
// concurrent use.
type Deduper struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	seen  map[string]time.Time
	queue []dedupEntry // insertion order, for expiry and the size bound
	head  int
}

type dedupEntry struct {
	key string
	at  time.Time
}

// NewDeduper returns a Deduper keeping keys for ttl, at most max of them
// (oldest dropped first). Zero values select the defaults.
func NewDeduper(ttl time.Duration, max int) *Deduper {
	if ttl <= 0 {
		ttl = DefaultDedupTTL
	}
	if max <= 0 {
		max = DefaultDedupMax
	}
	return &Deduper{ttl: ttl, max: max, seen: make(map[string]time.Time)}
}

// DedupKey identifies a push across retries: the MsgId when WeChat sent one,
// otherwise (device and follow events have no MsgId) the sender, creation
// time, event and device, which a retry repeats exactly.
func DedupKey(m Message) string {
	if m.MsgId != "" {
		return "id:" + m.MsgId
	}
	// NUL separators keep ("ab","c") and ("a","bc") apart; sanitised fields
	// cannot contain NUL.
	return "ev:" + m.FromUserName + "\x00" + strconv.FormatInt(m.CreateTime, 10) + "\x00" + m.Event + "\x00" + m.DeviceID
}

// Seen records m at time now and reports whether it was already recorded
// (and not expired): true means "a retry, skip it".
func (d *Deduper) Seen(m Message, now time.Time) bool {
	key := DedupKey(m)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.evict(now)
	if at, ok := d.seen[key]; ok && now.Sub(at) < d.ttl {
		return true
	}
	d.seen[key] = now
	d.queue = append(d.queue, dedupEntry{key, now})
	d.evict(now)
	return false
}

// Forget removes m, so that a retry of a push whose handling failed is
// processed again instead of being swallowed.
func (d *Deduper) Forget(m Message) {
	d.mu.Lock()
	delete(d.seen, DedupKey(m))
	d.mu.Unlock()
}

// Len returns the number of keys currently remembered.
func (d *Deduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

// evict drops expired entries and entries over the size bound, oldest first.
// A queue entry only deletes its map key if the key was not re-recorded
// later (or forgotten and re-added), which the timestamp tells.
func (d *Deduper) evict(now time.Time) {
	for d.head < len(d.queue) {
		e := d.queue[d.head]
		if now.Sub(e.at) < d.ttl && len(d.queue)-d.head <= d.max {
			break
		}
		if at, ok := d.seen[e.key]; ok && at.Equal(e.at) {
			delete(d.seen, e.key)
		}
		d.queue[d.head] = dedupEntry{}
		d.head++
	}
	// Compact once the dead prefix dominates, so the slice does not grow
	// without bound.
	if d.head > 64 && d.head*2 >= len(d.queue) {
		d.queue = append(d.queue[:0:0], d.queue[d.head:]...)
		d.head = 0
	}
}
