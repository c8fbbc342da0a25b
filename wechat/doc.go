// Package wechat is a device vendor's WeChat official-account backend for an
// AbleCloud cloud: the Go counterpart of the PHP SDK's ACBridgeWeChat
// (PROTOCOL §4.5), the callback handler WeChat pushes to (§4.3), and the
// message push of the seed guide (消息推送): alerts from a cloud service go
// to a user's open H5 page over WebSocket, or else as a WeChat template
// message.
//
// # Pieces
//
//   - Bridge keeps AbleCloud (the record) and the WeChat hardware platform in
//     step: users are AbleCloud accounts with a "weixin" OpenID; a device
//     binding in one is mirrored in the other with compel_bind /
//     compel_unbind. Every method of ACBridgeWeChat is here, with the sync
//     rules of §4.5.
//   - Callback is the http.Handler for the account's callback URL: the GET
//     URL check, signed push XML, de-duplication of WeChat's retries,
//     dispatch to the Bridge and passive replies.
//   - Pusher is the data-push endpoint a cloud service calls with an alert,
//     the WebSocket endpoint H5 pages hold open, the per-user rate limit and
//     the record of deliveries.
//   - Server puts them on one mux: /wechat, /push, /deliveries, /ws,
//     /ws-token and /page, a minimal H5 page that holds the channel open and
//     shows the alerts.
//
// # Errors
//
// Bridge methods return an *Error, which keeps the AbleCloud code and the
// WeChat code apart (a sync can fail on either side), and also remember the
// outcome of the latest call for LastError, the PHP SDK's getLastError.
//
// A method fails when its own action fails. The syncs it runs afterwards
// (the sync rules of §4.5) are best effort: their failures are logged and
// the next sync repairs what they left, because failing a bind that
// happened in AbleCloud would only make WeChat retry a push that already
// did its work. SyncBindings and SyncBindingsByDevice report their failures.
//
// # Decisions where the protocol is silent
//
// They are listed with the code that implements them; the main ones:
// AbleCloud is the record whenever the two sides disagree; a refused bind
// (for instance a device owned by someone else scanned without a share code)
// is rolled back in WeChat by the sync that follows it; a failed push is
// answered with HTTP 500 only when a retry can help (network, timeouts),
// otherwise "success"; pushes are answered within four seconds whatever
// happens, and work that takes longer finishes in the background. A
// refused scan is also answered with a passive text reply that tells the
// scanner why (the protocol needs no reply body there; without one the
// device would vanish from the user's list unexplained).
//
// # Language
//
// What WeChat users read (those replies, the template messages' times, the
// H5 page) comes from the i18n catalogs (area "wechat") in Options.Lang,
// Chinese by default: the official accounts' users read Chinese, whatever
// the server's locale. Logs, JSON, XML field names and the alerts' own
// texts (a cloud service's data) are passed on as they are.
package wechat
