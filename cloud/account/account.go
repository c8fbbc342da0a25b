// Package account is the local cloud's zc-account service (PROTOCOL §2.1):
// accounts scoped per major domain, passwords, verify codes, access and
// refresh tokens, OpenIDs and extension profiles.
//
// It is written from the protocol, not from the Go client, so that each side
// checks the other; it never imports acapi.
package account

import (
	"context"
	"database/sql"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"

	"golang.org/x/crypto/bcrypt"
)

// ServiceName is the wire name of the account service.
const ServiceName = "zc-account"

// Options configure the service.
type Options struct {
	// RuntimeMode is "test" or "production"; clearUsers works only in test
	// mode, like the PHP SDK documents.
	RuntimeMode string
	// Now is the clock; nil means time.Now. Tests inject one so that verify
	// codes and tokens can expire without sleeping.
	Now func() time.Time
	// BcryptCost is the password hashing cost; 0 means bcrypt.DefaultCost.
	// Tests use bcrypt.MinCost to stay fast.
	BcryptCost int
	// SMS delivers verify codes; nil writes them to the sms_outbox table,
	// where a person running the local cloud reads them (listSmsOutbox).
	SMS Sender
	// AccessTTL and RefreshTTL are the lifetimes of expiring tokens; zero
	// means 24 hours and 30 days.
	AccessTTL, RefreshTTL time.Duration
}

// Sender delivers a verify code to a phone or an email address.
type Sender interface {
	Send(ctx context.Context, domainID int64, account, code string, template int) error
}

// The router verifies user signatures against this service's tokens.
var _ rpc.Tokens = (*Service)(nil)

// Service serves zc-account.
type Service struct {
	db     *store.DB
	opt    Options
	now    func() time.Time
	cost   int
	tokens tokenCache

	// infoStmt is getAccountInfo's query, prepared once because that path
	// is benchmarked under many concurrent clients.
	infoStmt *sql.Stmt
	// tokenStmt is AccessToken's query; it runs on every user-signed
	// request whose user is not in the cache.
	tokenStmt *sql.Stmt
}

// New builds the service over an open database (whose migrations, including
// this package's, have run).
func New(db *store.DB, opt Options) *Service {
	if opt.AccessTTL <= 0 {
		opt.AccessTTL = 24 * time.Hour
	}
	if opt.RefreshTTL <= 0 {
		opt.RefreshTTL = 30 * 24 * time.Hour
	}
	s := &Service{db: db, opt: opt, now: opt.Now, cost: opt.BcryptCost}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cost == 0 {
		s.cost = bcrypt.DefaultCost
	}
	s.tokens.m = map[int64]tokenEntry{}
	// A failed prepare leaves a statement nil and its callers fall back to
	// plain queries, so a prepare problem costs speed, never correctness.
	s.infoStmt, _ = db.Prepare(qAccountInfo)
	s.tokenStmt, _ = db.Prepare(qTokens)
	return s
}

// Register registers every method of zc-account v1. This is the server's one
// table of zc-account wire names: names PROTOCOL §2.1 marks INFERRED (the
// developer table and Q2 aliases) are grouped and marked below so that a
// correction is one edit.
func (s *Service) Register(reg *rpc.Registry) {
	h := func(name string, auth rpc.Auth, mutating bool, fn rpc.Func, aliases ...string) {
		reg.Handle(ServiceName, 1, name, rpc.Method{Auth: auth, Handler: fn, Mutating: mutating}, aliases...)
	}
	// App methods; wire names CONFIRMED (AND-ACC).
	h("register", rpc.AuthAnon, true, s.apiRegister)
	// login and loginWithOpenId issue tokens but change nothing a person
	// manages, and a read-only console must still be able to sign in; the
	// Go client marks them the same way.
	h("login", rpc.AuthAnon, false, s.apiLogin)
	// Anonymous for apps; developer-signed for PHP getUserByOpenId (INFERRED
	// alias, Q2), where the first login creates the account (seed guide:
	// "第一次登录…自动为该用户分配ID").
	h("loginWithOpenId", rpc.AuthAnonOrDev, false, s.apiLoginWithOpenID, "getUserByOpenId")
	h("bindWithOpenId", rpc.AuthUser, true, s.apiBindWithOpenID)
	h("bindWithAccount", rpc.AuthUser, true, s.apiBindWithAccount)
	h("changeEmail", rpc.AuthUser, true, s.apiChangeEmail)
	h("changePhone", rpc.AuthUser, true, s.apiChangePhone)
	h("changeNickName", rpc.AuthUser, true, s.apiChangeNickName)
	h("changePassword", rpc.AuthUser, true, s.apiChangePassword)
	// Anonymous: the verify code is the proof (PROTOCOL §2.1 resetPassword).
	h("resetPassword", rpc.AuthAnon, true, s.apiResetPassword)
	h("checkExist", rpc.AuthAnon, false, s.apiCheckExist)
	h("checkVerifyCode", rpc.AuthAnon, false, s.apiCheckVerifyCode)
	h("sendVerifyCode", rpc.AuthAnon, true, s.apiSendVerifyCode)
	h("setUserProfile", rpc.AuthUser, true, s.apiSetUserProfile)
	h("getUserProfile", rpc.AuthUser, false, s.apiGetUserProfile)
	h("listAllOpenIds", rpc.AuthUser, false, s.apiListAllOpenIDs)
	h("updateAccessToken", rpc.AuthRefresh, true, s.apiUpdateAccessToken)

	// Developer methods; wire names INFERRED from the Java/PHP names (Q2).
	h("getVerifyCode", rpc.AuthDev, true, s.apiGetVerifyCode)
	h("getAccountInfo", rpc.AuthDev, false, s.apiGetAccountInfo)
	h("getIdByAccount", rpc.AuthDev, false, s.apiGetIDByAccount)
	h("getAccountCount", rpc.AuthDev, false, s.apiGetAccountCount)
	h("listAllAccounts", rpc.AuthDev, false, s.apiListAllAccounts)
	h("registerWithOpenId", rpc.AuthDev, true, s.apiRegisterWithOpenID, "registerByOpenId")
	h("getUserOpenId", rpc.AuthDev, false, s.apiGetUserOpenID)
	h("getWholeUserProfile", rpc.AuthDev, false, s.apiGetWholeUserProfile, "getUserWholeProfile")
	h("getProfilesByUserList", rpc.AuthDev, false, s.apiGetProfilesByUserList)
	h("clearUsers", rpc.AuthDev, true, s.apiClearUsers)
	// Local extension, not part of AbleCloud: lets a person read the verify
	// codes the local cloud "sent".
	h("listSmsOutbox", rpc.AuthDev, false, s.apiListSmsOutbox)
}

// Result keys PROTOCOL marks INFERRED (Q3).
const (
	keyExist = "exist"
	keyValid = "valid"
)
