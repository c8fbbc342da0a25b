package account_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"acconsole/cloud/account"
	"acconsole/models"

	"golang.org/x/crypto/bcrypt"
)

var expireRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

func TestRegisterLoginProfileFlow(t *testing.T) {
	e := newEnv(t, account.Options{})
	code := e.codeFor("bob@example.com")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Fatalf("verify code %q is not 6 digits", code)
	}
	b := e.anonV1("register", map[string]any{"email": "Bob@Example.com", "password": "pw-123456", "verifyCode": code, "nickName": "  Bob "}).must(t, "register")
	for _, k := range []string{"userId", "token", "tokenExpire", "refreshToken", "refreshTokenExpire", "nickName", "email", "phone"} {
		if _, ok := b[k]; !ok {
			t.Errorf("register answer lacks %q: %v", k, b)
		}
	}
	if _, ok := b["password"]; ok {
		t.Error("register answer carries the password")
	}
	s := sessionOf(t, b)
	if len(s.token) < 32 || len(s.refresh) < 32 || s.token == s.refresh {
		t.Fatalf("tokens %q / %q: want two different 32+ char tokens", s.token, s.refresh)
	}
	if b["email"] != "bob@example.com" || b["nickName"] != "Bob" || b["phone"] != "" {
		t.Fatalf("register answer %v: want normalised email, trimmed nickName, empty phone", b)
	}
	wantExp := e.clk.Now().Add(24 * time.Hour).UTC().Format(models.TimeLayout)
	if b["tokenExpire"] != wantExp || !expireRE.MatchString(b["refreshTokenExpire"].(string)) {
		t.Fatalf("expiries %v / %v, want %s and a UTC date-time", b["tokenExpire"], b["refreshTokenExpire"], wantExp)
	}

	// The code was consumed by register.
	e.anonV1("register", map[string]any{"phone": "+8613800000001", "password": "x", "verifyCode": code}).wantErr(t, "reused code", 3505)

	e.anonV1("login", map[string]any{"account": "bob@example.com", "password": "nope"}).wantErr(t, "wrong password", 3504)
	e.anonV1("login", map[string]any{"account": "nobody@example.com", "password": "x"}).wantErr(t, "unknown account", 3501)
	l := sessionOf(t, e.anonV1("login", map[string]any{"account": "BOB@example.com", "password": "pw-123456"}).must(t, "login"))
	if l.id != s.id || l.token != s.token {
		t.Fatalf("login gave %d/%s, want the same user and the still-valid token %d/%s", l.id, l.token, s.id, s.token)
	}

	// User-signed profile calls.
	e.user(s, "setUserProfile", map[string]any{"userProfile": map[string]any{"city": "Lyon", "age": 41, "tags": []any{"a", "b"}}}).must(t, "setUserProfile")
	e.user(s, "setUserProfile", map[string]any{"userProfile": map[string]any{"age": nil, "vip": true}}).must(t, "setUserProfile merge")
	prof := e.user(s, "getUserProfile", nil).must(t, "getUserProfile")["userProfile"].(map[string]any)
	if prof["city"] != "Lyon" || prof["vip"] != true || prof["age"] != nil || len(prof["tags"].([]any)) != 2 {
		t.Fatalf("profile after merge = %v", prof)
	}
	e.user(s, "changeNickName", map[string]any{"nickName": "Robert"}).must(t, "changeNickName")
	whole := e.dev("getWholeUserProfile", map[string]any{"userId": s.id}).must(t, "getWholeUserProfile")["profile"].(map[string]any)
	if whole["nickName"] != "Robert" || whole["email"] != "bob@example.com" || whole["city"] != "Lyon" || num(t, whole["userId"]) != s.id || whole["createTime"] == "" {
		t.Fatalf("whole profile = %v", whole)
	}
	alias := e.dev("getUserWholeProfile", map[string]any{"account": "bob@example.com"}).must(t, "getUserWholeProfile alias")["profile"].(map[string]any)
	if num(t, alias["userId"]) != s.id {
		t.Fatalf("alias by account = %v", alias)
	}

	info := e.dev("getAccountInfo", map[string]any{"userId": s.id}).must(t, "getAccountInfo")
	if info["nickName"] != "Robert" || info["token"] != nil || info["createTime"] != "2026-03-01 12:00:00" {
		t.Fatalf("getAccountInfo = %v", info)
	}
	e.dev("getAccountInfo", map[string]any{"userId": 999}).wantErr(t, "unknown user", 3501)
	if id := num(t, e.dev("getIdByAccount", map[string]any{"account": "bob@example.com"}).must(t, "getIdByAccount")["userId"]); id != s.id {
		t.Fatalf("getIdByAccount = %d", id)
	}
	e.dev("getIdByAccount", map[string]any{"account": "+33600000000"}).wantErr(t, "getIdByAccount absent", 3501)
	if ex := e.anon("checkExist", map[string]any{"account": "bob@example.com"}).must(t, "checkExist")["exist"]; ex != true {
		t.Fatalf("checkExist = %v", ex)
	}
	if ex := e.anon("checkExist", map[string]any{"account": "not an account"}).must(t, "checkExist malformed")["exist"]; ex != false {
		t.Fatalf("checkExist malformed = %v", ex)
	}

	// Registering the same email again is 3502, even with a good code.
	e.clk.Advance(61 * time.Second)
	code = e.codeFor("bob@example.com")
	e.anonV1("register", map[string]any{"email": "bob@example.com", "password": "x", "verifyCode": code}).wantErr(t, "register twice", 3502)

	// Helpers other services use.
	u, ok, err := e.svc.Lookup(context.Background(), 1, s.id)
	if err != nil || !ok || u.NickName != "Robert" {
		t.Fatalf("Lookup = %+v %v %v", u, ok, err)
	}
	if _, ok, _ := e.svc.Lookup(context.Background(), 2, s.id); ok {
		t.Fatal("Lookup found a user of domain 1 in domain 2")
	}
	if _, err := e.svc.IDByAccount(context.Background(), 1, "ghost@example.com"); err == nil || !strings.HasPrefix(err.Error(), "3501") {
		t.Fatalf("IDByAccount absent: %v", err)
	}
}

func TestVerifyCodeExpiryAndGuessing(t *testing.T) {
	e := newEnv(t, account.Options{})
	code := e.codeFor("+8613800000000")
	check := func(c string) bool {
		return e.anon("checkVerifyCode", map[string]any{"account": "+86 1380-000-0000", "verifyCode": c}).must(t, "checkVerifyCode")["valid"] == true
	}
	if !check(code) {
		t.Fatal("fresh code not valid")
	}
	if live := e.dev("getVerifyCode", map[string]any{"account": "+8613800000000"}).must(t, "getVerifyCode")["verifyCode"]; live != code {
		t.Fatalf("getVerifyCode = %v, want the live code %s", live, code)
	}
	e.clk.Advance(301 * time.Second)
	if check(code) {
		t.Fatal("code still valid after 301 s")
	}
	e.anonV1("register", map[string]any{"phone": "+8613800000000", "password": "pw", "verifyCode": code}).wantErr(t, "expired code", 3506)

	// A longer timeout is honoured.
	e.anon("sendVerifyCode", map[string]any{"account": "+8613800000000", "template": 2, "timeout": 900}).must(t, "sendVerifyCode timeout")
	msgs := e.dev("listSmsOutbox", nil).must(t, "listSmsOutbox")["messages"].([]any)
	if len(msgs) != 2 || num(t, msgs[0].(map[string]any)["template"]) != 2 || msgs[0].(map[string]any)["sentAt"] != "2026-03-01 12:05:01" {
		t.Fatalf("outbox = %v (want newest first, with template and sentAt)", msgs)
	}
	code = msgs[0].(map[string]any)["code"].(string)
	e.clk.Advance(600 * time.Second)
	if !check(code) {
		t.Fatal("code with timeout 900 not valid after 600 s")
	}

	// Wrong guesses burn the code.
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	e.anonV1("register", map[string]any{"phone": "+8613800000000", "password": "pw", "verifyCode": wrong}).wantErr(t, "wrong code", 3505)
	for i := 0; i < 9; i++ {
		check(wrong)
	}
	r := e.anonV1("register", map[string]any{"phone": "+8613800000000", "password": "pw", "verifyCode": code})
	r.wantErr(t, "right code after 10 wrong guesses", 3505)
	if !strings.Contains(r.msg, "sendVerifyCode") {
		t.Fatalf("burnt-code message %q does not say what to do", r.msg)
	}
	e.anon("checkVerifyCode", map[string]any{"account": "+33600000000", "verifyCode": "123456"}).must(t, "check unsent")
	e.anonV1("register", map[string]any{"phone": "+33600000000", "password": "pw", "verifyCode": "123456"}).wantErr(t, "never sent", 3505)
}

func TestSendVerifyCodeRateLimit(t *testing.T) {
	e := newEnv(t, account.Options{})
	send := func(acct string) result {
		return e.anon("sendVerifyCode", map[string]any{"account": acct, "template": 1})
	}
	send("a@example.com").must(t, "first send")
	r := send("a@example.com")
	r.wantErr(t, "second send at once", 3004)
	if !strings.Contains(r.msg, "wait 60 seconds") {
		t.Fatalf("message %q does not say how long to wait", r.msg)
	}
	e.clk.Advance(45 * time.Second)
	if r := send("A@example.com"); r.ok || !strings.Contains(r.msg, "wait 15 seconds") {
		t.Fatalf("after 45 s: %+v, want wait 15 seconds", r)
	}
	send("b@example.com").must(t, "another account is not limited")
	e.clk.Advance(15 * time.Second)
	send("a@example.com").must(t, "after 60 s")
	for i := 0; i < 8; i++ {
		e.clk.Advance(61 * time.Second)
		send("a@example.com").must(t, fmt.Sprintf("send %d", i+3))
	}
	// Ten sends so far, the first at 0 s; the 11th attempt comes at
	// 60 + 9*61 = 609 s, so the first leaves the hour 2991 s later.
	e.clk.Advance(61 * time.Second)
	r = send("a@example.com")
	r.wantErr(t, "11th send in an hour", 3004)
	if !strings.Contains(r.msg, "wait 2991 seconds") {
		t.Fatalf("hourly limit message %q", r.msg)
	}
	e.clk.Advance(2991 * time.Second)
	send("a@example.com").must(t, "after the hour")
	send("").wantErr(t, "empty account", 3002)
	send("12").wantErr(t, "bad phone", 3508)
	send("x@y").wantErr(t, "bad email", 3507)
}

type failingSender struct{ fail bool }

func (f *failingSender) Send(context.Context, int64, string, string, int) error {
	if f.fail {
		return errors.New("gateway down")
	}
	return nil
}

func TestCustomSenderFailureFreesTheSlot(t *testing.T) {
	snd := &failingSender{fail: true}
	e := newEnv(t, account.Options{SMS: snd})
	e.anon("sendVerifyCode", map[string]any{"account": "+33611111111"}).wantErr(t, "failing sender", 3011)
	snd.fail = false
	e.anon("sendVerifyCode", map[string]any{"account": "+33611111111"}).must(t, "retry at once")
	if got := e.dev("listSmsOutbox", nil).must(t, "outbox")["messages"].([]any); len(got) != 0 {
		t.Fatalf("custom sender wrote the outbox: %v", got)
	}
}

func TestTokenExpiryAndRefresh(t *testing.T) {
	e := newEnv(t, account.Options{})
	s := e.registerV1("+8613900000000", "pw")
	e.user(s, "getUserProfile", nil).must(t, "fresh token")
	e.clk.Advance(24*time.Hour + time.Second)
	e.user(s, "getUserProfile", nil).wantErr(t, "expired access token", 3515)

	bad := s
	bad.refresh = strings.Repeat("x", 32)
	e.refresh(bad, 1).wantErr(t, "wrong refresh token", 3514)
	// The access token cannot stand in for the refresh token.
	bad.refresh = s.token
	e.refresh(bad, 1).wantErr(t, "access token as refresh token", 3514)

	b := e.refresh(s, 1).must(t, "updateAccessToken")
	if b["token"] == s.token || b["refreshToken"] != s.refresh {
		t.Fatalf("refresh answer %v: want a new token and the same refresh token", b)
	}
	if b["tokenExpire"] != e.clk.Now().Add(24*time.Hour).UTC().Format(models.TimeLayout) {
		t.Fatalf("tokenExpire %v", b["tokenExpire"])
	}
	if b["refreshTokenExpire"] != s.body["refreshTokenExpire"] {
		t.Fatalf("refreshTokenExpire moved: %v -> %v", s.body["refreshTokenExpire"], b["refreshTokenExpire"])
	}
	old := s
	s.token = b["token"].(string)
	e.user(s, "getUserProfile", nil).must(t, "new token")
	e.user(old, "getUserProfile", nil).wantErr(t, "old token after refresh", 3015)

	e.clk.Advance(30 * 24 * time.Hour)
	e.refresh(s, 1).wantErr(t, "expired refresh token", 3516)

	// Without X-Zc-Version tokens never expire and expiries are "".
	l := e.anon("login", map[string]any{"account": "+8613900000000", "password": "pw"}).must(t, "login v0")
	if l["tokenExpire"] != "" || l["refreshTokenExpire"] != "" {
		t.Fatalf("v0 login expiries %v / %v, want empty", l["tokenExpire"], l["refreshTokenExpire"])
	}
	s2 := sessionOf(t, l)
	e.clk.Advance(400 * 24 * time.Hour)
	e.user(s2, "getUserProfile", nil).must(t, "non-expiring token after 400 days")
}

func TestOpenIDFlows(t *testing.T) {
	e := newEnv(t, account.Options{})
	first := e.anonV1("loginWithOpenId", map[string]any{"provider": "weixin", "openId": "oA", "accessToken": "third-party"}).must(t, "first OpenID login")
	a := sessionOf(t, first)
	again := sessionOf(t, e.anonV1("loginWithOpenId", map[string]any{"provider": "Weixin", "openId": "oA"}).must(t, "second OpenID login"))
	if again.id != a.id {
		t.Fatalf("second OpenID login gave user %d, want %d", again.id, a.id)
	}
	// The PHP alias, developer-signed, finds the same user.
	if got := sessionOf(t, e.do("getUserByOpenId", map[string]any{"provider": "weixin", "openId": "oA"}, signing{dev: true, version: 1}).must(t, "getUserByOpenId")); got.id != a.id {
		t.Fatalf("getUserByOpenId = %d, want %d", got.id, a.id)
	}
	// A bad developer signature is refused even though anonymous is allowed.
	e.do("getUserByOpenId", map[string]any{"provider": "weixin", "openId": "oA"}, signing{dev: true, badDevSecret: true}).wantErr(t, "bad dev signature", 3015)

	e.dev("registerWithOpenId", map[string]any{"provider": "weixin", "openId": "oA"}).wantErr(t, "register existing OpenID", 3502)
	bb := e.do("registerByOpenId", map[string]any{"provider": "weixin", "openId": "oB", "unionId": "U1"}, signing{dev: true, version: 1}).must(t, "registerByOpenId alias")
	b := sessionOf(t, bb)
	if b.id == a.id || bb["tokenExpire"] == "" {
		t.Fatalf("registerByOpenId = %v", bb)
	}
	e.dev("registerWithOpenId", map[string]any{"provider": "weixin", "openId": "oC", "unionId": "U1"}).wantErr(t, "register with a known unionId", 3502)
	// Another official account's openId with the same unionId joins user B.
	if got := sessionOf(t, e.dev("getUserByOpenId", map[string]any{"provider": "weixin", "openId": "oB2", "unionId": "U1"}).must(t, "link by unionId")); got.id != b.id {
		t.Fatalf("unionId login = %d, want %d", got.id, b.id)
	}
	// An anonymous caller cannot use a unionId to reach user B.
	if got := sessionOf(t, e.anon("loginWithOpenId", map[string]any{"provider": "weixin", "openId": "oEvil", "unionId": "U1"}).must(t, "anon with unionId")); got.id == b.id {
		t.Fatal("an anonymous loginWithOpenId linked itself to another account by unionId")
	}

	e.user(a, "bindWithOpenId", map[string]any{"provider": "weixin", "openId": "oB", "accessToken": "t"}).wantErr(t, "bind another user's OpenID", 3510)
	e.user(a, "bindWithOpenId", map[string]any{"provider": "qq", "openId": "qA", "accessToken": "t"}).must(t, "bind qq")
	e.user(a, "bindWithOpenId", map[string]any{"provider": "qq", "openId": "qA"}).must(t, "bind again is a no-op")
	r := e.user(a, "bindWithOpenId", map[string]any{"provider": "myspace", "openId": "x"})
	r.wantErr(t, "bad provider", 3002)
	if !strings.Contains(r.msg, "weixin") || !strings.Contains(r.msg, "jingdong") {
		t.Fatalf("bad provider message %q does not list the valid ones", r.msg)
	}
	ids := e.user(a, "listAllOpenIds", nil).must(t, "listAllOpenIds")["openIds"].([]any)
	if len(ids) != 2 || ids[0].(map[string]any)["openId"] != "oA" || ids[1].(map[string]any)["provider"] != "qq" || len(ids[0].(map[string]any)) != 2 {
		t.Fatalf("openIds = %v", ids)
	}
	if got := e.dev("getUserOpenId", map[string]any{"userId": a.id, "provider": "weixin"}).must(t, "getUserOpenId")["openId"]; got != "oA" {
		t.Fatalf("getUserOpenId = %v", got)
	}
	e.dev("getUserOpenId", map[string]any{"userId": a.id, "provider": "facebook"}).wantErr(t, "no facebook OpenID", 3501)

	// An OpenID-only user gets an account with bindWithAccount, then logs in.
	code := e.codeFor("a@example.com")
	e.user(a, "bindWithAccount", map[string]any{"email": "a@example.com", "password": "pwA", "nickName": "Ann", "verifyCode": code}).must(t, "bindWithAccount")
	e.user(a, "bindWithAccount", map[string]any{"phone": "+33622222222", "password": "pwA", "verifyCode": "1"}).wantErr(t, "bindWithAccount twice", 3510)
	l := sessionOf(t, e.anonV1("login", map[string]any{"account": "a@example.com", "password": "pwA"}).must(t, "login after bind"))
	if l.id != a.id {
		t.Fatalf("login after bindWithAccount = %d, want %d", l.id, a.id)
	}
}

func TestChangeEmailPhonePasswordRules(t *testing.T) {
	e := newEnv(t, account.Options{})
	s := e.registerV1("c@example.com", "pwC")
	other := e.registerV1("d@example.com", "pwD")
	_ = other

	code := e.codeFor("+33633333333")
	e.user(s, "changePhone", map[string]any{"phone": "+33633333333", "password": "", "verifyCode": code}).wantErr(t, "user-signed without password", 3002)
	e.user(s, "changePhone", map[string]any{"phone": "+33633333333", "password": "bad", "verifyCode": code}).wantErr(t, "user-signed wrong password", 3504)
	// Q9: a developer acting for the user may leave the password empty.
	e.devAs(s.id, "changePhone", map[string]any{"phone": "+33633333333", "password": "", "verifyCode": code}).must(t, "developer changePhone")
	if got := e.dev("getAccountInfo", map[string]any{"userId": s.id}).must(t, "info")["phone"]; got != "+33633333333" {
		t.Fatalf("phone = %v", got)
	}
	e.clk.Advance(61 * time.Second)
	code = e.codeFor("d@example.com")
	e.user(s, "changeEmail", map[string]any{"email": "d@example.com", "password": "pwC", "verifyCode": code}).wantErr(t, "email of another user", 3502)
	code = e.codeFor("c2@example.com")
	e.user(s, "changeEmail", map[string]any{"email": "c2@example.com", "password": "pwC", "verifyCode": code}).must(t, "changeEmail")
	e.user(s, "changeEmail", map[string]any{"email": "not-an-email", "password": "pwC", "verifyCode": code}).wantErr(t, "bad email", 3507)

	e.user(s, "changePassword", map[string]any{"old": "wrong", "new": "pwC2"}).wantErr(t, "wrong old password", 3504)
	e.user(s, "changePassword", map[string]any{"old": "pwC", "new": "pwC2"}).must(t, "changePassword")
	e.user(s, "getUserProfile", nil).must(t, "token survives changePassword")
	e.anonV1("login", map[string]any{"account": "c2@example.com", "password": "pwC"}).wantErr(t, "old password", 3504)
	e.anonV1("login", map[string]any{"account": "c2@example.com", "password": "pwC2"}).must(t, "new password")

	// resetPassword is anonymous: the code is the proof; old tokens die.
	e.clk.Advance(61 * time.Second)
	code = e.codeFor("c2@example.com")
	e.anonV1("resetPassword", map[string]any{"account": "c2@example.com", "password": "pwC3", "verifyCode": "999999x"}).wantErr(t, "reset with wrong code", 3505)
	rb := e.anonV1("resetPassword", map[string]any{"account": "c2@example.com", "password": "pwC3", "verifyCode": code}).must(t, "resetPassword")
	ns := sessionOf(t, rb)
	if ns.id != s.id || ns.token == s.token || rb["tokenExpire"] == "" {
		t.Fatalf("resetPassword answer %v", rb)
	}
	e.user(s, "getUserProfile", nil).wantErr(t, "token from before the reset", 3015)
	e.user(ns, "getUserProfile", nil).must(t, "token from the reset")
	e.anonV1("login", map[string]any{"account": "c2@example.com", "password": "pwC3"}).must(t, "login after reset")
	e.anonV1("resetPassword", map[string]any{"account": "ghost@example.com", "password": "x", "verifyCode": "123456"}).wantErr(t, "reset unknown", 3501)
}

func TestListAllAccountsPagingAndLimits(t *testing.T) {
	e := newEnv(t, account.Options{})
	hash, err := e.svc.HashPassword("seeded")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := 0; i < 25; i++ {
		id, err := e.svc.CreateUser(context.Background(), nil, 1, account.NewUser{
			Phone: fmt.Sprintf("+3360000%04d", i), NickName: fmt.Sprintf("u%d", i), PasswordHash: hash,
			Profile: map[string]any{"n": i},
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := e.svc.CreateUser(context.Background(), nil, 1, account.NewUser{Phone: "+33600000003"}); err == nil || !strings.HasPrefix(err.Error(), "3502") {
		t.Fatalf("duplicate seeded phone: %v", err)
	}
	if _, err := e.svc.CreateUser(context.Background(), nil, 1, account.NewUser{Email: "z@example.com", PasswordHash: "clear-text"}); err == nil {
		t.Fatal("CreateUser took a clear-text PasswordHash")
	}
	e.anonV1("login", map[string]any{"account": "+33600000007", "password": "seeded"}).must(t, "login seeded user")

	page := func(p map[string]any) []int64 {
		t.Helper()
		var out []int64
		for _, a := range e.dev("listAllAccounts", p).must(t, fmt.Sprint("listAllAccounts ", p))["accounts"].([]any) {
			out = append(out, num(t, a.(map[string]any)["userId"]))
		}
		return out
	}
	if got := page(map[string]any{"offset": 0, "limit": 10}); fmt.Sprint(got) != fmt.Sprint(ids[:10]) {
		t.Fatalf("first page %v", got)
	}
	if got := page(map[string]any{"offset": 20, "limit": 10}); fmt.Sprint(got) != fmt.Sprint(ids[20:]) {
		t.Fatalf("last page %v", got)
	}
	if got := page(map[string]any{"offset": "5", "limit": "1"}); len(got) != 1 || got[0] != ids[5] {
		t.Fatalf("numeric strings page %v", got)
	}
	if got := page(map[string]any{"offset": 100, "limit": 100}); len(got) != 0 {
		t.Fatalf("page past the end %v", got)
	}
	e.dev("listAllAccounts", map[string]any{"offset": 0, "limit": 0}).wantErr(t, "limit 0", 3002)
	e.dev("listAllAccounts", map[string]any{"offset": 0, "limit": 101}).wantErr(t, "limit 101", 3002)
	e.dev("listAllAccounts", map[string]any{"offset": -1, "limit": 10}).wantErr(t, "offset -1", 3002)
	if n := num(t, e.dev("getAccountCount", nil).must(t, "getAccountCount")["count"]); n != 25 {
		t.Fatalf("count %d", n)
	}

	profs := e.dev("getProfilesByUserList", map[string]any{"userList": []any{ids[3], 99999, ids[1], ids[3]}}).must(t, "getProfilesByUserList")["profiles"].([]any)
	if len(profs) != 2 || num(t, profs[0].(map[string]any)["userId"]) != ids[3] || num(t, profs[1].(map[string]any)["n"]) != 1 {
		t.Fatalf("profiles %v", profs)
	}
	big := make([]int64, 1001)
	e.dev("getProfilesByUserList", map[string]any{"userList": big}).wantErr(t, "1001 ids", 3002)
	e.dev("getProfilesByUserList", map[string]any{"userList": []any{1, "x"}}).wantErr(t, "non-integer id", 3002)
	e.dev("getProfilesByUserList", nil).wantErr(t, "no userList", 3002)
	// Developer methods refuse anonymous and user-signed callers.
	e.anon("listAllAccounts", nil).wantErr(t, "anonymous listAllAccounts", 3001)
}

func TestClearUsersOnlyInTestMode(t *testing.T) {
	prod := newEnv(t, account.Options{RuntimeMode: "production"})
	prod.registerV1("p@example.com", "pw")
	prod.dev("clearUsers", nil).wantErr(t, "clearUsers in production", 3004)
	if n := num(t, prod.dev("getAccountCount", nil).must(t, "count")["count"]); n != 1 {
		t.Fatalf("count after refused clearUsers = %d", n)
	}

	e := newEnv(t, account.Options{RuntimeMode: "test"})
	s := e.registerV1("q@example.com", "pw")
	e.dev("clearUsers", nil).must(t, "clearUsers in test")
	if n := num(t, e.dev("getAccountCount", nil).must(t, "count")["count"]); n != 0 {
		t.Fatalf("count after clearUsers = %d", n)
	}
	e.user(s, "getUserProfile", nil).wantErr(t, "session of a cleared user", 3015)
	// Ids are never reused, so references elsewhere cannot reach a new user.
	n := e.registerV1("q@example.com", "pw")
	if n.id <= s.id {
		t.Fatalf("new user got id %d after clearing %d", n.id, s.id)
	}
}

func TestPasswordsNotStoredInClear(t *testing.T) {
	e := newEnv(t, account.Options{})
	const pw = "Very-Secret-Pass-42"
	s := e.registerV1("r@example.com", pw)
	rows, err := e.db.Query(`SELECT * FROM account_users WHERE id = ?`, s.id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatal("no row")
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	var hash string
	for i, c := range cols {
		v := fmt.Sprint(vals[i])
		if b, ok := vals[i].([]byte); ok {
			v = string(b)
		}
		if strings.Contains(v, pw) {
			t.Fatalf("column %s holds the password in clear: %q", c, v)
		}
		if c == "password_hash" {
			hash = v
		}
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) != nil {
		t.Fatalf("password_hash %q is not a bcrypt hash of the password", hash)
	}
	for _, m := range []string{"getAccountInfo", "getWholeUserProfile"} {
		b, _ := json.Marshal(e.dev(m, map[string]any{"userId": s.id}).must(t, m))
		if strings.Contains(string(b), "$2a$") || strings.Contains(string(b), pw) || strings.Contains(string(b), "assword") {
			t.Fatalf("%s leaks the password: %s", m, b)
		}
	}
}

func TestHostileInputsChangeNothing(t *testing.T) {
	e := newEnv(t, account.Options{})
	s := e.registerV1("h@example.com", "pw")
	e.dev("getAccountInfo", map[string]any{"userId": "abc"}).wantErr(t, `userId "abc"`, 3002)
	e.dev("getAccountInfo", map[string]any{"userId": 1.5}).wantErr(t, "userId 1.5", 3002)
	e.dev("getAccountInfo", map[string]any{"userId": map[string]any{}}).wantErr(t, "userId object", 3002)
	e.dev("getAccountInfo", nil).wantErr(t, "no userId", 3002)
	e.dev("listAllAccounts", map[string]any{"limit": "ten"}).wantErr(t, "limit text", 3002)

	r := e.user(s, "changeNickName", map[string]any{"nickName": strings.Repeat("é", 65)})
	r.wantErr(t, "65-char nickName", 3002)
	if len(r.msg) > 200 {
		t.Fatalf("error message echoes the huge input: %d bytes", len(r.msg))
	}
	e.user(s, "changeNickName", map[string]any{"nickName": strings.Repeat("x", 100000)}).wantErr(t, "huge nickName", 3002)
	e.user(s, "changeNickName", map[string]any{"nickName": "evil\x1b[2J"}).wantErr(t, "escape in nickName", 3002)
	e.user(s, "changeNickName", map[string]any{"nickName": []any{"a"}}).wantErr(t, "array nickName", 3002)
	e.user(s, "setUserProfile", map[string]any{"userProfile": "not an object"}).wantErr(t, "profile string", 3002)
	e.user(s, "setUserProfile", map[string]any{"userProfile": map[string]any{"email": "x@y.z"}}).wantErr(t, "base field in profile", 3002)
	e.user(s, "setUserProfile", map[string]any{"userProfile": map[string]any{"blob": strings.Repeat("x", 70<<10)}}).wantErr(t, "huge profile", 3002)
	e.do("register", nil, signing{rawBody: `{"email": "x@example.com", `}).wantErr(t, "malformed JSON", 3002)
	e.anonV1("register", map[string]any{"email": "x@", "password": "p", "verifyCode": "1"}).wantErr(t, "bad email", 3507)
	e.anonV1("register", map[string]any{"phone": "12ab45678", "password": "p", "verifyCode": "1"}).wantErr(t, "bad phone", 3508)
	e.anonV1("register", map[string]any{"password": "p", "verifyCode": "1"}).wantErr(t, "no email or phone", 3002)
	e.anonV1("register", map[string]any{"email": "y@example.com", "password": strings.Repeat("p", 73), "verifyCode": "1"}).wantErr(t, "73-byte password", 3002)
	e.anonV1("login", map[string]any{"account": true, "password": 5}).wantErr(t, "odd login types", 3508)

	info := e.dev("getAccountInfo", map[string]any{"userId": s.id}).must(t, "info")
	if info["nickName"] != "n-h@example.com" {
		t.Fatalf("nickName changed to %q by a refused call", info["nickName"])
	}
	prof := e.user(s, "getUserProfile", nil).must(t, "profile")["userProfile"].(map[string]any)
	if len(prof) != 0 {
		t.Fatalf("profile changed by refused calls: %v", prof)
	}
	if n := num(t, e.dev("getAccountCount", nil).must(t, "count")["count"]); n != 1 {
		t.Fatalf("count %d after refused registers", n)
	}
}

// BenchmarkGetAccountInfo drives getAccountInfo through the router with 64
// concurrent clients (32 per core on the 2-core CI), the load it is
// budgeted for.
func BenchmarkGetAccountInfo(b *testing.B) {
	e := newEnv(b, account.Options{})
	hash, err := e.svc.HashPassword("pw")
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for i := 0; i < 200; i++ {
		id, err := e.svc.CreateUser(context.Background(), nil, 1, account.NewUser{Phone: fmt.Sprintf("+3370000%04d", i), PasswordHash: hash})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := ids[int(n.Add(1))%len(ids)]
			if r := e.dev("getAccountInfo", map[string]any{"userId": id}); !r.ok {
				b.Errorf("getAccountInfo %d: %d %s", id, r.code, r.msg)
				return
			}
		}
	})
}

// Keyset pages (afterId) walk every account once, in id order, and say the
// same as offset pages; the count is kept exact through registers, refused
// registers and clearUsers.
func TestListAllAccountsAfterIDAndMaintainedCount(t *testing.T) {
	e := newEnv(t, account.Options{RuntimeMode: "test"})
	count := func() int64 {
		t.Helper()
		return num(t, e.dev("getAccountCount", nil).must(t, "getAccountCount")["count"])
	}
	if n := count(); n != 0 {
		t.Fatalf("count of an empty domain = %d", n)
	}
	var ids []int64
	for i := 0; i < 7; i++ {
		ids = append(ids, e.registerV1(fmt.Sprintf("k%d@example.com", i), "pw").id)
	}
	// A refused register (the email is taken) writes nothing, count included.
	if _, err := e.svc.CreateUser(context.Background(), nil, 1, account.NewUser{Email: "k3@example.com"}); err == nil {
		t.Fatal("duplicate email accepted")
	}
	if n := count(); n != 7 {
		t.Fatalf("count after 7 registers and a refused one = %d", n)
	}
	page := func(p map[string]any) []int64 {
		t.Helper()
		var out []int64
		for _, a := range e.dev("listAllAccounts", p).must(t, fmt.Sprint("listAllAccounts ", p))["accounts"].([]any) {
			out = append(out, num(t, a.(map[string]any)["userId"]))
		}
		return out
	}
	var walked []int64
	after := int64(0)
	for {
		got := page(map[string]any{"afterId": after, "limit": 3})
		if len(got) == 0 {
			break
		}
		walked = append(walked, got...)
		after = got[len(got)-1]
	}
	if fmt.Sprint(walked) != fmt.Sprint(ids) {
		t.Fatalf("keyset walk %v, want %v", walked, ids)
	}
	if got := page(map[string]any{"afterId": ids[2], "limit": 2}); fmt.Sprint(got) != fmt.Sprint(page(map[string]any{"offset": 3, "limit": 2})) {
		t.Fatalf("afterId %d page %v differs from offset 3", ids[2], got)
	}
	if got := page(map[string]any{"afterId": fmt.Sprint(ids[5]), "limit": "10"}); fmt.Sprint(got) != fmt.Sprint(ids[6:]) {
		t.Fatalf("afterId as a numeric string: %v", got)
	}
	e.dev("listAllAccounts", map[string]any{"afterId": -1, "limit": 10}).wantErr(t, "afterId -1", 3002)
	e.dev("listAllAccounts", map[string]any{"afterId": "x", "limit": 10}).wantErr(t, "afterId x", 3002)
	e.dev("listAllAccounts", map[string]any{"afterId": 1, "offset": 2, "limit": 10}).wantErr(t, "afterId with offset", 3002)

	e.dev("clearUsers", nil).must(t, "clearUsers")
	if n := count(); n != 0 {
		t.Fatalf("count after clearUsers = %d", n)
	}
	e.registerV1("again@example.com", "pw")
	if n := count(); n != 1 {
		t.Fatalf("count after clearUsers and one register = %d", n)
	}
}
