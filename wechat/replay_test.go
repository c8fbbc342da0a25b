package wechat

import (
	"bytes"
	"crypto/sha1"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"acconsole/internal/clock"
	"acconsole/wechat/wxpush"
)

// signedQuery is the query WeChat sends with a push stamped ts.
func signedQuery(ts time.Time, nonce string) url.Values {
	tss := strconv.FormatInt(ts.Unix(), 10)
	return url.Values{"timestamp": {tss}, "nonce": {nonce}, "signature": {wxpush.Signature(testToken, tss, nonce)}}
}

// serve hands a push straight to the callback handler: thousands of them
// take a fraction of the time they would over loopback HTTP.
func (e *env) serve(body []byte, q url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, PathCallback+"?"+q.Encode(), bytes.NewReader(body))
	w := httptest.NewRecorder()
	e.server.Callback.ServeHTTP(w, r)
	return w
}

// textXML is a text message (acknowledged, touches nothing) with MsgId id.
func (e *env) textXML(id int) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + e.emu.AccountID() + "]]></ToUserName><FromUserName><![CDATA[o_chatty_000000000000000001]]></FromUserName>" +
		"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>" +
		strconv.Itoa(1_000_000+id) + "</MsgId></xml>")
}

// TestCallbackReplayAfterManyPushes: a signature stays unusable for as long
// as it is fresh, however many pushes come in meanwhile. The first push is
// stamped at the far end of the skew window (fresh for ten minutes), then
// more pushes than the old de-duplicator held (10 000) arrive at about 17 a
// second, and the captured signature is replayed just before it goes stale.
func TestCallbackReplayAfterManyPushes(t *testing.T) {
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	e := newEnv(t, func(c *ServerConfig) { c.Callback.Clock = clk })
	t0 := clk.Now()
	const mallory = "o_mallory_00000000000000002"

	captured := signedQuery(t0.Add(DefaultMaxSkew), "captured")
	if w := e.serve(e.textXML(0), captured); w.Code != http.StatusOK {
		t.Fatalf("first push: HTTP %d %s", w.Code, w.Body)
	}
	const step = 59 * time.Millisecond
	n := wxpush.DefaultDedupMax + 1
	for i := 1; i <= n; i++ {
		clk.Set(t0.Add(time.Duration(i) * step))
		if w := e.serve(e.textXML(i), signedQuery(clk.Now(), "n"+strconv.Itoa(i))); w.Code != http.StatusOK {
			t.Fatalf("push %d: HTTP %d %s", i, w.Code, w.Body)
		}
	}
	clk.Set(t0.Add(2*DefaultMaxSkew - 5*time.Second)) // the captured signature is still fresh
	if w := e.serve(e.subscribeXML(mallory), captured); w.Code != http.StatusForbidden {
		t.Fatalf("replayed signature after %d pushes: HTTP %d, want 403", n, w.Code)
	}
	e.server.Callback.Wait()
	e.noUser(mallory)
}

// TestCallbackReplaySetFull: when the replay set is full of fresh
// signatures, a new push is refused with a retryable 503 and not handled,
// the recorded signatures are still refused, and once they go stale the
// retried push goes through.
func TestCallbackReplaySetFull(t *testing.T) {
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	e := newEnv(t, func(c *ServerConfig) {
		c.Callback.Clock = clk
		c.Callback.MaxSkew = 10 * time.Second
		c.Callback.MaxSignatures = 3
	})
	t0 := clk.Now()
	const wendy, mallory = "o_wendy_0000000000000000001", "o_mallory_00000000000000003"

	var first url.Values
	for i := range 3 {
		q := signedQuery(t0, "n"+strconv.Itoa(i))
		if i == 0 {
			first = q
		}
		if w := e.serve(e.textXML(i), q); w.Code != http.StatusOK {
			t.Fatalf("push %d: HTTP %d", i, w.Code)
		}
	}
	refused := signedQuery(t0, "wendy")
	w := e.serve(e.subscribeXML(wendy), refused)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("push with the set full: HTTP %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	e.server.Callback.Wait()
	e.noUser(wendy)

	// Full or not, a used signature is a replay.
	clk.Set(t0.Add(5 * time.Second))
	if w := e.serve(e.subscribeXML(mallory), first); w.Code != http.StatusForbidden {
		t.Fatalf("replay with the set full: HTTP %d, want 403", w.Code)
	}
	if w := e.serve(e.subscribeXML(wendy), refused); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("WeChat's retry with the set still full: HTTP %d, want 503", w.Code)
	}

	// The recorded signatures go stale (and are then refused as stale), the
	// set frees them, and WeChat's next retry is handled.
	clk.Set(t0.Add(11 * time.Second))
	if w := e.serve(e.subscribeXML(wendy), signedQuery(clk.Now(), "wendy-retry")); w.Code != http.StatusOK {
		t.Fatalf("retry once the signatures went stale: HTTP %d %s", w.Code, w.Body)
	}
	e.server.Callback.Wait()
	e.user(wendy)
	if n := e.server.Callback.sigs.len(); n != 1 {
		t.Fatalf("replay set holds %d signatures, want 1", n)
	}
	if w := e.serve(e.subscribeXML(mallory), first); w.Code != http.StatusForbidden {
		t.Fatalf("stale replay: HTTP %d, want 403", w.Code)
	}
	e.server.Callback.Wait()
	e.noUser(mallory)
}

// TestReplaySet: entries are never dropped before they expire, each at its
// own time whatever the order they came in, and forgetting one lets it be
// used again.
func TestReplaySet(t *testing.T) {
	s := newReplaySet(3)
	t0 := time.Unix(1_700_000_000, 0)
	key := func(s string) [sha1.Size]byte { return sha1.Sum([]byte(s)) }
	for name, exp := range map[string]time.Duration{"long": time.Hour, "short1": time.Minute, "short2": 2 * time.Minute} {
		if v := s.use(key(name), t0, t0.Add(exp)); v != replayNew {
			t.Fatalf("%s: verdict %d, want new", name, v)
		}
	}
	if v := s.use(key("extra"), t0.Add(time.Minute), t0.Add(time.Hour)); v != replayFull {
		t.Fatalf("a fourth entry: verdict %d, want full", v)
	}
	for _, name := range []string{"long", "short1", "short2"} {
		if v := s.use(key(name), t0.Add(time.Minute), t0.Add(time.Hour)); v != replayUsed {
			t.Fatalf("%s at its expiry: verdict %d, want used", name, v)
		}
	}
	// Past short1's expiry there is room for one, though "long" came first.
	later := t0.Add(time.Minute + time.Nanosecond)
	if v := s.use(key("extra"), later, later.Add(time.Hour)); v != replayNew {
		t.Fatalf("after an expiry: verdict %d, want new", v)
	}
	if v := s.use(key("short1"), later, later.Add(time.Hour)); v != replayFull {
		t.Fatalf("short1 after it expired, with the set full: verdict %d, want full", v)
	}
	s.forget(key("extra"))
	if v := s.use(key("extra"), later, later.Add(time.Hour)); v != replayFull {
		t.Fatalf("a forgotten entry still takes room until it expires: verdict %d, want full", v)
	}
	if v := s.use(key("short2"), later, later.Add(time.Hour)); v != replayUsed {
		t.Fatalf("short2 before its expiry: verdict %d, want used", v)
	}
	// short2 is freed at a later time; a request that read the clock
	// earlier, while short2 was still fresh, must not record it as new.
	s.use(key("tick"), t0.Add(3*time.Minute), t0.Add(time.Hour))
	if v := s.use(key("short2"), later, t0.Add(2*time.Minute)); v != replayStale {
		t.Fatalf("short2 after it was freed, from an earlier clock reading: verdict %d, want stale", v)
	}
}

// slowBody is a request body that runs during before it is read, as a slow
// upload lets other requests run.
type slowBody struct {
	during func()
	r      *bytes.Reader
	once   sync.Once
}

func (b *slowBody) Read(p []byte) (int, error) {
	b.once.Do(b.during)
	return b.r.Read(p)
}

// TestCallbackReplayWithSlowBody: a replay whose signature is fresh when
// the request arrives but goes stale while its body is read, during which
// another push frees the signature's entry, is refused.
func TestCallbackReplayWithSlowBody(t *testing.T) {
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	e := newEnv(t, func(c *ServerConfig) {
		c.Callback.Clock = clk
		c.Callback.MaxSkew = 10 * time.Second
	})
	t0 := clk.Now()
	const mallory = "o_mallory_00000000000000004"
	captured := signedQuery(t0, "captured")
	if w := e.serve(e.textXML(0), captured); w.Code != http.StatusOK {
		t.Fatalf("first push: HTTP %d", w.Code)
	}
	clk.Set(t0.Add(9 * time.Second)) // still fresh
	body := &slowBody{r: bytes.NewReader(e.subscribeXML(mallory)), during: func() {
		clk.Set(t0.Add(11 * time.Second))
		if w := e.serve(e.textXML(1), signedQuery(clk.Now(), "meanwhile")); w.Code != http.StatusOK {
			t.Errorf("push during the slow body: HTTP %d", w.Code)
		}
	}}
	r := httptest.NewRequest(http.MethodPost, PathCallback+"?"+captured.Encode(), body)
	w := httptest.NewRecorder()
	e.server.Callback.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Fatalf("replay with a slow body: HTTP %d, want 403", w.Code)
	}
	e.server.Callback.Wait()
	e.noUser(mallory)
}
