package acapi

import (
	"regexp"
	"testing"
)

func TestDeveloperSignatureVector(t *testing.T) {
	// PROTOCOL §1.5 composed example.
	got := DeveloperSignature("mySecretKey", 300, 1466640000, "abcdEFGH12345678", 42, "listDevices", "acme", "lamp")
	want := "29ba44604630265ef92598c9a9d025deb4601b91ac0791e080b9f2851fce19a4"
	if got != want {
		t.Fatalf("developer signature = %s, want %s", got, want)
	}
}

func TestUserSignatureVector(t *testing.T) {
	// PROTOCOL §1.6 composed example.
	got := UserSignature(300, 1466640000, "abcdEFGH12345678", "tok123")
	want := "f2eb634039b2e0f540f308c3c874f7a29349937e"
	if got != want {
		t.Fatalf("user signature = %s, want %s", got, want)
	}
}

func TestNonceAndTraceIDShapes(t *testing.T) {
	n := Nonce()
	if !regexp.MustCompile(`^[A-Za-z0-9]{16}$`).MatchString(n) {
		t.Fatalf("nonce %q is not 16 alphanumerics", n)
	}
	if Nonce() == n {
		t.Fatal("two nonces were equal")
	}
	id := TraceID()
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("trace id %q is not a v4 UUID", id)
	}
}
