package account

import (
	"context"
	"crypto/rand"
	"database/sql"
	"sync"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/models"
)

const qTokens = `SELECT access_token, access_expire, refresh_token, refresh_expire FROM account_users WHERE id = ?`

// A user has one access token and one refresh token, because rpc.Tokens
// verifies a user signature against a single token per user. Logging in
// again therefore keeps a still-valid token (only moving its expiry), so
// that signing in on a second phone does not sign the first one out.

// tokenEntry is a user's token state as the router needs it.
type tokenEntry struct {
	access, refresh       string
	accessExp, refreshExp time.Time // zero = never
}

// tokenCache keeps token lookups off the database on the hot path (every
// user-signed request). gen guards against a slow reader putting back a
// value that a concurrent write has already replaced: a fill is kept only
// if no invalidation happened since its read began.
type tokenCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[int64]tokenEntry
}

// maxCachedUsers bounds the cache; when full it starts over, which is
// cheaper than tracking recency and only costs a query per user.
const maxCachedUsers = 50000

func (c *tokenCache) get(id int64) (tokenEntry, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	return e, c.gen, ok
}

func (c *tokenCache) put(id int64, e tokenEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= maxCachedUsers {
		c.m = map[int64]tokenEntry{}
	}
	c.m[id] = e
}

// invalidate drops users after their tokens changed; called after commit.
func (c *tokenCache) invalidate(ids ...int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, id := range ids {
		delete(c.m, id)
	}
}

func (c *tokenCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = map[int64]tokenEntry{}
}

func unixOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

func (s *Service) loadTokens(ctx context.Context, userID int64) (tokenEntry, bool) {
	e, gen, ok := s.tokens.get(userID)
	if ok {
		return e, true
	}
	var ae, re int64
	var row *sql.Row
	if s.tokenStmt != nil {
		row = s.tokenStmt.QueryRowContext(ctx, userID)
	} else {
		row = s.db.QueryRowContext(ctx, qTokens, userID)
	}
	if err := row.Scan(&e.access, &ae, &e.refresh, &re); err != nil {
		return tokenEntry{}, false
	}
	e.accessExp, e.refreshExp = unixOrZero(ae), unixOrZero(re)
	s.tokens.put(userID, e, gen)
	return e, true
}

// AccessToken implements rpc.Tokens: the user's access token and its expiry
// (zero = never); ok is false for an unknown user.
func (s *Service) AccessToken(ctx context.Context, userID int64) (string, time.Time, bool) {
	e, ok := s.loadTokens(ctx, userID)
	return e.access, e.accessExp, ok
}

// RefreshToken implements rpc.Tokens for updateAccessToken.
func (s *Service) RefreshToken(ctx context.Context, userID int64) (string, time.Time, bool) {
	e, ok := s.loadTokens(ctx, userID)
	return e.refresh, e.refreshExp, ok
}

// newToken returns 32 random characters from [A-Za-z0-9] (about 190 bits).
func newToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, 32)
	var buf [48]byte
	for len(out) < 32 {
		_, _ = rand.Read(buf[:]) // crypto/rand never fails on supported platforms
		for _, b := range buf {
			// Rejection sampling keeps every character equally likely.
			if b < 248 && len(out) < 32 {
				out = append(out, alphabet[b%62])
			}
		}
	}
	return string(out)
}

// issued is a token pair as answered to the client.
type issued struct {
	access, refresh       string
	accessExp, refreshExp int64 // Unix seconds, 0 = never
}

func fmtExpire(sec int64) string {
	if sec == 0 {
		return ""
	}
	return models.FormatTime(time.Unix(sec, 0))
}

// expiring reports whether a call asks for expiring tokens: X-Zc-Version ≥ 1
// does, a call without it gets tokens that never expire (PROTOCOL §2.1 note).
func expiring(c *rpc.Call) bool { return c.MethodVersion >= 1 }

// issueTokens sets the user's tokens inside tx. keep reuses tokens that are
// still valid (logins); otherwise both are replaced (password reset, which
// should sign every other device out). The caller invalidates the cache
// after commit.
func (s *Service) issueTokens(ctx context.Context, tx *sql.Tx, userID int64, expires, keep bool) (issued, error) {
	var t issued
	if err := tx.QueryRowContext(ctx, qTokens, userID).Scan(&t.access, &t.accessExp, &t.refresh, &t.refreshExp); err != nil {
		return t, err
	}
	now := s.now().Unix()
	live := func(tok string, exp int64) bool { return tok != "" && (exp == 0 || now < exp) }
	if !keep || !live(t.access, t.accessExp) {
		t.access = newToken()
	}
	if !keep || !live(t.refresh, t.refreshExp) {
		t.refresh = newToken()
	}
	t.accessExp, t.refreshExp = 0, 0
	if expires {
		t.accessExp = now + int64(s.opt.AccessTTL/time.Second)
		t.refreshExp = now + int64(s.opt.RefreshTTL/time.Second)
	}
	_, err := tx.ExecContext(ctx, `UPDATE account_users SET access_token = ?, access_expire = ?, refresh_token = ?, refresh_expire = ? WHERE id = ?`,
		t.access, t.accessExp, t.refresh, t.refreshExp, userID)
	return t, err
}

// tokenAnswer is updateAccessToken's result.
type tokenAnswer struct {
	Token              string `json:"token"`
	TokenExpire        string `json:"tokenExpire"`
	RefreshToken       string `json:"refreshToken"`
	RefreshTokenExpire string `json:"refreshTokenExpire"`
}

// apiUpdateAccessToken always mints a new access token (that is what the
// caller asks for) and keeps the refresh token, whose expiry does not
// slide: a refresh token that renewed itself would never expire. Without
// X-Zc-Version both tokens become non-expiring, the same rule as login.
func (s *Service) apiUpdateAccessToken(c *rpc.Call) (any, error) {
	uid, err := c.RequireUser()
	if err != nil {
		return nil, err
	}
	var t issued
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		if _, err := s.userByID(c.Ctx, tx, c.MajorDomain.ID, uid); err != nil {
			return err
		}
		if err := tx.QueryRowContext(c.Ctx, qTokens, uid).Scan(&t.access, &t.accessExp, &t.refresh, &t.refreshExp); err != nil {
			return err
		}
		now := s.now().Unix()
		t.access, t.accessExp = newToken(), 0
		if expiring(c) {
			t.accessExp = now + int64(s.opt.AccessTTL/time.Second)
			if t.refreshExp == 0 {
				t.refreshExp = now + int64(s.opt.RefreshTTL/time.Second)
			}
		} else {
			t.refreshExp = 0
		}
		_, err := tx.ExecContext(c.Ctx, `UPDATE account_users SET access_token = ?, access_expire = ?, refresh_expire = ? WHERE id = ?`,
			t.access, t.accessExp, t.refreshExp, uid)
		return err
	})
	s.tokens.invalidate(uid)
	if err != nil {
		return nil, err
	}
	return tokenAnswer{t.access, fmtExpire(t.accessExp), t.refresh, fmtExpire(t.refreshExp)}, nil
}
