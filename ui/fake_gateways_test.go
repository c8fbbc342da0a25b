package ui

import (
	"context"
	"fmt"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

func (f *fakeAPI) OpenGatewayMatch(_ context.Context, gw DeviceRef, seconds int) error {
	if err := f.guard("openGatewayMatch"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	w.opens = append(w.opens, fmt.Sprintf("%d:%d", gw.DeviceID, seconds))
	w.window[gw.DeviceID] = MatchWindow{Known: true, Open: true, Deadline: now.Add(time.Duration(seconds) * time.Second), AsOf: now}
	return nil
}

func (f *fakeAPI) CloseGatewayMatch(_ context.Context, gw DeviceRef, note string) error {
	if err := f.guard("closeGatewayMatch"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closes = append(w.closes, note)
	w.window[gw.DeviceID] = MatchWindow{Known: true, AsOf: w.now()}
	return nil
}

// join makes a sub-device join gateway gw now.
func (w *fakeWF) join(gw int64, sub, pid string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.joined[gw] = append(w.joined[gw], JoinedDevice{PhysicalID: pid, SubDomain: sub, JoinedAt: w.now()})
}

func (f *fakeAPI) JoinedSubDevices(_ context.Context, gw DeviceRef) ([]JoinedDevice, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.joinReads++
	if w.joinErr != nil {
		return nil, w.joinErr
	}
	out := append([]JoinedDevice(nil), w.joined[gw.DeviceID]...)
	if w.noHistory {
		for i := range out {
			out[i].JoinedAt = time.Time{}
		}
	}
	return out, nil
}

func (f *fakeAPI) GatewayWindow(_ context.Context, gw DeviceRef) (MatchWindow, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.noHistory {
		return MatchWindow{}, &acapi.Error{Code: models.ErrServiceAbsent, Service: historyService, Method: "listReports"}
	}
	m := w.window[gw.DeviceID]
	m.Known = true
	if m.Open && !w.now().Before(m.Deadline) {
		m.Open, m.AsOf = false, m.Deadline
	}
	return m, nil
}

func (f *fakeAPI) AddSubDevice(_ context.Context, gw DeviceRef, sub, pid, name string) (models.Device, error) {
	if err := f.guard("addSubDevice"); err != nil {
		return models.Device{}, err
	}
	w := f.wf()
	w.mu.Lock()
	gate := w.addGate
	w.mu.Unlock()
	if gate != nil {
		<-gate
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.addErr[pid]; err != nil {
		return models.Device{}, err
	}
	list := w.joined[gw.DeviceID]
	for i, j := range list {
		if j.PhysicalID == pid {
			w.joined[gw.DeviceID] = append(list[:i:i], list[i+1:]...)
			w.added = append(w.added, pid+"="+name)
			return models.Device{DeviceID: int64(2000 + len(w.added)), PhysicalDeviceID: pid, Name: name, SubDomainName: sub, GatewayDeviceID: gw.DeviceID}, nil
		}
	}
	return models.Device{}, &acapi.Error{Code: models.ErrDeviceAbsent, Message: "not joined", Service: "zc-bind", Method: "addSubDevice"}
}

func (f *fakeAPI) Gateways(context.Context, int64) ([]models.Device, error) { return nil, nil }
