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
	usage   string // catalog id: how to type it (arguments in the screen's language)
	desc    string // catalog id: what it does
	run     func(a *App, arg string) tea.Cmd
}

var commandTable []command

func init() {
	commandTable = []command{
		{"users", []string{"u", "accounts"}, "cmd.users.usage", "cmd.users.descr", func(a *App, _ string) tea.Cmd { return a.Replace(newUsersPage()) }},
		{"user", nil, "cmd.user.usage", "cmd.user.descr", cmdUser},
		{"devices", []string{"dev", "fleet"}, "cmd.devices.usage", "cmd.devices.descr", func(a *App, _ string) tea.Cmd { return a.Replace(newFleetPage()) }},
		{"device", nil, "cmd.device.usage", "cmd.device.descr", cmdDevice},
		{"homes", []string{"home"}, "cmd.homes.usage", "cmd.homes.descr", cmdHomes},
		{"gateways", []string{"gw"}, "cmd.gateways.usage", "cmd.gateways.descr", cmdGateways},
		{"audit", nil, "cmd.audit.usage", "cmd.audit.descr", func(a *App, _ string) tea.Cmd { return a.Push(newAuditPage()) }},
		{"outbox", []string{"sms"}, "cmd.outbox.usage", "cmd.outbox.descr", func(a *App, _ string) tea.Cmd { return a.Push(newOutboxPage()) }},
		{"sessions", nil, "cmd.sessions.usage", "cmd.sessions.descr", cmdSessions},
		{"write", nil, "cmd.write.usage", "cmd.write.descr", cmdWrite},
		{"readonly", []string{"ro"}, "cmd.readonly.usage", "cmd.readonly.descr", cmdReadOnly},
		{"theme", nil, "cmd.theme.usage", "cmd.theme.descr", cmdTheme},
		{"lang", []string{"language"}, "cmd.lang.usage", "cmd.lang.descr", cmdLang},
	}
	commandTable = append(commandTable, workflowCommands()...)
	commandTable = append(commandTable, []command{
		{"q", []string{"quit", "exit"}, "cmd.q.usage", "cmd.q.descr", func(a *App, _ string) tea.Cmd { return a.quit() }},
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
			return a.Fail(errorf(a.T("commands.unknown", "Name", strconv.Quote(models.SanitizeLine(name)), "Key", a.keyLabel(ActHelp))))
		default:
			var names []string
			for _, x := range cands {
				names = append(names, ":"+x.name)
			}
			return a.Fail(errorf(a.T("commands.ambiguous", "Name", strconv.Quote(models.SanitizeLine(name)),
				"Commands", strings.Join(names, a.T("commands.or")))))
		}
	}
	return c.run(a, strings.TrimSpace(arg))
}

func cmdUser(a *App, arg string) tea.Cmd {
	if arg == "" {
		return a.Fail(errorf(a.T("commands.usage", "Usage", a.T("cmd.user.usage"))))
	}
	return a.Push(newFindUserPage(arg))
}

func cmdDevice(a *App, arg string) tea.Cmd {
	if arg == "" {
		return a.Fail(errorf(a.T("commands.usage", "Usage", a.T("cmd.device.usage"))))
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
	return a.Fail(errorf(a.T("commands.user_first", "Command", ":homes")))
}

func cmdGateways(a *App, _ string) tea.Cmd {
	if uid, _ := userInView(a); uid != 0 {
		return a.Push(newDeviceList("lists.title.gateways", uid, func(ctx context.Context, api API) ([]models.Device, error) {
			return api.Gateways(ctx, uid)
		}, true))
	}
	return a.Fail(errorf(a.T("commands.user_first", "Command", ":gateways")))
}

func cmdWrite(a *App, _ string) tea.Cmd {
	if !a.profile.CanWrite {
		if a.readOnlyWhy != "" {
			if a.refused != nil {
				a.refused("write mode", a.readOnlyWhy)
			}
			return a.Fail(errorf(a.T("commands.write_refused", "Why", a.readOnlyWhy)))
		}
		return a.Fail(errorf(a.T("commands.session_read_only")))
	}
	a.Ask(a.T("commands.write_reason"), func(a *App, reason string) tea.Cmd {
		if strings.TrimSpace(reason) == "" {
			return a.Fail(errorf(a.T("commands.write_needs_reason")))
		}
		a.enterWrite(reason)
		return tea.Batch(a.writeTick(), a.Flash(a.T("commands.write_on", "Span", spanIn(a.tr, a.writeFor), "Reason", reason)))
	})
	return nil
}

func cmdReadOnly(a *App, _ string) tea.Cmd {
	a.leaveWrite()
	return a.Flash(a.T("commands.read_only"))
}

func cmdTheme(a *App, arg string) tea.Cmd {
	if a.themes == nil {
		return a.Fail(errorf(a.T("commands.no_themes")))
	}
	st, err := a.themes(arg)
	if err != nil {
		return a.Fail(err)
	}
	a.autoTheme = false
	a.setStyles(st)
	return a.Flash(a.T("commands.theme", "Theme", arg))
}

type uiError string

func (e uiError) Error() string { return string(e) }

func errorf(s string) error { return uiError(s) }

// workflowCommands are the ":" commands of the workflows.
func workflowCommands() []command {
	return []command{
		{"ota", []string{"firmware", "updates"}, "cmd.ota.usage", "cmd.ota.descr", cmdOTA},
		{"call", []string{"uds", "service"}, "cmd.call.usage", "cmd.call.descr", cmdCall},
		{"watch", []string{"tail", "events"}, "cmd.watch.usage", "cmd.watch.descr", cmdWatch},
		{"share", nil, "cmd.share.usage", "cmd.share.descr", cmdShare},
	}
}

// cmdShare shares what the operator is looking at: the device page, or
// the home under the cursor of a homes list.
func cmdShare(a *App, _ string) tea.Cmd {
	switch p := a.top().(type) {
	case *devicePage:
		if p.detail == nil {
			return a.Fail(errorf(a.T("commands.device_loading")))
		}
		return a.Push(newDeviceSharePage(p.ref, *p.detail))
	case *listPage[models.Home]:
		if h, ok := p.tbl.CursorRow(); ok {
			return a.Push(newHomeSharePage(homeViewer(a), h))
		}
	}
	return a.Fail(errorf(a.T("commands.share_what")))
}

// homeViewer is the user whose homes are in view (0 when none).
func homeViewer(a *App) int64 {
	id, _ := userInView(a)
	return id
}
