package wechat

import (
	"strconv"
	"testing"
	"time"
)

// TestLimiterBound: however many keys arrive, and even when no bucket has
// refilled (the rate is about zero, so none ever does), the limiter keeps
// at most maxBuckets of them, and the map and the recency list agree.
func TestLimiterBound(t *testing.T) {
	l := newLimiter(0.0001, 2)
	now := time.Unix(1_700_000_000, 0)
	for i := range 2*maxBuckets + 7 {
		l.allow("u"+strconv.Itoa(i), now.Add(time.Duration(i)*time.Millisecond))
		if len(l.buckets) > maxBuckets {
			t.Fatalf("after %d keys: %d buckets, bound %d", i+1, len(l.buckets), maxBuckets)
		}
	}
	if len(l.buckets) != maxBuckets || l.recent.Len() != maxBuckets {
		t.Fatalf("%d buckets, %d in the recency list, want %d", len(l.buckets), l.recent.Len(), maxBuckets)
	}
}

// TestLimiterEvictsLeastRecentlyUsed: at the bound the bucket dropped is the
// one used longest ago, so a user who keeps being alerted keeps an empty
// bucket (and stays limited) while a stream of new keys passes by.
func TestLimiterEvictsLeastRecentlyUsed(t *testing.T) {
	l := newLimiter(0.0001, 1)
	l.max = 3
	now := time.Unix(1_700_000_000, 0)
	if !l.allow("busy", now) {
		t.Fatal("first alert of busy refused")
	}
	for i := range 10 {
		l.allow("new"+strconv.Itoa(i), now)
		if l.allow("busy", now) {
			t.Fatalf("round %d: busy's empty bucket was dropped and refilled", i)
		}
		if len(l.buckets) > 3 {
			t.Fatalf("round %d: %d buckets, bound 3", i, len(l.buckets))
		}
	}
	if _, ok := l.buckets["new0"]; ok {
		t.Fatal("the least recently used bucket was kept")
	}
	if _, ok := l.buckets["new9"]; !ok {
		t.Fatal("the newest bucket was dropped")
	}
}

// TestLimiterRefill: tokens come back at the configured rate on the
// injected clock, and never beyond the burst.
func TestLimiterRefill(t *testing.T) {
	l := newLimiter(2, 3) // two tokens a second, three at most
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for i := range 3 {
		if !l.allow("u", t0) {
			t.Fatalf("burst token %d refused", i+1)
		}
	}
	if l.allow("u", t0) {
		t.Fatal("allowed beyond the burst")
	}
	if l.allow("u", at(499*time.Millisecond)) {
		t.Fatal("a token came back before 0.5 s")
	}
	if !l.allow("u", at(500*time.Millisecond)) {
		t.Fatal("no token after 0.5 s at 2/s")
	}
	if l.allow("u", at(500*time.Millisecond)) {
		t.Fatal("two tokens after 0.5 s at 2/s")
	}
	// A long pause refills to the burst, not beyond.
	later := at(time.Hour)
	for i := range 3 {
		if !l.allow("u", later) {
			t.Fatalf("after an hour, token %d refused", i+1)
		}
	}
	if l.allow("u", later) {
		t.Fatal("refilled beyond the burst")
	}
	// Another key has its own bucket.
	if !l.allow("v", at(500*time.Millisecond)) {
		t.Fatal("a second key shares the first's bucket")
	}
}
