package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/models"
)

// The fake's half for the workflows. Its state lives beside fakeAPI (in a
// map keyed by the fake) so that fake_test.go stays as it is.

type fakeWF struct {
	mu  sync.Mutex
	now func() time.Time

	joined    map[int64][]JoinedDevice // gateway id → waiting sub-devices
	window    map[int64]MatchWindow
	noHistory bool // behave like a real router: no device history
	opens     []string
	closes    []string // notes of close calls
	added     []string
	addErr    map[string]error
	addGate   chan struct{} // AddSubDevice waits for it to close, when set
	joinErr   error         // JoinedSubDevices fails with it while set
	joinReads int           // JoinedSubDevices calls, to tell a hidden page's reads

	sent  []string
	reply func(code int, payload []byte) (CommandReply, error)

	shares int

	tasks    map[int64][]models.TimerTask
	runs     map[int64][]TimerRun
	nextTask int64
	saveErr  error

	version  map[int64]models.OTAVersion
	status   map[int64]UpgradeStatus
	confirms []string
	pending  map[string][]UpgradeCandidate

	statusReads int // UpgradeStatus calls

	events    map[string][]DeviceEvent // physical id → events
	calls     []ServiceCall
	callReply json.RawMessage // CallService answers this when set (else an echo)
}

var fakeWFs sync.Map // *fakeAPI → *fakeWF

func (f *fakeAPI) wf() *fakeWF {
	v, _ := fakeWFs.LoadOrStore(f, &fakeWF{
		now: time.Now, joined: map[int64][]JoinedDevice{}, window: map[int64]MatchWindow{}, addErr: map[string]error{},
		tasks: map[int64][]models.TimerTask{}, runs: map[int64][]TimerRun{}, nextTask: 100,
		version: map[int64]models.OTAVersion{}, status: map[int64]UpgradeStatus{}, pending: map[string][]UpgradeCandidate{},
		events: map[string][]DeviceEvent{},
	})
	return v.(*fakeWF)
}

// addDevice puts a device into user u's list (a gateway for pairing tests).
func (f *fakeAPI) addDevice(u int64, d models.Device) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.devices[u] = append(f.devices[u], d)
}

func (f *fakeAPI) guard(what string) error {
	if f.ReadOnly() {
		return fmt.Errorf("%s: %w", what, acapi.ErrReadOnly)
	}
	return nil
}

func (f *fakeAPI) ProductSpec(_ context.Context, sub string) (ProductSpec, error) {
	ms := catalog.Messages(sub)
	if ms == nil {
		return ProductSpec{SubDomain: sub}, &acapi.Error{Code: models.ErrSubDomainAbsent, Service: "zc-product", Method: "getSubDomainDataPoints"}
	}
	return ProductSpec{SubDomain: sub, Messages: ms}, nil
}

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

func (f *fakeAPI) DeviceShareCode(_ context.Context, ref DeviceRef, valid time.Duration) (string, error) {
	if err := f.guard("getShareCode"); err != nil {
		return "", err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.shares++
	return fmt.Sprintf("8mRftXCMM21ZyQfzoTtHZfQWYvH1H6n%d#%d", w.shares%10, ref.DeviceID), nil
}

func (f *fakeAPI) HomeShareCode(_ context.Context, userID, homeID int64, valid time.Duration) (string, error) {
	if err := f.guard("getHomeShareCode"); err != nil {
		return "", err
	}
	return fmt.Sprintf("HOME%dSHARE%d", homeID, userID), nil
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

func (f *fakeAPI) ListTimers(_ context.Context, ref DeviceRef) ([]models.TimerTask, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]models.TimerTask(nil), w.tasks[ref.DeviceID]...)
	for i := range out {
		out[i].Payload = nil // listTasks returns no command bytes
	}
	return out, nil
}

func (f *fakeAPI) TimerHistory(_ context.Context, ref DeviceRef, id int64, limit int) ([]TimerRun, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	runs := w.runs[id]
	if len(runs) > limit {
		runs = runs[:limit]
	}
	return append([]TimerRun(nil), runs...), nil
}

func (f *fakeAPI) SaveTimer(_ context.Context, ref DeviceRef, t models.TimerTask) (models.TimerTask, error) {
	if err := f.guard("addTask"); err != nil {
		return t, err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.saveErr != nil {
		return t, w.saveErr
	}
	t.DeviceID = ref.DeviceID
	if t.TaskID == 0 {
		w.nextTask++
		t.TaskID, t.Status = w.nextTask, models.TaskRunning
		w.tasks[ref.DeviceID] = append(w.tasks[ref.DeviceID], t)
		return t, nil
	}
	for i, o := range w.tasks[ref.DeviceID] {
		if o.TaskID == t.TaskID {
			if len(t.Payload) == 0 {
				t.Payload = o.Payload
			}
			w.tasks[ref.DeviceID][i] = t
			return t, nil
		}
	}
	// Like the cloud: a task deleted elsewhere cannot be saved over.
	return t, taskAbsent("modifyTask", t.TaskID)
}

func taskAbsent(method string, id int64) error {
	return &acapi.Error{Code: models.ErrTaskAbsent, Message: fmt.Sprintf("task %d does not exist", id), Service: "zc-timer-task", Method: method}
}

func (f *fakeAPI) DeleteTimer(_ context.Context, ref DeviceRef, id int64) error {
	if err := f.guard("deleteTask"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	ts := w.tasks[ref.DeviceID]
	for i, t := range ts {
		if t.TaskID == id {
			w.tasks[ref.DeviceID] = append(ts[:i:i], ts[i+1:]...)
			return nil
		}
	}
	return taskAbsent("deleteTask", id)
}

func (f *fakeAPI) SetTimerRunning(_ context.Context, ref DeviceRef, id int64, running bool) error {
	if err := f.guard("startTask"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, t := range w.tasks[ref.DeviceID] {
		if t.TaskID == id {
			w.tasks[ref.DeviceID][i].Status = models.TaskStopped
			if running {
				w.tasks[ref.DeviceID][i].Status = models.TaskRunning
			}
			return nil
		}
	}
	if running {
		return taskAbsent("startTask", id)
	}
	return taskAbsent("stopTask", id)
}

func (f *fakeAPI) CheckUpdate(_ context.Context, ref DeviceRef, otaType int) (models.OTAVersion, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.version[ref.DeviceID]
	if !ok {
		return models.OTAVersion{CurrentVersion: "1-0-0"}, nil
	}
	return v, nil
}

func (f *fakeAPI) ConfirmUpdate(_ context.Context, ref DeviceRef, target string, otaType int, reason string) error {
	if err := f.guard("confirmUpdate"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.confirms = append(w.confirms, fmt.Sprintf("%d/%s:%s:%s", ref.DeviceID, ref.PhysicalID, target, reason))
	now := w.now()
	w.status[ref.DeviceID] = UpgradeStatus{State: "upgrading", Phase: "download", StartedAt: now, LastProgressAt: now, TargetVersion: target, ProgressInterval: time.Second}
	return nil
}

func (f *fakeAPI) UpgradeStatus(_ context.Context, ref DeviceRef, otaType int) (UpgradeStatus, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.statusReads++
	return w.status[ref.DeviceID], nil
}

func (f *fakeAPI) PendingUpgrades(_ context.Context, sub string) ([]UpgradeCandidate, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]UpgradeCandidate(nil), w.pending[sub]...), nil
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
