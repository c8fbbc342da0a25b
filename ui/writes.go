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
	action := writeLabel(page, question)
	if cmd := a.refuseWrite(action); cmd != nil {
		return cmd
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
					a.auditRefusal(action, why)
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

// auditRefusal records a write refused by read-only mode.
func (a *App) auditRefusal(action, why string) {
	if a.refused != nil {
		a.refused(action, why)
	}
}

func (a *App) finishWrite(m writeDone) tea.Cmd {
	if m.err != nil {
		return a.Fail(m.err)
	}
	return tea.Batch(a.Flash("done: "+doneStatement(m.what)), m.page.Load(a))
}

// pastTense turns the verbs the confirm questions start with into what
// the status line says once the write is done.
var pastTense = map[string]string{
	"Add": "Added", "Bind": "Bound", "Create": "Created", "Delete": "Deleted", "Make": "Made",
	"Move": "Moved", "Rename": "Renamed", "Save": "Saved", "Send": "Sent", "Set": "Set",
	"Start": "Started", "Stop": "Stopped", "Take": "Took", "Unbind": "Unbound",
}

// questionEnd is the index of the first "?" outside quotes (a name may
// hold one), or len(s).
func questionEnd(s string) int {
	quoted, escaped := false, false
	for i, r := range s {
		switch {
		case escaped:
			escaped = false
		case quoted && r == '\\':
			escaped = true
		case r == '"':
			quoted = !quoted
		case r == '?' && !quoted:
			return i
		}
	}
	return len(s)
}

// doneStatement turns a confirm question into a statement of what was
// done: the question only (what follows it warns before the yes), in the
// past tense. "Delete room "Kitchen"? Its devices stay in the home." is
// done as "Deleted room "Kitchen"".
func doneStatement(question string) string {
	s := strings.TrimSpace(question)
	s = s[:questionEnd(s)]
	verb, rest, _ := strings.Cut(s, " ")
	if past, ok := pastTense[verb]; ok {
		return strings.TrimSpace(past + " " + rest)
	}
	return s
}

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

func nonEmpty(s, what string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errorf(what + " cannot be empty")
	}
	return strings.TrimSpace(s), nil
}

// deviceWrite runs one of the device page's write keys.
func (p *devicePage) deviceWrite(a *App, action string) tea.Cmd {
	if p.detail == nil {
		return nil
	}
	k := a.keys
	api := a.api
	ref := p.ref
	if ref.UserID == 0 {
		ref.UserID = p.detail.Device.Owner
	}
	name := p.detail.Device.Name
	switch action {
	case ActUnbindUser:
		// The cloud refuses to unbind the owner (3002): say so before
		// asking, and point at the change-owner key instead.
		owner := p.detail.Device.Owner
		q := "user id to unbind from this device:"
		ownerNote := ""
		if owner != 0 {
			ownerNote = fmt.Sprintf("user #%d owns it and cannot be unbound: %s changes the owner", owner, k.Get(ActOwner).Label())
			q = fmt.Sprintf("user id to unbind from this device (%s):", ownerNote)
		}
		return askWrite(a, p, q, func(s string) (string, func(context.Context) error, error) {
			uid, err := parseID(s, "the user id")
			if err != nil {
				return "", nil, err
			}
			if uid == owner {
				return "", nil, errorf(ownerNote)
			}
			return fmt.Sprintf("Unbind user #%d from %q?", uid, name), func(ctx context.Context) error { return api.UnbindUser(ctx, ref, uid) }, nil
		})
	case ActOwner:
		return askWrite(a, p, "new owner's user id:", func(s string) (string, func(context.Context) error, error) {
			uid, err := parseID(s, "the user id")
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Make user #%d the owner of %q?", uid, name), func(ctx context.Context) error { return api.ChangeOwner(ctx, ref, uid) }, nil
		})
	case ActProfile:
		return askWrite(a, p, "profile key=value:", func(s string) (string, func(context.Context) error, error) {
			key, val, err := parseProfileValue(s)
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Set %s = %v on %q?", key, val, name), func(ctx context.Context) error { return api.SetDeviceProfile(ctx, ref, key, val) }, nil
		})
	case ActAddToHome:
		return askWrite(a, p, "home id to add the device to:", func(s string) (string, func(context.Context) error, error) {
			hid, err := parseID(s, "the home id")
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("Add %q to home #%d (binds it to every member)?", name, hid), func(ctx context.Context) error { return api.AddDeviceToHome(ctx, ref, hid) }, nil
		})
	}
	return nil
}

// homeWrites are the create/rename/delete keys of the homes table, for
// the home under the cursor (ok: there is one).
func homeWrites(userID int64, page Page, h models.Home, ok bool) []pageKey {
	return []pageKey{
		{action: ActCreate, hint: true, writes: true, audit: writeLabel(page, "name of the new home:"), run: func(a *App) tea.Cmd {
			api := a.api
			return askWrite(a, page, "name of the new home:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a home name")
				return fmt.Sprintf("Create home %q?", name), func(ctx context.Context) error { return api.CreateHome(ctx, userID, name) }, err
			})
		}},
		{action: ActRename, hint: true, writes: true, audit: writeLabel(page, "new name:"), run: func(a *App) tea.Cmd {
			if !ok {
				return nil
			}
			api := a.api
			return askWrite(a, page, "new name:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a home name")
				return fmt.Sprintf("Rename home %q to %q?", h.Name, name), func(ctx context.Context) error { return api.RenameHome(ctx, userID, h.HomeID, name) }, err
			})
		}},
		{action: ActDelete, hint: true, writes: true, audit: writeLabel(page, ""), run: func(a *App) tea.Cmd {
			if !ok {
				return nil
			}
			api := a.api
			return askWrite(a, page, "", func(string) (string, func(context.Context) error, error) {
				return fmt.Sprintf("Delete home %q? Its devices are unbound from every member.", h.Name), func(ctx context.Context) error { return api.DeleteHome(ctx, userID, h.HomeID) }, nil
			})
		}},
	}
}

// roomWrites are the create/rename/delete keys of the rooms table, for the
// row under the cursor (the whole-home row is no room to rename).
func roomWrites(userID, homeID int64, page Page, r roomRow, ok bool) []pageKey {
	real := ok && !r.whole
	return []pageKey{
		{action: ActCreate, hint: true, writes: true, audit: writeLabel(page, "name of the new room:"), run: func(a *App) tea.Cmd {
			api := a.api
			return askWrite(a, page, "name of the new room:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a room name")
				return fmt.Sprintf("Create room %q?", name), func(ctx context.Context) error { return api.CreateRoom(ctx, userID, homeID, name) }, err
			})
		}},
		{action: ActRename, hint: true, writes: true, audit: writeLabel(page, "new name:"), run: func(a *App) tea.Cmd {
			if !real {
				return nil
			}
			api := a.api
			return askWrite(a, page, "new name:", func(s string) (string, func(context.Context) error, error) {
				name, err := nonEmpty(s, "a room name")
				return fmt.Sprintf("Rename room %q to %q?", r.room.Name, name), func(ctx context.Context) error {
					return api.RenameRoom(ctx, userID, homeID, r.room.RoomID, name)
				}, err
			})
		}},
		{action: ActDelete, hint: true, writes: true, audit: writeLabel(page, ""), run: func(a *App) tea.Cmd {
			if !real {
				return nil
			}
			api := a.api
			return askWrite(a, page, "", func(string) (string, func(context.Context) error, error) {
				return fmt.Sprintf("Delete room %q? Its devices stay in the home.", r.room.Name), func(ctx context.Context) error {
					return api.DeleteRoom(ctx, userID, homeID, r.room.RoomID)
				}, nil
			})
		}},
	}
}

// setProfile sets a value in the user's profile.
func (p *userPage) setProfile(a *App) tea.Cmd {
	api, uid := a.api, p.id
	return askWrite(a, p, "profile key=value:", func(s string) (string, func(context.Context) error, error) {
		key, val, err := parseProfileValue(s)
		return fmt.Sprintf("Set %s = %v on user #%d?", key, val, uid), func(ctx context.Context) error { return api.SetUserProfile(ctx, uid, key, val) }, err
	})
}
