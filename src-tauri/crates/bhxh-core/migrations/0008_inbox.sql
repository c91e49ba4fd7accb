-- The scan inbox (issue 6): a folder the office scanners write to, polled by
-- the desk. Files are sealed in the file store beside the database; these
-- tables say what was seen, taken, filed and left for a person to sort.

-- What a poll saw of each file still in the folder. A file is taken only
-- when a later poll, at least `inbox.settle_seconds` after the first sight,
-- sees the same size and modification time (a scanner writing over a network
-- share grows the file for a while). Kept here rather than in memory so a
-- command-line `inbox scan-once` run from a scheduler works the same way as
-- the window's poller. A row goes when its file is taken or disappears.
CREATE TABLE inbox_seen (
    name           TEXT PRIMARY KEY,                -- file name in the folder
    size           INTEGER NOT NULL CHECK (size >= 0),
    mtime_ns       INTEGER NOT NULL,                -- as the file system gives it
    first_seen_at  TEXT NOT NULL                    -- first poll that saw this size and time
) STRICT;

-- Every file taken from the folder, by the SHA-256 of its bytes (the file is
-- sealed in the file store under that name). Written in the same transaction
-- as the filing and the triage rows, before the file leaves the folder, so
-- a file met again (a crash between commit and removal, or the same file
-- dropped twice) is recognised and never filed twice.
CREATE TABLE inbox_file (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    file_name   TEXT NOT NULL,
    bytes       INTEGER NOT NULL CHECK (bytes >= 0),
    pages       INTEGER NOT NULL CHECK (pages >= 0),   -- 0: the file could not be read
    taken_at    TEXT NOT NULL,
    taken_by    TEXT NOT NULL,
    outcome     TEXT NOT NULL DEFAULT '{}'             -- JSON: parts filed and triaged
) STRICT;

-- Parts of taken files the inbox could not file on its own (no cover sheet,
-- a code not in the store, a damaged file, …), for a person to file with
-- `triage_assign`. The pages are those of the sealed source file `sha256`.
CREATE TABLE inbox_triage (
    id               INTEGER PRIMARY KEY,
    file_id          INTEGER NOT NULL REFERENCES inbox_file(id),
    sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
    file_name        TEXT NOT NULL,
    first_page       INTEGER NOT NULL CHECK (first_page >= 1),
    page_count       INTEGER NOT NULL CHECK (page_count >= 0),
    reason           TEXT NOT NULL,
    code_read        TEXT,                              -- a dossier code read on a cover, if any
    created_at       TEXT NOT NULL,
    filed_at         TEXT,
    filed_code       TEXT,
    filed_component  INTEGER,
    filed_by         TEXT,
    CHECK ((filed_at IS NULL) = (filed_code IS NULL)),
    CHECK ((filed_at IS NULL) = (filed_component IS NULL))
) STRICT;
CREATE INDEX inbox_triage_open ON inbox_triage (id) WHERE filed_at IS NULL;
CREATE INDEX inbox_triage_sha256 ON inbox_triage (sha256);
