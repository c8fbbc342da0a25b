package account

import (
	"context"
	"database/sql"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

// openIDParams reads provider, openId and (when allowed) unionId.
func openIDParams(c *rpc.Call, withUnion bool) (provider, openID, unionID string, err error) {
	var raw string
	if raw, err = c.MustString("provider"); err != nil {
		return
	}
	if provider, err = normProvider(raw); err != nil {
		return
	}
	if raw, err = c.OptString("openId"); err != nil {
		return
	}
	if openID, err = checkOpenID("openId", raw, true); err != nil {
		return
	}
	if !withUnion {
		return
	}
	if raw, err = c.OptString("unionId"); err != nil {
		return
	}
	unionID, err = checkOpenID("unionId", raw, false)
	return
}

// openIDOwner returns the user of an OpenID, 0 when nobody has it.
func openIDOwner(ctx context.Context, q queryer, domainID int64, provider, openID string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT user_id FROM account_openids WHERE domain_id = ? AND provider = ? AND open_id = ?`, domainID, provider, openID).Scan(&id)
	if store.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

// unionOwner returns the user that holds unionID, 0 when nobody does.
func unionOwner(ctx context.Context, q queryer, domainID int64, unionID string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT user_id FROM account_openids WHERE domain_id = ? AND union_id = ? ORDER BY rowid LIMIT 1`, domainID, unionID).Scan(&id)
	if store.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

func linkOpenID(ctx context.Context, tx *sql.Tx, domainID int64, provider, openID, unionID string, userID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO account_openids(domain_id, provider, open_id, union_id, user_id) VALUES (?, ?, ?, ?, ?)`,
		domainID, provider, openID, unionID, userID)
	return err
}

// apiLoginWithOpenID signs an app in with a third-party identity, creating
// the account on first use (the seed guide: the first OpenID login
// allocates the user, later ones return the same account). The third-party
// accessToken is accepted but not checked: the local cloud talks to no
// provider. Under a developer signature it is a lookup (userByOpenID); a
// unionId is read only there, because an anonymous caller must not pick the
// account an OpenID belongs to.
func (s *Service) apiLoginWithOpenID(c *rpc.Call) (any, error) {
	provider, openID, unionID, err := openIDParams(c, c.Developer != nil)
	if err != nil {
		return nil, err
	}
	if c.Developer != nil {
		return s.userByOpenID(c, provider, openID, unionID)
	}
	domain := c.MajorDomain.ID
	var u userRow
	var t issued
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		id, err := openIDOwner(c.Ctx, tx, domain, provider, openID)
		if err != nil {
			return err
		}
		if id == 0 {
			if id, err = insertUser(c.Ctx, tx, domain, newRow{created: s.now()}); err != nil {
				return err
			}
			if err := linkOpenID(c.Ctx, tx, domain, provider, openID, unionID, id); err != nil {
				return err
			}
		}
		if u, err = s.userByID(c.Ctx, tx, domain, id); err != nil {
			return err
		}
		t, err = s.issueTokens(c.Ctx, tx, id, expiring(c), true)
		return err
	})
	if u.id != 0 {
		s.tokens.invalidate(u.id)
	}
	if err != nil {
		return nil, err
	}
	return loginOf(u, t), nil
}

// userByOpenID is loginWithOpenId under a developer signature: PHP's
// getUserByOpenId, a lookup. It creates no account (the bridge registers
// with registerWithOpenId after a 3501, PROTOCOL §4.5), issues no tokens
// and links nothing, so a console or bridge looking a user up changes
// nothing about that user. An OpenID the cloud does not know is found
// through its unionId when one is given.
func (s *Service) userByOpenID(c *rpc.Call, provider, openID, unionID string) (any, error) {
	domain := c.MajorDomain.ID
	id, err := openIDOwner(c.Ctx, s.db, domain, provider, openID)
	if err != nil {
		return nil, err
	}
	if id == 0 && unionID != "" {
		if id, err = unionOwner(c.Ctx, s.db, domain, unionID); err != nil {
			return nil, err
		}
	}
	if id == 0 {
		return nil, rpc.Errorf(models.ErrAccountAbsent, "no account has %s OpenID %q", provider, openID)
	}
	u, err := s.userByID(c.Ctx, s.db, domain, id)
	if err != nil {
		return nil, err
	}
	return loginOf(u, issued{}), nil
}

// apiRegisterWithOpenID creates an account for a third-party identity
// (PHP registerByOpenId). An identity that already has an account is 3502,
// and so is a unionId another account holds: registering would split one
// person over two accounts.
func (s *Service) apiRegisterWithOpenID(c *rpc.Call) (any, error) {
	provider, openID, unionID, err := openIDParams(c, true)
	if err != nil {
		return nil, err
	}
	nick, err := optNickName(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	u := userRow{nick: nick, created: s.now().Unix()}
	var t issued
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		id, err := openIDOwner(c.Ctx, tx, domain, provider, openID)
		if err != nil {
			return err
		}
		if id != 0 {
			return rpc.Errorf(models.ErrAccountExists, "%s OpenID %s already has an account (user %d): sign in with loginWithOpenId / getUserByOpenId", provider, openID, id)
		}
		if unionID != "" {
			if id, err = unionOwner(c.Ctx, tx, domain, unionID); err != nil {
				return err
			}
			if id != 0 {
				return rpc.Errorf(models.ErrAccountExists, "unionId %s already belongs to user %d: call getUserByOpenId with this unionId to link the OpenID to that account", unionID, id)
			}
		}
		if u.id, err = insertUser(c.Ctx, tx, domain, newRow{nick: nick, created: s.now()}); err != nil {
			return err
		}
		if err := linkOpenID(c.Ctx, tx, domain, provider, openID, unionID, u.id); err != nil {
			return err
		}
		t, err = s.issueTokens(c.Ctx, tx, u.id, expiring(c), false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return loginOf(u, t), nil
}

// apiBindWithOpenID links a third-party identity to the acting user.
// Binding one the user already has is a no-op; one that belongs to another
// account is 3510.
func (s *Service) apiBindWithOpenID(c *rpc.Call) (any, error) {
	provider, openID, _, err := openIDParams(c, false)
	if err != nil {
		return nil, err
	}
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	return nil, s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		owner, err := openIDOwner(c.Ctx, tx, domain, provider, openID)
		if err != nil {
			return err
		}
		switch owner {
		case u.id:
			return nil
		case 0:
			return linkOpenID(c.Ctx, tx, domain, provider, openID, "", u.id)
		}
		return rpc.Errorf(models.ErrAccountAlreadyBound, "this %s OpenID already belongs to another account: sign in with it, or use a different one", provider)
	})
}

type openIDAnswer struct {
	OpenID   string `json:"openId"`
	Provider string `json:"provider"`
}

func (s *Service) apiListAllOpenIDs(c *rpc.Call) (any, error) {
	u, err := s.actingUser(c)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(c.Ctx, `SELECT open_id, provider FROM account_openids WHERE user_id = ? ORDER BY rowid`, u.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []openIDAnswer{}
	for rows.Next() {
		var o openIDAnswer
		if err := rows.Scan(&o.OpenID, &o.Provider); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return map[string]any{"openIds": out}, nil
}

// apiGetUserOpenID answers the user's OpenID at a provider; provider
// defaults to weixin because the PHP bridge's getUserOpenId($userId) names
// none. With several (one per WeChat official account) the first linked
// one is answered.
func (s *Service) apiGetUserOpenID(c *rpc.Call) (any, error) {
	uid, err := userIDParam(c)
	if err != nil {
		return nil, err
	}
	raw, err := c.OptString("provider")
	if err != nil {
		return nil, err
	}
	provider := "weixin"
	if raw != "" {
		if provider, err = normProvider(raw); err != nil {
			return nil, err
		}
	}
	if _, err := s.userByID(c.Ctx, s.db, c.MajorDomain.ID, uid); err != nil {
		return nil, err
	}
	var openID string
	err = s.db.QueryRowContext(c.Ctx, `SELECT open_id FROM account_openids WHERE user_id = ? AND provider = ? ORDER BY rowid LIMIT 1`, uid, provider).Scan(&openID)
	if store.IsNoRows(err) {
		return nil, rpc.Errorf(models.ErrAccountAbsent, "user %d has no %s OpenID", uid, provider)
	}
	if err != nil {
		return nil, err
	}
	return map[string]string{"openId": openID}, nil
}
