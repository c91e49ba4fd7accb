//! Results of a dossier (the decision, the book, the card handed back),
//! digitised the same way as its papers (plan tasks 13–14 count "hồ sơ, giấy
//! tờ, kết quả giải quyết TTHC"). A result is numbered within its dossier,
//! keeps its files as a component does ([`FileRecord`]: the scans as they
//! came and the assembled PDF), and may be flagged reusable: then
//! [`super::reuse`] offers it at the same applicant's later intakes where a
//! component of that kind is needed.
//!
//! A result exists once the dossier has been handled: it is recorded while
//! the dossier is "processing" (which moves it to "result ready"), "result
//! ready" or "returned".

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::files::{FileRecord, FileRole};
use super::{Status, get};
use crate::office::audit::{self, Actor, Event};
use crate::text::nfc;
use crate::{CoreError, Timestamp, ts};

/// The longest result name kept (characters).
pub const MAX_NAME: usize = 300;

/// A digitised result of a dossier, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultLine {
    pub number: u32,
    pub name: String,
    pub reusable: bool,
    pub added_at: String,
    pub added_by: String,
    /// The assembled PDF's hash and page count.
    pub sha256: String,
    pub pages: u32,
    pub files: Vec<FileRecord>,
}

/// What recording a result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub number: u32,
    pub status: Status,
}

/// The name as kept: trimmed, NFC, inner runs of spaces made one.
pub fn clean_name(name: &str) -> Result<String, CoreError> {
    let name = nfc(&name.split_whitespace().collect::<Vec<_>>().join(" "));
    if name.is_empty() {
        return Err(CoreError::invalid(
            "name",
            "Cần ghi tên kết quả (ví dụ: Quyết định hưởng chế độ, Sổ BHXH).",
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(CoreError::invalid(
            "name",
            format!("Tên kết quả dài quá {MAX_NAME} ký tự."),
        ));
    }
    Ok(name)
}

/// A result exists once the dossier has been handled: processing, result ready or returned.
pub fn ensure_handled(d: &super::Dossier) -> Result<(), CoreError> {
    if matches!(
        d.status,
        Status::Processing | Status::ResultReady | Status::Returned
    ) {
        return Ok(());
    }
    Err(CoreError::Conflict(format!(
        "Hồ sơ {} đang ở trạng thái \"{}\": chỉ số hóa kết quả khi hồ sơ đã chuyển xử lý.",
        d.code,
        d.status.label_vi()
    )))
}

/// Record a digitised result of dossier `code` (its files already sealed in
/// the store), in the caller's write transaction; audited. A dossier being
/// processed moves to "result ready".
pub fn record(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    name: &str,
    reusable: bool,
    files: &[FileRecord],
    now: &Timestamp,
) -> Result<Recorded, CoreError> {
    let d = get(conn, code)?;
    let name = clean_name(name)?;
    ensure_handled(&d)?;
    if files
        .iter()
        .filter(|f| f.role == FileRole::Assembled)
        .count()
        != 1
    {
        return Err(CoreError::invalid(
            "files",
            "Một kết quả cần đúng một tệp PDF.",
        ));
    }
    let by = super::staff_name(conn, actor)?;
    let dossier_id: i64 =
        conn.query_row("SELECT id FROM dossier WHERE code = ?1", [&d.code], |r| {
            r.get(0)
        })?;
    let number: u32 = conn.query_row(
        "SELECT coalesce(max(number), 0) + 1 FROM dossier_result WHERE dossier_id = ?1",
        [dossier_id],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO dossier_result (dossier_id, number, name, reusable, added_at, added_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![dossier_id, number, name, reusable, ts(now), by],
    )?;
    for f in files {
        conn.execute(
            "INSERT INTO dossier_result_file (dossier_id, result, role, sha256, file_name,
                 media_type, bytes, pages, warnings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                dossier_id,
                number,
                f.role.as_str(),
                f.sha256,
                f.file_name,
                f.media_type,
                i64::try_from(f.bytes).unwrap_or(i64::MAX),
                f.pages,
                serde_json::to_string(&f.warnings).unwrap_or_else(|_| "[]".into()),
            ],
        )?;
    }
    audit::append(
        conn,
        actor,
        &Event {
            action: "digitise_result",
            entity: "dossier",
            entity_id: &d.code,
            detail: serde_json::json!({
                "result": number,
                "name": name,
                "reusable": reusable,
                "files": files.iter().map(|f| &f.sha256).collect::<Vec<_>>(),
            }),
        },
        now,
    )?;
    let mut status = d.status;
    if status == Status::Processing {
        status = super::set_status(
            conn,
            actor,
            &d.code,
            Status::ResultReady,
            &format!("Đã số hóa kết quả: {name}"),
            now,
        )?
        .status;
    }
    Ok(Recorded { number, status })
}

/// Flag a result reusable or not; audited. Unchanged flags write nothing.
pub fn set_reusable(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    number: u32,
    reusable: bool,
    now: &Timestamp,
) -> Result<(), CoreError> {
    let d = get(conn, code)?;
    let current: Option<bool> = conn
        .query_row(
            "SELECT r.reusable FROM dossier_result r JOIN dossier d ON d.id = r.dossier_id
             WHERE d.code = ?1 AND r.number = ?2",
            params![d.code, number],
            |r| r.get(0),
        )
        .optional()?;
    let Some(current) = current else {
        return Err(CoreError::NotFound {
            what: format!("kết quả số {number} của hồ sơ {}", d.code),
        });
    };
    if current == reusable {
        return Ok(());
    }
    conn.execute(
        "UPDATE dossier_result SET reusable = ?3
         WHERE dossier_id = (SELECT id FROM dossier WHERE code = ?1) AND number = ?2",
        params![d.code, number, reusable],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "update",
            entity: "dossier_result",
            entity_id: &format!("{}#{number}", d.code),
            detail: serde_json::json!({ "reusable": reusable }),
        },
        now,
    )?;
    Ok(())
}

/// The digitised results of a dossier, in number order.
pub fn list(conn: &Connection, code: &str) -> Result<Vec<ResultLine>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT r.number, r.name, r.reusable, r.added_at, r.added_by
         FROM dossier_result r JOIN dossier d ON d.id = r.dossier_id
         WHERE d.code = ?1 ORDER BY r.number",
    )?;
    let mut out: Vec<ResultLine> = stmt
        .query_map([code.trim()], |r| {
            Ok(ResultLine {
                number: r.get(0)?,
                name: r.get(1)?,
                reusable: r.get(2)?,
                added_at: r.get(3)?,
                added_by: r.get(4)?,
                sha256: String::new(),
                pages: 0,
                files: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut files = conn.prepare(
        "SELECT f.role, f.sha256, f.file_name, f.media_type, f.bytes, f.pages, f.warnings
         FROM dossier_result_file f JOIN dossier d ON d.id = f.dossier_id
         WHERE d.code = ?1 AND f.result = ?2 ORDER BY f.id",
    )?;
    for line in &mut out {
        line.files = files
            .query_map(params![code.trim(), line.number], |r| {
                let role: String = r.get(0)?;
                let warnings: String = r.get(6)?;
                Ok(FileRecord {
                    role: if role == "assembled" {
                        FileRole::Assembled
                    } else {
                        FileRole::Original
                    },
                    sha256: r.get(1)?,
                    file_name: r.get(2)?,
                    media_type: r.get(3)?,
                    bytes: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                    pages: r.get(5)?,
                    warnings: serde_json::from_str(&warnings).unwrap_or_default(),
                })
            })?
            .collect::<Result<_, _>>()?;
        if let Some(pdf) = line.files.iter().find(|f| f.role == FileRole::Assembled) {
            line.sha256 = pdf.sha256.clone();
            line.pages = pdf.pages;
        }
    }
    Ok(out)
}

/// Every hash the results refer to (for the file store's checks).
pub fn referenced_hashes(conn: &Connection) -> Result<Vec<String>, CoreError> {
    let mut stmt =
        conn.prepare("SELECT DISTINCT sha256 FROM dossier_result_file ORDER BY sha256")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
