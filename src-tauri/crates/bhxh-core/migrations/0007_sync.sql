-- Sync with headquarters (issue 5).

-- Changes waiting to be sent to HQ, written in the same transaction as the
-- change itself. A row is never deleted: `acked_at` is set only after HQ's
-- answer says it holds the change (stored or duplicate); a conflict or a
-- rejection is kept with HQ's revision and reason, for people to see.
CREATE TABLE outbox (
    id            TEXT PRIMARY KEY,            -- UUIDv7 of the change
    stream        TEXT NOT NULL,               -- 'report'
    item_id       TEXT NOT NULL,               -- what changed, stable across revisions ('month:2024-05')
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    payload       TEXT NOT NULL,               -- JSON, as sent
    created_at    TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    acked_at      TEXT,
    outcome       TEXT CHECK (outcome IN ('stored', 'duplicate', 'conflict', 'rejected')),
    hq_revision   INTEGER,
    conflict_detail TEXT,
    UNIQUE (stream, item_id, revision),
    CHECK ((acked_at IS NULL) = (outcome IS NULL))
) STRICT;
CREATE INDEX outbox_pending ON outbox (id) WHERE acked_at IS NULL;

-- One row: where this desk stands with HQ.
CREATE TABLE sync_state (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    hq_url             TEXT,
    office_code        TEXT,
    pull_cursor        INTEGER NOT NULL DEFAULT 0 CHECK (pull_cursor >= 0),
    last_attempt_at    TEXT,
    last_success_at    TEXT,
    last_error         TEXT,
    last_error_code    TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO sync_state (id) VALUES (1);

-- Directives received from HQ.
CREATE TABLE hq_directive (
    id            TEXT PRIMARY KEY,
    seq           INTEGER NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    received_at   TEXT NOT NULL
) STRICT;

-- Plan changes (task targets, deadlines) received from HQ.
CREATE TABLE hq_plan_change (
    id            TEXT PRIMARY KEY,
    seq           INTEGER NOT NULL UNIQUE,
    task_number   INTEGER NOT NULL,
    target_value  REAL,
    target_unit   TEXT,
    deadline      TEXT,
    note          TEXT NOT NULL DEFAULT '',
    published_at  TEXT NOT NULL,
    received_at   TEXT NOT NULL
) STRICT;
