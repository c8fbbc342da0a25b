package acapi

import (
	"context"
	"encoding/json"

	"acconsole/models"
)

// Account is zc-account (PROTOCOL §2.1).
type Account struct{ c *Client }

// Account returns the account service of this client's identity.
func (c *Client) Account() Account { return Account{c} }

func (a Account) req(method string, params map[string]any, mutating bool) Request {
	return Request{Service: svcAccount, Method: method, Params: params, Mutating: mutating, NoSubDomain: true}
}

// Register creates an account with a verify code; one of email or phone is
// required.
func (a Account) Register(ctx context.Context, email, phone, nickName, password, verifyCode string) (models.User, error) {
	p := map[string]any{"password": password, "verifyCode": verifyCode}
	putIf(p, "email", email)
	putIf(p, "phone", phone)
	putIf(p, "nickName", nickName)
	r := a.req("register", p, true)
	r.Auth, r.MethodVersion = AuthAnonymous, 1
	var u models.User
	return u, a.c.call(ctx, r, &u)
}

// Login signs in with an email or phone and a password.
func (a Account) Login(ctx context.Context, account, password string) (models.User, error) {
	r := a.req("login", map[string]any{"account": account, "password": password}, false)
	r.Auth, r.MethodVersion = AuthAnonymous, 1
	var u models.User
	return u, a.c.call(ctx, r, &u)
}

// LoginWithOpenID signs in with a third-party identity (an app's path).
func (a Account) LoginWithOpenID(ctx context.Context, provider, openID, accessToken string) (models.User, error) {
	r := a.req("loginWithOpenId", map[string]any{"provider": provider, "openId": openID, "accessToken": accessToken}, false)
	r.Auth, r.MethodVersion = AuthAnonymous, 1
	var u models.User
	return u, a.c.call(ctx, r, &u)
}

// GetUserByOpenID finds the account of a third-party identity with the
// developer's signature (PHP getUserByOpenId); unionID may be empty.
func (a Account) GetUserByOpenID(ctx context.Context, provider, openID, unionID string) (models.User, error) {
	p := map[string]any{"provider": provider, "openId": openID}
	putIf(p, "unionId", unionID)
	r := a.req("loginWithOpenId", p, false)
	r.Auth, r.MethodVersion = AuthDeveloper, 1
	var u models.User
	return u, a.c.call(ctx, r, &u)
}

// RegisterWithOpenID creates an account for a third-party identity
// (developer scope; PHP registerByOpenId).
func (a Account) RegisterWithOpenID(ctx context.Context, provider, openID, unionID string) (models.User, error) {
	p := map[string]any{"provider": provider, "openId": openID}
	putIf(p, "unionId", unionID)
	r := a.req(mRegisterWithOpenID, p, true)
	r.Auth, r.MethodVersion = AuthDeveloper, 1
	var u models.User
	return u, a.c.call(ctx, r, &u)
}

// BindWithOpenID links a third-party identity to the acting user.
func (a Account) BindWithOpenID(ctx context.Context, provider, openID, accessToken string) error {
	return a.c.call(ctx, a.req("bindWithOpenId", map[string]any{"provider": provider, "openId": openID, "accessToken": accessToken}, true), nil)
}

// BindWithAccount gives an OpenID-only user an email or phone and password.
func (a Account) BindWithAccount(ctx context.Context, email, phone, password, nickName, verifyCode string) error {
	p := map[string]any{"password": password, "nickName": nickName, "verifyCode": verifyCode}
	putIf(p, "email", email)
	putIf(p, "phone", phone)
	return a.c.call(ctx, a.req("bindWithAccount", p, true), nil)
}

// ChangeEmail sets the acting user's email after checking a verify code.
func (a Account) ChangeEmail(ctx context.Context, email, password, verifyCode string) error {
	return a.c.call(ctx, a.req("changeEmail", map[string]any{"email": email, "password": password, "verifyCode": verifyCode}, true), nil)
}

// ChangePhone sets the acting user's phone after checking a verify code.
// Under a developer signature the password may be empty (Q9).
func (a Account) ChangePhone(ctx context.Context, phone, password, verifyCode string) error {
	return a.c.call(ctx, a.req("changePhone", map[string]any{"phone": phone, "password": password, "verifyCode": verifyCode}, true), nil)
}

// ChangeNickName renames the acting user.
func (a Account) ChangeNickName(ctx context.Context, nickName string) error {
	return a.c.call(ctx, a.req("changeNickName", map[string]any{"nickName": nickName}, true), nil)
}

// ChangePassword replaces the acting user's password.
func (a Account) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	r := a.req("changePassword", map[string]any{"old": oldPassword, "new": newPassword}, true)
	r.MethodVersion = 1
	return a.c.call(ctx, r, nil)
}

// ResetPassword sets a new password with a verify code as the proof.
func (a Account) ResetPassword(ctx context.Context, account, password, verifyCode string) (models.User, error) {
	r := a.req("resetPassword", map[string]any{"account": account, "password": password, "verifyCode": verifyCode}, true)
	r.MethodVersion = 1
	if a.c.ActingUser() == 0 {
		r.Auth = AuthAnonymous
	}
	var u models.User
	return u, a.c.call(ctx, r, &u)
}

// CheckExist reports whether an email or phone has an account.
func (a Account) CheckExist(ctx context.Context, account string) (bool, error) {
	r := a.req("checkExist", map[string]any{"account": account}, false)
	r.Auth = AuthAnonymous
	return a.boolResult(ctx, r, keyExist)
}

// CheckVerifyCode reports whether code is the current verify code of account.
func (a Account) CheckVerifyCode(ctx context.Context, account, code string) (bool, error) {
	r := a.req("checkVerifyCode", map[string]any{"account": account, "verifyCode": code}, false)
	r.Auth = AuthAnonymous
	return a.boolResult(ctx, r, keyValid)
}

// SendVerifyCode asks the cloud to send a verify code to a phone or email.
// timeoutSeconds (0 = the cloud's default) is how long it stays valid.
func (a Account) SendVerifyCode(ctx context.Context, account string, template, timeoutSeconds int) error {
	p := map[string]any{"account": account, "template": template}
	if timeoutSeconds > 0 {
		p[keyVerifyTimeout] = timeoutSeconds
	}
	r := a.req("sendVerifyCode", p, true)
	r.Auth = AuthAnonymous
	return a.c.call(ctx, r, nil)
}

// GetVerifyCode reads the current verify code of account (developer scope),
// creating one valid for timeoutSeconds when there is none.
func (a Account) GetVerifyCode(ctx context.Context, account string, timeoutSeconds int) (string, error) {
	r := a.req(mGetVerifyCode, map[string]any{"account": account, "timeout": timeoutSeconds}, true)
	r.Auth = AuthDeveloper
	var out struct {
		VerifyCode string `json:"verifyCode"`
	}
	return out.VerifyCode, a.c.call(ctx, r, &out)
}

// SetUserProfile merges keys into the acting user's extended profile.
func (a Account) SetUserProfile(ctx context.Context, profile map[string]any) error {
	return a.c.call(ctx, a.req("setUserProfile", map[string]any{"userProfile": profile}, true), nil)
}

// GetUserProfile reads the acting user's extended profile.
func (a Account) GetUserProfile(ctx context.Context) (map[string]any, error) {
	var out struct {
		UserProfile map[string]any `json:"userProfile"`
	}
	err := a.c.call(ctx, a.req("getUserProfile", nil, false), &out)
	if out.UserProfile == nil {
		out.UserProfile = map[string]any{}
	}
	return out.UserProfile, err
}

// ListAllOpenIDs lists the acting user's third-party identities.
func (a Account) ListAllOpenIDs(ctx context.Context) ([]models.OpenID, error) {
	var out struct {
		OpenIDs []models.OpenID `json:"openIds"`
	}
	return out.OpenIDs, a.c.call(ctx, a.req("listAllOpenIds", nil, false), &out)
}

// UpdateAccessToken trades the refresh token of a user-signed client for a
// new access token.
func (a Account) UpdateAccessToken(ctx context.Context, refreshToken string) (models.Token, error) {
	// A session call like login: it changes no user data, so a read-only
	// client may keep its session alive.
	r := a.req("updateAccessToken", nil, false)
	r.Auth, r.RefreshToken, r.MethodVersion = AuthRefresh, refreshToken, 1
	var t models.Token
	return t, a.c.call(ctx, r, &t)
}

// GetAccountInfo reads one account (developer scope).
func (a Account) GetAccountInfo(ctx context.Context, userID int64) (models.User, error) {
	r := a.req(mGetAccountInfo, map[string]any{"userId": userID}, false)
	r.Auth = AuthDeveloper
	var u models.User
	return u, a.c.call(ctx, r, &u)
}

// GetIDByAccount finds a user id by email or phone.
func (a Account) GetIDByAccount(ctx context.Context, account string) (int64, error) {
	r := a.req(mGetIDByAccount, map[string]any{"account": account}, false)
	r.Auth = AuthDeveloper
	var out struct {
		UserID int64 `json:"userId"`
	}
	return out.UserID, a.c.call(ctx, r, &out)
}

// GetAccountCount counts the accounts of the major domain.
func (a Account) GetAccountCount(ctx context.Context) (int64, error) {
	r := a.req(mGetAccountCount, nil, false)
	r.Auth = AuthDeveloper
	var out struct {
		Count int64 `json:"count"`
	}
	return out.Count, a.c.call(ctx, r, &out)
}

// ListAllAccounts pages through accounts in id order; limit is 1–100.
func (a Account) ListAllAccounts(ctx context.Context, offset, limit int) ([]models.User, error) {
	r := a.req(mListAllAccounts, map[string]any{"offset": offset, "limit": limit}, false)
	r.Auth = AuthDeveloper
	var out struct {
		Accounts []models.User `json:"accounts"`
	}
	return out.Accounts, a.c.call(ctx, r, &out)
}

// ListAccountsAfter pages through accounts in id order from the first id
// above afterID (0 for the first page); limit is 1–100. Each page costs the
// same however deep it is, unlike ListAllAccounts' offset. Local cloud only
// (the afterId key, PROTOCOL-EXTENSIONS.md): a real router ignores it and
// answers the first page every time.
func (a Account) ListAccountsAfter(ctx context.Context, afterID int64, limit int) ([]models.User, error) {
	r := a.req(mListAllAccounts, map[string]any{"afterId": afterID, "limit": limit}, false)
	r.Auth = AuthDeveloper
	var out struct {
		Accounts []models.User `json:"accounts"`
	}
	return out.Accounts, a.c.call(ctx, r, &out)
}

// GetUserOpenID reads a user's OpenID at provider.
func (a Account) GetUserOpenID(ctx context.Context, userID int64, provider string) (string, error) {
	r := a.req(mGetUserOpenID, map[string]any{"userId": userID, "provider": provider}, false)
	r.Auth = AuthDeveloper
	var out struct {
		OpenID string `json:"openId"`
	}
	return out.OpenID, a.c.call(ctx, r, &out)
}

// GetWholeUserProfile reads base and extended profile flattened, by user id
// or (when userID is 0) by account.
func (a Account) GetWholeUserProfile(ctx context.Context, userID int64, account string) (map[string]any, error) {
	p := map[string]any{}
	if userID != 0 {
		p["userId"] = userID
	} else {
		p["account"] = account
	}
	r := a.req(mGetWholeUserProfile, p, false)
	r.Auth = AuthDeveloper
	var out struct {
		Profile map[string]any `json:"profile"`
	}
	err := a.c.call(ctx, r, &out)
	return out.Profile, err
}

// GetProfilesByUserList reads the whole profiles of up to 1000 users.
func (a Account) GetProfilesByUserList(ctx context.Context, userIDs []int64) ([]map[string]any, error) {
	r := a.req(mGetProfilesByUserList, map[string]any{"userList": userIDs}, false)
	r.Auth = AuthDeveloper
	var out struct {
		Profiles []map[string]any `json:"profiles"`
	}
	return out.Profiles, a.c.call(ctx, r, &out)
}

// ClearUsers deletes every account; the cloud allows it in test mode only.
func (a Account) ClearUsers(ctx context.Context) error {
	r := a.req(mClearUsers, nil, true)
	r.Auth = AuthDeveloper
	return a.c.call(ctx, r, nil)
}

// boolResult reads a boolean answer under key, falling back to the only key
// present or a bare JSON boolean (Q3).
func (a Account) boolResult(ctx context.Context, r Request, key string) (bool, error) {
	resp, err := a.c.Do(ctx, r)
	if err != nil {
		return false, err
	}
	return decodeBool(resp.Body, key)
}

func decodeBool(body []byte, key string) (bool, error) {
	var b bool
	if json.Unmarshal(body, &b) == nil {
		return b, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return false, &Error{Code: models.ErrInternal, Message: "malformed response: " + err.Error()}
	}
	raw, ok := m[key]
	if !ok && len(m) == 1 {
		for _, v := range m {
			raw, ok = v, true
		}
	}
	if !ok || json.Unmarshal(raw, &b) != nil {
		return false, &Error{Code: models.ErrInternal, Message: "response has no boolean " + key}
	}
	return b, nil
}

func putIf(p map[string]any, k, v string) {
	if v != "" {
		p[k] = v
	}
}

// OutboxMessage is a verify code the local cloud wrote to its SMS outbox.
type OutboxMessage struct {
	Account  string `json:"account"`
	Code     string `json:"code"`
	Template int    `json:"template"`
	SentAt   string `json:"sentAt"`
}

// ListSMSOutbox reads the newest verify codes the cloud "sent".
//
// LOCAL EXTENSION: only the local cloud has an outbox (zc-account/
// listSmsOutbox); a real router answers 3010.
func (a Account) ListSMSOutbox(ctx context.Context, limit int) ([]OutboxMessage, error) {
	r := a.req("listSmsOutbox", map[string]any{"limit": limit}, false)
	r.Auth = AuthDeveloper
	var out struct {
		Messages []OutboxMessage `json:"messages"`
	}
	return out.Messages, a.c.call(ctx, r, &out)
}
