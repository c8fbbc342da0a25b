package wechat

import (
	"container/list"
	"sync"
	"time"
)

// limiter is a token bucket per key: each key holds up to burst tokens,
// refilled at rate tokens per second, and every allowed event takes one.
type limiter struct {
	rate  float64
	burst float64
	max   int // most buckets kept; see maxBuckets

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	// recent orders the buckets by last use, most recent at the front, so
	// that the one to drop at the bound is found in O(1) instead of by
	// scanning the map.
	recent *list.List
}

type bucket struct {
	key    string // to delete the map entry when the bucket is dropped
	tokens float64
	at     time.Time
}

// maxBuckets bounds the map, whatever the spread of keys. At the bound the
// least recently used bucket is dropped. That loses nothing when it has
// refilled (untouched for burst/rate, five minutes with the defaults); when
// it has not, its user merely gets a fresh burst early, a small price for
// a memory bound that holds under any load: 10 000 users alerted within
// five minutes is far beyond a vendor's account.
const maxBuckets = 10000

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), max: maxBuckets,
		buckets: map[string]*list.Element{}, recent: list.New()}
}

// allow takes a token for key at now, reporting whether there was one.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if e := l.buckets[key]; e != nil {
		l.recent.MoveToFront(e)
		b = e.Value.(*bucket)
		l.refill(b, now)
	} else {
		for len(l.buckets) >= l.max {
			oldest := l.recent.Back()
			delete(l.buckets, l.recent.Remove(oldest).(*bucket).key)
		}
		b = &bucket{key: key, tokens: l.burst, at: now}
		l.buckets[key] = l.recent.PushFront(b)
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *limiter) refill(b *bucket, now time.Time) {
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens = min(l.burst, b.tokens+dt*l.rate)
		b.at = now
	}
}
