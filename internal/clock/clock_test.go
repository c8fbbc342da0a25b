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

func TestFakeRunsFunctionsInOrderAtTheirDueTime(t *testing.T) {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+f.Now().Sub(start).String()) }
	}
	f.AfterFunc(3*time.Second, at("c"))
	f.AfterFunc(time.Second, func() {
		at("a")()
		f.AfterFunc(time.Second, at("b")) // set by a timer, due within the span
	})
	stopped := f.AfterFunc(2*time.Second, at("never"))
	f.AfterFunc(0, at("zero"))
	if len(got) != 0 {
		t.Fatalf("a function ran inside AfterFunc: %v", got)
	}
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report true once")
	}
	if stopped.C() != nil {
		t.Fatal("an AfterFunc timer has no channel")
	}
	f.Advance(5 * time.Second)
	want := []string{"zero@0s", "a@1s", "b@2s", "c@3s"}
	if len(got) != len(want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ran %v, want %v", got, want)
		}
	}
	if !f.Now().Equal(start.Add(5*time.Second)) || f.Pending() != 0 {
		t.Fatalf("now %v, pending %d", f.Now(), f.Pending())
	}
}

func TestFakeChannelReceiverSeesTheFinalTime(t *testing.T) {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	c := f.NewTimer(time.Second)
	var nowInFunc time.Time
	f.AfterFunc(2*time.Second, func() { nowInFunc = f.Now() })
	made := f.TimerMade()
	f.Advance(10 * time.Second)
	at := <-c.C()
	if !at.Equal(start.Add(time.Second)) {
		t.Fatalf("the timer delivered %v", at)
	}
	if !nowInFunc.Equal(start.Add(10 * time.Second)) {
		t.Fatalf("after a channel timer fired the clock read %v in a later function", nowInFunc)
	}
	select {
	case <-made:
		t.Fatal("no timer was made")
	default:
	}
	f.After(time.Minute)
	select {
	case <-made:
	default:
		t.Fatal("TimerMade did not tell of a new timer")
	}
}
