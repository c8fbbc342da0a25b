package ui

import (
	"acconsole/i18n"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"acconsole/models"
	"acconsole/ui/components/qr"
)

// shareValid is how long a share code made here lasts: the PHP SDK's
// default for getDeviceQRCode (PROTOCOL §4.4), long enough to read a code
// out over the phone, short enough that a screenshot goes stale.
const shareValid = 5 * time.Minute

// QR styles, cycled by ActQRStyle: half blocks (compact), two spaces per
// module (terminals that draw blocks double-width or with gaps), text.
const (
	qrHalf = iota
	qrWide
	qrText
	qrStyles
)

// sharePage shows a share code of a device or a home, as a QR code drawn
// in the terminal (the WeChat QR through the bridge when there is one),
// with a countdown to its expiry. A share code grants access to whoever
// holds it, so the page makes one only after a yes: opening it, or n,
// says what would happen and asks.
type sharePage struct {
	subject string // "客厅插座 (plug A1B2…)"
	isHome  bool
	ref     DeviceRef // device: acting for the owner
	home    models.Home
	userID  int64 // home: the member acting
	// refusal is the message id of why this page makes no code ("" when
	// it may); refusalFields gives its fields in the reader's language.
	refusal       string
	refusalFields func(tr *i18n.Translator) []any

	gen     int
	loading bool
	err     error
	res     shareResult
	issued  time.Time
	expires time.Time
	tickTag int
	style   int
	block   qrBlock
}

// qrBlock is the QR as placed on the page, for one size and payload.
type qrBlock struct {
	key  string
	text string
	size qr.Size
	err  error
}

type shareResult struct {
	code      string
	payload   string // what the QR encodes
	viaBridge bool
	bridgeErr error
	// asked is when the request left: the cloud's deadline is at most
	// asked+shareValid, never later, however long the answer took.
	asked time.Time
}

type (
	shareTick     struct{ tag int }
	shareApproved struct{}
)

// newDeviceSharePage shares a device. Only the owner may make a share
// code (PROTOCOL §4.4): coming through another user, the page says who
// the owner is instead of failing on the wire.
func newDeviceSharePage(ref DeviceRef, d DeviceDetail) *sharePage {
	p := &sharePage{subject: fmt.Sprintf("%s (%s %s)", deviceTitle(d), d.Device.SubDomainName, shortID(d.Device.PhysicalDeviceID))}
	r := actingRef(DeviceRef{DeviceID: ref.DeviceID, SubDomain: ref.SubDomain, PhysicalID: ref.PhysicalID}, d)
	owner, ok := ownerOf(d)
	switch {
	case !ok:
		p.refusal = "share.refuse.no_owner"
	case ref.UserID != 0 && ref.UserID != owner.UserID:
		p.refusal = "share.refuse.not_owner"
		p.refusalFields = func(tr *i18n.Translator) []any { return []any{"Owner", userLabelIn(tr, owner)} }
	default:
		r.UserID = owner.UserID
	}
	p.ref = r
	return p
}

func newHomeSharePage(viewer int64, h models.Home) *sharePage {
	p := &sharePage{subject: models.SanitizeLine(h.Name), isHome: true, home: h, userID: viewer}
	switch {
	case h.Owner == 0 && viewer == 0:
		p.refusal = "share.refuse.home_no_user"
	case viewer != 0 && h.Owner != 0 && viewer != h.Owner:
		p.refusal = "share.refuse.home_not_owner"
		p.refusalFields = func(*i18n.Translator) []any { return []any{"Owner", h.Owner} }
	case viewer == 0:
		p.userID = h.Owner
	}
	return p
}

func (p *sharePage) Title(tr *i18n.Translator) string {
	if p.isHome {
		return tr.T("share.title_home")
	}
	return tr.T("share.title_device")
}

// pageKeys: copy the code, ask for a new one, change how the QR is drawn,
// and show the QR on the whole screen.
func (p *sharePage) pageKeys() []pageKey {
	return []pageKey{
		{action: ActCopy, hint: true, run: func(a *App) tea.Cmd {
			if p.res.payload == "" {
				return a.Flash(a.T("share.nothing_to_copy"))
			}
			return copyToClipboard(a, p.res.payload)
		}},
		{action: ActRenew, hint: true, writes: true, audit: "Share: create code", readOnlyNote: "a share code grants access to whoever holds it", run: p.ask},
		{action: ActQRStyle, hint: true, run: func(a *App) tea.Cmd {
			p.style = (p.style + 1) % qrStyles
			return a.Flash(a.T([]string{"share.style.half", "share.style.wide", "share.style.text"}[p.style]))
		}},
		{action: ActOpen, hint: true, run: func(a *App) tea.Cmd {
			if p.res.payload == "" || p.style == qrText {
				return nil
			}
			if !p.fitsFull(a) {
				return a.Fail(errorf(a.T("share.no_fit_full", "Key", a.keyLabel(ActCopy))))
			}
			p.showFull(a)
			return nil
		}},
	}
}

// Load asks whether to make a code (opening the page makes none by
// itself), unless the page already refused or write mode is off: a share
// code is a grant of access, so acapi treats it as a write.
func (p *sharePage) Load(a *App) tea.Cmd { return p.ask(a) }

// ask shows what a new code would do in a confirm dialog that defaults to
// No; the yes comes back as shareApproved.
func (p *sharePage) ask(a *App) tea.Cmd {
	if p.refusal != "" {
		return nil
	}
	if why := a.RequireWrite(); why != "" {
		a.auditRefusal("Share: create code", why)
		p.err = errorf(a.T("share.write_refused", "Why", why))
		return nil
	}
	if p.loading {
		return a.Flash(a.T("share.on_its_way"))
	}
	p.err = nil
	a.Confirm(p.question(a), approve(p, shareApproved{}))
	return nil
}

// validFor is how long a code lasts, in the reader's words ("5 min").
func validFor(a *App) string { return spanIn(a.Tr(), shareValid) }

// question says what a code grants, who makes it, and for how long.
func (p *sharePage) question(a *App) string {
	if p.isHome {
		return a.T("share.question_home", "Subject", p.subject, "User", p.userID, "Valid", validFor(a))
	}
	return a.T("share.question_device", "Subject", p.subject, "User", p.ref.UserID, "Valid", validFor(a))
}

// issue asks the cloud for a code, after the yes.
func (p *sharePage) issue(a *App) tea.Cmd {
	// Write mode may have ended while the dialog was open.
	if why := a.RequireWrite(); why != "" {
		a.auditRefusal("Share: create code", why)
		p.err = errorf(a.T("share.write_refused", "Why", why))
		return a.Fail(p.err)
	}
	p.gen++
	p.loading, p.err = true, nil
	api, ref, home, uid, bridge := a.api, p.ref, p.home, p.userID, a.wf.shareQR
	noQR := a.T("share.bridge_no_qr")
	asked := a.Now()
	if p.isHome {
		return Run(a, p, p.gen, false, func(ctx context.Context) (shareResult, error) {
			code, err := api.HomeShareCode(ctx, uid, home.HomeID, shareValid)
			return shareResult{code: code, payload: code, asked: asked}, err
		})
	}
	return Run(a, p, p.gen, false, func(ctx context.Context) (shareResult, error) {
		if bridge != nil {
			s, err := bridge(ctx, ref.UserID, ref.SubDomain, ref.PhysicalID, shareValid)
			if err == nil && s != "" {
				return shareResult{code: shareCodeOf(s), payload: s, viaBridge: true, asked: asked}, nil
			}
			// The bridge failed (WeChat down, no ticket): the plain code
			// still lets the customer bind, so fall back and say why.
			code, err2 := api.DeviceShareCode(ctx, ref, shareValid)
			if err == nil {
				err = errors.New(noQR)
			}
			return shareResult{code: code, payload: code, bridgeErr: err, asked: asked}, err2
		}
		code, err := api.DeviceShareCode(ctx, ref, shareValid)
		return shareResult{code: code, payload: code, asked: asked}, err
	})
}

// Resume implements Resumer: the countdown's chain ends while the page is
// off the stack, so it starts again (under a fresh tag, which voids any
// older chain) when the page is back on top with a code still valid.
func (p *sharePage) Resume(a *App) tea.Cmd {
	if p.res.payload == "" || !a.Now().Before(p.expires) {
		return nil
	}
	p.tickTag++
	return p.tick(a)
}

// shareCodeOf reads share_code from a WeChat QR string
// (<ticket>#{"sub_domain":…,"share_code":…}, split at the first '#').
func shareCodeOf(s string) string {
	_, js, ok := strings.Cut(s, "#")
	if !ok {
		return ""
	}
	var v struct {
		ShareCode string `json:"share_code"`
	}
	if json.Unmarshal([]byte(js), &v) != nil {
		return ""
	}
	return models.SanitizeLine(v.ShareCode)
}

func (p *sharePage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tickMsg:
		switch t := m.tick.(type) {
		case shareTick:
			if t.tag != p.tickTag || !onStack(a, p) {
				return nil // an older chain, or the page is gone (Resume restarts it)
			}
			return p.tick(a)
		}
		return nil
	case approvedMsg:
		switch m.yes.(type) {
		case shareApproved:
			return p.issue(a)
		}
		return nil
	case loaded:
		if m.gen != p.gen {
			return nil
		}
		p.loading = false
		if m.err != nil {
			p.err = m.err
			return a.Fail(m.err)
		}
		p.res = m.val.(shareResult)
		p.err = nil
		// Count from when the request left, not from when the answer came:
		// a slow answer must not show the code valid for longer than the
		// cloud keeps it.
		p.issued = p.res.asked
		p.expires = p.issued.Add(shareValid)
		p.tickTag++
		// A terminal too small for the code beside the page's lines (80×24
		// is) shows it full-screen at once: the customer is waiting to scan.
		if p.style != qrText && a.width > 0 && !p.fitsInline(a.width, a.height-3) && p.fitsFull(a) {
			p.showFull(a)
		}
		return p.tick(a)
	}
	return nil
}

// tick redraws the countdown on the next whole second of the time left,
// so the display never lags the deadline by up to a second.
func (p *sharePage) tick(a *App) tea.Cmd {
	left := p.expires.Sub(a.Now())
	if left <= 0 {
		return nil
	}
	d := left % time.Second
	if d == 0 {
		d = time.Second
	}
	return a.pageTick(p, d+5*time.Millisecond, shareTick{p.tickTag})
}

func (p *sharePage) View(a *App, w, h int) string {
	s := a.styles
	heading := a.T("share.heading_device", "Subject", p.subject)
	if p.isHome {
		heading = a.T("share.heading_home", "Subject", p.subject)
	}
	lines := []string{s.Title.Render(" " + heading)}
	renew := a.keys.Get(ActRenew).Label()
	switch {
	case p.refusal != "":
		var fields []any
		if p.refusalFields != nil {
			fields = p.refusalFields(a.Tr())
		}
		return strings.Join(append(lines, "", s.Warn.Render(" "+a.T(p.refusal, fields...))), "\n")

	case p.err != nil && p.res.payload == "":
		return strings.Join(append(lines, "", s.Err.Render(" "+a.errorLine(p.err)),
			s.Faint.Render(" "+a.T("share.try_again", "Key", renew))), "\n")
	case p.loading && p.res.payload == "":
		return strings.Join(append(lines, "", s.Faint.Render(" "+a.T("share.asking"))), "\n")
	case p.res.payload == "":
		none := a.T("share.none_yet_device", "Valid", validFor(a))
		if p.isHome {
			none = a.T("share.none_yet_home", "Valid", validFor(a))
		}
		return strings.Join(append(lines, "", s.Faint.Render(" "+none),
			s.Faint.Render(" "+a.T("share.create_hint", "Key", renew))), "\n")
	}
	left := p.expires.Sub(a.Now())
	status := s.OK.Render(a.T("share.valid", "Left", fmtClock(left)))
	if left <= 0 {
		status = s.Err.Render(a.T("share.expired", "Key", renew))
	}
	code := p.res.code
	if code == "" {
		code = a.T("share.inside_qr")
	}
	lines = append(lines, " "+a.T("share.code_line", "Code", s.Bold.Render(code), "Status", status))
	switch {
	case p.res.viaBridge:
		lines = append(lines, s.Faint.Render(" "+a.T("share.via_bridge")))
		if a.wf.scanHint != "" {
			lines = append(lines, s.Faint.Render(" "+a.wf.scanHint))
		}
	case p.res.bridgeErr != nil:
		lines = append(lines, s.Warn.Render(" "+a.T("share.bridge_unavailable", "Error", clipText(a.errorLine(p.res.bridgeErr), 60))))
	case p.isHome:
		lines = append(lines, s.Faint.Render(" "+a.T("share.holder_joins")))
	default:
		lines = append(lines, s.Faint.Render(" "+a.T("share.no_bridge")))
	}
	if p.style != qrText && left > 0 {
		if block, ok := p.inline(w, h); ok {
			return p.beside(a, block, lines, w, h)
		}
		lines = append(lines, "")
		msg := a.T("share.no_fit_beside", "Key", a.keys.Get(ActOpen).Label())
		if !p.fitsFull(a) {
			size := p.block.size
			msg = a.T("share.too_big", "Width", size.Width, "Height", size.Height, "Key", a.keys.Get(ActCopy).Label())
		}
		for _, l := range wordWrap(msg, w-2) {
			lines = append(lines, s.Warn.Render(" "+l))
		}
	}
	lines = append(lines, "", s.Bold.Render(" "+a.T("share.text_to_scan")))
	// The bridge's string is shown as text too: sanitise it like any
	// string from the network (the QR itself encodes it as it is).
	for _, part := range wordWrap(models.SanitizeLine(p.res.payload), w-2) {
		lines = append(lines, " "+part)
	}
	lines = append(lines, "", s.Faint.Render(" "+a.T("share.copies_it", "Key", a.keys.Get(ActCopy).Label())))
	return strings.Join(lines, "\n")
}

// qrMode is the drawing mode of the chosen style.
func (p *sharePage) qrMode() qr.Mode {
	if p.style == qrWide {
		return qr.ASCII
	}
	return qr.HalfBlock
}

// infoMin is the narrowest column the page's lines get beside the code.
const infoMin = 28

// inline renders the code for the left of the page body, leaving infoMin
// columns for the page's lines on its right; the whole body height is the
// code's (80×24 holds a version 5 code with its quiet zone this way).
func (p *sharePage) inline(w, h int) (qrBlock, bool) {
	key := fmt.Sprintf("%d/%d/%d/%s", w, h, p.qrMode(), p.res.payload)
	if p.block.key != key {
		// Once per size: View runs after every message, the countdown's
		// included.
		code, size, err := qr.RenderFit(p.res.payload, qr.DefaultQuiet, w-infoMin-1, h, p.qrMode())
		p.block = qrBlock{key: key, text: code, size: size, err: err}
	}
	return p.block, p.block.err == nil
}

func (p *sharePage) fitsInline(w, h int) bool {
	_, ok := p.inline(w, h)
	return ok
}

// fitsFull reports whether the code fits the whole screen.
func (p *sharePage) fitsFull(a *App) bool {
	_, _, err := qr.RenderFit(p.res.payload, qr.DefaultQuiet, a.width, a.height, p.qrMode())
	return err == nil
}

// beside puts the code at the left of the body and the page's lines,
// wrapped, on its right.
func (p *sharePage) beside(a *App, b qrBlock, lines []string, w, h int) string {
	s := a.styles
	infoW := w - b.size.Width - 1
	var info []string
	for _, l := range lines {
		if lipgloss.Width(l) <= infoW {
			info = append(info, l)
			continue
		}
		info = append(info, wrap(l, infoW)...)
	}
	info = append(info, "", s.Faint.Render(clipText(" "+a.T("share.copies_text", "Key", a.keys.Get(ActCopy).Label()), infoW)),
		s.Faint.Render(clipText(" "+a.T("share.full_screen", "Key", a.keys.Get(ActOpen).Label()), infoW)))
	code := strings.Split(b.text, "\n")
	out := make([]string, 0, max(len(code), len(info)))
	for i := 0; i < max(len(code), len(info)) && i < h; i++ {
		left := strings.Repeat(" ", b.size.Width)
		if i < len(code) {
			left = code[i]
		}
		right := ""
		if i < len(info) {
			right = info[i]
		}
		out = append(out, left+" "+right)
	}
	return strings.Join(out, "\n")
}

// showFull opens the code on the whole screen.
func (p *sharePage) showFull(a *App) {
	a.dialogs = append(a.dialogs, &qrDialog{payload: p.res.payload, mode: p.qrMode()})
}

// qrDialog is a share code's QR on the whole screen, over the header and
// footer: the minimum 80×24 terminal holds a version 6 code with its quiet
// zone this way (45×23 cells in half blocks). Any key closes it.
type qrDialog struct {
	payload string
	mode    qr.Mode
}

func (d *qrDialog) key(a *App, m tea.KeyPressMsg) (bool, tea.Cmd) { return true, nil }

func (d *qrDialog) view(a *App, w int) string {
	code, size, err := qr.RenderFit(d.payload, qr.DefaultQuiet, w, a.height, d.mode)
	if err != nil {
		return a.styles.Dialog.Render(a.T("share.dialog_too_big", "Width", size.Width, "Height", size.Height))
	}
	if a.height-size.Height >= 1 {
		code += "\n" + a.styles.Faint.Render(padRight(clipText(" "+a.T("share.any_key_closes"), size.Width), size.Width))

	}
	return code
}
