package rpc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

func hmacNew(sk string) hash.Hash { return hmac.New(sha256.New, []byte(sk)) }
func hexString(b []byte) string   { return hex.EncodeToString(b) }
