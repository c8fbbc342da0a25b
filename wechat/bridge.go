package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"acconsole/acapi"
	"acconsole/i18n"
	"acconsole/internal/clock"
	"acconsole/models"
	"acconsole/wechat/wxapi"
)

// Provider is the OpenID provider of every account the bridge handles
// (PROTOCOL §3.1).
const Provider = "weixin"

// maxOpenIDLen bounds the OpenIDs the bridge accepts; WeChat's are 28
// characters, and an unbounded one would end up in cloud records and logs.
const maxOpenIDLen = 128

// Bridge-local error codes, for failures that neither AbleCloud nor WeChat
// reported with a code of their own. They are negative and far below -1 so
// that they collide with neither AbleCloud's codes (3000 and up) nor
// WeChat's (-1 "system busy", 4xxxx, …).
const (
	// CodeInvalidInput: the bridge refused its input (a push without an
	// OpenID, an empty physical id, a share code for another device…)
	// before calling anyone.
	CodeInvalidInput = -1001
	// CodeNoAnswer: WeChat could not be reached or gave an answer without
	// a code (truncated, not JSON, HTTP error…).
	CodeNoAnswer = -1002
	// CodeNotAuthorized: WeChat's get_stat says the device is not
	// authorised on the hardware platform, so nobody can bind it there.
	CodeNotAuthorized = -1003
)

// Error is the failure of a Bridge method. AbleCloud and WeChat codes are
// kept apart because one operation touches both: a sync can fail in
// AbleCloud's listing and in WeChat's compel_bind at once.
type Error struct {
	Op string // the Bridge method, e.g. "OnDeviceEventBind"
	// Code is what LastError reports as ErrCode: ACCode when AbleCloud
	// failed, else WXCode, else one of the bridge-local codes.
	Code   int
	ACCode int // AbleCloud errorCode, 0 when AbleCloud did not fail
	WXCode int // WeChat errcode, 0 when WeChat did not fail
	Msg    string
	Err    error // the underlying error(s)
}

func (e *Error) Error() string {
	return fmt.Sprintf("wechat: %s: %s (code %d)", e.Op, e.Msg, e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

// LastError is the outcome of the latest Bridge call, as the PHP SDK's
// getLastError returns it: ErrCode 0 means that call succeeded.
type LastError struct {
	ErrCode    int
	ErrMessage string
}

// Options tune a Bridge. Every field has a default.
type Options struct {
	Logger *slog.Logger
	// Clock is the bridge's time, and its pusher's and callback's unless
	// they are given their own; nil is the wall clock.
	Clock clock.Clock
	// Lang is the language of what WeChat users read from the bridge: the
	// replies to a refused scan, the template messages' values and the H5
	// page. "" means Chinese, the language of the official accounts'
	// users; logs and machine output stay language-neutral.
	Lang i18n.Lang
}

// Bridge mirrors users and device bindings between AbleCloud and the WeChat
// hardware platform (ACBridgeWeChat, PROTOCOL §4.5). It is safe for
// concurrent use.
type Bridge struct {
	ac        *acapi.Client
	wx        *wxapi.Client
	accountID string
	log       *slog.Logger
	now       func() time.Time
	tr        *i18n.Translator

	mu   sync.Mutex
	last LastError
}

// NewBridge returns a Bridge. ac must be developer-signed without an acting
// user (the bridge acts for each user with As); wx talks to the official
// account whose original id (gh_…) is accountID, which is also the
// device_type of every device.
func NewBridge(ac *acapi.Client, wx *wxapi.Client, accountID string, opt Options) (*Bridge, error) {
	switch {
	case ac == nil:
		return nil, errors.New("wechat: NewBridge needs an AbleCloud client")
	case wx == nil:
		return nil, errors.New("wechat: NewBridge needs a WeChat client")
	case ac.ActingUser() != 0:
		// An acting user would make developer-scope look-ups (listUsers,
		// getDeviceId) answer for that user only, and syncs would unbind
		// everybody else.
		return nil, errors.New("wechat: NewBridge needs a plain developer client, not one acting for a user")
	case accountID == "":
		return nil, errors.New("wechat: NewBridge needs the account's original id (gh_…)")
	}
	lang := opt.Lang
	if lang == "" {
		lang = i18n.Chinese
	}
	b := &Bridge{ac: ac, wx: wx, accountID: accountID, log: opt.Logger, now: clock.Or(opt.Clock).Now, tr: i18n.For(lang)}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return b, nil
}

// AccountID returns the official account's original id (gh_…).
func (b *Bridge) AccountID() string { return b.accountID }

// Lang returns the language WeChat users read the bridge's texts in.
func (b *Bridge) Lang() i18n.Lang { return b.tr.Lang() }

// LastError returns the outcome of the latest Bridge call. Concurrent
// callers see whichever call finished last; they should use the returned
// errors instead, and LastError exists for code ported from the PHP SDK.
func (b *Bridge) LastError() LastError {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// done finishes an exported method: it turns err into an *Error for op and
// records the outcome for LastError.
func (b *Bridge) done(op string, err error) error {
	var out *Error
	if err != nil {
		out = asError(op, err)
	}
	b.mu.Lock()
	if out == nil {
		b.last = LastError{}
	} else {
		b.last = LastError{ErrCode: out.Code, ErrMessage: out.Msg}
	}
	b.mu.Unlock()
	if out == nil {
		return nil
	}
	return out
}

// asError classifies err. errors.As walks joined errors too, so a sync that
// failed on both sides yields both codes.
func asError(op string, err error) *Error {
	var be *Error
	if errors.As(err, &be) && be.Op == op {
		return be
	}
	e := &Error{Op: op, Msg: err.Error(), Err: err}
	if be != nil {
		e.ACCode, e.WXCode, e.Code = be.ACCode, be.WXCode, be.Code
	}
	var ae *acapi.Error
	if errors.As(err, &ae) && e.ACCode == 0 {
		e.ACCode = ae.Code
	}
	var we *wxapi.Error
	if errors.As(err, &we) && e.WXCode == 0 {
		e.WXCode = we.Code
	}
	switch {
	case e.ACCode != 0:
		e.Code = e.ACCode
	case e.WXCode != 0:
		e.Code = e.WXCode
	case e.Code != 0:
	case errors.Is(err, wxapi.ErrInvalidArgument):
		e.Code = CodeInvalidInput
	default:
		e.Code = CodeNoAnswer
	}
	return e
}

// invalid is a refusal of the bridge's own input.
func invalid(op, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Op: op, Code: CodeInvalidInput, Msg: msg, Err: errors.New(msg)}
}

// refused is a refusal of the bridge's own input of a kind the reply to
// the user explains (errors.Is(err, kind) picks the reply).
func refused(op string, kind error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Op: op, Code: CodeInvalidInput, Msg: msg, Err: fmt.Errorf("%w: %s", kind, msg)}
}

// Retryable reports whether trying the same operation again may succeed:
// the network, a timeout, a busy or unreadable service. Everything else
// (no permission, already bound, not authorised…) fails the same way on a
// retry, so the callback handler acknowledges such pushes instead of making
// WeChat send them again.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ae *acapi.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case models.ErrInternal, models.ErrServiceDown, models.ErrRequestTimeout, models.ErrNetwork:
			return true
		}
		return ae.HTTPStatus != 0
	}
	var we *wxapi.Error
	if errors.As(err, &we) {
		return we.Code == -1 // WeChat's "system busy"
	}
	var be *Error
	if errors.As(err, &be) {
		return be.Code == CodeNoAnswer
	}
	// An unreadable or unreachable WeChat (wxapi wraps ErrBadResponse or a
	// transport error without a code).
	return !errors.Is(err, wxapi.ErrInvalidArgument)
}

// checkOpenID validates an OpenID from a push or a caller.
func checkOpenID(op, openID string) error {
	if openID == "" {
		return invalid(op, "no OpenID")
	}
	if len(openID) > maxOpenIDLen || strings.ContainsAny(openID, " \t\r\n") {
		return invalid(op, "OpenID %q is not a WeChat OpenID", clip(openID))
	}
	return nil
}

// checkPID validates a physical device id (PROTOCOL §3.2: 16 characters for
// Wi-Fi, 10 for BLE; other lengths are left to AbleCloud to judge).
func checkPID(op, pid string) error {
	if pid == "" {
		return invalid(op, "no device id")
	}
	if len(pid) > 64 || strings.ContainsAny(pid, " \t\r\n") {
		return invalid(op, "device id %q is not a physical device id", clip(pid))
	}
	return nil
}

// clip shortens a refused value for an error message, on a rune boundary.
func clip(s string) string {
	s = models.SanitizeLine(s)
	n := 0
	for i := range s {
		if n == 40 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// --- users ------------------------------------------------------------------

// lookupUser finds the AbleCloud account of an OpenID (3501 when none).
func (b *Bridge) lookupUser(ctx context.Context, openID string) (models.User, error) {
	return b.ac.Account().GetUserByOpenID(ctx, Provider, openID, "")
}

// ensureUser finds the account of an OpenID, registering one on 3501
// (PROTOCOL §4.5 onEventSubscribe). Two pushes of a new user can race to
// register; the loser's 3502 sends it back to the look-up.
func (b *Bridge) ensureUser(ctx context.Context, openID, unionID string) (models.User, error) {
	acc := b.ac.Account()
	u, err := acc.GetUserByOpenID(ctx, Provider, openID, unionID)
	if acapi.Code(err) != models.ErrAccountAbsent {
		return u, err
	}
	u, err = acc.RegisterWithOpenID(ctx, Provider, openID, unionID)
	if acapi.Code(err) == models.ErrAccountExists {
		return acc.GetUserByOpenID(ctx, Provider, openID, unionID)
	}
	if err == nil {
		b.log.Info("registered a WeChat user", "openid", openID, "user", u.UserID)
	}
	return u, err
}

// userDevices lists a user's devices.
func (b *Bridge) userDevices(ctx context.Context, userID int64, withStatus bool) ([]models.Device, error) {
	return b.ac.As(userID).Bind().ListDevices(ctx, withStatus)
}

// findDevice picks the device with physical id pid from a user's list,
// preferring product sub when the same physical id exists in two products.
func findDevice(devs []models.Device, pid, sub string) (models.Device, bool) {
	var found models.Device
	ok := false
	for _, d := range devs {
		if d.PhysicalDeviceID != pid {
			continue
		}
		if !ok || d.SubDomainName == sub {
			found, ok = d, true
		}
	}
	return found, ok
}

// isGatewayIn reports whether d is a gateway: its product is configured as
// one, or another of the listed devices hangs off it.
func isGatewayIn(d models.Device, devs []models.Device, gw func(string) bool) bool {
	if gw != nil && gw(d.SubDomainName) {
		return true
	}
	for _, o := range devs {
		if o.DeviceID != d.DeviceID && o.GatewayDeviceID == d.DeviceID {
			return true
		}
	}
	return false
}

// unbindAC removes the user from a device in AbleCloud (an owner's unbind
// removes every user, PROTOCOL §2.2.1). A device the user no longer has
// counts as done, so that retried pushes are harmless.
func (b *Bridge) unbindAC(ctx context.Context, userID int64, d models.Device, gateway bool) error {
	bind := b.ac.As(userID).Bind()
	var err error
	if gateway {
		err = bind.UnbindGateway(ctx, d.SubDomainName, d.DeviceID)
	} else {
		err = bind.UnbindDevice(ctx, d.SubDomainName, d.DeviceID)
	}
	switch acapi.Code(err) {
	case models.ErrDeviceAbsent, models.ErrDeviceNotBound:
		return nil
	}
	return err
}

// constGateway turns the PHP-style isGateway flag into the per-product
// function the internal methods take.
func constGateway(isGateway bool) func(string) bool {
	return func(string) bool { return isGateway }
}
