package ui

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

// fakeAPI is an in-memory cloud for model tests, in one file per concern
// (fake_*_test.go) like the real adapter. Writes honour the read-only
// switch the way acapi does.
type fakeAPI struct {
	mu       sync.Mutex
	readOnly bool
	users    []models.User
	devices  map[int64][]models.Device
	renames  []string
	// macs and unbound stand in for the warehouse: the MAC of each
	// physical id, and records nobody has bound.
	macs    map[string]string
	unbound []models.DeviceInfo
	roomOf  map[int64]int64 // device id → room id
	codes   map[string]string
	outbox  []OutboxEntry
	deleted map[string]bool // "home5", "room2": deleted by a write
	// workflows is the state of pairing, commands, timers, firmware and
	// events, under its own lock.
	workflows *fakeWF
}

func newFakeAPI() *fakeAPI {
	on := 1
	f := &fakeAPI{readOnly: true, devices: map[int64][]models.Device{}}
	for i := 1; i <= 250; i++ {
		f.users = append(f.users, models.User{UserID: int64(i), NickName: fmt.Sprintf("user%03d", i), Phone: fmt.Sprintf("13800000%03d", i)})
	}
	f.users[41].NickName = "张伟"
	f.devices[42] = []models.Device{
		{DeviceID: 900, PhysicalDeviceID: "A1B2C3D4E5F60001", Name: "客厅插座", Owner: 42, SubDomainName: "plug", GatewayDeviceID: 900, Status: &on, RootID: 5},
		{DeviceID: 901, PhysicalDeviceID: "A1B2C3D4E5F60002", Name: models.SanitizeLine("evil\x1b]0;pwned\x07lamp"), Owner: 7, SubDomainName: "bulb", GatewayDeviceID: 901, Status: new(int)},
	}
	// User 7 shares the plug: unbinding 7 from it is a real write.
	f.devices[7] = []models.Device{f.devices[42][0]}
	f.roomOf = map[int64]int64{900: 1}
	f.deleted = map[string]bool{}
	f.users[6].Email = "user007@example.com"
	f.users[6].Phone = "+8613800028183"
	f.macs = map[string]string{"A1B2C3D4E5F60001": "a1:b2:c3:00:00:01", "A1B2C3D4E5F60002": "a1:b2:c3:00:00:02"}
	f.unbound = []models.DeviceInfo{
		{PhysicalDeviceID: "FFEE000000000001", SubDomainName: "plug", MAC: "ff:ee:00:00:00:01", Status: 2},
		{PhysicalDeviceID: "ffee000000000001", SubDomainName: "bulb", MAC: "ff:ee:00:00:00:02", Status: 2},
		{PhysicalDeviceID: "860012345678", SubDomainName: "switch", MAC: "ff:ee:00:00:00:03", Status: 2},
	}
	f.workflows = &fakeWF{
		now: time.Now, joined: map[int64][]JoinedDevice{}, window: map[int64]MatchWindow{}, addErr: map[string]error{},
		tasks: map[int64][]models.TimerTask{}, runs: map[int64][]TimerRun{}, nextTask: 100,
		version: map[int64]models.OTAVersion{}, status: map[int64]models.UpgradeStatus{}, pending: map[string][]models.UpgradeCandidate{},
		events: map[string][]DeviceEvent{},
	}
	return f
}

func (f *fakeAPI) ReadOnly() bool      { f.mu.Lock(); defer f.mu.Unlock(); return f.readOnly }
func (f *fakeAPI) SetReadOnly(on bool) { f.mu.Lock(); f.readOnly = on; f.mu.Unlock() }

func (f *fakeAPI) renamesSoFar() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.renames, ",")
}

// allDevices is every device the fake knows, once each, in a fixed order
// (by user id), taking the owner's record where a share holds a copy: a
// lookup never depends on map order or finds a stale copy.
func (f *fakeAPI) allDevices() []models.Device {
	users := make([]int64, 0, len(f.devices))
	for u := range f.devices {
		users = append(users, u)
	}
	slices.Sort(users)
	var out []models.Device
	seen := map[int64]bool{}
	for _, owners := range []bool{true, false} {
		for _, u := range users {
			for _, d := range f.devices[u] {
				if seen[d.DeviceID] || (d.Owner == u) != owners {
					continue
				}
				seen[d.DeviceID] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// fakeWF is the fake's workflow state: pairing, commands, sharing, timers,
// firmware and events.
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
	status   map[int64]models.UpgradeStatus
	confirms []string
	pending  map[string][]models.UpgradeCandidate

	statusReads int // models.UpgradeStatus calls

	events    map[string][]DeviceEvent // physical id → events
	calls     []ServiceCall
	callReply json.RawMessage // CallService answers this when set (else an echo)
}

func (f *fakeAPI) wf() *fakeWF { return f.workflows }

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

// write records a write the way acapi's guard would allow or refuse it.
func (f *fakeAPI) write(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return fmt.Errorf("%s: %w", s, acapi.ErrReadOnly)
	}
	f.renames = append(f.renames, s)
	return nil
}

// The fake refuses what the cloud refuses, with the cloud's codes
// (TestWritesAgreeOnFakeAndCloud holds the two to the same table).
func fakeErr(code int, service, method, msg string) error {
	return &acapi.Error{Code: code, Message: msg, Service: service, Method: method}
}

// device finds a device the fake knows; the caller holds f.mu.
func (f *fakeAPI) device(id int64) (models.Device, bool) {
	for _, d := range f.allDevices() {
		if d.DeviceID == id {
			return d, true
		}
	}
	return models.Device{}, false
}

// check runs a validation under the lock before a write is recorded.
func (f *fakeAPI) check(fn func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return nil // the write itself reports read-only first
	}
	return fn()
}

func named(method, name string) error {
	if strings.TrimSpace(name) == "" {
		return fakeErr(models.ErrInvalidParam, "zc-bind", method, "name is required")
	}
	return nil
}
