package acapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"sync"
)

// DeveloperSignature is PROTOCOL §1.5: lowercase hex HMAC-SHA256 keyed with
// the secret key over timeout‖timestamp‖nonce‖developerId‖method‖major‖sub.
func DeveloperSignature(secretKey string, timeout, timestamp int64, nonce string, developerID int64, method, majorDomain, subDomain string) string {
	var buf [256]byte
	b := buf[:0]
	b = strconv.AppendInt(b, timeout, 10)
	b = strconv.AppendInt(b, timestamp, 10)
	b = append(b, nonce...)
	b = strconv.AppendInt(b, developerID, 10)
	b = append(b, method...)
	b = append(b, majorDomain...)
	b = append(b, subDomain...)
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write(b)
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// UserSignature is PROTOCOL §1.6: lowercase hex SHA-1 over
// timeout‖timestamp‖nonce‖token, where token is the access token (or the
// refresh token for updateAccessToken).
func UserSignature(timeout, timestamp int64, nonce, token string) string {
	var buf [256]byte
	b := buf[:0]
	b = strconv.AppendInt(b, timeout, 10)
	b = strconv.AppendInt(b, timestamp, 10)
	b = append(b, nonce...)
	b = append(b, token...)
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Nonce returns 16 random characters from [A-Za-z0-9].
func Nonce() string {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	for i, c := range raw {
		raw[i] = nonceAlphabet[int(c)%len(nonceAlphabet)]
	}
	return string(raw[:])
}

// TraceID returns a random RFC 4122 version-4 UUID in canonical text.
func TraceID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:], u[10:])
	return string(out[:])
}

// signer reuses HMAC states keyed with the client's secret: building one
// per call costs several allocations (UI_GUIDE's budget for a call is 40).
type signer struct{ pool sync.Pool }

func newSigner(secretKey string) *signer {
	key := []byte(secretKey)
	s := &signer{}
	s.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key), buf: make([]byte, 0, 256)} }
	return s
}

func (s *signer) sign(timeout, timestamp int64, nonce string, developerID int64, method, majorDomain, subDomain string) string {
	m := s.pool.Get().(*macState)
	b := m.buf[:0]
	b = strconv.AppendInt(b, timeout, 10)
	b = strconv.AppendInt(b, timestamp, 10)
	b = append(b, nonce...)
	b = strconv.AppendInt(b, developerID, 10)
	b = append(b, method...)
	b = append(b, majorDomain...)
	b = append(b, subDomain...)
	m.h.Reset()
	m.h.Write(b)
	out := hex.EncodeToString(m.h.Sum(m.sum[:0]))
	if cap(b) <= 4096 {
		m.buf = b
	}
	s.pool.Put(m)
	return out
}

// macState keeps a keyed HMAC with its input and output buffers, so none
// of them is allocated per signature.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	buf []byte
}
