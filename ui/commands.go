package ui

import (
	"context"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"acconsole/models"
)

// command is one ":" command; the table drives completion, help and
// dispatch, so the three never disagree.
type command struct {
	name    string
	aliases []string
	usage   string
	desc    string
	run     func(a *App, arg string) tea.Cmd
}

var commandTable []command

func init() {
	commandTable = []command{
		{"users", []string{"u", "accounts"}, "users", "all users, paged", func(a *App, _ string) tea.Cmd { return a.Replace(newUsersPage()) }},
		{"user", nil, "user <id|phone|email|openid>", "find a user and open it", cmdUser},
		{"devices", []string{"dev", "fleet"}, "devices", "every device in the warehouse", func(a *App, _ string) tea.Cmd { return a.Replace(newFleetPage()) }},
		{"device", nil, "device <id|physical id|mac>", "open a device (physical id in any case, or its MAC)", cmdDevice},
		{"homes", []string{"home"}, "homes", "homes of the user in view", cmdHomes},
		{"gateways", []string{"gw"}, "gateways", "gateways of the user in view", cmdGateways},
		{"audit", nil, "audit", "the audit log of writes", func(a *App, _ string) tea.Cmd { return a.Push(newAuditPage()) }},
		{"outbox", []string{"sms"}, "outbox", "verify codes the local cloud sent", func(a *App, _ string) tea.Cmd { return a.Push(newOutboxPage()) }},
		{"sessions", nil, "sessions", "the team's open sessions (shared server, admins)", cmdSessions},
		{"write", nil, "write", "enable changes for a while (asks for a reason)", cmdWrite},
		{"readonly", []string{"ro"}, "readonly", "end write mode", cmdReadOnly},
		{"theme", nil, "theme <name>", "dark, light, high-contrast, ascii or a user theme", cmdTheme},
		{"lang", []string{"language"}, "lang <en|zh-CN>", "the console's language (keeps every view open)", cmdLang},
	}
	commandTable = append(commandTable, workflowCommands()...)
	commandTable = append(commandTable, []command{
		{"q", []string{"quit", "exit"}, "q", "quit", func(a *App, _ string) tea.Cmd { return a.quit() }},
	}...)
}

func commandSuggestions() []string {
	var out []string
	for _, c := range commandTable {
		out = append(out, c.name)
		out = append(out, c.aliases...)
	}
	return out
}

func findCommand(name string) (command, bool) {
	for _, c := range commandTable {
		if c.name == name {
			return c, true
		}
		for _, al := range c.aliases {
			if al == name {
				return c, true
			}
		}
	}
	return command{}, false
}

// completions lists the commands a name or alias starting with prefix
// belongs to, each once, in table order.
func completions(prefix string) []command {
	if prefix == "" {
		return nil
	}
	var out []command
	for _, c := range commandTable {
		fits := strings.HasPrefix(c.name, prefix)
		for _, al := range c.aliases {
			fits = fits || strings.HasPrefix(al, prefix)
		}
		if fits {
			out = append(out, c)
		}
	}
	return out
}

func (a *App) runCommand(line string) tea.Cmd {
	line = strings.TrimPrefix(strings.TrimSpace(line), ":")
	if line == "" {
		return nil
	}
	name, arg, _ := strings.Cut(line, " ")
	c, ok := findCommand(strings.ToLower(name))
	if !ok {
		// Enter accepts a completion when only one command fits.
		cands := completions(strings.ToLower(name))
		switch len(cands) {
		case 1:
			c = cands[0]
		case 0:
			return a.Fail(errorf("unknown command " + strconv.Quote(models.SanitizeLine(name)) + ": press ? for the list"))
		default:
			var names []string
			for _, x := range cands {
				names = append(names, ":"+x.name)
			}
			return a.Fail(errorf(strconv.Quote(models.SanitizeLine(name)) + " could be " + strings.Join(names, " or ") + ": type more"))
		}
	}
	return c.run(a, strings.TrimSpace(arg))
}

func cmdUser(a *App, arg string) tea.Cmd {
	if arg == "" {
		return a.Fail(errorf("usage: :user <id|phone|email|openid>"))
	}
	return a.Push(newFindUserPage(arg))
}

func cmdDevice(a *App, arg string) tea.Cmd {
	if arg == "" {
		return a.Fail(errorf("usage: :device <id|physical id|mac>"))
	}
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 && len(arg) < 16 {
		p := newDevicePage(DeviceRef{DeviceID: id}, arg)
		p.query = arg
		return a.Push(p)
	}
	return a.Push(newFindDevicePage(arg))
}

func cmdHomes(a *App, _ string) tea.Cmd {
	if uid, title := userInView(a); uid != 0 {
		return a.Push(newHomesPage(uid, title))
	}
	return a.Fail(errorf("open a user first (:user …), then :homes"))
}

func cmdGateways(a *App, _ string) tea.Cmd {
	if uid, _ := userInView(a); uid != 0 {
		return a.Push(newDeviceList("Gateways", uid, func(ctx context.Context, api API) ([]models.Device, error) {
			return api.Gateways(ctx, uid)
		}, true))
	}
	return a.Fail(errorf("open a user first (:user …), then :gateways"))
}

func cmdWrite(a *App, _ string) tea.Cmd {
	if !a.profile.CanWrite {
		if a.readOnlyWhy != "" {
			if a.refused != nil {
				a.refused("write mode", a.readOnlyWhy)
			}
			return a.Fail(errorf("write mode refused: " + a.readOnlyWhy))
		}
		return a.Fail(errorf("this session is read-only (started with --readonly): restart without it to make changes"))
	}
	a.Ask("reason for write mode:", func(a *App, reason string) tea.Cmd {
		if strings.TrimSpace(reason) == "" {
			return a.Fail(errorf("write mode needs a reason (a ticket id, say)"))
		}
		a.enterWrite(reason)
		return tea.Batch(a.writeTick(), a.Flash("write mode on for "+fmtDuration(a.writeFor)+": "+reason))
	})
	return nil
}

func cmdReadOnly(a *App, _ string) tea.Cmd {
	a.leaveWrite()
	return a.Flash("read-only")
}

func cmdTheme(a *App, arg string) tea.Cmd {
	if a.themes == nil {
		return a.Fail(errorf("themes are not configurable here"))
	}
	st, err := a.themes(arg)
	if err != nil {
		return a.Fail(err)
	}
	a.autoTheme = false
	a.setStyles(st)
	return a.Flash("theme " + arg)
}

type uiError string

func (e uiError) Error() string { return string(e) }

func errorf(s string) error { return uiError(s) }

// workflowCommands are the ":" commands of the workflows.
func workflowCommands() []command {
	return []command{
		{"ota", []string{"firmware", "updates"}, "ota [product]", "devices with a firmware update, per product; confirm several", cmdOTA},
		{"call", []string{"uds", "service"}, "call <service>[/method]", "call a cloud service (UDS) with a JSON body", cmdCall},
		{"watch", []string{"tail", "events"}, "watch [device id|physical id …]", "live events of several devices, merged", cmdWatch},
		{"share", nil, "share", "share code and QR of the device or home in view", cmdShare},
	}
}

// cmdShare shares what the operator is looking at: the device page, or
// the home under the cursor of a homes list.
func cmdShare(a *App, _ string) tea.Cmd {
	switch p := a.top().(type) {
	case *devicePage:
		if p.detail == nil {
			return a.Fail(errorf("the device is still loading"))
		}
		return a.Push(newDeviceSharePage(p.ref, *p.detail))
	case *listPage[models.Home]:
		if h, ok := p.tbl.CursorRow(); ok {
			return a.Push(newHomeSharePage(homeViewer(a), h))
		}
	}
	return a.Fail(errorf("open a device or a homes list (:homes), then :share"))
}

// homeViewer is the user whose homes are in view (0 when none).
func homeViewer(a *App) int64 {
	id, _ := userInView(a)
	return id
}
