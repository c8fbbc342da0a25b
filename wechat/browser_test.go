package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// EnvChromium names the Chromium binary the browser test drives; CI sets
// it (.ci/run installs Debian's chromium).
const EnvChromium = "ACCONSOLE_TEST_CHROMIUM"

// TestBrowserPageShowsPushedAlert opens the bridge's H5 page in headless
// Chromium, waits for the page's WebSocket to be connected, pushes an
// alert through the data-push endpoint and waits for the alert's text to
// appear in the page.
func TestBrowserPageShowsPushedAlert(t *testing.T) {
	bin := os.Getenv(EnvChromium)
	if bin == "" {
		t.Skip("set " + EnvChromium + " to a Chromium binary (e.g. /usr/bin/chromium) to run the browser test")
	}
	e, pid, owner, _ := pushEnv(t)
	cdp := startChromium(t, bin)

	page := e.srv.URL + PathPage + "?openid=" + url.QueryEscape(owner) + "&token=" + url.QueryEscape(e.server.Push.IssueToken(owner))
	var target struct{ TargetID string }
	cdp.call(t, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	cdp.call(t, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	session := attached.SessionID
	var nav struct{ ErrorText string }
	cdp.call(t, session, "Page.navigate", map[string]any{"url": page}, &nav)
	if nav.ErrorText != "" {
		t.Fatalf("navigating to the page: %s", nav.ErrorText)
	}

	text := func() string {
		var res struct {
			Result struct{ Value any }
		}
		cdp.call(t, session, "Runtime.evaluate", map[string]any{"expression": "document.body ? document.body.innerText : ''", "returnByValue": true}, &res)
		s, _ := res.Result.Value.(string)
		return s
	}
	waitForDeadline(t, 30*time.Second, "the page's WebSocket", func() bool { return e.server.Push.Connected(owner) }, text)
	// The page is in the bridge's default language, Chinese.
	waitForDeadline(t, 30*time.Second, `the page to say "已连接" (connected)`, func() bool { return strings.Contains(text(), "已连接") }, text)

	a := alert(pid, "滤网需要更换 filter")
	a["content"] = "PM2.5 is 180 <b>open a window</b>"
	status, ds := e.pushAlert(testSecret, a)
	if status != 200 || channels(ds)[owner] != ChannelWS {
		t.Fatalf("push = %d %+v: want the owner's page", status, ds)
	}
	waitForDeadline(t, 30*time.Second, "the alert on the page", func() bool {
		s := text()
		// The content arrives as text: the markup is shown, not rendered.
		return strings.Contains(s, "滤网需要更换 filter") && strings.Contains(s, "PM2.5 is 180 <b>open a window</b>") &&
			strings.Contains(s, "plug "+pid+" · 级别 2 · ") && strings.Contains(s, "年")
	}, text)
}

// waitForDeadline polls cond until it holds or the deadline passes; on
// failure it reports what the page showed.
func waitForDeadline(t *testing.T, d time.Duration, what string, cond func() bool, show func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; the page shows:\n%s", what, show())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cdpClient speaks the Chrome DevTools Protocol over the browser's
// WebSocket: commands with ids, answers matched by id, events ignored.
type cdpClient struct {
	ws      *websocket.Conn
	next    atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan cdpAnswer
	readErr error
	done    chan struct{}
}

type cdpAnswer struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// startChromium starts headless Chromium with a fresh profile and
// connects to its DevTools endpoint; the browser is stopped when the test
// ends.
func startChromium(t *testing.T, bin string) *cdpClient {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-sync", "--user-data-dir="+dir, "--remote-debugging-port=0", "about:blank")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel() // kills the browser we started
		<-exited
	})

	// Chromium writes the port it chose and the browser target's path to
	// DevToolsActivePort once it listens.
	var port, path string
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); err == nil && len(lines) == 2 {
			port, path = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
			break
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before it listened:\n%s", bin, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s wrote no DevToolsActivePort:\n%s", bin, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	ws, _, err := websocket.Dial(dctx, "ws://127.0.0.1:"+port+path, nil)
	if err != nil {
		t.Fatalf("DevTools WebSocket: %v", err)
	}
	ws.SetReadLimit(16 << 20)
	c := &cdpClient{ws: ws, pending: map[int64]chan cdpAnswer{}, done: make(chan struct{})}
	go c.readLoop()
	t.Cleanup(func() {
		_ = ws.CloseNow()
		<-c.done
	})
	return c
}

func (c *cdpClient) readLoop() {
	defer close(c.done)
	for {
		_, p, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		var m struct {
			ID int64 `json:"id"`
			cdpAnswer
		}
		if json.Unmarshal(p, &m) != nil || m.ID == 0 {
			continue // an event
		}
		c.mu.Lock()
		ch := c.pending[m.ID]
		delete(c.pending, m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m.cdpAnswer
		}
	}
}

// call sends a command (to a page's session, or to the browser when
// session is "") and decodes its result into out.
func (c *cdpClient) call(t *testing.T, session, method string, params, out any) {
	t.Helper()
	id := c.next.Add(1)
	ch := make(chan cdpAnswer, 1)
	c.mu.Lock()
	if c.readErr != nil {
		c.mu.Unlock()
		t.Fatalf("%s: the DevTools connection is closed: %v", method, c.readErr)
	}
	c.pending[id] = ch
	c.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, raw); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	var a cdpAnswer
	var ok bool
	select {
	case a, ok = <-ch:
	case <-ctx.Done():
		t.Fatalf("%s: no answer from the browser", method)
	}
	if !ok {
		t.Fatalf("%s: the DevTools connection closed", method)
	}
	if a.Error != nil {
		t.Fatalf("%s: error %d: %s", method, a.Error.Code, a.Error.Message)
	}
	if out != nil {
		if err := json.Unmarshal(a.Result, out); err != nil {
			t.Fatalf("%s: result %s: %v", method, a.Result, err)
		}
	}
}
