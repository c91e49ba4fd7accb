-- Issue 12: the rules in force on a dossier's date. Reference data carries
-- the dates it applies from and to; a dossier keeps the rules it was taken
-- in under. Packs of reference data (the built-in seed, later HQ's) are
-- applied once each and recorded.

-- The 63 provincial units of Circular 07/2016/TT-BCA stay: their codes are
-- the prefixes of the 12-digit ID number for good. They lapse as units on
-- 30/6/2025 (set by the pack that brings the 34 new units).
ALTER TABLE province ADD COLUMN valid_to TEXT;

-- Provincial-level units by date (Resolution 202/2025/QH15: 34 from
-- 1/7/2025), with their statistical codes (Decision 19/2025/QĐ-TTg) and the
-- old units they took over.
CREATE TABLE admin_unit (
    code        TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('tinh', 'thanh_pho')),
    basis       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (code, valid_from)
) STRICT;
CREATE TABLE admin_unit_predecessor (
    code      TEXT NOT NULL,
    old_code  TEXT NOT NULL REFERENCES province(code),
    PRIMARY KEY (code, old_code)
) STRICT;
CREATE INDEX admin_unit_predecessor_old ON admin_unit_predecessor (old_code);

-- The office's unit among them and its level: a provincial office
-- ("Bảo hiểm xã hội tỉnh/thành phố X") or a base office ("Bảo hiểm xã hội
-- cơ sở", serving several communes).
ALTER TABLE office ADD COLUMN unit_code TEXT;
ALTER TABLE office ADD COLUMN level TEXT NOT NULL DEFAULT 'provincial'
    CHECK (level IN ('provincial', 'base'));

-- A procedure's deadline by date: how many units of what, and the legal
-- basis. The catalogue row keeps the name and the papers.
CREATE TABLE procedure_rule (
    procedure_code  TEXT NOT NULL REFERENCES procedure(code) ON UPDATE CASCADE ON DELETE CASCADE,
    valid_from      TEXT NOT NULL,
    valid_to        TEXT,
    deadline_value  INTEGER NOT NULL CHECK (deadline_value >= 0),
    deadline_unit   TEXT NOT NULL
        CHECK (deadline_unit IN ('working_days', 'days_excluding_holidays', 'calendar_days')),
    basis           TEXT NOT NULL DEFAULT '',
    -- 0 when research found no source: shown as "chưa kiểm chứng", editable.
    verified        INTEGER NOT NULL DEFAULT 1 CHECK (verified IN (0, 1)),
    PRIMARY KEY (procedure_code, valid_from)
) STRICT;

-- The one-stop papers by date (Circular 01/2018/TT-VPCP, then Decree
-- 118/2025/NĐ-CP and Circular 03/2025/TT-VPCP): each form's number, title
-- and layout (JSON, so a corrected column needs no code).
CREATE TABLE paper_form (
    set_code    TEXT NOT NULL,
    number      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('receipt', 'supplement', 'refusal', 'apology',
                    'stop', 'tracking', 'register')),
    title       TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    basis       TEXT NOT NULL DEFAULT '',
    layout      TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (set_code, number),
    UNIQUE (set_code, kind)
) STRICT;

-- What the offices are called, by date.
CREATE TABLE agency_naming (
    valid_from  TEXT PRIMARY KEY,
    valid_to    TEXT,
    provincial  TEXT NOT NULL,
    base        TEXT NOT NULL,
    basis       TEXT NOT NULL DEFAULT ''
) STRICT;

-- Holidays decided in policy but not (yet) in the Labour Code: off unless
-- the office turns them on (setting `calendar.optional_holidays`).
-- (kind 'optional' in `holiday`; no schema change needed.)

-- Every pack applied: once per (id, version), with what it changed.
CREATE TABLE reference_pack (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    published   TEXT NOT NULL,
    source      TEXT NOT NULL,
    applied_at  TEXT NOT NULL,
    changes     TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

-- A dossier keeps the rules it was taken in under: the deadline's unit and
-- basis, and the paper set its papers print from.
ALTER TABLE dossier ADD COLUMN deadline_unit TEXT NOT NULL DEFAULT 'working_days';
ALTER TABLE dossier ADD COLUMN deadline_basis TEXT NOT NULL DEFAULT '';
ALTER TABLE dossier ADD COLUMN paper_set TEXT NOT NULL DEFAULT 'TT01/2018';
UPDATE dossier SET paper_set = 'TT03/2025' WHERE received_on >= '2025-07-01';


-- An extension of a dossier's deadline (form 04: apology and new date).
CREATE TABLE dossier_extension (
    id           INTEGER PRIMARY KEY,
    dossier_id   INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    staff_name   TEXT NOT NULL,
    old_due_on   TEXT NOT NULL,
    new_due_on   TEXT NOT NULL,
    reason       TEXT NOT NULL
) STRICT;
CREATE INDEX dossier_extension_dossier ON dossier_extension (dossier_id, id);

-- Organisations as applicants (an employer registering its workers): the
-- person who hands the papers in stays the applicant of record (their ID),
-- and the organisation is named beside them, printed and carried in the QR.
ALTER TABLE dossier ADD COLUMN org_code TEXT;
ALTER TABLE dossier ADD COLUMN org_tax_code TEXT;
ALTER TABLE dossier ADD COLUMN org_name TEXT;
ALTER TABLE dossier ADD COLUMN org_address TEXT;

-- Form 05 of Circular 03/2025, "Thông báo dừng giải quyết hồ sơ": a dossier
-- can be stopped, with its reason. The status CHECK gains 'stopped' by
-- editing the table's schema text (SQLite's documented procedure for a
-- constraint change: the rows already satisfy the wider check; the store
-- bumps the schema cookie after every migration). Last in this file: an ALTER
-- TABLE after the edit, on the same connection, would add its column at the
-- offset of the old text.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, '''supplement_requested'', ''refused''))',
                          '''supplement_requested'', ''refused'', ''stopped''))')
 WHERE type = 'table' AND name = 'dossier';
PRAGMA writable_schema = OFF;
