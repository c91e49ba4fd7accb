//! Monthly entries: where each task stands in a month, as an officer
//! records it, and the rule that an approved month is read-only.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::period::{FIRST_MONTH, Month, ReportKind};
use super::reports::latest_revision;
use crate::office::audit::{self, Actor, Event};
use crate::progress::plan::Target;
use crate::text::nfc;
use crate::{CoreError, Timestamp, ts};

const PLAN_ID: i64 = 1;
const MAX_NARRATIVE_CHARS: usize = 4000;

/// Where a task stands in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    InProgress,
    Done,
    Late,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::NotStarted,
        Status::InProgress,
        Status::Done,
        Status::Late,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Late => "late",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The label in reports: "chưa bắt đầu", "đang thực hiện", …
    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "Chưa bắt đầu",
            Status::InProgress => "Đang thực hiện",
            Status::Done => "Hoàn thành",
            Status::Late => "Chậm tiến độ",
        }
    }
}

/// What an officer enters for one task in one month.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressInput {
    pub task_number: u32,
    pub status: Status,
    pub percent: u8,
    #[serde(default)]
    pub indicator_value: Option<f64>,
    #[serde(default)]
    pub narrative: String,
    /// Why the indicator differs from the figure the app computed
    /// (supervisors only; audited).
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressEntry {
    pub period: String,
    pub task_number: u32,
    pub status: Status,
    pub status_label: String,
    pub percent: u8,
    pub indicator_value: Option<f64>,
    pub narrative: String,
    pub updated_by: String,
    pub updated_at: String,
    /// The figure the app computed when the entry was saved, if any.
    #[serde(default)]
    pub auto_value: Option<f64>,
    #[serde(default)]
    pub override_reason: String,
}

fn read_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProgressEntry> {
    let status: String = r.get(2)?;
    let status = Status::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            format!("trạng thái tiến độ không hợp lệ: {status}").into(),
        )
    })?;
    Ok(ProgressEntry {
        period: r.get(0)?,
        task_number: r.get(1)?,
        status,
        status_label: status.label().to_owned(),
        percent: r.get(3)?,
        indicator_value: r.get(4)?,
        narrative: r.get(5)?,
        updated_by: r.get(6)?,
        updated_at: r.get(7)?,
        auto_value: r.get(8)?,
        override_reason: r.get(9)?,
    })
}

const ENTRY_SELECT: &str = "SELECT e.period, e.task_number, e.status, e.percent, e.indicator_value, \
     e.narrative, e.updated_by_name, e.updated_at, e.auto_value, e.override_reason FROM progress_entry e";

/// The entries of one month, by task number.
pub fn month_entries(conn: &Connection, month: Month) -> Result<Vec<ProgressEntry>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "{ENTRY_SELECT} WHERE e.plan_id = ?1 AND e.period = ?2 ORDER BY e.task_number"
    ))?;
    let rows = stmt
        .query_map(params![PLAN_ID, month.to_string()], read_entry)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// For each task, its newest entry up to and including `last`.
pub fn latest_as_of(conn: &Connection, last: Month) -> Result<Vec<ProgressEntry>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "{ENTRY_SELECT} WHERE e.plan_id = ?1 AND e.period = (
             SELECT MAX(x.period) FROM progress_entry x
             WHERE x.plan_id = e.plan_id AND x.task_number = e.task_number AND x.period <= ?2)
         ORDER BY e.task_number"
    ))?;
    let rows = stmt
        .query_map(params![PLAN_ID, last.to_string()], read_entry)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn task_target(conn: &Connection, number: u32) -> Result<Option<Option<Target>>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT target_indicator, target_value, target_unit FROM plan_task WHERE plan_id = ?1 AND number = ?2",
            params![PLAN_ID, number],
            |r| {
                let indicator: Option<String> = r.get(0)?;
                let value: Option<f64> = r.get(1)?;
                let unit: Option<String> = r.get(2)?;
                Ok(match (indicator, value) {
                    (Some(indicator), Some(value)) => Some(Target {
                        indicator,
                        value,
                        unit: unit.unwrap_or_default(),
                    }),
                    _ => None,
                })
            },
        )
        .optional()?)
}

/// Whether the month's entries are read-only: its newest monthly report
/// revision is approved (a correction reopens it as a new revision).
pub fn month_frozen(conn: &Connection, month: Month) -> Result<bool, CoreError> {
    Ok(
        latest_revision(conn, ReportKind::Month, &month.to_string())?
            .is_some_and(|(_, approved)| approved),
    )
}

/// True when an entered indicator is not the figure the app computed.
pub fn overrides_auto(indicator: Option<f64>, auto: Option<f64>) -> bool {
    auto.is_some_and(|a| indicator.is_none_or(|v| (v - a).abs() > 1e-9))
}

/// Record a task's progress for a month (insert or replace), audited with
/// the values before and after.
///
/// `auto` is the figure the app computed for this task (see
/// [`super::auto_indicators`]); an indicator that differs from it needs a reason.
pub fn save(
    conn: &Connection,
    actor: &Actor,
    month: Month,
    input: &ProgressInput,
    auto: Option<f64>,
    now: &Timestamp,
) -> Result<ProgressEntry, CoreError> {
    let n = input.task_number;
    let target = task_target(conn, n)?.ok_or_else(|| {
        CoreError::invalid("taskNumber", format!("Kế hoạch không có nhiệm vụ số {n}."))
    })?;
    if month < FIRST_MONTH || month > Month::of(now) {
        return Err(CoreError::invalid(
            "period",
            format!(
                "Chỉ ghi tiến độ cho các tháng từ {} đến tháng hiện tại ({}); {} nằm ngoài khoảng đó.",
                FIRST_MONTH.label(),
                Month::of(now).label(),
                month.label()
            ),
        ));
    }
    if input.percent > 100 {
        return Err(CoreError::invalid(
            "percent",
            format!(
                "Tỷ lệ hoàn thành phải từ 0 đến 100% (đang là {}%).",
                input.percent
            ),
        ));
    }
    match input.status {
        Status::Done if input.percent != 100 => {
            return Err(CoreError::invalid(
                "percent",
                format!(
                    "Nhiệm vụ ghi \"Hoàn thành\" phải đạt 100% (đang là {}%).",
                    input.percent
                ),
            ));
        }
        Status::NotStarted if input.percent != 0 => {
            return Err(CoreError::invalid(
                "percent",
                format!(
                    "Nhiệm vụ \"Chưa bắt đầu\" phải ở mức 0% (đang là {}%).",
                    input.percent
                ),
            ));
        }
        _ => {}
    }
    if let Some(v) = input.indicator_value {
        let Some(t) = &target else {
            return Err(CoreError::invalid(
                "indicatorValue",
                format!("Nhiệm vụ {n} không có chỉ tiêu định lượng; bỏ trống ô giá trị chỉ tiêu."),
            ));
        };
        if !v.is_finite() || v < 0.0 || (t.unit == "%" && v > 100.0) {
            return Err(CoreError::invalid(
                "indicatorValue",
                format!(
                    "Giá trị chỉ tiêu \"{}\" phải là số từ 0{} (đang là {v}).",
                    t.indicator,
                    if t.unit == "%" {
                        " đến 100%"
                    } else {
                        " trở lên"
                    }
                ),
            ));
        }
    }
    let reason = nfc(input.override_reason.as_deref().unwrap_or("").trim());
    let overridden = overrides_auto(input.indicator_value, auto);
    if let (true, Some(a)) = (overridden, auto)
        && reason.chars().count() < 5
    {
        return Err(CoreError::invalid(
            "overrideReason",
            format!(
                "Số liệu tự động của nhiệm vụ {n} là {a}; muốn ghi số khác, hãy nêu lý do (ít nhất 5 ký tự)."
            ),
        ));
    }
    // A reason is kept only where it explains a different figure.
    let override_reason = if overridden { reason } else { String::new() };
    let narrative = nfc(input.narrative.trim());
    if narrative.chars().count() > MAX_NARRATIVE_CHARS {
        return Err(CoreError::invalid(
            "narrative",
            format!("Nội dung kết quả dài quá {MAX_NARRATIVE_CHARS} ký tự."),
        ));
    }
    if let Some((rev, true)) = latest_revision(conn, ReportKind::Month, &month.to_string())? {
        return Err(CoreError::Conflict(format!(
            "Báo cáo {} đã được duyệt (lần {rev}) nên tiến độ tháng này không sửa được. \
             Người giám sát mở bản sửa đổi của báo cáo để điều chỉnh.",
            month.label()
        )));
    }

    let before: Option<ProgressEntry> = conn
        .query_row(
            &format!(
                "{ENTRY_SELECT} WHERE e.plan_id = ?1 AND e.period = ?2 AND e.task_number = ?3"
            ),
            params![PLAN_ID, month.to_string(), n],
            read_entry,
        )
        .optional()?;
    conn.execute(
        "INSERT INTO progress_entry (plan_id, period, task_number, status, percent, indicator_value, narrative, updated_by, updated_by_name, updated_at, auto_value, override_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (plan_id, period, task_number) DO UPDATE SET
           status = excluded.status, percent = excluded.percent, indicator_value = excluded.indicator_value,
           narrative = excluded.narrative, updated_by = excluded.updated_by,
           updated_by_name = excluded.updated_by_name, updated_at = excluded.updated_at,
           auto_value = excluded.auto_value, override_reason = excluded.override_reason",
        params![
            PLAN_ID,
            month.to_string(),
            n,
            input.status.as_str(),
            input.percent,
            input.indicator_value,
            narrative,
            actor.id,
            actor.username,
            ts(now),
            auto,
            override_reason
        ],
    )?;
    let after = ProgressEntry {
        period: month.to_string(),
        task_number: n,
        status: input.status,
        status_label: input.status.label().to_owned(),
        percent: input.percent,
        indicator_value: input.indicator_value,
        narrative,
        updated_by: actor.username.clone(),
        updated_at: ts(now),
        auto_value: auto,
        override_reason,
    };
    audit::append(
        conn,
        actor,
        &Event {
            action: if before.is_some() { "update" } else { "create" },
            entity: "progress",
            entity_id: &format!("{month}/{n}"),
            detail: serde_json::json!({ "before": before, "after": after }),
        },
        now,
    )?;
    Ok(after)
}
