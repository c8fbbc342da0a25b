package clock

import (
	"testing"
	"time"
)

func TestFakeFiresDueTimersInOrderAndStops(t *testing.T) {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	a, b, c := f.NewTimer(2*time.Second), f.NewTimer(time.Second), f.NewTimer(time.Hour)
	if !c.Stop() || c.Stop() {
		t.Fatal("Stop should report true once")
	}
	if d, ok := f.NextDeadline(); !ok || !d.Equal(start.Add(time.Second)) || f.Pending() != 2 {
		t.Fatalf("next deadline %v %v, pending %d", d, ok, f.Pending())
	}
	f.Advance(3 * time.Second)
	if at := <-b.C(); !at.Equal(start.Add(time.Second)) {
		t.Fatalf("b fired at %v", at)
	}
	if at := <-a.C(); !at.Equal(start.Add(2 * time.Second)) {
		t.Fatalf("a fired at %v", at)
	}
	if a.Stop() || f.Pending() != 0 || !f.Now().Equal(start.Add(3*time.Second)) {
		t.Fatal("state after firing")
	}
	f.Set(start) // never backwards
	if !f.Now().Equal(start.Add(3 * time.Second)) {
		t.Fatal("the fake clock went back")
	}
	select {
	case <-f.NewTimer(0).C():
	default:
		t.Fatal("a zero timer must fire at once")
	}
	if f.Made() != 4 {
		t.Fatalf("made %d", f.Made())
	}
}
