package rpctest

import (
	"net/http"
	"testing"
	"time"
)

func TestSignaturesMatchTheProtocolVectors(t *testing.T) {
	at := time.Unix(1466640000, 0)
	h := http.Header{}
	Developer{ID: 42, SecretKey: "mySecretKey", MajorDomain: "acme"}.Sign(h, "listDevices", "lamp", 0, at, "abcdEFGH12345678")
	if got := h.Get("X-Zc-Developer-Signature"); got != "29ba44604630265ef92598c9a9d025deb4601b91ac0791e080b9f2851fce19a4" {
		t.Fatalf("developer signature %s", got)
	}
	if h.Get("X-Zc-Sub-Domain") != "lamp" || h.Get("X-Zc-User-Id") != "" || h.Get("X-Zc-Access-Key") != "" {
		t.Fatalf("headers %v", h)
	}
	u := http.Header{}
	SignUser(u, 7, "tok123", at, "abcdEFGH12345678")
	if got := u.Get("X-Zc-User-Signature"); got != "f2eb634039b2e0f540f308c3c874f7a29349937e" {
		t.Fatalf("user signature %s", got)
	}
}
