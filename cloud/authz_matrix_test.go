package cloud_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/cloud/cloudtest"
	"acconsole/cloud/rpc"
	"acconsole/cloud/rpc/rpctest"
)

// The authorization matrix: every method of the dispatch table, called by
// every kind of caller with every resource id pointed at user A's things,
// over HTTP against a real local cloud, held to the rule its registration
// row declares (rpc.Rule). The expected answers come from the rule and the
// protocol's codes (PROTOCOL §1.4, §1.7, §3.10), never from the handlers.

// ident is one kind of caller.
type ident int

const (
	idAnon     ident = iota // no signature, X-Zc-Access-Mode: 1
	idUserA                 // A's own signature
	idUserB                 // B's own signature
	idDev                   // developer, no acting user
	idDevA                  // developer acting for A
	idDevB                  // developer acting for B
	idDevNeg                // developer, X-Zc-User-Id: -1
	idDevZero               // developer, X-Zc-User-Id: 0 (no user)
	idDevGhost              // developer acting for a user that does not exist
	idUserNeg               // a user signature claiming user -1
	idUserC                 // C: an ordinary user of A's devices and a member of A's home
	numIdents
)

var identNames = [...]string{"anonymous", "user A", "user B", "developer", "developer for A", "developer for B",
	"developer for -1", "developer for 0", "developer for a ghost", "user -1", "user C (A's member)"}

func (i ident) String() string { return identNames[i] }

// answer is one protocol answer.
type answer struct {
	ok   bool
	code int
	msg  string
	body map[string]any
}

func (a answer) String() string {
	if a.ok {
		return "ok"
	}
	return fmt.Sprintf("%d %q", a.code, a.msg)
}

// party is one user and their things.
type party struct {
	id                   int64
	phone                string
	token, refresh       string
	plug, gw, home, room int64
	task                 int64
	plugPID, gwPID       string
	shareCode, homeShare string
}

// world is a fresh pair of users with one of everything each, and C, an
// ordinary user of A's plug and gateway and a member of A's home.
type world struct{ a, b, c party }

type matrix struct {
	t   *testing.T
	c   *cloudtest.Cloud
	dev rpctest.Developer
	hc  *http.Client
	seq *atomic.Int64
}

const ghostUser = 8_000_000_001

// ghost values: ids and codes that name nothing.
var ghost = map[string]any{
	"deviceId": 9_000_000_001, "physicalDeviceId": "GHOST00000000001", "gatewayDeviceId": 9_000_000_002,
	"homeId": 9_000_000_003, "roomId": 9_000_000_004, "taskId": 9_000_000_005,
	"shareCode": "GhostGhostGhostGhostGhostGhost12#9000000001",
}

// resourceKeys are the keys that name a user's things.
var resourceKeys = []string{"deviceId", "physicalDeviceId", "gatewayDeviceId", "homeId", "roomId", "taskId", "shareCode"}

// streamMethods take their keys in the query and a binary body (§1.2).
var streamMethods = map[string]bool{"sendToDevice": true, "addTask": true, "modifyTask": true}

func gatewayMethod(name string) bool {
	return strings.Contains(name, "Gateway") || strings.Contains(name, "SubDevice") || strings.Contains(name, "NewDevices")
}

// call sends one request as who, with the party that "who" stands for.
func (m *matrix) call(row rpc.Row, who ident, w *world, params map[string]any) answer {
	m.t.Helper()
	sub := ""
	if row.Service != "zc-account" {
		sub = "plug"
		if gatewayMethod(row.Name) {
			sub = "gateway"
		}
	}
	return m.send(row, sub, who, w, params)
}

// send is call with the product (X-Zc-Sub-Domain) given.
func (m *matrix) send(row rpc.Row, sub string, who ident, w *world, params map[string]any) answer {
	m.t.Helper()
	u := m.c.URL + "/" + row.Service + "/v" + strconv.Itoa(row.Version) + "/" + row.Name
	var body []byte
	ct := "application/x-zc-object"
	if streamMethods[row.Name] {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, fmt.Sprint(v))
		}
		u += "?" + q.Encode()
		body, ct = []byte{0x01}, "application/octet-stream"
	} else {
		var err error
		if body, err = json.Marshal(params); err != nil {
			m.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	h := req.Header
	h.Set("Content-Type", ct)
	h.Set("X-Zc-Major-Domain", m.dev.MajorDomain)
	if sub != "" {
		h.Set("X-Zc-Sub-Domain", sub)
	}
	now := time.Now()
	nonce := fmt.Sprintf("n%015d", m.seq.Add(1))
	userSig := func(p party) {
		tok := p.token
		if row.Method.Auth == rpc.AuthRefresh {
			tok = p.refresh
		}
		rpctest.SignUser(h, p.id, tok, now, nonce)
	}
	switch who {
	case idAnon:
		h.Set("X-Zc-Access-Mode", "1")
	case idUserA:
		userSig(w.a)
	case idUserB:
		userSig(w.b)
	case idUserC:
		userSig(w.c)
	case idDev:
		m.dev.Sign(h, row.Name, sub, 0, now, nonce)
	case idDevA:
		m.dev.Sign(h, row.Name, sub, w.a.id, now, nonce)
	case idDevB:
		m.dev.Sign(h, row.Name, sub, w.b.id, now, nonce)
	case idDevNeg:
		m.dev.Sign(h, row.Name, sub, -1, now, nonce)
	case idDevZero:
		m.dev.Sign(h, row.Name, sub, 0, now, nonce)
		h.Set("X-Zc-User-Id", "0")
	case idDevGhost:
		m.dev.Sign(h, row.Name, sub, ghostUser, now, nonce)
	case idUserNeg:
		rpctest.SignUser(h, -1, "", now, nonce)
	}
	resp, err := m.hc.Do(req)
	if err != nil {
		m.t.Fatalf("%s/%s: %v", row.Service, row.Name, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("%s/%s as %s: HTTP %d %s", row.Service, row.Name, who, resp.StatusCode, raw)
	}
	var a answer
	switch resp.Header.Get("X-Zc-Msg-Name") {
	case "X-Zc-Ack":
		a.ok = true
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-zc-object") && len(bytes.TrimSpace(raw)) > 0 {
			_ = json.Unmarshal(raw, &a.body)
		}
	case "X-Zc-Err":
		var e struct {
			Error     string `json:"error"`
			ErrorCode int    `json:"errorCode"`
		}
		if err := json.Unmarshal(raw, &e); err != nil || e.ErrorCode == 0 {
			m.t.Fatalf("%s/%s as %s: error body %q", row.Service, row.Name, who, raw)
		}
		a.code, a.msg = e.ErrorCode, e.Error
	default:
		m.t.Fatalf("%s/%s as %s: no X-Zc-Msg-Name", row.Service, row.Name, who)
	}
	return a
}

// must is a fixture call that has to succeed.
func (m *matrix) must(service, method string, who ident, w *world, params map[string]any) map[string]any {
	m.t.Helper()
	a := m.call(rpc.Row{Service: service, Version: 1, Name: method}, who, w, params)
	if !a.ok {
		m.t.Fatalf("fixture %s/%s as %s: %s", service, method, who, a)
	}
	return a.body
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	return int64(f)
}

// newParty registers a user and gives them a plug in a room of a home, a
// gateway, a timer task and share codes for the plug and the home.
func (m *matrix) newParty(w *world, who ident) party {
	n := m.seq.Add(1)
	p := party{phone: fmt.Sprintf("+86139%08d", n), plugPID: fmt.Sprintf("PLUG%012d", n), gwPID: fmt.Sprintf("GWAY%012d", n)}
	code := m.must("zc-account", "getVerifyCode", idDev, w, map[string]any{"account": p.phone})["verifyCode"]
	reg := m.must("zc-account", "register", idAnon, w, map[string]any{"phone": p.phone, "password": "secret-pw", "verifyCode": code, "nickName": "n"})
	p.id, p.token, p.refresh = num(m.t, reg["userId"]), reg["token"].(string), reg["refreshToken"].(string)
	if who == idUserA {
		w.a = p
	} else {
		w.b = p
	}
	m.must("zc-warehouse", "activateDevice", idDev, w, map[string]any{"physicalDeviceId": p.plugPID, "devVersion": "1-0-0"})
	m.mustSub("zc-warehouse", "activateDevice", "gateway", idDev, w, map[string]any{"physicalDeviceId": p.gwPID, "devVersion": "1-0-0"})
	dev := m.must("zc-bind", "bindDevice", who, w, map[string]any{"physicalDeviceId": p.plugPID, "name": "plug"})["device"].(map[string]any)
	p.plug = num(m.t, dev["deviceId"])
	gw := m.must("zc-bind", "bindGateway", who, w, map[string]any{"physicalDeviceId": p.gwPID, "name": "gw"})["device"].(map[string]any)
	p.gw = num(m.t, gw["deviceId"])
	home := m.must("zc-bind", "createHome", who, w, map[string]any{"name": "home"})["home"].(map[string]any)
	p.home = num(m.t, home["homeId"])
	room := m.must("zc-bind", "createRoom", who, w, map[string]any{"homeId": p.home, "name": "room"})["room"].(map[string]any)
	p.room = num(m.t, room["roomId"])
	m.must("zc-bind", "addDeviceToHome", who, w, map[string]any{"deviceId": p.plug, "homeId": p.home, "name": "plug"})
	m.must("zc-bind", "moveDeviceToRoom", who, w, map[string]any{"deviceId": p.plug, "homeId": p.home, "roomId": p.room})
	task := m.must("zc-timer-task", "addTask", who, w, map[string]any{"deviceId": p.plug, "taskFlag": 0, "timeZone": "UTC",
		"timePoint": "2030-01-01 00:00:00", "timeCycle": "day", "name": "t", "messageCode": 66})["task"].(map[string]any)
	p.task = num(m.t, task["taskId"])
	p.shareCode = m.must("zc-bind", "getShareCode", who, w, map[string]any{"deviceId": p.plug, "timeout": 3600})["shareCode"].(string)
	p.homeShare = m.must("zc-bind", "getHomeShareCode", who, w, map[string]any{"homeId": p.home, "timeout": 3600})["shareCode"].(string)
	if who == idUserA {
		w.a = p
	} else {
		w.b = p
	}
	return p
}

func (m *matrix) mustSub(service, method, sub string, who ident, w *world, params map[string]any) map[string]any {
	m.t.Helper()
	a := m.send(rpc.Row{Service: service, Version: 1, Name: method}, sub, who, w, params)
	if !a.ok {
		m.t.Fatalf("fixture %s/%s on %s as %s: %s", service, method, sub, who, a)
	}
	return a.body
}

func (m *matrix) newWorld() *world {
	w := &world{}
	m.newParty(w, idUserA)
	m.newParty(w, idUserB)
	n := m.seq.Add(1)
	c := party{phone: fmt.Sprintf("+86139%08d", n)}
	code := m.must("zc-account", "getVerifyCode", idDev, w, map[string]any{"account": c.phone})["verifyCode"]
	reg := m.must("zc-account", "register", idAnon, w, map[string]any{"phone": c.phone, "password": "secret-pw", "verifyCode": code, "nickName": "c"})
	c.id, c.token, c.refresh = num(m.t, reg["userId"]), reg["token"].(string), reg["refreshToken"].(string)
	w.c = c
	gwCode := m.mustSub("zc-bind", "getShareCode", "gateway", idUserA, w, map[string]any{"deviceId": w.a.gw, "timeout": 3600})["shareCode"]
	m.must("zc-bind", "bindDeviceWithShareCode", idUserC, w, map[string]any{"shareCode": gwCode})
	m.must("zc-bind", "joinHomeWithShareCode", idUserC, w, map[string]any{"shareCode": w.a.homeShare})
	return w
}

// params builds a request: every key any method reads, resources from
// owners[key] (A's, B's or a ghost), everything else harmless.
func params(row rpc.Row, w *world, owners map[string]string) map[string]any {
	p := map[string]any{
		"name": "n", "nickName": "n", "time": 30, "timeout": 300, "messageCode": 66, "status": true,
		"timeZone": "UTC", "timePoint": "2031-01-01 00:00:00", "timeCycle": "day", "taskFlag": 0,
		"targetVersion": "9-9-9", "otaType": 1, "currentVersion": "1-0-0", "version": "1-0-0", "devVersion": "1-0-1",
		"deviceProfile": map[string]any{"k": "v"}, "userProfile": map[string]any{"k": "v"},
		"provider": "weixin", "openId": "matrix-openid", "accessToken": "x", "limit": 10, "offset": 0,
		"password": "secret-pw", "verifyCode": "000000", "old": "secret-pw", "new": "other-pw", "template": 1,
		"email": "matrix@example.com", "userList": []int64{w.a.id},
	}
	// The user a method names (bindDeviceWithUser, addUserToHome, …) is A
	// when every thing is A's, else the caller's own: naming A as a user
	// to add to one's own home is not reaching A's things.
	target := w.b
	if owners["deviceId"] == "A" && owners["homeId"] == "A" {
		target = w.a
	}
	p["account"], p["userId"], p["phone"] = target.phone, target.id, target.phone
	for _, k := range resourceKeys {
		var who *party
		switch owners[k] {
		case "A":
			who = &w.a
		case "B":
			who = &w.b
		default:
			p[k] = ghost[k]
			continue
		}
		switch k {
		case "deviceId":
			p[k] = who.plug
			if gatewayMethod(row.Name) {
				p[k] = who.gw
			}
		case "physicalDeviceId":
			p[k] = who.plugPID
		case "gatewayDeviceId":
			p[k] = who.gw
		case "homeId":
			p[k] = who.home
		case "roomId":
			p[k] = who.room
		case "taskId":
			p[k] = who.task
		case "shareCode":
			p[k] = who.shareCode
			if strings.Contains(row.Name, "Home") {
				p[k] = who.homeShare
			}
		}
	}
	if pid, ok := p["physicalDeviceId"].(string); ok {
		p["physicalDeviceIds"] = []string{pid}
	}
	return p
}

func all(owner string) map[string]string {
	o := map[string]string{}
	for _, k := range resourceKeys {
		o[k] = owner
	}
	return o
}

// snapshot is what A has, read in developer scope: a refused call must
// leave it as it was.
func (m *matrix) snapshot(w *world) string {
	a := w.a
	var b strings.Builder
	read := func(service, method string, who ident, p map[string]any) {
		row := rpc.Row{Service: service, Version: 1, Name: method}
		ans := m.call(row, who, w, p)
		raw, _ := json.Marshal(ans.body)
		fmt.Fprintf(&b, "%s/%s %s %s\n", service, method, ans, raw)
	}
	read("zc-bind", "listDevicesExt", idDevA, map[string]any{})
	read("zc-bind", "listHomes", idDevA, map[string]any{})
	read("zc-bind", "listRooms", idDevA, map[string]any{"homeId": a.home})
	read("zc-bind", "listHomeUsers", idDevA, map[string]any{"homeId": a.home})
	read("zc-bind", "listHomeDevices", idDevA, map[string]any{"homeId": a.home})
	read("zc-bind", "listUsers", idDev, map[string]any{"deviceId": a.plug})
	read("zc-bind", "listUsers", idDev, map[string]any{"deviceId": a.gw})
	read("zc-timer-task", "listTasks", idDev, map[string]any{"deviceId": a.plug})
	read("zc-warehouse", "getDevicesInfo", idDev, map[string]any{"physicalDeviceIds": []string{a.plugPID, a.gwPID}})
	read("zc-account", "getWholeUserProfile", idDev, map[string]any{"userId": a.id})
	read("zc-account", "listAllOpenIds", idDevA, map[string]any{})
	return b.String()
}

// authRefusal is the code the router must answer before the method runs
// (0: the call reaches the method).
func authRefusal(auth rpc.Auth, who ident) int {
	anonOK := auth == rpc.AuthAnon || auth == rpc.AuthAnonOrDev
	switch who {
	case idAnon:
		if !anonOK {
			return 3001
		}
	case idUserA, idUserB, idUserC:
		// AuthAnonOrDev reads a call without a developer signature as
		// anonymous, whatever else it carries (§1.4 notes).
		if auth == rpc.AuthDev {
			return 3005
		}
	case idDev, idDevZero:
		if auth == rpc.AuthUser || auth == rpc.AuthRefresh {
			return 3001
		}
	case idDevA, idDevB:
		if auth == rpc.AuthRefresh {
			return 3001
		}
	case idDevNeg:
		if auth != rpc.AuthAnon {
			return 3001
		}
	case idDevGhost:
		switch auth {
		case rpc.AuthAnon:
		case rpc.AuthRefresh:
			return 3001
		default:
			return 3501
		}
	case idUserNeg:
		switch auth {
		case rpc.AuthAnon, rpc.AuthAnonOrDev:
		case rpc.AuthDev:
			return 3005
		default:
			return 3001
		}
	}
	return 0
}

// hidden says whether the rule keeps A's things from this caller: the
// caller must get the answer a thing that does not exist gets.
func hidden(rule rpc.Rule, who ident) bool {
	return (rule == rpc.RuleBound || rule == rpc.RuleOwner) && (who == idUserB || who == idDevB)
}

// authCodes mean "not you", notFoundCodes "not yours": a caller the rule
// allows, naming things that exist, must never get them.
var (
	authCodes     = map[int]bool{3001: true, 3005: true, 3014: true, 3015: true, 3514: true}
	notFoundCodes = map[int]bool{3802: true, 3601: true, 3604: true, 4402: true}
)

func TestAuthorizationMatrix(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{})
	m := &matrix{t: t, c: c, hc: &http.Client{Timeout: 30 * time.Second}, seq: new(atomic.Int64),
		dev: rpctest.Developer{ID: c.Developer.ID, AccessKey: c.Developer.AccessKey, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name}}
	t.Cleanup(m.hc.CloseIdleConnections)
	rows := c.DispatchTable()
	if len(rows) < 90 {
		t.Fatalf("the dispatch table has %d rows: is a service missing?", len(rows))
	}
	for _, row := range rows {
		what := row.Service + "/" + row.Name
		if row.Method.Rule == rpc.RuleUndeclared {
			t.Errorf("%s declares no authorization rule in its registration row", what)
			continue
		}
		if err := ruleFitsAuth(row.Method); err != "" {
			t.Errorf("%s: %s", what, err)
			continue
		}
		t.Run(what, func(t *testing.T) {
			m := *m
			m.t = t
			m.matrixRow(row)
		})
	}
}

// ruleFitsAuth checks that a row's rule and authentication agree.
func ruleFitsAuth(m rpc.Method) string {
	ok := map[rpc.Rule][]rpc.Auth{
		rpc.RulePublic:    {rpc.AuthAnon, rpc.AuthAnonOrDev},
		rpc.RuleSelf:      {rpc.AuthUser},
		rpc.RuleRefresh:   {rpc.AuthRefresh},
		rpc.RuleDeveloper: {rpc.AuthDev},
		rpc.RuleBound:     {rpc.AuthUser, rpc.AuthAny, rpc.AuthDev},
		rpc.RuleOwner:     {rpc.AuthUser, rpc.AuthAny, rpc.AuthDev},
		rpc.RuleSigned:    {rpc.AuthUser, rpc.AuthAny},
		rpc.RuleBearer:    {rpc.AuthUser},
	}[m.Rule]
	for _, a := range ok {
		if a == m.Auth {
			return ""
		}
	}
	return fmt.Sprintf("rule %s does not go with authentication %d", m.Rule, m.Auth)
}

func (m *matrix) matrixRow(row rpc.Row) {
	t := m.t
	rule := row.Method.Rule
	shared := m.newWorld()
	before := m.snapshot(shared)
	var allowed []ident
	for who := ident(0); who < numIdents; who++ {
		if code := authRefusal(row.Method.Auth, who); code != 0 {
			a := m.call(row, who, shared, params(row, shared, all("A")))
			// A forged user signature may be refused as a bad header
			// (3001) or as the wrong kind of signature (3005).
			forged := who == idUserNeg && (a.code == 3001 || a.code == 3005)
			if a.ok || (a.code != code && !forged) {
				t.Errorf("as %s: %s, want %d", who, a, code)
			}
			continue
		}
		if who == idUserC && rule == rpc.RuleOwner {
			// An ordinary user of A's things may not do what only the
			// owner (or the task's creator) may.
			if a := m.call(row, who, shared, params(row, shared, all("A"))); a.ok {
				t.Errorf("as %s (rule owner): succeeded, want a refusal", who)
			}
			continue
		}
		if !hidden(rule, who) {
			allowed = append(allowed, who)
			continue
		}
		// Everything A's: refused exactly as for things that do not exist.
		a := m.call(row, who, shared, params(row, shared, all("A")))
		g := m.call(row, who, shared, params(row, shared, all("")))
		if a.ok || a.code != g.code {
			t.Errorf("as %s with A's things: %s; with things that do not exist: %s (must be the same error)", who, a, g)
		}
		// One of A's things among the caller's own.
		for _, k := range resourceKeys {
			if slices.Contains(row.Method.OpenKeys, k) {
				continue
			}
			own := all("B")
			own[k] = "A"
			a := m.call(row, who, shared, params(row, shared, own))
			if a.ok {
				continue // the method does not read k; A's state is checked below
			}
			own[k] = ""
			g := m.call(row, who, shared, params(row, shared, own))
			if g.ok || a.code != g.code {
				t.Errorf("as %s with A's %s among its own things: %s; with a %s that does not exist: %s (must be the same error)", who, k, a, k, g)
			}
		}
	}
	if after := m.snapshot(shared); after != before {
		t.Errorf("refused callers changed A's things:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Allowed callers may change things: each gets a world nobody changed
	// (a refused call changes nothing, so a world is reused after one).
	w, used := shared, false
	for _, who := range allowed {
		if row.Method.Mutating && used {
			w, used = m.newWorld(), false
		}
		stranger := who != idUserA && who != idDevA && who != idDev && who != idDevZero && who != idUserC && rule != rpc.RuleBearer && rule != rpc.RuleDeveloper
		var pre string
		if stranger {
			pre = m.snapshot(w)
		}
		a := m.call(row, who, w, params(row, w, all("A")))
		used = used || a.ok
		notFound := notFoundCodes[a.code] && (rule == rpc.RuleBound || rule == rpc.RuleOwner) && len(row.Method.OpenKeys) == 0
		refused := authCodes[a.code] || (a.code == 3501 && strings.Contains(a.msg, "X-Zc-User-Id"))
		if !a.ok && (notFound || refused) {
			t.Errorf("as %s (allowed by rule %s): refused with %s", who, rule, a)
		}
		if stranger {
			if post := m.snapshot(w); post != pre {
				t.Errorf("as %s (rule %s) changed A's things:\nbefore:\n%s\nafter:\n%s", who, rule, pre, post)
			}
		}
	}
}
