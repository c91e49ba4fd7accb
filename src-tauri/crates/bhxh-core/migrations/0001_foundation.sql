-- Foundation: office, staff, audit log, settings, reference data and the 2024 plan.

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The one office this desk belongs to (single row, id = 1).
CREATE TABLE office (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    name           TEXT NOT NULL,
    parent_agency  TEXT NOT NULL,
    agency_code    TEXT NOT NULL,
    province_code  TEXT NOT NULL REFERENCES province(code),
    address        TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id               INTEGER PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE,
    full_name        TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('counter_officer', 'digitisation_officer', 'supervisor', 'administrator')),
    password_hash    TEXT NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    last_sign_in     TEXT,
    created_at       TEXT NOT NULL
) STRICT;

-- Decree 13/2023 Art. 38 processing log. Each entry's hash covers the previous
-- entry's hash, so an edited or deleted entry breaks the chain; audit_head
-- holds the last link so that dropping the newest entries is seen too.
CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_id        INTEGER,
    actor_username  TEXT NOT NULL,
    action          TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    detail          TEXT NOT NULL,
    prev_hash       BLOB NOT NULL,
    hash            BLOB NOT NULL
) STRICT;

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  BLOB NOT NULL
) STRICT;

CREATE TABLE province (
    code  TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    kind  TEXT NOT NULL
) STRICT;

CREATE TABLE procedure (
    code              TEXT PRIMARY KEY,
    code_is_national  INTEGER NOT NULL,
    name              TEXT NOT NULL,
    grp               TEXT NOT NULL,
    processing_days   INTEGER NOT NULL CHECK (processing_days >= 0),
    active            INTEGER NOT NULL DEFAULT 1,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE procedure_component (
    procedure_code  TEXT NOT NULL REFERENCES procedure(code) ON UPDATE CASCADE ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    name            TEXT NOT NULL,
    copies          INTEGER NOT NULL DEFAULT 1,
    original        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (procedure_code, number)
) STRICT;

CREATE TABLE holiday (
    date       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    projected  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Weekend days that are working days (make-up days announced with a holiday swap).
CREATE TABLE working_weekend (
    date  TEXT PRIMARY KEY,
    name  TEXT NOT NULL
) STRICT;

CREATE TABLE plan (
    id             INTEGER PRIMARY KEY,
    decision       TEXT NOT NULL,
    decision_date  TEXT NOT NULL,
    title          TEXT NOT NULL
) STRICT;

CREATE TABLE plan_section (
    plan_id  INTEGER NOT NULL REFERENCES plan(id),
    number   INTEGER NOT NULL,
    title    TEXT NOT NULL,
    PRIMARY KEY (plan_id, number)
) STRICT;

CREATE TABLE plan_task (
    plan_id             INTEGER NOT NULL REFERENCES plan(id),
    number              INTEGER NOT NULL,
    section             INTEGER NOT NULL,
    number_in_source    INTEGER NOT NULL,
    content             TEXT NOT NULL,
    lead_unit           TEXT NOT NULL,
    coordinating_units  TEXT NOT NULL,
    deadline_text       TEXT NOT NULL,
    deadline_kind       TEXT NOT NULL,
    deadline            TEXT,
    product             TEXT NOT NULL,
    target_indicator    TEXT,
    target_value        REAL,
    target_unit         TEXT,
    province_role       TEXT NOT NULL CHECK (province_role IN ('lead', 'coordinating', 'not_involved')),
    PRIMARY KEY (plan_id, number),
    FOREIGN KEY (plan_id, section) REFERENCES plan_section(plan_id, number)
) STRICT;
