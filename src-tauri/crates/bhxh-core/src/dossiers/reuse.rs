//! Reuse of papers already digitised (plan tasks 13–14; the national
//! indicator of reused digitised results): when the applicant (by ID number)
//! handed in a component of the same kind with an earlier dossier and it was
//! digitised, the desk offers that PDF instead of a rescan.
//!
//! The file store is content-addressed, so a reuse copies nothing: the new
//! component records the same sealed file (same SHA-256), and a
//! `dossier_reuse` row says where it came from, for the monthly reuse share.
//! Two components are "of the same kind" when their names are equal once
//! folded (no marks, đ→d, case and spacing ignored).

use rusqlite::{Connection, params};
use serde::Serialize;

use super::files::{self, FileRecord, FileRole};
use super::{Status, get};
use crate::audit::{self, Actor, Event};
use crate::text::fold;
use crate::{CoreError, Timestamp, ts};

/// A digitised component of an earlier dossier of the same applicant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReuseCandidate {
    pub source_code: String,
    pub source_component: u32,
    pub component_name: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub digitised_at: String,
    pub digitised_by: String,
}

fn same_kind(a: &str, b: &str) -> bool {
    let norm = |s: &str| fold(s).split_whitespace().collect::<Vec<_>>().join(" ");
    norm(a) == norm(b)
}

/// What can stand in for component `component` of dossier `code`: the
/// assembled PDFs of the same applicant's other dossiers whose component is
/// of the same kind, newest first.
pub fn candidates(
    conn: &Connection,
    code: &str,
    component: u32,
) -> Result<Vec<ReuseCandidate>, CoreError> {
    let d = get(conn, code)?;
    let Some(target) = d.components.iter().find(|c| c.number == component) else {
        return Err(CoreError::invalid(
            "component",
            format!("Hồ sơ {} không có thành phần số {component}.", d.code),
        ));
    };
    let mut stmt = conn.prepare(
        "SELECT s.code, f.component, c.name, f.sha256, f.file_name, f.media_type, f.bytes,
                f.pages, f.added_at, f.added_by
         FROM dossier s
         JOIN dossier_file f ON f.dossier_id = s.id AND f.role = 'assembled'
         JOIN dossier_component c ON c.dossier_id = s.id AND c.number = f.component
         WHERE s.applicant_id = ?1 AND s.code != ?2
         ORDER BY f.added_at DESC, f.id DESC",
    )?;
    let rows = stmt
        .query_map(params![d.applicant_id, d.code], |r| {
            Ok(ReuseCandidate {
                source_code: r.get(0)?,
                source_component: r.get(1)?,
                component_name: r.get(2)?,
                sha256: r.get(3)?,
                file_name: r.get(4)?,
                media_type: r.get(5)?,
                bytes: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                pages: r.get(7)?,
                digitised_at: r.get(8)?,
                digitised_by: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|c| same_kind(&c.component_name, &target.name))
        // one offer per distinct file
        .filter(|c| seen.insert(c.sha256.clone()))
        .collect())
}

/// Use the digitised component `source_component` of dossier `source_code`
/// for component `component` of dossier `code`, in the caller's write
/// transaction. Moves the dossier along as a scan would ([`files::record`])
/// and records the reuse; audited.
pub fn reuse(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    component: u32,
    source_code: &str,
    source_component: u32,
    now: &Timestamp,
) -> Result<Status, CoreError> {
    let offered = candidates(conn, code, component)?;
    let Some(c) = offered
        .iter()
        .find(|c| c.source_code == source_code && c.source_component == source_component)
    else {
        return Err(CoreError::invalid(
            "source",
            format!(
                "Thành phần {source_component} của hồ sơ {source_code} không dùng lại được cho \
                 thành phần {component} của hồ sơ {code}: không cùng người nộp, không cùng loại \
                 giấy tờ hoặc chưa được số hóa."
            ),
        ));
    };
    let has_pdf: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM dossier_file f JOIN dossier d ON d.id = f.dossier_id
                        WHERE d.code = ?1 AND f.component = ?2 AND f.role = 'assembled')",
        params![code, component],
        |r| r.get(0),
    )?;
    if has_pdf {
        return Err(CoreError::Conflict(format!(
            "Thành phần {component} của hồ sơ {code} đã có bản số hóa."
        )));
    }
    let status = files::record(
        conn,
        actor,
        code,
        component,
        &[FileRecord {
            role: FileRole::Assembled,
            sha256: c.sha256.clone(),
            file_name: c.file_name.clone(),
            media_type: c.media_type.clone(),
            bytes: c.bytes,
            pages: c.pages,
            warnings: Vec::new(),
        }],
        now,
    )?;
    let by = super::staff_name(conn, actor)?;
    conn.execute(
        "INSERT INTO dossier_reuse (dossier_id, component, source_dossier_id, source_component,
                                    sha256, at, by_name)
         SELECT d.id, ?2, s.id, ?4, ?5, ?6, ?7 FROM dossier d, dossier s
         WHERE d.code = ?1 AND s.code = ?3",
        params![
            code,
            component,
            source_code,
            source_component,
            c.sha256,
            ts(now),
            by
        ],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "reuse",
            entity: "dossier",
            entity_id: code,
            detail: serde_json::json!({
                "component": component,
                "from": source_code,
                "fromComponent": source_component,
                "sha256": c.sha256,
            }),
        },
        now,
    )?;
    Ok(status)
}
