package account

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"acconsole/cloud/rpc"
	"acconsole/models"
)

// Limits on what a client may store. They keep one hostile request from
// filling the database or a console screen.
const (
	maxNickName     = 64  // characters
	maxPassword     = 72  // bytes: bcrypt ignores anything longer
	maxOpenID       = 128 // characters of an openId or unionId
	maxEmail        = 254
	maxProfileBytes = 64 << 10
	maxProfileKeys  = 200
	maxProfileKey   = 64
)

// normEmail validates an email address and returns it lowercased, so that
// "Bob@Example.com" and "bob@example.com" are one account.
func normEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	if !emailOK(e) {
		return "", rpc.Errorf(models.ErrInvalidEmail, "%q is not an email address: expected name@example.com", clip(s))
	}
	return e, nil
}

func emailOK(e string) bool {
	if len(e) > maxEmail || !utf8.ValidString(e) {
		return false
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at > 64 || at == len(e)-1 {
		return false
	}
	local, domain := e[:at], e[at+1:]
	for _, r := range local {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`"(),:;<>@[\]`, r) || unicode.IsControl(r) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return false
			}
		}
	}
	return true
}

// normPhone validates a phone number: an optional leading + and 6–20
// digits. Spaces and dashes people type between groups are dropped.
func normPhone(s string) (string, error) {
	p := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	digits := strings.TrimPrefix(p, "+")
	ok := len(digits) >= 6 && len(digits) <= 20
	for i := 0; ok && i < len(digits); i++ {
		ok = digits[i] >= '0' && digits[i] <= '9'
	}
	if !ok {
		return "", rpc.Errorf(models.ErrInvalidPhone, "%q is not a phone number: expected an optional + and 6 to 20 digits", clip(s))
	}
	return p, nil
}

// normAccount reads an account name, which is an email address when it has
// an @ and a phone number otherwise.
func normAccount(s string) (acct string, isEmail bool, err error) {
	if strings.Contains(s, "@") {
		e, err := normEmail(s)
		return e, true, err
	}
	p, err := normPhone(s)
	if err != nil {
		return "", false, rpc.Errorf(models.ErrInvalidPhone, "account %q is neither an email address nor a phone number (optional + and 6 to 20 digits)", clip(s))
	}
	return p, false, nil
}

// checkNickName validates a display name and trims the spaces around it.
// Control characters are refused because the name is shown on terminals.
func checkNickName(s string) (string, error) {
	n := strings.TrimSpace(s)
	if !utf8.ValidString(n) {
		return "", rpc.Errorf(models.ErrInvalidParam, "nickName must be valid UTF-8 text")
	}
	if c := utf8.RuneCountInString(n); c > maxNickName {
		return "", rpc.Errorf(models.ErrInvalidParam, "nickName is %d characters long: at most %d are allowed", c, maxNickName)
	}
	if hasControl(n) {
		return "", rpc.Errorf(models.ErrInvalidParam, "nickName must not contain control characters")
	}
	return n, nil
}

func checkPassword(key, pw string) error {
	if pw == "" {
		return rpc.Errorf(models.ErrInvalidParam, "%s is required", key)
	}
	if len(pw) > maxPassword {
		return rpc.Errorf(models.ErrInvalidParam, "%s is %d bytes long: at most %d are allowed", key, len(pw), maxPassword)
	}
	return nil
}

// normProvider accepts any letter case ("Weixin") but stores the canonical
// lowercase spelling.
func normProvider(s string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(s))
	if !models.ValidProvider(p) {
		return "", rpc.Errorf(models.ErrInvalidParam, "provider %q is not valid: use one of %s", clip(s), strings.Join(models.Providers, ", "))
	}
	return p, nil
}

// checkOpenID validates an openId or unionId (key names it in the message).
func checkOpenID(key, s string, required bool) (string, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		if required {
			return "", rpc.Errorf(models.ErrInvalidParam, "%s is required", key)
		}
		return "", nil
	}
	if !utf8.ValidString(v) || hasControl(v) || utf8.RuneCountInString(v) > maxOpenID {
		return "", rpc.Errorf(models.ErrInvalidParam, "%s must be printable text of at most %d characters", key, maxOpenID)
	}
	return v, nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// clip shortens a client's value for an error message, so that a huge input
// does not come back as a huge error.
func clip(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
