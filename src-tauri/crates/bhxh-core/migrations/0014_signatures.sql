-- Digital signatures (issue 13): each signed version of a dossier's PDF
-- (a component's or a result's). The signed bytes are sealed in the file
-- store like every scan; a version signs the one before it (`base_sha256`:
-- the assembled PDF, or an earlier signed version) as an incremental update,
-- so the earlier bytes and signatures stay inside it. `assembled_sha256`
-- names the assembled PDF the chain of versions started from: a component
-- digitised again starts a new chain, and the old versions stop being
-- current (they stay on record).
CREATE TABLE signed_file (
    id                 INTEGER PRIMARY KEY,
    dossier_id         INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('component', 'result')),
    number             INTEGER NOT NULL CHECK (number >= 1),
    assembled_sha256   TEXT NOT NULL CHECK (length(assembled_sha256) = 64),
    base_sha256        TEXT NOT NULL CHECK (length(base_sha256) = 64),
    sha256             TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes              INTEGER NOT NULL CHECK (bytes > 0),
    signer             TEXT NOT NULL,
    certificate_serial TEXT NOT NULL,
    signed_at          TEXT NOT NULL,
    signed_by          TEXT NOT NULL
) STRICT;
CREATE INDEX signed_file_item ON signed_file (dossier_id, kind, number);
CREATE INDEX signed_file_sha256 ON signed_file (sha256);
