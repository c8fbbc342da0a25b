// Package rpctest signs raw requests for the local cloud's own tests,
// written from PROTOCOL §1.5–§1.6 rather than taken from the acapi client,
// so that the server's tests check the protocol and not the client's
// reading of it.
package rpctest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// Timeout is the signature lifetime every client sends.
const Timeout = 300

// Developer holds a developer's credentials and major domain.
type Developer struct {
	ID          int64
	AccessKey   string // "" leaves X-Zc-Access-Key out
	SecretKey   string
	MajorDomain string
}

// Sign adds the developer-signature headers for method on product sub (may
// be ""), acting for userID when it is not 0. nonce "" uses a fixed one:
// the cloud does not enforce nonce uniqueness (Q10).
func (d Developer) Sign(h http.Header, method, sub string, userID int64, now time.Time, nonce string) {
	if nonce == "" {
		nonce = "abcdEFGH12345678"
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	id := strconv.FormatInt(d.ID, 10)
	m := hmac.New(sha256.New, []byte(d.SecretKey))
	m.Write([]byte(strconv.Itoa(Timeout) + ts + nonce + id + method + d.MajorDomain + sub))
	h.Set("X-Zc-Major-Domain", d.MajorDomain)
	if sub != "" {
		h.Set("X-Zc-Sub-Domain", sub)
	}
	h.Set("X-Zc-Developer-Id", id)
	if d.AccessKey != "" {
		h.Set("X-Zc-Access-Key", d.AccessKey)
	}
	h.Set("X-Zc-Timestamp", ts)
	h.Set("X-Zc-Timeout", strconv.Itoa(Timeout))
	h.Set("X-Zc-Nonce", nonce)
	h.Set("X-Zc-Developer-Signature", hex.EncodeToString(m.Sum(nil)))
	if userID != 0 {
		h.Set("X-Zc-User-Id", strconv.FormatInt(userID, 10))
	}
}

// SignUser adds the user-signature headers (§1.6) for a user's token (the
// refresh token for updateAccessToken).
func SignUser(h http.Header, userID int64, token string, now time.Time, nonce string) {
	if nonce == "" {
		nonce = "abcdEFGH12345678"
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	sum := sha1.Sum([]byte(strconv.Itoa(Timeout) + ts + nonce + token))
	h.Set("X-Zc-User-Id", strconv.FormatInt(userID, 10))
	h.Set("X-Zc-Timestamp", ts)
	h.Set("X-Zc-Timeout", strconv.Itoa(Timeout))
	h.Set("X-Zc-Nonce", nonce)
	h.Set("X-Zc-User-Signature", hex.EncodeToString(sum[:]))
}
