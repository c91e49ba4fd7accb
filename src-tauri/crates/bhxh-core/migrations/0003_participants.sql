-- The participant register (plan task 21): people insured by the office and
-- whether their personal ID number has been verified.
CREATE TABLE participant (
    id               INTEGER PRIMARY KEY,
    bhxh_number      TEXT NOT NULL UNIQUE CHECK (length(bhxh_number) = 10),
    full_name        TEXT NOT NULL,
    name_folded      TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    sex              TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    id_number        TEXT CHECK (id_number IS NULL OR length(id_number) = 12),
    status           TEXT NOT NULL DEFAULT 'unverified' CHECK (status IN ('unverified', 'verified')),
    verified_at      TEXT,
    verified_method  TEXT CHECK (verified_method IS NULL OR verified_method IN ('chip', 'manual')),
    verified_by      INTEGER REFERENCES staff(id),
    verify_note      TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK ((status = 'verified') = (verified_at IS NOT NULL))
) STRICT;
CREATE INDEX participant_id_number ON participant (id_number);
CREATE INDEX participant_name ON participant (name_folded);
