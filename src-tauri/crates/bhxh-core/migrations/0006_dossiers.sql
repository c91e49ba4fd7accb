-- Dossiers taken in at the one-stop desk (plan tasks 13–15; Circular 01/2018
-- Art. 19 codes, forms 01–06).

-- Per-scope counters: 'day:YYYY-MM-DD' numbers dossier codes (restarting each
-- day), 'register:YYYY' numbers the yearly register (form 06). A counter is
-- bumped in the same transaction as the dossier it numbers, so a number is
-- never handed out twice, and the UNIQUE constraints below would refuse it.
CREATE TABLE dossier_counter (
    scope  TEXT PRIMARY KEY,
    last   INTEGER NOT NULL CHECK (last >= 0)
) STRICT;

CREATE TABLE dossier (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    procedure_code    TEXT NOT NULL REFERENCES procedure(code) ON UPDATE CASCADE,
    -- As at intake: a later catalogue edit never rewrites an issued receipt.
    procedure_name    TEXT NOT NULL,
    processing_days   INTEGER NOT NULL CHECK (processing_days >= 0),
    applicant_id      TEXT NOT NULL CHECK (length(applicant_id) = 12),
    applicant_name    TEXT NOT NULL,
    applicant_dob     TEXT NOT NULL,
    applicant_sex     TEXT NOT NULL CHECK (applicant_sex IN ('nam', 'nu')),
    address           TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    identity_source   TEXT NOT NULL CHECK (identity_source IN ('typed', 'qr', 'chip')),
    channel           TEXT NOT NULL CHECK (channel IN ('counter', 'post')),
    return_via        TEXT NOT NULL CHECK (return_via IN ('counter', 'post')),
    sets              INTEGER NOT NULL DEFAULT 1 CHECK (sets >= 1),
    received_at       TEXT NOT NULL,
    received_on       TEXT NOT NULL,
    due_on            TEXT NOT NULL,
    register_year     INTEGER NOT NULL,
    register_no       INTEGER NOT NULL,
    received_by       INTEGER REFERENCES staff(id),
    received_by_name  TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('received', 'digitising', 'digitised',
                          'processing', 'result_ready', 'returned', 'supplement_requested', 'refused')),
    status_at         TEXT NOT NULL,
    -- Folded (no marks, đ→d, lower case) code, ID, name and procedure, for search.
    search_text       TEXT NOT NULL,
    UNIQUE (register_year, register_no)
) STRICT;
CREATE INDEX dossier_applicant ON dossier (applicant_id);
CREATE INDEX dossier_received_on ON dossier (received_on);
CREATE INDEX dossier_status ON dossier (status, received_on);
CREATE INDEX dossier_procedure ON dossier (procedure_code, received_on);

-- Word search over the folded text; kept in step by triggers, in the same
-- transaction as the row. Prefix indexes make "ngu van d" (word starts, as
-- people type them) an index lookup rather than a walk over every term.
CREATE VIRTUAL TABLE dossier_fts USING fts5 (
    search_text,
    content = 'dossier',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
CREATE TRIGGER dossier_fts_insert AFTER INSERT ON dossier BEGIN
    INSERT INTO dossier_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER dossier_fts_delete AFTER DELETE ON dossier BEGIN
    INSERT INTO dossier_fts (dossier_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER dossier_fts_update AFTER UPDATE OF search_text ON dossier BEGIN
    INSERT INTO dossier_fts (dossier_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO dossier_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- The checklist: the procedure's components as at intake, and which were handed in.
CREATE TABLE dossier_component (
    dossier_id  INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    name        TEXT NOT NULL,
    copies      INTEGER NOT NULL,
    original    INTEGER NOT NULL CHECK (original IN (0, 1)),
    received    INTEGER NOT NULL CHECK (received IN (0, 1)),
    PRIMARY KEY (dossier_id, number)
) STRICT;

-- Every status change, with who and why (form 02/03 reasons included).
CREATE TABLE dossier_event (
    id           INTEGER PRIMARY KEY,
    dossier_id   INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    staff_id     INTEGER REFERENCES staff(id),
    staff_name   TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX dossier_event_dossier ON dossier_event (dossier_id, id);

-- Digitised papers of a component. `original` rows are the files as they
-- came (scans, or a PDF kept byte for byte); an `assembled` row is the PDF
-- made from the scans, with the digitiser's stamp. The bytes live sealed in
-- the file store beside the database, named by `sha256` (of the plaintext).
CREATE TABLE dossier_file (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    component   INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('original', 'assembled')),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    bytes       INTEGER NOT NULL CHECK (bytes >= 0),
    pages       INTEGER NOT NULL CHECK (pages >= 1),
    warnings    TEXT NOT NULL DEFAULT '[]',
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    FOREIGN KEY (dossier_id, component) REFERENCES dossier_component (dossier_id, number)
) STRICT;
CREATE INDEX dossier_file_dossier ON dossier_file (dossier_id, component);
CREATE INDEX dossier_file_sha256 ON dossier_file (sha256);
