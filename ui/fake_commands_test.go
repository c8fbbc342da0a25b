package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/models"
)

func (f *fakeAPI) ProductSpec(_ context.Context, sub string) (ProductSpec, error) {
	ms := catalog.Messages(sub)
	if ms == nil {
		return ProductSpec{SubDomain: sub}, &acapi.Error{Code: models.ErrSubDomainAbsent, Service: "zc-product", Method: "getSubDomainDataPoints"}
	}
	return ProductSpec{SubDomain: sub, Messages: ms}, nil
}

func (f *fakeAPI) SendCommand(_ context.Context, ref DeviceRef, code int, payload []byte, timeout time.Duration) (CommandReply, error) {
	if err := f.guard("sendToDevice"); err != nil {
		return CommandReply{}, err
	}
	w := f.wf()
	w.mu.Lock()
	w.sent = append(w.sent, fmt.Sprintf("%d:%d:%X", ref.DeviceID, code, payload))
	reply := w.reply
	w.mu.Unlock()
	if reply != nil {
		return reply(code, payload)
	}
	// A plug: 68 sets power, 69 queries; replies 102 state.
	state := []byte{1, 0, 95, 0, 0, 0x30, 0x39}
	if code == 68 && len(payload) == 1 {
		state[0] = payload[0] & 1
	}
	return CommandReply{Code: 102, Payload: state, Elapsed: 3 * time.Millisecond}, nil
}

func (f *fakeAPI) CallService(_ context.Context, c ServiceCall) (ServiceResult, error) {
	if !c.Read {
		if err := f.guard(c.Service + "/" + c.Method); err != nil {
			return ServiceResult{}, err
		}
	}
	w := f.wf()
	w.mu.Lock()
	w.calls = append(w.calls, c)
	reply := w.callReply
	w.mu.Unlock()
	if reply != nil {
		return ServiceResult{Body: reply, TraceID: "trace-1", Elapsed: time.Millisecond}, nil
	}
	body, _ := json.Marshal(map[string]any{"echo": json.RawMessage(c.Body), "method": c.Method})
	return ServiceResult{Body: body, TraceID: "trace-1", Elapsed: time.Millisecond}, nil
}

func (f *fakeAPI) Products(context.Context) ([]models.Product, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []models.Product
	for sub := range w.pending {
		out = append(out, models.Product{SubDomainName: sub})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SubDomainName < out[j].SubDomainName })
	return out, nil
}
