package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"

	"golang.org/x/crypto/bcrypt"
)

// queryer is what both *sql.DB and *sql.Tx offer, so lookups run inside or
// outside a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// userRow is an account as stored (without profile and tokens).
type userRow struct {
	id                 int64
	email, phone, nick string
	pwHash             string
	created            int64 // Unix seconds
}

const userCols = `id, email, phone, nick_name, password_hash, create_time`

func scanUser(sc interface{ Scan(...any) error }) (userRow, error) {
	var u userRow
	err := sc.Scan(&u.id, &u.email, &u.phone, &u.nick, &u.pwHash, &u.created)
	return u, err
}

func (s *Service) userByID(ctx context.Context, q queryer, domainID, id int64) (userRow, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM account_users WHERE id = ? AND domain_id = ?`, id, domainID))
	if store.IsNoRows(err) {
		return u, rpc.Errorf(models.ErrAccountAbsent, "user %d does not exist in this major domain", id)
	}
	return u, err
}

func (s *Service) userByAccount(ctx context.Context, q queryer, domainID int64, acct string, isEmail bool) (userRow, error) {
	col := "phone"
	if isEmail {
		col = "email"
	}
	// "<> ''" lets SQLite use the partial unique index on the column;
	// without it every lookup scans all accounts.
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM account_users WHERE domain_id = ? AND `+col+` = ? AND `+col+` <> ''`, domainID, acct))
	if store.IsNoRows(err) {
		return u, rpc.Errorf(models.ErrAccountAbsent, "no account has the %s %s: check it or register first", col, acct)
	}
	return u, err
}

// checkFree fails with 3502 when email or phone belongs to a user other
// than self (0 = nobody yet).
func checkFree(ctx context.Context, q queryer, domainID int64, email, phone string, self int64) error {
	for _, f := range []struct{ col, v string }{{"email", email}, {"phone", phone}} {
		if f.v == "" {
			continue
		}
		var id int64
		err := q.QueryRowContext(ctx, `SELECT id FROM account_users WHERE domain_id = ? AND `+f.col+` = ? AND `+f.col+` <> ''`, domainID, f.v).Scan(&id)
		if err == nil && id != self {
			return rpc.Errorf(models.ErrAccountExists, "the %s %s already has an account: log in, or use resetPassword if the password is lost", f.col, f.v)
		}
		if err != nil && !store.IsNoRows(err) {
			return err
		}
	}
	return nil
}

// uniqueViolation turns a unique-index failure that slipped past checkFree
// (two writers racing) into the same 3502 a person would have got.
func uniqueViolation(err error) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return rpc.Errorf(models.ErrAccountExists, "that email or phone already has an account: log in instead")
	}
	return err
}

type newRow struct {
	email, phone, nick, pwHash, profile string
	created                             time.Time
}

func insertUser(ctx context.Context, tx *sql.Tx, domainID int64, r newRow) (int64, error) {
	if r.profile == "" {
		r.profile = "{}"
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO account_users(domain_id, email, phone, nick_name, password_hash, profile, create_time) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		domainID, r.email, r.phone, r.nick, r.pwHash, r.profile, r.created.Unix()).Scan(&id)
	if err != nil {
		return 0, uniqueViolation(err)
	}
	if err := countUsers(ctx, tx, domainID, 1); err != nil {
		return 0, err
	}
	return id, nil
}

// countUsers moves the domain's account count (account_user_counts) by
// delta, in the transaction that inserted or deleted the accounts.
func countUsers(ctx context.Context, tx *sql.Tx, domainID, delta int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO account_user_counts(domain_id, n) VALUES (?, ?)
		ON CONFLICT (domain_id) DO UPDATE SET n = account_user_counts.n + excluded.n`, domainID, delta)
	return err
}

// loginAnswer is the user-login object (PROTOCOL §3.1). Every key is always
// present; an expiry is "" when the token does not expire.
type loginAnswer struct {
	UserID             int64  `json:"userId"`
	Token              string `json:"token"`
	TokenExpire        string `json:"tokenExpire"`
	RefreshToken       string `json:"refreshToken"`
	RefreshTokenExpire string `json:"refreshTokenExpire"`
	NickName           string `json:"nickName"`
	Email              string `json:"email"`
	Phone              string `json:"phone"`
}

func loginOf(u userRow, t issued) loginAnswer {
	return loginAnswer{
		UserID: u.id, Token: t.access, TokenExpire: fmtExpire(t.accessExp),
		RefreshToken: t.refresh, RefreshTokenExpire: fmtExpire(t.refreshExp),
		NickName: u.nick, Email: u.email, Phone: u.phone,
	}
}

// userAnswer is the user object without tokens (getAccountInfo,
// listAllAccounts).
type userAnswer struct {
	UserID     int64  `json:"userId"`
	NickName   string `json:"nickName"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	CreateTime string `json:"createTime"`
}

func userOf(u userRow) userAnswer {
	return userAnswer{u.id, u.nick, u.email, u.phone, models.FormatTime(time.Unix(u.created, 0))}
}

// HashPassword hashes a password with bcrypt at the configured cost. A
// seeder hashes one password once and passes it to CreateUser for many users.
func (s *Service) HashPassword(pw string) (string, error) {
	if err := checkPassword("password", pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cost)
	return string(h), err
}

func passwordMatches(hash, pw string) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// emailPhone reads the optional email and phone keys, validated; at least
// one is required.
func emailPhone(c *rpc.Call) (email, phone string, err error) {
	if email, err = c.OptString("email"); err != nil {
		return
	}
	if phone, err = c.OptString("phone"); err != nil {
		return
	}
	if strings.TrimSpace(email) != "" {
		if email, err = normEmail(email); err != nil {
			return
		}
	} else {
		email = ""
	}
	if strings.TrimSpace(phone) != "" {
		if phone, err = normPhone(phone); err != nil {
			return
		}
	} else {
		phone = ""
	}
	if email == "" && phone == "" {
		err = rpc.Errorf(models.ErrInvalidParam, "give an email or a phone (or both)")
	}
	return
}

func optNickName(c *rpc.Call) (string, error) {
	n, err := c.OptString("nickName")
	if err != nil {
		return "", err
	}
	return checkNickName(n)
}

func verifyCodeParam(c *rpc.Call) (string, error) {
	v, err := c.OptString("verifyCode")
	if err != nil {
		return "", err
	}
	if v = strings.TrimSpace(v); v == "" {
		return "", rpc.Errorf(models.ErrInvalidParam, "verifyCode is required: ask for one with sendVerifyCode")
	}
	return v, nil
}

func passwordParam(c *rpc.Call, key string) (string, error) {
	pw, err := c.OptString(key)
	if err != nil {
		return "", err
	}
	return pw, checkPassword(key, pw)
}

func (s *Service) apiRegister(c *rpc.Call) (any, error) {
	email, phone, err := emailPhone(c)
	if err != nil {
		return nil, err
	}
	nick, err := optNickName(c)
	if err != nil {
		return nil, err
	}
	pw, err := passwordParam(c, "password")
	if err != nil {
		return nil, err
	}
	code, err := verifyCodeParam(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	addr := clientAddr(c)
	// The cheap checks come before the slow bcrypt, so that a refused
	// register costs the cloud a few indexed reads: the formats above,
	// then the verify code, then whether the account exists. The
	// transaction checks the last two again.
	if err := s.checkCode(c, domain, code, email, phone); err != nil {
		return nil, err
	}
	if err := checkFree(c.Ctx, s.db, domain, email, phone, 0); err != nil {
		return nil, err
	}
	hash, err := s.HashPassword(pw)
	if err != nil {
		return nil, err
	}
	u := userRow{email: email, phone: phone, nick: nick, pwHash: hash, created: s.now().Unix()}
	var t issued
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		var err error
		if err := checkFree(c.Ctx, tx, domain, email, phone, 0); err != nil {
			return err
		}
		if _, err := s.useCode(c.Ctx, tx, domain, addr, code, email, phone); err != nil {
			return err
		}
		if u.id, err = insertUser(c.Ctx, tx, domain, newRow{email: email, phone: phone, nick: nick, pwHash: hash, created: time.Unix(u.created, 0)}); err != nil {
			return err
		}
		t, err = s.issueTokens(c.Ctx, tx, u.id, expiring(c), false)
		return err
	})
	s.noteWrongCode(c.Ctx, domain, addr, err, email, phone)
	if err != nil {
		return nil, err
	}
	return loginOf(u, t), nil
}

func (s *Service) apiLogin(c *rpc.Call) (any, error) {
	acctRaw, err := c.MustString("account")
	if err != nil {
		return nil, err
	}
	pw, err := c.OptString("password")
	if err != nil {
		return nil, err
	}
	if pw == "" {
		return nil, rpc.Errorf(models.ErrInvalidParam, "password is required")
	}
	acct, isEmail, err := normAccount(acctRaw)
	if err != nil {
		return nil, err
	}
	u, err := s.userByAccount(c.Ctx, s.db, c.MajorDomain.ID, acct, isEmail)
	if err != nil {
		return nil, err
	}
	if u.pwHash == "" {
		return nil, rpc.Errorf(models.ErrWrongPassword, "%s has no password yet: log in with its OpenID, or set one with resetPassword", acct)
	}
	if !passwordMatches(u.pwHash, pw) {
		return nil, rpc.Errorf(models.ErrWrongPassword, "wrong password for %s", acct)
	}
	return s.loginUser(c, u.id, true)
}

// loginUser issues tokens for a known user and answers the login object.
func (s *Service) loginUser(c *rpc.Call, id int64, keep bool) (any, error) {
	var u userRow
	var t issued
	err := s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.userByID(c.Ctx, tx, c.MajorDomain.ID, id); err != nil {
			return err
		}
		t, err = s.issueTokens(c.Ctx, tx, id, expiring(c), keep)
		return err
	})
	s.tokens.invalidate(id)
	if err != nil {
		return nil, err
	}
	return loginOf(u, t), nil
}

func (s *Service) apiResetPassword(c *rpc.Call) (any, error) {
	acctRaw, err := c.MustString("account")
	if err != nil {
		return nil, err
	}
	acct, isEmail, err := normAccount(acctRaw)
	if err != nil {
		return nil, err
	}
	pw, err := passwordParam(c, "password")
	if err != nil {
		return nil, err
	}
	code, err := verifyCodeParam(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	addr := clientAddr(c)
	// Cheap checks (the account, the code) before the slow bcrypt.
	if _, err := s.userByAccount(c.Ctx, s.db, domain, acct, isEmail); err != nil {
		return nil, err
	}
	if err := s.checkCode(c, domain, code, acct); err != nil {
		return nil, err
	}
	hash, err := s.HashPassword(pw)
	if err != nil {
		return nil, err
	}
	var u userRow
	var t issued
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.userByAccount(c.Ctx, tx, domain, acct, isEmail); err != nil {
			return err
		}
		if _, err := s.useCode(c.Ctx, tx, domain, addr, code, acct); err != nil {
			return err
		}
		if _, err := tx.ExecContext(c.Ctx, `UPDATE account_users SET password_hash = ? WHERE id = ?`, hash, u.id); err != nil {
			return err
		}
		// New tokens: whoever knew the old password may hold the old ones.
		t, err = s.issueTokens(c.Ctx, tx, u.id, expiring(c), false)
		return err
	})
	s.noteWrongCode(c.Ctx, domain, addr, err, acct)
	if u.id != 0 {
		s.tokens.invalidate(u.id)
	}
	if err != nil {
		return nil, err
	}
	return loginOf(u, t), nil
}

func (s *Service) apiCheckExist(c *rpc.Call) (any, error) {
	acctRaw, err := c.MustString("account")
	if err != nil {
		return nil, err
	}
	acct, isEmail, err := normAccount(acctRaw)
	if err != nil {
		// A question, not an order: a malformed account simply has no user.
		return map[string]bool{keyExist: false}, nil
	}
	_, err = s.userByAccount(c.Ctx, s.db, c.MajorDomain.ID, acct, isEmail)
	if err != nil && !isCode(err, models.ErrAccountAbsent) {
		return nil, err
	}
	return map[string]bool{keyExist: err == nil}, nil
}

func isCode(err error, code int) bool {
	var e *rpc.Error
	return errors.As(err, &e) && e.Code == code
}

// actingUser is the user of a user-scoped call, checked to exist in the
// call's major domain (the router checks signatures, not domains).
func (s *Service) actingUser(c *rpc.Call) (userRow, error) {
	uid, err := c.RequireUser()
	if err != nil {
		return userRow{}, err
	}
	return s.userByID(c.Ctx, s.db, c.MajorDomain.ID, uid)
}

// checkCallerPassword is the proof a change of email or phone needs. An
// OpenID-only account has no password to give. A developer acting for a
// user may leave it empty (PROTOCOL Q9: the PHP bridge's setPhone has no
// password); a password that is given must be right.
func checkCallerPassword(c *rpc.Call, u userRow, pw string) error {
	if u.pwHash == "" {
		return nil
	}
	if pw == "" {
		if c.Developer != nil && !c.UserSigned {
			return nil
		}
		return rpc.Errorf(models.ErrInvalidParam, "password is required to change the account's email or phone")
	}
	if !passwordMatches(u.pwHash, pw) {
		return rpc.Errorf(models.ErrWrongPassword, "wrong password")
	}
	return nil
}

// changeContact serves changeEmail and changePhone.
func (s *Service) changeContact(c *rpc.Call, col string, norm func(string) (string, error)) (any, error) {
	raw, err := c.MustString(col)
	if err != nil {
		return nil, err
	}
	v, err := norm(raw)
	if err != nil {
		return nil, err
	}
	pw, err := c.OptString("password")
	if err != nil {
		return nil, err
	}
	code, err := verifyCodeParam(c)
	if err != nil {
		return nil, err
	}
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	addr := clientAddr(c)
	if err := s.checkCode(c, domain, code, v); err != nil {
		return nil, err
	}
	// Checked before the transaction so that bcrypt does not hold the
	// database's write lock.
	if err := checkCallerPassword(c, u, pw); err != nil {
		return nil, err
	}
	email, phone := "", ""
	if col == "email" {
		email = v
	} else {
		phone = v
	}
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		if err := checkFree(c.Ctx, tx, domain, email, phone, u.id); err != nil {
			return err
		}
		if _, err := s.useCode(c.Ctx, tx, domain, addr, code, v); err != nil {
			return err
		}
		_, err := tx.ExecContext(c.Ctx, `UPDATE account_users SET `+col+` = ? WHERE id = ?`, v, u.id)
		return uniqueViolation(err)
	})
	s.noteWrongCode(c.Ctx, domain, addr, err, v)
	return nil, err
}

func (s *Service) apiChangeEmail(c *rpc.Call) (any, error) {
	return s.changeContact(c, "email", normEmail)
}

func (s *Service) apiChangePhone(c *rpc.Call) (any, error) {
	return s.changeContact(c, "phone", normPhone)
}

func (s *Service) apiChangeNickName(c *rpc.Call) (any, error) {
	raw, err := c.MustString("nickName")
	if err != nil {
		return nil, err
	}
	nick, err := checkNickName(raw)
	if err != nil {
		return nil, err
	}
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	_, err = s.db.ExecContext(c.Ctx, `UPDATE account_users SET nick_name = ? WHERE id = ?`, nick, u.id)
	return nil, err
}

func (s *Service) apiChangePassword(c *rpc.Call) (any, error) {
	old, err := c.OptString("old")
	if err != nil {
		return nil, err
	}
	pw, err := passwordParam(c, "new")
	if err != nil {
		return nil, err
	}
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	// An OpenID-only account sets its first password here with old empty.
	if u.pwHash != "" {
		if old == "" {
			return nil, rpc.Errorf(models.ErrInvalidParam, "old is required: give the current password")
		}
		if !passwordMatches(u.pwHash, old) {
			return nil, rpc.Errorf(models.ErrWrongPassword, "the old password is wrong")
		}
	}
	hash, err := s.HashPassword(pw)
	if err != nil {
		return nil, err
	}
	// Tokens stay: the caller has no other way to learn new ones, and a
	// lost password is what resetPassword (which does rotate them) is for.
	_, err = s.db.ExecContext(c.Ctx, `UPDATE account_users SET password_hash = ? WHERE id = ?`, hash, u.id)
	return nil, err
}

func (s *Service) apiBindWithAccount(c *rpc.Call) (any, error) {
	email, phone, err := emailPhone(c)
	if err != nil {
		return nil, err
	}
	pw, err := passwordParam(c, "password")
	if err != nil {
		return nil, err
	}
	nick, err := optNickName(c)
	if err != nil {
		return nil, err
	}
	code, err := verifyCodeParam(c)
	if err != nil {
		return nil, err
	}
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	if u.pwHash != "" {
		return nil, rpc.Errorf(models.ErrAccountAlreadyBound, "user %d already has an account with a password: use changeEmail or changePhone", u.id)
	}
	domain := c.MajorDomain.ID
	addr := clientAddr(c)
	if err := s.checkCode(c, domain, code, email, phone); err != nil {
		return nil, err
	}
	hash, err := s.HashPassword(pw)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		if err := checkFree(c.Ctx, tx, domain, email, phone, u.id); err != nil {
			return err
		}
		if _, err := s.useCode(c.Ctx, tx, domain, addr, code, email, phone); err != nil {
			return err
		}
		// Keep what the account already has where the call gives nothing.
		_, err := tx.ExecContext(c.Ctx, `UPDATE account_users SET
			email = CASE WHEN ? <> '' THEN ? ELSE email END,
			phone = CASE WHEN ? <> '' THEN ? ELSE phone END,
			nick_name = CASE WHEN ? <> '' THEN ? ELSE nick_name END,
			password_hash = ? WHERE id = ? AND password_hash = ''`,
			email, email, phone, phone, nick, nick, hash, u.id)
		return uniqueViolation(err)
	})
	s.noteWrongCode(c.Ctx, domain, addr, err, email, phone)
	return nil, err
}
