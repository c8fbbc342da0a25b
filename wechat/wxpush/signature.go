package wxpush

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
)

// Signature computes WeChat's callback signature: the hex SHA-1 of token,
// timestamp and nonce sorted lexicographically and concatenated.
func Signature(token, timestamp, nonce string) string {
	parts := []string{token, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// CheckSignature reports whether signature is valid for the given token,
// timestamp and nonce. The comparison is constant-time so response timing
// does not reveal how much of a forged signature was right. An empty token
// never validates: with no secret anyone could compute the signature.
func CheckSignature(token, timestamp, nonce, signature string) bool {
	if token == "" || len(signature) != 2*sha1.Size {
		return false
	}
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	parts := []string{token, timestamp, nonce}
	sort.Strings(parts)
	want := sha1.Sum([]byte(strings.Join(parts, "")))
	return subtle.ConstantTimeCompare(got, want[:]) == 1
}

// CheckRequest checks the signature, timestamp and nonce query parameters of
// a callback request (the POSTed pushes and the GET URL check alike). For the
// GET check the caller then echoes the echostr parameter.
func CheckRequest(r *http.Request, token string) bool {
	q := r.URL.Query()
	return CheckSignature(token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature"))
}
