package acapi

import (
	"errors"
	"fmt"

	"acconsole/models"
)

// Error is every failure of a call: an X-Zc-Err answer from the cloud, an
// HTTP status outside the protocol, or a transport failure (code 3012 for a
// deadline, 3013 for the network).
type Error struct {
	Code    int
	Message string // the server's message, sanitised
	Service string
	Method  string
	TraceID string
	// HTTPStatus is set when the router answered outside the protocol.
	HTTPStatus int
	// Cause is the underlying transport error, if any.
	Cause error
}

func (e *Error) Error() string {
	msg := models.ErrorText(e.Code)
	if e.HTTPStatus != 0 && e.Code == e.HTTPStatus {
		msg = "router answered HTTP " + fmt.Sprint(e.HTTPStatus)
	}
	s := fmt.Sprintf("%s/%s: %s (%d)", e.Service, e.Method, msg, e.Code)
	if e.Message != "" && e.Message != msg {
		s += ": " + e.Message
	}
	if e.TraceID != "" {
		s += " [trace " + e.TraceID + "]"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// Is lets errors.Is match the sentinels below by code.
func (e *Error) Is(target error) bool {
	k, ok := target.(kind)
	if !ok {
		return false
	}
	for _, c := range kindCodes[k] {
		if c == e.Code {
			return true
		}
	}
	return false
}

// Human is the message for a person: what happened, without service
// plumbing.
func (e *Error) Human() string {
	if e.Message != "" && e.Message != models.ErrorText(e.Code) {
		return models.ErrorText(e.Code) + ": " + e.Message
	}
	return models.ErrorText(e.Code)
}

type kind int

func (k kind) Error() string { return kindNames[k] }

// Sentinels for the common outcomes; match with errors.Is.
var (
	ErrNotFound     error = kind(1)
	ErrAlreadyBound error = kind(2)
	ErrOffline      error = kind(3)
	ErrSignature    error = kind(4)
	ErrPermission   error = kind(5)
	ErrTimeout      error = kind(6)
	ErrNetwork      error = kind(7)
	ErrTokenExpired error = kind(8)
)

// ErrReadOnly is returned, before any network I/O, for a mutating call on a
// read-only client.
var ErrReadOnly = errors.New("read-only: this change needs write mode")

var kindNames = map[kind]string{
	1: "not found", 2: "already bound", 3: "device offline", 4: "signature rejected",
	5: "no permission", 6: "timed out", 7: "network error", 8: "token expired",
}

var kindCodes = map[kind][]int{
	1: {models.ErrAccountAbsent, models.ErrDeviceAbsent, models.ErrGroupAbsent, models.ErrMemberAbsent,
		models.ErrTaskAbsent, models.ErrShareCodeAbsent, models.ErrGatewayAbsent, models.ErrOwnerAbsent,
		models.ErrProfileFieldAbsent},
	2: {models.ErrDeviceAlreadyBound, models.ErrAccountAlreadyBound},
	3: {models.ErrDeviceOffline},
	4: {models.ErrSignatureWrong, models.ErrSignatureExpired},
	5: {models.ErrNoPermission, models.ErrNotAllowed, models.ErrOwnerMismatch},
	6: {models.ErrRequestTimeout, models.ErrDeviceTimeout},
	7: {models.ErrNetwork, models.ErrServiceDown},
	8: {models.ErrAccessTokenExpired, models.ErrRefreshTokenExpired},
}

// Code extracts the AbleCloud error code of err, or 0.
func Code(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}
