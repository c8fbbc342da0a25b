package wxpush

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// Vectors computed independently (Python hashlib) from the rule in
// PROTOCOL §4.3: sha1(sorted(token, timestamp, nonce) joined).
var sigVectors = []struct{ token, ts, nonce, sig string }{
	{"token", "1409304348", "xxxxxx", "f43b4a6571a6552356f482636e5a77e7fa33dcc9"},
	{"AbleCloudWx", "1500000000", "1234567890", "253fc658fb4a538f244d3b0e63ce8df202e1f9c7"},
	{"z", "a", "m", "013564dc05c22e397a30d38805fae295ef8cb4cc"},
}

func TestSignatureVectors(t *testing.T) {
	for _, v := range sigVectors {
		if got := Signature(v.token, v.ts, v.nonce); got != v.sig {
			t.Errorf("Signature(%q,%q,%q) = %s, want %s", v.token, v.ts, v.nonce, got, v.sig)
		}
		if !CheckSignature(v.token, v.ts, v.nonce, v.sig) {
			t.Errorf("CheckSignature rejects the vector for %q", v.token)
		}
		if !CheckSignature(v.token, v.ts, v.nonce, strings.ToUpper(v.sig)) {
			t.Errorf("CheckSignature rejects upper-case hex for %q", v.token)
		}
	}
}

func TestCheckSignatureRejects(t *testing.T) {
	v := sigVectors[0]
	flipped := []byte(v.sig)
	flipped[39] ^= 1
	cases := map[string][4]string{
		"wrong token":     {"other", v.ts, v.nonce, v.sig},
		"wrong timestamp": {v.token, "1409304349", v.nonce, v.sig},
		"wrong nonce":     {v.token, v.ts, "yyyyyy", v.sig},
		"one bit off":     {v.token, v.ts, v.nonce, string(flipped)},
		"truncated":       {v.token, v.ts, v.nonce, v.sig[:39]},
		"too long":        {v.token, v.ts, v.nonce, v.sig + "00"},
		"not hex":         {v.token, v.ts, v.nonce, "g" + v.sig[1:]},
		"empty":           {v.token, v.ts, v.nonce, ""},
		// With an empty token the signature is computable by anyone.
		"empty token": {"", v.ts, v.nonce, Signature("", v.ts, v.nonce)},
	}
	for name, c := range cases {
		if CheckSignature(c[0], c[1], c[2], c[3]) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	v := sigVectors[1]
	r := httptest.NewRequest("GET", "/wx?signature="+v.sig+"&timestamp="+v.ts+"&nonce="+v.nonce+"&echostr=abc", nil)
	if !CheckRequest(r, v.token) {
		t.Fatal("valid request rejected")
	}
	if CheckRequest(r, "other") {
		t.Fatal("request accepted with the wrong token")
	}
	if CheckRequest(httptest.NewRequest("POST", "/wx", nil), v.token) {
		t.Fatal("request without signature accepted")
	}
}
