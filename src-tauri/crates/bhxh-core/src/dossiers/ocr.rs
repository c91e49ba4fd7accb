//! The words inside a dossier's papers (issue 14): which scans still wait
//! for OCR, what OCR read on each page, and which pages it could not read.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::text::fold;
use crate::{CoreError, Timestamp, ts};

/// A scan whose pages have not been read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub dossier_id: i64,
    pub code: String,
    /// `component` or `result`.
    pub kind: &'static str,
    pub number: u32,
    pub sha256: String,
    pub file_name: String,
}

/// Scans of components and results (the originals, not the assembled PDFs
/// nor PDFs received whole) with no page read yet, oldest first.
pub fn pending(conn: &Connection, limit: u32) -> Result<Vec<Pending>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT x.dossier_id, d.code, x.kind, x.number, x.sha256, x.file_name FROM (
             SELECT f.id AS id, f.dossier_id, 'component' AS kind, f.component AS number,
                    f.sha256, f.file_name, f.media_type, f.role FROM dossier_file f
             UNION ALL
             SELECT r.id + 1000000000000, r.dossier_id, 'result', r.result, r.sha256,
                    r.file_name, r.media_type, r.role FROM dossier_result_file r
         ) x JOIN dossier d ON d.id = x.dossier_id
         WHERE x.role = 'original' AND x.media_type LIKE 'image/%'
           AND NOT EXISTS (SELECT 1 FROM paper_text p WHERE p.dossier_id = x.dossier_id
                           AND p.kind = x.kind AND p.number = x.number AND p.sha256 = x.sha256)
         ORDER BY x.id LIMIT ?1",
    )?;
    let rows = stmt.query_map(params![limit], |r| {
        let kind: String = r.get(2)?;
        Ok(Pending {
            dossier_id: r.get(0)?,
            code: r.get(1)?,
            kind: if kind == "result" {
                "result"
            } else {
                "component"
            },
            number: r.get(3)?,
            sha256: r.get(4)?,
            file_name: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One page as OCR read it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageText {
    pub page: u32,
    pub text: String,
    pub confidence: f32,
    pub unreadable: bool,
    /// Each word and its box on the page (JSON, `[]` when none).
    pub words: String,
}

/// Record the pages of one scan (all or none: one statement per page in the
/// caller's transaction). A scan read again replaces nothing: the rows are
/// unique per page.
pub fn record(
    conn: &Connection,
    p: &Pending,
    pages: &[PageText],
    now: &Timestamp,
) -> Result<(), CoreError> {
    for pt in pages {
        conn.execute(
            "INSERT OR IGNORE INTO paper_text (dossier_id, kind, number, sha256, page, text, folded,
                 confidence, unreadable, read_at, words)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                p.dossier_id,
                p.kind,
                p.number,
                p.sha256,
                pt.page,
                pt.text,
                fold(&pt.text),
                f64::from(pt.confidence),
                pt.unreadable,
                ts(now),
                if pt.words.is_empty() { "[]" } else { pt.words.as_str() },
            ],
        )?;
    }
    Ok(())
}

/// A page OCR could not read, for the officer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadablePage {
    pub kind: String,
    pub number: u32,
    pub file_name: String,
    pub page: u32,
}

/// How far OCR got with a dossier: pages read, and those it could not read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DossierText {
    pub pages_read: u32,
    pub unreadable: Vec<UnreadablePage>,
    /// The text of every page read, in paper order (component, file, page).
    pub text: String,
}

/// What OCR read of a dossier.
pub fn of_dossier(conn: &Connection, code: &str) -> Result<DossierText, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.kind, p.number, p.page, p.text, p.unreadable,
                COALESCE((SELECT f.file_name FROM dossier_file f WHERE f.dossier_id = p.dossier_id
                            AND p.kind = 'component' AND f.sha256 = p.sha256 LIMIT 1),
                         (SELECT r.file_name FROM dossier_result_file r WHERE r.dossier_id = p.dossier_id
                            AND p.kind = 'result' AND r.sha256 = p.sha256 LIMIT 1), '')
         FROM paper_text p JOIN dossier d ON d.id = p.dossier_id
         WHERE d.code = ?1 ORDER BY p.kind, p.number, p.id",
    )?;
    let mut out = DossierText {
        pages_read: 0,
        unreadable: Vec::new(),
        text: String::new(),
    };
    let rows = stmt.query_map(params![code], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    for row in rows {
        let (kind, number, page, text, unreadable, file_name) = row?;
        out.pages_read += 1;
        if unreadable {
            out.unreadable.push(UnreadablePage {
                kind,
                number,
                file_name,
                page,
            });
        }
        if !text.is_empty() {
            if !out.text.is_empty() {
                out.text.push_str("\n\n");
            }
            out.text.push_str(&text);
        }
    }
    Ok(out)
}

/// The word boxes OCR found on the scanned pages of a dossier's components,
/// by scan and page: `(sha256, page) → JSON` (pages not read yet are
/// absent). By scan, not by component: a page moved to another component
/// keeps the words read under the component it was scanned into.
pub fn component_words(
    conn: &Connection,
    code: &str,
) -> Result<std::collections::HashMap<(String, u32), String>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.sha256, p.page, p.words FROM paper_text p JOIN dossier d ON d.id = p.dossier_id
         WHERE d.code = ?1 AND p.kind = 'component'",
    )?;
    let rows = stmt.query_map(params![code.trim()], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, u32>(1)?),
            r.get::<_, String>(2)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
