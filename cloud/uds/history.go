package uds

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"acconsole/cloud/hub"
	"acconsole/cloud/rpc"
	"acconsole/models"
)

// HistoryName is the name the built-in device-history service answers to.
const HistoryName = "device-history"

// Defaults of HistoryOptions.
const (
	DefaultPerDevice       = 500
	DefaultHistoryCapacity = 1 << 18
)

// HistoryOptions configure a History.
type HistoryOptions struct {
	// PerDevice is how many reports (and, separately, events) a device
	// keeps: its newest; 0 means 500.
	PerDevice int
	// Capacity bounds the entries kept for the whole fleet, oldest
	// overwritten first; 0 means 262 144 (about 16 MiB). A fleet of
	// 100 000 chatty devices would otherwise need gigabytes for 500 each.
	Capacity int
	// Describe puts a message into words (catalog.Describe); nil leaves the
	// description empty.
	Describe func(subDomain string, code int, payload []byte) string
	// Bound says whether a user is bound to a device (by product name and
	// physical id); a developer acting for a user reads only those. nil
	// refuses every call that names a user.
	Bound func(ctx context.Context, domainID, userID int64, subDomain, physicalID string) (bool, error)
}

// History is the built-in device-history service: the recent reports,
// commands and connection events of every device, fed by the hub, answered
// through the router like any UDS (methods listReports and listEvents).
type History struct {
	opt    HistoryOptions
	cancel func()

	mu      sync.Mutex
	entries []entry // ring, grown up to Capacity
	seq     uint64  // sequence number of the newest entry; 1-based
	devices map[hub.Key]*devLog
}

// devLog points at the newest entry of each of a device's two chains.
type devLog struct {
	key             hub.Key
	reports, events uint64
}

// Entry kinds.
const (
	kindReport uint8 = iota + 1
	kindCommand
	kindOnline
	kindOffline
	kindJoined    // this device joined a gateway
	kindSubJoined // a sub-device joined this gateway
	kindMatchOpened
	kindMatchClosed
)

var kindNames = [...]string{"", "report", "command", "online", "offline", "joined", "subDeviceJoined", "matchOpened", "matchClosed"}

// Payloads up to inlineSize bytes live in the entry; longer ones (up to
// maxStored) in ext; beyond that they are cut and marked truncated.
const (
	inlineSize = 16
	maxStored  = 256
)

type entry struct {
	seq    uint64 // 0 = never written
	prev   uint64 // previous entry of the same device chain
	dev    *devLog
	at     int64 // unix ns
	code   int32
	size   int32 // payload size as sent
	kind   uint8
	n      uint8 // bytes in inline
	inline [inlineSize]byte
	ext    *entryExt
}

// entryExt holds what only a few entries need.
type entryExt struct {
	payload []byte
	result  string
	ip      string
	other   hub.Key // gateway of a joined device, or the sub-device that joined
}

// NewHistory subscribes to h; Close unsubscribes.
func NewHistory(h *hub.Hub, opt HistoryOptions) *History {
	if opt.PerDevice <= 0 {
		opt.PerDevice = DefaultPerDevice
	}
	if opt.Capacity <= 0 {
		opt.Capacity = DefaultHistoryCapacity
	}
	x := &History{opt: opt, devices: map[hub.Key]*devLog{}}
	x.cancel = h.Subscribe(x.record)
	return x
}

// Close stops recording.
func (x *History) Close() { x.cancel() }

// Record adds an event that happened at a device connected to another
// instance sharing the store, so that its history shows here too.
func (x *History) Record(e hub.Event) { x.record(e) }

// record is the hub subscriber: it must not block, so it only copies.
func (x *History) record(e hub.Event) {
	switch e.Kind {
	case hub.EventReport:
		x.add(e.Device, kindReport, e, nil)
	case hub.EventCommand:
		x.add(e.Device, kindCommand, e, &entryExt{result: e.Result})
	case hub.EventOnline:
		var ext *entryExt
		if e.IP != "" {
			ext = &entryExt{ip: e.IP}
		}
		x.add(e.Device, kindOnline, e, ext)
	case hub.EventOffline:
		x.add(e.Device, kindOffline, e, nil)
	case hub.EventJoined:
		x.add(e.Device, kindJoined, e, &entryExt{other: e.Gateway})
		x.add(e.Gateway, kindSubJoined, e, &entryExt{other: e.Device})
	case hub.EventMatchOpened:
		x.add(e.Device, kindMatchOpened, e, nil)
	case hub.EventMatchClosed:
		x.add(e.Device, kindMatchClosed, e, nil)
	}
}

func (x *History) add(k hub.Key, kind uint8, e hub.Event, ext *entryExt) {
	en := entry{at: e.At.UnixNano(), kind: kind}
	if kind == kindReport || kind == kindCommand {
		en.code, en.size = int32(e.Code), int32(len(e.Payload))
		if len(e.Payload) <= inlineSize {
			en.n = uint8(copy(en.inline[:], e.Payload))
		} else {
			if ext == nil {
				ext = &entryExt{}
			}
			ext.payload = append([]byte(nil), e.Payload[:min(len(e.Payload), maxStored)]...)
		}
	}
	en.ext = ext
	x.mu.Lock()
	defer x.mu.Unlock()
	d := x.devices[k]
	if d == nil {
		d = &devLog{key: k}
		x.devices[k] = d
	}
	chain := &d.events
	if kind == kindReport || kind == kindCommand {
		chain = &d.reports
	}
	x.seq++
	en.seq, en.prev, en.dev = x.seq, *chain, d
	*chain = x.seq
	if len(x.entries) < x.opt.Capacity {
		x.entries = append(x.entries, en)
		return
	}
	slot := &x.entries[(x.seq-1)%uint64(x.opt.Capacity)]
	x.forget(slot)
	*slot = en
}

// forget drops an entry the ring is about to overwrite. When it was the
// last one of its device, the device goes too, so that the index of devices
// is bounded by the ring, however many keys the hub has seen.
func (x *History) forget(old *entry) {
	d := old.dev
	if d == nil {
		return
	}
	if d.reports == old.seq {
		d.reports = 0
	}
	if d.events == old.seq {
		d.events = 0
	}
	if d.reports == 0 && d.events == 0 && x.devices[d.key] == d {
		delete(x.devices, d.key)
	}
}

// walk visits a chain newest first, at most PerDevice entries, while fn
// returns true. Entries overwritten by the ring end the chain.
func (x *History) walk(head uint64, fn func(*entry) bool) {
	for i := 0; head != 0 && i < x.opt.PerDevice; i++ {
		e := &x.entries[(head-1)%uint64(x.opt.Capacity)]
		if e.seq != head || !fn(e) {
			return
		}
		head = e.prev
	}
}

// Methods is the service's dispatch table: each method with its
// authentication and authorization rule (rpc.Rule), served by Serve.
// Developer signature only (a vendor's support tools read it); a developer
// acting for a user (X-Zc-User-Id) reads only that user's devices, as
// everywhere else in the cloud (PHP: a given $user is that user's view),
// so a developer acting for B does not read A's device.
func (x *History) Methods() map[string]rpc.Method {
	m := func(fn rpc.Func) rpc.Method {
		return rpc.Method{Auth: rpc.AuthDev, Rule: rpc.RuleBound, Handler: fn,
			Why: "history shows when a household uses its devices: developer scope, or the acting user's own devices"}
	}
	return map[string]rpc.Method{"listReports": m(x.listReports), "listEvents": m(x.listEvents)}
}

// Serve answers the service's methods (see Methods).
func (x *History) Serve(c *rpc.Call) (any, error) {
	if c.Developer == nil {
		return nil, rpc.Errorf(models.ErrNoPermission, "%s is for developers: sign the call with the developer key", HistoryName)
	}
	m, ok := x.Methods()[c.Method]
	if !ok {
		return nil, rpc.Errorf(models.ErrMethodAbsent, "method %q does not exist in %s (listReports, listEvents)", c.Method, HistoryName)
	}
	return m.Handler(c)
}

// allowed checks that an acting user may read the device's history.
func (x *History) allowed(c *rpc.Call, k hub.Key) error {
	if c.UserID == 0 {
		return nil
	}
	if x.opt.Bound == nil {
		return rpc.Errorf(models.ErrNoPermission, "%s cannot check users' devices here: call it without X-Zc-User-Id", HistoryName)
	}
	ok, err := x.opt.Bound(c.Ctx, c.MajorDomain.ID, c.UserID, k.SubDomain, k.PhysicalID)
	if err != nil {
		return err
	}
	if !ok {
		return rpc.Errorf(models.ErrDeviceAbsent, "device %s of %s is not bound to user %d", k.PhysicalID, k.SubDomain, c.UserID)
	}
	return nil
}

// query is what both methods take.
type query struct {
	key   hub.Key
	limit int
	code  int64 // 0 = any
	since int64 // unix ns; 0 = any
}

const timeLayout = "2006-01-02 15:04:05"

func parseQuery(c *rpc.Call) (query, error) {
	var q query
	pid, _, err := c.String("physicalDeviceId")
	if err != nil {
		return q, err
	}
	if pid = strings.TrimSpace(pid); pid == "" {
		return q, rpc.Errorf(models.ErrInvalidParam, "physicalDeviceId is required")
	}
	// No device has such an id, and a store (PostgreSQL) refuses a NUL in
	// text: the caller hears what is wrong, not an internal error.
	if !utf8.ValidString(pid) || strings.IndexFunc(pid, unicode.IsControl) >= 0 {
		return q, rpc.Errorf(models.ErrInvalidParam, "physicalDeviceId must be text without control characters")
	}
	sub, _, err := c.String("subDomain")
	if err != nil {
		return q, err
	}
	if sub = strings.TrimSpace(sub); sub == "" {
		sub = c.SubDomain
	}
	if sub == "" {
		return q, rpc.Errorf(models.ErrInvalidParam, "subDomain is required (as a key or in X-Zc-Sub-Domain)")
	}
	q.key = hub.Key{SubDomain: sub, PhysicalID: pid}
	limit, err := c.OptInt64("limit", 50)
	if err != nil {
		return q, err
	}
	if limit < 1 {
		return q, rpc.Errorf(models.ErrInvalidParam, "limit must be 1–%d", DefaultPerDevice)
	}
	q.limit = int(min(limit, DefaultPerDevice))
	if q.code, err = c.OptInt64("code", 0); err != nil {
		return q, err
	}
	since, ok, err := c.String("since")
	if err != nil {
		return q, err
	}
	if since = strings.TrimSpace(since); ok && since != "" {
		if ms, err := strconv.ParseInt(since, 10, 64); err == nil {
			q.since = ms * int64(time.Millisecond)
		} else if t, err := time.ParseInLocation(timeLayout, since, time.UTC); err == nil {
			q.since = t.UnixNano()
		} else {
			return q, rpc.Errorf(models.ErrInvalidParam, "since must be %q (UTC) or Unix milliseconds", "yyyy-MM-dd HH:mm:ss")
		}
	}
	return q, nil
}

// Report is one entry of listReports.
type Report struct {
	Kind        string `json:"kind"` // report or command
	Code        int    `json:"code"`
	PayloadHex  string `json:"payloadHex"`
	Size        int    `json:"size"`
	Truncated   bool   `json:"truncated,omitempty"`
	Description string `json:"description"`
	Result      string `json:"result,omitempty"` // commands: ok, refused (reply 127), offline, timeout, error
	At          string `json:"at"`               // UTC yyyy-MM-dd HH:mm:ss
	AtMs        int64  `json:"atMs"`
}

// Event is one entry of listEvents.
type Event struct {
	Kind string `json:"kind"`
	At   string `json:"at"`
	AtMs int64  `json:"atMs"`
	IP   string `json:"ip,omitempty"`
	// For joined: the gateway; for subDeviceJoined: the sub-device.
	PhysicalDeviceID string `json:"physicalDeviceId,omitempty"`
	SubDomain        string `json:"subDomain,omitempty"`
}

func (x *History) listReports(c *rpc.Call) (any, error) {
	q, err := parseQuery(c)
	if err != nil {
		return nil, err
	}
	if err := x.allowed(c, q.key); err != nil {
		return nil, err
	}
	type raw struct {
		kind       uint8
		code, size int
		at         int64
		payload    []byte
		result     string
	}
	var got []raw
	x.mu.Lock()
	if d := x.devices[q.key]; d != nil {
		x.walk(d.reports, func(e *entry) bool {
			if e.at < q.since {
				return false // older from here on
			}
			if q.code != 0 && int64(e.code) != q.code {
				return true
			}
			r := raw{kind: e.kind, code: int(e.code), size: int(e.size), at: e.at}
			if e.ext != nil && e.ext.payload != nil {
				r.payload = e.ext.payload // never changed after add
			} else {
				r.payload = append([]byte(nil), e.inline[:e.n]...)
			}
			if e.ext != nil {
				r.result = e.ext.result
			}
			got = append(got, r)
			return len(got) < q.limit
		})
	}
	x.mu.Unlock()
	out := make([]Report, 0, len(got))
	for _, r := range got {
		at := time.Unix(0, r.at).UTC()
		rep := Report{
			Kind: kindNames[r.kind], Code: r.code, PayloadHex: strings.ToUpper(hex.EncodeToString(r.payload)),
			Size: r.size, Truncated: len(r.payload) < r.size, Result: r.result,
			At: at.Format(timeLayout), AtMs: at.UnixMilli(),
		}
		if x.opt.Describe != nil && !rep.Truncated {
			rep.Description = x.opt.Describe(q.key.SubDomain, r.code, r.payload)
		}
		out = append(out, rep)
	}
	return map[string]any{"reports": out}, nil
}

func (x *History) listEvents(c *rpc.Call) (any, error) {
	q, err := parseQuery(c)
	if err != nil {
		return nil, err
	}
	if err := x.allowed(c, q.key); err != nil {
		return nil, err
	}
	out := []Event{}
	x.mu.Lock()
	if d := x.devices[q.key]; d != nil {
		x.walk(d.events, func(e *entry) bool {
			if e.at < q.since {
				return false
			}
			at := time.Unix(0, e.at).UTC()
			ev := Event{Kind: kindNames[e.kind], At: at.Format(timeLayout), AtMs: at.UnixMilli()}
			if e.ext != nil {
				ev.IP = e.ext.ip
				ev.PhysicalDeviceID, ev.SubDomain = e.ext.other.PhysicalID, e.ext.other.SubDomain
			}
			out = append(out, ev)
			return len(out) < q.limit
		})
	}
	x.mu.Unlock()
	return map[string]any{"events": out}, nil
}
