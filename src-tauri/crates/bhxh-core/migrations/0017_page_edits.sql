-- Page tools (issue 14): a component's pages turned, reordered or dropped.
-- An edit never changes a sealed file: it records a new `assembled` row in
-- `dossier_file` (the component's current PDF from then on) made from the
-- same scanned pages, and here the layout it was made from: for each page
-- of the new PDF, which original scan (by hash), which page of that file,
-- and its turn. `base_sha256` is the PDF the officer edited.
CREATE TABLE page_edit (
    file_id      INTEGER PRIMARY KEY REFERENCES dossier_file(id) ON DELETE CASCADE,
    base_sha256  TEXT NOT NULL CHECK (length(base_sha256) = 64),
    layout       TEXT NOT NULL CHECK (json_valid(layout) AND json_array_length(layout) >= 1)
) STRICT;

-- Where OCR found each word on a page (JSON: [{"t", "x", "y", "w", "h"}],
-- fractions of the page), for the searchable archival copy's hidden text.
ALTER TABLE paper_text ADD COLUMN words TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(words));
