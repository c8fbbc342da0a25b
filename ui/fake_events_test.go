package ui

import (
	"context"
	"time"
)

func (w *fakeWF) event(pid string, e DeviceEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events[pid] = append(w.events[pid], e)
}

func (f *fakeAPI) DeviceHistory(_ context.Context, ref DeviceRef, since time.Time, limit int) ([]DeviceEvent, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []DeviceEvent
	for _, e := range w.events[ref.PhysicalID] {
		if !e.At.Before(since) {
			out = append(out, e)
		}
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}
