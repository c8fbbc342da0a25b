package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/i18n"
	"acconsole/internal/clock"
	"acconsole/models"
)

// The key monkey: random key sequences drawn from the binary's default
// keymap (plus Tab, ctrl keys, text, resizes, pastes and the clock moving)
// on every page type. After every step: no panic, no line of the frame
// wider than the screen (in cells), and no write reaches the client while
// the console is not in write mode. A third of the seeds start the console
// in Chinese (monkeyLang), and ":lang" is among the commands it types, so
// the checks also hold for double-width text and a live language switch.
//
// Seeds are logged on failure. Replay one with
//
//	ACCONSOLE_MONKEY_SEED=<page>:<seed> go test ./ui -run TestKeyMonkey -v
//
// run more with ACCONSOLE_MONKEY_SEEDS=<per page>, and explore with
//
//	go test ./ui -run '^$' -fuzz FuzzKeyMonkey -fuzztime 10m

// monkeyPage opens one page type with real keys; write says whether the
// page is opened in write mode (it is left again before the monkey starts
// unless the run is a write-mode run).
type monkeyPage struct {
	name  string
	write bool
	open  []string // steps: a key, or "text:…" typed, or ":cmd" run
}

var monkeyPages = []monkeyPage{
	{name: "users"},
	{name: "fleet", open: []string{":devices"}},
	{name: "user", open: []string{":user 13800000042"}},
	{name: "homes", open: []string{":user 13800000042", "h"}},
	{name: "rooms", open: []string{":user 13800000042", "h", "enter"}},
	{name: "gateways", open: []string{":user 13800000042", ":gateways"}},
	{name: "device", open: []string{":device 900"}},
	{name: "pairing", write: true, open: []string{":device 950", "p"}},
	{name: "timers", open: []string{":device 900", "t"}},
	{name: "timer-editor", write: true, open: []string{":device 900", "t", "a"}},
	{name: "ota", open: []string{":device 900", "f"}},
	{name: "ota-list", open: []string{":ota"}},
	{name: "share", write: true, open: []string{":device 900", "s"}},
	{name: "composer", write: true, open: []string{":device 900", "c"}},
	{name: "call", write: true, open: []string{":call zc-bind/listDevices"}},
	{name: "events", open: []string{":device 900", "v"}},
	{name: "watch", open: []string{":watch 900 950"}},
	{name: "audit", open: []string{":audit"}},
	{name: "outbox", open: []string{":outbox"}},
	{name: "help", open: []string{"?"}},
	{name: "error-dialog", open: []string{":device 424242", "e"}},
	{name: "confirm-dialog", write: true, open: []string{":user 13800000042", "h", "D"}},
	{name: "prompt", write: true, open: []string{":device 900", "R"}},
	{name: "write-prompt", open: []string{":write"}},
	{name: "filter", open: []string{"/", "text:user0"}},
	{name: "command", open: []string{":", "text:dev"}},
}

// monkeyNames are the hostile names the monkey's devices carry (the
// client sanitises escapes at its boundary, as acapi does).
var monkeyNames = []string{
	"客厅插座客厅插座客厅插座客厅插座客厅插座客厅插座",
	"👩‍👩‍👧‍👦👩‍👩‍👧‍👦 family 灯 ⚠️",
	"evil\x1b]0;pwned\x07\x1b[31mred\u202e txet",
	"e\u0301\u0301\u0301 combining ᄀᄀᄀ 한국어 テスト",
	strings.Repeat("W", 200),
	"tab\there\r\nnew line\x00nul\x7fdel",
}

// monkeyFake is the fake world: user 42's plug, gateway and devices with
// hostile names.
func monkeyFake() *fakeAPI {
	f := gatewayFake()
	on := 1
	for i, n := range monkeyNames {
		f.addDevice(42, models.Device{DeviceID: int64(960 + i), PhysicalDeviceID: fmt.Sprintf("DEADBEEF%08d", i), Name: models.SanitizeLine(n),
			Owner: 42, SubDomainName: "plug", GatewayDeviceID: int64(960 + i), Status: &on})
	}
	return f
}

// monkeyAPI counts the writes that reach the client while it is read-only.
type monkeyAPI struct {
	*fakeAPI
	bad atomic.Int64
	mu  sync.Mutex
	log []string
}

func (m *monkeyAPI) w(what string) {
	if m.ReadOnly() {
		m.bad.Add(1)
		m.mu.Lock()
		m.log = append(m.log, what)
		m.mu.Unlock()
	}
}

func (m *monkeyAPI) RenameDevice(ctx context.Context, r DeviceRef, n string) error {
	m.w("RenameDevice")
	return m.fakeAPI.RenameDevice(ctx, r, n)
}
func (m *monkeyAPI) UnbindUser(ctx context.Context, r DeviceRef, u int64) error {
	m.w("UnbindUser")
	return m.fakeAPI.UnbindUser(ctx, r, u)
}
func (m *monkeyAPI) ChangeOwner(ctx context.Context, r DeviceRef, u int64) error {
	m.w("ChangeOwner")
	return m.fakeAPI.ChangeOwner(ctx, r, u)
}
func (m *monkeyAPI) SetDeviceProfile(ctx context.Context, r DeviceRef, k string, v any) error {
	m.w("SetDeviceProfile")
	return m.fakeAPI.SetDeviceProfile(ctx, r, k, v)
}
func (m *monkeyAPI) AddDeviceToHome(ctx context.Context, r DeviceRef, h int64) error {
	m.w("AddDeviceToHome")
	return m.fakeAPI.AddDeviceToHome(ctx, r, h)
}
func (m *monkeyAPI) MoveDeviceToRoom(ctx context.Context, r DeviceRef, h, room int64) error {
	m.w("MoveDeviceToRoom")
	return m.fakeAPI.MoveDeviceToRoom(ctx, r, h, room)
}
func (m *monkeyAPI) RemoveDeviceFromRoom(ctx context.Context, r DeviceRef, h, room int64) error {
	m.w("RemoveDeviceFromRoom")
	return m.fakeAPI.RemoveDeviceFromRoom(ctx, r, h, room)
}
func (m *monkeyAPI) CreateHome(ctx context.Context, u int64, n string) error {
	m.w("CreateHome")
	return m.fakeAPI.CreateHome(ctx, u, n)
}
func (m *monkeyAPI) RenameHome(ctx context.Context, u, h int64, n string) error {
	m.w("RenameHome")
	return m.fakeAPI.RenameHome(ctx, u, h, n)
}
func (m *monkeyAPI) DeleteHome(ctx context.Context, u, h int64) error {
	m.w("DeleteHome")
	return m.fakeAPI.DeleteHome(ctx, u, h)
}
func (m *monkeyAPI) CreateRoom(ctx context.Context, u, h int64, n string) error {
	m.w("CreateRoom")
	return m.fakeAPI.CreateRoom(ctx, u, h, n)
}
func (m *monkeyAPI) RenameRoom(ctx context.Context, u, h, r int64, n string) error {
	m.w("RenameRoom")
	return m.fakeAPI.RenameRoom(ctx, u, h, r, n)
}
func (m *monkeyAPI) DeleteRoom(ctx context.Context, u, h, r int64) error {
	m.w("DeleteRoom")
	return m.fakeAPI.DeleteRoom(ctx, u, h, r)
}
func (m *monkeyAPI) SetUserProfile(ctx context.Context, u int64, k string, v any) error {
	m.w("SetUserProfile")
	return m.fakeAPI.SetUserProfile(ctx, u, k, v)
}
func (m *monkeyAPI) SendVerifyCode(ctx context.Context, acc string) error {
	m.w("SendVerifyCode")
	return m.fakeAPI.SendVerifyCode(ctx, acc)
}
func (m *monkeyAPI) BindPhone(ctx context.Context, u int64, p, c string) error {
	m.w("BindPhone")
	return m.fakeAPI.BindPhone(ctx, u, p, c)
}
func (m *monkeyAPI) OpenGatewayMatch(ctx context.Context, gw DeviceRef, s int) error {
	m.w("OpenGatewayMatch")
	return m.fakeAPI.OpenGatewayMatch(ctx, gw, s)
}
func (m *monkeyAPI) CloseGatewayMatch(ctx context.Context, gw DeviceRef, note string) error {
	m.w("CloseGatewayMatch")
	return m.fakeAPI.CloseGatewayMatch(ctx, gw, note)
}
func (m *monkeyAPI) AddSubDevice(ctx context.Context, gw DeviceRef, sub, pid, name string) (models.Device, error) {
	m.w("AddSubDevice")
	return m.fakeAPI.AddSubDevice(ctx, gw, sub, pid, name)
}
func (m *monkeyAPI) SendCommand(ctx context.Context, r DeviceRef, code int, p []byte, to time.Duration) (CommandReply, error) {
	m.w("SendCommand")
	return m.fakeAPI.SendCommand(ctx, r, code, p, to)
}
func (m *monkeyAPI) DeviceShareCode(ctx context.Context, r DeviceRef, v time.Duration) (string, error) {
	m.w("DeviceShareCode")
	return m.fakeAPI.DeviceShareCode(ctx, r, v)
}
func (m *monkeyAPI) HomeShareCode(ctx context.Context, u, h int64, v time.Duration) (string, error) {
	m.w("HomeShareCode")
	return m.fakeAPI.HomeShareCode(ctx, u, h, v)
}
func (m *monkeyAPI) SaveTimer(ctx context.Context, r DeviceRef, task models.TimerTask) (models.TimerTask, error) {
	m.w("SaveTimer")
	return m.fakeAPI.SaveTimer(ctx, r, task)
}
func (m *monkeyAPI) DeleteTimer(ctx context.Context, r DeviceRef, id int64) error {
	m.w("DeleteTimer")
	return m.fakeAPI.DeleteTimer(ctx, r, id)
}
func (m *monkeyAPI) SetTimerRunning(ctx context.Context, r DeviceRef, id int64, on bool) error {
	m.w("SetTimerRunning")
	return m.fakeAPI.SetTimerRunning(ctx, r, id, on)
}
func (m *monkeyAPI) ConfirmUpdate(ctx context.Context, r DeviceRef, target string, t int, reason string) error {
	m.w("ConfirmUpdate")
	return m.fakeAPI.ConfirmUpdate(ctx, r, target, t, reason)
}

// monkeyKeys is the key alphabet: every key of the default keymap, once.
func monkeyKeys() []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range DefaultBindings() {
		for _, k := range b.Keys {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

var (
	monkeyExtra = []string{"tab", "shift+tab", "backspace", "left", "right", "enter", "esc", "ctrl+c",
		"ctrl+e", "ctrl+u", "ctrl+k", "ctrl+w", "ctrl+d", "ctrl+h", "ctrl+n", "ctrl+p", "ctrl+z", "alt+b",
		"delete", "insert", "f1", "f12", "x", "1", "0", "9", "中", "é", "👍", "-", ".", "@", "+"}
	monkeyPastes = []string{"TICKET-1 客户投诉", "👩‍👩‍👧‍👦🏳️‍🌈 emoji", "\x1b[31mred\x1b]0;title\x07\x1b[2J", "line1\nline2\r\n\ttab",
		strings.Repeat("长", 300), "23 45 67 89 AB CD EF 45", `{"deviceId":900,"x":[1,2,3]}`, "", "\u202eevil", "13800000042"}
	monkeySizes = [][2]int{{20, 24}, {20, 8}, {40, 12}, {60, 20}, {79, 23}, {80, 24}, {100, 30}, {120, 40}, {200, 50}, {140, 6}, {30, 3}}
	monkeyWaits = []time.Duration{time.Second, 5 * time.Second, 61 * time.Second, 5 * time.Minute, 16 * time.Minute}
	monkeyCmds  = []string{":devices", ":user 42", ":user 13800000042", ":device 900", ":device 950", ":homes", ":gateways",
		":theme ascii", ":theme light", ":theme", ":readonly", ":watch 900", ":ota", ":audit", ":outbox", ":share",
		":call zc-account/getUserProfile", ":nosuch", ":device", ":users", ":q", ":lang zh-CN", ":lang en"}
)

// keyPress turns a key name into the press a terminal delivers for it.
func keyPress(k string) tea.KeyPressMsg {
	named := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
		"space": tea.KeySpace, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"delete": tea.KeyDelete, "insert": tea.KeyInsert, "f1": tea.KeyF1, "f5": tea.KeyF5, "f12": tea.KeyF12,
	}
	var mod tea.KeyMod
	base := k
	for {
		switch {
		case strings.HasPrefix(base, "ctrl+") && len(base) > 5:
			mod |= tea.ModCtrl
			base = base[5:]
			continue
		case strings.HasPrefix(base, "alt+") && len(base) > 4:
			mod |= tea.ModAlt
			base = base[4:]
			continue
		case strings.HasPrefix(base, "shift+") && len(base) > 6:
			mod |= tea.ModShift
			base = base[6:]
			continue
		}
		break
	}
	if c, ok := named[base]; ok {
		m := tea.KeyPressMsg{Code: c, Mod: mod}
		if c == tea.KeySpace && mod == 0 {
			m.Text = " "
		}
		return m
	}
	r := []rune(base)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: base}
}

// Every key of the default keymap, pressed the way the monkey and the
// end-to-end tests press it, reads back as the key the binding names.
func TestMonkeyPressesTheKeymapsOwnKeys(t *testing.T) {
	for _, k := range append(monkeyKeys(), monkeyExtra...) {
		if got := keyPress(k).String(); got != k {
			t.Errorf("key %q is pressed as %q", k, got)
		}
	}
}

// monkeyRun is one sequence: a page, a seed's steps, and what they did.
type monkeyRun struct {
	t     testing.TB
	h     *wfHarness
	env   monkeyEnv
	w, ht int
	trail []string
}

// step names are what a failure prints, so a seed can be read as keys.
func (r *monkeyRun) do(step string) {
	r.trail = append(r.trail, step)
	h := r.h
	switch {
	case strings.HasPrefix(step, "resize:"):
		var w, ht int
		fmt.Sscanf(step, "resize:%dx%d", &w, &ht)
		r.w, r.ht = w, ht
		h.send(tea.WindowSizeMsg{Width: w, Height: ht})
		h.settle()
	case strings.HasPrefix(step, "paste:"):
		h.send(tea.PasteMsg{Content: step[len("paste:"):]})
		h.settle()
	case strings.HasPrefix(step, "wait:"):
		d, _ := time.ParseDuration(step[len("wait:"):])
		h.advance(d)
	case strings.HasPrefix(step, "text:"):
		h.typeText(step[len("text:"):])
	case len(step) > 1 && step[0] == ':':
		h.press(":")
		h.typeText(step[1:])
		h.press("enter")
	default:
		h.press(step)
	}
}

// check is the invariants after a step.
func (r *monkeyRun) check() error {
	if w := r.env.writes(); len(w) > 0 {
		return fmt.Errorf("%d write(s) reached the client in read-only mode: %v", len(w), w)
	}
	for i, line := range strings.Split(r.h.app.View().Content, "\n") {
		if w := ansi.StringWidth(line); w > r.w {
			return fmt.Errorf("frame line %d is %d cells wide on a %d-column screen: %q", i+1, w, r.w, ansi.Strip(line))
		}
	}
	return nil
}

// monkeySteps decodes a byte string into steps: the random monkey draws
// the bytes from a seed, the fuzzer mutates them.
func monkeySteps(data []byte, keys []string) []string {
	var out []string
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	for len(data) > 0 {
		switch c := next() % 40; {
		case c < 24:
			out = append(out, keys[next()%len(keys)])
		case c < 31:
			out = append(out, monkeyExtra[next()%len(monkeyExtra)])
		case c < 33:
			s := monkeySizes[next()%len(monkeySizes)]
			out = append(out, fmt.Sprintf("resize:%dx%d", s[0], s[1]))
		case c < 35:
			out = append(out, "paste:"+monkeyPastes[next()%len(monkeyPastes)])
		case c < 37:
			out = append(out, "wait:"+monkeyWaits[next()%len(monkeyWaits)].String())
		default:
			out = append(out, monkeyCmds[next()%len(monkeyCmds)])
		}
	}
	return out
}

// monkeyLang is the language a seed's console starts in: a third of the
// seeds run in Chinese (wider text, other wording), the rest in English;
// the seed alone says which, so a replay needs nothing else.
func monkeyLang(seed uint64) i18n.Lang {
	if seed%3 == 1 {
		return i18n.Chinese
	}
	return i18n.English
}

// runMonkey plays steps on a fresh console on page p in language lang and
// returns the first broken invariant (a panic included), with the steps
// that led to it.
func runMonkey(t testing.TB, lang i18n.Lang, p monkeyPage, writeRun bool, steps []string) (done int, err error) {
	api := &monkeyAPI{fakeAPI: monkeyFake()}
	clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	api.wf().now = clk.Now
	env := monkeyEnv{api: api, clock: clk, lang: lang, writes: func() []string {
		api.mu.Lock()
		defer api.mu.Unlock()
		return append([]string(nil), api.log...)
	}, reset: func() {
		api.mu.Lock()
		api.log = nil
		api.mu.Unlock()
		api.bad.Store(0)
	}}
	return runMonkeyOn(t, env, p, writeRun, steps)
}

// monkeyEnv is what the monkey plays against: the fake, or the real
// client on a local cloud. writes lists the writes that reached the client
// while it was read-only; reset forgets them (in write mode). lang is the
// language the console starts in.
type monkeyEnv struct {
	api    API
	clock  *clock.Fake
	lang   i18n.Lang
	writes func() []string
	reset  func()
}

func runMonkeyOn(t testing.TB, env monkeyEnv, p monkeyPage, writeRun bool, steps []string) (done int, err error) {
	r := &monkeyRun{t: t, env: env, w: 100, ht: 30}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
		if err != nil {
			err = fmt.Errorf("%w\nsteps: %q", err, r.trail)
		}
	}()
	r.h = newAppHarness(t, env.api, env.clock, r.w, r.ht, func(o *Options) { o.Lang = env.lang })
	defer r.h.close() // a test plays many runs: none leaves its waits asleep
	// Opening a page that needs write mode: enter it with the keys an
	// operator uses, and leave it again for a read-only run.
	if p.write || writeRun {
		for _, s := range []string{":write", "text:SUP-1 monkey", "enter"} {
			r.do(s)
		}
	}
	for _, s := range p.open {
		r.do(s)
	}
	if p.write && !writeRun {
		if r.h.app.mode == inputNone && len(r.h.app.dialogs) == 0 {
			r.do(":readonly")
		}
		if r.h.app.Writable() {
			// A prompt, dialog or form has the keys: the clock ends
			// the write window instead.
			r.do("wait:16m")
		}
	}
	if err := r.check(); err != nil {
		return 0, fmt.Errorf("opening %s: %w", p.name, err)
	}
	if !writeRun && r.h.app.Writable() {
		return 0, fmt.Errorf("opening %s left write mode on", p.name)
	}
	for _, s := range steps {
		if writeRun {
			// Writes are allowed: only what the screen shows is checked.
			env.reset()
		}
		r.do(s)
		done++
		if err := r.check(); err != nil {
			return done, err
		}
		if r.h.app.quitting {
			return done, nil
		}
		if !writeRun && r.h.app.Writable() {
			// Typed its way into write mode (":write" and a reason):
			// from here on writes are the operator's.
			writeRun = true
		}
	}
	return done, nil
}

func monkeySeedBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// monkeyBudget is what `go test` runs: sequences per page and bytes per
// sequence (about one step per 1.6 bytes).
func monkeyBudget() (seqs, length int) {
	seqs, length = 10, 120
	if testing.Short() {
		seqs = 3
	}
	if s, err := strconv.Atoi(os.Getenv("ACCONSOLE_MONKEY_SEEDS")); err == nil && s > 0 {
		seqs = s
	}
	return seqs, length
}

func TestKeyMonkey(t *testing.T) {
	keys := monkeyKeys()
	seqs, length := monkeyBudget()
	pages := monkeyPages
	var only uint64
	replay := false
	if v := os.Getenv("ACCONSOLE_MONKEY_SEED"); v != "" {
		name, s, ok := strings.Cut(v, ":")
		n, err := strconv.ParseUint(s, 10, 64)
		if !ok || err != nil {
			t.Fatalf("ACCONSOLE_MONKEY_SEED=%q: want <page>:<seed>", v)
		}
		pages = nil
		for _, p := range monkeyPages {
			if p.name == name {
				pages = append(pages, p)
			}
		}
		if len(pages) == 0 {
			t.Fatalf("no monkey page %q", name)
		}
		only, replay, seqs = n, true, 1
	}
	total := 0
	for pi, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			for i := range seqs {
				seed := uint64(pi)<<32 | uint64(i)
				if replay {
					seed = only
				}
				writeRun := seed%4 == 3 // a quarter of the runs stay in write mode
				steps := monkeySteps(monkeySeedBytes(seed, length), keys)
				n, err := runMonkey(t, monkeyLang(seed), p, writeRun, steps)
				total += n
				if err != nil {
					t.Fatalf("seed %d, %s (replay: ACCONSOLE_MONKEY_SEED=%s:%d go test ./ui -run 'TestKeyMonkey' -v): %v", seed, monkeyLang(seed), p.name, seed, err)
				}
			}
		})
	}
	t.Logf("%d pages × %d sequences, %d steps run (a sequence ends when it quits the console)", len(pages), seqs, total)
}

// FuzzKeyMonkey explores key sequences with coverage guidance; the first
// byte picks the page, the second whether the run is in write mode (its
// low two bits) and its language (the next bit).
func FuzzKeyMonkey(f *testing.F) {
	for i := range 8 {
		f.Add(append([]byte{byte(i * 3), byte(i)}, monkeySeedBytes(uint64(i), 100)...))
	}
	keys := monkeyKeys()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 || len(data) > 600 {
			return
		}
		p := monkeyPages[int(data[0])%len(monkeyPages)]
		lang := i18n.English
		if data[1]&4 != 0 {
			lang = i18n.Chinese
		}
		if _, err := runMonkey(t, lang, p, data[1]%4 == 3, monkeySteps(data[2:], keys)); err != nil {
			t.Fatalf("page %s, %s: %v", p.name, lang, err)
		}
	})
}

// BenchmarkKeyMonkey measures the monkey's speed in steps (keys, resizes,
// pastes, waits) per second on the fake.
func BenchmarkKeyMonkey(b *testing.B) {
	keys := monkeyKeys()
	steps := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p := monkeyPages[i%len(monkeyPages)]
		n, err := runMonkey(b, monkeyLang(uint64(i)), p, i%4 == 3, monkeySteps(monkeySeedBytes(uint64(i), 120), keys))
		if err != nil {
			b.Fatal(err)
		}
		steps += n
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "keys/s")
}

// A few seeds against the real client on a local cloud: the same checks,
// with the client's audit trail telling a write refused by its read-only
// guard (one that reached the client outside write mode).
func TestKeyMonkeyOnTheLocalCloud(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local cloud")
	}
	c := cloudtest.Start(t, cloudtest.Options{Demo: 40, Simulate: true})
	var mu sync.Mutex
	var refused []string
	cl, err := acapi.New(acapi.Config{Routers: []string{c.URL}, DeveloperID: c.Developer.ID, AccessKey: c.Developer.AccessKey,
		SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name, Operator: "monkey", ReadOnly: true,
		Auditor: acapi.AuditFunc(func(e acapi.AuditEntry) {
			if e.ReadOnlyRefused {
				mu.Lock()
				refused = append(refused, e.Service+"/"+e.Method)
				mu.Unlock()
			}
		})})
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{t: t, cloud: c, client: cl}
	plug := e.device("plug")
	dev := ":device " + strconv.FormatInt(plug.DeviceID, 10)
	user := ":user " + strconv.FormatInt(plug.Owner, 10)
	pages := []monkeyPage{
		{name: "users"},
		{name: "fleet", open: []string{":devices"}},
		{name: "user", open: []string{user}},
		{name: "homes", open: []string{user, "h"}},
		{name: "device", open: []string{dev}},
		{name: "timers", open: []string{dev, "t"}},
		{name: "ota", open: []string{dev, "f"}},
		{name: "events", open: []string{dev, "v"}},
		{name: "prompt", write: true, open: []string{dev, "R"}},
	}
	keys := monkeyKeys()
	total := 0
	defer func() { t.Logf("%d steps run on the local cloud", total) }()
	for pi, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			for i := range 2 {
				seed := uint64(1000+pi)<<32 | uint64(i)
				// One seed per page in each language.
				lang := i18n.Langs()[i%2]
				env := monkeyEnv{api: NewAPI(cl), clock: clock.NewFake(time.Now()), lang: lang,
					writes: func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), refused...) },
					reset:  func() { mu.Lock(); refused = nil; mu.Unlock() }}
				cl.SetReadOnly(true)
				n, err := runMonkeyOn(t, env, p, false, monkeySteps(monkeySeedBytes(seed, 80), keys))
				if err != nil {
					t.Fatalf("seed %d, %s, on the local cloud: %v", seed, lang, err)
				}
				total += n
			}
		})
	}
}
