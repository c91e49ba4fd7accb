-- Pages moved between components of one dossier (issue 14): an officer fed
-- a whole batch into one component and some of its pages belong to another.
-- A move records a new `assembled` row (with its layout in `page_edit`) for
-- each component; the sealed scans stay where they were recorded, so a
-- layout may name a scan recorded under another component of the dossier.
-- For a component that had no PDF before, `page_edit.base_sha256` is the PDF
-- the pages were taken from.
--
-- When every page of a component is moved away it is left with no PDF: the
-- assembled row that was current then is named here, and the component
-- counts as not digitised until a newer assembled row is recorded for it.
CREATE TABLE page_emptied (
    file_id  INTEGER PRIMARY KEY REFERENCES dossier_file(id) ON DELETE CASCADE
) STRICT;
