package ui

import (
	"acconsole/i18n"
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
)

const callsKept = 50

// callRecord is one entry of the session's service-call history.
type callRecord struct {
	At     time.Time
	Call   ServiceCall
	Result ServiceResult
	Err    error
}

// Call form fields, in order.
const (
	callService = iota
	callMethod
	callVersion
	callProduct
	callUser
	callKind
	callBody
	callFields
	callResponse = callFields     // focus on the response (scrolls)
	callHistory  = callFields + 1 // focus on the history
	callAreas    = callFields + 2
)

// callLabels are the message ids of the form's field labels.
var callLabels = [callFields]string{"call.label.service", "call.label.method", "call.label.version", "call.label.product", "call.label.user", "call.label.kind", "call.label.body"}

// knownReads are calls whose methods change nothing, so they may run in
// read-only mode. A vendor's own service is unknown to the console and is
// treated as a write (acapi does the same for a generic call) unless it is
// listed here. This table is the only thing that makes a call a read: a
// read skips the audit log, may be retried and passes the read-only
// guard, so the operator's word is not enough.
var knownReads = map[string]func(method string) bool{
	historyService:  func(string) bool { return true },
	"zc-product":    func(string) bool { return true },
	"zc-warehouse":  readish,
	"zc-bind":       readish,
	"zc-account":    readish,
	"zc-timer-task": func(m string) bool { return m == "listTasks" || m == "listTaskHistory" },
	"zc-ota":        func(m string) bool { return m == "checkUpdate" || m == "getUpgradeStatus" || m == "listUpgrades" },
}

func readish(m string) bool {
	for _, p := range []string{"list", "get", "is", "count"} {
		if strings.HasPrefix(m, p) && !strings.HasPrefix(m, "getShareCode") && !strings.HasPrefix(m, "getHomeShareCode") && m != "getVerifyCode" {
			return true
		}
	}
	return false
}

func isKnownRead(service, method string) bool {
	f, ok := knownReads[service]
	return ok && f(method)
}

// callPage calls any service (PROTOCOL §2.8, the vendor's UDS included):
// service, version, method, product, acting user and a JSON body checked
// as it is typed; the answer pretty-printed; a session history to call
// again from.
type callPage struct {
	f      [callFields]lineEdit
	focus  int
	typing bool // see timerEditor.typing
	hist   int
	scroll int

	gen     int
	sending bool
	last    *callRecord

	// What View shows is computed when it changes, not on every frame
	// (View runs after every message, and a response can be large):
	// check when the form is edited, lastLines when a result arrives or
	// comes back from the history.
	check     callCheck
	lastLines []string

	// ctx is the device or user in view when the form opened; filled is
	// the body the form last put in, so that a body the operator has not
	// touched follows the method (and ":" still opens the command bar).
	ctx       callContext
	filled    string
	filledFor string
}

// callCheck is what the form says about the call being typed.
type callCheck struct {
	known   bool  // a known read (knownReads)
	bodyErr error // why the body is not a JSON object
	keys    int   // the body's keys, when it is one
}

func newCallPage(service, method string, userID int64) *callPage {
	return newCallPageIn(service, method, userID, callContext{})
}

// newCallPageIn opens the form with the body of a known method pre-filled
// from the device or user in view.
func newCallPageIn(service, method string, userID int64, ctx callContext) *callPage {
	p := &callPage{ctx: ctx}
	p.f[callService] = newLineEdit(service)
	p.f[callMethod] = newLineEdit(method)
	p.f[callVersion] = newLineEdit("1")
	p.f[callProduct] = newLineEdit("")
	p.f[callUser] = newLineEdit(strconv.FormatInt(userID, 10))
	p.f[callBody] = newLineEdit("{}")
	p.filled = "{}"
	p.fillProduct()
	p.f[callVersion].accept = func(r rune) bool { return r >= '0' && r <= '9' }
	p.f[callUser].accept = p.f[callVersion].accept
	p.setFocus(callMethod)
	if method != "" {
		p.setFocus(callBody)
	}
	p.formChanged()
	return p
}

// formChanged recomputes what the form says about the call; every edit of
// a field calls it.
func (p *callPage) formChanged() {
	svc, method := strings.TrimSpace(p.f[callService].value()), strings.TrimSpace(p.f[callMethod].value())
	if key := svc + "/" + method; key != p.filledFor && p.bodyPristine() {
		p.filledFor = key
		if ps, ok := methodParams(svc, method); ok {
			p.filled = prefill(ps, p.ctx)
			p.f[callBody].set(p.filled)
			p.fillProduct()
		}
	}
	p.check = callCheck{known: isKnownRead(svc, method)}
	if _, err := checkJSONObject(neutral(), p.f[callBody].value()); err != nil {
		p.check.bodyErr = err
		return
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(p.f[callBody].value()), &m)
	p.check.keys = len(m)
}

// bodyComplete: the body is a JSON object and the cursor is after it,
// where no ":" can go.
func (p *callPage) bodyComplete() bool {
	b := &p.f[callBody]
	return p.check.bodyErr == nil && b.pos == len(b.g)
}

// bodyPristine: the body is what the form put there.
func (p *callPage) bodyPristine() bool { return p.f[callBody].value() == p.filled }

// fillProduct puts the device's product in the product field, for the
// services whose device methods name it (PROTOCOL §2.2, §2.5, §2.6).
// Home and room methods take no product (§2.3), so a method that names a
// home does not get one.
func (p *callPage) fillProduct() {
	if p.ctx.subDomain == "" || p.f[callProduct].value() != "" {
		return
	}
	svc := strings.TrimSpace(p.f[callService].value())
	ps, ok := methodParams(svc, strings.TrimSpace(p.f[callMethod].value()))
	if !ok || hasParam(ps, "homeId") {
		return
	}
	switch svc {
	case "zc-bind", "zc-ota", "zc-warehouse":
		if hasParam(ps, "deviceId") || hasParam(ps, "physicalDeviceId") || hasParam(ps, "gatewayDeviceId") {
			p.f[callProduct].set(p.ctx.subDomain)
		}
	}
}

// show puts a call's result in the response pane, indented once.
func (p *callPage) show(r *callRecord) {
	p.last, p.scroll = r, 0
	p.lastLines = nil
	if r != nil && r.Err == nil {
		p.lastLines = pretty(r.Result.Body)
	}
}

func (p *callPage) setFocus(f int) {
	p.focus = f
	p.typing = true
}

// cmdCall opens the call form for "service[/method]".
func cmdCall(a *App, arg string) tea.Cmd {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return a.Fail(errorf(a.T("call.usage")))
	}
	svc, method, _ := strings.Cut(arg, "/")
	ctx := viewContext(a)
	uid := homeViewer(a)
	if uid == 0 && !strings.HasPrefix(svc, "zc-warehouse") && !strings.HasPrefix(svc, "zc-product") {
		uid = ctx.userID
	}
	return a.Push(newCallPageIn(strings.TrimSpace(svc), strings.TrimSpace(method), uid, ctx))
}

func (p *callPage) Title(tr *i18n.Translator) string {
	return tr.T("call.title", "Service", models.SanitizeLine(p.f[callService].value()))
}

// pageKeys: send, move between the form's areas, and the keys of the area
// in focus (enter sends from a field, loads a call from the history;
// the arrows scroll the answer or walk the history). Send is not marked
// as a write: a call the service registry knows as a read needs no write
// mode, and submit asks for write mode for any other.
func (p *callPage) pageKeys() []pageKey {
	scroll := func(by int) func(a *App) tea.Cmd {
		return func(a *App) tea.Cmd {
			switch p.focus {
			case callResponse:
				p.scroll = max(p.scroll+by, 0)
			case callHistory:
				if by == -1 || by == 1 {
					p.hist = min(max(p.hist+by, 0), max(len(a.wf.calls)-1, 0))
				}
			}
			return nil
		}
	}
	return []pageKey{
		{action: ActSave, hint: true, run: p.submit},
		{action: ActNextField, hint: true, run: func(a *App) tea.Cmd { p.setFocus((p.focus + 1) % callAreas); return nil }},
		{action: ActPrevField, run: func(a *App) tea.Cmd { p.setFocus((p.focus + callAreas - 1) % callAreas); return nil }},
		{action: ActOpen, run: func(a *App) tea.Cmd {
			switch p.focus {
			case callResponse:
				return nil
			case callHistory:
				if n := len(a.wf.calls); n > 0 {
					p.load(a.wf.calls[n-1-p.hist])
				}
				return nil
			}
			return p.submit(a)
		}},
		{action: ActUp, run: scroll(-1)},
		{action: ActDown, run: scroll(1)},
		{action: ActPageUp, run: scroll(-10)},
		{action: ActPageDown, run: scroll(10)},
	}
}

func (p *callPage) Load(a *App) tea.Cmd { return nil }

func (p *callPage) textFocused() bool { return p.focus < callFields && p.focus != callKind }

func (p *callPage) claimKey(a *App, m tea.KeyPressMsg) (tea.Cmd, bool) {
	switch m.String() {
	case "up":
		if p.focus < callFields {
			p.setFocus(max(p.focus-1, 0))
			return nil, true
		}
	case "down":
		if p.focus < callFields {
			p.setFocus(p.focus + 1)
			return nil, true
		}
	}
	if !p.textFocused() {
		return nil, false
	}
	switch m.String() {
	case "esc":
		return escStopsTyping(a, &p.typing)
	case "enter":
		if !p.typing {
			p.typing = true
			return nil, true
		}
		return nil, false
	case "tab", "shift+tab", "ctrl+s":
		return nil, false
	}
	if !p.typing {
		return nil, false
	}
	// ":" belongs to JSON only in a body the operator is writing: in a
	// name field, an untouched body or after a finished JSON object it
	// opens the command bar.
	if m.String() == ":" && (p.focus != callBody || p.bodyPristine() || p.bodyComplete()) {
		return nil, false
	}
	changed, ok := p.f[p.focus].key(m)
	if changed {
		p.formChanged()
	}
	return nil, ok
}

func (p *callPage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case approvedMsg:
		switch v := m.yes.(type) {
		case callApproved:
			return p.run(a, v.call)
		}
		return nil
	case loaded:
		switch v := m.val.(type) {
		case callRecord:
			if m.gen != p.gen {
				return nil
			}
			p.sending = false
			v.Err = m.err
			a.wf.calls = append(a.wf.calls, v)
			if len(a.wf.calls) > callsKept {
				a.wf.calls = a.wf.calls[len(a.wf.calls)-callsKept:]
			}
			p.show(&v)
			p.hist = 0
			if m.err != nil {
				return a.Fail(m.err)
			}
			return a.Flash(a.T("call.answered", "Service", v.Call.Service, "Method", v.Call.Method, "Elapsed", v.Result.Elapsed.Round(time.Millisecond).String()))
		}
		return nil
	case tea.PasteMsg:
		if p.textFocused() && p.f[p.focus].paste(m.Content) {
			p.formChanged()
		}
		return nil
	}
	return nil
}

// load fills the form from a history entry.
func (p *callPage) load(r callRecord) {
	c := r.Call
	p.f[callService].set(c.Service)
	p.f[callMethod].set(c.Method)
	p.f[callVersion].set(strconv.Itoa(max(c.Version, 1)))
	p.f[callProduct].set(c.SubDomain)
	p.f[callUser].set(strconv.FormatInt(c.UserID, 10))
	p.f[callBody].set(string(c.Body))
	p.formChanged()
	p.show(&r)
	p.setFocus(callBody)
}

// build reads the form; the error names the field to fix, in tr's
// language.
func (p *callPage) build(tr *i18n.Translator) (ServiceCall, error) {
	c := ServiceCall{
		Service: strings.TrimSpace(p.f[callService].value()), Method: strings.TrimSpace(p.f[callMethod].value()),
		SubDomain: strings.TrimSpace(p.f[callProduct].value()),
	}
	if c.Service == "" || strings.ContainsAny(c.Service, "/ ") {
		return c, errorf(tr.T("call.bad.service"))
	}
	if c.Method == "" || strings.ContainsAny(c.Method, "/ ") {
		return c, errorf(tr.T("call.bad.method"))
	}
	v, err := strconv.Atoi(strings.TrimSpace(p.f[callVersion].value()))
	if err != nil || v < 1 {
		return c, errorf(tr.T("call.bad.version"))
	}
	c.Version = v
	if u := strings.TrimSpace(p.f[callUser].value()); u != "" {
		if c.UserID, err = strconv.ParseInt(u, 10, 64); err != nil || c.UserID < 0 {
			return c, errorf(tr.T("call.bad.user"))
		}
	}
	body, err := checkJSONObject(tr, p.f[callBody].value())
	if err != nil {
		return c, err
	}
	c.Body = body
	c.Read = isKnownRead(c.Service, c.Method)
	return c, nil
}

// checkJSONObject validates a body as typed: a JSON object, compacted.
// The error says what is wrong in tr's language (Go's own JSON error text
// stays as the decoder wrote it).
func checkJSONObject(tr *i18n.Translator, s string) (json.RawMessage, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = "{}"
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, errorf(tr.T("call.body.problem", "Problem", jsonProblem(tr, s, err)))
	}
	if dec.More() {
		return nil, errorf(tr.T("call.body.trailing"))
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errorf(tr.T("call.body.not_object"))
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return nil, errorf(tr.T("call.body.problem", "Problem", err.Error()))
	}
	return b.Bytes(), nil
}

// jsonProblem says where a JSON error is.
func jsonProblem(tr *i18n.Translator, s string, err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		at := int(se.Offset)
		return tr.T("call.body.syntax", "Error", se.Error(), "At", at, "Near", clipText(s[max(at-10, 0):min(at+5, len(s))], 20))
	}
	if err.Error() == "EOF" || err.Error() == "unexpected EOF" {
		return tr.T("call.body.unfinished")
	}
	return err.Error()
}

type callApproved struct{ call ServiceCall }

func (p *callPage) submit(a *App) tea.Cmd {
	c, err := p.build(a.Tr())
	if err != nil {
		return a.Fail(err)
	}
	if p.sending {
		return a.Flash(a.T("call.on_its_way"))
	}
	if c.Read {
		return p.run(a, c)
	}
	// Anything else may change something: write mode, and a yes.
	if why := a.RequireWrite(); why != "" {
		a.auditRefusal("Call: "+c.Service+"/"+c.Method, why)
		return a.Fail(errorf(a.T("call.write_refused", "Why", why, "Service", c.Service, "Method", c.Method)))
	}
	a.Confirm(a.T("call.confirm_question", "Service", c.Service, "Method", c.Method, "Version", c.Version, "Actor", actorText(a.Tr(), c.UserID),
		"Body", clipText(string(c.Body), 120)), approve(p, callApproved{call: c}))
	return nil
}

// actorText is who a call acts as: the developer (user 0) or a user.
func actorText(tr *i18n.Translator, uid int64) string {
	if uid == 0 {
		return tr.T("call.developer")
	}
	return tr.T("call.user", "User", uid)
}

// run sends the call. A write is checked against write mode here, right
// before it goes, and not only when it was asked for: write mode may have
// ended while the confirm dialog was open.
func (p *callPage) run(a *App, c ServiceCall) tea.Cmd {
	if !c.Read {
		if why := a.RequireWrite(); why != "" {
			a.auditRefusal("Call: "+c.Service+"/"+c.Method, why)
			return a.Fail(errorf(a.T("call.nothing_sent", "Why", why)))
		}
	}
	p.gen++
	p.sending = true
	api, at := a.api, a.Now()
	return Run(a, p, p.gen, false, func(ctx context.Context) (callRecord, error) {
		res, err := api.CallService(ctx, c)
		return callRecord{At: at, Call: c, Result: res}, err
	})
}
