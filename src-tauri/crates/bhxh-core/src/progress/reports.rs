//! Reports approved from the entries (plan task 3: monthly, 6-month and
//! annual): frozen snapshots, revisions and corrections.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::entries::{ProgressEntry, latest_as_of};
use super::period::{Month, ReportKind, ReportPeriod};
use super::plan;
use crate::office::audit::{self, Actor, Event};
use crate::progress::plan::Target;
use crate::text::nfc;
use crate::{CoreError, Timestamp, ts};

/// One task's line in a report: the plan's words and the progress as of the
/// report's last month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRow {
    pub task_number: u32,
    pub section: u32,
    pub content: String,
    pub lead_unit: String,
    pub deadline_text: String,
    pub province_role: String,
    pub target: Option<Target>,
    /// None when nothing was ever entered for the task.
    pub progress: Option<ProgressEntry>,
}

/// What a report says, frozen at approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub uuid: String,
    pub kind: ReportKind,
    pub period: String,
    pub period_label: String,
    pub revision: i64,
    pub status: String,
    pub number: String,
    pub approved_by: String,
    pub approved_at: Option<String>,
    pub sections: Vec<plan::Section>,
    pub rows: Vec<ReportRow>,
}

/// The report's content from the live entries (a draft, or what approval
/// would freeze).
pub fn build_rows(conn: &Connection, period: &ReportPeriod) -> Result<Vec<ReportRow>, CoreError> {
    let plan = plan::load(conn)?;
    let entries = latest_as_of(conn, period.last)?;
    Ok(plan
        .tasks
        .into_iter()
        .map(|t| ReportRow {
            progress: entries.iter().find(|e| e.task_number == t.number).cloned(),
            task_number: t.number,
            section: t.section,
            content: t.content,
            lead_unit: t.lead_unit,
            deadline_text: t.deadline_text,
            province_role: t.province_role,
            target: t.target,
        })
        .collect())
}

/// A report's revision as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRecord {
    pub uuid: String,
    pub kind: ReportKind,
    pub period: String,
    pub revision: i64,
    pub status: String,
    pub number: String,
    pub reason: String,
    pub created_at: String,
    pub approved_by: String,
    pub approved_at: Option<String>,
}

const RECORD_SELECT: &str = "SELECT r.uuid, r.kind, r.period, r.revision, r.status, r.number, r.reason, \
     r.created_at, s.full_name, r.approved_at FROM report r LEFT JOIN staff s ON s.id = r.approved_by";

fn read_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReportRecord> {
    let kind: String = r.get(1)?;
    Ok(ReportRecord {
        uuid: r.get(0)?,
        kind: ReportKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("loại báo cáo không hợp lệ: {kind}").into(),
            )
        })?,
        period: r.get(2)?,
        revision: r.get(3)?,
        status: r.get(4)?,
        number: r.get(5)?,
        reason: r.get(6)?,
        created_at: r.get(7)?,
        approved_by: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        approved_at: r.get(9)?,
    })
}

/// Every revision of a period's report, newest first.
pub fn revisions(conn: &Connection, period: &ReportPeriod) -> Result<Vec<ReportRecord>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "{RECORD_SELECT} WHERE r.kind = ?1 AND r.period = ?2 ORDER BY r.revision DESC"
    ))?;
    let rows = stmt
        .query_map(params![period.kind.as_str(), period.key], read_record)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn check_number(number: &str) -> Result<String, CoreError> {
    let number = nfc(number.trim());
    if number.is_empty() || number.chars().count() > 60 {
        return Err(CoreError::invalid(
            "number",
            "Nhập số văn bản của báo cáo (ví dụ 12/BC-BHXH), tối đa 60 ký tự.",
        ));
    }
    Ok(number)
}

/// Approve a period's report: freeze the entries as of its last month into a
/// new snapshot. Refused when the newest revision is already approved.
pub fn approve(
    conn: &Connection,
    actor: &Actor,
    period: &ReportPeriod,
    number: &str,
    now: &Timestamp,
) -> Result<Snapshot, CoreError> {
    let number = check_number(number)?;
    if period.first > Month::of(now) {
        return Err(CoreError::invalid(
            "period",
            format!(
                "Kỳ {} chưa bắt đầu nên chưa thể duyệt báo cáo.",
                period.label()
            ),
        ));
    }
    let revision = match latest_revision(conn, period.kind, &period.key)? {
        Some((rev, true)) => {
            return Err(CoreError::Conflict(format!(
                "Báo cáo {} đã được duyệt (lần {rev}). Muốn điều chỉnh, hãy mở bản sửa đổi.",
                period.label()
            )));
        }
        Some((rev, false)) => rev,
        None => {
            conn.execute(
                "INSERT INTO report (uuid, kind, period, revision, status, created_by, created_at)
                 VALUES (?1, ?2, ?3, 1, 'draft', ?4, ?5)",
                params![
                    uuid::Uuid::now_v7().to_string(),
                    period.kind.as_str(),
                    period.key,
                    actor.id,
                    ts(now)
                ],
            )?;
            1
        }
    };
    let plan = plan::load(conn)?;
    let uuid: String = conn.query_row(
        "SELECT uuid FROM report WHERE kind = ?1 AND period = ?2 AND revision = ?3",
        params![period.kind.as_str(), period.key, revision],
        |r| r.get(0),
    )?;
    let snapshot = Snapshot {
        uuid,
        kind: period.kind,
        period: period.key.clone(),
        period_label: period.label(),
        revision,
        status: "approved".into(),
        number: number.clone(),
        approved_by: actor_name(conn, actor)?,
        approved_at: Some(ts(now)),
        sections: plan.sections,
        rows: build_rows(conn, period)?,
    };
    let json = serde_json::to_string(&snapshot)
        .map_err(|e| CoreError::Corrupt(format!("không ghi được bản chụp báo cáo: {e}")))?;
    conn.execute(
        "UPDATE report SET status = 'approved', number = ?4, snapshot = ?5, approved_by = ?6, approved_at = ?7
         WHERE kind = ?1 AND period = ?2 AND revision = ?3",
        params![
            period.kind.as_str(),
            period.key,
            revision,
            number,
            json,
            actor.id,
            ts(now)
        ],
    )?;
    // Sent to HQ by the sync client; queued in this same transaction.
    crate::sync::outbox::enqueue(
        conn,
        &snapshot.uuid,
        crate::sync::outbox::STREAM_REPORT,
        &format!("{}:{}", period.kind.as_str(), period.key),
        revision,
        &json,
        now,
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "approve",
            entity: "report",
            entity_id: &period.audit_id(revision),
            detail: serde_json::json!({ "number": number, "uuid": snapshot.uuid }),
        },
        now,
    )?;
    Ok(snapshot)
}

/// Open a new draft revision of an approved report, so its month's entries
/// can be corrected. The reason is kept with the revision and in the audit log.
pub fn reopen(
    conn: &Connection,
    actor: &Actor,
    period: &ReportPeriod,
    reason: &str,
    now: &Timestamp,
) -> Result<ReportRecord, CoreError> {
    let reason = nfc(reason.trim());
    if reason.chars().count() < 5 {
        return Err(CoreError::invalid(
            "reason",
            "Ghi rõ lý do mở bản sửa đổi (ít nhất 5 ký tự).",
        ));
    }
    let revision = match latest_revision(conn, period.kind, &period.key)? {
        Some((rev, true)) => rev + 1,
        Some((rev, false)) => {
            return Err(CoreError::Conflict(format!(
                "Báo cáo {} đang có bản sửa đổi lần {rev} chưa duyệt.",
                period.label()
            )));
        }
        None => {
            return Err(CoreError::Conflict(format!(
                "Báo cáo {} chưa được duyệt lần nào; cứ sửa tiến độ rồi duyệt.",
                period.label()
            )));
        }
    };
    conn.execute(
        "INSERT INTO report (uuid, kind, period, revision, status, reason, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6, ?7)",
        params![
            uuid::Uuid::now_v7().to_string(),
            period.kind.as_str(),
            period.key,
            revision,
            reason,
            actor.id,
            ts(now)
        ],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "reopen",
            entity: "report",
            entity_id: &period.audit_id(revision),
            detail: serde_json::json!({ "reason": reason }),
        },
        now,
    )?;
    let mut list = revisions(conn, period)?;
    list.retain(|r| r.revision == revision);
    list.pop().ok_or_else(|| CoreError::NotFound {
        what: format!("bản sửa đổi lần {revision}"),
    })
}

/// An approved revision's frozen content, exactly as approved.
pub fn approved_snapshot(
    conn: &Connection,
    period: &ReportPeriod,
    revision: Option<i64>,
) -> Result<Snapshot, CoreError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT snapshot FROM report WHERE kind = ?1 AND period = ?2 AND status = 'approved'
               AND (?3 IS NULL OR revision = ?3)
             ORDER BY revision DESC LIMIT 1",
            params![period.kind.as_str(), period.key, revision],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let json = json.ok_or_else(|| CoreError::NotFound {
        what: format!("báo cáo {} đã duyệt", period.label()),
    })?;
    serde_json::from_str(&json)
        .map_err(|e| CoreError::Corrupt(format!("bản chụp báo cáo {} hỏng: {e}", period.label())))
}

/// The current content of a period's report: the newest approved revision
/// when the newest revision is approved, otherwise a draft from live entries.
pub fn current(conn: &Connection, period: &ReportPeriod) -> Result<Snapshot, CoreError> {
    if let Some((rev, true)) = latest_revision(conn, period.kind, &period.key)? {
        return approved_snapshot(conn, period, Some(rev));
    }
    let plan = plan::load(conn)?;
    let latest = latest_revision(conn, period.kind, &period.key)?;
    let uuid = match latest {
        Some((rev, _)) => conn.query_row(
            "SELECT uuid FROM report WHERE kind = ?1 AND period = ?2 AND revision = ?3",
            params![period.kind.as_str(), period.key, rev],
            |r| r.get(0),
        )?,
        None => String::new(),
    };
    Ok(Snapshot {
        uuid,
        kind: period.kind,
        period: period.key.clone(),
        period_label: period.label(),
        revision: latest.map_or(1, |(rev, _)| rev),
        status: "draft".into(),
        number: String::new(),
        approved_by: String::new(),
        approved_at: None,
        sections: plan.sections,
        rows: build_rows(conn, period)?,
    })
}

fn actor_name(conn: &Connection, actor: &Actor) -> Result<String, CoreError> {
    let Some(id) = actor.id else {
        return Ok(actor.username.clone());
    };
    Ok(conn
        .query_row("SELECT full_name FROM staff WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or_else(|| actor.username.clone()))
}

/// The newest revision of a report, if any: (revision, approved?).
pub(super) fn latest_revision(
    conn: &Connection,
    kind: ReportKind,
    key: &str,
) -> Result<Option<(i64, bool)>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT revision, status = 'approved' FROM report WHERE kind = ?1 AND period = ?2
             ORDER BY revision DESC LIMIT 1",
            params![kind.as_str(), key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
