-- Evidence files of a task's monthly progress (issue 4): the file itself is
-- sealed in the desk's file store (encrypted, content-addressed); this row
-- says which month and task it supports.
CREATE TABLE progress_evidence (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL,
    period       TEXT NOT NULL CHECK (length(period) = 7),
    task_number  INTEGER NOT NULL,
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    file_name    TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    added_at     TEXT NOT NULL,
    added_by     TEXT NOT NULL,
    UNIQUE (plan_id, period, task_number, sha256),
    FOREIGN KEY (plan_id, task_number) REFERENCES plan_task (plan_id, number)
) STRICT;
CREATE INDEX progress_evidence_period ON progress_evidence (period);
