package wxemu

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"acconsole/internal/clock"
)

// Defaults for Config fields left zero.
const (
	DefaultAccountID = "gh_0e1a2b3c4d5e"
	DefaultAppID     = "wx0123456789abcdef"
	DefaultAppSecret = "emulator-app-secret-0123456789ab"
	DefaultToken     = "emulatortoken"
	DefaultTokenTTL  = 7200 * time.Second
	// DefaultTokenOverlap: WeChat keeps the previous access token usable
	// for 5 minutes after a new one is fetched.
	DefaultTokenOverlap = 5 * time.Minute
	DefaultPushTimeout  = 5 * time.Second // WeChat gives up on a callback after 5 s

	maxRequestBytes = 1 << 20
	maxReplyBytes   = 64 << 10
	ticketPrefix    = "http://we.qq.com/d/"
)

// Config sets up an Emulator. Every field has a default.
type Config struct {
	AccountID string // the official account's original id (gh_…), also every device_type
	AppID     string
	AppSecret string

	// Token signs pushes to CallbackURL, as the token configured in the
	// account's server settings does.
	Token       string
	CallbackURL string

	TokenTTL time.Duration // lifetime of issued access tokens
	// TokenOverlap is how long the previous access tokens stay valid once
	// a newer one is issued (WeChat: "the old and new access_token are
	// both usable within 5 minutes"); after it they answer 40001.
	// DefaultTokenOverlap when zero.
	TokenOverlap time.Duration

	// PushRetries is how many times a failed push is re-sent (WeChat sends
	// up to 3 retries). 0 by default so tests see each failure directly;
	// retry tests set it or use PushRaw.
	PushRetries int
	PushTimeout time.Duration // per push attempt
	HTTPClient  *http.Client  // for pushes

	Clock clock.Clock // time of token expiry and CreateTime; nil is the wall clock
}

// Binding is one (user, device) binding on the WeChat side.
type Binding struct {
	OpenID   string
	DeviceID string
}

// Device is an authorised device and the attributes it was authorised with.
type Device struct {
	ID         string
	MAC        string
	ProductID  string
	Attributes map[string]string // every other authorize_device field, as sent
}

// TemplateMessage is a template message the emulator accepted.
type TemplateMessage struct {
	MsgID      int64
	ToUser     string
	TemplateID string
	URL        string
	Data       map[string]TemplateField
}

// Shown is what the recipient sees of the message's data, by slot, as
// WeChat displays template messages since May 2023: the first and remark
// slots are dropped, and a slot shows at most 20 characters, up to its
// first line break.
func (m TemplateMessage) Shown() map[string]string {
	out := map[string]string{}
	for k, f := range m.Data {
		if k == "first" || k == "remark" {
			continue
		}
		v, _, _ := strings.Cut(f.Value, "\n")
		if r := []rune(v); len(r) > 20 {
			v = string(r[:20])
		}
		out[k] = v
	}
	return out
}

// TemplateField is one data slot of a template message.
type TemplateField struct {
	Value string
	Color string
}

// TransMsg is a transmsg the emulator accepted. Status is true for the status
// variant (msg_type 2), in which case DeviceStatus is set and Content nil.
type TransMsg struct {
	DeviceType   string
	DeviceID     string
	OpenID       string
	Content      []byte // Base64-decoded
	Status       bool
	DeviceStatus int
}

// TextMessage is a text passive reply the bridge answered a push with: a
// chat message from the account that WeChat shows the user.
type TextMessage struct {
	ToUser   string
	FromUser string
	Content  string
}

// Push is one push the emulator sent to the callback (retries included once:
// Body is what was sent, Reply the last reply, Err the final outcome).
type Push struct {
	Body  []byte
	Reply []byte
	Err   error
}

type injected struct {
	code int
	msg  string
	left int
}

// Emulator is the emulated WeChat platform. Create it with New.
type Emulator struct {
	accountID string
	appID     string
	appSecret string
	tokenTTL  time.Duration
	overlap   time.Duration
	retries   int
	pushTO    time.Duration
	hc        *http.Client
	now       func() time.Time

	mu           sync.Mutex
	callbackURL  string
	pushToken    string
	tokens       map[string]time.Time // access token → expiry
	revoked      map[string]time.Time // superseded access token → when it stops working (40001)
	tokensIssued int
	calls        map[string]int
	inject       map[string]*injected
	devices      map[string]*Device
	qrByDevice   map[string]string // device id → QR ticket (stable, like a printed label)
	qrTickets    map[string]string // QR ticket → device id
	opTickets    map[string]string // device-operation ticket → device id
	bindings     map[Binding]bool
	statusSubs   map[Binding]bool // users who have the device page open
	followers    map[string]bool
	templates    []TemplateMessage
	texts        []TextMessage
	transMsgs    []TransMsg
	pushes       []Push
	nextMsgID    int64
}

// New returns an Emulator with empty state.
func New(cfg Config) *Emulator {
	e := &Emulator{
		accountID:   orDefault(cfg.AccountID, DefaultAccountID),
		appID:       orDefault(cfg.AppID, DefaultAppID),
		appSecret:   orDefault(cfg.AppSecret, DefaultAppSecret),
		tokenTTL:    cfg.TokenTTL,
		overlap:     cfg.TokenOverlap,
		retries:     max(cfg.PushRetries, 0),
		pushTO:      cfg.PushTimeout,
		hc:          cfg.HTTPClient,
		now:         clock.Or(cfg.Clock).Now,
		callbackURL: cfg.CallbackURL,
		pushToken:   orDefault(cfg.Token, DefaultToken),
		tokens:      map[string]time.Time{},
		revoked:     map[string]time.Time{},
		calls:       map[string]int{},
		inject:      map[string]*injected{},
		devices:     map[string]*Device{},
		qrByDevice:  map[string]string{},
		qrTickets:   map[string]string{},
		opTickets:   map[string]string{},
		bindings:    map[Binding]bool{},
		statusSubs:  map[Binding]bool{},
		followers:   map[string]bool{},
		nextMsgID:   400000000000000001,
	}
	if e.tokenTTL <= 0 {
		e.tokenTTL = DefaultTokenTTL
	}
	if e.overlap <= 0 {
		e.overlap = DefaultTokenOverlap
	}
	if e.pushTO <= 0 {
		e.pushTO = DefaultPushTimeout
	}
	if e.hc == nil {
		e.hc = &http.Client{}
	}
	return e
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// AccountID returns the account's gh_ id (the device_type of every device).
func (e *Emulator) AccountID() string { return e.accountID }

// AppID returns the app id the token endpoint accepts.
func (e *Emulator) AppID() string { return e.appID }

// AppSecret returns the app secret the token endpoint accepts.
func (e *Emulator) AppSecret() string { return e.appSecret }

// PushToken returns the token pushes are signed with.
func (e *Emulator) PushToken() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pushToken
}

// SetCallback sets where pushes go and the token that signs them; the
// bridge's address is often known only after the emulator exists.
func (e *Emulator) SetCallback(url, token string) {
	e.mu.Lock()
	e.callbackURL = url
	if token != "" {
		e.pushToken = token
	}
	e.mu.Unlock()
}

// --- tokens and call accounting ---------------------------------------------

// ExpireTokens makes every issued access token expired: further use gets
// 42001, which exercises a client's refresh path.
func (e *Emulator) ExpireTokens() {
	e.mu.Lock()
	past := e.now().Add(-time.Second)
	for t := range e.tokens {
		e.tokens[t] = past
	}
	e.mu.Unlock()
}

// InvalidateTokens forgets every issued access token: further use gets 40001,
// as when another server fetched a newer token for the same app.
func (e *Emulator) InvalidateTokens() {
	e.mu.Lock()
	clear(e.tokens)
	clear(e.revoked)
	e.mu.Unlock()
}

// TokensIssued returns how many access tokens the token endpoint issued.
func (e *Emulator) TokensIssued() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tokensIssued
}

// CallCount returns how many requests reached op ("transmsg", "bind",
// "get_stat", …, "token", "template_send"), whether or not they succeeded.
func (e *Emulator) CallCount(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[op]
}

// InjectError makes the next `times` calls of op (after the token check)
// fail with code and msg, in that endpoint's own error wrapping. Injecting
// 40001 or 42001 simulates a token rejected by WeChat for reasons the token
// bookkeeping cannot see.
func (e *Emulator) InjectError(op string, code int, msg string, times int) {
	e.mu.Lock()
	if times <= 0 {
		delete(e.inject, op)
	} else {
		e.inject[op] = &injected{code: code, msg: msg, left: times}
	}
	e.mu.Unlock()
}

// --- devices and bindings ---------------------------------------------------

// AuthorizeDevice authorises a device directly, as if done earlier through
// authorize_device or the WeChat console.
func (e *Emulator) AuthorizeDevice(deviceID, mac string) {
	e.mu.Lock()
	e.devices[deviceID] = &Device{ID: deviceID, MAC: mac, Attributes: map[string]string{}}
	e.mu.Unlock()
}

// IsAuthorized reports whether the device is authorised.
func (e *Emulator) IsAuthorized(deviceID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.devices[deviceID] != nil
}

// DeviceInfo returns a copy of an authorised device's record.
func (e *Emulator) DeviceInfo(deviceID string) (Device, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.devices[deviceID]
	if d == nil {
		return Device{}, false
	}
	c := *d
	c.Attributes = maps.Clone(d.Attributes)
	return c, true
}

// QRTicket returns the QR ticket create_qrcode gave the device, or "".
func (e *Emulator) QRTicket(deviceID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.qrByDevice[deviceID]
}

// IssueDeviceTicket plays the JS-API getWXDeviceTicket that a user's WeChat
// page calls before bind/unbind: the returned ticket is valid for one bind
// or unbind of that device. Servers never have one otherwise, which is why
// the bridge falls back to compel_bind.
func (e *Emulator) IssueDeviceTicket(deviceID string) string {
	t := randomText(24)
	e.mu.Lock()
	e.opTickets[t] = deviceID
	e.mu.Unlock()
	return t
}

// IsBound reports whether openID is bound to deviceID on the WeChat side.
func (e *Emulator) IsBound(openID, deviceID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bindings[Binding{openID, deviceID}]
}

// Bindings returns every binding, sorted by open id then device id.
func (e *Emulator) Bindings() []Binding {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Collect(maps.Keys(e.bindings))
	slices.SortFunc(out, func(a, b Binding) int {
		return cmp.Or(cmp.Compare(a.OpenID, b.OpenID), cmp.Compare(a.DeviceID, b.DeviceID))
	})
	return out
}

// SetBinding adds or removes a binding without any push, for test setup.
func (e *Emulator) SetBinding(openID, deviceID string, bound bool) {
	e.mu.Lock()
	if bound {
		e.bindings[Binding{openID, deviceID}] = true
	} else {
		delete(e.bindings, Binding{openID, deviceID})
	}
	e.mu.Unlock()
}

// IsFollower reports whether openID follows the account.
func (e *Emulator) IsFollower(openID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.followers[openID]
}

// Followers returns the followers, sorted.
func (e *Emulator) Followers() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Sorted(maps.Keys(e.followers))
}

// SetFollower changes the follow state without any push, for test setup.
func (e *Emulator) SetFollower(openID string, following bool) {
	e.mu.Lock()
	if following {
		e.followers[openID] = true
	} else {
		delete(e.followers, openID)
	}
	e.mu.Unlock()
}

// StatusSubscribed reports whether openID has deviceID's page open (status
// subscription), which the status variant of transmsg requires.
func (e *Emulator) StatusSubscribed(openID, deviceID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.statusSubs[Binding{openID, deviceID}]
}

// --- records ------------------------------------------------------------------

// SentTemplates returns copies of all template messages accepted so far.
func (e *Emulator) SentTemplates() []TemplateMessage {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]TemplateMessage, len(e.templates))
	for i, m := range e.templates {
		m.Data = maps.Clone(m.Data)
		out[i] = m
	}
	return out
}

// ReceivedTexts returns the text passive replies of the bridge so far,
// oldest first: what the users read in their chats with the account.
func (e *Emulator) ReceivedTexts() []TextMessage {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.texts)
}

// SentTransMsgs returns copies of all transmsg calls accepted so far.
func (e *Emulator) SentTransMsgs() []TransMsg {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]TransMsg, len(e.transMsgs))
	for i, m := range e.transMsgs {
		m.Content = slices.Clone(m.Content)
		out[i] = m
	}
	return out
}

// Pushes returns copies of all pushes sent so far, oldest first.
func (e *Emulator) Pushes() []Push {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Push, len(e.pushes))
	for i, p := range e.pushes {
		out[i] = Push{Body: slices.Clone(p.Body), Reply: slices.Clone(p.Reply), Err: p.Err}
	}
	return out
}

// --- helpers ----------------------------------------------------------------

// randomText returns n random bytes as unpadded base64url, the alphabet of
// WeChat's QR tickets.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it aborts the program instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (b Binding) String() string { return fmt.Sprintf("%s/%s", b.OpenID, b.DeviceID) }
