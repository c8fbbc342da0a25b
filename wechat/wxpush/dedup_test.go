package wxpush

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestDeduper(t *testing.T) {
	d := NewDeduper(time.Minute, 100)
	t0 := time.Unix(1000, 0)
	bind := Message{FromUserName: "u", CreateTime: 1000, Event: EventBind, DeviceID: "d1"}
	if d.Seen(bind, t0) {
		t.Fatal("first push reported as seen")
	}
	if !d.Seen(bind, t0.Add(5*time.Second)) {
		t.Fatal("retry not detected")
	}
	other := bind
	other.DeviceID = "d2"
	if d.Seen(other, t0) {
		t.Fatal("different device treated as retry")
	}
	unbind := bind
	unbind.Event = EventUnbind
	if d.Seen(unbind, t0) {
		t.Fatal("different event treated as retry")
	}
	// A MsgId, when present, is the whole key.
	a := Message{MsgId: "42", FromUserName: "u", CreateTime: 1}
	b := Message{MsgId: "42", FromUserName: "v", CreateTime: 2}
	if d.Seen(a, t0) || !d.Seen(b, t0) {
		t.Fatal("MsgId not used as the key")
	}
	// Expiry.
	if d.Seen(bind, t0.Add(2*time.Minute)) {
		t.Fatal("entry did not expire")
	}
	// Forget lets a failed push be handled again on retry.
	d.Forget(bind)
	if d.Seen(bind, t0.Add(2*time.Minute)) {
		t.Fatal("forgotten entry still seen")
	}
}

func TestDedupKeyUnambiguous(t *testing.T) {
	a := Message{FromUserName: "ab", Event: "c"}
	b := Message{FromUserName: "a", Event: "bc"}
	if DedupKey(a) == DedupKey(b) {
		t.Fatal("field boundaries are ambiguous")
	}
}

func TestDeduperBounded(t *testing.T) {
	d := NewDeduper(time.Hour, 50)
	now := time.Unix(0, 0)
	for i := range 1000 {
		d.Seen(Message{MsgId: fmt.Sprint(i)}, now)
	}
	if d.Len() != 50 {
		t.Fatalf("Len = %d, want 50", d.Len())
	}
	if d.Seen(Message{MsgId: "999"}, now) == false {
		t.Fatal("newest entry evicted")
	}
	if d.Seen(Message{MsgId: "0"}, now) {
		t.Fatal("oldest entry kept beyond the bound")
	}
	if len(d.queue)-d.head > 50 || cap(d.queue) > 1000 {
		t.Fatalf("queue not compacted: len %d head %d cap %d", len(d.queue), d.head, cap(d.queue))
	}
	// Defaults.
	dd := NewDeduper(0, 0)
	if dd.ttl != DefaultDedupTTL || dd.max != DefaultDedupMax {
		t.Fatal("defaults not applied")
	}
}

func TestDeduperExpiryFreesMemory(t *testing.T) {
	d := NewDeduper(time.Second, 1000)
	t0 := time.Unix(0, 0)
	for i := range 500 {
		d.Seen(Message{MsgId: fmt.Sprint(i)}, t0)
	}
	d.Seen(Message{MsgId: "late"}, t0.Add(2*time.Second))
	if d.Len() != 1 {
		t.Fatalf("Len = %d after expiry, want 1", d.Len())
	}
}

func TestDeduperConcurrent(t *testing.T) {
	d := NewDeduper(time.Minute, 100)
	m := Message{FromUserName: "u", CreateTime: 5, Event: EventBind, DeviceID: "d"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	first := 0
	for range 32 {
		wg.Go(func() {
			if !d.Seen(m, time.Unix(5, 0)) {
				mu.Lock()
				first++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != 1 {
		t.Fatalf("%d goroutines saw the push as new, want 1", first)
	}
}
