package hub

import (
	"context"
	"errors"
	"testing"
	"time"
)

type timerStub struct {
	gwStub
	got [][]DeviceTimer
}

func (s *timerStub) SetTimers(tasks []DeviceTimer) error {
	s.got = append(s.got, tasks)
	return nil
}

func TestSetTimersAndTimerFired(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := New(func() time.Time { return now })
	var evs []Event
	h.Subscribe(func(e Event) { evs = append(evs, e) })
	host, plain := Key{"plug", "P1"}, Key{"lamp", "L1"}
	set := []DeviceTimer{{TaskID: 1, TimeZone: "UTC", TimePoint: "2026-01-01 08:00:00", TimeCycle: "day", MessageCode: 68, Running: true}}

	if err := h.SetTimers(host, set); !errors.Is(err, ErrOffline) {
		t.Fatalf("unknown device: %v", err)
	}
	stub := &timerStub{}
	h.Connect(host, stub, "")
	h.Connect(plain, gwStub{}, "")
	if err := h.SetTimers(host, set); err != nil || len(stub.got) != 1 || stub.got[0][0].TaskID != 1 {
		t.Fatalf("SetTimers = %v, device got %+v", err, stub.got)
	}
	if err := h.SetTimers(plain, set); !errors.Is(err, ErrNoTimers) {
		t.Fatalf("an endpoint without timers: %v", err)
	}

	// A firing is published with the device's time, and refused while
	// the device is offline (it keeps the report for later).
	fired := now.Add(-time.Minute)
	f := TimerFiring{TaskID: 1, Scheduled: fired, At: fired, Code: 68, Payload: []byte{1}, ReplyCode: 102, Result: "ok"}
	evs = nil
	if err := h.TimerFired(host, f); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Kind != EventTimerFired || evs[0].TaskID != 1 || !evs[0].At.Equal(fired) || !evs[0].Scheduled.Equal(fired) ||
		evs[0].ReplyCode != 102 || evs[0].Result != "ok" || evs[0].Code != 68 {
		t.Fatalf("events %+v", evs)
	}
	h.Disconnect(host)
	if err := h.TimerFired(host, f); !errors.Is(err, ErrOffline) {
		t.Fatalf("TimerFired offline: %v", err)
	}
	if err := h.SetTimers(host, set); !errors.Is(err, ErrOffline) {
		t.Fatalf("SetTimers offline: %v", err)
	}
	// Commands still work as before for a timer host.
	h.Connect(host, stub, "")
	if _, _, err := h.Send(context.Background(), host, 68, nil, time.Second); err != nil {
		t.Fatal(err)
	}
}
