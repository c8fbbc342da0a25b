package timer

import "acconsole/cloud/store"

// Times are Unix milliseconds. handled_ms is the restart point: every firing
// at or before it was run, recorded as missed, or predates the task's last
// add/modify/start; after a restart the scheduler resumes strictly after it.
// sub_domain_id is kept with the task because an owner's unbind removes the
// device record, and the product's taskUpdatePolicy must still be found.
func init() {
	store.Register(store.Migration{Component: "timer", Version: 1, SQL: `
CREATE TABLE timer_tasks (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	domain_id     INTEGER NOT NULL,
	device_id     INTEGER NOT NULL,
	sub_domain_id INTEGER NOT NULL DEFAULT 0,
	user_id       INTEGER NOT NULL,
	task_flag     INTEGER NOT NULL DEFAULT 0,
	name          TEXT    NOT NULL DEFAULT '',
	description   TEXT    NOT NULL DEFAULT '',
	time_zone     TEXT    NOT NULL,
	time_point    TEXT    NOT NULL,
	time_cycle    TEXT    NOT NULL,
	message_code  INTEGER NOT NULL,
	payload       BLOB    NOT NULL DEFAULT x'',
	status        INTEGER NOT NULL,
	frozen_reason TEXT    NOT NULL DEFAULT '',
	create_ms     INTEGER NOT NULL,
	modify_ms     INTEGER NOT NULL,
	handled_ms    INTEGER NOT NULL,
	-- version goes up with every change a person makes (modify, start,
	-- stop, freeze); the scheduler tags firings with it, so a firing of an
	-- older version is never sent and never stops a newer one.
	version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX timer_tasks_device ON timer_tasks(device_id, id);
CREATE INDEX timer_tasks_status ON timer_tasks(status);

CREATE TABLE timer_history (
	id           INTEGER PRIMARY KEY,
	task_id      INTEGER NOT NULL,
	device_id    INTEGER NOT NULL,
	at_ms        INTEGER NOT NULL,
	scheduled_ms INTEGER NOT NULL,
	result       TEXT    NOT NULL,
	reply_code   INTEGER NOT NULL DEFAULT 0,
	detail       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX timer_history_task ON timer_history(task_id, id);
`})
	// Version 2: the device's hub key (product name and physical id), kept
	// with the task so that device timers can be handed to the physical
	// device and its firing reports matched to the task, even after an
	// owner's unbind has removed the device record. Rows from version 1
	// are filled in at start (Service.load).
	store.Register(store.Migration{Component: "timer", Version: 2, SQL: `
ALTER TABLE timer_tasks ADD COLUMN sub_domain_name TEXT NOT NULL DEFAULT '';
ALTER TABLE timer_tasks ADD COLUMN physical_id TEXT NOT NULL DEFAULT '';
CREATE INDEX timer_tasks_key ON timer_tasks(physical_id, sub_domain_name);
CREATE INDEX timer_history_scheduled ON timer_history(task_id, scheduled_ms);
`})
}
