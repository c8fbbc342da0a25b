package cloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/catalog"
	"acconsole/cloud"
	"acconsole/cloud/cloudtest"
	"acconsole/cloud/ota"
	"acconsole/cloud/rpc/rpctest"
	"acconsole/cloud/sim"
	"acconsole/cloud/store/storetest"
	"acconsole/internal/clock"
	"acconsole/models"
)

// Two instances on one store (PostgreSQL with ACCONSOLE_TEST_POSTGRES, else
// one SQLite file): a timer task added through one fires exactly once, run
// by whichever instance claims it, and when the instance it was added
// through goes away, the other runs the task's next firing.
func TestTwoInstancesFireEachTimerOnce(t *testing.T) {
	a := cloudtest.Start(t, cloudtest.Options{TimerResync: 100 * time.Millisecond})
	b := cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir, TimerResync: 100 * time.Millisecond})
	mk := func(c *cloudtest.Cloud) *matrixClient {
		return &matrixClient{t: t, url: c.URL, hc: &http.Client{Timeout: 30 * time.Second},
			dev: rpctest.Developer{ID: c.Developer.ID, AccessKey: c.Developer.AccessKey, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name}}
	}
	ca, cb := mk(a), mk(b)
	if a.Developer.ID != b.Developer.ID || a.Domain.ID != b.Domain.ID {
		t.Fatalf("instances disagree on the developer or domain: %d/%d vs %d/%d", a.Developer.ID, a.Domain.ID, b.Developer.ID, b.Domain.ID)
	}

	// A user with a plug, made through instance A.
	uid := ca.register("+8613900000001")
	ca.mustDev("zc-warehouse", "activateDevice", "plug", 0, map[string]any{"physicalDeviceId": "PLUG000000000001", "devVersion": "1-0-0"})
	dev := ca.mustDev("zc-bind", "bindDevice", "plug", uid, map[string]any{"physicalDeviceId": "PLUG000000000001", "name": "plug"})["device"].(map[string]any)
	plug := int64(dev["deviceId"].(float64))

	// Eight once-tasks, due together a few seconds from now, added through
	// A; both instances hold them before they fall due.
	due := time.Now().UTC().Add(4 * time.Second).Truncate(time.Second)
	var tasks []int64
	for i := 0; i < 8; i++ {
		tk := ca.mustDev("zc-timer-task", "addTask", "", uid, map[string]any{"deviceId": plug, "taskFlag": 0, "timeZone": "UTC",
			"timePoint": due.Format("2006-01-02 15:04:05"), "timeCycle": "once", "name": fmt.Sprint("t", i), "messageCode": 66})["task"].(map[string]any)
		tasks = append(tasks, int64(tk["taskId"].(float64)))
	}
	waitFor(t, "instance B schedules the tasks added through A", func() bool {
		for _, id := range tasks {
			if _, ok := b.Timers().Scheduler().Next(id); !ok {
				return false
			}
		}
		return true
	})
	// Each task has a history entry (through either instance)…
	waitFor(t, "every task fires", func() bool {
		for _, id := range tasks {
			if len(cb.history(uid, plug, id)) == 0 {
				return false
			}
		}
		return true
	})
	// …and once both instances have handled everything due by now, still
	// exactly one.
	a.Timers().Settle()
	b.Timers().Settle()
	for _, id := range tasks {
		if h := ca.history(uid, plug, id); len(h) != 1 {
			t.Errorf("task %d: %d firings recorded, want exactly 1: %v", id, len(h), h)
		}
	}

	// Takeover: a task added through A, then A goes away; B runs it.
	due = time.Now().UTC().Add(4 * time.Second).Truncate(time.Second)
	tk := ca.mustDev("zc-timer-task", "addTask", "", uid, map[string]any{"deviceId": plug, "taskFlag": 0, "timeZone": "UTC",
		"timePoint": due.Format("2006-01-02 15:04:05"), "timeCycle": "once", "name": "late", "messageCode": 66})["task"].(map[string]any)
	late := int64(tk["taskId"].(float64))
	waitFor(t, "instance B schedules the task added through A", func() bool {
		_, ok := b.Timers().Scheduler().Next(late)
		return ok
	})
	a.Close()
	waitFor(t, "instance B runs the task of the instance that went away", func() bool {
		return len(cb.history(uid, plug, late)) == 1
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// matrixClient is a small signed client for one instance.
type matrixClient struct {
	t   *testing.T
	url string
	hc  *http.Client
	dev rpctest.Developer
	seq atomic.Int64
}

func (c *matrixClient) mustDev(service, method, sub string, uid int64, params map[string]any) map[string]any {
	c.t.Helper()
	u := c.url + "/" + service + "/v1/" + method
	var body []byte
	ct := "application/x-zc-object"
	if method == "addTask" {
		// A stream method: keys in the query, the payload as the body.
		q := url.Values{}
		for k, v := range params {
			q.Set(k, fmt.Sprint(v))
		}
		u += "?" + q.Encode()
		body, ct = []byte{0x01}, "application/octet-stream"
	} else {
		body, _ = json.Marshal(params)
	}
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Zc-Major-Domain", c.dev.MajorDomain)
	if sub != "" {
		req.Header.Set("X-Zc-Sub-Domain", sub)
	}
	if method == "register" {
		req.Header.Set("X-Zc-Access-Mode", "1")
	} else {
		c.dev.Sign(req.Header, method, sub, uid, time.Now(), fmt.Sprintf("i%015d", c.seq.Add(1)))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s/%s: %v", service, method, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if resp.Header.Get("X-Zc-Msg-Name") != "X-Zc-Ack" {
		c.t.Fatalf("%s/%s: %s", service, method, raw)
	}
	return out
}

func (c *matrixClient) register(phone string) int64 {
	c.t.Helper()
	code := c.mustDev("zc-account", "getVerifyCode", "", 0, map[string]any{"account": phone})["verifyCode"]
	reg := c.mustDev("zc-account", "register", "", 0, map[string]any{"phone": phone, "password": "secret-pw", "verifyCode": code, "nickName": "n"})
	return int64(reg["userId"].(float64))
}

func (c *matrixClient) history(uid, dev, task int64) []any {
	c.t.Helper()
	h, _ := c.mustDev("zc-timer-task", "listTaskHistory", "", uid, map[string]any{"deviceId": dev, "taskId": task, "limit": 50})["history"].([]any)
	return h
}

// A command sent through one instance reaches a device connected to the
// other (PostgreSQL's LISTEN/NOTIFY carries it); an instance alone on its
// store, or on SQLite, which has no relay, answers offline (3807).
func TestSendToDeviceAcrossInstances(t *testing.T) {
	a := cloudtest.Start(t, cloudtest.Options{Demo: 30, Simulate: true})
	b := cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir})
	var pid string
	for _, d := range a.Fleet().Devices() {
		if d.Key().SubDomain == "plug" {
			pid = d.Key().PhysicalID
			break
		}
	}
	if pid == "" {
		t.Fatal("no simulated plug")
	}
	mk := func(c *cloudtest.Cloud) *matrixClient {
		return &matrixClient{t: t, url: c.URL, hc: &http.Client{Timeout: 30 * time.Second},
			dev: rpctest.Developer{ID: c.Developer.ID, AccessKey: c.Developer.AccessKey, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name}}
	}
	cb := mk(b)
	msg, code, body := cb.sendToDevice("plug", pid, catalog.CodeIdentify)
	if storetest.Postgres() == "" {
		if msg != "X-Zc-Err" || !strings.Contains(body, "3807") {
			t.Fatalf("SQLite, through the other instance: %s %s, want error 3807 (offline)", msg, body)
		}
		return
	}
	if msg != "X-Zc-Ack" || code != strconv.Itoa(catalog.CodeInfo) || len(body) == 0 {
		t.Fatalf("identify through the other instance: %s code %q body %q, want an ack with code %d", msg, code, body, catalog.CodeInfo)
	}
	// The command is in the device history of both instances, once.
	for name, c := range map[string]*matrixClient{"A": mk(a), "B": cb} {
		waitFor(t, "instance "+name+" shows the command in the device history", func() bool {
			return commandsIn(c, pid, catalog.CodeIdentify) > 0
		})
	}
	if n := commandsIn(cb, pid, catalog.CodeIdentify); n != 1 {
		t.Errorf("instance B's history has the command %d times, want once", n)
	}
	// The instance the device was connected to goes away: offline, at once
	// rather than after the send timeout is not asserted (no timing), but
	// the answer is the offline code, not a hang or an internal error.
	a.Close()
	if msg, _, body := cb.sendToDevice("plug", pid, catalog.CodeIdentify); msg != "X-Zc-Err" || !strings.Contains(body, "3807") {
		t.Fatalf("after the device's instance closed: %s %s, want error 3807 (offline)", msg, body)
	}
}

func (c *matrixClient) sendToDevice(sub, pid string, code int) (msg, replyCode, body string) {
	c.t.Helper()
	return c.sendToDeviceQ(sub, pid, code, url.Values{})
}

// sendToDeviceQ is sendToDevice with more query keys (timeout).
func (c *matrixClient) sendToDeviceQ(sub, pid string, code int, q url.Values) (msg, replyCode, body string) {
	c.t.Helper()
	q.Set("physicalDeviceId", pid)
	q.Set("messageCode", strconv.Itoa(code))
	req, err := http.NewRequest(http.MethodPost, c.url+"/zc-bind/v1/sendToDevice?"+q.Encode(), bytes.NewReader(nil))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Zc-Major-Domain", c.dev.MajorDomain)
	req.Header.Set("X-Zc-Sub-Domain", sub)
	c.dev.Sign(req.Header, "sendToDevice", sub, 0, time.Now(), fmt.Sprintf("i%015d", c.seq.Add(1)))
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.Header.Get("X-Zc-Msg-Name"), resp.Header.Get("X-Zc-Msg-Attr_code"), string(raw)
}

// commandsIn counts the commands with code in the device history of a
// plug, read through one instance.
func commandsIn(c *matrixClient, pid string, code int) int {
	c.t.Helper()
	reports, _ := c.mustDev("device-history", "listReports", "plug", 0, map[string]any{"physicalDeviceId": pid, "limit": 500})["reports"].([]any)
	n := 0
	for _, r := range reports {
		m, _ := r.(map[string]any)
		if m["kind"] == "command" && m["code"] == float64(code) {
			n++
		}
	}
	return n
}

// A gateway's pairing window opened through one instance opens on the
// gateway connected to the other, and the sub-devices that join it are
// listed through the first (PostgreSQL); on SQLite, without a relay, the
// gateway is offline (3807) to the other instance.
func TestPairingAcrossInstances(t *testing.T) {
	a := cloudtest.Start(t, cloudtest.Options{Demo: 30, Simulate: true, SimJoinEvery: 100 * time.Millisecond, SimJoinCandidates: 3})
	b := cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir})
	var gw, owner int64
	if err := b.DB.QueryRow(`SELECT id, owner FROM dev_devices WHERE is_gateway = 1 AND gateway_id = 0 ORDER BY id LIMIT 1`).Scan(&gw, &owner); err != nil {
		t.Fatalf("a bound demo gateway: %v", err)
	}
	cb := &matrixClient{t: t, url: b.URL, hc: &http.Client{Timeout: 30 * time.Second},
		dev: rpctest.Developer{ID: b.Developer.ID, AccessKey: b.Developer.AccessKey, SecretKey: b.Developer.SecretKey, MajorDomain: b.Domain.Name}}
	ok, body := cb.try("zc-bind", "openGatewayMatch", "gateway", owner, map[string]any{"gatewayDeviceId": gw, "time": 60})
	if storetest.Postgres() == "" {
		if ok || !strings.Contains(body, "3807") {
			t.Fatalf("SQLite, through the other instance: %s, want error 3807 (offline)", body)
		}
		return
	}
	if !ok {
		t.Fatalf("openGatewayMatch through the other instance: %s", body)
	}
	waitFor(t, "sub-devices that joined the gateway on A are listed through B", func() bool {
		devs, _ := cb.mustDev("zc-bind", "listNewDevices", "gateway", owner, map[string]any{"gatewayDeviceId": gw})["devices"].([]any)
		return len(devs) > 0
	})
	if ok, body := cb.try("zc-bind", "closeGatewayMatch", "gateway", owner, map[string]any{"gatewayDeviceId": gw}); !ok {
		t.Fatalf("closeGatewayMatch through the other instance: %s", body)
	}
}

// try is mustDev that returns a refusal instead of failing.
func (c *matrixClient) try(service, method, sub string, uid int64, params map[string]any) (bool, string) {
	c.t.Helper()
	body, _ := json.Marshal(params)
	req, err := http.NewRequest(http.MethodPost, c.url+"/"+service+"/v1/"+method, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-zc-object")
	req.Header.Set("X-Zc-Major-Domain", c.dev.MajorDomain)
	req.Header.Set("X-Zc-Sub-Domain", sub)
	c.dev.Sign(req.Header, method, sub, uid, time.Now(), fmt.Sprintf("i%015d", c.seq.Add(1)))
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.Header.Get("X-Zc-Msg-Name") == "X-Zc-Ack", string(raw)
}

// instanceClient is a developer-signed client for one instance.
func instanceClient(t *testing.T, c *cloudtest.Cloud) *matrixClient {
	return &matrixClient{t: t, url: c.URL, hc: &http.Client{Timeout: 30 * time.Second},
		dev: rpctest.Developer{ID: c.Developer.ID, AccessKey: c.Developer.AccessKey, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name}}
}

// boundSimPlug picks a simulated plug of instance a that a demo user owns:
// its simulated device, logical id and owner.
func boundSimPlug(t *testing.T, a *cloudtest.Cloud) (*sim.Device, int64, int64) {
	t.Helper()
	for _, d := range a.Fleet().Devices() {
		if d.Key().SubDomain != catalog.SubPlug {
			continue
		}
		var id, owner int64
		err := a.DB.QueryRow(`SELECT id, owner FROM dev_devices WHERE physical_id = ? AND owner <> 0`, d.Key().PhysicalID).Scan(&id, &owner)
		if err == nil {
			return d, id, owner
		}
	}
	t.Fatal("no simulated plug with an owner")
	return nil, 0, 0
}

// upgradeView is what a console shows of an upgrade.
func upgradeView(st map[string]any) string {
	return fmt.Sprintf("%v %v %v", st["state"], st["phase"], st["percent"])
}

// An upgrade confirmed through instance B of a plug simulated by (connected
// to) instance A runs on A's plug, and its status read through either
// instance is the same at every step (PostgreSQL). When A, which tracks
// it, goes away mid-upgrade, B reports it failed as interrupted. On SQLite
// B has no relay: the plug is not B's to upgrade (3813).
func TestUpgradeAcrossInstances(t *testing.T) {
	fake := clock.NewFake(time.Now().Truncate(time.Second))
	a := cloudtest.Start(t, cloudtest.Options{Demo: 30, Simulate: true, Clock: fake})
	b := cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir, Clock: clock.FromFunc(fake.Now)})
	// One second per download step (14 % each), then verify 1 s, flash 2 s
	// (half-way report at 88 %), reboot 1 s.
	a.SetSimUpgradeOptions(sim.UpgradeOptions{Download: 5 * time.Second, Steps: 5, Verify: time.Second, Flash: 2 * time.Second, Reboot: time.Second})
	ca, cb := instanceClient(t, a), instanceClient(t, b)
	plug, id, _ := boundSimPlug(t, a)
	from := plug.Firmware()

	offer := cb.mustDev("zc-ota", "checkUpdate", catalog.SubPlug, 0, map[string]any{"deviceId": id, "otaType": 1})
	target, _ := offer["targetVersion"].(string)
	if offer["update"] != float64(1) || target == "" || target == from {
		t.Fatalf("checkUpdate through B offers %v (the plug runs %s)", offer, from)
	}
	ok, body := cb.try("zc-ota", "confirmUpdate", catalog.SubPlug, 0, map[string]any{"deviceId": id, "otaType": 1, "targetVersion": target})
	if storetest.Postgres() == "" {
		if ok || !strings.Contains(body, "3813") {
			t.Fatalf("SQLite, through the other instance: %s, want error 3813", body)
		}
		return
	}
	if !ok {
		t.Fatalf("confirmUpdate through B: %s", body)
	}

	// Each second of the plug's clock, the status through A and through B
	// reaches the step the plug reported (the upgrade plan of cloud/sim).
	steps := []string{
		"upgrading download 0",
		"upgrading download 14", "upgrading download 28", "upgrading download 42", "upgrading download 56",
		"upgrading verify 70", "upgrading flash 80", "upgrading flash 88", "upgrading reboot 95",
		"succeeded done 100",
	}
	for i, want := range steps {
		if i > 0 {
			fake.Advance(time.Second)
		}
		if i == 3 {
			// An instance starting on the store meanwhile leaves the
			// upgrade A tracks alone (it interrupts only those of
			// instances that are gone).
			cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir, Clock: clock.FromFunc(fake.Now)})
		}
		var sa, sb map[string]any
		waitFor(t, fmt.Sprintf("step %d (%s) through both instances", i, want), func() bool {
			sa = ca.mustDev("zc-ota", "getUpgradeStatus", catalog.SubPlug, 0, map[string]any{"deviceId": id})
			sb = cb.mustDev("zc-ota", "getUpgradeStatus", catalog.SubPlug, 0, map[string]any{"deviceId": id})
			return upgradeView(sa) == want && upgradeView(sb) == want
		})
		// Everything else a console draws (pace, ETA, times) agrees too.
		ja, _ := json.Marshal(sa)
		jb, _ := json.Marshal(sb)
		if string(ja) != string(jb) {
			t.Fatalf("step %d: status through A %s, through B %s", i, ja, jb)
		}
	}
	if got := plug.Firmware(); got != target {
		t.Fatalf("A's plug runs %s after the upgrade, want %s", got, target)
	}
	if st := cb.mustDev("zc-ota", "checkUpdate", catalog.SubPlug, 0, map[string]any{"deviceId": id, "otaType": 1, "peek": true}); st["status"] != float64(2) || st["currentVersion"] != target {
		t.Fatalf("checkUpdate through B after the upgrade: %v, want status 2 (succeeded) on %s", st, target)
	}
	if runs := countRows(t, b, `SELECT COUNT(*) FROM ota_upgrades WHERE device_id = ?`, id); runs != 1 {
		t.Fatalf("%d upgrade runs recorded, want 1", runs)
	}

	// The plug is flashed back to its old firmware by hand and upgraded
	// again through B (saying what it runs); A goes away in the middle of
	// the download.
	plug.SetVersion(from)
	if ok, body := cb.try("zc-ota", "confirmUpdate", catalog.SubPlug, 0, map[string]any{"deviceId": id, "otaType": 1, "version": from, "targetVersion": target}); !ok {
		t.Fatalf("second confirmUpdate through B: %s", body)
	}
	fake.Advance(time.Second)
	waitFor(t, "the second upgrade's first download step", func() bool {
		return upgradeView(cb.mustDev("zc-ota", "getUpgradeStatus", catalog.SubPlug, 0, map[string]any{"deviceId": id})) == "upgrading download 14"
	})
	a.Close()
	var st map[string]any
	waitFor(t, "B reports the upgrade of the instance that went away as interrupted", func() bool {
		st = cb.mustDev("zc-ota", "getUpgradeStatus", catalog.SubPlug, 0, map[string]any{"deviceId": id})
		return st["state"] == "failed"
	})
	if reason, _ := st["failureReason"].(string); !strings.Contains(reason, "interrupted") || st["percent"] != float64(14) {
		t.Fatalf("status after A went away: %v, want failed (interrupted) at 14 %%", st)
	}
	if n := countRows(t, b, `SELECT COUNT(*) FROM ota_upgrades WHERE device_id = ? AND state = 'upgrading'`, id); n != 0 {
		t.Fatalf("%d upgrades still marked running", n)
	}
}

func countRows(t *testing.T, c *cloudtest.Cloud, query string, args ...any) int {
	t.Helper()
	var n int
	if err := c.DB.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A device timer added through instance B for a plug simulated by
// instance A is on the plug when B answers (PostgreSQL's relay carries the
// change and B waits for A's push, as it waits for a plug connected to
// itself), is listed the same through both, fires on the plug exactly
// once, and a change, a stop, a start or a deletion through B is on the
// plug when B answers too. On SQLite, without a relay, only the listings
// are checked.
func TestDeviceTimerAcrossInstances(t *testing.T) {
	fake := clock.NewFake(time.Now().Truncate(time.Second))
	a := cloudtest.Start(t, cloudtest.Options{Demo: 30, Simulate: true, Clock: fake})
	b := cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir, Clock: clock.FromFunc(fake.Now)})
	ca, cb := instanceClient(t, a), instanceClient(t, b)
	plug, id, owner := boundSimPlug(t, a)
	point := func(at time.Time) string { return at.UTC().Format("2006-01-02 15:04:05") }
	due := fake.Now().Add(2 * time.Minute)

	tk := cb.mustDev("zc-timer-task", "addTask", "", owner, map[string]any{"deviceId": id, "taskFlag": 1, "timeZone": "UTC",
		"timePoint": point(due), "timeCycle": "once", "name": "on", "messageCode": catalog.CodeSetPower})["task"].(map[string]any)
	task := int64(tk["taskId"].(float64))
	list := func(c *matrixClient) string {
		raw, _ := json.Marshal(c.mustDev("zc-timer-task", "listTasks", "", owner, map[string]any{"deviceId": id}))
		return string(raw)
	}
	sameLists := func(what string) {
		t.Helper()
		if la, lb := list(ca), list(cb); la != lb || !strings.Contains(la, fmt.Sprintf(`"taskId":%d`, task)) {
			t.Fatalf("%s: tasks through A %s, through B %s", what, la, lb)
		}
	}
	sameLists("after addTask through B")
	if storetest.Postgres() == "" {
		return
	}
	// Checked as soon as B answers, without waiting: that is the promise.
	holds := func(what, wantPoint string, running bool) {
		t.Helper()
		if ts := plug.Timers(); len(ts) != 1 || ts[0].TaskID != task || ts[0].Running != running || ts[0].TimePoint != wantPoint {
			t.Fatalf("%s: A's plug holds %+v, want task %d at %s (running %v)", what, ts, task, wantPoint, running)
		}
	}
	holds("after addTask through B", point(due), true)

	// Moved a minute earlier through B: the plug's copy follows.
	due = due.Add(-time.Minute)
	cb.mustDev("zc-timer-task", "modifyTask", "", owner, map[string]any{"deviceId": id, "taskId": task, "timePoint": point(due)})
	holds("after modifyTask through B", point(due), true)
	sameLists("after modifyTask through B")

	// Stopped and started again through B: the plug's copy follows.
	cb.mustDev("zc-timer-task", "stopTask", "", owner, map[string]any{"deviceId": id, "taskId": task})
	holds("after stopTask through B", point(due), false)
	cb.mustDev("zc-timer-task", "startTask", "", owner, map[string]any{"deviceId": id, "taskId": task})
	holds("after startTask through B", point(due), true)

	fake.Advance(time.Minute)
	waitFor(t, "the firing is in the history through B", func() bool { return len(cb.history(owner, id, task)) > 0 })
	a.Timers().Settle()
	b.Timers().Settle()
	fired := 0
	for _, f := range plug.TimerFirings() {
		if f.TaskID == task {
			fired++
		}
	}
	if fired != 1 {
		t.Fatalf("the plug fired the timer %d times, want once", fired)
	}
	for name, c := range map[string]*matrixClient{"A": ca, "B": cb} {
		h := c.history(owner, id, task)
		if len(h) != 1 {
			t.Fatalf("history through %s: %v, want exactly one firing", name, h)
		}
		if e, _ := h[0].(map[string]any); e["result"] != "fired-by-device" || e["at"] != models.FormatTime(due) {
			t.Fatalf("history through %s: %v, want fired-by-device at %s", name, e, models.FormatTime(due))
		}
	}
	sameLists("after the firing")

	cb.mustDev("zc-timer-task", "deleteTask", "", owner, map[string]any{"deviceId": id, "taskId": task})
	if ts := plug.Timers(); len(ts) != 0 {
		t.Fatalf("after deleteTask through B: A's plug still holds %+v", ts)
	}
	if la, lb := list(ca), list(cb); la != lb || strings.Contains(la, fmt.Sprintf(`"taskId":%d`, task)) {
		t.Fatalf("after deleteTask through B: tasks through A %s, through B %s", la, lb)
	}
}

// A silent firmware version published through instance B reaches a plug
// simulated by (connected to) instance A: A hears of it over the relay,
// reloads its catalog and upgrades the plug by itself, and the status
// through both instances agrees (PostgreSQL). On SQLite, without a relay,
// B has the version and A finds it at its next start.
func TestOTAPublishAcrossInstances(t *testing.T) {
	a := cloudtest.Start(t, cloudtest.Options{Demo: 30, Simulate: true})
	b := cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir})
	a.SetSimUpgradeOptions(sim.UpgradeOptions{Download: 40 * time.Millisecond, Steps: 2, Verify: 10 * time.Millisecond, Flash: 20 * time.Millisecond, Reboot: 10 * time.Millisecond})
	ca, cb := instanceClient(t, a), instanceClient(t, b)
	plug, id, _ := boundSimPlug(t, a)
	const target = "9-0-0"
	if models.CompareVersions(plug.Firmware(), target) >= 0 {
		t.Fatalf("the plug already runs %s", plug.Firmware())
	}
	sd, ok := b.Platform.SubDomain(context.Background(), b.Domain.ID, catalog.SubPlug)
	if !ok {
		t.Fatal("no plug product")
	}
	if err := b.OTA().Publish(context.Background(), ota.Version{SubDomainID: sd.ID, OTAType: ota.TypeMCU, Version: target, Mode: ota.ModeSilent, Size: 4096}); err != nil {
		t.Fatal(err)
	}
	if storetest.Postgres() == "" {
		if got := b.OTA().Versions(sd.ID, ota.TypeMCU); len(got) == 0 || got[len(got)-1].Version != target {
			t.Fatalf("B's catalog after publishing: %v, want %s last", got, target)
		}
		return
	}
	var sa, sb map[string]any
	waitFor(t, "A's plug upgraded by itself to the version published through B, shown alike through both", func() bool {
		sa = ca.mustDev("zc-ota", "getUpgradeStatus", catalog.SubPlug, 0, map[string]any{"deviceId": id})
		sb = cb.mustDev("zc-ota", "getUpgradeStatus", catalog.SubPlug, 0, map[string]any{"deviceId": id})
		return plug.Firmware() == target && sa["state"] == "succeeded" && sb["state"] == "succeeded"
	})
	ja, _ := json.Marshal(sa)
	jb, _ := json.Marshal(sb)
	if string(ja) != string(jb) || sa["targetVersion"] != target || sa["currentVersion"] != target {
		t.Fatalf("status through A %s, through B %s; want both succeeded on %s", ja, jb, target)
	}
	for name, c := range map[string]*matrixClient{"A": ca, "B": cb} {
		if st := c.mustDev("zc-ota", "checkUpdate", catalog.SubPlug, 0, map[string]any{"deviceId": id, "otaType": 1, "peek": true}); st["update"] != float64(0) || st["currentVersion"] != target {
			t.Fatalf("checkUpdate through %s after the rollout: %v, want nothing newer than %s", name, st, target)
		}
	}
	if n := countRows(t, b, `SELECT COUNT(*) FROM ota_upgrades WHERE device_id = ? AND trigger = 'silent' AND target_version = ? AND state = 'succeeded'`, id, target); n != 1 {
		t.Fatalf("%d silent upgrades to %s recorded, want 1", n, target)
	}
}

// A device connected to no instance is known to be offline as soon as
// every other instance said it does not have it, not after the wait for
// an acknowledgement (which covers an instance that died): a device timer
// added for an offline plug, and a command to it, answer at once through
// either of two instances. The relay's waits are made an hour long here
// and the command's own timeout 30 s, past the clients' 20 s, so an
// answer that waited for either fails the test.
func TestOfflineDeviceAnswersAtOnceAcrossInstances(t *testing.T) {
	if storetest.Postgres() == "" {
		t.Skip("two instances share a store on PostgreSQL only")
	}
	t.Cleanup(cloud.SetRelayWaits(time.Hour)) // runs after both instances close
	a := cloudtest.Start(t, cloudtest.Options{Demo: 30, Simulate: true})
	b := cloudtest.Start(t, cloudtest.Options{DataDir: a.DataDir})
	ca, cb := instanceClient(t, a), instanceClient(t, b)
	ca.hc.Timeout, cb.hc.Timeout = 20*time.Second, 20*time.Second
	uid := ca.register("+8613900000077")
	const pid = "DARK000000000001" // activated, bound, never connected
	ca.mustDev("zc-warehouse", "activateDevice", "plug", 0, map[string]any{"physicalDeviceId": pid, "devVersion": "1-0-0"})
	dev := ca.mustDev("zc-bind", "bindDevice", "plug", uid, map[string]any{"physicalDeviceId": pid, "name": "dark"})["device"].(map[string]any)
	id := int64(dev["deviceId"].(float64))
	for name, c := range map[string]*matrixClient{"A": ca, "B": cb} {
		tk := c.mustDev("zc-timer-task", "addTask", "", uid, map[string]any{"deviceId": id, "taskFlag": 1, "timeZone": "UTC",
			"timePoint": "2030-01-01 00:00:00", "timeCycle": "once", "name": "on", "messageCode": catalog.CodeSetPower})
		if tk["task"] == nil {
			t.Fatalf("addTask through %s: %v", name, tk)
		}
		if msg, _, body := c.sendToDeviceQ("plug", pid, catalog.CodeIdentify, url.Values{"timeout": {"30000"}}); msg != "X-Zc-Err" || !strings.Contains(body, "3807") {
			t.Fatalf("command through %s to a device connected nowhere: %s %s, want error 3807 (offline)", name, msg, body)
		}
	}
}
