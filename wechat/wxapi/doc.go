// Package wxapi is a client for the WeChat official-account APIs that a
// device vendor's backend calls (PROTOCOL §4.1–§4.2): the hardware-platform
// device endpoints under /device/ (transmsg, QR codes, authorisation,
// bind/unbind, forced bind/unbind, status and binding look-ups), the
// access-token endpoint and template-message sending.
//
// Every method takes a context and is bounded by a deadline (the caller's, or
// Config.Timeout when the caller sets none), so a stalled WeChat server can
// never hang the bridge. Responses are read up to a size limit and decoded
// strictly: truncated or malformed JSON is reported as an error wrapping
// ErrBadResponse, never a panic and never a zero-valued "success".
//
// WeChat reports failures in four different wrappings depending on the
// endpoint (top-level errcode, base_resp.errcode, resp_msg.ret_code and the
// transmsg ret). All of them come back as one type, *Error, so callers handle
// a single shape.
//
// The client fetches and caches the access token itself and refreshes it
// shortly before it expires. When WeChat still answers 40001 (invalid
// credential) or 42001 (token expired), for instance because another process
// fetched a new token and invalidated ours, the client drops its token, gets a
// new one and retries that call exactly once.
//
// Strings that come back from WeChat and may reach a screen (ids, tickets,
// error messages) are passed through models.SanitizeLine at decode time.
package wxapi
