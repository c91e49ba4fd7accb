-- Words inside the papers (issue 14): each page of each scan a dossier's
-- component or result was digitised from, read by OCR in the background
-- after sealing. The text lives in the encrypted store like every field;
-- its folded copy (marks dropped, đ→d, lowercase) is indexed so the search
-- box finds a dossier by a word on its papers. A page OCR could not read is
-- kept with `unreadable = 1`, for the officer to look at.
CREATE TABLE paper_text (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('component', 'result')),
    number      INTEGER NOT NULL CHECK (number >= 1),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    page        INTEGER NOT NULL CHECK (page >= 1),
    text        TEXT NOT NULL,
    folded      TEXT NOT NULL,
    confidence  REAL NOT NULL,
    unreadable  INTEGER NOT NULL CHECK (unreadable IN (0, 1)),
    read_at     TEXT NOT NULL,
    UNIQUE (dossier_id, kind, number, sha256, page)
) STRICT;
CREATE INDEX paper_text_dossier ON paper_text (dossier_id);

CREATE VIRTUAL TABLE paper_text_fts USING fts5 (
    folded,
    content = 'paper_text',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
CREATE TRIGGER paper_text_fts_insert AFTER INSERT ON paper_text BEGIN
    INSERT INTO paper_text_fts (rowid, folded) VALUES (new.id, new.folded);
END;
CREATE TRIGGER paper_text_fts_delete AFTER DELETE ON paper_text BEGIN
    INSERT INTO paper_text_fts (paper_text_fts, rowid, folded) VALUES ('delete', old.id, old.folded);
END;
