package acapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
	"acconsole/models"
)

func registerUser(t *testing.T, e *env, phone, nick, password string) models.User {
	t.Helper()
	ctx := context.Background()
	acc := e.client.Account()
	if err := acc.SendVerifyCode(ctx, phone, 1, 0); err != nil {
		t.Fatalf("sendVerifyCode: %v", err)
	}
	code, err := acc.GetVerifyCode(ctx, phone, 300)
	if err != nil || len(code) != 6 {
		t.Fatalf("getVerifyCode = %q, %v", code, err)
	}
	u, err := acc.Register(ctx, "", phone, nick, password, code)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	if u.UserID == 0 || u.Token == "" || u.RefreshToken == "" {
		t.Fatalf("register answer lacks id or tokens: %+v", u)
	}
	return u
}

func TestAccountLifecycleThroughTheClient(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := context.Background()
	acc := e.client.Account()

	u := registerUser(t, e, "13800000001", "Alice", "s3cret-pw")
	if u.TokenExpire == "" || u.RefreshTokenExpire == "" {
		t.Fatalf("register is a version-1 call and must give expiring tokens: %+v", u)
	}
	if _, err := acc.Login(ctx, "13800000001", "wrong"); acapi.Code(err) != models.ErrWrongPassword {
		t.Fatalf("login with a wrong password: %v, want 3504", err)
	}
	logged, err := acc.Login(ctx, "13800000001", "s3cret-pw")
	if err != nil || logged.UserID != u.UserID {
		t.Fatalf("login: %+v %v", logged, err)
	}

	// The app's path: user-signed calls with the token.
	app := e.client.WithUser(logged.UserID, logged.Token).Account()
	if err := app.ChangeNickName(ctx, "Alice W."); err != nil {
		t.Fatalf("changeNickName (user-signed): %v", err)
	}
	if err := app.SetUserProfile(ctx, map[string]any{"city": "Hangzhou", "floors": 3}); err != nil {
		t.Fatalf("setUserProfile: %v", err)
	}
	prof, err := app.GetUserProfile(ctx)
	if err != nil || prof["city"] != "Hangzhou" {
		t.Fatalf("getUserProfile = %v, %v", prof, err)
	}

	// The console's path: developer-signed lookups.
	info, err := acc.GetAccountInfo(ctx, u.UserID)
	if err != nil || info.NickName != "Alice W." || info.Phone != "13800000001" || info.Token != "" {
		t.Fatalf("getAccountInfo = %+v, %v", info, err)
	}
	id, err := acc.GetIDByAccount(ctx, "13800000001")
	if err != nil || id != u.UserID {
		t.Fatalf("getIdByAccount = %d, %v", id, err)
	}
	whole, err := acc.GetWholeUserProfile(ctx, u.UserID, "")
	if err != nil || whole["city"] != "Hangzhou" || whole["nickName"] != "Alice W." {
		t.Fatalf("getWholeUserProfile = %v, %v", whole, err)
	}
	exist, err := acc.CheckExist(ctx, "13800000001")
	if err != nil || !exist {
		t.Fatalf("checkExist = %v, %v", exist, err)
	}
	if exist, _ := acc.CheckExist(ctx, "13900000000"); exist {
		t.Fatal("checkExist says a never-registered phone exists")
	}
	if _, err := acc.GetAccountInfo(ctx, 999999); !errors.Is(err, acapi.ErrNotFound) {
		t.Fatalf("getAccountInfo(unknown) = %v, want not found", err)
	}

	// Refresh the token and use the new one.
	tok, err := e.client.WithUser(u.UserID, "").Account().UpdateAccessToken(ctx, logged.RefreshToken)
	if err != nil || tok.Token == "" || tok.Token == logged.Token {
		t.Fatalf("updateAccessToken = %+v, %v", tok, err)
	}
	if _, err := e.client.WithUser(u.UserID, tok.Token).Account().GetUserProfile(ctx); err != nil {
		t.Fatalf("profile with the refreshed token: %v", err)
	}
	if _, err := e.client.WithUser(u.UserID, logged.Token).Account().GetUserProfile(ctx); !errors.Is(err, acapi.ErrSignature) {
		t.Fatalf("the old token still works after refresh: %v", err)
	}
}

func TestAccountPagingAndCount(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		registerUser(t, e, "1390000000"+string(rune('0'+i)), "", "pw-123456")
	}
	acc := e.client.Account()
	n, err := acc.GetAccountCount(ctx)
	if err != nil || n != 7 {
		t.Fatalf("count = %d, %v", n, err)
	}
	var seen []int64
	for off := 0; ; off += 3 {
		page, err := acc.ListAllAccounts(ctx, off, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			seen = append(seen, u.UserID)
		}
		if len(page) < 3 {
			break
		}
	}
	if len(seen) != 7 {
		t.Fatalf("paging saw %d accounts, want 7", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("accounts not in id order: %v", seen)
		}
	}
	if _, err := acc.ListAllAccounts(ctx, 0, 101); acapi.Code(err) != models.ErrInvalidParam {
		t.Fatalf("limit 101: %v, want 3002", err)
	}
}

func TestOpenIDAccounts(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := context.Background()
	acc := e.client.Account()
	if _, err := acc.GetUserByOpenID(ctx, "weixin", "oWX-001", ""); !errors.Is(err, acapi.ErrNotFound) {
		t.Fatalf("unknown openid: %v, want not found", err)
	}
	u, err := acc.RegisterWithOpenID(ctx, "weixin", "oWX-001", "union-1")
	if err != nil || u.UserID == 0 {
		t.Fatalf("registerWithOpenId = %+v, %v", u, err)
	}
	got, err := acc.GetUserByOpenID(ctx, "weixin", "oWX-001", "")
	if err != nil || got.UserID != u.UserID {
		t.Fatalf("getUserByOpenId = %+v, %v", got, err)
	}
	oid, err := acc.GetUserOpenID(ctx, u.UserID, "weixin")
	if err != nil || oid != "oWX-001" {
		t.Fatalf("getUserOpenId = %q, %v", oid, err)
	}
	ids, err := e.client.As(u.UserID).Account().ListAllOpenIDs(ctx)
	if err != nil || len(ids) != 1 || ids[0].Provider != "weixin" {
		t.Fatalf("listAllOpenIds = %+v, %v", ids, err)
	}
	if _, err := acc.RegisterWithOpenID(ctx, "weixin", "oWX-001", ""); acapi.Code(err) != models.ErrAccountExists {
		t.Fatalf("second registration of the same openid: %v, want 3502", err)
	}
}

func TestHostileStringsAreSanitisedOnDecode(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := context.Background()
	u := registerUser(t, e, "13700000009", "x", "pw-123456")
	// The cloud refuses control characters in new nick names, but a real
	// router may hold anything: plant one in the store behind its back.
	evil := "\x1b]0;owned\x07Bob\x1b[2J\u202e\r\nline"
	if err := e.client.As(u.UserID).Account().ChangeNickName(ctx, evil); acapi.Code(err) != models.ErrInvalidParam {
		t.Fatalf("control characters in a nick name: %v, want 3002", err)
	}
	if _, err := e.cloud.DB.Exec(`UPDATE account_users SET nick_name = ? WHERE id = ?`, evil, u.UserID); err != nil {
		t.Fatal(err)
	}
	info, err := e.client.Account().GetAccountInfo(ctx, u.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if info.NickName != "Bob  line" {
		t.Fatalf("nick name reached the client as %q", info.NickName)
	}
	if _, err := e.cloud.DB.Exec(`UPDATE account_users SET profile = ? WHERE id = ?`,
		`{"note\u001b[31m":["a\u0007b",{"k":"\u009b1mv"}]}`, u.UserID); err != nil {
		t.Fatal(err)
	}
	prof, err := e.client.As(u.UserID).Account().GetUserProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, ok := prof["note"].([]any)
	if !ok || list[0] != "ab" || list[1].(map[string]any)["k"] != "v" {
		t.Fatalf("nested profile values not sanitised: %#v", prof)
	}
}

func TestReadOnlyGuardRefusesBeforeAnyIO(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := context.Background()
	u := registerUser(t, e, "13600000001", "ro", "pw-123456")
	ro := e.newClient(t, true)
	before := e.counter.n.Load()
	err := ro.As(u.UserID).Account().ChangeNickName(ctx, "changed")
	if !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("read-only change: %v, want ErrReadOnly", err)
	}
	if err := ro.Account().SendVerifyCode(ctx, "13600000001", 1, 0); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("read-only sendVerifyCode: %v", err)
	}
	if _, err := ro.Call(ctx, "some-uds", "doThing", nil, acapi.CallOptions{}); !errors.Is(err, acapi.ErrReadOnly) {
		t.Fatalf("read-only generic call: %v", err)
	}
	if got := e.counter.n.Load(); got != before {
		t.Fatalf("read-only client made %d requests", got-before)
	}
	// Reads still work, and the refusals were audited.
	if info, err := ro.Account().GetAccountInfo(ctx, u.UserID); err != nil || info.NickName != "ro" {
		t.Fatalf("read on a read-only client: %+v %v", info, err)
	}
	refused := 0
	for _, a := range e.audit.all() {
		if a.ReadOnlyRefused {
			refused++
		}
	}
	if refused != 3 {
		t.Fatalf("audited %d refusals, want 3", refused)
	}
	// Switching write mode on lets the same client write.
	ro.SetReadOnly(false)
	if err := ro.As(u.UserID).Account().ChangeNickName(ctx, "changed"); err != nil {
		t.Fatal(err)
	}
}

func TestAuditRecordsWritesWithSecretsRedacted(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := acapi.WithAuditNote(context.Background(), "ticket SUP-42")
	u := registerUser(t, e, "13500000001", "a", "pw-123456")
	_ = e.client.As(u.UserID).Account().ChangePassword(ctx, "wrong-old", "new-pass-1")
	_ = e.client.As(u.UserID).Account().ChangePassword(ctx, "pw-123456", "new-pass-2")
	var cp []acapi.AuditEntry
	for _, a := range e.audit.all() {
		if a.Method == "changePassword" {
			cp = append(cp, a)
		}
	}
	if len(cp) != 2 {
		t.Fatalf("audited %d changePassword calls, want 2", len(cp))
	}
	if cp[0].Code != models.ErrWrongPassword || cp[1].Code != 0 {
		t.Fatalf("audit result codes %d, %d", cp[0].Code, cp[1].Code)
	}
	for _, a := range cp {
		if a.Params["old"] != "[redacted]" || a.Params["new"] != "[redacted]" {
			t.Fatalf("secret leaked into audit: %#v", a.Params)
		}
		if a.ActingUser != u.UserID || a.Operator != "tester" || a.Note != "ticket SUP-42" || a.TraceID == "" {
			t.Fatalf("audit entry incomplete: %+v", a)
		}
	}
	for _, a := range e.audit.all() {
		if a.Method == "register" && strings.Contains(a.Params["password"].(string), "pw") {
			t.Fatalf("register password leaked: %#v", a.Params)
		}
	}
}

// ListAccountsAfter walks the accounts by key against the local cloud, the
// same ids ListAllAccounts gives by offset.
func TestAccountKeysetPaging(t *testing.T) {
	e := newEnv(t, cloudtest.Options{})
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		registerUser(t, e, "1390000001"+string(rune('0'+i)), "", "pw-123456")
	}
	acc := e.client.Account()
	byOffset, err := acc.ListAllAccounts(ctx, 0, 100)
	if err != nil || len(byOffset) != 7 {
		t.Fatalf("offset list: %d, %v", len(byOffset), err)
	}
	var seen []int64
	after := int64(0)
	for {
		page, err := acc.ListAccountsAfter(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, u := range page {
			seen = append(seen, u.UserID)
		}
		after = page[len(page)-1].UserID
	}
	for i, u := range byOffset {
		if i >= len(seen) || seen[i] != u.UserID {
			t.Fatalf("keyset walk %v differs from offset list at %d", seen, i)
		}
	}
	if len(seen) != 7 {
		t.Fatalf("keyset walk saw %d accounts, want 7", len(seen))
	}
	if _, err := acc.ListAccountsAfter(ctx, -1, 3); acapi.Code(err) != models.ErrInvalidParam {
		t.Fatalf("afterId -1: %v, want 3002", err)
	}
}
