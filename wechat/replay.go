package wechat

import (
	"crypto/sha1"
	"sync"
	"time"

	"acconsole/internal/heapq"
)

// DefaultMaxSignatures is the default capacity of the signature replay set
// (CallbackConfig.MaxSignatures). An entry costs about 100 bytes (a 20-byte
// key and an expiry, in the map and in the heap), so the set holds at most
// some 10 MB; it covers a sustained 160 pushes a second when every entry
// lives its longest (2 × the default 5 minute skew), and 330 a second for
// pushes stamped with the current time, far beyond an official account's
// traffic.
const DefaultMaxSignatures = 100_000

// replayVerdict is what the replay set says of a signature.
type replayVerdict int

const (
	replayNew   replayVerdict = iota // recorded now: handle the push
	replayUsed                       // already used and still fresh: a replay
	replayFull                       // the set is full of fresh signatures: refuse, retryably
	replayStale                      // expired by the time it was to be recorded
)

// replaySet remembers the signatures of handled pushes for as long as they
// pass the timestamp check, so that a captured signature (which covers the
// timestamp and nonce, not the body) cannot sign a second body.
//
// Unlike a de-duplicator it never drops an entry before it expires: an
// entry dropped early is a signature that can be replayed. When it is full
// of live entries it refuses to record more, and the caller refuses the
// push with an answer WeChat retries; the bound on memory thus costs
// availability under a flood, never safety. Sizing the set from rate × TTL
// alone would not do: nothing bounds the rate (a burst, or anyone who can
// reach the URL with captured signatures), so a fixed size must either
// evict or refuse, and only refusing keeps replay impossible.
//
// Entries expire at their own time (the signed timestamp plus the skew, for
// timestamps may lie anywhere in the window), hence a heap rather than a
// queue: freeing them in insertion order would keep expired entries behind
// a longer-lived one and make the set look full when it is not.
type replaySet struct {
	max int

	mu     sync.Mutex
	expiry map[[sha1.Size]byte]int64 // Unix nanoseconds: no pointer for the GC to scan
	heap   *heapq.Heap[replayEntry]
	// latest is the latest time entries were expired at (Unix ns). A
	// signature expiring before it is refused as stale: its entry may
	// already be gone, freed by a request that read the clock later
	// (while this one was reading a slow body, say). Should the clock step
	// back by more than the skew, fresh pushes are refused until it has
	// caught up again: the safe way to err.
	latest int64
}

func newReplaySet(capacity int) *replaySet {
	return &replaySet{max: capacity, expiry: map[[sha1.Size]byte]int64{},
		heap: heapq.New(func(a, b replayEntry) bool { return a.expires < b.expires }, nil)}
}

// use records sig as used until expires (inclusive), unless it is already
// recorded, stale, or there is no room.
func (s *replaySet) use(sig [sha1.Size]byte, now, expires time.Time) replayVerdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest = max(s.latest, now.UnixNano())
	s.expire()
	if _, ok := s.expiry[sig]; ok {
		return replayUsed
	}
	if expires.UnixNano() < s.latest {
		return replayStale
	}
	// The heap, not the map, is counted: forgotten signatures stay in the
	// heap until they expire, and it is the heap's size that must be
	// bounded.
	if s.heap.Len() >= s.max {
		return replayFull
	}
	s.expiry[sig] = expires.UnixNano()
	s.heap.Push(replayEntry{sig, expires.UnixNano()})
	return replayNew
}

// forget removes sig, so that WeChat's retry of a push whose handling
// failed (the same signature when WeChat resends the same request) is
// processed.
func (s *replaySet) forget(sig [sha1.Size]byte) {
	s.mu.Lock()
	delete(s.expiry, sig)
	s.mu.Unlock()
}

// len is the number of entries held, live or forgotten.
func (s *replaySet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heap.Len()
}

// expire frees the entries whose signatures are stale at s.latest. A heap
// entry deletes its map key only if the key was not forgotten and recorded
// again with another expiry since.
func (s *replaySet) expire() {
	for s.heap.Len() > 0 && s.latest > s.heap.Peek().expires {
		e := s.heap.Pop()
		if at, ok := s.expiry[e.sig]; ok && at == e.expires {
			delete(s.expiry, e.sig)
		}
	}
}

type replayEntry struct {
	sig     [sha1.Size]byte
	expires int64 // Unix nanoseconds
}
