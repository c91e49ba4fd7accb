-- Digitised papers used again for a later dossier of the same applicant
-- (issue 6, "reuse"): the component records the same sealed file; this row
-- says where it came from, for the monthly reuse share.
CREATE TABLE dossier_reuse (
    id                 INTEGER PRIMARY KEY,
    dossier_id         INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    component          INTEGER NOT NULL,
    source_dossier_id  INTEGER NOT NULL REFERENCES dossier(id),
    source_component   INTEGER NOT NULL,
    sha256             TEXT NOT NULL CHECK (length(sha256) = 64),
    at                 TEXT NOT NULL,
    by_name            TEXT NOT NULL,
    UNIQUE (dossier_id, component),
    FOREIGN KEY (dossier_id, component) REFERENCES dossier_component (dossier_id, number)
) STRICT;
CREATE INDEX dossier_reuse_dossier ON dossier_reuse (dossier_id);
