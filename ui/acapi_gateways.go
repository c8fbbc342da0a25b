package ui

import (
	"context"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/models"
)

// Gateways lists the user's devices that are gateways of any product.
func (x *clientAPI) Gateways(ctx context.Context, userID int64) ([]models.Device, error) {
	prods, err := x.c.Product().GetDomainProducts(ctx)
	if err != nil {
		return nil, err
	}
	var out []models.Device
	as := x.c.As(userID).Bind()
	for _, p := range prods {
		gws, err := as.ListGateways(ctx, p.SubDomainName)
		if err != nil {
			return nil, err
		}
		out = append(out, gws...)
	}
	return out, nil
}

func (x *clientAPI) OpenGatewayMatch(ctx context.Context, gw DeviceRef, seconds int) error {
	return x.as(gw.UserID).Bind().OpenGatewayMatch(ctx, gw.SubDomain, gw.DeviceID, seconds)
}

func (x *clientAPI) CloseGatewayMatch(ctx context.Context, gw DeviceRef, note string) error {
	if note != "" {
		ctx = acapi.WithAuditNote(ctx, note)
	}
	return x.as(gw.UserID).Bind().CloseGatewayMatch(ctx, gw.SubDomain, gw.DeviceID)
}

func (x *clientAPI) JoinedSubDevices(ctx context.Context, gw DeviceRef) ([]JoinedDevice, error) {
	nds, err := x.as(gw.UserID).Bind().ListNewDevices(ctx, gw.SubDomain, gw.DeviceID)
	if err != nil {
		return nil, err
	}
	out := make([]JoinedDevice, len(nds))
	names := x.productNames(ctx, nds)
	for i, d := range nds {
		out[i] = JoinedDevice{PhysicalID: d.PhysicalDeviceID, SubDomainID: d.SubDomainID, SubDomain: names[d.SubDomainID]}
	}
	if len(out) == 0 || gw.PhysicalID == "" {
		return out, nil
	}
	// When each one joined is in the gateway's history; without it (a
	// real router) the page shows when it first saw them.
	var evs struct {
		Events []historyEvent `json:"events"`
	}
	if err := x.history(ctx, "listEvents", gw, map[string]any{"limit": 500}, &evs); err == nil {
		at := map[string]time.Time{}
		for _, e := range evs.Events {
			if e.Kind == "subDeviceJoined" {
				if _, seen := at[e.PhysicalDeviceID]; !seen { // newest first: keep the latest join
					at[e.PhysicalDeviceID] = time.UnixMilli(e.AtMs)
				}
			}
		}
		for i := range out {
			out[i].JoinedAt = at[out[i].PhysicalID]
		}
	}
	return out, nil
}

// productNames maps the numeric sub-domain ids of listNewDevices (sent as
// strings, PROTOCOL §2.2.3) to product names, from a per-client cache that
// is refreshed when an id is missing.
var productNameCache sync.Map // *clientAPI → map[string]string

func (x *clientAPI) productNames(ctx context.Context, nds []models.NewDevice) map[string]string {
	cached, _ := productNameCache.Load(x)
	names, _ := cached.(map[string]string)
	missing := names == nil
	for _, d := range nds {
		if _, ok := names[d.SubDomainID]; !ok {
			missing = true
		}
	}
	if !missing {
		return names
	}
	prods, err := x.c.Product().GetDomainProducts(ctx)
	if err != nil {
		return names
	}
	fresh := map[string]string{}
	for _, p := range prods {
		fresh[p.SubDomainID] = p.SubDomainName
	}
	productNameCache.Store(x, fresh)
	return fresh
}

// GatewayWindow reads the gateway's state reports from the device
// history. The newest of the gateway's reports and window events decides
// open or closed. A report says how many whole seconds were left, rounded
// up, so each gives a deadline up to a second late; the earliest deadline
// among the reports of the same window is the tightest.
func (x *clientAPI) GatewayWindow(ctx context.Context, gw DeviceRef) (MatchWindow, error) {
	var w MatchWindow
	permit, remaining, ok := catalog.PairingWindow(gw.SubDomain)
	if !ok {
		return w, errors.New("the gateway's product does not report its pairing window")
	}
	var reps struct {
		Reports []historyReport `json:"reports"`
	}
	if err := x.history(ctx, "listReports", gw, map[string]any{"code": 201, "limit": 20}, &reps); err != nil {
		return w, err
	}
	var evs struct {
		Events []historyEvent `json:"events"`
	}
	if err := x.history(ctx, "listEvents", gw, map[string]any{"limit": 20}, &evs); err != nil {
		return w, err
	}
	w.Known = true
	var lastClose time.Time
	for _, e := range evs.Events {
		if e.Kind == "matchClosed" {
			lastClose = time.UnixMilli(e.AtMs)
			break
		}
	}
	for i, r := range reps.Reports { // newest first
		b, err := hex.DecodeString(r.PayloadHex)
		if err != nil {
			continue
		}
		pb, ok1 := permit.Bytes(b)
		rb, ok2 := remaining.Bytes(b)
		left, ok3 := remaining.Duration(rb)
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		at := time.UnixMilli(r.AtMs)
		open := len(pb) == 1 && pb[0] == 1
		deadline := at.Add(left)
		if i == 0 {
			w.AsOf = at
			if !open || (!lastClose.IsZero() && !lastClose.Before(at)) {
				w.Open, w.Deadline = false, time.Time{}
				if lastClose.After(w.AsOf) {
					w.AsOf = lastClose
				}
				return w, nil
			}
			w.Open, w.Deadline = true, deadline
			continue
		}
		if !open || deadline.Before(w.Deadline.Add(-1500*time.Millisecond)) {
			break // an earlier window
		}
		if deadline.Before(w.Deadline) {
			w.Deadline = deadline
		}
	}
	if len(reps.Reports) == 0 && !lastClose.IsZero() {
		w.AsOf = lastClose
	}
	return w, nil
}

func (x *clientAPI) AddSubDevice(ctx context.Context, gw DeviceRef, sub, physicalID, name string) (models.Device, error) {
	return x.as(gw.UserID).Bind().AddSubDevice(ctx, sub, gw.DeviceID, physicalID, name)
}
