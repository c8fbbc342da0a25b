package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
)

// writeDone reports a finished write to the page that started it, which
// then reloads; the status line says what happened.
type writeDone struct {
	page Page
	what string
	err  error
}

// askWrite is the one path every console write takes: refuse in read-only
// mode with the reason, ask for the input, show what will happen in a
// confirm dialog that defaults to No, then run it in the background.
// build turns the answer into the confirm text and the call, or an error
// the operator can act on.
func askWrite(a *App, page Page, question string, build func(answer string) (confirm string, do func(context.Context) error, err error)) tea.Cmd {
	if why := a.RequireWrite(); why != "" {
		return a.Fail(errorf(why))
	}
	run := func(answer string) tea.Cmd {
		text, do, err := build(strings.TrimSpace(answer))
		if err != nil {
			return a.Fail(err)
		}
		ctx := a.ctx
		call := func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			return writeDone{page: page, what: text, err: do(c)}
		}
		// Write mode may have ended while the dialog was open: check
		// again on the Update goroutine when the answer is yes.
		a.Confirm(text, func() tea.Msg {
			return runAction{func() tea.Cmd {
				if why := a.RequireWrite(); why != "" {
					return a.Fail(errorf(why + " (nothing was sent)"))
				}
				return call
			}}
		})
		return nil
	}
	if question == "" {
		return run("")
	}
	a.Ask(question, func(a *App, answer string) tea.Cmd { return run(answer) })
	return nil
}

func (a *App) finishWrite(m writeDone) tea.Cmd {
	if m.err != nil {
		return a.Fail(m.err)
	}
	done := strings.TrimSuffix(m.what, "?")
	return tea.Batch(a.Flash("done: "+done), m.page.Load(a))
}

func parseID(s, what string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(s, "#")), 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(what + " must be a positive number, not " + strconv.Quote(models.SanitizeLine(s)))
	}
	return id, nil
}

// parseProfileValue reads "key=value": the value is JSON when it parses as
// JSON (numbers, true/false, quoted text, objects), plain text otherwise.
func parseProfileValue(s string) (string, any, error) {
	k, v, ok := strings.Cut(s, "=")
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !ok || k == "" {
		return "", nil, errorf("write key=value, for example floor=3 or note=\"back door\"")
	}
	var val any
	if json.Unmarshal([]byte(v), &val) != nil {
		val = v
	}
	return k, val, nil
}

func nonEmpty(s, what string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errorf(what + " cannot be empty")
	}
	return strings.TrimSpace(s), nil
}

// deviceWrite handles the device page's write keys.
func (p *devicePage) deviceWrite(a *App, m tea.KeyPressMsg) (tea.Cmd, bool) {
	if p.detail == nil {
		return nil, false
	}
	k := a.keys
	api := a.api
	ref := p.ref
	if ref.UserID == 0 {
		ref.UserID = p.detail.Device.Owner
	}
	name := p.detail.Device.Name
	switch {
	case k.Is(m, ActUnbindUser):
		return askWrite(a, p, "user id to unbind from this device:", func(s string) (string, func(context.Context) error, error) {
			uid, err := parseID(s, "the user id")
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Unbind user #%d from %q?", uid, name), func(ctx context.Context) error { return api.UnbindUser(ctx, ref, uid) }, nil
		}), true
	case k.Is(m, ActOwner):
		return askWrite(a, p, "new owner's user id:", func(s string) (string, func(context.Context) error, error) {
			uid, err := parseID(s, "the user id")
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Make user #%d the owner of %q?", uid, name), func(ctx context.Context) error { return api.ChangeOwner(ctx, ref, uid) }, nil
		}), true
	case k.Is(m, ActProfile):
		return askWrite(a, p, "profile key=value:", func(s string) (string, func(context.Context) error, error) {
			key, val, err := parseProfileValue(s)
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Set %s = %v on %q?", key, val, name), func(ctx context.Context) error { return api.SetDeviceProfile(ctx, ref, key, val) }, nil
		}), true
	case k.Is(m, ActAddToHome):
		return askWrite(a, p, "home id to add the device to:", func(s string) (string, func(context.Context) error, error) {
			hid, err := parseID(s, "the home id")
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Add %q to home #%d (binds it to every member)?", name, hid), func(ctx context.Context) error { return api.AddDeviceToHome(ctx, ref, hid) }, nil
		}), true
	case k.Is(m, ActMoveRoom), k.Is(m, ActOutOfRoom):
		home := p.detail.Device.RootID
		if home == 0 {
			return a.Fail(errorf("the device is in no home: add it to one first")), true
		}
		out := k.Is(m, ActOutOfRoom)
		q := "room id to move the device to:"
		if out {
			q = "room id to take the device out of:"
		}
		return askWrite(a, p, q, func(s string) (string, func(context.Context) error, error) {
			rid, err := parseID(s, "the room id")
			if err != nil {
				return "", nil, err
			}
			if out {
				return fmt.Sprintf("Take %q out of room #%d?", name, rid), func(ctx context.Context) error { return api.RemoveDeviceFromRoom(ctx, ref, home, rid) }, nil
			}
			return fmt.Sprintf("Move %q to room #%d?", name, rid), func(ctx context.Context) error { return api.MoveDeviceToRoom(ctx, ref, home, rid) }, nil
		}), true
	}
	return nil, false
}

// homeWrites are the create/rename/delete keys of the homes table.
func homeWrites(userID int64, page func() Page) func(a *App, m tea.KeyPressMsg, h models.Home, ok bool) (tea.Cmd, bool) {
	return func(a *App, m tea.KeyPressMsg, h models.Home, ok bool) (tea.Cmd, bool) {
		api, k := a.api, a.keys
		switch {
		case k.Is(m, ActCreate):
			return askWrite(a, page(), "name of the new home:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a home name")
				return fmt.Sprintf("Create home %q?", name), func(ctx context.Context) error { return api.CreateHome(ctx, userID, name) }, err
			}), true
		case k.Is(m, ActRename) && ok:
			return askWrite(a, page(), "new name:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a home name")
				return fmt.Sprintf("Rename home %q to %q?", h.Name, name), func(ctx context.Context) error { return api.RenameHome(ctx, userID, h.HomeID, name) }, err
			}), true
		case k.Is(m, ActDelete) && ok:
			return askWrite(a, page(), "", func(string) (string, func(context.Context) error, error) {
				return fmt.Sprintf("Delete home %q? Its devices are unbound from every member.", h.Name), func(ctx context.Context) error { return api.DeleteHome(ctx, userID, h.HomeID) }, nil
			}), true
		}
		return nil, false
	}
}

// roomWrites are the create/rename/delete keys of the rooms table.
func roomWrites(userID, homeID int64, page func() Page) func(a *App, m tea.KeyPressMsg, r roomRow, ok bool) (tea.Cmd, bool) {
	return func(a *App, m tea.KeyPressMsg, r roomRow, ok bool) (tea.Cmd, bool) {
		api, k := a.api, a.keys
		real := ok && !r.whole
		switch {
		case k.Is(m, ActCreate):
			return askWrite(a, page(), "name of the new room:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a room name")
				return fmt.Sprintf("Create room %q?", name), func(ctx context.Context) error { return api.CreateRoom(ctx, userID, homeID, name) }, err
			}), true
		case k.Is(m, ActRename) && real:
			return askWrite(a, page(), "new name:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a room name")
				return fmt.Sprintf("Rename room %q to %q?", r.room.Name, name), func(ctx context.Context) error {
					return api.RenameRoom(ctx, userID, homeID, r.room.RoomID, name)
				}, err
			}), true
		case k.Is(m, ActDelete) && real:
			return askWrite(a, page(), "", func(string) (string, func(context.Context) error, error) {
				return fmt.Sprintf("Delete room %q? Its devices stay in the home.", r.room.Name), func(ctx context.Context) error {
					return api.DeleteRoom(ctx, userID, homeID, r.room.RoomID)
				}, nil
			}), true
		}
		return nil, false
	}
}

// userWrite handles the user page's write keys.
func (p *userPage) userWrite(a *App, m tea.KeyPressMsg) (tea.Cmd, bool) {
	api, k, uid := a.api, a.keys, p.id
	switch {
	case k.Is(m, ActProfile):
		return askWrite(a, p, "profile key=value:", func(s string) (string, func(context.Context) error, error) {
			key, val, err := parseProfileValue(s)
			return fmt.Sprintf("Set %s = %v on user #%d?", key, val, uid), func(ctx context.Context) error { return api.SetUserProfile(ctx, uid, key, val) }, err
		}), true
	case k.Is(m, ActBindPhone):
		if why := a.RequireWrite(); why != "" {
			return a.Fail(errorf(why)), true
		}
		a.Ask("phone to bind (a verify code is sent to it):", func(a *App, phone string) tea.Cmd {
			// Write mode may have ended while the prompt was open.
			if why := a.RequireWrite(); why != "" {
				return a.Fail(errorf(why + " (nothing was sent)"))
			}
			phone = strings.TrimSpace(phone)
			if phone == "" {
				return a.Fail(errorf("a phone number is needed"))
			}
			ctx := a.ctx
			return func() tea.Msg {
				c, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				return codeSent{page: p, phone: phone, err: api.SendVerifyCode(c, phone)}
			}
		})
		return nil, true
	}
	return nil, false
}

// codeSent asks for the verify code once the cloud has sent it.
type codeSent struct {
	page  *userPage
	phone string
	err   error
}

func (a *App) afterCodeSent(m codeSent) tea.Cmd {
	if m.err != nil {
		return a.Fail(m.err)
	}
	api, uid, phone := a.api, m.page.id, m.phone
	return askWrite(a, m.page, "verify code sent to "+phone+" (local cloud: see :outbox):", func(code string) (string, func(context.Context) error, error) {
		code, err := nonEmpty(code, "the verify code")
		return fmt.Sprintf("Bind phone %s to user #%d?", phone, uid), func(ctx context.Context) error { return api.BindPhone(ctx, uid, phone, code) }, err
	})
}
