package hub

import (
	"context"
	"testing"
	"time"
)

type gwStub struct{}

func (gwStub) Deliver(context.Context, int, []byte) (int, []byte, error) { return 0, nil, nil }
func (gwStub) OpenMatch(time.Time) error                                 { return nil }
func (gwStub) CloseMatch() error                                         { return nil }

func TestExpireMatch(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := New(func() time.Time { return now })
	var closed int
	h.Subscribe(func(e Event) {
		if e.Kind == EventMatchClosed {
			closed++
		}
	})
	gw := Key{SubDomain: "gateway", PhysicalID: "G1"}
	h.Connect(gw, gwStub{}, "")
	first, _ := h.OpenMatch(gw, 10*time.Second)
	now = now.Add(5 * time.Second)
	second, _ := h.OpenMatch(gw, 60*time.Second) // extended before the first deadline
	now = first
	if h.ExpireMatch(gw, first) || closed != 0 || h.MatchDeadline(gw).IsZero() {
		t.Fatal("an extended window expired at its old deadline")
	}
	now = second
	if !h.ExpireMatch(gw, second) || closed != 1 {
		t.Fatal("window not closed at its deadline")
	}
	if h.ExpireMatch(gw, second) || closed != 1 {
		t.Fatal("closed twice")
	}
	if h.ExpireMatch(Key{PhysicalID: "nobody"}, second) {
		t.Fatal("unknown gateway expired")
	}
}
