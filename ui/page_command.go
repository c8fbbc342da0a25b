package ui

import (
	"acconsole/i18n"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/models"
)

// Command codes devices accept (PROTOCOL §2.2.6).
const (
	minCommandCode = 65
	maxCommandCode = 199
	defaultTimeout = 5 * time.Second
	maxTimeout     = 25 * time.Second // under Run's 30 s bound on the whole call
	historyKeep    = 50               // commands kept per device
)

// sentCommand is one entry of a device's command history.
type sentCommand struct {
	At      time.Time
	Code    int
	Payload []byte
	Timeout time.Duration
	Reply   CommandReply
	Err     error
}

// Composer focus areas, in tab order.
const (
	focusCodes = iota
	focusHex
	focusFields
	focusHistory
	focusAreas
)

// composerPage sends binary commands to one device: a message-code picker
// from the product's commands (or any code 65–199), a hex editor with the
// product's fields beside it, the reply decoded next to the request, and a
// per-device history to re-send from. No anchor treats binary payloads as
// first class (FEATURES §2 H); this page does.
type composerPage struct {
	ref    DeviceRef
	detail DeviceDetail

	spec    ProductSpec
	specErr error
	specGen int
	cmds    []catalog.Message

	pick    int // index into cmds; len(cmds) is "other code"
	code    int
	hex     lineEdit
	field   int
	focus   int
	typing  bool // see timerEditor.typing
	timeout time.Duration
	hist    int // cursor in the history, newest first

	sendGen int
	sending *sentCommand
}

func newComposerPage(ref DeviceRef, d DeviceDetail) *composerPage {
	p := &composerPage{ref: ref, detail: d, timeout: defaultTimeout, focus: focusCodes}
	p.hex.accept = func(r rune) bool { return r < 128 && (isHexDigit(byte(r)) || r == ' ') }
	return p
}

func (p *composerPage) Title(tr *i18n.Translator) string { return tr.T("composer.title") }

// pageKeys: send, move between the form's areas, the reply timeout,
// re-send from the history, and the keys of the area in focus (enter and
// the arrows pick a code, edit a field, or take a sent command back into
// the form).
func (p *composerPage) pageKeys() []pageKey {
	focus := func(act string) func(a *App) tea.Cmd { return func(a *App) tea.Cmd { return p.focusKey(a, act) } }
	return []pageKey{
		{action: ActSave, hint: true, writes: true, audit: "Command: send " + strconv.Itoa(p.code), run: func(a *App) tea.Cmd { return p.send(a, p.code, p.hex.value()) }},
		{action: ActNextField, hint: true, run: func(a *App) tea.Cmd { p.setFocus((p.focus + 1) % focusAreas); return nil }},
		{action: ActPrevField, run: func(a *App) tea.Cmd { p.setFocus((p.focus + focusAreas - 1) % focusAreas); return nil }},
		{action: ActTimeout, hint: true, run: p.askTimeout},
		{action: ActResend, hint: true, writes: true, audit: "Command: send", run: focus(ActResend)},
		{action: ActOpen, run: focus(ActOpen)},
		{action: ActUp, run: focus(ActUp)},
		{action: ActDown, run: focus(ActDown)},
	}
}

func (p *composerPage) Load(a *App) tea.Cmd {
	p.specGen++
	api, sub := a.api, p.ref.SubDomain
	return Run(a, p, p.specGen, false, func(ctx context.Context) (ProductSpec, error) { return api.ProductSpec(ctx, sub) })
}

// current is the message spec of the chosen code (ok false for a code the
// product does not describe).
func (p *composerPage) current() (catalog.Message, bool) {
	if p.code == 0 {
		return catalog.Message{}, false
	}
	return p.spec.Message(p.code, catalog.Command)
}

func (p *composerPage) payload() ([]byte, error) { return parseHex(p.hex.value()) }

func (p *composerPage) setPayload(b []byte) { p.hex.set(spacedHex(b)) }

func (p *composerPage) choose(i int) {
	p.pick = i
	if i < len(p.cmds) {
		m := p.cmds[i]
		p.code = m.Code
		b, err := p.payload()
		if err != nil || m.Size() != len(b) {
			// A payload of the wrong length for the new code would only
			// be refused; start empty. The documented example shows as a
			// placeholder: an example is never what gets sent.
			p.hex.set("")
		}
		p.field = 0
	}
}

func (p *composerPage) history(a *App) []sentCommand { return a.wf.commands[p.ref.DeviceID] }

func (p *composerPage) setFocus(f int) {
	p.focus = f
	p.typing = f == focusHex
}

func (p *composerPage) claimKey(a *App, m tea.KeyPressMsg) (tea.Cmd, bool) {
	if p.focus != focusHex {
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
	case "tab", "shift+tab", "ctrl+s", "ctrl+t":
		return nil, false
	}
	if !p.typing {
		return nil, false
	}
	if _, ok := p.hex.key(m); ok {
		return nil, true
	}
	if m.Text != "" {
		return a.Flash(a.T("composer.not_hex", "Text", strconv.Quote(m.Text))), true
	}
	return nil, false
}

func (p *composerPage) Update(a *App, msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case approvedMsg:
		switch v := m.yes.(type) {
		case sendApproved:
			return p.doSend(a, v)
		}
		return nil
	case loaded:
		switch v := m.val.(type) {
		case ProductSpec:
			if m.gen != p.specGen {
				return nil
			}
			p.spec, p.specErr = v, m.err
			p.cmds = p.spec.Commands()
			if p.code == 0 && len(p.cmds) > 0 {
				p.choose(0)
			}
			if m.err != nil {
				return a.Fail(m.err)
			}
		case sentCommand:
			if m.gen != p.sendGen {
				return nil
			}
			p.sending = nil
			v.Err = m.err
			h := append(a.wf.commands[p.ref.DeviceID], v)
			if len(h) > historyKeep {
				h = h[len(h)-historyKeep:]
			}
			a.wf.commands[p.ref.DeviceID] = h
			p.hist = 0
			if m.err != nil {
				return a.Fail(explainSendError(a.Tr(), m.err, v.Timeout, a.keyLabel(ActEvents)))
			}
			return a.Flash(a.T("composer.reply_in", "Code", v.Reply.Code, "Elapsed", v.Reply.Elapsed.Round(time.Millisecond).String()))
		}
		return nil
	case tea.PasteMsg:
		if p.focus == focusHex {
			p.hex.paste(m.Content)
		}
		return nil
	case tea.KeyPressMsg:
		// left and right step the field in focus (not actions: the
		// arrows as they are).
		if p.focus == focusFields && (m.String() == "left" || m.String() == "right") {
			step := 1
			if m.String() == "left" {
				step = -1
			}
			return p.fieldKey(a, "", step)
		}
	}
	return nil
}

// askTimeout asks how long devices get to reply.
func (p *composerPage) askTimeout(a *App) tea.Cmd {
	maxS := int(maxTimeout / time.Second)
	askWith(a, a.T("composer.ask_timeout", "Max", maxS), strconv.Itoa(int(p.timeout/time.Second)), func(a *App, s string) tea.Cmd {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || time.Duration(n)*time.Second > maxTimeout {
			return a.Fail(errorf(a.T("composer.bad_timeout", "Max", maxS)))
		}
		p.timeout = time.Duration(n) * time.Second
		return a.Flash(a.T("composer.timeout_set", "Seconds", n))
	})
	return nil
}

// focusKey is what open, up, down and resend do in the area in focus.
func (p *composerPage) focusKey(a *App, act string) tea.Cmd {
	switch p.focus {
	case focusCodes:
		switch act {
		case ActUp:
			p.choose(max(p.pick-1, 0))
		case ActDown:
			p.choose(min(p.pick+1, len(p.cmds)))
		case ActOpen:
			if p.pick < len(p.cmds) {
				p.setFocus(focusHex)
				return nil
			}
			askWith(a, a.T("composer.ask_code"), "", func(a *App, s string) tea.Cmd {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < minCommandCode || n > maxCommandCode {
					return a.Fail(errorf(a.T("composer.bad_code")))
				}
				p.code = n
				p.setFocus(focusHex)
				return nil
			})
		}
	case focusHex:
		if act == ActOpen {
			return p.send(a, p.code, p.hex.value())
		}
	case focusFields:
		return p.fieldKey(a, act, 0)
	case focusHistory:
		h := p.history(a)
		switch act {
		case ActUp:
			p.hist = max(p.hist-1, 0)
		case ActDown:
			p.hist = min(p.hist+1, max(len(h)-1, 0))
		case ActOpen, ActResend:
			if len(h) == 0 {
				return nil
			}
			c := h[len(h)-1-p.hist]
			p.code = c.Code
			p.pick = len(p.cmds)
			for i, s := range p.cmds {
				if s.Code == c.Code {
					p.pick = i
				}
			}
			p.setPayload(c.Payload)
			if act == ActResend {
				return p.send(a, c.Code, spacedHex(c.Payload))
			}
			p.setFocus(focusHex)
		}
	}
	return nil
}

// fieldKey is an action (up, down, open) on the field list, or with step
// ±1 a step of the field's value.
func (p *composerPage) fieldKey(a *App, act string, step int) tea.Cmd {
	spec, ok := p.current()
	if !ok || len(spec.Fields) == 0 {
		return nil
	}
	f := spec.Fields[min(p.field, len(spec.Fields)-1)]
	b, _ := p.payload()
	switch {
	case act == ActUp:
		p.field = max(p.field-1, 0)
	case act == ActDown:
		p.field = min(p.field+1, len(spec.Fields)-1)
	case step != 0:
		if nb, ok := f.Step(b, step); ok {
			p.setPayload(nb)
		}
	case act == ActOpen:
		cur := ""
		if raw, ok := f.Bytes(b); ok {
			cur = f.Format(raw)
			if f.Unit != "" {
				cur = strings.TrimSuffix(cur, " "+f.Unit)
			}
		}
		askWith(a, a.T("composer.field_prompt", "Field", fieldName(a.Tr(), f), "Help", fieldHelp(a.Tr(), f)), cur, func(a *App, s string) tea.Cmd {
			nb, err := f.Set(b, s)
			if err != nil {
				return a.Fail(err)
			}
			p.setPayload(nb)
			return nil
		})
	}
	return nil
}

// fieldHelp says what a field takes, for prompts and the form. The type
// (u8), the range and the unit are notation; the words are tr's.
func fieldHelp(tr *i18n.Translator, f catalog.Field) string {
	switch f.Kind {
	case catalog.KindEnum:
		return f.Choices()
	case catalog.KindBits:
		return tr.T("composer.help.bits", "Choices", f.Choices())
	case catalog.KindID:
		return tr.T("composer.help.physical_id")
	case catalog.KindBytes:
		return tr.T("composer.help.bytes")
	case catalog.KindText:
		return tr.T("composer.help.text")
	}
	s := fmt.Sprintf("u%d", 8*f.Size)
	if f.HasRange() {
		s += fmt.Sprintf(" %d–%d", f.Min, f.Max)
	}
	if f.Decimals > 0 {
		s += " " + tr.T("composer.help.steps", "Step", "0."+strings.Repeat("0", f.Decimals-1)+"1")
	}
	if f.Unit != "" {
		s += " " + f.Unit
	}
	return s
}

// send checks the command and asks before sending it: a command changes a
// customer's device, so it is a write like any other (FEATURES §1 K).
func (p *composerPage) send(a *App, code int, hexText string) tea.Cmd {
	if cmd := a.refuseWrite("Command: send " + strconv.Itoa(code)); cmd != nil {
		return cmd
	}
	if p.sending != nil {
		return a.Flash(a.T("composer.on_its_way"))
	}
	if code < minCommandCode || code > maxCommandCode {
		return a.Fail(errorf(a.T("composer.pick_code")))
	}
	b, err := parseHex(hexText)
	if err != nil {
		return a.Fail(errorf(a.T("composer.bad_payload", "Error", err.Error())))
	}
	what := a.T("composer.code", "Code", code)
	if spec, ok := p.spec.Message(code, catalog.Command); ok && spec.Dir == catalog.Command {
		what = fmt.Sprintf("%d %s", code, explainIn(a.Tr(), spec, b))
	} else if len(b) > 0 {
		what += " " + spacedHex(b)
	}
	q := a.T("composer.send_question", "What", what, "Device", deviceTitle(p.detail), "User", p.ref.UserID)
	a.Confirm(q, approve(p, sendApproved{code: code, payload: b}))
	return nil
}

// sendApproved is the operator's yes to a command.
type sendApproved struct {
	code    int
	payload []byte
}

// doSend starts the command; it runs on the UI goroutine after the yes.
func (p *composerPage) doSend(a *App, v sendApproved) tea.Cmd {
	if cmd := a.refuseWrite("Command: send"); cmd != nil {
		return cmd
	}
	p.sendGen++
	api, ref, timeout := a.api, p.ref, p.timeout
	sent := sentCommand{At: a.Now(), Code: v.code, Payload: v.payload, Timeout: timeout}
	shown := sent // the view's copy; the call fills in its own
	p.sending = &shown
	return Run(a, p, p.sendGen, false, func(ctx context.Context) (sentCommand, error) {
		r, err := api.SendCommand(ctx, ref, sent.Code, sent.Payload, timeout)
		sent.Reply = r
		return sent, err
	})
}

// explainSendError turns the usual failures of sendToDevice into what the
// operator can do about them, in tr's language (the error codes stay).
func explainSendError(tr *i18n.Translator, err error, timeout time.Duration, eventsKey string) error {
	switch acapi.Code(err) {
	case models.ErrDeviceOffline:
		return errorf(tr.T("composer.err.offline", "Key", eventsKey))
	case models.ErrDeviceTimeout:
		return errorf(tr.T("composer.err.timeout", "Timeout", tr.Duration(timeout)))
	case models.ErrDeviceAbsent:
		return errorf(tr.T("composer.err.absent"))
	case models.ErrBadMessageCode:
		return errorf(tr.T("composer.err.bad_code"))
	}
	if errors.Is(err, acapi.ErrReadOnly) {
		return errorf(tr.T("composer.err.read_only"))
	}
	return err
}

// replyText decodes a reply by the product's layouts.
func replyText(tr *i18n.Translator, spec ProductSpec, r CommandReply) string {
	if m, ok := spec.Message(r.Code, catalog.Reply); ok {
		return explainIn(tr, m, r.Payload)
	}
	return emptyOr(tr, spacedHex(r.Payload))
}

func (p *composerPage) View(a *App, w, h int) string {
	s := a.styles
	tr := a.Tr()
	head := func(focus int, title string) string {
		if p.focus == focus {
			return s.Accent.Render(" " + s.Glyphs.Cursor + " " + title)
		}
		return s.Bold.Render("   " + title)
	}
	lines := []string{
		s.Title.Render(" "+a.T("composer.heading", "Device", deviceTitle(p.detail))) + s.Faint.Render("  "+a.T("composer.subheading",
			"Product", p.ref.SubDomain, "PhysicalID", p.ref.PhysicalID, "User", p.ref.UserID, "Timeout", tr.Duration(p.timeout))),
	}
	if p.specErr != nil {
		lines = append(lines, s.Warn.Render(" "+a.T("composer.no_layouts", "Error", a.errorLine(p.specErr))))
	}
	if dps := p.spec.DataPoints; len(dps) > 0 {
		// The cloud's data points say what the device's state means.
		var parts []string
		for _, d := range dps {
			part := d.Key + " " + d.Type
			if d.Unit != "" {
				part += " " + d.Unit
			}
			parts = append(parts, part)
		}
		lines = append(lines, s.Faint.Render(" "+a.T("composer.data_points", "Points", clipText(models.SanitizeLine(strings.Join(parts, " · ")), max(w-16, 10)))))
	}
	lines = append(lines, head(focusCodes, a.T("composer.head.code")))
	for i, c := range p.cmds {
		mark := "  "
		if i == p.pick {
			mark = s.Glyphs.Cursor + " "
		}
		// The layout is the product reference's notation, its names the
		// device's own; only "no payload" is a word of the reader's.
		layout := c.Layout()
		if len(c.Fields) == 0 {
			layout = a.T("composer.layout_empty")
		}
		line := fmt.Sprintf("    %s%3d  %s %s → %d", mark, c.Code, padRight(clipText(messageName(tr, c), 22), 22), clipText(layout, max(w-45, 10)), c.Reply)

		if i == p.pick {
			line = s.Bold.Render(line)
		}
		lines = append(lines, line)
	}
	other := "    " + "  " + "…    " + a.T("composer.other_code_range", "Min", minCommandCode, "Max", maxCommandCode)
	if p.pick >= len(p.cmds) {
		other = s.Bold.Render(fmt.Sprintf("    %s%3d  %s", s.Glyphs.Cursor+" ", p.code, a.T("composer.other_code")))
	}
	lines = append(lines, other)

	spec, known := p.current()
	b, perr := p.payload()
	title := a.T("composer.head.payload")
	if p.code != 0 {
		title = a.T("composer.head.payload_code", "Code", p.code)
		if known {
			title = a.T("composer.head.payload_named", "Code", p.code, "Name", messageName(tr, spec))
		}
	}
	lines = append(lines, head(focusHex, title))
	size := ""
	if perr == nil {
		size = "  " + a.N("composer.size", len(b))
		if known {
			if n := spec.Size(); n >= 0 {
				size = "  " + a.N("composer.size_expected", len(b), "Expected", n)
			}
		}
	}
	var example []byte
	if known {
		example = spec.ExamplePayload()
	}
	lines = append(lines, "    "+a.T("composer.hex")+" "+payloadFieldIn(tr, &p.hex, p.focus == focusHex, max(w-30, 10), s, example)+s.Faint.Render(size))
	switch {
	case perr != nil:
		lines = append(lines, s.Err.Render("    "+perr.Error()))
	case known:
		lines = append(lines, head(focusFields, a.T("composer.head.fields")))
		for i, f := range spec.Fields {
			val := s.Faint.Render(padRight(a.T("composer.missing"), 14))
			if raw, ok := f.Bytes(b); ok {
				val = padRight(f.Format(raw), 14)
			}
			mark := "  "
			if p.focus == focusFields && i == p.field {
				mark = s.Glyphs.Cursor + " "
			}
			lines = append(lines, fmt.Sprintf("    %s[%s] %s = %s %s", mark, fieldRange(f), padRight(clipText(fieldName(tr, f), 12), 12), val, s.Faint.Render(fieldHelp(tr, f))))
		}
		if len(spec.Fields) == 0 {
			lines = append(lines, s.Faint.Render("    "+a.T("composer.no_payload")))
		}
		lines = append(lines, "    "+s.Accent.Render("→ ")+explainIn(tr, spec, b))
	default:
		lines = append(lines, s.Faint.Render("    "+a.T("composer.no_layout")))
	}
	if p.sending != nil {
		lines = append(lines, s.Warn.Render("    "+a.T("composer.sending", "Code", p.sending.Code, "Timeout", tr.Duration(p.sending.Timeout))))
	}

	hist := p.history(a)
	lines = append(lines, head(focusHistory, a.T("composer.head.history", "Commands", len(hist))))
	// Two lines per command: what was asked and answered, in words; then
	// the bytes both ways and the time it took.
	for i := 0; i < len(hist) && len(lines)+1 < h; i++ {
		c := hist[len(hist)-1-i]
		req := fmt.Sprintf("%d", c.Code)
		if m, ok := p.spec.Message(c.Code, catalog.Command); ok && m.Dir == catalog.Command {
			req = fmt.Sprintf("%d %s", c.Code, explainIn(tr, m, c.Payload))
		}
		var rep, bytes string
		st := s.Text
		if c.Err != nil {
			rep = "✗ " + a.errorLine(explainSendError(tr, c.Err, c.Timeout, a.keyLabel(ActEvents)))
			st = s.Err
			bytes = fmt.Sprintf("[%s]", emptyOr(tr, spacedHex(c.Payload)))
		} else {
			rep = fmt.Sprintf("→ %d %s", c.Reply.Code, replyText(tr, p.spec, c.Reply))
			if c.Reply.Code == 127 {
				st = s.Warn
			}
			bytes = a.T("composer.bytes", "Sent", emptyOr(tr, spacedHex(c.Payload)), "Reply", emptyOr(tr, spacedHex(c.Reply.Payload)),
				"Elapsed", c.Reply.Elapsed.Round(time.Millisecond).String())
		}

		mark := "  "
		if p.focus == focusHistory && i == p.hist {
			mark = s.Glyphs.Cursor + " "
		}
		reqW := min(cellWidth(req), max((w-16)/3, 16))
		lines = append(lines,
			fmt.Sprintf("    %s%s  %s  ", mark, c.At.Format("15:04:05"), clipText(req, reqW))+st.Render(clipText(rep, max(w-reqW-20, 10))),
			s.Faint.Render("              "+clipText(bytes, max(w-16, 10))))
	}
	return strings.Join(lines, "\n")
}

func fieldRange(f catalog.Field) string {
	switch {
	case f.Size == 0:
		return fmt.Sprintf("%d…", f.Offset)
	case f.Size == 1:
		return strconv.Itoa(f.Offset)
	}
	return fmt.Sprintf("%d–%d", f.Offset, f.Offset+f.Size-1)
}
