// Package wxemu emulates the WeChat side of an official account with the
// device (hardware platform) feature, so the bridge can be tested and demoed
// on a laptop with no WeChat account.
//
// An *Emulator is two things:
//
//   - An http.Handler serving the WeChat APIs the vendor backend calls
//     (PROTOCOL §4.2, plus /cgi-bin/token and template-message sending). It
//     issues expiring access tokens (a token superseded by a newer one keeps
//     working for TokenOverlap, five minutes, then answers 40001, as on
//     WeChat), checks them on every call, and answers in each endpoint's own
//     error wrapping, so a client cannot get away with reading only one of
//     them. Tests can force tokens to expire or become invalid, inject
//     errors, count calls, and read every template message (with what WeChat
//     shows of it, TemplateMessage.Shown) and transmsg that was sent. QR
//     tickets encode the account and the device, so every emulator of one
//     account reads the others' QR codes.
//
//   - The WeChat platform that POSTs signed push XML to the vendor's
//     callback URL: Follow, Unfollow, ScanQR, UnbindDevice, OpenDevicePage
//     and CloseDevicePage act like a user in the WeChat app, changing the
//     emulator's state first (as WeChat does) and then pushing the events
//     WeChat would push. PushRaw replays an exact body, for retry and
//     idempotency tests.
//
// ControlHandler adds a JSON control API under /control/ beside the WeChat
// APIs, so a person can play WeChat users with curl. What it needs from the
// vendor's side (the bridge's QR text, the warehouse's devices, page-channel
// tokens) comes in as funcs in ControlOptions, keeping this package free of
// the bridge and the AbleCloud client.
//
// The emulator is written from PROTOCOL.md, not from wxapi or wxpush (it
// imports neither), so that tests of those packages against it check one
// reading of the protocol against another.
//
// Where the real platform's behaviour or error codes are unknown, the
// emulator chooses the stricter plausible behaviour (for instance, transmsg
// to an unbound user fails) and keeps its invented error codes in one table
// (codes.go).
//
// All methods are safe for concurrent use. Pushes are sent without holding
// the emulator's lock, because the bridge typically calls back into the
// emulator's API while handling a push.
package wxemu
