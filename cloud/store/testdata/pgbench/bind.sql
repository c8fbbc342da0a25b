-- A bind's transaction: look the device up, insert it and its binding (BENCHMARKS.md).
\set p random(1, 2000000000)
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT id, name, owner FROM pgb_dev WHERE sub = 1 AND pid = :p::text;
INSERT INTO pgb_dev(sub, pid, name, owner) VALUES (1, :p::text, 'w', :client_id) ON CONFLICT DO NOTHING RETURNING id;
INSERT INTO pgb_bind(user_id, device_id, bind_time) VALUES (:client_id, currval('pgb_dev_id_seq'), 1) ON CONFLICT DO NOTHING;
COMMIT;
