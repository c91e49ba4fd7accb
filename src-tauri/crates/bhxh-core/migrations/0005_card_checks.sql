-- Chip checks of citizens' ID cards: at the counter (plan task 24) and when
-- benefits are paid (task 25). What was read is kept as hashes, never the
-- photo (Decree 13).
CREATE TABLE card_check (
    id                INTEGER PRIMARY KEY,
    at                TEXT NOT NULL,
    staff_id          INTEGER REFERENCES staff(id),
    staff_username    TEXT NOT NULL,
    purpose           TEXT NOT NULL CHECK (purpose IN ('counter', 'payment')),
    reader            TEXT NOT NULL,
    id_number         TEXT NOT NULL,
    full_name         TEXT NOT NULL,
    verdict           TEXT NOT NULL,
    genuine           INTEGER NOT NULL CHECK (genuine IN (0, 1)),
    file_hashes       TEXT NOT NULL DEFAULT '{}',
    participant_bhxh  TEXT,
    result            TEXT NOT NULL CHECK (result IN ('matched', 'not_in_register', 'not_genuine'))
) STRICT;
CREATE INDEX card_check_at ON card_check (at);
CREATE INDEX card_check_id_number ON card_check (id_number);
