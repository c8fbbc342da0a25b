package account

import "acconsole/cloud/store"

// Times are stored as integers: token expiries in Unix seconds (the wire
// shows seconds, so stored and shown expiries agree exactly; 0 = never),
// verify codes and sends in Unix milliseconds (so a 60 s rate limit is not
// off by a truncated second).
func init() {
	store.Register(store.Migration{Component: "account", Version: 1, SQL: `
-- AUTOINCREMENT so that an id is never reused after clearUsers: devices,
-- homes and timers elsewhere keep user ids, and a reused id would hand them
-- to a stranger.
CREATE TABLE account_users (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	domain_id      INTEGER NOT NULL,
	email          TEXT    NOT NULL DEFAULT '',
	phone          TEXT    NOT NULL DEFAULT '',
	nick_name      TEXT    NOT NULL DEFAULT '',
	password_hash  TEXT    NOT NULL DEFAULT '',
	profile        TEXT    NOT NULL DEFAULT '{}',
	access_token   TEXT    NOT NULL DEFAULT '',
	access_expire  INTEGER NOT NULL DEFAULT 0,
	refresh_token  TEXT    NOT NULL DEFAULT '',
	refresh_expire INTEGER NOT NULL DEFAULT 0,
	create_time    INTEGER NOT NULL
);
CREATE UNIQUE INDEX account_users_email ON account_users(domain_id, email) WHERE email <> '';
CREATE UNIQUE INDEX account_users_phone ON account_users(domain_id, phone) WHERE phone <> '';
CREATE INDEX account_users_domain ON account_users(domain_id, id);

CREATE TABLE account_openids (
	domain_id INTEGER NOT NULL,
	provider  TEXT    NOT NULL,
	open_id   TEXT    NOT NULL,
	union_id  TEXT    NOT NULL DEFAULT '',
	user_id   INTEGER NOT NULL REFERENCES account_users(id) ON DELETE CASCADE,
	PRIMARY KEY (domain_id, provider, open_id)
);
-- Not unique per provider: one WeChat user has a different openId in each
-- official account, tied together by the unionId.
CREATE INDEX account_openids_user ON account_openids(user_id, provider);
CREATE INDEX account_openids_union ON account_openids(domain_id, union_id) WHERE union_id <> '';

CREATE TABLE account_verify_codes (
	domain_id  INTEGER NOT NULL,
	account    TEXT    NOT NULL,
	code       TEXT    NOT NULL,
	expires_ms INTEGER NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (domain_id, account)
);

-- Recent sendVerifyCode calls, for the rate limit; rows older than an hour
-- are purged as new ones arrive. Kept in the database so a restart does not
-- reset the limit.
CREATE TABLE account_verify_sends (
	domain_id INTEGER NOT NULL,
	account   TEXT    NOT NULL,
	sent_ms   INTEGER NOT NULL
);
CREATE INDEX account_verify_sends_account ON account_verify_sends(domain_id, account, sent_ms);
CREATE INDEX account_verify_sends_time ON account_verify_sends(sent_ms);

-- What the default sender "sent": the local cloud has no SMS gateway, so a
-- person reads codes here (listSmsOutbox).
CREATE TABLE sms_outbox (
	id        INTEGER PRIMARY KEY,
	domain_id INTEGER NOT NULL,
	account   TEXT    NOT NULL,
	code      TEXT    NOT NULL,
	template  INTEGER NOT NULL,
	sent_ms   INTEGER NOT NULL
);
CREATE INDEX sms_outbox_domain ON sms_outbox(domain_id, id);
`})
}

func init() {
	store.Register(store.Migration{Component: "account", Version: 2, SQL: `
-- Wrong verify codes per client address and account, for the live code of
-- the account (failures go back to 0 when a new code is issued): an address
-- that guessed too often is refused for that account, the account's owner
-- elsewhere is not.
CREATE TABLE account_code_failures (
	domain_id INTEGER NOT NULL,
	account   TEXT    NOT NULL,
	addr      TEXT    NOT NULL,
	failures  INTEGER NOT NULL,
	last_ms   INTEGER NOT NULL,
	PRIMARY KEY (domain_id, account, addr)
);
CREATE INDEX account_code_failures_time ON account_code_failures(last_ms);

-- Every wrong verify code of the last hour by client address, whatever
-- the account: an address that sprays guesses over many accounts slows down.
CREATE TABLE account_code_guesses (
	addr  TEXT    NOT NULL,
	at_ms INTEGER NOT NULL
);
CREATE INDEX account_code_guesses_addr ON account_code_guesses(addr, at_ms);
CREATE INDEX account_code_guesses_time ON account_code_guesses(at_ms);
`})
}

func init() {
	store.Register(store.Migration{Component: "account", Version: 3, SQL: `
-- The number of accounts per major domain, kept in the same transaction as
-- every insert into and delete from account_users, so that getAccountCount
-- (read by every console's users page) is one row, not a scan.
CREATE TABLE account_user_counts (
	domain_id INTEGER PRIMARY KEY,
	n         INTEGER NOT NULL
);
INSERT INTO account_user_counts(domain_id, n)
	SELECT domain_id, COUNT(*) FROM account_users GROUP BY domain_id;
`})
}
