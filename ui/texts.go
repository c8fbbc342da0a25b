package ui

import (
	"strings"

	"acconsole/i18n"
	"acconsole/models"
)

// Small texts the pages share.

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// shortID is the tail of a physical id, for default names and narrow
// columns ("Bulb 3F2A").
func shortID(pid string) string {
	if len(pid) > 4 {
		return strings.ToUpper(pid[len(pid)-4:])
	}
	return strings.ToUpper(pid)
}

// userLabel names a device's user in English (userLabelIn for the
// screen's language).
func userLabel(u models.DeviceUser) string { return userLabelIn(neutral(), u) }

// userLabelIn names a device's user by nickname, phone or email, with the
// user id; a user without any is "user #id" in tr's language.
func userLabelIn(tr *i18n.Translator, u models.DeviceUser) string {
	name := u.NickName
	if name == "" {
		name = u.Phone
	}
	if name == "" {
		name = u.Email
	}
	if name == "" {
		return tr.T("shell.user_label", "ID", u.UserID)
	}
	return tr.T("shell.user_label_named", "Name", models.SanitizeLine(name), "ID", u.UserID)
}

// deviceTitle names a device in page titles and questions.
func deviceTitle(d DeviceDetail) string {
	name := d.Device.Name
	if name == "" {
		name = d.Device.PhysicalDeviceID
	}
	return models.SanitizeLine(name)
}
