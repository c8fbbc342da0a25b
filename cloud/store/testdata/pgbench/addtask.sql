-- addTask's one statement (BENCHMARKS.md, pgbench reference).
\set d random(1, 100000)
INSERT INTO pgb_task(device_id, user_id, name, zone, point, cycle, payload, status, create_ms) VALUES (:d, 7, 'on', 'UTC', '2027-01-01 00:00:00', 'once', '\x0102', 1, 1) RETURNING id;
