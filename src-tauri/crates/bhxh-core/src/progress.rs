//! Monthly progress on the plan's 27 tasks, and the reports approved from it
//! (plan task 3: monthly, 6-month and annual reports).
//!
//! One entry per task per month. A report is a frozen snapshot of the entries
//! as of the last month of its period; once a month's report is approved,
//! that month's entries cannot change until a supervisor opens a new
//! revision (with a reason, on the record). Approved revisions never change.

use std::fmt;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Event};
use crate::plan::{self, Target};
use crate::text::nfc;
use crate::{CoreError, Timestamp, ts};

const PLAN_ID: i64 = 1;
const MAX_NARRATIVE_CHARS: usize = 4000;
/// The plan starts in January 2024; nothing is reported before.
const FIRST_MONTH: Month = Month {
    year: 2024,
    month: 1,
};

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

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((2000..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// `2024-05` → May 2024; anything else is refused with what was wrong.
    pub fn parse(s: &str) -> Result<Month, CoreError> {
        let bad = || {
            CoreError::invalid(
                "period",
                format!("Kỳ báo cáo \"{s}\" không hợp lệ: cần dạng NĂM-THÁNG, ví dụ 2024-05."),
            )
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year = y.parse::<i32>().map_err(|_| bad())?;
        let month = m.parse::<u32>().map_err(|_| bad())?;
        Month::new(year, month).ok_or_else(bad)
    }

    pub fn of(t: &Timestamp) -> Month {
        use chrono::Datelike;
        Month {
            year: t.year(),
            month: t.month(),
        }
    }

    /// "tháng 5/2024"
    pub fn label(self) -> String {
        format!("tháng {}/{}", self.month, self.year)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Monthly, 6-month or annual report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Month,
    Half,
    Year,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Month => "month",
            ReportKind::Half => "half",
            ReportKind::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        [ReportKind::Month, ReportKind::Half, ReportKind::Year]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The period a report covers: `2024-05` (month), `2024-H1` / `2024-H2`
/// (half year), `2024` (year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    pub kind: ReportKind,
    pub key: String,
    pub first: Month,
    pub last: Month,
}

impl ReportPeriod {
    pub fn parse(kind: ReportKind, key: &str) -> Result<ReportPeriod, CoreError> {
        let key = key.trim();
        let bad = |example: &str| {
            CoreError::invalid(
                "period",
                format!("Kỳ báo cáo \"{key}\" không hợp lệ: cần dạng {example}."),
            )
        };
        let year_of = |y: &str, example: &str| -> Result<i32, CoreError> {
            if y.len() != 4 {
                return Err(bad(example));
            }
            let year = y.parse::<i32>().map_err(|_| bad(example))?;
            Month::new(year, 1)
                .map(|_| year)
                .ok_or_else(|| bad(example))
        };
        let (first, last) = match kind {
            ReportKind::Month => {
                let m = Month::parse(key).map_err(|_| bad("NĂM-THÁNG, ví dụ 2024-05"))?;
                (m, m)
            }
            ReportKind::Half => {
                let example = "NĂM-H1 hoặc NĂM-H2, ví dụ 2024-H1";
                let (y, h) = key.split_once('-').ok_or_else(|| bad(example))?;
                let year = year_of(y, example)?;
                match h {
                    "H1" => (Month { year, month: 1 }, Month { year, month: 6 }),
                    "H2" => (Month { year, month: 7 }, Month { year, month: 12 }),
                    _ => return Err(bad(example)),
                }
            }
            ReportKind::Year => {
                let year = year_of(key, "NĂM, ví dụ 2024")?;
                (Month { year, month: 1 }, Month { year, month: 12 })
            }
        };
        Ok(ReportPeriod {
            kind,
            key: key.to_owned(),
            first,
            last,
        })
    }

    /// "tháng 5 năm 2024", "6 tháng đầu năm 2024", "năm 2024"
    pub fn label(&self) -> String {
        match self.kind {
            ReportKind::Month => format!("tháng {} năm {}", self.first.month, self.first.year),
            ReportKind::Half if self.first.month == 1 => {
                format!("6 tháng đầu năm {}", self.first.year)
            }
            ReportKind::Half => format!("6 tháng cuối năm {}", self.first.year),
            ReportKind::Year => format!("năm {}", self.first.year),
        }
    }

    fn audit_id(&self, revision: i64) -> String {
        format!("{}:{}#{}", self.kind.as_str(), self.key, revision)
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

/// A figure the app knows from its own records, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoIndicator {
    pub task_number: u32,
    pub value: f64,
    /// e.g. "Danh sách người tham gia: 640/1.000 người đã xác thực số định danh"
    pub source: String,
}

/// The figures the app computes for a month from its own records, as of
/// `today`:
/// - tasks 13 and 14: the share of the month's dossiers (refused ones left
///   out) that have been digitised;
/// - task 21: the share of participants whose ID number is verified (a
///   state, not a monthly flow: only for the month in progress);
/// - task 24: chip card checks at the reception desk in the month;
/// - task 25: chip card checks at benefit payment in the month.
///
/// A figure is given only where there is something to count.
pub fn auto_indicators(
    conn: &Connection,
    month: Month,
    today: chrono::NaiveDate,
) -> Result<Vec<AutoIndicator>, CoreError> {
    use chrono::Datelike;
    let mut out = Vec::new();
    let label = format!("{:02}/{}", month.month, month.year);
    let d = crate::dossiers::month_indicators(conn, month.year, month.month, today)?;
    if let Some(percent) = d.digitised_percent {
        let mut source = format!(
            "Hồ sơ tiếp nhận tháng {label}: {} hồ sơ, {} đã số hóa ({}%, không tính hồ sơ bị từ chối)",
            d.received,
            d.digitised,
            format!("{percent:.1}").replace('.', ",")
        );
        if d.results > 0 {
            source.push_str(&format!(
                "; kết quả giải quyết: {}/{} đã số hóa",
                d.results_digitised, d.results
            ));
        }
        for task_number in [13, 14] {
            out.push(AutoIndicator {
                task_number,
                value: percent,
                source: source.clone(),
            });
        }
    }
    let this_month = Month::new(today.year(), today.month()) == Some(month);
    let share = crate::participants::verified_share(conn)?;
    if this_month && share.total > 0 {
        out.push(AutoIndicator {
            task_number: 21,
            value: share.percent,
            source: format!(
                "Danh sách người tham gia: {}/{} người đã xác thực số định danh",
                share.verified, share.total
            ),
        });
    }
    let (counter, payment) = crate::card_checks::monthly_counts(conn, &month.to_string())?;
    if counter > 0 {
        out.push(AutoIndicator {
            task_number: 24,
            value: counter as f64,
            source: format!(
                "Kiểm tra CCCD gắn chip khi tiếp nhận hồ sơ tháng {label}: {counter} lượt"
            ),
        });
    }
    if payment > 0 {
        out.push(AutoIndicator {
            task_number: 25,
            value: payment as f64,
            source: format!("Kiểm tra CCCD gắn chip khi chi trả tháng {label}: {payment} lượt"),
        });
    }
    Ok(out)
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

/// The newest revision of a report, if any: (revision, approved?).
fn latest_revision(
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

/// Record a task's progress for a month (insert or replace), audited with
/// the values before and after.
/// True when an entered indicator is not the figure the app computed.
pub fn overrides_auto(indicator: Option<f64>, auto: Option<f64>) -> bool {
    auto.is_some_and(|a| indicator.is_none_or(|v| (v - a).abs() > 1e-9))
}

/// `auto` is the figure the app computed for this task (see
/// [`auto_indicators`]); an indicator that differs from it needs a reason.
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
    crate::outbox::enqueue(
        conn,
        &snapshot.uuid,
        crate::outbox::STREAM_REPORT,
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

/// Why a task needs attention on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// A dated deadline has passed and the task is not done.
    Overdue,
    /// Reported as late by the office.
    ReportedLate,
    /// Due within 30 days and less than 80 % done.
    AtRisk,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attention {
    pub task_number: u32,
    pub risk: Risk,
    pub deadline: Option<String>,
    pub percent: u8,
}

/// Tasks the province takes part in that are overdue, reported late or at
/// risk on `today` (ISO date), from each task's newest entry.
pub fn attention(conn: &Connection, today: chrono::NaiveDate) -> Result<Vec<Attention>, CoreError> {
    use chrono::Datelike;
    let plan = plan::load(conn)?;
    let month = Month::new(today.year(), today.month())
        .ok_or_else(|| CoreError::invalid("today", format!("Ngày {today} nằm ngoài phạm vi.")))?;
    let entries = latest_as_of(conn, month)?;
    let mut out = Vec::new();
    for t in plan
        .tasks
        .iter()
        .filter(|t| t.province_role != "not_involved")
    {
        let e = entries.iter().find(|e| e.task_number == t.number);
        let (status, percent) = e.map_or((Status::NotStarted, 0), |e| (e.status, e.percent));
        if status == Status::Done {
            continue;
        }
        let deadline = t
            .deadline
            .as_deref()
            .filter(|_| matches!(t.deadline_kind.as_str(), "month" | "year"))
            .and_then(|d| {
                chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok()
            });
        let risk = match deadline {
            Some(d) if d < today => Some(Risk::Overdue),
            _ if status == Status::Late => Some(Risk::ReportedLate),
            Some(d) if (d - today).num_days() <= 30 && percent < 80 => Some(Risk::AtRisk),
            _ => None,
        };
        if let Some(risk) = risk {
            out.push(Attention {
                task_number: t.number,
                risk,
                deadline: t.deadline.clone(),
                percent,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        crate::parse_ts(s).unwrap()
    }

    fn seeded() -> Connection {
        crate::seeded_for_tests()
    }

    fn actor() -> Actor {
        Actor {
            id: None,
            username: "giamsat".into(),
        }
    }

    fn save_plain(
        conn: &Connection,
        actor: &Actor,
        month: Month,
        input: &ProgressInput,
        now: &Timestamp,
    ) -> Result<ProgressEntry, CoreError> {
        save(conn, actor, month, input, None, now)
    }

    fn input(task: u32, status: Status, percent: u8) -> ProgressInput {
        ProgressInput {
            task_number: task,
            status,
            percent,
            indicator_value: None,
            narrative: "Đã triển khai tới 100% bộ phận một cửa.".into(),
            override_reason: None,
        }
    }

    #[test]
    fn periods_parse_and_read_in_vietnamese() {
        let m = ReportPeriod::parse(ReportKind::Month, "2024-05").unwrap();
        assert_eq!(
            (m.first, m.last, m.label()),
            (
                Month {
                    year: 2024,
                    month: 5
                },
                Month {
                    year: 2024,
                    month: 5
                },
                "tháng 5 năm 2024".to_string()
            )
        );
        let h = ReportPeriod::parse(ReportKind::Half, "2024-H2").unwrap();
        assert_eq!((h.first.month, h.last.month), (7, 12));
        assert_eq!(h.label(), "6 tháng cuối năm 2024");
        assert_eq!(
            ReportPeriod::parse(ReportKind::Year, "2024").unwrap().last,
            Month {
                year: 2024,
                month: 12
            }
        );
        for (kind, bad) in [
            (ReportKind::Month, "2024-13"),
            (ReportKind::Month, "2024-5"),
            (ReportKind::Month, "tháng 5"),
            (ReportKind::Half, "2024-H3"),
            (ReportKind::Year, "24"),
        ] {
            let err = ReportPeriod::parse(kind, bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn entries_are_validated_precisely() {
        let conn = seeded();
        let now = at("2024-06-10T09:00:00+07:00");
        let may = Month::parse("2024-05").unwrap();
        let cases: Vec<(Month, ProgressInput, &str, &str)> = vec![
            (
                may,
                input(28, Status::InProgress, 10),
                "taskNumber",
                "số 28",
            ),
            (may, input(1, Status::Done, 90), "percent", "100%"),
            (may, input(1, Status::NotStarted, 5), "percent", "0%"),
            (may, input(1, Status::InProgress, 101), "percent", "101"),
            (
                Month::parse("2024-07").unwrap(),
                input(1, Status::InProgress, 10),
                "period",
                "tháng 7/2024",
            ),
            (
                Month::parse("2023-12").unwrap(),
                input(1, Status::InProgress, 10),
                "period",
                "tháng 12/2023",
            ),
        ];
        for (m, i, field, needle) in cases {
            match save_plain(&conn, &actor(), m, &i, &now) {
                Err(CoreError::Invalid { field: f, message }) => {
                    assert_eq!(f, field, "{message}");
                    assert!(message.contains(needle), "{message}");
                }
                other => panic!("{i:?}: expected Invalid, got {other:?}"),
            }
        }
        // An indicator only where the task has a numeric target.
        let plan = plan::load(&conn).unwrap();
        let with = plan
            .tasks
            .iter()
            .find(|t| t.target.as_ref().is_some_and(|t| t.unit == "%"))
            .unwrap();
        let without = plan.tasks.iter().find(|t| t.target.is_none()).unwrap();
        let mut i = input(without.number, Status::InProgress, 40);
        i.indicator_value = Some(12.0);
        assert!(matches!(
            save_plain(&conn, &actor(), may, &i, &now),
            Err(CoreError::Invalid {
                field: "indicatorValue",
                ..
            })
        ));
        let mut i = input(with.number, Status::InProgress, 40);
        i.indicator_value = Some(140.0);
        assert!(matches!(
            save_plain(&conn, &actor(), may, &i, &now),
            Err(CoreError::Invalid {
                field: "indicatorValue",
                ..
            })
        ));
        i.indicator_value = Some(72.5);
        let saved = save_plain(&conn, &actor(), may, &i, &now).unwrap();
        assert_eq!(saved.indicator_value, Some(72.5));
        assert_eq!(month_entries(&conn, may).unwrap(), vec![saved]);
        assert_eq!(
            audit::list(&conn, 1, None).unwrap()[0].entity_id,
            format!("2024-05/{}", with.number)
        );
    }

    #[test]
    fn approval_freezes_the_month_and_a_revision_reopens_it() {
        let conn = seeded();
        let may = Month::parse("2024-05").unwrap();
        let period = ReportPeriod::parse(ReportKind::Month, "2024-05").unwrap();
        let now = at("2024-05-28T09:00:00+07:00");
        save_plain(
            &conn,
            &actor(),
            Month::parse("2024-04").unwrap(),
            &input(3, Status::InProgress, 30),
            &now,
        )
        .unwrap();
        save_plain(
            &conn,
            &actor(),
            may,
            &input(3, Status::InProgress, 50),
            &now,
        )
        .unwrap();
        save_plain(
            &conn,
            &actor(),
            may,
            &input(21, Status::InProgress, 60),
            &now,
        )
        .unwrap();

        let draft = current(&conn, &period).unwrap();
        assert_eq!(draft.status, "draft");
        assert_eq!(draft.rows.len(), 27);
        assert_eq!(draft.rows[2].progress.as_ref().unwrap().percent, 50);

        let r1 = approve(&conn, &actor(), &period, "15/BC-BHXH", &now).unwrap();
        assert_eq!((r1.revision, r1.status.as_str()), (1, "approved"));
        // Frozen: the month cannot change, and approving again is refused.
        let err = save_plain(
            &conn,
            &actor(),
            may,
            &input(21, Status::InProgress, 70),
            &now,
        )
        .unwrap_err();
        assert!(matches!(err, CoreError::Conflict(_)), "{err}");
        assert!(err.to_string().contains("mở bản sửa đổi"), "{err}");
        assert!(matches!(
            approve(&conn, &actor(), &period, "16/BC-BHXH", &now),
            Err(CoreError::Conflict(_))
        ));
        // Other months are not frozen by it.
        save_plain(
            &conn,
            &actor(),
            Month::parse("2024-04").unwrap(),
            &input(3, Status::InProgress, 35),
            &now,
        )
        .unwrap();

        // A correction: a reason, a new draft revision, the change, approval.
        assert!(matches!(
            reopen(&conn, &actor(), &period, "sai", &now),
            Err(CoreError::Invalid {
                field: "reason",
                ..
            })
        ));
        let r2 = reopen(&conn, &actor(), &period, "Sửa số liệu nhiệm vụ 21", &now).unwrap();
        assert_eq!((r2.revision, r2.status.as_str()), (2, "draft"));
        save_plain(
            &conn,
            &actor(),
            may,
            &input(21, Status::InProgress, 70),
            &now,
        )
        .unwrap();
        let later = at("2024-05-29T10:00:00+07:00");
        let s2 = approve(&conn, &actor(), &period, "16/BC-BHXH", &later).unwrap();
        assert_eq!(s2.revision, 2);
        assert_ne!(s2.uuid, r1.uuid);

        // Revision 1 is exactly what was approved then.
        let s1 = approved_snapshot(&conn, &period, Some(1)).unwrap();
        assert_eq!(s1, r1);
        assert_eq!(s1.rows[20].progress.as_ref().unwrap().percent, 60);
        assert_eq!(
            current(&conn, &period).unwrap().rows[20]
                .progress
                .as_ref()
                .unwrap()
                .percent,
            70
        );
        let list = revisions(&conn, &period).unwrap();
        assert_eq!(
            list.iter().map(|r| r.revision).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(list[0].reason, "Sửa số liệu nhiệm vụ 21");
        assert!(audit::verify(&conn).unwrap().is_intact());
    }

    #[test]
    fn half_year_reports_carry_each_task_s_newest_entry() {
        let conn = seeded();
        let now = at("2024-07-02T09:00:00+07:00");
        save_plain(
            &conn,
            &actor(),
            Month::parse("2024-02").unwrap(),
            &input(5, Status::InProgress, 20),
            &now,
        )
        .unwrap();
        save_plain(
            &conn,
            &actor(),
            Month::parse("2024-06").unwrap(),
            &input(5, Status::Done, 100),
            &now,
        )
        .unwrap();
        save_plain(
            &conn,
            &actor(),
            Month::parse("2024-07").unwrap(),
            &input(6, Status::Late, 10),
            &now,
        )
        .unwrap();
        let h1 = ReportPeriod::parse(ReportKind::Half, "2024-H1").unwrap();
        let rows = build_rows(&conn, &h1).unwrap();
        assert_eq!(rows[4].progress.as_ref().unwrap().status, Status::Done);
        assert!(rows[5].progress.is_none(), "July is after the first half");
    }

    #[test]
    fn the_dashboard_lists_overdue_late_and_at_risk_tasks() {
        let conn = seeded();
        let now = at("2024-03-05T09:00:00+07:00");
        let plan = plan::load(&conn).unwrap();
        // Task 1's deadline is February 2024: overdue on 5 March unless done.
        let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        let list = attention(&conn, today).unwrap();
        let t1 = plan.tasks.iter().find(|t| t.number == 1).unwrap();
        assert_eq!(t1.province_role, "coordinating");
        assert!(
            list.iter()
                .any(|a| a.task_number == 1 && a.risk == Risk::Overdue),
            "{list:?}"
        );
        save_plain(
            &conn,
            &actor(),
            Month::parse("2024-03").unwrap(),
            &input(1, Status::Done, 100),
            &now,
        )
        .unwrap();
        let list = attention(&conn, today).unwrap();
        assert!(!list.iter().any(|a| a.task_number == 1), "{list:?}");
        // Not-involved tasks never show.
        let not_involved: Vec<u32> = plan
            .tasks
            .iter()
            .filter(|t| t.province_role == "not_involved")
            .map(|t| t.number)
            .collect();
        assert!(!list.iter().any(|a| not_involved.contains(&a.task_number)));
        save_plain(
            &conn,
            &actor(),
            Month::parse("2024-03").unwrap(),
            &input(2, Status::Late, 10),
            &now,
        )
        .unwrap();
        let list = attention(&conn, today).unwrap();
        assert!(
            list.iter()
                .any(|a| a.task_number == 2 && a.risk == Risk::ReportedLate),
            "{list:?}"
        );
    }

    #[test]
    fn an_automatic_figure_can_only_be_overridden_with_a_reason() {
        let conn = seeded();
        let now = at("2024-06-10T09:00:00+07:00");
        let june = Month::parse("2024-06").unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 10).unwrap();
        assert!(
            auto_indicators(&conn, june, today).unwrap().is_empty(),
            "no register, dossiers or checks yet"
        );
        let mut i = input(21, Status::InProgress, 60);
        i.indicator_value = Some(55.0);
        let err = save(&conn, &actor(), june, &i, Some(64.0), &now).unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::Invalid {
                    field: "overrideReason",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("64"), "{err}");
        i.override_reason = Some("Danh sách chưa cập nhật đợt tháng 6".into());
        let saved = save(&conn, &actor(), june, &i, Some(64.0), &now).unwrap();
        assert_eq!(
            (saved.indicator_value, saved.auto_value),
            (Some(55.0), Some(64.0))
        );
        assert_eq!(saved.override_reason, "Danh sách chưa cập nhật đợt tháng 6");
        // Taking the automatic figure needs no reason and keeps none.
        i.indicator_value = Some(64.0);
        let saved = save(&conn, &actor(), june, &i, Some(64.0), &now).unwrap();
        assert_eq!(saved.override_reason, "");
        assert_eq!(month_entries(&conn, june).unwrap(), vec![saved]);
    }
}
