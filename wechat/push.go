package wechat

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"acconsole/acapi"
	"acconsole/i18n"
	"acconsole/internal/clock"
	"acconsole/models"
	"acconsole/wechat/wxapi"
)

// Message push (the seed's 消息推送): a cloud service (a UDS handling a
// device's report) POSTs an alert about a device to the data-push endpoint;
// the bridge finds the device's users, and tells each one on the H5 page
// they have open (over WebSocket) or else with a WeChat template message.

// HeaderSecret carries the shared secret of the data-push, deliveries and
// token endpoints.
const HeaderSecret = "X-Bridge-Secret"

// Delivery channels, as recorded.
const (
	ChannelWS          = "ws"           // sent on the user's open page
	ChannelTemplate    = "template"     // sent as a template message
	ChannelRateLimited = "rate-limited" // dropped: the user's budget was used up
	ChannelFailed      = "failed"       // could not be delivered (Error says why)
)

// Defaults of PushConfig.
const (
	DefaultRate         = 1.0 / 60 // one alert a minute per user, refilled
	DefaultBurst        = 5
	DefaultRingSize     = 500
	DefaultTokenTTL     = 24 * time.Hour
	DefaultMaxWSMessage = 4 << 10
	DefaultPingInterval = 30 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	DefaultMaxAlert     = 16 << 10
)

// Limits of an alert's fields (in bytes), so that one alert cannot fill
// the ring or a template message with a novel.
const (
	maxTitle   = 256
	maxContent = 4096
	maxLevel   = 32
)

// PushConfig configures a Pusher.
type PushConfig struct {
	// Secret authenticates callers of /push, /deliveries and /ws-token
	// (header X-Bridge-Secret). Required.
	Secret string
	// TemplateID is the WeChat template of alert messages; "" means no
	// template messages (users without an open page are not reached).
	// The template's slots are TemplateSlots.
	TemplateID string
	// TemplateURL is where tapping a template message leads (optional).
	TemplateURL string
	// Rate (alerts per second) and Burst set each user's token bucket:
	// alerts beyond it are dropped and recorded as rate-limited, whatever
	// the channel, so that a flapping device cannot flood a person (or
	// use up the account's template quota).
	Rate  float64
	Burst int
	// RingSize is how many deliveries /deliveries remembers.
	RingSize int
	// TokenKey signs the WebSocket tokens; nil means a random key, so
	// tokens die with the process.
	TokenKey []byte
	TokenTTL time.Duration
	// MaxWSMessage bounds what a page may send (it is read and dropped).
	MaxWSMessage int
	// PingInterval is how often open pages are pinged; a page silent for
	// two intervals is dropped.
	PingInterval time.Duration
	WriteTimeout time.Duration
	// MaxAlert bounds a data-push body.
	MaxAlert int64
	Logger   *slog.Logger
	Clock    clock.Clock // nil is the bridge's
}

// Alert is what a cloud service pushes about a device.
type Alert struct {
	PhysicalDeviceID string `json:"physicalDeviceId"`
	SubDomain        string `json:"subDomain"`
	Title            string `json:"title"`
	Content          string `json:"content"`
	// Level is free text ("warning", "3"…); a JSON number is accepted.
	Level string `json:"level"`
}

// Delivery is the record of one alert to one user.
type Delivery struct {
	Seq              uint64    `json:"seq"`
	Time             time.Time `json:"time"`
	PhysicalDeviceID string    `json:"physicalDeviceId"`
	SubDomain        string    `json:"subDomain"`
	UserID           int64     `json:"userId"`
	OpenID           string    `json:"openId,omitempty"`
	Channel          string    `json:"channel"`
	Title            string    `json:"title"`
	Level            string    `json:"level,omitempty"`
	MsgID            int64     `json:"msgId,omitempty"` // the template message's id
	Error            string    `json:"error,omitempty"`
}

// Pusher delivers alerts and serves the endpoints around them. It is safe
// for concurrent use.
type Pusher struct {
	b      *Bridge
	cfg    PushConfig
	secret [sha256.Size]byte
	log    *slog.Logger
	now    func() time.Time
	lim    *limiter
	ring   *ring

	mu     sync.Mutex
	conns  map[string]*wsConn // by OpenID: one channel per user
	live   map[*wsConn]bool   // every upgraded connection, replaced ones included, for Close
	closed bool
	// wg counts the ServeWS handlers and their pingers. The HTTP server
	// forgets a connection once it is hijacked (Shutdown does not wait for
	// it), so only this tells Close when the last of them is gone.
	wg sync.WaitGroup
}

// NewPusher returns a Pusher for b.
func NewPusher(b *Bridge, cfg PushConfig) (*Pusher, error) {
	if b == nil {
		return nil, errors.New("wechat: NewPusher needs a Bridge")
	}
	if cfg.Secret == "" {
		return nil, errors.New("wechat: the data-push endpoint needs a shared secret")
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.RingSize <= 0 {
		cfg.RingSize = DefaultRingSize
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxWSMessage <= 0 {
		cfg.MaxWSMessage = DefaultMaxWSMessage
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxAlert <= 0 {
		cfg.MaxAlert = DefaultMaxAlert
	}
	if len(cfg.TokenKey) == 0 {
		cfg.TokenKey = make([]byte, 32)
		_, _ = rand.Read(cfg.TokenKey) // crypto/rand.Read does not fail
	}
	p := &Pusher{b: b, cfg: cfg, secret: sha256.Sum256([]byte(cfg.Secret)), log: cfg.Logger, now: b.now,
		lim: newLimiter(cfg.Rate, cfg.Burst), ring: &ring{buf: make([]Delivery, cfg.RingSize)},
		conns: map[string]*wsConn{}, live: map[*wsConn]bool{}}
	if p.log == nil {
		p.log = b.log
	}
	if cfg.Clock != nil {
		p.now = cfg.Clock.Now
	}
	return p, nil
}

// authorized compares the caller's secret in constant time; hashing both
// first keeps the comparison constant-time in the length too.
func (p *Pusher) authorized(r *http.Request) bool {
	got := sha256.Sum256([]byte(r.Header.Get(HeaderSecret)))
	return r.Header.Get(HeaderSecret) != "" && subtle.ConstantTimeCompare(got[:], p.secret[:]) == 1
}

// --- delivering ---------------------------------------------------------------

// Deliver sends an alert to every user of the device who has a WeChat
// identity, and records each delivery. The error is for the alert as a
// whole (the device's users could not be found); per-user failures are
// deliveries with ChannelFailed. A device nobody has bound yields none.
func (p *Pusher) Deliver(ctx context.Context, a Alert) ([]Delivery, error) {
	a, err := cleanAlert(a)
	if err != nil {
		return nil, err
	}
	bind := p.b.ac.Bind()
	id, err := bind.GetDeviceID(ctx, a.SubDomain, a.PhysicalDeviceID)
	if acapi.Code(err) == models.ErrDeviceAbsent {
		return []Delivery{}, nil
	}
	if err != nil {
		return nil, err
	}
	users, err := bind.ListUsers(ctx, a.SubDomain, id)
	if acapi.Code(err) == models.ErrDeviceAbsent {
		return []Delivery{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(users))
	seen := map[string]bool{}
	for _, u := range users {
		d := Delivery{Time: p.now(), PhysicalDeviceID: a.PhysicalDeviceID, SubDomain: a.SubDomain,
			UserID: u.UserID, Title: a.Title, Level: a.Level}
		openID, err := p.b.ac.Account().GetUserOpenID(ctx, u.UserID, Provider)
		switch {
		case acapi.Code(err) == models.ErrAccountAbsent:
			continue // an app user without WeChat: not this bridge's to tell
		case err != nil:
			d.Channel, d.Error = ChannelFailed, "finding the user's OpenID: "+err.Error()
		case seen[openID]:
			continue
		default:
			seen[openID] = true
			d.OpenID = openID
			p.deliverOne(ctx, a, &d)
		}
		out = append(out, p.ring.add(d))
	}
	return out, nil
}

func (p *Pusher) deliverOne(ctx context.Context, a Alert, d *Delivery) {
	if !p.lim.allow(d.OpenID, d.Time) {
		d.Channel = ChannelRateLimited
		return
	}
	if c := p.conn(d.OpenID); c != nil {
		err := c.WriteText(alertJSON(p.b.tr, a, d.Time))
		if err == nil {
			d.Channel = ChannelWS
			return
		}
		// A dead page: forget it and fall back to a template message.
		p.log.Info("push: page connection failed, trying a template message", "openid", d.OpenID, "err", err)
		p.unregister(d.OpenID, c)
		c.drop()
	}
	if p.cfg.TemplateID == "" {
		d.Channel, d.Error = ChannelFailed, "the user has no page open and no template message is configured"
		return
	}
	m := wxapi.TemplateMessage{ToUser: d.OpenID, TemplateID: p.cfg.TemplateID, URL: p.cfg.TemplateURL,
		Data: templateData(p.b.tr, a, d.Time)}
	id, err := p.b.wx.SendTemplate(ctx, m)
	if err != nil {
		d.Channel, d.Error = ChannelFailed, "template message: "+err.Error()
		return
	}
	d.Channel, d.MsgID = ChannelTemplate, id
}

// TemplateSlots names the keyword slots of the alert template, in order.
// Since May 2023 WeChat no longer shows a template's first and remark
// fields (they are dropped from what it sends; "关于规范公众号模板消息的再次
// 公告"), and shows at most 20 characters of a keyword, up to its first
// line break. So everything a user must read goes in keywords, each cut to
// one line of 20 characters here (so the cut is ours, marked with "…",
// rather than WeChat's), and the page at TemplateURL has the full text.
var TemplateSlots = []string{
	"keyword1", // the alert's title (its content when it has none)
	"keyword2", // the content
	"keyword3", // the device: physical id
	"keyword4", // the level
	"keyword5", // the time (UTC) in the bridge's language: "2026年12月5日 周六 07:30"
}

// maxKeyword is how many characters of a keyword WeChat shows.
const maxKeyword = 20

// templateData fills the slots. The title, content and level are the
// service's own text and are passed on as they are; the time is written
// for the reader by tr.
func templateData(tr *i18n.Translator, a Alert, at time.Time) map[string]wxapi.TemplateValue {
	title := a.Title
	if title == "" {
		title = a.Content
	}
	vals := []string{title, a.Content, a.PhysicalDeviceID, a.Level, tr.DateTime(at.UTC())}
	data := make(map[string]wxapi.TemplateValue, len(vals))
	for i, v := range vals {
		data[TemplateSlots[i]] = wxapi.TemplateValue{Value: keywordText(v)}
	}
	return data
}

// keywordText is v as WeChat can show it in a keyword: one line, at most
// maxKeyword characters, a cut marked with "…".
func keywordText(v string) string {
	v = strings.Join(strings.Fields(v), " ")
	if r := []rune(v); len(r) > maxKeyword {
		return string(r[:maxKeyword-1]) + "…"
	}
	return v
}

// alertJSON is the text message a page receives: time is RFC 3339 for
// programs, timeText the same instant (UTC) as tr writes it for people.
func alertJSON(tr *i18n.Translator, a Alert, at time.Time) string {
	v := struct {
		Type             string `json:"type"`
		PhysicalDeviceID string `json:"physicalDeviceId"`
		SubDomain        string `json:"subDomain"`
		Title            string `json:"title"`
		Content          string `json:"content"`
		Level            string `json:"level"`
		Time             string `json:"time"`
		TimeText         string `json:"timeText"`
	}{"alert", a.PhysicalDeviceID, a.SubDomain, a.Title, a.Content, a.Level, at.UTC().Format(time.RFC3339), tr.DateTime(at.UTC())}
	raw, _ := json.Marshal(v) // strings only: cannot fail
	return string(raw)
}

// cleanAlert validates and sanitises an alert: its text reaches people's
// phones and the operators' deliveries list.
func cleanAlert(a Alert) (Alert, error) {
	a.PhysicalDeviceID = models.SanitizeLine(strings.TrimSpace(a.PhysicalDeviceID))
	a.SubDomain = models.SanitizeLine(strings.TrimSpace(a.SubDomain))
	a.Title = models.SanitizeLine(strings.TrimSpace(a.Title))
	a.Content = models.SanitizeText(strings.TrimSpace(a.Content))
	a.Level = models.SanitizeLine(strings.TrimSpace(a.Level))
	switch {
	case a.PhysicalDeviceID == "" || a.SubDomain == "":
		return a, invalid("Deliver", "physicalDeviceId and subDomain are required")
	case len(a.PhysicalDeviceID) > 64 || len(a.SubDomain) > 64:
		return a, invalid("Deliver", "physicalDeviceId or subDomain is too long")
	case a.Title == "" && a.Content == "":
		return a, invalid("Deliver", "an alert needs a title or a content")
	case len(a.Title) > maxTitle || len(a.Content) > maxContent || len(a.Level) > maxLevel:
		return a, invalid("Deliver", "title (%d bytes max), content (%d) or level (%d) is too long", maxTitle, maxContent, maxLevel)
	}
	return a, nil
}

// Deliveries returns up to limit recorded deliveries, newest first.
func (p *Pusher) Deliveries(limit int) []Delivery { return p.ring.list(limit) }

// --- endpoints -------------------------------------------------------------------

// ServePush is the data-push endpoint: POST an Alert as JSON with the
// shared secret; the answer lists the deliveries it made.
func (p *Pusher) ServePush(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		jsonError(w, http.StatusMethodNotAllowed, "POST an alert")
		return
	}
	if !p.authorized(r) {
		jsonError(w, http.StatusUnauthorized, "missing or wrong "+HeaderSecret)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.cfg.MaxAlert))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("alert larger than %d bytes", p.cfg.MaxAlert))
			return
		}
		jsonError(w, http.StatusBadRequest, "reading the alert failed")
		return
	}
	a, err := decodeAlert(body)
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	ds, err := p.Deliver(r.Context(), a)
	if err != nil {
		status := http.StatusBadRequest
		if Retryable(err) {
			status = http.StatusBadGateway
		}
		jsonError(w, status, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

// decodeAlert reads an alert leniently (unknown keys ignored, a numeric
// level accepted) but refuses anything that is not one JSON object.
func decodeAlert(body []byte) (Alert, error) {
	var wire struct {
		Alert
		Level json.RawMessage `json:"level"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&wire); err != nil {
		return Alert{}, fmt.Errorf("the alert is not a JSON object: %v", err)
	}
	if dec.More() {
		return Alert{}, errors.New("data after the alert's JSON object")
	}
	a := wire.Alert
	switch lv := bytes.TrimSpace(wire.Level); {
	case len(lv) == 0 || string(lv) == "null":
	case lv[0] == '"':
		if err := json.Unmarshal(lv, &a.Level); err != nil {
			return Alert{}, errors.New("level is not a string")
		}
	default:
		var n json.Number
		if err := json.Unmarshal(lv, &n); err != nil {
			return Alert{}, errors.New("level must be a string or a number")
		}
		a.Level = n.String()
	}
	return a, nil
}

// ServeDeliveries lists the recorded deliveries, newest first (GET, with
// the shared secret; ?limit=N, default 100).
func (p *Pusher) ServeDeliveries(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		jsonError(w, http.StatusMethodNotAllowed, "GET the deliveries")
		return
	}
	if !p.authorized(r) {
		jsonError(w, http.StatusUnauthorized, "missing or wrong "+HeaderSecret)
		return
	}
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			jsonError(w, http.StatusBadRequest, "limit must be a positive number")
			return
		}
		limit = n
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": p.Deliveries(limit)})
}

// ServeWSToken issues a WebSocket token for an OpenID (POST or GET
// ?openid=…, with the shared secret), for the backend that serves the H5
// page once WeChat's OAuth has told it who the user is.
func (p *Pusher) ServeWSToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		jsonError(w, http.StatusMethodNotAllowed, "GET or POST")
		return
	}
	if !p.authorized(r) {
		jsonError(w, http.StatusUnauthorized, "missing or wrong "+HeaderSecret)
		return
	}
	openID := r.URL.Query().Get("openid")
	if err := checkOpenID("IssueToken", openID); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"openid": openID, "token": p.IssueToken(openID)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encoding the answer failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// --- WebSocket channel ------------------------------------------------------------

// wsTokenContext separates these MACs from any other use of the key.
const wsTokenContext = "acconsole-wechat-ws\x00"

// IssueToken returns a token that lets the page of openID open its alert
// channel (/ws?openid=…&token=…) until it expires (TokenTTL): the expiry in
// Unix seconds, ".", and an HMAC-SHA256 of the OpenID and the expiry.
func (p *Pusher) IssueToken(openID string) string {
	exp := strconv.FormatInt(p.now().Add(p.cfg.TokenTTL).Unix(), 10)
	return exp + "." + base64.RawURLEncoding.EncodeToString(p.tokenMAC(openID, exp))
}

func (p *Pusher) tokenMAC(openID, exp string) []byte {
	m := hmac.New(sha256.New, p.cfg.TokenKey)
	m.Write([]byte(wsTokenContext + openID + "\x00" + exp))
	return m.Sum(nil)
}

// validToken checks a token for openID in constant time.
func (p *Pusher) validToken(openID, token string) bool {
	exp, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 128 {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !p.now().Before(time.Unix(n, 0)) {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, p.tokenMAC(openID, exp))
}

// ServeWS is the WebSocket endpoint of H5 pages: /ws?openid=…&token=….
// One channel per user: a new connection replaces the user's previous one.
func (p *Pusher) ServeWS(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	openID, token := q.Get("openid"), q.Get("token")
	if checkOpenID("ServeWS", openID) != nil || !utf8.ValidString(token) || !p.validToken(openID, token) {
		http.Error(w, "websocket: missing, wrong or expired token", http.StatusUnauthorized)
		return
	}
	// The handler joins wg under the lock that Close sets closed with, so
	// that no Add can follow Close's Wait.
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		http.Error(w, "websocket: shutting down", http.StatusServiceUnavailable)
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	defer p.wg.Done()
	c, err := acceptWS(w, r, p.cfg.MaxWSMessage, p.cfg.WriteTimeout)
	if err != nil {
		p.log.Debug("websocket: no upgrade", "err", err)
		return
	}
	defer p.unregister(openID, c)
	if !p.register(openID, c) {
		// Close ran during the upgrade. c is live all the same, so Close
		// drops it if the peer does not answer in time.
		p.wg.Go(func() { c.closeWith(closeGoingAway, "shutting down") })
		_ = c.readLoop()
		return
	}
	// The pinger ends when the connection is dropped; it is counted so
	// that Close also waits for a ping under way.
	p.wg.Go(func() { p.pinger(c) })
	err = c.readLoop()
	p.log.Debug("websocket: page disconnected", "openid", openID, "err", err)
}

// pinger pings the page every PingInterval; a page that has not answered
// within the next interval is dropped.
func (p *Pusher) pinger(c *wsConn) {
	t := time.NewTicker(p.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ping(p.cfg.PingInterval); err != nil {
				c.drop()
				return
			}
		}
	}
}

// register records c as live and makes it the user's channel, closing the
// one it replaces; once Close has begun, c is only recorded as live.
func (p *Pusher) register(openID string, c *wsConn) bool {
	p.mu.Lock()
	p.live[c] = true
	if p.closed {
		p.mu.Unlock()
		return false
	}
	old := p.conns[openID]
	p.conns[openID] = c
	p.mu.Unlock()
	if old != nil {
		// The caller is a counted handler, so this Add cannot follow
		// Close's Wait.
		p.wg.Go(func() { old.closeWith(closePolicy, "replaced by a newer connection") })
	}
	return true
}

// unregister forgets c, and if it is still the user's channel, that too.
func (p *Pusher) unregister(openID string, c *wsConn) {
	p.mu.Lock()
	if p.conns[openID] == c {
		delete(p.conns, openID)
	}
	delete(p.live, c)
	p.mu.Unlock()
}

func (p *Pusher) conn(openID string) *wsConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[openID]
}

// Connected reports whether the user has an alert channel open.
func (p *Pusher) Connected(openID string) bool { return p.conn(openID) != nil }

// Close closes every page's channel (going away), refuses new ones, and
// returns once every WebSocket goroutine has ended. Peers get closeWait to
// answer the close frame; those that have not by then are dropped.
func (p *Pusher) Close() {
	p.mu.Lock()
	p.closed = true
	conns := p.liveConns()
	p.mu.Unlock()
	// The close frames go out concurrently: one peer that does not read
	// would otherwise hold up the others for the write timeout.
	var closers sync.WaitGroup
	for _, c := range conns {
		closers.Go(func() { c.closeWith(closeGoingAway, "server shutting down") })
	}
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	grace := time.NewTimer(closeWait)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		// Dropping unblocks the read loops (and any write stuck on a peer
		// that does not read), which then return.
		p.mu.Lock()
		conns = p.liveConns()
		p.mu.Unlock()
		for _, c := range conns {
			c.drop()
		}
		<-done
	}
	closers.Wait()
}

// liveConns lists the upgraded connections; p.mu must be held.
func (p *Pusher) liveConns() []*wsConn {
	conns := make([]*wsConn, 0, len(p.live))
	for c := range p.live {
		conns = append(conns, c)
	}
	return conns
}

// --- the deliveries ring --------------------------------------------------------------

type ring struct {
	mu   sync.Mutex
	buf  []Delivery
	next int
	n    int
	seq  uint64
}

func (r *ring) add(d Delivery) Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	d.Seq = r.seq
	r.buf[r.next] = d
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
	return d
}

func (r *ring) list(limit int) []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	if limit <= 0 || limit > r.n {
		limit = r.n
	}
	out := make([]Delivery, 0, limit)
	for i := 1; i <= limit; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}
