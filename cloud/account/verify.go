package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

const (
	defaultCodeTTL = 300 * time.Second
	maxCodeTTL     = 24 * time.Hour
	// The limits of sendVerifyCode: real SMS costs money and floods a
	// victim's phone. sendGap and sendsPerHour fall on one client address
	// asking for one account, so that a stranger who asks for somebody
	// else's codes uses up only their own address's turns, never the
	// owner's. accountSendsPerHour, over all addresses, keeps the phone
	// from a flood by many addresses: only that many together can make
	// the owner wait.
	sendGap             = 60 * time.Second
	sendsPerHour        = 10
	accountSendsPerHour = 30
	// Guessing limits. Six digits are guessable within a code's lifetime,
	// but a limit that burns the code for everybody lets a stranger lock
	// the owner out, so the limits fall on the guesser's client address:
	//   - addrTries wrong codes from one address for one account's live
	//     code refuse that address for that account (3505) until a new
	//     code is issued; the owner's own address is not affected;
	//   - once the live code has had targetSlowAfter wrong codes from all
	//     addresses together, each address gets one try at it: many
	//     addresses slow down, yet the owner's first try still counts;
	//   - addrHourly wrong codes from one address within an hour, over
	//     all accounts, refuse that address for the rest of the hour (3004).
	addrTries       = 5
	targetSlowAfter = 20
	addrHourly      = 30
	// maxCodeAttempts is the old per-code burn limit: getVerifyCode still
	// hands out a fresh code instead of one guessed that often.
	maxCodeAttempts = 10
	// outboxKeep is how many outbox rows a domain keeps.
	outboxKeep = 1000
)

// newCode returns six random digits.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil { // crypto/rand does not fail on supported platforms
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// clientAddr is the address a request came from (rpc.Call.ClientIP), the
// unit the guessing and sending limits count.
func clientAddr(c *rpc.Call) string { return c.ClientIP() }

// guessBudget refuses an address that guessed wrong too often: over all
// accounts within the hour, or for one of accounts' live codes.
func (s *Service) guessBudget(ctx context.Context, q queryer, domainID int64, addr string, accounts []string) error {
	now := s.now()
	var hourly int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM account_code_guesses WHERE addr = ? AND at_ms > ?`,
		addr, ms(now.Add(-time.Hour))).Scan(&hourly); err != nil {
		return err
	}
	if hourly >= addrHourly {
		return rpc.Errorf(models.ErrNotAllowed, "too many wrong verify codes from your address: wait an hour, or use the code from the newest message")
	}
	for _, a := range accounts {
		if a == "" {
			continue
		}
		var mine, total int
		err := q.QueryRowContext(ctx, `SELECT COALESCE((SELECT failures FROM account_code_failures WHERE domain_id = ? AND account = ? AND addr = ?), 0),
			COALESCE((SELECT attempts FROM account_verify_codes WHERE domain_id = ? AND account = ?), 0)`,
			domainID, a, addr, domainID, a).Scan(&mine, &total)
		if err != nil {
			return err
		}
		limit := addrTries
		if total >= targetSlowAfter {
			limit = 1
		}
		if mine >= limit {
			return rpc.Errorf(models.ErrWrongVerifyCode, "too many wrong verify codes for %s from your address: ask for a new one with sendVerifyCode", a)
		}
	}
	return nil
}

// matchCode finds which of accounts (empty ones skipped) has code as its
// live verify code, for a guess from addr. The errors say what a person
// should do next: a code that was right but expired is 3506, an address
// that guessed too often 3505 or 3004 (guessBudget), everything else 3505.
func (s *Service) matchCode(ctx context.Context, q queryer, domainID int64, addr, code string, accounts ...string) (string, error) {
	if err := s.guessBudget(ctx, q, domainID, addr, accounts); err != nil {
		return "", err
	}
	code = strings.TrimSpace(code)
	now := ms(s.now())
	var named []string
	var sent, expired bool
	for _, a := range accounts {
		if a == "" {
			continue
		}
		named = append(named, a)
		var stored string
		var exp int64
		err := q.QueryRowContext(ctx, `SELECT code, expires_ms FROM account_verify_codes WHERE domain_id = ? AND account = ?`, domainID, a).Scan(&stored, &exp)
		if store.IsNoRows(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		sent = true
		switch {
		case subtle.ConstantTimeCompare([]byte(stored), []byte(code)) != 1:
		case now >= exp:
			expired = true
		default:
			return a, nil
		}
	}
	who := strings.Join(named, " or ")
	switch {
	case expired:
		return "", rpc.Errorf(models.ErrVerifyCodeExpired, "the verify code for %s has expired: ask for a new one with sendVerifyCode", who)
	case !sent:
		return "", rpc.Errorf(models.ErrWrongVerifyCode, "no verify code was sent to %s: ask for one with sendVerifyCode", who)
	}
	return "", rpc.Errorf(models.ErrWrongVerifyCode, "wrong verify code for %s: check it, or ask for a new one", who)
}

// useCode checks a verify code inside a write transaction and consumes it,
// so that one code proves one change.
func (s *Service) useCode(ctx context.Context, tx *sql.Tx, domainID int64, addr, code string, accounts ...string) (string, error) {
	a, err := s.matchCode(ctx, tx, domainID, addr, code, accounts...)
	if err != nil {
		return "", err
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM account_verify_codes WHERE domain_id = ? AND account = ?`, domainID, a); err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM account_code_failures WHERE domain_id = ? AND account = ?`, domainID, a)
	return a, err
}

// checkCode is the cheap look at a verify code that comes before any slow
// work (bcrypt): a wrong code costs the cloud a few indexed reads. The
// code is consumed later, in the write transaction, by useCode.
func (s *Service) checkCode(c *rpc.Call, domainID int64, code string, accounts ...string) error {
	addr := clientAddr(c)
	_, err := s.matchCode(c.Ctx, s.db, domainID, addr, code, accounts...)
	s.noteWrongCode(c.Ctx, domainID, addr, err, accounts...)
	return err
}

// noteWrongCode counts a wrong guess from addr against the accounts' codes.
// It runs after the failed transaction rolled back, in its own statements,
// because the counts must survive the rollback. A guess refused by the
// limits is not counted again.
func (s *Service) noteWrongCode(ctx context.Context, domainID int64, addr string, err error, accounts ...string) {
	var e *rpc.Error
	if !errors.As(err, &e) || e.Code != models.ErrWrongVerifyCode || strings.HasPrefix(e.Msg, "too many") {
		return
	}
	ctx = context.WithoutCancel(ctx)
	now := ms(s.now())
	_, _ = s.db.ExecContext(ctx, `INSERT INTO account_code_guesses(addr, at_ms) VALUES (?, ?)`, addr, now)
	for _, a := range accounts {
		if a == "" {
			continue
		}
		_, _ = s.db.ExecContext(ctx, `UPDATE account_verify_codes SET attempts = attempts + 1 WHERE domain_id = ? AND account = ?`, domainID, a)
		_, _ = s.db.ExecContext(ctx, `INSERT INTO account_code_failures(domain_id, account, addr, failures, last_ms) VALUES (?, ?, ?, 1, ?)
			ON CONFLICT(domain_id, account, addr) DO UPDATE SET failures = account_code_failures.failures + 1, last_ms = excluded.last_ms`, domainID, a, addr, now)
	}
}

// newCodeIssued forgets the guesses at an account's previous code, and the
// guess log older than an hour.
func newCodeIssued(ctx context.Context, tx *sql.Tx, domainID int64, acct string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM account_code_failures WHERE (domain_id = ? AND account = ?) OR last_ms <= ?`,
		domainID, acct, ms(now.Add(-maxCodeTTL))); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM account_code_guesses WHERE at_ms <= ?`, ms(now.Add(-time.Hour)))
	return err
}

// codeTTL reads the optional timeout key (seconds).
func codeTTL(c *rpc.Call) (time.Duration, error) {
	sec, err := c.OptInt64("timeout", int64(defaultCodeTTL/time.Second))
	if err != nil {
		return 0, err
	}
	if sec <= 0 {
		sec = int64(defaultCodeTTL / time.Second)
	}
	if sec > int64(maxCodeTTL/time.Second) {
		return 0, rpc.Errorf(models.ErrInvalidParam, "timeout is %d seconds: at most %d (a day) are allowed", sec, int64(maxCodeTTL/time.Second))
	}
	return time.Duration(sec) * time.Second, nil
}

func accountParam(c *rpc.Call) (string, error) {
	raw, err := c.MustString("account")
	if err != nil {
		return "", err
	}
	a, _, err := normAccount(raw)
	return a, err
}

func (s *Service) apiSendVerifyCode(c *rpc.Call) (any, error) {
	acct, err := accountParam(c)
	if err != nil {
		return nil, err
	}
	tmpl, err := c.OptInt64("template", 1)
	if err != nil {
		return nil, err
	}
	if tmpl < 0 || tmpl > 1<<31-1 {
		return nil, rpc.Errorf(models.ErrInvalidParam, "template must be a template number (0 or more)")
	}
	ttl, err := codeTTL(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	addr := clientAddr(c)
	now := s.now()
	code := newCode()
	var sendID int64
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		hourAgo := ms(now.Add(-time.Hour))
		if _, err := tx.ExecContext(c.Ctx, `DELETE FROM account_verify_sends WHERE sent_ms <= ?`, hourAgo); err != nil {
			return err
		}
		// The account's sends of the hour, all addresses and this one's.
		var all, mine int
		var allFirst, mineFirst, mineLast sql.NullInt64
		if err := tx.QueryRowContext(c.Ctx, `SELECT COUNT(*), MIN(sent_ms),
				COALESCE(SUM(CASE WHEN addr = ? THEN 1 ELSE 0 END), 0),
				MIN(CASE WHEN addr = ? THEN sent_ms END), MAX(CASE WHEN addr = ? THEN sent_ms END)
			FROM account_verify_sends WHERE domain_id = ? AND account = ? AND sent_ms > ?`,
			addr, addr, addr, domain, acct, hourAgo).Scan(&all, &allFirst, &mine, &mineFirst, &mineLast); err != nil {
			return err
		}
		if mineLast.Valid && ms(now) < mineLast.Int64+sendGap.Milliseconds() {
			return waitError(acct, mineLast.Int64+sendGap.Milliseconds()-ms(now))
		}
		if mine >= sendsPerHour && mineFirst.Valid {
			return waitError(acct, mineFirst.Int64+time.Hour.Milliseconds()-ms(now))
		}
		if all >= accountSendsPerHour && allFirst.Valid {
			sec := max(1, (allFirst.Int64+time.Hour.Milliseconds()-ms(now)+999)/1000)
			return rpc.Errorf(models.ErrNotAllowed, "%s was sent %d verify codes within the hour from several addresses, the most an account gets: wait %d seconds", acct, all, sec)
		}
		err := tx.QueryRowContext(c.Ctx, `INSERT INTO account_verify_sends(domain_id, account, addr, sent_ms) VALUES (?, ?, ?, ?) RETURNING rowid`, domain, acct, addr, ms(now)).Scan(&sendID)
		if err != nil {
			return err
		}
		// A new code replaces the old one: the message a person just got
		// is the one that should work, from any address.
		if _, err := tx.ExecContext(c.Ctx, `INSERT INTO account_verify_codes(domain_id, account, code, expires_ms, attempts) VALUES (?, ?, ?, ?, 0)
			ON CONFLICT(domain_id, account) DO UPDATE SET code = excluded.code, expires_ms = excluded.expires_ms, attempts = 0`,
			domain, acct, code, ms(now.Add(ttl))); err != nil {
			return err
		}
		if err := newCodeIssued(c.Ctx, tx, domain, acct, now); err != nil {
			return err
		}
		if s.opt.SMS != nil {
			return nil
		}
		// The default sender writes in the same transaction, so a code is
		// acknowledged only once a person can read it.
		return writeOutbox(c.Ctx, tx, domain, acct, code, int(tmpl), now)
	})
	if err != nil || s.opt.SMS == nil {
		return nil, err
	}
	if serr := s.opt.SMS.Send(c.Ctx, domain, acct, code, int(tmpl)); serr != nil {
		// Undo the rate-limit slot and the code, so that the person can
		// try again at once rather than wait for a message never sent.
		ctx := context.WithoutCancel(c.Ctx)
		_, _ = s.db.ExecContext(ctx, `DELETE FROM account_verify_sends WHERE rowid = ?`, sendID)
		_, _ = s.db.ExecContext(ctx, `DELETE FROM account_verify_codes WHERE domain_id = ? AND account = ? AND code = ?`, domain, acct, code)
		return nil, rpc.Errorf(models.ErrServiceDown, "could not send the verify code to %s (%v): try again", acct, serr)
	}
	return nil, nil
}

func waitError(acct string, waitMS int64) error {
	sec := (waitMS + 999) / 1000
	if sec < 1 {
		sec = 1
	}
	return rpc.Errorf(models.ErrNotAllowed, "too many verify codes for %s from your address: wait %d seconds before asking again (at most one a minute and %d an hour)", acct, sec, sendsPerHour)
}

func writeOutbox(ctx context.Context, tx *sql.Tx, domainID int64, acct, code string, tmpl int, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO sms_outbox(domain_id, account, code, template, sent_ms) VALUES (?, ?, ?, ?, ?)`,
		domainID, acct, code, tmpl, ms(now)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM sms_outbox WHERE domain_id = ? AND id <= (SELECT id FROM sms_outbox WHERE domain_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
		domainID, domainID, outboxKeep)
	return err
}

func (s *Service) apiCheckVerifyCode(c *rpc.Call) (any, error) {
	acct, err := accountParam(c)
	if err != nil {
		return nil, err
	}
	code, err := verifyCodeParam(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	// A check is a guess like any other, so it counts towards the limits.
	err = s.checkCode(c, domain, code, acct)
	if err != nil && !isCode(err, models.ErrWrongVerifyCode) && !isCode(err, models.ErrVerifyCodeExpired) {
		return nil, err
	}
	return map[string]bool{keyValid: err == nil}, nil
}

// apiGetVerifyCode answers the account's live code, or makes one valid for
// timeout seconds without sending it (developer scope: the developer's own
// server delivers it, e.g. in a WeChat message).
func (s *Service) apiGetVerifyCode(c *rpc.Call) (any, error) {
	acct, err := accountParam(c)
	if err != nil {
		return nil, err
	}
	ttl, err := codeTTL(c)
	if err != nil {
		return nil, err
	}
	domain := c.MajorDomain.ID
	now := s.now()
	var code string
	err = s.db.Tx(c.Ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(c.Ctx, `SELECT code FROM account_verify_codes WHERE domain_id = ? AND account = ? AND expires_ms > ? AND attempts < ?`,
			domain, acct, ms(now), maxCodeAttempts).Scan(&code)
		if err == nil || !store.IsNoRows(err) {
			return err
		}
		code = newCode()
		_, err = tx.ExecContext(c.Ctx, `INSERT INTO account_verify_codes(domain_id, account, code, expires_ms, attempts) VALUES (?, ?, ?, ?, 0)
			ON CONFLICT(domain_id, account) DO UPDATE SET code = excluded.code, expires_ms = excluded.expires_ms, attempts = 0`,
			domain, acct, code, ms(now.Add(ttl)))
		if err != nil {
			return err
		}
		return newCodeIssued(c.Ctx, tx, domain, acct, now)
	})
	if err != nil {
		return nil, err
	}
	return map[string]string{"verifyCode": code}, nil
}

// OutboxEntry is a verify code the default sender "sent".
type OutboxEntry struct {
	Account  string
	Code     string
	Template int
	SentAt   time.Time
}

// Outbox lists the newest verify codes of a major domain, newest first;
// limit ≤ 0 means 50.
func (s *Service) Outbox(ctx context.Context, domainID int64, limit int) ([]OutboxEntry, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT account, code, template, sent_ms FROM sms_outbox WHERE domain_id = ? ORDER BY id DESC LIMIT ?`, domainID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		var sent int64
		if err := rows.Scan(&e.Account, &e.Code, &e.Template, &sent); err != nil {
			return nil, err
		}
		e.SentAt = time.UnixMilli(sent).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

type outboxAnswer struct {
	Account  string `json:"account"`
	Code     string `json:"code"`
	Template int    `json:"template"`
	SentAt   string `json:"sentAt"`
}

// apiListSmsOutbox is a LOCAL EXTENSION, not an AbleCloud method: it shows
// the verify codes the local cloud would have sent by SMS or email, newest
// first, so a person can register or reset a password on a laptop. With a
// custom Options.SMS sender it lists nothing.
func (s *Service) apiListSmsOutbox(c *rpc.Call) (any, error) {
	limit, err := c.OptInt64("limit", 50)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > outboxKeep {
		return nil, rpc.Errorf(models.ErrInvalidParam, "limit must be between 1 and %d (got %d)", outboxKeep, limit)
	}
	es, err := s.Outbox(c.Ctx, c.MajorDomain.ID, int(limit))
	if err != nil {
		return nil, err
	}
	out := make([]outboxAnswer, 0, len(es))
	for _, e := range es {
		out = append(out, outboxAnswer{e.Account, e.Code, e.Template, models.FormatTime(e.SentAt)})
	}
	return map[string]any{"messages": out}, nil
}
