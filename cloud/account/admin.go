package account

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"

	"golang.org/x/crypto/bcrypt"
)

const qAccountInfo = `SELECT nick_name, email, phone, create_time FROM account_users WHERE id = ? AND domain_id = ?`

// userIDParam reads userId, falling back to the user a developer acts for
// (X-Zc-User-Id), which is how PHP passes an ACUser.
func userIDParam(c *rpc.Call) (int64, error) {
	id, ok, err := c.Int64("userId")
	if err != nil {
		return 0, err
	}
	if !ok {
		if c.UserID == 0 {
			return 0, rpc.Errorf(models.ErrInvalidParam, "userId is required")
		}
		id = c.UserID
	}
	if id <= 0 {
		return 0, rpc.Errorf(models.ErrInvalidParam, "userId must be a positive integer (got %d)", id)
	}
	return id, nil
}

// Lookup reads a user of a major domain; ok is false when there is none.
// The token fields are left empty.
func (s *Service) Lookup(ctx context.Context, domainID, userID int64) (models.User, bool, error) {
	u := models.User{UserID: userID}
	var created int64
	var row *sql.Row
	if s.infoStmt != nil {
		row = s.infoStmt.QueryRowContext(ctx, userID, domainID)
	} else {
		row = s.db.QueryRowContext(ctx, qAccountInfo, userID, domainID)
	}
	err := row.Scan(&u.NickName, &u.Email, &u.Phone, &created)
	if store.IsNoRows(err) {
		return models.User{}, false, nil
	}
	if err != nil {
		return models.User{}, false, err
	}
	u.CreateTime = models.FormatTime(time.Unix(created, 0))
	return u, true, nil
}

// apiGetAccountInfo is benchmarked under many concurrent clients, so it is
// one prepared, indexed query and nothing else.
func (s *Service) apiGetAccountInfo(c *rpc.Call) (any, error) {
	id, err := userIDParam(c)
	if err != nil {
		return nil, err
	}
	u, ok, err := s.Lookup(c.Ctx, c.MajorDomain.ID, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, rpc.Errorf(models.ErrAccountAbsent, "user %d does not exist in this major domain", id)
	}
	return userAnswer{u.UserID, u.NickName, u.Email, u.Phone, u.CreateTime}, nil
}

// IDByAccount finds a user id by email or phone. A malformed account is
// 3507/3508 and an unknown one 3501, both as *rpc.Error.
func (s *Service) IDByAccount(ctx context.Context, domainID int64, account string) (int64, error) {
	acct, isEmail, err := normAccount(account)
	if err != nil {
		return 0, err
	}
	u, err := s.userByAccount(ctx, s.db, domainID, acct, isEmail)
	return u.id, err
}

func (s *Service) apiGetIDByAccount(c *rpc.Call) (any, error) {
	acct, err := c.MustString("account")
	if err != nil {
		return nil, err
	}
	id, err := s.IDByAccount(c.Ctx, c.MajorDomain.ID, acct)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"userId": id}, nil
}

// apiGetAccountCount reads the maintained count (account_user_counts), one
// row whatever the number of accounts: consoles ask for it on every load of
// their users page.
func (s *Service) apiGetAccountCount(c *rpc.Call) (any, error) {
	var n int64
	err := s.db.QueryRowContext(c.Ctx, `SELECT n FROM account_user_counts WHERE domain_id = ?`, c.MajorDomain.ID).Scan(&n)
	if err != nil && !store.IsNoRows(err) {
		return nil, err
	}
	return map[string]int64{"count": n}, nil
}

const maxListLimit = 100

// apiListAllAccounts pages in id order. With afterId (an extension, see
// PROTOCOL-EXTENSIONS.md) a page starts after that id and costs the same at
// any depth; offset skips rows one by one and is kept for the PHP callers.
func (s *Service) apiListAllAccounts(c *rpc.Call) (any, error) {
	offset, err := c.OptInt64("offset", 0)
	if err != nil {
		return nil, err
	}
	limit, err := c.OptInt64("limit", maxListLimit)
	if err != nil {
		return nil, err
	}
	after, keyset, err := c.Int64("afterId")
	if err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, rpc.Errorf(models.ErrInvalidParam, "offset must be 0 or more (got %d)", offset)
	}
	if limit < 1 || limit > maxListLimit {
		return nil, rpc.Errorf(models.ErrInvalidParam, "limit must be between 1 and %d (got %d): page with afterId or offset", maxListLimit, limit)
	}
	if keyset {
		if after < 0 {
			return nil, rpc.Errorf(models.ErrInvalidParam, "afterId must be 0 or more (got %d)", after)
		}
		if offset != 0 {
			return nil, rpc.Errorf(models.ErrInvalidParam, "give afterId or offset, not both")
		}
	}
	q, args := `SELECT `+userCols+` FROM account_users WHERE domain_id = ? ORDER BY id LIMIT ? OFFSET ?`, []any{c.MajorDomain.ID, limit, offset}
	if keyset {
		q, args = `SELECT `+userCols+` FROM account_users WHERE domain_id = ? AND id > ? ORDER BY id LIMIT ?`, []any{c.MajorDomain.ID, after, limit}
	}
	rows, err := s.db.QueryContext(c.Ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []userAnswer{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, userOf(u))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return map[string]any{"accounts": out}, nil
}

// apiClearUsers deletes every account of the major domain. Test mode only,
// as in the PHP SDK: in production it would wipe real customers.
func (s *Service) apiClearUsers(c *rpc.Call) (any, error) {
	if s.opt.RuntimeMode != "test" {
		return nil, rpc.Errorf(models.ErrNotAllowed, "clearUsers works only when the cloud runs in test mode (this one runs in %q mode)", s.opt.RuntimeMode)
	}
	domain := c.MajorDomain.ID
	err := s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM account_openids WHERE domain_id = ?`,
			`DELETE FROM account_users WHERE domain_id = ?`,
			`DELETE FROM account_user_counts WHERE domain_id = ?`,
			`DELETE FROM account_verify_codes WHERE domain_id = ?`,
			`DELETE FROM account_verify_sends WHERE domain_id = ?`,
		} {
			if _, err := tx.ExecContext(c.Ctx, q, domain); err != nil {
				return err
			}
		}
		return nil
	})
	s.tokens.reset()
	return nil, err
}

// NewUser is an account to create directly, without a verify code (the demo
// seeder). Give PasswordHash (from HashPassword) to create many users
// quickly, or Password to have it hashed here; neither means no password.
type NewUser struct {
	Email, Phone, NickName string
	Password               string
	PasswordHash           string
	OpenIDs                []models.OpenID
	Profile                map[string]any
	CreateTime             time.Time // zero = now
}

// CreateUser creates an account in tx, or in its own transaction when tx
// is nil, and returns its id. Inputs are validated like the wire methods'
// (errors are *rpc.Error: 3507, 3508, 3002, 3502); a refused user writes
// nothing, so a seeder may go on with its transaction. The demo seeder's
// fast path: one HashPassword, then PasswordHash for every user, and one tx.
func (s *Service) CreateUser(ctx context.Context, tx *sql.Tx, domainID int64, u NewUser) (int64, error) {
	var r newRow
	var err error
	if strings.TrimSpace(u.Email) != "" {
		if r.email, err = normEmail(u.Email); err != nil {
			return 0, err
		}
	}
	if strings.TrimSpace(u.Phone) != "" {
		if r.phone, err = normPhone(u.Phone); err != nil {
			return 0, err
		}
	}
	if r.nick, err = checkNickName(u.NickName); err != nil {
		return 0, err
	}
	r.pwHash = u.PasswordHash
	if r.pwHash != "" {
		// Cheap parse, no hashing: catches a clear-text password passed
		// as a hash, which would otherwise be stored in clear.
		if _, err := bcrypt.Cost([]byte(r.pwHash)); err != nil {
			return 0, rpc.Errorf(models.ErrInvalidParam, "PasswordHash is not a bcrypt hash: use HashPassword")
		}
	} else if u.Password != "" {
		if r.pwHash, err = s.HashPassword(u.Password); err != nil {
			return 0, err
		}
	}
	ids := make([]models.OpenID, 0, len(u.OpenIDs))
	for _, o := range u.OpenIDs {
		p, err := normProvider(o.Provider)
		if err != nil {
			return 0, err
		}
		oid, err := checkOpenID("openId", o.OpenID, true)
		if err != nil {
			return 0, err
		}
		uid, err := checkOpenID("unionId", o.UnionID, false)
		if err != nil {
			return 0, err
		}
		for _, seen := range ids {
			if seen.Provider == p && seen.OpenID == oid {
				return 0, rpc.Errorf(models.ErrInvalidParam, "%s OpenID %s is listed twice", p, oid)
			}
		}
		ids = append(ids, models.OpenID{OpenID: oid, Provider: p, UnionID: uid})
	}
	r.profile = "{}"
	if len(u.Profile) > 0 {
		for k := range u.Profile {
			if err := checkProfileKey(k); err != nil {
				return 0, err
			}
		}
		b, err := json.Marshal(u.Profile)
		if err != nil {
			return 0, rpc.Errorf(models.ErrInvalidParam, "profile cannot be stored: %v", err)
		}
		r.profile = string(b)
	}
	r.created = u.CreateTime
	if r.created.IsZero() {
		r.created = s.now()
	}
	create := func(tx *sql.Tx) (int64, error) {
		if err := checkFree(ctx, tx, domainID, r.email, r.phone, 0); err != nil {
			return 0, err
		}
		// Every check comes before the first write, so that a refused user
		// leaves nothing behind in a caller's transaction.
		for _, o := range ids {
			if owner, err := openIDOwner(ctx, tx, domainID, o.Provider, o.OpenID); err != nil {
				return 0, err
			} else if owner != 0 {
				return 0, rpc.Errorf(models.ErrAccountExists, "%s OpenID %s already belongs to user %d", o.Provider, o.OpenID, owner)
			}
		}
		id, err := insertUser(ctx, tx, domainID, r)
		if err != nil {
			return 0, err
		}
		for _, o := range ids {
			if err := linkOpenID(ctx, tx, domainID, o.Provider, o.OpenID, o.UnionID, id); err != nil {
				return 0, err
			}
		}
		return id, nil
	}
	if tx != nil {
		return create(tx)
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = create(tx)
		return err
	})
	return id, err
}

// The router asks whether a developer's acting user exists.
var _ rpc.Users = (*Service)(nil)

// UserExists reports whether userID is an account of the major domain.
func (s *Service) UserExists(ctx context.Context, domainID, userID int64) (bool, error) {
	_, ok, err := s.Lookup(ctx, domainID, userID)
	return ok, err
}
