-- The payload of a queued change in a table of its own (issue 15, sync
-- performance). A report's payload is ≈14 KiB, kept on overflow pages of
-- its outbox row; settling the row (acked_at, outcome, …) changed the row's
-- size, so SQLite wrote the whole row again, payload included: syncing
-- 10,000 reports rewrote 140 MB. Apart, settling rewrites a few dozen bytes.
CREATE TABLE outbox_payload (
    id       TEXT PRIMARY KEY REFERENCES outbox(id),
    payload  TEXT NOT NULL                      -- JSON, as sent
) STRICT;
INSERT INTO outbox_payload (id, payload) SELECT id, payload FROM outbox;
ALTER TABLE outbox DROP COLUMN payload;
