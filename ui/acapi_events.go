package ui

import (
	"context"
	"encoding/hex"
	"sort"
	"strconv"
	"time"

	"acconsole/acapi"
)

// historyService is the local cloud's device-history UDS (listReports,
// listEvents). A real AbleCloud router answers 3009 for it; the workflows
// then fall back to what they can see themselves.
const historyService = "device-history"

// historyReport and historyEvent are the device-history service's entries.
type historyReport struct {
	Kind        string `json:"kind"`
	Code        int    `json:"code"`
	PayloadHex  string `json:"payloadHex"`
	Truncated   bool   `json:"truncated"`
	Description string `json:"description"`
	Result      string `json:"result"`
	AtMs        int64  `json:"atMs"`
}

type historyEvent struct {
	Kind             string `json:"kind"`
	AtMs             int64  `json:"atMs"`
	IP               string `json:"ip"`
	PhysicalDeviceID string `json:"physicalDeviceId"`
	SubDomain        string `json:"subDomain"`
}

// history calls a device-history method for a device, developer-signed:
// the service reads any device, and it is a read.
func (x *clientAPI) history(ctx context.Context, method string, ref DeviceRef, params map[string]any, out any) error {
	p := map[string]any{"physicalDeviceId": ref.PhysicalID, "subDomain": ref.SubDomain}
	for k, v := range params {
		p[k] = v
	}
	resp, err := x.c.Call(ctx, historyService, method, p, acapi.CallOptions{SubDomain: ref.SubDomain, Read: true})
	if err != nil {
		return err
	}
	return resp.Decode(out)
}

func (x *clientAPI) DeviceHistory(ctx context.Context, ref DeviceRef, since time.Time, limit int) ([]DeviceEvent, error) {
	params := map[string]any{"limit": limit}
	if !since.IsZero() {
		params["since"] = strconv.FormatInt(since.UnixMilli(), 10)
	}
	var reps struct {
		Reports []historyReport `json:"reports"`
	}
	if err := x.history(ctx, "listReports", ref, params, &reps); err != nil {
		return nil, err
	}
	var evs struct {
		Events []historyEvent `json:"events"`
	}
	if err := x.history(ctx, "listEvents", ref, params, &evs); err != nil {
		return nil, err
	}
	out := make([]DeviceEvent, 0, len(reps.Reports)+len(evs.Events))
	for _, r := range reps.Reports {
		b, _ := hex.DecodeString(r.PayloadHex)
		kind := r.Kind
		if kind == "report" && r.Code == 203 {
			kind = EventOTA
		}
		out = append(out, DeviceEvent{At: time.UnixMilli(r.AtMs), Kind: kind, Code: r.Code, Payload: b, Text: r.Description, Result: r.Result})
	}
	for _, e := range evs.Events {
		ev := DeviceEvent{At: time.UnixMilli(e.AtMs), Kind: e.Kind}
		switch {
		case e.PhysicalDeviceID != "":
			ev.Other = e.SubDomain + "/" + e.PhysicalDeviceID
		case e.IP != "":
			ev.Other = e.IP
		}
		out = append(out, ev)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}
