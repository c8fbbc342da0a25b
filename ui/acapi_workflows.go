package ui

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/models"
)

// The WorkflowAPI half of the acapi adapter (acapi_api.go is the rest).

// historyService is the local cloud's device-history UDS (listReports,
// listEvents). A real AbleCloud router answers 3009 for it; the workflows
// then fall back to what they can see themselves.
const historyService = "device-history"

// as is the client acting for a user (0 = the developer, no user).
func (x *clientAPI) as(userID int64) *acapi.Client {
	if userID == 0 {
		return x.c
	}
	return x.c.As(userID)
}

// ProductSpec asks the cloud for the product's data points and adds the
// message layouts of package catalog: the cloud has no call that returns
// byte layouts.
func (x *clientAPI) ProductSpec(ctx context.Context, sub string) (ProductSpec, error) {
	spec := ProductSpec{SubDomain: sub, Messages: catalog.Messages(sub)}
	dps, err := x.c.Product().GetSubDomainDataPoints(ctx, sub)
	spec.DataPoints = dps
	if err != nil && (acapi.Code(err) == models.ErrSubDomainAbsent || len(spec.Messages) == 0) {
		return spec, err
	}
	return spec, nil
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

func (x *clientAPI) SendCommand(ctx context.Context, ref DeviceRef, code int, payload []byte, timeout time.Duration) (CommandReply, error) {
	start := time.Now()
	var opts []acapi.SendOption
	if timeout > 0 {
		opts = append(opts, acapi.WithReplyTimeout(timeout))
	}
	r, err := x.as(ref.UserID).Bind().SendToDevice(ctx, ref.SubDomain, ref.DeviceID, "", code, payload, opts...)
	return CommandReply{Code: r.Code, Payload: r.Payload, Elapsed: time.Since(start)}, err
}

func (x *clientAPI) DeviceShareCode(ctx context.Context, ref DeviceRef, valid time.Duration) (string, error) {
	return x.as(ref.UserID).Bind().GetShareCode(ctx, ref.SubDomain, ref.DeviceID, int(valid/time.Second))
}

func (x *clientAPI) HomeShareCode(ctx context.Context, userID, homeID int64, valid time.Duration) (string, error) {
	return x.as(userID).Home().GetHomeShareCode(ctx, homeID, int(valid/time.Second))
}

func (x *clientAPI) CallService(ctx context.Context, call ServiceCall) (ServiceResult, error) {
	var params map[string]any
	if body := strings.TrimSpace(string(call.Body)); body != "" {
		if err := json.Unmarshal([]byte(body), &params); err != nil {
			return ServiceResult{}, errors.New("the body must be a JSON object: " + err.Error())
		}
	}
	start := time.Now()
	resp, err := x.as(call.UserID).Call(ctx, call.Service, call.Method, params,
		acapi.CallOptions{Version: call.Version, SubDomain: call.SubDomain, Read: call.Read})
	res := ServiceResult{Elapsed: time.Since(start)}
	if err != nil {
		return res, err
	}
	res.Body, res.TraceID = resp.Body, resp.TraceID
	return res, nil
}

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

func (x *clientAPI) ListTimers(ctx context.Context, ref DeviceRef) ([]models.TimerTask, error) {
	ts, err := x.as(ref.UserID).Timer().ListTasks(ctx, ref.DeviceID)
	for i := range ts {
		if ts[i].DeviceID == 0 {
			ts[i].DeviceID = ref.DeviceID
		}
	}
	return ts, err
}

func (x *clientAPI) TimerHistory(ctx context.Context, ref DeviceRef, taskID int64, limit int) ([]TimerRun, error) {
	runs, err := x.as(ref.UserID).Timer().ListTaskHistory(ctx, ref.DeviceID, taskID, limit)
	out := make([]TimerRun, len(runs))
	for i, r := range runs {
		at, _ := models.ParseTime(r.At)
		due, _ := models.ParseTime(r.ScheduledFor)
		out[i] = TimerRun{At: at, ScheduledFor: due, Result: r.Result, ReplyCode: r.ReplyCode, Detail: r.Detail, Late: time.Duration(r.LateMs) * time.Millisecond}
	}
	return out, err
}

func (x *clientAPI) SaveTimer(ctx context.Context, ref DeviceRef, task models.TimerTask) (models.TimerTask, error) {
	task.DeviceID = ref.DeviceID
	t := x.as(ref.UserID).Timer()
	if task.TaskID == 0 {
		return t.AddTask(ctx, task)
	}
	return task, t.ModifyTask(ctx, task)
}

func (x *clientAPI) DeleteTimer(ctx context.Context, ref DeviceRef, taskID int64) error {
	return x.as(ref.UserID).Timer().DeleteTask(ctx, ref.DeviceID, taskID)
}

func (x *clientAPI) SetTimerRunning(ctx context.Context, ref DeviceRef, taskID int64, running bool) error {
	t := x.as(ref.UserID).Timer()
	if running {
		return t.StartTask(ctx, ref.DeviceID, taskID)
	}
	return t.StopTask(ctx, ref.DeviceID, taskID)
}

func (x *clientAPI) CheckUpdate(ctx context.Context, ref DeviceRef, otaType int) (models.OTAVersion, error) {
	return x.as(ref.UserID).OTA().PeekUpdate(ctx, ref.SubDomain, ref.DeviceID, "", otaType)
}

// ConfirmUpdate resolves a device known only by its physical id (the fleet
// view) before confirming; the reason travels as the audit note.
func (x *clientAPI) ConfirmUpdate(ctx context.Context, ref DeviceRef, target string, otaType int, reason string) error {
	if ref.DeviceID == 0 && ref.PhysicalID != "" {
		id, err := x.c.Bind().GetDeviceID(ctx, ref.SubDomain, ref.PhysicalID)
		if err != nil {
			return err
		}
		ref.DeviceID = id
	}
	if reason != "" {
		ctx = acapi.WithAuditNote(ctx, reason)
	}
	return x.as(ref.UserID).OTA().ConfirmUpdate(ctx, ref.SubDomain, ref.DeviceID, target, otaType)
}

func (x *clientAPI) UpgradeStatus(ctx context.Context, ref DeviceRef, otaType int) (UpgradeStatus, error) {
	st, err := x.as(ref.UserID).OTA().GetUpgradeStatus(ctx, ref.SubDomain, ref.DeviceID)
	if err != nil {
		return UpgradeStatus{}, err
	}
	started, _ := models.ParseTime(st.StartedAt)
	last, _ := models.ParseTime(st.LastProgressAt)
	return UpgradeStatus{
		State: st.State, Phase: st.Phase, Percent: st.Percent, StartedAt: started, LastProgressAt: last,
		TargetVersion: st.TargetVersion, CurrentVersion: st.CurrentVersion, FailureReason: st.FailureReason,
		BytesPerSecond: st.BytesPerSecond, ETA: st.ETA(),
		ProgressInterval: time.Duration(st.ProgressIntervalMs) * time.Millisecond,
		StalledFor:       time.Duration(st.StalledForMs) * time.Millisecond,
	}, nil
}

func (x *clientAPI) PendingUpgrades(ctx context.Context, sub string) ([]UpgradeCandidate, error) {
	cs, err := x.c.OTA().ListUpgrades(ctx, sub)
	out := make([]UpgradeCandidate, len(cs))
	for i, c := range cs {
		out[i] = UpgradeCandidate{SubDomain: sub, PhysicalID: c.PhysicalDeviceID, OTAType: c.OTAType, CurrentVersion: c.CurrentVersion,
			TargetVersion: c.TargetVersion, OTAMode: c.OTAMode, State: c.State, Percent: c.Percent}
	}
	return out, err
}

func (x *clientAPI) Products(ctx context.Context) ([]models.Product, error) {
	return x.c.Product().GetDomainProducts(ctx)
}
