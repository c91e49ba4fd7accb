//! Evidence files of a task's monthly progress (plan tracking, issue 4): a
//! signed plan, a training attendance list, a screenshot of a system in use.
//! The bytes are sealed in the desk's file store by the application layer;
//! here is the record of which month and task each file supports. A month
//! frozen by an approved report takes no more evidence.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::office::audit::{self, Actor, Event};
use crate::progress::{self, Month};
use crate::{CoreError, Timestamp, ts};

/// Largest evidence file the desk keeps (bytes).
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;

/// A file attached to a task's progress for a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub id: i64,
    pub period: String,
    pub task_number: u32,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub added_at: String,
    pub added_by: String,
}

/// A file already sealed, to record.
#[derive(Debug, Clone)]
pub struct NewEvidence<'a> {
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub bytes: u64,
}

/// The file's own name, without any folder, checked.
pub fn clean_name(name: &str) -> Result<String, CoreError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let base = crate::text::nfc(base);
    if base.is_empty() || base == "." || base == ".." {
        return Err(CoreError::invalid(
            "fileName",
            "Tệp minh chứng phải có tên.",
        ));
    }
    if base.chars().count() > 200 || base.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "fileName",
            format!("Tên tệp \"{base}\" quá dài hoặc có ký tự điều khiển."),
        ));
    }
    Ok(base)
}

/// Record a sealed file as evidence for `task` in `month`, in the caller's
/// write transaction; audited. The same file twice for the same task and
/// month is refused.
pub fn add(
    conn: &Connection,
    actor: &Actor,
    month: Month,
    task: u32,
    e: &NewEvidence<'_>,
    now: &Timestamp,
) -> Result<Evidence, CoreError> {
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM plan_task WHERE plan_id = 1 AND number = ?1)",
        [task],
        |r| r.get(0),
    )?;
    if !known {
        return Err(CoreError::invalid(
            "taskNumber",
            format!("Kế hoạch không có nhiệm vụ số {task}."),
        ));
    }
    if progress::month_frozen(conn, month)? {
        return Err(CoreError::Conflict(format!(
            "Báo cáo {} đã được duyệt: không thêm minh chứng được. Mở lại báo cáo (bản sửa đổi) nếu cần.",
            month.label()
        )));
    }
    if e.bytes == 0 || e.bytes > MAX_BYTES {
        return Err(CoreError::invalid(
            "file",
            format!(
                "Tệp minh chứng phải có nội dung và không quá {} MB.",
                MAX_BYTES / 1024 / 1024
            ),
        ));
    }
    let name = clean_name(e.file_name)?;
    let by = actor.username.clone();
    let inserted = conn.execute(
        "INSERT INTO progress_evidence (plan_id, period, task_number, sha256, file_name, media_type,
                                        bytes, added_at, added_by)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
        params![
            month.to_string(),
            task,
            e.sha256,
            name,
            e.media_type,
            i64::try_from(e.bytes).unwrap_or(i64::MAX),
            ts(now),
            by
        ],
    )?;
    if inserted == 0 {
        return Err(CoreError::Conflict(format!(
            "Tệp \"{name}\" đã là minh chứng của nhiệm vụ {task} trong {}.",
            month.label()
        )));
    }
    let id = conn.last_insert_rowid();
    audit::append(
        conn,
        actor,
        &Event {
            action: "attach",
            entity: "progress",
            entity_id: &format!("{month}/{task}"),
            detail: serde_json::json!({ "file": name, "sha256": e.sha256, "bytes": e.bytes }),
        },
        now,
    )?;
    Ok(Evidence {
        id,
        period: month.to_string(),
        task_number: task,
        sha256: e.sha256.to_owned(),
        file_name: name,
        media_type: e.media_type.to_owned(),
        bytes: e.bytes,
        added_at: ts(now),
        added_by: by,
    })
}

/// The month's evidence, by task then time.
pub fn list(conn: &Connection, month: Month) -> Result<Vec<Evidence>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, period, task_number, sha256, file_name, media_type, bytes, added_at, added_by
         FROM progress_evidence WHERE plan_id = 1 AND period = ?1 ORDER BY task_number, id",
    )?;
    let rows = stmt
        .query_map([month.to_string()], row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One piece of evidence by id.
pub fn get(conn: &Connection, id: i64) -> Result<Evidence, CoreError> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT id, period, task_number, sha256, file_name, media_type, bytes, added_at, added_by
         FROM progress_evidence WHERE id = ?1",
        [id],
        row,
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: format!("minh chứng số {id}"),
    })
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Evidence> {
    Ok(Evidence {
        id: r.get(0)?,
        period: r.get(1)?,
        task_number: r.get(2)?,
        sha256: r.get(3)?,
        file_name: r.get(4)?,
        media_type: r.get(5)?,
        bytes: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
        added_at: r.get(7)?,
        added_by: r.get(8)?,
    })
}

/// Every sealed file some record of the desk refers to: dossier papers and
/// results, the
/// scan inbox's sources and triaged parts, progress evidence. Files outside
/// this set may be swept; every file in it must be in the store.
pub fn sealed_in_use(conn: &Connection) -> Result<Vec<String>, CoreError> {
    let mut all = crate::dossiers::files::referenced_hashes(conn)?;
    all.extend(crate::dossiers::results::referenced_hashes(conn)?);
    all.extend(crate::dossiers::inbox::referenced_hashes(conn)?);
    all.extend(crate::dossiers::signed::referenced_hashes(conn)?);
    let mut stmt = conn.prepare("SELECT DISTINCT sha256 FROM progress_evidence")?;
    for h in stmt.query_map([], |r| r.get::<_, String>(0))? {
        all.push(h?);
    }
    all.sort();
    all.dedup();
    Ok(all)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_recorded_once_per_task_and_month_and_not_after_approval() {
        let conn = crate::seeded_for_tests();
        let now = crate::parse_ts("2024-06-10T09:00:00+07:00").unwrap();
        let actor = Actor {
            id: None,
            username: "giamsat".into(),
        };
        let june = Month::parse("2024-06").unwrap();
        let sha = "ab".repeat(32);
        let e = NewEvidence {
            sha256: &sha,
            file_name: "C:\\Tai lieu\\Danh sách tập huấn.pdf",
            media_type: "application/pdf",
            bytes: 2048,
        };
        let saved = add(&conn, &actor, june, 8, &e, &now).unwrap();
        assert_eq!(saved.file_name, "Danh sách tập huấn.pdf", "folder dropped");
        assert_eq!(list(&conn, june).unwrap(), vec![saved.clone()]);
        assert_eq!(get(&conn, saved.id).unwrap(), saved);
        // twice: refused
        let err = add(&conn, &actor, june, 8, &e, &now).unwrap_err();
        assert!(matches!(err, CoreError::Conflict(_)), "{err}");
        // a task the plan does not have, an empty file, a nameless file
        assert!(add(&conn, &actor, june, 40, &e, &now).is_err());
        let empty = NewEvidence {
            bytes: 0,
            ..e.clone()
        };
        assert!(add(&conn, &actor, june, 9, &empty, &now).is_err());
        let nameless = NewEvidence {
            file_name: "C:\\dir\\",
            ..e.clone()
        };
        assert!(add(&conn, &actor, june, 9, &nameless, &now).is_err());
        assert!(sealed_in_use(&conn).unwrap().contains(&sha));
        // once June's report is approved, June takes no more evidence
        let period = progress::ReportPeriod::parse(progress::ReportKind::Month, "2024-06").unwrap();
        progress::approve(&conn, &actor, &period, "15/BC-BHXH", &now).unwrap();
        let other = "cd".repeat(32);
        let late = NewEvidence {
            sha256: &other,
            ..e.clone()
        };
        let err = add(&conn, &actor, june, 9, &late, &now).unwrap_err();
        assert!(err.to_string().contains("đã được duyệt"), "{err}");
        assert_eq!(list(&conn, june).unwrap().len(), 1);
        let audited: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'attach' AND entity = 'progress'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 1);
    }
}
