package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"acconsole/acapi"
	"acconsole/cloud"
	"acconsole/cloud/cloudtest"
	"acconsole/internal/vtscreen"
	"acconsole/ui"
)

// The console's share QR, scanned in the emulated WeChat app, binds the
// scanner to the device as an ordinary user, the way a phone would.
func TestConsoleShareQRScannedInWeChatBindsTheScanner(t *testing.T) {
	c := cloudtest.Start(t, cloudtest.Options{Demo: 60})
	client, err := acapi.New(acapi.Config{Routers: []string{c.URL}, DeveloperID: c.Developer.ID,
		AccessKey: c.Developer.AccessKey, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name})
	if err != nil {
		t.Fatal(err)
	}
	share, emu, control, stop, err := localWeChat(client)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	fleet, err := client.Warehouse().ListDevicesExt(ctx, "plug", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var pid string
	var owner, deviceID int64
	for _, d := range fleet {
		if d.Owner != 0 {
			pid, owner, deviceID = d.PhysicalDeviceID, d.Owner, d.DeviceID
			break
		}
	}
	if pid == "" {
		t.Fatal("no owned plug in the demo world")
	}

	// In read-only mode the console makes no share code.
	client.SetReadOnly(true)
	if _, err := share(ctx, owner, "plug", pid, 5*time.Minute); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("share in read-only mode: %v", err)
	}
	client.SetReadOnly(false)

	qr, err := share(ctx, owner, "plug", pid, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ticket, rest, ok := strings.Cut(qr, "#")
	if !ok || !strings.HasPrefix(ticket, "http://we.qq.com/d/") || !strings.Contains(rest, `"sub_domain":"plug"`) || !strings.Contains(rest, `"share_code":"`) {
		t.Fatalf("QR string %q is not ticket#{sub_domain, share_code}", qr)
	}
	// Scanned as the share page's hint says: the QR text posted to the
	// console's own emulator's control API.
	resp, err := http.Post(control+"/control/scan?openid=o-scanner-1", "text/plain", strings.NewReader(qr))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "errcode") {
		t.Fatalf("scan through %s/control/scan: %d %s", control, resp.StatusCode, body)
	}
	scanner, err := client.Account().GetUserByOpenID(ctx, "weixin", "o-scanner-1", "")
	if err != nil {
		t.Fatalf("the scanner has no account: %v", err)
	}
	devs, err := client.As(scanner.UserID).Bind().ListDevices(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range devs {
		if d.DeviceID == deviceID {
			found = true
			if d.Owner != owner {
				t.Fatalf("the scan changed the owner to %d", d.Owner)
			}
		}
	}
	if !found {
		t.Fatalf("the scanner is not bound to device %d: %+v", deviceID, devs)
	}
	if !emu.IsBound("o-scanner-1", pid) {
		t.Fatal("WeChat does not have the binding")
	}
}

// --- the README's walk: the console's share QR scanned in the emulator -------

// readmeBlocks returns the shell lines of the ```sh blocks in the README
// section under heading (until the next heading), joined across trailing
// backslashes.
func readmeBlocks(t *testing.T, heading string) [][]string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(raw), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no section %q", heading)
	}
	if i := strings.Index(sec, "\n#"); i >= 0 {
		sec = sec[:i]
	}
	var blocks [][]string
	for {
		_, rest, ok := strings.Cut(sec, "```sh\n")
		if !ok {
			return blocks
		}
		body, after, _ := strings.Cut(rest, "```")
		var lines []string
		cont := ""
		for _, l := range strings.Split(body, "\n") {
			if strings.HasSuffix(l, "\\") {
				cont += strings.TrimSuffix(l, "\\")
				continue
			}
			if l = cont + l; strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
			cont = ""
		}
		blocks = append(blocks, lines)
		sec = after
	}
}

// shellWords splits a command line as sh does for the forms the README
// uses: single and double quotes, $NAME expanded from vars outside single
// quotes, and a # comment outside quotes.
func shellWords(t *testing.T, line string, vars map[string]string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	expand := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "$"+k, v)
		}
		return s
	}
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\'' || c == '"':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				t.Fatalf("unbalanced quote in %q", line)
			}
			part := line[i+1 : i+1+j]
			if c == '"' {
				part = expand(part)
			}
			cur.WriteString(part)
			inWord = true
			i += j + 1
		case c == '#' && !inWord:
			i = len(line)
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '$':
			j := i + 1
			for j < len(line) && (line[j] == '_' || line[j] >= 'A' && line[j] <= 'Z') {
				j++
			}
			cur.WriteString(expand(line[i:j]))
			inWord = true
			i = j - 1
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// curl runs the README's curl forms: [-X METHOD] URL [-H HEADER]
// [-d|--data-binary BODY]; a body of @- is stdin.
func curl(t *testing.T, args []string, stdin string) string {
	t.Helper()
	method, url, body := "", "", ""
	hasBody := false
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-X":
			i++
			method = args[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			header.Set(k, strings.TrimSpace(v))
		case "-d", "--data-binary":
			i++
			body, hasBody = args[i], true
			if body == "@-" {
				body = stdin
			}
		default:
			if strings.HasPrefix(args[i], "-") || url != "" {
				t.Fatalf("the test does not know curl's %q (README: curl %q)", args[i], args)
			}
			url = args[i]
		}
	}
	if method == "" {
		method = http.MethodGet
		if hasBody {
			method = http.MethodPost
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("curl %q: %v", args, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("curl %q: HTTP %d %s", args, resp.StatusCode, out)
	}
	return string(out)
}

// runCurlLine runs a README line of curl commands joined by pipes, and
// returns the last one's output.
func runCurlLine(t *testing.T, words []string) string {
	t.Helper()
	out := ""
	for len(words) > 0 {
		cmd := words
		rest := []string(nil)
		for i, w := range words {
			if w == "|" {
				cmd, rest = words[:i], words[i+1:]
				break
			}
		}
		if len(cmd) == 0 || cmd[0] != "curl" {
			t.Fatalf("the test runs curl only, not %q", cmd)
		}
		out = curl(t, cmd[1:], out)
		words = rest
	}
	return out
}

// startCommand runs the binary's command line (the words after `go run .`)
// in-process until the test ends. A fixed --listen port is replaced by a
// free one: on a shared machine it may be taken.
func startCommand(t *testing.T, ctx context.Context, args []string) *syncBuffer {
	t.Helper()
	args = append(args, "--listen", "127.0.0.1:0")
	var out syncBuffer
	cmd := rootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- cmd.ExecuteContext(cctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("acconsole %q: %v", args, err)
		}
	})
	return &out
}

// syncBuffer is a bytes.Buffer safe for one writer and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitMatch waits until re matches what buf holds and returns the match.
func waitMatch(t *testing.T, buf *syncBuffer, re *regexp.Regexp, what string) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := re.FindStringSubmatch(buf.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; output so far:\n%q", what, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestREADMEConsoleShareQRScansInEmulator follows the README's "Scanning
// the console's share QR in the emulator" literally: the commands come
// from its code blocks, the console is driven with the keys it names, and
// the QR text is what the console's copy key puts on the clipboard.
func TestREADMEConsoleShareQRScansInEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the console's local cloud with its default demo world")
	}
	const heading = "### Scanning the console's share QR in the emulator"
	blocks := readmeBlocks(t, heading)
	if len(blocks) != 2 || len(blocks[0]) != 2 || len(blocks[1]) != 3 {
		t.Fatalf("the README section's code blocks changed shape: %q", blocks)
	}
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("ACCONSOLE_CONFIG", "")
	for _, k := range []string{envWXAppSecret, envWXPushSecret, envWXToken, envWXAppID, envWXAccount} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Terminal 1: `go run .`, the console with no configuration.
	words := shellWords(t, blocks[0][0], nil)
	if strings.Join(words, " ") != "go run ." {
		t.Fatalf("terminal 1 is %q; the test knows `go run .`", words)
	}
	root := rootCmd()
	demo, err := root.Flags().GetInt("demo")
	if err != nil {
		t.Fatal(err)
	}
	app, cleanup, err := newConsole(ctx, consoleFlags{demo: demo, lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	km, _ := buildKeyMap(nil)
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(120, 40))
	t.Cleanup(func() { _ = tm.Quit() })
	var stream syncBuffer
	scr := vtscreen.New(120, 40, io.TeeReader(tm.Output(), &stream))
	c := &console{t: t, tm: tm, scr: scr, keys: km}
	scr.WaitFor(t, "read-only")

	// Terminal 2: `go run . wechat …`, the same binary's wechat command.
	words = shellWords(t, blocks[0][1], nil)
	if len(words) < 4 || strings.Join(words[:4], " ") != "go run . wechat" {
		t.Fatalf("terminal 2 is %q; the test knows `go run . wechat …`", words)
	}
	out := startCommand(t, ctx, words[3:])
	control := waitMatch(t, out, regexp.MustCompile(`control +(http://127\.0\.0\.1:\d+/control)/`), "the control URL")[1]
	// The generated push secret is shown masked, never whole.
	secretFile := filepath.Join(stateDir(), wechatPushSecretFile)
	waitMatch(t, out, regexp.MustCompile(`push secret +\S+…\S+ \(generated for this run, in `+regexp.QuoteMeta(secretFile)+`\)`), "the masked push secret")
	secret, err := readSecretFile(secretFile)
	if err != nil {
		t.Fatalf("the generated push secret's file: %v", err)
	}
	if strings.Contains(out.String(), secret) {
		t.Fatal("acconsole wechat printed the whole push secret")
	}

	// In the console: `:write`, a reason and enter; `:device ID` of a
	// device with an owner; `s`, `y`; `y` copies. The README must name
	// the keys the default keymap has.
	for _, k := range []string{ui.ActShare, ui.ActCopy} {
		if key := km.Get(k).Keys[0]; !strings.Contains(readmeProse(t, heading), "`"+key+"`") {
			t.Fatalf("the README does not name %s's key `%s`", k, key)
		}
	}
	if c.dev, err = cloud.ReadDeveloperFile(filepath.Join(dataDir(), cloud.DeveloperFileName)); err != nil {
		t.Fatal(err)
	}
	dev2 := c.client()
	fleet, err := dev2.Warehouse().ListDevicesExt(ctx, "plug", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var deviceID int64
	for _, d := range fleet {
		if d.Owner != 0 {
			deviceID = d.DeviceID
			break
		}
	}
	if deviceID == 0 {
		t.Fatal("no owned plug in the demo world")
	}
	c.command("write")
	c.typeText("README walk")
	c.press(ui.ActOpen)
	scr.WaitFor(t, "WRITE")
	c.command("device " + strconv.FormatInt(deviceID, 10))
	scr.WaitFor(t, "physical id")
	c.press(ui.ActShare)
	scr.WaitFor(t, "Create a share code for")
	c.tm.Send(keyMsg("y"))
	scr.WaitFor(t, "share code ", "WeChat QR: scanning it in WeChat binds")
	c.press(ui.ActCopy)
	clip := waitMatch(t, &stream, regexp.MustCompile(`\x1b\]52;[a-z]*;([A-Za-z0-9+/=]+)(?:\x07|\x1b\\)`), "the QR text on the clipboard")[1]
	qrRaw, err := base64.StdEncoding.DecodeString(clip)
	if err != nil {
		t.Fatalf("clipboard %q: %v", clip, err)
	}
	qr := string(qrRaw)
	if !strings.HasPrefix(qr, "http://we.qq.com/d/") || !strings.Contains(qr, `"share_code":"`) {
		t.Fatalf("the console copied %q, not a WeChat device QR with a share code", qr)
	}

	// Terminal 3: the control URL, the scan with the pasted QR, the state.
	vars := map[string]string{}
	for i, line := range blocks[1] {
		w := shellWords(t, line, vars)
		switch {
		case i == 0:
			name, url, ok := strings.Cut(strings.Join(w, " "), "=")
			if !ok || url != "http://127.0.0.1:PORT/control" {
				t.Fatalf("the README sets %q; the test knows C=http://127.0.0.1:PORT/control", line)
			}
			vars[name] = control
		case w[0] == "curl":
			for j := range w {
				if w[j] == "QR" {
					w[j] = qr
				}
			}
			got := runCurlLine(t, w)
			if i == len(blocks[1])-1 {
				var st struct {
					Bindings []struct{ OpenID, DeviceID string }
				}
				if err := json.Unmarshal([]byte(got), &st); err != nil {
					t.Fatalf("state %s: %v", got, err)
				}
				if len(st.Bindings) == 0 || st.Bindings[0].OpenID != "o_bob" {
					t.Fatalf("after the scan the emulator's state is %s", got)
				}
			}
		default:
			t.Fatalf("the test does not know %q", line)
		}
	}
	// And the cloud: o_bob is a user of the device, which kept its owner.
	bob, err := dev2.Account().GetUserByOpenID(ctx, "weixin", "o_bob", "")
	if err != nil {
		t.Fatalf("o_bob has no account after the scan: %v", err)
	}
	devs, err := dev2.As(bob.UserID).Bind().ListDevices(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].DeviceID != deviceID {
		t.Fatalf("o_bob's devices %+v, want device %d", devs, deviceID)
	}
}

// readmeProse is the README section under heading.
func readmeProse(t *testing.T, heading string) string {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, _ := strings.Cut(string(raw), "\n"+heading+"\n")
	if i := strings.Index(sec, "\n#"); i >= 0 {
		sec = sec[:i]
	}
	return sec
}

// TestREADMEEmulatorWalk runs the README's first WeChat walk as written:
// the local cloud, the bridge with the emulator, and every curl line of
// the control API (with a free device for PID), then the push-secret lines.
func TestREADMEEmulatorWalk(t *testing.T) {
	blocks := readmeBlocks(t, "## WeChat bridge")
	if len(blocks) < 3 || len(blocks[0]) != 2 {
		t.Fatalf("the README's WeChat blocks changed shape: %q", blocks)
	}
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	for _, k := range []string{envWXAppSecret, envWXPushSecret, envWXToken, envWXAppID, envWXAccount} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// go run . serve … &   and   go run . wechat …
	serve := shellWords(t, blocks[0][0], nil)
	if len(serve) < 5 || strings.Join(serve[:4], " ") != "go run . serve" || serve[len(serve)-1] != "&" {
		t.Fatalf("the cloud's line is %q; the test knows `go run . serve … &`", serve)
	}
	cloudOut := startCommand(t, ctx, serve[3:len(serve)-1])
	waitMatch(t, cloudOut, regexp.MustCompile(`router +http://127\.0\.0\.1:\d+`), "the local cloud")
	wechatLine := shellWords(t, blocks[0][1], nil)
	if len(wechatLine) < 4 || strings.Join(wechatLine[:4], " ") != "go run . wechat" {
		t.Fatalf("the bridge's line is %q; the test knows `go run . wechat …`", wechatLine)
	}
	out := startCommand(t, ctx, wechatLine[3:])
	control := waitMatch(t, out, regexp.MustCompile(`control +(http://127\.0\.0\.1:\d+/control)/`), "the control URL")[1]
	bridge := waitMatch(t, out, regexp.MustCompile(`data push +POST (http://127\.0\.0\.1:\d+)/push`), "the bridge's URL")[1]

	vars := map[string]string{}
	pid := ""
	for i, line := range blocks[1] {
		w := shellWords(t, line, vars)
		if i == 0 {
			name, url, ok := strings.Cut(strings.Join(w, " "), "=")
			if !ok || url != "http://127.0.0.1:PORT/control" {
				t.Fatalf("the README sets %q; the test knows C=http://127.0.0.1:PORT/control", line)
			}
			vars[name] = control
			continue
		}
		if pid == "" && strings.Contains(line, "PID") {
			t.Fatalf("the README uses PID in %q before listing the devices", line)
		}
		for j := range w {
			w[j] = strings.ReplaceAll(w[j], "PID", pid)
		}
		got := runCurlLine(t, w)
		if strings.Contains(line, "/devices?") {
			// PID: a plug nobody owns yet, so that Alice's scan makes her
			// the owner.
			var devs []struct {
				PhysicalDeviceID string
				Owner            int64
			}
			if err := json.Unmarshal([]byte(got), &devs); err != nil {
				t.Fatalf("devices %s: %v", got, err)
			}
			for _, d := range devs {
				if d.Owner == 0 {
					pid = d.PhysicalDeviceID
					break
				}
			}
			if pid == "" {
				t.Fatalf("no free plug in %s", got)
			}
		}
		if strings.Contains(line, "openid=o_carol") {
			// Refused (Alice owns the device) and told why, in the
			// bridge's default language.
			var st struct {
				Bindings []struct{ OpenID, DeviceID string }
				Texts    []struct{ ToUser, Content string }
			}
			if err := json.Unmarshal([]byte(curl(t, []string{control + "/state"}, "")), &st); err != nil {
				t.Fatal(err)
			}
			for _, b := range st.Bindings {
				if b.OpenID == "o_carol" {
					t.Fatalf("Carol's refused scan left a binding: %+v", st.Bindings)
				}
			}
			want := "设备 " + pid + " 已被其他用户绑定，请让设备管理员将设备分享给您。"
			if len(st.Texts) == 0 || st.Texts[len(st.Texts)-1].ToUser != "o_carol" || st.Texts[len(st.Texts)-1].Content != want {
				t.Fatalf("after Carol's scan the texts are %+v, want %q to o_carol", st.Texts, want)
			}
		}
		if strings.Contains(line, "openid=o_bob") {
			var st struct {
				Bindings []struct{ OpenID, DeviceID string }
			}
			if err := json.Unmarshal([]byte(curl(t, []string{control + "/state"}, "")), &st); err != nil {
				t.Fatal(err)
			}
			bound := 0
			for _, b := range st.Bindings {
				if b.DeviceID == pid && (b.OpenID == "o_alice" || b.OpenID == "o_bob") {
					bound++
				}
			}
			if bound != 2 {
				t.Fatalf("after Alice's and Bob's scans the bindings are %+v", st.Bindings)
			}
		}
	}

	// The push secret's file, then a push and a page token with it.
	if len(blocks[2]) != 3 || blocks[2][0] != `S=$(cat "${XDG_STATE_HOME:-$HOME/.local/state}/acconsole/wechat-push-secret")` {
		t.Fatalf("the README's push-secret block changed: %q", blocks[2])
	}
	secret, err := readSecretFile(filepath.Join(stateDir(), wechatPushSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	vars["S"] = secret
	for _, line := range blocks[2][1:] {
		w := shellWords(t, line, vars)
		for j := range w {
			w[j] = strings.ReplaceAll(strings.ReplaceAll(w[j], "http://127.0.0.1:8080", bridge), "PID", pid)
		}
		got := runCurlLine(t, w)
		if strings.Contains(line, "/ws-token") && !strings.Contains(got, `"token":"`) {
			t.Fatalf("ws-token answered %s", got)
		}
		if strings.Contains(line, "/push") && !strings.Contains(got, `"deliveries":`) {
			t.Fatalf("push answered %s", got)
		}
	}
}
