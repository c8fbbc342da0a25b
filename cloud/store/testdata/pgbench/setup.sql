-- Tables for the pgbench reference in BENCHMARKS.md ("Writers in detail"): the shape
-- of timer_tasks, dev_devices and dev_bindings, in the database pgbench is pointed at.
DROP TABLE IF EXISTS pgb_bind, pgb_dev, pgb_task;
CREATE TABLE pgb_dev (id bigserial PRIMARY KEY, sub int NOT NULL, pid text NOT NULL, name text, owner bigint, UNIQUE (sub, pid));
CREATE TABLE pgb_bind (user_id bigint, device_id bigint, bind_time bigint, PRIMARY KEY (user_id, device_id));
CREATE INDEX ON pgb_bind(device_id, user_id);
CREATE TABLE pgb_task (id bigserial PRIMARY KEY, device_id bigint, user_id bigint, name text, zone text, point text, cycle text, payload bytea, status int, create_ms bigint);
