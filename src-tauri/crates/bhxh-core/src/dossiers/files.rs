//! Digitised papers recorded against a dossier's components (plan tasks
//! 13–14). The bytes are in the sealed file store (`bhxh-files`); this keeps
//! which file is which paper, its hash, pages and the desk's warnings, and
//! moves the dossier to "digitising" and then "digitised".

use rusqlite::{Connection, params};
use serde::Serialize;

use super::{Status, get};
use crate::office::audit::{self, Actor, Event};
use crate::{CoreError, Timestamp, ts};

/// Whether a row is a file as received or the PDF assembled from scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    Original,
    Assembled,
}

impl FileRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Original => "original",
            FileRole::Assembled => "assembled",
        }
    }
}

/// One file to record (already sealed in the file store).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    pub role: FileRole,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub warnings: Vec<String>,
}

/// A recorded file, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileLine {
    pub component: u32,
    pub role: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub warnings: Vec<String>,
    pub added_at: String,
    pub added_by: String,
}

/// Record the files of one component and move the dossier along: to
/// "digitising" at the first file, to "digitised" once every component
/// handed in has its PDF. Run inside a write transaction, after the files are
/// sealed in the store.
pub fn record(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    component: u32,
    files: &[FileRecord],
    now: &Timestamp,
) -> Result<Status, CoreError> {
    let d = get(conn, code)?;
    let Some(c) = d.components.iter().find(|c| c.number == component) else {
        return Err(CoreError::invalid(
            "component",
            format!("Hồ sơ {} không có thành phần số {component}.", d.code),
        ));
    };
    ensure_digitisable(&d)?;
    if !files.iter().any(|f| f.role == FileRole::Assembled) {
        return Err(CoreError::invalid(
            "files",
            "Thiếu tệp PDF của thành phần hồ sơ.",
        ));
    }
    let name = super::staff_name(conn, actor)?;
    for f in files {
        conn.execute(
            "INSERT INTO dossier_file (dossier_id, component, role, sha256, file_name, media_type,
                 bytes, pages, warnings, added_at, added_by)
             SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM dossier WHERE code = ?1",
            params![
                d.code,
                component,
                f.role.as_str(),
                f.sha256,
                f.file_name,
                f.media_type,
                i64::try_from(f.bytes).unwrap_or(i64::MAX),
                f.pages,
                serde_json::to_string(&f.warnings).unwrap_or_else(|_| "[]".into()),
                ts(now),
                name,
            ],
        )?;
    }
    audit::append(
        conn,
        actor,
        &Event {
            action: "digitise",
            entity: "dossier",
            entity_id: &d.code,
            detail: serde_json::json!({
                "component": component,
                "name": c.name,
                "files": files.iter().map(|f| &f.sha256).collect::<Vec<_>>(),
            }),
        },
        now,
    )?;
    settle_status(conn, actor, &d, now)
}

/// A row `f` of `dossier_file` that is (or was) an assembled PDF and that no
/// move has left empty since: the component's newest such row is its
/// current PDF.
pub(crate) const NOT_EMPTIED_SINCE: &str = "NOT EXISTS (SELECT 1 FROM page_emptied e
       JOIN dossier_file x ON x.id = e.file_id
       WHERE x.dossier_id = f.dossier_id AND x.component = f.component AND x.id >= f.id)";

/// The dossier's status after its papers changed: "digitising" from the
/// first file, "digitised" once every component handed in has a current PDF.
pub(crate) fn settle_status(
    conn: &Connection,
    actor: &Actor,
    d: &super::Dossier,
    now: &Timestamp,
) -> Result<Status, CoreError> {
    let mut status = d.status;
    if status == Status::Received {
        status = super::set_status(conn, actor, &d.code, Status::Digitising, "", now)?.status;
    }
    if status == Status::Digitising && missing(conn, &d.code)? == 0 {
        status = super::set_status(conn, actor, &d.code, Status::Digitised, "", now)?.status;
    }
    Ok(status)
}

/// How many components handed in have no current PDF.
pub(crate) fn missing(conn: &Connection, code: &str) -> Result<u32, CoreError> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) FROM dossier_component c JOIN dossier d ON d.id = c.dossier_id
             WHERE d.code = ?1 AND c.received = 1 AND NOT EXISTS (
                 SELECT 1 FROM dossier_file f WHERE f.dossier_id = c.dossier_id
                 AND f.component = c.number AND f.role = 'assembled' AND {NOT_EMPTIED_SINCE})"
        ),
        [code.trim()],
        |r| r.get(0),
    )?)
}

/// The components of a dossier that have a current PDF (are digitised): an
/// assembled PDF that no move of every page away has emptied since.
pub fn digitised(conn: &Connection, code: &str) -> Result<Vec<u32>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT f.component FROM dossier_file f JOIN dossier d ON d.id = f.dossier_id
         WHERE d.code = ?1 AND f.role = 'assembled' AND {NOT_EMPTIED_SINCE}
         ORDER BY f.component"
    ))?;
    let rows = stmt.query_map([code.trim()], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A dossier's papers can still be digitised (or their pages edited) only
/// until it moves on to processing.
pub(crate) fn ensure_digitisable(d: &super::Dossier) -> Result<(), CoreError> {
    if !matches!(
        d.status,
        Status::Received | Status::Digitising | Status::Digitised
    ) {
        return Err(CoreError::Conflict(format!(
            "Hồ sơ {} đang ở trạng thái \"{}\": không số hóa thêm được.",
            d.code,
            d.status.label_vi()
        )));
    }
    Ok(())
}

/// The files recorded for a dossier, by component.
pub fn list(conn: &Connection, code: &str) -> Result<Vec<FileLine>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT f.component, f.role, f.sha256, f.file_name, f.media_type, f.bytes, f.pages,
                f.warnings, f.added_at, f.added_by
         FROM dossier_file f JOIN dossier d ON d.id = f.dossier_id
         WHERE d.code = ?1 ORDER BY f.component, f.id",
    )?;
    let rows = stmt.query_map([code.trim()], |r| {
        let warnings: String = r.get(7)?;
        Ok(FileLine {
            component: r.get(0)?,
            role: r.get(1)?,
            sha256: r.get(2)?,
            file_name: r.get(3)?,
            media_type: r.get(4)?,
            bytes: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
            pages: r.get(6)?,
            warnings: serde_json::from_str(&warnings).unwrap_or_default(),
            added_at: r.get(8)?,
            added_by: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every hash the store refers to (for the file store's check).
pub fn referenced_hashes(conn: &Connection) -> Result<Vec<String>, CoreError> {
    let mut stmt = conn.prepare("SELECT DISTINCT sha256 FROM dossier_file ORDER BY sha256")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
