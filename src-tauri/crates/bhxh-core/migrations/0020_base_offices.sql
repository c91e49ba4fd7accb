-- What HQ says of this office's base offices (issue 15, levels): a
-- provincial office's desk fetches, after each successful sync, the
-- progress of the base offices (BHXH cơ sở) under it, and keeps the last
-- copy here for when it is offline. Replaced whole, in one transaction.
-- One row: when HQ was last asked and what it said. `provincial` 0: HQ
-- answered that this office is a base office (nothing to show).
CREATE TABLE base_office_fetch (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    fetched_at     TEXT NOT NULL,                 -- this desk's clock, RFC 3339
    provincial     INTEGER NOT NULL CHECK (provincial IN (0, 1)),
    province_code  TEXT,
    province_name  TEXT,
    as_of_month    TEXT,                          -- HQ's month every office should have reported by
    generated_at   TEXT,                          -- HQ's clock
    CHECK (provincial = 0 OR (province_code IS NOT NULL AND province_name IS NOT NULL
                              AND as_of_month IS NOT NULL AND generated_at IS NOT NULL))
) STRICT;

-- Each base office, as HQ gave it, with its newest monthly report's tasks.
CREATE TABLE base_office (
    code             TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    revoked          INTEGER NOT NULL CHECK (revoked IN (0, 1)),
    late             INTEGER NOT NULL CHECK (late IN (0, 1)),
    latest_month     TEXT,
    latest_revision  INTEGER,
    last_sync_at     TEXT,
    tasks            TEXT NOT NULL CHECK (json_valid(tasks))   -- [{taskNumber, percent, status}]
) STRICT;
