package rpc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDeveloperSignatureVectorServerSide(t *testing.T) {
	// PROTOCOL §1.5 composed example, checked by the server's own code.
	s := signedHeaders{timeout: 300, timestamp: 1466640000, nonce: "abcdEFGH12345678"}
	const sig = "29ba44604630265ef92598c9a9d025deb4601b91ac0791e080b9f2851fce19a4"
	if !devSignatureOK("mySecretKey", s, 42, "listDevices", "acme", "lamp", sig) {
		t.Fatal("the §1.5 vector does not verify")
	}
	if !devSignatureOK("mySecretKey", s, 42, "listDevices", "acme", "lamp", strings.ToUpper(sig)) {
		t.Fatal("an upper-case hex signature is refused")
	}
	if devSignatureOK("mySecretKey", s, 42, "listDevices", "acme", "lamp2", sig) {
		t.Fatal("a signature for another sub-domain verifies")
	}
}

func TestJavaURLEncodedSignatureAccepted(t *testing.T) {
	// Vector made with the JDK, not with this package: java.net.URLEncoder
	// .encode(plain, "UTF-8") and javax.crypto.Mac "HmacSHA256" with key
	// "sk" over the encoded string (UTF-8), printed as lower-case hex. The
	// string has a space, '*' (kept by Java), '~' and '/' (encoded), and
	// multibyte UTF-8 (each byte %XX, upper-case hex).
	const (
		plain = "3001466640000n*~ 77listDevicesmy shop*灯具-é_a.b/c"
		java  = "3001466640000n*%7E+77listDevicesmy+shop*%E7%81%AF%E5%85%B7-%C3%A9_a.b%2Fc"
		sig   = "dad1a57c2c0a02003c5e4aad1316ee99d76ae37977eec897feb6147954f7a183"
	)
	if got := javaURLEncode(plain); got != java {
		t.Fatalf("java encoding\n got %s\nwant %s", got, java)
	}
	s := signedHeaders{timeout: 300, timestamp: 1466640000, nonce: "n*~ 7"}
	if !devSignatureOK("sk", s, 7, "listDevices", "my shop*", "灯具-é_a.b/c", sig) {
		t.Fatal("the signature Java made over the URL-encoded string is refused")
	}
	if !devSignatureOK("sk", s, 7, "listDevices", "my shop*", "灯具-é_a.b/c", hmacHex("sk", plain)) {
		t.Fatal("the plain form is refused")
	}
	if devSignatureOK("sk", s, 7, "listDevices", "my shop*", "灯具-é_a.b/d", sig) {
		t.Fatal("the Java signature verifies for another sub-domain")
	}
}

func TestParsePath(t *testing.T) {
	for _, p := range []string{"/zc-bind/v1/listDevices", "zc-bind/V2/x/"} {
		if _, _, _, err := parsePath(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{"/", "/zc-bind/listDevices", "/a/v0/m", "/a/vx/m", "/a/v1/m/extra", "//v1/m"} {
		if _, _, _, err := parsePath(p); err == nil || err.Code != 3006 {
			t.Errorf("%s: %v, want 3006", p, err)
		}
	}
}

func TestParamHelpersAreLenient(t *testing.T) {
	c := &Call{Params: map[string]any{}}
	if err := mergeJSON(c.Params, []byte(`{"a":"12","b":12,"c":1.0,"d":"x","e":"true","f":[1,"2"],"g":{"k":1},"h":1.5}`)); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if v, ok, err := c.Int64(k); !ok || err != nil || v != map[string]int64{"a": 12, "b": 12, "c": 1}[k] {
			t.Errorf("Int64(%s) = %d %v %v", k, v, ok, err)
		}
	}
	if _, _, err := c.Int64("d"); err == nil {
		t.Error("Int64 of text accepted")
	}
	if _, _, err := c.Int64("h"); err == nil {
		t.Error("Int64 of 1.5 accepted")
	}
	if b, err := c.Bool("e"); err != nil || !b {
		t.Errorf("Bool(e) = %v %v", b, err)
	}
	if l, err := c.Int64List("f"); err != nil || len(l) != 2 || l[1] != 2 {
		t.Errorf("Int64List = %v %v", l, err)
	}
	if m, err := c.Object("g"); err != nil || m["k"] == nil {
		t.Errorf("Object = %v %v", m, err)
	}
	if _, err := c.MustString("missing"); err == nil || !strings.Contains(err.Error(), "missing is required") {
		t.Errorf("MustString(missing) = %v", err)
	}
}

type dir struct{}

func (dir) Developer(context.Context, int64) (Developer, bool) {
	return Developer{ID: 1, SecretKey: "sk", DomainID: 1}, true
}
func (dir) DomainByName(_ context.Context, n string) (Domain, bool) {
	return Domain{ID: 1, Name: "acme"}, n == "acme"
}
func (dir) DefaultDomain(context.Context) (Domain, bool) { return Domain{ID: 1, Name: "acme"}, true }
func (dir) SubDomain(context.Context, int64, string) (SubDomain, bool) {
	return SubDomain{}, false
}

type noTokens struct{}

func (noTokens) AccessToken(context.Context, int64) (string, time.Time, bool) {
	return "", time.Time{}, false
}
func (noTokens) RefreshToken(context.Context, int64) (string, time.Time, bool) {
	return "", time.Time{}, false
}

func TestPanickingMethodAnswers3000(t *testing.T) {
	reg := NewRegistry()
	reg.Handle("svc", 1, "boom", Method{Auth: AuthAnon, Handler: func(*Call) (any, error) { panic("bug") }})
	reg.Handle("svc", 1, "bin", Method{Auth: AuthAnon, Handler: func(*Call) (any, error) { return Binary{Code: 102, Body: []byte{1}}, nil }})
	srv := httptest.NewServer(NewHandler(reg, dir{}, noTokens{}, Options{}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/svc/v1/boom", "application/x-zc-object", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Zc-Msg-Name") != "X-Zc-Err" || body["errorCode"] != float64(3000) {
		t.Fatalf("panic answered %d %q %v", resp.StatusCode, resp.Header.Get("X-Zc-Msg-Name"), body)
	}
	resp, err = http.Post(srv.URL+"/svc/v1/bin", "application/octet-stream", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Zc-Msg-Attr_code") != "102" || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("binary answer headers %v", resp.Header)
	}
}

func hmacHex(sk, msg string) string {
	m := hmacNew(sk)
	m.Write([]byte(msg))
	return hexString(m.Sum(nil))
}

// Answers of every kind, small and past net/http's 2 KB chunking
// threshold, say their length, so that a client sizes its buffer once.
func TestAnswersCarryTheirLength(t *testing.T) {
	big := strings.Repeat("x", 40_000)
	reg := NewRegistry()
	reg.Handle("svc", 1, "json", Method{Auth: AuthAnon, Handler: func(*Call) (any, error) { return map[string]string{"v": big}, nil }})
	reg.Handle("svc", 1, "raw", Method{Auth: AuthAnon, Handler: func(*Call) (any, error) { return Raw{Body: []byte(`{"v":"` + big + `"}`)}, nil }})
	reg.Handle("svc", 1, "bin", Method{Auth: AuthAnon, Handler: func(*Call) (any, error) { return Binary{Code: 102, Body: []byte(big)}, nil }})
	reg.Handle("svc", 1, "small", Method{Auth: AuthAnon, Handler: func(*Call) (any, error) { return nil, nil }})
	srv := httptest.NewServer(NewHandler(reg, dir{}, noTokens{}, Options{}))
	defer srv.Close()
	for method, want := range map[string]int{"json": len(big) + 8, "raw": len(big) + 8, "bin": len(big), "small": 2} {
		resp, err := http.Post(srv.URL+"/svc/v1/"+method, "application/x-zc-object", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.ContentLength != int64(want) || len(resp.TransferEncoding) > 0 {
			t.Errorf("%s: Content-Length %d, transfer encoding %v; want %d bytes, not chunked", method, resp.ContentLength, resp.TransferEncoding, want)
		}
	}
}
