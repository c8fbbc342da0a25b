package acapi

import (
	"context"
	"strings"

	"acconsole/models"
)

// MaxLookupScan bounds how many warehouse records FindDevices reads when it
// has to scan (a MAC or a physical id in another letter case): the protocol
// has no search by MAC, so the scan is a paged listDevices.
const MaxLookupScan = 100_000

const lookupPage = 1000

// FindDevices resolves what an operator types for a device: a physical id
// in any letter case, or a MAC address with or without separators. An
// exact physical id wins on its own; otherwise every warehouse record whose
// physical id matches without regard to case or whose MAC matches is
// returned (none: an empty slice and no error). scanned tells whether the
// warehouse was scanned and truncated whether the scan stopped at
// MaxLookupScan records.
func (w Warehouse) FindDevices(ctx context.Context, query string) (found []models.DeviceInfo, truncated bool, err error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return nil, false, &Error{Code: models.ErrInvalidParam, Message: "a physical id or a MAC is needed"}
	}
	var tries []string
	for _, s := range []string{q, strings.ToUpper(q), strings.ToLower(q)} {
		if !containsString(tries, s) && printableID(s) {
			tries = append(tries, s)
		}
	}
	if len(tries) > 0 {
		infos, err := w.GetDevicesInfo(ctx, tries)
		if err != nil {
			return nil, false, err
		}
		for _, in := range infos {
			if in.Status == 0 { // "not exist" (PROTOCOL §3.7)
				continue
			}
			if in.PhysicalDeviceID == q {
				return []models.DeviceInfo{in}, false, nil
			}
			found = append(found, in)
		}
	}
	mac := NormalizeMAC(q)
	if mac == "" {
		// Only a MAC needs the scan; a case variant the batch did not
		// cover (mixed case) is rare enough to be typed exactly.
		return found, false, nil
	}
	seen := map[string]bool{}
	for _, f := range found {
		seen[f.SubDomain+"/"+f.PhysicalDeviceID] = true
	}
	for off := 0; off < MaxLookupScan; off += lookupPage {
		page, err := w.ListDevices(ctx, "", off, lookupPage)
		if err != nil {
			return nil, false, err
		}
		for _, in := range page {
			key := in.SubDomain + "/" + in.PhysicalDeviceID
			if seen[key] {
				continue
			}
			if NormalizeMAC(in.MAC) == mac || strings.EqualFold(in.PhysicalDeviceID, q) {
				seen[key] = true
				found = append(found, in)
			}
		}
		if len(page) < lookupPage {
			return found, false, nil
		}
	}
	return found, true, nil
}

// NormalizeMAC returns the 12 hex digits of a MAC address in upper case,
// with ':', '-', '.' and spaces removed, or "" when s is not one.
func NormalizeMAC(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ':' || r == '-' || r == '.' || r == ' ':
		case r >= '0' && r <= '9', r >= 'A' && r <= 'F':
			b.WriteRune(r)
		case r >= 'a' && r <= 'f':
			b.WriteRune(r - 'a' + 'A')
		default:
			return ""
		}
	}
	if b.Len() != 12 {
		return ""
	}
	return b.String()
}

func printableID(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// PhoneForms lists the spellings under which the account service may hold
// the phone number s, most likely first: what was typed without spaces,
// dashes or brackets ("00" read as "+"), and for a mainland China mobile
// number (11 digits starting with 1) the form with and without "+86". It
// is nil when s is not a phone number (an optional + and 6 to 20 digits).
func PhoneForms(s string) []string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return nil
		}
	}
	p := b.String()
	if strings.HasPrefix(p, "00") {
		p = "+" + p[2:]
	}
	digits := strings.TrimPrefix(p, "+")
	if len(digits) < 6 || len(digits) > 20 || strings.Contains(digits, "+") {
		return nil
	}
	forms := []string{p}
	mobileCN := func(d string) bool { return len(d) == 11 && d[0] == '1' }
	switch {
	case strings.HasPrefix(p, "+86") && mobileCN(p[3:]):
		forms = append(forms, p[3:])
	case !strings.HasPrefix(p, "+") && mobileCN(p):
		forms = append(forms, "+86"+p)
	case !strings.HasPrefix(p, "+"):
		forms = append(forms, "+"+p)
	}
	return forms
}

// SplitOpenID reads "provider:openid" as the console shows an OpenID
// ("weixin:otzg…"). ok is false when s has no provider prefix.
func SplitOpenID(s string) (provider, openID string, ok bool) {
	provider, openID, ok = strings.Cut(strings.TrimSpace(s), ":")
	if !ok || provider == "" || len(provider) > 32 || strings.TrimSpace(openID) == "" {
		return "", "", false
	}
	for _, r := range provider {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", "", false
		}
	}
	return strings.ToLower(provider), strings.TrimSpace(openID), true
}
