package account_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"acconsole/cloud/account"
	"acconsole/cloud/rpc"
)

// clientFrom is an HTTP client whose connections come from a loopback
// address of its own, so that the cloud sees a distinct client address.
func (e *env) clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	e.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func (e *env) anonFrom(ip, method string, p map[string]any) result {
	e.t.Helper()
	return e.do(method, p, signing{version: 1, from: ip})
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// TestStrangerCannotLockOwnerOut: wrong verify codes from a stranger's
// address, however many, do not stop the owner's right code from the
// owner's address; the stranger's address is refused for that account
// after a few tries, even with the right code.
func TestStrangerCannotLockOwnerOut(t *testing.T) {
	e := newEnv(t, account.Options{})
	const phone = "+8613900000001"
	code := e.codeFor(phone)
	wrong := wrongCode(code)
	const stranger, owner = "127.0.0.9", "127.0.0.7"
	for i := 0; i < 12; i++ {
		r := e.anonFrom(stranger, "register", map[string]any{"phone": phone, "password": "pw-123456", "verifyCode": wrong})
		r.wantErr(t, "stranger's wrong code", 3505)
		e.anonFrom(stranger, "checkVerifyCode", map[string]any{"account": phone, "verifyCode": wrong})
	}
	// The stranger's address is now refused for this account, whatever
	// the code: guessing on is pointless.
	r := e.anonFrom(stranger, "checkVerifyCode", map[string]any{"account": phone, "verifyCode": code})
	if r.must(t, "stranger checks the right code")["valid"] != false {
		t.Fatal("an address that guessed wrong a dozen times may still test codes")
	}
	// The owner's code still works from the owner's address.
	b := e.anonFrom(owner, "register", map[string]any{"phone": phone, "password": "pw-123456", "verifyCode": code}).must(t, "owner registers after the stranger's guesses")
	if b["phone"] != phone {
		t.Fatalf("registered %v", b)
	}
}

// TestGuessingSlowsDownAcrossAddresses: once a code has had many wrong
// guesses from many addresses, every address gets a single try; the
// owner's first try from a fresh address still works, and a new code
// restores the usual allowance.
func TestGuessingSlowsDownAcrossAddresses(t *testing.T) {
	e := newEnv(t, account.Options{})
	const phone = "+8613900000002"
	code := e.codeFor(phone)
	wrong := wrongCode(code)
	check := func(ip, c string) result {
		t.Helper()
		return e.anonFrom(ip, "checkVerifyCode", map[string]any{"account": phone, "verifyCode": c})
	}
	// Four addresses, five wrong codes each: 20 on this code.
	for a := 1; a <= 4; a++ {
		ip := "127.0.1." + string(rune('0'+a))
		for i := 0; i < 5; i++ {
			check(ip, wrong).must(t, "guess")
		}
	}
	// A fifth address now gets one try, not five.
	check("127.0.1.5", wrong).must(t, "first try")
	r := e.anonFrom("127.0.1.5", "register", map[string]any{"phone": phone, "password": "pw-123456", "verifyCode": code})
	r.wantErr(t, "second try after the slow-down, right code", 3505)
	if !strings.Contains(r.msg, "sendVerifyCode") {
		t.Fatalf("message %q does not say what to do", r.msg)
	}
	// The owner, from an address that has not guessed, gets through.
	e.anonFrom("127.0.1.9", "register", map[string]any{"phone": phone, "password": "pw-123456", "verifyCode": code}).must(t, "owner's first try")
}

// TestNewCodeRestoresTheAllowance: an owner who mistyped too often from
// their own address asks for a new code, and it works from there.
func TestNewCodeRestoresTheAllowance(t *testing.T) {
	e := newEnv(t, account.Options{})
	const phone = "+8613900000003"
	code := e.codeFor(phone)
	for i := 0; i < 5; i++ {
		e.anonFrom("127.0.2.1", "checkVerifyCode", map[string]any{"account": phone, "verifyCode": wrongCode(code)}).must(t, "mistype")
	}
	e.anonFrom("127.0.2.1", "register", map[string]any{"phone": phone, "password": "pw-123456", "verifyCode": code}).wantErr(t, "after five mistypes", 3505)
	e.clk.Advance(61e9) // past the one-a-minute send limit
	code = e.codeFor(phone)
	e.anonFrom("127.0.2.1", "register", map[string]any{"phone": phone, "password": "pw-123456", "verifyCode": code}).must(t, "with a new code")
}

// TestGuessSprayFromOneAddressIsRefused: one address guessing codes of
// many accounts is refused for the hour (3004), others are not.
func TestGuessSprayFromOneAddressIsRefused(t *testing.T) {
	e := newEnv(t, account.Options{})
	for i := 0; i < 30; i++ {
		acct := "+861390001" + strings.Repeat("0", 3-len(itoa(i))) + itoa(i) + "0"
		e.anonFrom("127.0.3.1", "checkVerifyCode", map[string]any{"account": acct, "verifyCode": "123456"}).must(t, "spray")
	}
	r := e.anonFrom("127.0.3.1", "register", map[string]any{"phone": "+8613900019999", "password": "pw-123456", "verifyCode": "123456"})
	r.wantErr(t, "31st guess from the spraying address", 3004)
	code := e.codeFor("+8613900019999")
	e.anonFrom("127.0.3.2", "register", map[string]any{"phone": "+8613900019999", "password": "pw-123456", "verifyCode": code}).must(t, "another address")
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestWrongCodeIsRefusedBeforeThePasswordIsHashed: bcrypt refuses a cost
// above 31 at once, so a cloud configured with one fails every hash; a
// register (and a bindWithAccount) with a wrong code must be told about
// the code, which proves the slow hash did not run first.
func TestWrongCodeIsRefusedBeforeThePasswordIsHashed(t *testing.T) {
	probe := newEnv(t, account.Options{BcryptCost: 32})
	code := probe.codeFor("+8613900000004")
	probe.anonV1("register", map[string]any{"phone": "+8613900000004", "password": "pw-123456", "verifyCode": wrongCode(code)}).wantErr(t, "wrong code", 3505)
	probe.anonV1("register", map[string]any{"phone": "+8613900000005", "password": "pw-123456", "verifyCode": "123456"}).wantErr(t, "no code sent", 3505)
}

// TestStrangerCannotUseUpTheOwnersCodes: the per-minute and per-hour
// limits of sendVerifyCode fall on the address that asks, so a stranger
// asking for the owner's codes exhausts only the stranger's own turns; the
// owner, from another address, gets a code at once and registers with it.
// Only many addresses together reach the account's own limit, which keeps
// the phone from a flood. Expected waits are worked out by hand from the
// clock: sends 61 s apart, the hour counted from the account's first send.
func TestStrangerCannotUseUpTheOwnersCodes(t *testing.T) {
	e := newEnv(t, account.Options{})
	const acct = "+8613900000001"
	send := func(ip string) result {
		t.Helper()
		return e.anonFrom(ip, "sendVerifyCode", map[string]any{"account": acct, "template": 1})
	}
	const stranger, owner = "127.0.0.2", "127.0.0.3"
	// The stranger: ten sends at 0, 61, …, 549 s.
	for i := 0; i < 10; i++ {
		if i > 0 {
			e.clk.Advance(61 * time.Second)
		}
		send(stranger).must(t, fmt.Sprintf("stranger's send %d", i+1))
	}
	e.clk.Advance(61 * time.Second) // 610 s
	r := send(stranger)
	r.wantErr(t, "stranger's 11th send", 3004)
	if !strings.Contains(r.msg, "from your address: wait 2990 seconds") {
		t.Fatalf("stranger's 11th send: %q, want a wait of 2990 s for that address", r.msg)
	}
	// The owner, at the same moment, from another address.
	send(owner).must(t, "owner's send right after the stranger's ten")
	msgs := e.dev("listSmsOutbox", map[string]any{"limit": 1}).must(t, "listSmsOutbox")["messages"].([]any)
	code := msgs[0].(map[string]any)["code"].(string)
	e.anonFrom(owner, "register", map[string]any{"phone": acct, "password": "pw", "verifyCode": code}).must(t, "owner registers with the code")

	// Two more addresses flood: 10 + 9 sends, one round every 61 s, until
	// the account has had 10 + 1 + 19 = 30 codes within the hour.
	const a, b = "127.0.0.4", "127.0.0.5"
	for i := 0; i < 10; i++ {
		e.clk.Advance(61 * time.Second)
		send(a).must(t, fmt.Sprintf("address a's send %d", i+1))
		if i < 9 {
			send(b).must(t, fmt.Sprintf("address b's send %d", i+1))
		}
	}
	// Now at 610 + 610 = 1220 s: the account's first send (0 s) leaves the
	// hour in 2380 s. Every address waits, the owner's too: that is the
	// flood limit.
	for _, ip := range []string{b, "127.0.0.6", owner} {
		r := send(ip)
		r.wantErr(t, "31st send to the account from "+ip, 3004)
		if !strings.Contains(r.msg, "30 verify codes within the hour from several addresses") || !strings.Contains(r.msg, "wait 2380 seconds") {
			t.Fatalf("31st send from %s: %q, want the account's limit and a wait of 2380 s", ip, r.msg)
		}
	}
	e.clk.Advance(2380 * time.Second)
	send("127.0.0.6").must(t, "once the first send has left the hour")
}

// TestLimitsCountTheClientBehindALoadBalancer: several instances behind a
// load balancer all see the balancer's address. Through a real reverse
// proxy (net/http/httputil, which appends the client to X-Forwarded-For),
// the per-address limits fall on each client when the balancer is trusted,
// and a client's own X-Forwarded-For entry does not move its turns to
// another address. Untrusted, every client is the balancer, as before.
func TestLimitsCountTheClientBehindALoadBalancer(t *testing.T) {
	const acct = "+8613900000002"
	const stranger, owner = "127.0.0.2", "127.0.0.3"
	behind := func(trust bool) *env {
		var ro rpc.Options
		if trust {
			ro.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		}
		e := newEnvRouted(t, account.Options{}, ro)
		target, err := url.Parse(e.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		lb := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
		t.Cleanup(lb.Close)
		e.srv = lb // every call now goes through the balancer, from 127.0.0.1
		return e
	}
	send := func(e *env, ip, forwarded string) result {
		t.Helper()
		return e.do("sendVerifyCode", map[string]any{"account": acct, "template": 1}, signing{version: 1, from: ip, forwardedFor: forwarded})
	}

	e := behind(true)
	send(e, stranger, "").must(t, "stranger's first send through the balancer")
	r := send(e, stranger, "127.0.0.9")
	r.wantErr(t, "stranger's second send, claiming another address", 3004)
	if !strings.Contains(r.msg, "from your address: wait 60 seconds") {
		t.Fatalf("stranger's second send: %q, want the stranger's own minute", r.msg)
	}
	send(e, owner, "").must(t, "owner's send through the balancer, in the same minute")

	e = behind(false)
	send(e, stranger, "").must(t, "stranger's first send, balancer not trusted")
	send(e, owner, "").wantErr(t, "owner's send: both are the balancer", 3004)
}
