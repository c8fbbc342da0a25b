package devices

import "acconsole/cloud/store"

// Times are stored as Unix seconds (the wire shows seconds); 0 means never.
func init() {
	store.Register(store.Migration{Component: "devices", Version: 1, SQL: `
-- The warehouse: every device that exists (activated), bound or not.
-- seq and sub_seq number the rows 1..N densely per major domain and per
-- product, in activation order. Warehouse rows are never deleted (AbleCloud
-- has no method for it), so "offset k" is "seq > k": a page deep into
-- 100 000 devices is an index seek, not a scan of k rows.
CREATE TABLE dev_warehouse (
	id            INTEGER PRIMARY KEY,
	domain_id     INTEGER NOT NULL,
	sub_domain_id INTEGER NOT NULL,
	physical_id   TEXT    NOT NULL,
	seq           INTEGER NOT NULL,
	sub_seq       INTEGER NOT NULL,
	type          TEXT    NOT NULL DEFAULT '',
	mac           TEXT    NOT NULL DEFAULT '',
	dev_version   TEXT    NOT NULL DEFAULT '',
	mod_version   TEXT    NOT NULL DEFAULT '',
	active_time   INTEGER NOT NULL,
	last_online   INTEGER NOT NULL DEFAULT 0,
	ip_addr       TEXT    NOT NULL DEFAULT '',
	country       TEXT    NOT NULL DEFAULT '',
	province      TEXT    NOT NULL DEFAULT '',
	city          TEXT    NOT NULL DEFAULT '',
	street        TEXT    NOT NULL DEFAULT '',
	latitude      REAL    NOT NULL DEFAULT 0,
	longitude     REAL    NOT NULL DEFAULT 0,
	UNIQUE (sub_domain_id, physical_id),
	UNIQUE (domain_id, seq),
	UNIQUE (sub_domain_id, sub_seq)
);
CREATE INDEX dev_warehouse_pid ON dev_warehouse(physical_id);

-- Bound devices. AUTOINCREMENT so that a logical id is never reused after an
-- owner's unbind removes the record: timers, OTA and WeChat keep device ids,
-- and a reused id would hand them to another device and its users.
-- gateway_id is 0 for stand-alone devices and gateways (the wire shows the
-- device's own id then) and the gateway's id for a sub-device. The owner of
-- every device is in dev_bindings too; owner is the admin among them.
CREATE TABLE dev_devices (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	domain_id     INTEGER NOT NULL,
	sub_domain_id INTEGER NOT NULL,
	physical_id   TEXT    NOT NULL,
	name          TEXT    NOT NULL DEFAULT '',
	owner         INTEGER NOT NULL,
	aes_key       TEXT    NOT NULL,
	gateway_id    INTEGER NOT NULL DEFAULT 0,
	is_gateway    INTEGER NOT NULL DEFAULT 0,
	home_id       INTEGER NOT NULL DEFAULT 0,
	room_id       INTEGER NOT NULL DEFAULT 0,
	profile       TEXT    NOT NULL DEFAULT '{}',
	bind_time     INTEGER NOT NULL,
	UNIQUE (sub_domain_id, physical_id)
);
CREATE INDEX dev_devices_gateway ON dev_devices(gateway_id) WHERE gateway_id <> 0;
CREATE INDEX dev_devices_home ON dev_devices(home_id, room_id) WHERE home_id <> 0;

-- Who may use a device. Keyed by user first: listDevices is the hot path.
CREATE TABLE dev_bindings (
	user_id   INTEGER NOT NULL,
	device_id INTEGER NOT NULL,
	bind_time INTEGER NOT NULL,
	PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;
CREATE INDEX dev_bindings_device ON dev_bindings(device_id, user_id);

-- Homes and rooms (AUTOINCREMENT: a home id is a device's rootId, which
-- clients keep).
CREATE TABLE dev_homes (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	domain_id   INTEGER NOT NULL,
	owner       INTEGER NOT NULL,
	name        TEXT    NOT NULL,
	create_time INTEGER NOT NULL
);
CREATE INDEX dev_homes_owner ON dev_homes(owner);
CREATE TABLE dev_rooms (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	home_id INTEGER NOT NULL,
	name    TEXT    NOT NULL
);
CREATE INDEX dev_rooms_home ON dev_rooms(home_id);
CREATE TABLE dev_home_users (
	home_id   INTEGER NOT NULL,
	user_id   INTEGER NOT NULL,
	join_time INTEGER NOT NULL,
	PRIMARY KEY (home_id, user_id)
) WITHOUT ROWID;
CREATE INDEX dev_home_users_user ON dev_home_users(user_id, home_id);

-- Share codes of devices (kind 'device') and homes (kind 'home'). Expired
-- codes are kept a week so that their holders hear "expired" (3817), not
-- "does not exist" (3815).
CREATE TABLE dev_share_codes (
	code       TEXT    PRIMARY KEY,
	kind       TEXT    NOT NULL,
	target_id  INTEGER NOT NULL,
	created_by INTEGER NOT NULL,
	expires    INTEGER NOT NULL
);
CREATE INDEX dev_share_codes_target ON dev_share_codes(kind, target_id);
CREATE INDEX dev_share_codes_expires ON dev_share_codes(expires);

-- Facts about this component's data, such as whether the demo world was
-- seeded (so that it is seeded on the first start only).
CREATE TABLE dev_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- Data points of each product (zc-product getSubDomainDataPoints), as JSON.
CREATE TABLE dev_datapoints (
	sub_domain_id INTEGER PRIMARY KEY,
	datapoints    TEXT    NOT NULL
);
`})
}
