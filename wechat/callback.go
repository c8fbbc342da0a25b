package wechat

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"acconsole/internal/clock"
	"acconsole/wechat/wxpush"
)

// Defaults of CallbackConfig.
const (
	// DefaultReplyWithin is how long a push may take before it is
	// acknowledged anyway: WeChat waits 5 s and then retries, and a retry
	// of a push still in progress helps nobody.
	DefaultReplyWithin = 4 * time.Second
	// DefaultHandleTimeout bounds the work on one push, including what
	// goes on after the acknowledgement.
	DefaultHandleTimeout = time.Minute
	// DefaultMaxSkew is how far a push's timestamp may be from the clock.
	DefaultMaxSkew = 5 * time.Minute
)

// maxEchoStr bounds the echostr of the URL check; WeChat's is a number.
const maxEchoStr = 256

// CallbackConfig configures a Callback.
type CallbackConfig struct {
	// Token is the token set in the account's server configuration; it
	// signs every request WeChat sends. Required.
	Token string
	// DeviceName names devices bound by a QR scan ("" lets AbleCloud
	// decide).
	DeviceName string
	// DefaultSubDomain is the product of devices whose QR code names none.
	DefaultSubDomain string
	// GatewaySubDomains are the products whose devices are gateways: they
	// are bound and unbound with bindGateway/unbindGateway.
	GatewaySubDomains []string
	// Dedup remembers pushes to drop WeChat's retries; nil means a
	// wxpush.NewDeduper with its defaults.
	Dedup *wxpush.Deduper
	// ReplyWithin, HandleTimeout: see DefaultReplyWithin and
	// DefaultHandleTimeout.
	ReplyWithin   time.Duration
	HandleTimeout time.Duration
	// MaxSkew refuses requests whose signed timestamp is further than this
	// from the clock (a captured signature is then useless after a while).
	// 0 means DefaultMaxSkew, negative disables the check.
	MaxSkew time.Duration
	// MaxSignatures bounds the signatures remembered against replay (0
	// means DefaultMaxSignatures). They are kept until they go stale and
	// never dropped earlier; when the set is full, pushes are refused with
	// 503 until room frees up, and WeChat retries them.
	MaxSignatures int
	Logger        *slog.Logger
	Clock         clock.Clock // nil is the bridge's
}

// Callback is the http.Handler for the official account's callback URL
// (PROTOCOL §4.3): the GET URL check and the POSTed pushes, signed with
// the token, parsed strictly, de-duplicated, and dispatched to the Bridge.
//
// Answers: 403 for a bad, stale or replayed signature, 413 for a body over
// 64 KiB, 400 for XML wxpush refuses, 503 when the replay set is full (see
// CallbackConfig.MaxSignatures); otherwise 200 with "success" or the
// passive reply. A push whose handling failed in a way a retry may fix
// (network, timeouts) gets 500, and is forgotten by the de-duplicator, so
// that WeChat's retry is processed.
type Callback struct {
	b        *Bridge
	cfg      CallbackConfig
	log      *slog.Logger
	now      func() time.Time
	dedup    *wxpush.Deduper
	sigs     *replaySet
	gateways map[string]bool

	// fullMu guards the throttling of the "replay set full" warning, which
	// would otherwise be logged once per refused push during a flood.
	fullMu      sync.Mutex
	fullLogged  time.Time
	fullRefused int

	// locks serialise the handling of one user's pushes (subscribe, bind,
	// unbind arrive in quick succession and each ends with a sync of the
	// user), striped so that memory does not grow with the users.
	locks [64]sync.Mutex
	wg    sync.WaitGroup
}

// NewCallback returns the callback handler for b.
func NewCallback(b *Bridge, cfg CallbackConfig) (*Callback, error) {
	if b == nil {
		return nil, errors.New("wechat: NewCallback needs a Bridge")
	}
	if cfg.Token == "" {
		return nil, errors.New("wechat: the callback needs the account's token (without it nobody's pushes can be verified)")
	}
	if cfg.ReplyWithin <= 0 {
		cfg.ReplyWithin = DefaultReplyWithin
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = DefaultHandleTimeout
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	if cfg.MaxSignatures <= 0 {
		cfg.MaxSignatures = DefaultMaxSignatures
	}
	c := &Callback{b: b, cfg: cfg, log: cfg.Logger, now: b.now, dedup: cfg.Dedup, gateways: map[string]bool{}}
	if c.log == nil {
		c.log = b.log
	}
	if cfg.Clock != nil {
		c.now = cfg.Clock.Now
	}
	if c.dedup == nil {
		c.dedup = wxpush.NewDeduper(0, 0)
	}
	// Signatures used by handled pushes, kept as long as they stay fresh.
	// WeChat's plain-mode signature covers the timestamp and nonce but not
	// the body, so a captured one must not sign a second body.
	c.sigs = newReplaySet(cfg.MaxSignatures)
	for _, s := range cfg.GatewaySubDomains {
		c.gateways[s] = true
	}
	return c, nil
}

// Wait blocks until the pushes still being handled after their
// acknowledgement are done (for a clean shutdown, and for tests).
func (c *Callback) Wait() { c.wg.Wait() }

func (c *Callback) isGateway(sub string) bool { return c.gateways[sub] }

func (c *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		c.serveCheck(w, r)
	case http.MethodPost:
		c.servePush(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// serveCheck answers WeChat's URL check by echoing echostr, for a correctly
// signed request only (otherwise the URL would echo anything to anyone).
func (c *Callback) serveCheck(w http.ResponseWriter, r *http.Request) {
	if !c.signed(r) {
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	echo := r.URL.Query().Get("echostr")
	if echo == "" || len(echo) > maxEchoStr || !printableASCII(echo) {
		http.Error(w, "echostr missing or not plain text", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, echo)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// signed checks the signature and, unless disabled, the timestamp's age.
func (c *Callback) signed(r *http.Request) bool {
	_, ok := c.signedUntil(r, c.now())
	return ok
}

// signedUntil checks the signature and the timestamp's age at now, and
// returns until when the signature passes the check: its timestamp plus
// the skew, or, with the check disabled, the de-duplicator's default TTL
// from now (such a signature never goes stale, and replay protection then
// only lasts that long).
func (c *Callback) signedUntil(r *http.Request, now time.Time) (time.Time, bool) {
	if !wxpush.CheckRequest(r, c.cfg.Token) {
		return time.Time{}, false
	}
	if c.cfg.MaxSkew < 0 {
		return now.Add(wxpush.DefaultDedupTTL), true
	}
	ts, err := strconv.ParseInt(r.URL.Query().Get("timestamp"), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	at := time.Unix(ts, 0)
	d := now.Sub(at)
	if d > c.cfg.MaxSkew || d < -c.cfg.MaxSkew {
		return time.Time{}, false
	}
	return at.Add(c.cfg.MaxSkew), true
}

// dedupMessage is what the de-duplicator remembers of a push. Pushes
// without a MsgId (events) are told apart by their whole body: WeChat's
// retry repeats the body byte for byte, while wxpush.DedupKey alone (user,
// second, event, device) would merge two scans of one device by one user
// within a second, such as a rescan with a fresh share code.
func dedupMessage(msg wxpush.Message, body []byte) wxpush.Message {
	if msg.MsgId != "" {
		return msg
	}
	sum := sha256.Sum256(body)
	return wxpush.Message{MsgId: "body:" + hex.EncodeToString(sum[:])}
}

// sigKey keys a request's (already checked) signature in the replay set.
// The signature alone is the key: it is the SHA-1 of the sorted token,
// timestamp and nonce, so a request that reuses it, even with the
// timestamp and nonce swapped, is the same authorisation used twice.
// Decoding the hex makes upper and lower case one key, and the entry small.
func sigKey(r *http.Request) [sha1.Size]byte {
	var k [sha1.Size]byte
	_, _ = hex.Decode(k[:], []byte(r.URL.Query().Get("signature"))) // checked by signedUntil
	return k
}

type pushResult struct {
	reply []byte
	err   error
}

func (c *Callback) servePush(w http.ResponseWriter, r *http.Request) {
	sigExpires, ok := c.signedUntil(r, c.now())
	if !ok {
		http.Error(w, "bad or stale signature", http.StatusForbidden)
		return
	}
	if r.ContentLength > wxpush.MaxMessageBytes {
		http.Error(w, "push body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, wxpush.MaxMessageBytes+1))
	if err != nil {
		http.Error(w, "reading the push failed", http.StatusBadRequest)
		return
	}
	msg, err := wxpush.ParseMessage(body)
	switch {
	case errors.Is(err, wxpush.ErrTooLarge):
		http.Error(w, "push body too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		c.log.Warn("callback: refused a push", "err", err)
		http.Error(w, "malformed push", http.StatusBadRequest)
		return
	}
	if msg.ToUserName != "" && msg.ToUserName != c.b.accountID {
		// A signed push for another account: the callback URL or the
		// account id is misconfigured, and a retry would not fix it.
		c.log.Warn("callback: push for another account ignored", "to", msg.ToUserName, "account", c.b.accountID)
		success(w)
		return
	}
	// The clock is read again: the signature was fresh when the request
	// came in, but a slow body may have outlasted it.
	now := c.now()
	sig := sigKey(r)
	switch c.sigs.use(sig, now, sigExpires) {
	case replayUsed:
		http.Error(w, "signature already used", http.StatusForbidden)
		return
	case replayStale:
		http.Error(w, "bad or stale signature", http.StatusForbidden)
		return
	case replayFull:
		// Handling the push without recording its signature would open
		// it to replay; refusing it costs a delay, since WeChat retries.
		c.logReplayFull(now)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many pushes, please retry", http.StatusServiceUnavailable)
		return
	}
	key := dedupMessage(msg, body)
	dup := c.dedup.Seen(key, now)
	status := isStatusPush(msg)
	if dup && !status {
		c.log.Info("callback: retried push dropped", "type", msg.MsgType, "event", msg.Event, "openid", msg.UserOpenID())
		success(w)
		return
	}

	done := make(chan pushResult, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), c.cfg.HandleTimeout)
		defer cancel()
		reply, err := c.dispatch(ctx, msg, dup)
		if err != nil && !dup {
			c.dedup.Forget(key)
			c.sigs.forget(sig)
			c.log.Warn("callback: push failed", "type", msg.MsgType, "event", msg.Event,
				"openid", msg.UserOpenID(), "device", msg.DeviceID, "retryable", Retryable(err), "err", err)
		}
		done <- pushResult{reply, err}
	}()
	timer := time.NewTimer(c.cfg.ReplyWithin)
	defer timer.Stop()
	select {
	case res := <-done:
		switch {
		case res.err != nil && Retryable(res.err):
			http.Error(w, "temporary failure, please retry", http.StatusInternalServerError)
		case res.reply != nil:
			// A reply is the answer, also to a push that failed for good
			// (a refused scan is told why).
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			_, _ = w.Write(res.reply)
		default:
			success(w)
		}
	case <-timer.C:
		c.log.Info("callback: push still in progress, acknowledged", "type", msg.MsgType, "event", msg.Event, "openid", msg.UserOpenID())
		success(w)
	case <-r.Context().Done():
	}
}

// logReplayFull warns that pushes are being refused for want of room in
// the replay set, at most once a minute with the number refused since.
func (c *Callback) logReplayFull(now time.Time) {
	c.fullMu.Lock()
	c.fullRefused++
	if now.Sub(c.fullLogged) < time.Minute {
		c.fullMu.Unlock()
		return
	}
	n := c.fullRefused
	c.fullLogged, c.fullRefused = now, 0
	c.fullMu.Unlock()
	c.log.Warn("callback: signature replay set full, refusing pushes until signatures go stale (WeChat retries them)",
		"refused", n, "capacity", c.cfg.MaxSignatures)
}

func success(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "success")
}

func isStatusPush(m wxpush.Message) bool {
	return m.MsgType == wxpush.MsgTypeDeviceEvent &&
		(m.Event == wxpush.EventSubscribeStatus || m.Event == wxpush.EventUnsubscribeStatus)
}

// dispatch hands a push to the Bridge. A retried status push (dup) is
// answered from a plain online check: the first delivery does the sync.
func (c *Callback) dispatch(ctx context.Context, msg wxpush.Message, dup bool) ([]byte, error) {
	lock := c.lockFor(msg.UserOpenID())
	lock.Lock()
	defer lock.Unlock()
	b := c.b
	switch msg.MsgType {
	case wxpush.MsgTypeEvent:
		switch msg.Event {
		case wxpush.EventSubscribe:
			_, err := b.OnEventSubscribe(ctx, msg, "")
			return nil, err
		case wxpush.EventUnsubscribe:
			return nil, b.done("OnEventUnsubscribe", b.onEventUnsubscribe(ctx, msg, c.isGateway))
		}
	case wxpush.MsgTypeDeviceEvent:
		switch msg.Event {
		case wxpush.EventBind:
			_, err := b.onDeviceEventBind(ctx, msg, c.cfg.DeviceName, c.cfg.DefaultSubDomain, c.isGateway)
			return b.scanRefusalReply(msg, err), b.done("OnDeviceEventBind", err)
		case wxpush.EventUnbind:
			return nil, b.done("OnDeviceEventUnbind", b.onDeviceEventUnbind(ctx, msg, c.cfg.DefaultSubDomain, c.isGateway))
		case wxpush.EventSubscribeStatus:
			return b.OnDeviceEventSubscribeStatus(ctx, msg, !dup)
		case wxpush.EventUnsubscribeStatus:
			return b.OnDeviceEventUnsubscribeStatus(ctx, msg, !dup)
		}
	}
	// Menu clicks, text messages, device_text…: not the bridge's business
	// (ACBridgeWeChat handles none of them); acknowledged.
	return nil, nil
}

func (c *Callback) lockFor(openID string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(openID))
	return &c.locks[h.Sum32()%uint32(len(c.locks))]
}
