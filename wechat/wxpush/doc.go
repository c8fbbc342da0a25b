// Package wxpush is the receiving side of a WeChat official account: what
// WeChat POSTs to the vendor's callback URL (PROTOCOL §4.3) and what the
// vendor answers.
//
// It verifies callback signatures (CheckSignature), parses push XML into a
// typed Message (ParseMessage, ReadMessage), decodes the third-party data
// carried in a device bind's Content (DecodeQRContent, PROTOCOL Q7), builds
// the device_status passive reply (StatusReply), suppresses WeChat's retries
// of the same push (Deduper), and builds and splits AbleCloud's augmented QR
// strings (BuildQRString, SplitQRString, PROTOCOL §4.4).
//
// Push bodies come from the Internet, so parsing is deliberately strict: a
// 64 KiB limit, no DOCTYPE or entity declarations, no entity references
// beyond the five XML predefined ones, exactly one <xml> root, no duplicated
// fields. Every string in a Message is sanitised (models.SanitizeLine, or
// SanitizeText for Content) because device ids, open ids and share codes end
// up on operators' screens.
//
// The package does no I/O beyond reading a request body and knows nothing of
// AbleCloud; the bridge combines it with wxapi and acapi.
package wxpush
