package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/models"
)

// pendingPhone is a verify code sent for binding a phone and not used
// yet. It stays with the user page, so the operator can look at :outbox
// (or close the prompt) and come back to type the code: pressing the bind
// key again asks for that code instead of sending a new one, which would
// make the first one wrong.
type pendingPhone struct {
	phone  string
	sentAt time.Time
	local  string // the code the local cloud's outbox shows ("" elsewhere)
}

// phoneCodeSent is the answer to sending a verify code.
type phoneCodeSent struct {
	phone string
	local string
}

// bindPhone starts or resumes binding a phone to the user.
func (p *userPage) bindPhone(a *App) tea.Cmd {
	if cmd := a.refuseWrite("User: bind phone"); cmd != nil {
		return cmd
	}
	if p.pending != nil {
		return p.askCode(a)
	}
	a.Ask(a.T("lists.phone.ask_phone"), func(a *App, phone string) tea.Cmd {
		// Write mode may have ended while the prompt was open.
		if why := a.RequireWrite(); why != "" {
			a.auditRefusal("User: bind phone", why)
			return a.Fail(errorf(a.T("lists.phone.nothing_sent", "Why", why)))
		}
		phone = strings.TrimSpace(phone)
		if phone == "" {
			return a.Fail(errorf(a.T("lists.phone.needed")))
		}
		return p.sendCode(a, phone)
	})
	return nil
}

func (p *userPage) sendCode(a *App, phone string) tea.Cmd {
	api := a.api
	p.codeGen++
	return Run(a, p, p.codeGen, false, func(ctx context.Context) (phoneCodeSent, error) {
		if err := api.SendVerifyCode(ctx, phone); err != nil {
			return phoneCodeSent{}, err
		}
		return phoneCodeSent{phone: phone, local: outboxCode(ctx, api, phone)}, nil
	})
}

// outboxCode reads the code just sent to phone from the local cloud's
// outbox; a cloud without one answers "".
func outboxCode(ctx context.Context, api API, phone string) string {
	out, err := api.Outbox(ctx, 20)
	if err != nil {
		return ""
	}
	forms := acapi.PhoneForms(phone)
	var best OutboxEntry
	for _, e := range out {
		if (e.Account == phone || slices.Contains(forms, e.Account)) && !e.SentAt.Before(best.SentAt) {
			best = e
		}
	}
	return best.Code
}

// codeAnswered handles the send's answer on the Update goroutine.
func (p *userPage) codeAnswered(a *App, m loaded) tea.Cmd {
	if m.gen != p.codeGen {
		return nil
	}
	if m.err != nil {
		return a.Fail(m.err)
	}
	v := m.val.(phoneCodeSent)
	p.pending = &pendingPhone{phone: v.phone, sentAt: a.Now(), local: v.local}
	return p.askCode(a)
}

// askCode asks for the pending code; "resend" sends a new one instead.
func (p *userPage) askCode(a *App) tea.Cmd {
	pd := *p.pending
	// "resend" is typed as it is in every language, like a command.
	q := a.T("lists.phone.ask_code", "Phone", pd.phone)
	if pd.local != "" {
		q = a.T("lists.phone.ask_code_local", "Phone", pd.phone, "Code", pd.local)
	}
	api, uid := a.api, p.id
	a.Ask(q, func(a *App, code string) tea.Cmd {
		code = strings.TrimSpace(code)
		if strings.EqualFold(code, "resend") {
			p.pending = nil
			return p.sendCode(a, pd.phone)
		}
		return askWrite(a, p, msg{}, func(string) (writeText, func(context.Context) error, error) {
			c, err := a.nonEmptyT(code, "writes.what.verify_code")
			return writeText{confirm: "writes.bind_phone.confirm", done: "writes.bind_phone.done", pairs: []any{"Phone", pd.phone, "User", uid}},
				func(ctx context.Context) error { return api.BindPhone(ctx, uid, pd.phone, c) }, err
		})
	})
	return nil
}

// phoneBound clears the pending code once the user has the phone.
func (p *userPage) phoneBound(u models.User) {
	if p.pending != nil && u.Phone != "" && (u.Phone == p.pending.phone || slices.Contains(acapi.PhoneForms(p.pending.phone), u.Phone)) {
		p.pending = nil
	}
}

// pendingLine tells the operator a code is waiting to be typed.
func (p *userPage) pendingLine(a *App) string {
	pd := p.pending
	at := pd.sentAt.Local().Format("15:04:05")
	s := a.T("lists.phone.pending", "Phone", pd.phone, "At", at)
	if pd.local != "" {
		s = a.T("lists.phone.pending_local", "Phone", pd.phone, "At", at, "Code", pd.local)
	}
	return a.styles.Warn.Render(" "+s) + a.styles.Faint.Render(" · "+a.T("lists.phone.enter", "Key", a.keys.Get(ActBindPhone).Label()))
}
