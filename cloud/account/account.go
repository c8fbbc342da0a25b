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
	"acconsole/internal/clock"

	"golang.org/x/crypto/bcrypt"
)

// ServiceName is the wire name of the account service.
const ServiceName = "zc-account"

// Options configure the service.
type Options struct {
	// RuntimeMode is "test" or "production"; clearUsers works only in test
	// mode, like the PHP SDK documents.
	RuntimeMode string
	// Clock is the time; nil is the wall clock. Tests inject a clock.Fake
	// so that verify codes and tokens can expire without sleeping.
	Clock clock.Clock
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
	s := &Service{db: db, opt: opt, now: clock.Or(opt.Clock).Now, cost: opt.BcryptCost}
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
	h := func(name string, auth rpc.Auth, rule rpc.Rule, mutating bool, fn rpc.Func, aliases ...string) {
		reg.Handle(ServiceName, 1, name, rpc.Method{Auth: auth, Rule: rule, Handler: fn, Mutating: mutating}, aliases...)
	}
	const (
		anon, user, dev = rpc.AuthAnon, rpc.AuthUser, rpc.AuthDev
		public, self    = rpc.RulePublic, rpc.RuleSelf
	)
	// App methods; wire names CONFIRMED (AND-ACC).
	h("register", anon, public, true, s.apiRegister)
	// login and loginWithOpenId issue tokens but change nothing a person
	// manages, and a read-only console must still be able to sign in; the
	// Go client marks them the same way.
	h("login", anon, public, false, s.apiLogin)
	// Anonymous for apps, where the first login creates the account (seed
	// guide: "第一次登录…自动为该用户分配ID"). Developer-signed it is PHP
	// getUserByOpenId (INFERRED alias, Q2): a lookup that creates nothing.
	h("loginWithOpenId", rpc.AuthAnonOrDev, public, false, s.apiLoginWithOpenID, "getUserByOpenId")
	h("bindWithOpenId", user, self, true, s.apiBindWithOpenID)
	h("bindWithAccount", user, self, true, s.apiBindWithAccount)
	h("changeEmail", user, self, true, s.apiChangeEmail)
	h("changePhone", user, self, true, s.apiChangePhone)
	h("changeNickName", user, self, true, s.apiChangeNickName)
	h("changePassword", user, self, true, s.apiChangePassword)
	// Anonymous: the verify code is the proof (PROTOCOL §2.1 resetPassword).
	h("resetPassword", anon, public, true, s.apiResetPassword)
	h("checkExist", anon, public, false, s.apiCheckExist)
	h("checkVerifyCode", anon, public, false, s.apiCheckVerifyCode)
	h("sendVerifyCode", anon, public, true, s.apiSendVerifyCode)
	h("setUserProfile", user, self, true, s.apiSetUserProfile)
	h("getUserProfile", user, self, false, s.apiGetUserProfile)
	h("listAllOpenIds", user, self, false, s.apiListAllOpenIDs)
	h("updateAccessToken", rpc.AuthRefresh, rpc.RuleRefresh, true, s.apiUpdateAccessToken)

	// Developer methods; wire names INFERRED from the Java/PHP names (Q2).
	h("getVerifyCode", dev, rpc.RuleDeveloper, true, s.apiGetVerifyCode)
	h("getAccountInfo", dev, rpc.RuleDeveloper, false, s.apiGetAccountInfo)
	h("getIdByAccount", dev, rpc.RuleDeveloper, false, s.apiGetIDByAccount)
	h("getAccountCount", dev, rpc.RuleDeveloper, false, s.apiGetAccountCount)
	h("listAllAccounts", dev, rpc.RuleDeveloper, false, s.apiListAllAccounts)
	h("registerWithOpenId", dev, rpc.RuleDeveloper, true, s.apiRegisterWithOpenID, "registerByOpenId")
	h("getUserOpenId", dev, rpc.RuleDeveloper, false, s.apiGetUserOpenID)
	h("getWholeUserProfile", dev, rpc.RuleDeveloper, false, s.apiGetWholeUserProfile, "getUserWholeProfile")
	h("getProfilesByUserList", dev, rpc.RuleDeveloper, false, s.apiGetProfilesByUserList)
	h("clearUsers", dev, rpc.RuleDeveloper, true, s.apiClearUsers)
	// Local extension, not part of AbleCloud: lets a person read the verify
	// codes the local cloud "sent".
	h("listSmsOutbox", dev, rpc.RuleDeveloper, false, s.apiListSmsOutbox)
}

// Result keys PROTOCOL marks INFERRED (Q3).
const (
	keyExist = "exist"
	keyValid = "valid"
)
