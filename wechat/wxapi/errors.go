package wxapi

import (
	"errors"
	"fmt"
)

// WeChat error codes the client gives a meaning to. The access-token codes
// trigger the refresh-and-retry path; the transmsg code is documented in
// PROTOCOL §4.2 for the status variant.
const (
	CodeInvalidCredential = 40001 // access token invalid (e.g. replaced by a newer one)
	CodeTokenExpired      = 42001 // access token expired
	// CodeStatusUnsubscribed is the transmsg ret when the user has
	// unsubscribed from the device's status.
	CodeStatusUnsubscribed = -1
)

// Error is a failure reported by WeChat itself, whatever wrapping the
// endpoint uses (top-level errcode, base_resp, resp_msg.ret_code, transmsg
// ret, or a per-device errcode in authorize_device).
type Error struct {
	Op   string // endpoint, e.g. "bind", "get_stat", "token", "template_send"
	Code int    // WeChat's errcode / ret_code / ret
	Msg  string // WeChat's message, sanitised
}

func (e *Error) Error() string {
	return fmt.Sprintf("wxapi: %s: errcode %d: %s", e.Op, e.Code, e.Msg)
}

// TokenInvalid reports whether the error means the access token was rejected,
// the only case in which retrying with a fresh token can help.
func (e *Error) TokenInvalid() bool {
	return e.Code == CodeInvalidCredential || e.Code == CodeTokenExpired
}

// ErrBadResponse is wrapped by every error about a response the client could
// not understand: non-200 status, empty, oversized, truncated or malformed
// body, or a success response that lacks a field the call needs. It is
// distinct from *Error so that "WeChat said no" and "WeChat said something
// unreadable" are never confused.
var ErrBadResponse = errors.New("bad response")

// ErrInvalidArgument is wrapped when a call is refused before any network
// traffic because an argument is empty or inconsistent.
var ErrInvalidArgument = errors.New("invalid argument")

// IsCode reports whether err is (or wraps) a *Error with the given code.
func IsCode(err error, code int) bool {
	var we *Error
	return errors.As(err, &we) && we.Code == code
}

func badResponse(op, format string, args ...any) error {
	return fmt.Errorf("wxapi: %s: %w: %s", op, ErrBadResponse, fmt.Sprintf(format, args...))
}

func invalidArg(op, format string, args ...any) error {
	return fmt.Errorf("wxapi: %s: %w: %s", op, ErrInvalidArgument, fmt.Sprintf(format, args...))
}
