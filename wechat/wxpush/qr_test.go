package wxpush

import (
	"encoding/base64"
	"errors"
	"testing"
)

const ticket = "http://we.qq.com/d/AQCkM5yqVq8Zf1nE3j2l9T4x"

func TestBuildQRString(t *testing.T) {
	cases := []struct{ sub, share, want string }{
		{"", "", ticket},
		{"plug", "", ticket + `#{"sub_domain":"plug"}`},
		{"plug", "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3", ticket + `#{"sub_domain":"plug","share_code":"8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3"}`},
		{"", "abc#7", ticket + `#{"share_code":"abc#7"}`},
		// JSON escaping where needed, but no HTML escaping.
		{`a"b\c`, "<&>", ticket + `#{"sub_domain":"a\"b\\c","share_code":"<&>"}`},
	}
	for _, c := range cases {
		if got := BuildQRString(ticket, c.sub, c.share); got != c.want {
			t.Errorf("BuildQRString(%q,%q) = %s\nwant %s", c.sub, c.share, got, c.want)
		}
	}
}

func TestQRRoundTrip(t *testing.T) {
	for _, c := range []QRData{
		{},
		{SubDomain: "plug"},
		{SubDomain: "gateway", ShareCode: "8mRftXCMM21ZyQfzoTtHZfQWYvH1H6ni#3"},
		{ShareCode: "x#y#z##"},
		{SubDomain: `q"uote`, ShareCode: "#"},
	} {
		s := BuildQRString(ticket, c.SubDomain, c.ShareCode)
		tk, d, err := SplitQRString(s)
		if err != nil || tk != ticket || d != c {
			t.Errorf("round trip of %+v: %q %+v %v", c, tk, d, err)
		}
		// The same data arrives in a bind push's Content, Base64 encoded.
		_, extra, _ := cutFirst(s)
		if extra != "" {
			got, err := DecodeQRContent(base64.StdEncoding.EncodeToString([]byte(extra)))
			if err != nil || got != c {
				t.Errorf("content of %+v: %+v %v", c, got, err)
			}
		}
	}
}

func cutFirst(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestSplitQRString(t *testing.T) {
	tk, d, err := SplitQRString(ticket)
	if err != nil || tk != ticket || d != (QRData{}) {
		t.Fatalf("bare ticket: %q %+v %v", tk, d, err)
	}
	tk, d, err = SplitQRString(ticket + "#")
	if err != nil || tk != ticket || d != (QRData{}) {
		t.Fatalf("trailing #: %q %+v %v", tk, d, err)
	}
	tk, _, err = SplitQRString(ticket + "#not json")
	if !errors.Is(err, ErrBadQRData) || tk != ticket {
		t.Fatalf("bad data: %q %v", tk, err)
	}
	_, d, err = SplitQRString(ticket + `#{"sub_domain":"a\u001b[2Jb","share_code":"c\u202ed#1"}`)
	if err != nil || d.SubDomain != "ab" || d.ShareCode != "cd#1" {
		t.Fatalf("sanitising: %+v %v", d, err)
	}
}

func TestDecodeQRContent(t *testing.T) {
	js := `{"sub_domain":"plug","share_code":"abc#12"}`
	want := QRData{SubDomain: "plug", ShareCode: "abc#12"}
	ok := map[string]string{
		"base64":          base64.StdEncoding.EncodeToString([]byte(js)),
		"base64 unpadded": base64.RawStdEncoding.EncodeToString([]byte(js + " ")),
		"base64url":       base64.URLEncoding.EncodeToString([]byte(js)),
		"raw json":        js,
		"raw json spaced": "  {\n \"sub_domain\": \"plug\", \"share_code\": \"abc#12\" }\n",
	}
	for name, in := range ok {
		got, err := DecodeQRContent(in)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	if got, err := DecodeQRContent("   "); err != nil || got != (QRData{}) {
		t.Errorf("empty: %+v %v", got, err)
	}
	bad := map[string]string{
		"garbage":             "%%% not anything",
		"base64 of non-json":  base64.StdEncoding.EncodeToString([]byte("hello world")),
		"base64 of json list": base64.StdEncoding.EncodeToString([]byte(`["plug"]`)),
		"json wrong types":    `{"sub_domain":7}`,
		"truncated json":      `{"sub_domain":"pl`,
		"plain base64 word":   "abcd",
	}
	for name, in := range bad {
		got, err := DecodeQRContent(in)
		if !errors.Is(err, ErrBadQRData) || got != (QRData{}) {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	got, err := DecodeQRContent(base64.StdEncoding.EncodeToString([]byte(`{"sub_domain":"p\u009b1mx\r\n"}`)))
	if err != nil || got.SubDomain != "px  " {
		t.Errorf("sanitising: %q %v", got.SubDomain, err)
	}
}
