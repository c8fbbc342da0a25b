package ui

import (
	"fmt"
	"strings"

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

func userLabel(u models.DeviceUser) string {
	name := u.NickName
	if name == "" {
		name = u.Phone
	}
	if name == "" {
		name = u.Email
	}
	if name == "" {
		return fmt.Sprintf("user #%d", u.UserID)
	}
	return fmt.Sprintf("%s (#%d)", models.SanitizeLine(name), u.UserID)
}

// deviceTitle names a device in page titles and questions.
func deviceTitle(d DeviceDetail) string {
	name := d.Device.Name
	if name == "" {
		name = d.Device.PhysicalDeviceID
	}
	return models.SanitizeLine(name)
}
