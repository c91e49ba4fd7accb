-- Approved reports signed with the office's token (issue 13): the signed
-- PDF of one approved revision, sealed in the file store. Every later
-- print, save or export of that revision gives these bytes.
CREATE TABLE signed_report (
    kind               TEXT NOT NULL,
    period             TEXT NOT NULL,
    revision           INTEGER NOT NULL CHECK (revision >= 1),
    sha256             TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes              INTEGER NOT NULL CHECK (bytes > 0),
    signer             TEXT NOT NULL,
    certificate_serial TEXT NOT NULL,
    signed_at          TEXT NOT NULL,
    signed_by          TEXT NOT NULL,
    PRIMARY KEY (kind, period, revision)
) STRICT;
