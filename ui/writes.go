package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/i18n"
	"acconsole/models"
)

// writeDone reports a finished write to the page that started it, which
// then reloads; the status line says what happened.
type writeDone struct {
	page Page
	// said is what the status line says once the write is done, rendered
	// then, in the screen's language.
	said *writeText
	err  error
}

// writeLabel is what the audit log names a write by: the page, and the
// question the write asks ("Homes: name of the new home").
func writeLabel(page Page, question string) string {
	action := page.Title(neutral())
	if q := strings.TrimSuffix(strings.TrimSpace(question), ":"); q != "" {
		action += ": " + q
	}
	return action
}

// refuseWrite is the read-only check of every write key: nil when write
// mode is on; otherwise the refusal goes to the audit log (with what was
// tried) and to the status line.
func (a *App) refuseWrite(action string) tea.Cmd {
	why := a.RequireWrite()
	if why == "" {
		return nil
	}
	a.auditRefusal(action, why)
	return a.Fail(errorf(why))
}

// auditRefusal records a write refused by read-only mode. why is the
// reason as the operator read it; the audit log keeps it language-neutral,
// so the reason is said again in English when read-only mode is the cause.
func (a *App) auditRefusal(action, why string) {
	if a.refused != nil {
		if neutralWhy := a.requireWriteIn(neutral()); neutralWhy != "" {
			why = neutralWhy
		}
		a.refused(action, why)
	}
}

func (a *App) finishWrite(m writeDone) tea.Cmd {
	if m.err != nil {
		return a.Fail(m.err)
	}
	done := a.T(m.said.done, m.said.pairs...)
	return tea.Batch(a.Flash(a.T("writes.done", "What", done)), m.page.Load(a))
}

// msg is a text from the catalog with its fields, rendered when shown so
// that it follows the screen's language (and neutral() for the audit log).
type msg struct {
	id    string
	pairs []any
}

// in renders m in tr's language; a field that is itself a msg is rendered
// in the same language.
func (m msg) in(tr *i18n.Translator) string {
	if m.id == "" {
		return ""
	}
	pairs := append([]any(nil), m.pairs...)
	for i, v := range pairs {
		if inner, ok := v.(msg); ok {
			pairs[i] = inner.in(tr)
		}
	}
	return tr.T(m.id, pairs...)
}

// writeText is a write's confirm question and what the status line says
// once it is done: two catalog ids with the same fields.
type writeText struct {
	confirm, done string
	pairs         []any
}

// askWrite is the one path of every console write: the read-only check
// (refused and audited with what was tried), an optional question, a
// confirmation that defaults to No, the call in the background, then the
// status line and a reload of page. Its texts are catalog ids: the
// question and the confirmation in the screen's language, the audit log's
// label in English.
func askWrite(a *App, page Page, question msg, build func(answer string) (writeText, func(context.Context) error, error)) tea.Cmd {
	action := writeLabel(page, question.in(neutral()))
	if cmd := a.refuseWrite(action); cmd != nil {
		return cmd
	}
	run := func(answer string) tea.Cmd {
		wt, do, err := build(strings.TrimSpace(answer))
		if err != nil {
			return a.Fail(err)
		}
		text := a.T(wt.confirm, wt.pairs...)
		ctx := a.ctx
		call := func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			return writeDone{page: page, said: &wt, err: do(c)}
		}
		// Write mode may have ended while the dialog was open: check
		// again on the Update goroutine when the answer is yes.
		a.Confirm(text, func() tea.Msg {
			return runAction{func() tea.Cmd {
				if why := a.RequireWrite(); why != "" {
					a.auditRefusal(action, why)
					return a.Fail(errorf(a.T("writes.nothing_sent", "Why", why)))
				}
				return call
			}}
		})
		return nil
	}
	if question.id == "" {
		return run("")
	}
	a.Ask(question.in(a.tr), func(a *App, answer string) tea.Cmd { return run(answer) })
	return nil
}

// renameText is a device rename's confirmation and done text.
func renameText(old, name string) writeText {
	return writeText{confirm: "writes.rename_device.confirm", done: "writes.rename_device.done", pairs: []any{"Old", strconv.Quote(old), "New", strconv.Quote(name)}}
}

// writeAudit is the audit log's name of a write that asks question on
// page (a pageKey's audit).
func writeAudit(page Page, question msg) string { return writeLabel(page, question.in(neutral())) }

// count says "1 device", "2 devices": never "1 lines" or "device(s)".
func count(n int, noun string) string {
	return fmt.Sprintf("%d %s%s", n, noun, plural(n))
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

// parseIDT is parseID with the name of the number from the catalog.
func (a *App) parseIDT(s, whatID string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(s, "#")), 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(a.T("writes.not_positive", "What", a.T(whatID), "Value", strconv.Quote(models.SanitizeLine(s))))
	}
	return id, nil
}

// parseProfileValueT is parseProfileValue with its error in the screen's
// language.
func (a *App) parseProfileValueT(s string) (string, any, error) {
	k, v, err := parseProfileValue(s)
	if err != nil {
		return "", nil, errorf(a.T("writes.key_value"))
	}
	return k, v, nil
}

// nonEmptyT is nonEmpty with the name of the value from the catalog.
func (a *App) nonEmptyT(s, whatID string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errorf(a.T("writes.empty", "What", a.T(whatID)))
	}
	return strings.TrimSpace(s), nil
}

// deviceWrite runs one of the device page's write keys.
func (p *devicePage) deviceWrite(a *App, action string) tea.Cmd {
	if p.detail == nil {
		return nil
	}
	api := a.api
	ref := p.ref
	if ref.UserID == 0 {
		ref.UserID = p.detail.Device.Owner
	}
	name := strconv.Quote(p.detail.Device.Name)
	switch action {
	case ActUnbindUser:
		// The cloud refuses to unbind the owner (3002): say so before
		// asking, and point at the change-owner key instead.
		owner := p.detail.Device.Owner
		return askWrite(a, p, unbindQuestion(a, owner), func(s string) (writeText, func(context.Context) error, error) {
			uid, err := a.parseIDT(s, "writes.what.user_id")
			if err != nil {
				return writeText{}, nil, err
			}
			if uid == owner {
				return writeText{}, nil, errorf(ownerNote(a, owner).in(a.tr))
			}
			return writeText{"writes.unbind.confirm", "writes.unbind.done", []any{"User", uid, "Device", name}},
				func(ctx context.Context) error { return api.UnbindUser(ctx, ref, uid) }, nil
		})
	case ActOwner:
		return askWrite(a, p, msg{id: "writes.owner.ask"}, func(s string) (writeText, func(context.Context) error, error) {
			uid, err := a.parseIDT(s, "writes.what.user_id")
			if err != nil {
				return writeText{}, nil, err
			}
			return writeText{"writes.owner.confirm", "writes.owner.done", []any{"User", uid, "Device", name}},
				func(ctx context.Context) error { return api.ChangeOwner(ctx, ref, uid) }, nil
		})
	case ActProfile:
		return askWrite(a, p, msg{id: "writes.profile.ask"}, func(s string) (writeText, func(context.Context) error, error) {
			key, val, err := a.parseProfileValueT(s)
			if err != nil {
				return writeText{}, nil, err
			}
			return writeText{"writes.profile.confirm_device", "writes.profile.done_device", []any{"Key", key, "Value", fmt.Sprint(val), "Device", name}},
				func(ctx context.Context) error { return api.SetDeviceProfile(ctx, ref, key, val) }, nil
		})
	case ActAddToHome:
		return askWrite(a, p, msg{id: "writes.add_to_home.ask"}, func(s string) (writeText, func(context.Context) error, error) {
			hid, err := a.parseIDT(s, "writes.what.home_id")
			if err != nil {
				return writeText{}, nil, err
			}
			return writeText{"writes.add_to_home.confirm", "writes.add_to_home.done", []any{"Device", name, "Home", hid}},
				func(ctx context.Context) error { return api.AddDeviceToHome(ctx, ref, hid) }, nil
		})
	}
	return nil
}

// unbindQuestion asks which user to unbind; when the device has an owner
// it says first that the owner cannot be (the cloud refuses, 3002).
func unbindQuestion(a *App, owner int64) msg {
	if owner == 0 {
		return msg{id: "writes.unbind.ask"}
	}
	return msg{id: "writes.unbind.ask_owner", pairs: []any{"Note", ownerNote(a, owner)}}
}

// ownerNote says the owner cannot be unbound and which key changes it.
func ownerNote(a *App, owner int64) msg {
	return msg{id: "writes.unbind.owner_note", pairs: []any{"Owner", owner, "Key", a.keyLabel(ActOwner)}}
}

// homeWrites are the create/rename/delete keys of the homes table, for
// the home under the cursor (ok: there is one).
func homeWrites(userID int64, page Page, h models.Home, ok bool) []pageKey {
	newHome, newName := msg{id: "writes.home.ask_name"}, msg{id: "writes.ask_new_name"}
	return []pageKey{
		{action: ActCreate, hint: true, writes: true, audit: writeAudit(page, newHome), run: func(a *App) tea.Cmd {
			api := a.api
			return askWrite(a, page, newHome, func(s string) (writeText, func(context.Context) error, error) {
				name, err := a.nonEmptyT(s, "writes.what.home_name")
				return writeText{"writes.home.create_confirm", "writes.home.create_done", []any{"Name", strconv.Quote(name)}},
					func(ctx context.Context) error { return api.CreateHome(ctx, userID, name) }, err
			})
		}},
		{action: ActRename, hint: true, writes: true, audit: writeAudit(page, newName), run: func(a *App) tea.Cmd {
			if !ok {
				return nil
			}
			api := a.api
			return askWrite(a, page, newName, func(s string) (writeText, func(context.Context) error, error) {
				name, err := a.nonEmptyT(s, "writes.what.home_name")
				return writeText{"writes.home.rename_confirm", "writes.home.rename_done", []any{"Old", strconv.Quote(h.Name), "New", strconv.Quote(name)}},
					func(ctx context.Context) error { return api.RenameHome(ctx, userID, h.HomeID, name) }, err
			})
		}},
		{action: ActDelete, hint: true, writes: true, audit: writeAudit(page, msg{}), run: func(a *App) tea.Cmd {
			if !ok {
				return nil
			}
			api := a.api
			return askWrite(a, page, msg{}, func(string) (writeText, func(context.Context) error, error) {
				return writeText{"writes.home.delete_confirm", "writes.home.delete_done", []any{"Name", strconv.Quote(h.Name)}},
					func(ctx context.Context) error { return api.DeleteHome(ctx, userID, h.HomeID) }, nil
			})
		}},
	}
}

// roomWrites are the create/rename/delete keys of the rooms table, for the
// row under the cursor (the whole-home row is no room to rename).
func roomWrites(userID, homeID int64, page Page, r roomRow, ok bool) []pageKey {
	real := ok && !r.whole
	newRoom, newName := msg{id: "writes.room.ask_name"}, msg{id: "writes.ask_new_name"}
	return []pageKey{
		{action: ActCreate, hint: true, writes: true, audit: writeAudit(page, newRoom), run: func(a *App) tea.Cmd {
			api := a.api
			return askWrite(a, page, newRoom, func(s string) (writeText, func(context.Context) error, error) {
				name, err := a.nonEmptyT(s, "writes.what.room_name")
				return writeText{"writes.room.create_confirm", "writes.room.create_done", []any{"Name", strconv.Quote(name)}},
					func(ctx context.Context) error { return api.CreateRoom(ctx, userID, homeID, name) }, err
			})
		}},
		{action: ActRename, hint: true, writes: true, audit: writeAudit(page, newName), run: func(a *App) tea.Cmd {
			if !real {
				return nil
			}
			api := a.api
			return askWrite(a, page, newName, func(s string) (writeText, func(context.Context) error, error) {
				name, err := a.nonEmptyT(s, "writes.what.room_name")
				return writeText{"writes.room.rename_confirm", "writes.room.rename_done", []any{"Old", strconv.Quote(r.room.Name), "New", strconv.Quote(name)}},
					func(ctx context.Context) error { return api.RenameRoom(ctx, userID, homeID, r.room.RoomID, name) }, err
			})
		}},
		{action: ActDelete, hint: true, writes: true, audit: writeAudit(page, msg{}), run: func(a *App) tea.Cmd {
			if !real {
				return nil
			}
			api := a.api
			return askWrite(a, page, msg{}, func(string) (writeText, func(context.Context) error, error) {
				return writeText{"writes.room.delete_confirm", "writes.room.delete_done", []any{"Name", strconv.Quote(r.room.Name)}},
					func(ctx context.Context) error { return api.DeleteRoom(ctx, userID, homeID, r.room.RoomID) }, nil
			})
		}},
	}
}

// setProfile sets a value in the user's profile.
func (p *userPage) setProfile(a *App) tea.Cmd {
	api, uid := a.api, p.id
	return askWrite(a, p, msg{id: "writes.profile.ask"}, func(s string) (writeText, func(context.Context) error, error) {
		key, val, err := a.parseProfileValueT(s)
		return writeText{"writes.profile.confirm_user", "writes.profile.done_user", []any{"Key", key, "Value", fmt.Sprint(val), "User", uid}},
			func(ctx context.Context) error { return api.SetUserProfile(ctx, uid, key, val) }, err
	})
}
