-- Monthly progress on the plan's tasks (plan task 3: monthly, 6-month and
-- annual reports) and the reports built from it.

-- One entry per task per month. The entry of a month whose monthly report is
-- approved is frozen (the application refuses the write); a correction opens
-- a new revision of that report first.
CREATE TABLE progress_entry (
    plan_id          INTEGER NOT NULL DEFAULT 1,
    period           TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    task_number      INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done', 'late')),
    percent          INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    indicator_value  REAL,
    narrative        TEXT NOT NULL DEFAULT '',
    updated_by       INTEGER REFERENCES staff(id),
    updated_by_name  TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (plan_id, period, task_number),
    FOREIGN KEY (plan_id, task_number) REFERENCES plan_task(plan_id, number)
) STRICT;

-- A report is a frozen snapshot (JSON) of the entries it was approved with.
-- Revisions count up per (kind, period); only the newest may be a draft.
CREATE TABLE report (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('month', 'half', 'year')),
    period       TEXT NOT NULL,
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'approved')),
    number       TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    snapshot     TEXT,
    created_by   INTEGER REFERENCES staff(id),
    created_at   TEXT NOT NULL,
    approved_by  INTEGER REFERENCES staff(id),
    approved_at  TEXT,
    UNIQUE (kind, period, revision),
    CHECK ((status = 'approved') = (snapshot IS NOT NULL AND approved_at IS NOT NULL))
) STRICT;
