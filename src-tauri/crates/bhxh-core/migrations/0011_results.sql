-- Results of a dossier (the decision, the book, the card the office hands
-- back), digitised the way its papers are (plan tasks 13–14: "hồ sơ, giấy
-- tờ, kết quả giải quyết TTHC"). A result flagged reusable is offered at the
-- same applicant's later intakes instead of a rescan.
CREATE TABLE dossier_result (
    dossier_id   INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL CHECK (number >= 1),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    reusable     INTEGER NOT NULL CHECK (reusable IN (0, 1)),
    added_at     TEXT NOT NULL,
    added_by     TEXT NOT NULL,
    PRIMARY KEY (dossier_id, number)
) STRICT;

-- The files of a result, as `dossier_file` holds a component's: the scans as
-- they came (`original`) and the PDF made from them (`assembled`), sealed in
-- the file store under the SHA-256 of their plaintext.
CREATE TABLE dossier_result_file (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL,
    result      INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('original', 'assembled')),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    bytes       INTEGER NOT NULL CHECK (bytes >= 0),
    pages       INTEGER NOT NULL CHECK (pages >= 1),
    warnings    TEXT NOT NULL DEFAULT '[]',
    FOREIGN KEY (dossier_id, result) REFERENCES dossier_result (dossier_id, number) ON DELETE CASCADE
) STRICT;
CREATE INDEX dossier_result_file_result ON dossier_result_file (dossier_id, result);
CREATE INDEX dossier_result_file_sha256 ON dossier_result_file (sha256);

-- A reuse now names what it took: a component of the earlier dossier (as
-- before) or one of its results; `source_component` is then the result's number.
ALTER TABLE dossier_reuse ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'component'
    CHECK (source_kind IN ('component', 'result'));
