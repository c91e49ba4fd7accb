//! The 2024 plan, monthly progress, the figures computed from the desk's records, reports and evidence.

use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub decision: String,
    pub decision_date: String,
    pub title: String,
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
}

impl From<bhxh_core::progress::plan::Plan> for Plan {
    fn from(v: bhxh_core::progress::plan::Plan) -> Self {
        Plan {
            decision: v.decision,
            decision_date: v.decision_date,
            title: v.title,
            sections: v.sections.into_iter().map(|x| x.into()).collect(),
            tasks: v.tasks.into_iter().map(|x| x.into()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub number: u32,
    pub title: String,
}

impl From<bhxh_core::progress::plan::Section> for Section {
    fn from(v: bhxh_core::progress::plan::Section) -> Self {
        Section {
            number: v.number,
            title: v.title,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub number: u32,
    pub section: u32,
    /// False where the source text lost the item number (it was recovered
    /// from the order of the items).
    pub number_in_source: bool,
    pub content: String,
    pub lead_unit: String,
    pub coordinating_units: String,
    pub deadline_text: String,
    /// `month`, `year`, `ongoing`, `recurring` or `roadmap`.
    pub deadline_kind: String,
    /// ISO date for `month` and `year` deadlines.
    pub deadline: Option<String>,
    pub product: String,
    pub target: Option<Target>,
    /// The provincial office's part: `lead`, `coordinating`, `not_involved`.
    pub province_role: String,
    /// The latest change HQ made to this task (deadline or target), if any.
    pub hq_change: Option<HqChange>,
}

impl From<bhxh_core::progress::plan::Task> for Task {
    fn from(v: bhxh_core::progress::plan::Task) -> Self {
        Task {
            number: v.number,
            section: v.section,
            number_in_source: v.number_in_source,
            content: v.content,
            lead_unit: v.lead_unit,
            coordinating_units: v.coordinating_units,
            deadline_text: v.deadline_text,
            deadline_kind: v.deadline_kind,
            deadline: v.deadline,
            product: v.product,
            target: v.target.map(|x| x.into()),
            province_role: v.province_role,
            hq_change: v.hq_change.map(|x| x.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub indicator: String,
    pub value: f64,
    pub unit: String,
}

impl From<bhxh_core::progress::plan::Target> for Target {
    fn from(v: bhxh_core::progress::plan::Target) -> Self {
        Target {
            indicator: v.indicator,
            value: v.value,
            unit: v.unit,
        }
    }
}

/// A change of a task's deadline or target sent down by HQ and applied.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HqChange {
    pub seq: i64,
    pub published_at: String,
    pub note: String,
}

impl From<bhxh_core::progress::plan::HqChange> for HqChange {
    fn from(v: bhxh_core::progress::plan::HqChange) -> Self {
        HqChange {
            seq: v.seq,
            published_at: v.published_at,
            note: v.note,
        }
    }
}

/// Where a task stands in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    NotStarted,
    InProgress,
    Done,
    Late,
}

impl From<bhxh_core::progress::Status> for TaskStatus {
    fn from(v: bhxh_core::progress::Status) -> Self {
        match v {
            bhxh_core::progress::Status::NotStarted => TaskStatus::NotStarted,
            bhxh_core::progress::Status::InProgress => TaskStatus::InProgress,
            bhxh_core::progress::Status::Done => TaskStatus::Done,
            bhxh_core::progress::Status::Late => TaskStatus::Late,
        }
    }
}

impl From<TaskStatus> for bhxh_core::progress::Status {
    fn from(v: TaskStatus) -> Self {
        match v {
            TaskStatus::NotStarted => bhxh_core::progress::Status::NotStarted,
            TaskStatus::InProgress => bhxh_core::progress::Status::InProgress,
            TaskStatus::Done => bhxh_core::progress::Status::Done,
            TaskStatus::Late => bhxh_core::progress::Status::Late,
        }
    }
}

/// What an officer enters for one task in one month.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProgressInput {
    pub task_number: u32,
    pub status: TaskStatus,
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

impl From<ProgressInput> for bhxh_core::progress::ProgressInput {
    fn from(v: ProgressInput) -> Self {
        bhxh_core::progress::ProgressInput {
            task_number: v.task_number,
            status: v.status.into(),
            percent: v.percent,
            indicator_value: v.indicator_value,
            narrative: v.narrative,
            override_reason: v.override_reason,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProgressEntry {
    pub period: String,
    pub task_number: u32,
    pub status: TaskStatus,
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

impl From<bhxh_core::progress::ProgressEntry> for ProgressEntry {
    fn from(v: bhxh_core::progress::ProgressEntry) -> Self {
        ProgressEntry {
            period: v.period,
            task_number: v.task_number,
            status: v.status.into(),
            status_label: v.status_label,
            percent: v.percent,
            indicator_value: v.indicator_value,
            narrative: v.narrative,
            updated_by: v.updated_by,
            updated_at: v.updated_at,
            auto_value: v.auto_value,
            override_reason: v.override_reason,
        }
    }
}

/// A figure the app knows from its own records, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AutoIndicator {
    pub task_number: u32,
    pub value: f64,
    /// e.g. "Danh sách người tham gia: 640/1.000 người đã xác thực số định danh"
    pub source: String,
}

impl From<bhxh_core::progress::AutoIndicator> for AutoIndicator {
    fn from(v: bhxh_core::progress::AutoIndicator) -> Self {
        AutoIndicator {
            task_number: v.task_number,
            value: v.value,
            source: v.source,
        }
    }
}

/// Why a task needs attention on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// A dated deadline has passed and the task is not done.
    Overdue,
    /// Reported as late by the office.
    ReportedLate,
    /// Due within 30 days and less than 80 % done.
    AtRisk,
}

impl From<bhxh_core::progress::Risk> for Risk {
    fn from(v: bhxh_core::progress::Risk) -> Self {
        match v {
            bhxh_core::progress::Risk::Overdue => Risk::Overdue,
            bhxh_core::progress::Risk::ReportedLate => Risk::ReportedLate,
            bhxh_core::progress::Risk::AtRisk => Risk::AtRisk,
        }
    }
}

impl From<Risk> for bhxh_core::progress::Risk {
    fn from(v: Risk) -> Self {
        match v {
            Risk::Overdue => bhxh_core::progress::Risk::Overdue,
            Risk::ReportedLate => bhxh_core::progress::Risk::ReportedLate,
            Risk::AtRisk => bhxh_core::progress::Risk::AtRisk,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Attention {
    pub task_number: u32,
    pub risk: Risk,
    pub deadline: Option<String>,
    pub percent: u8,
}

impl From<bhxh_core::progress::Attention> for Attention {
    fn from(v: bhxh_core::progress::Attention) -> Self {
        Attention {
            task_number: v.task_number,
            risk: v.risk.into(),
            deadline: v.deadline,
            percent: v.percent,
        }
    }
}

/// Monthly, 6-month or annual report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Month,
    Half,
    Year,
}

impl From<bhxh_core::progress::ReportKind> for ReportKind {
    fn from(v: bhxh_core::progress::ReportKind) -> Self {
        match v {
            bhxh_core::progress::ReportKind::Month => ReportKind::Month,
            bhxh_core::progress::ReportKind::Half => ReportKind::Half,
            bhxh_core::progress::ReportKind::Year => ReportKind::Year,
        }
    }
}

impl From<ReportKind> for bhxh_core::progress::ReportKind {
    fn from(v: ReportKind) -> Self {
        match v {
            ReportKind::Month => bhxh_core::progress::ReportKind::Month,
            ReportKind::Half => bhxh_core::progress::ReportKind::Half,
            ReportKind::Year => bhxh_core::progress::ReportKind::Year,
        }
    }
}

/// One task's line in a report: the plan's words and the progress as of the
/// report's last month.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
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

impl From<bhxh_core::progress::ReportRow> for ReportRow {
    fn from(v: bhxh_core::progress::ReportRow) -> Self {
        ReportRow {
            task_number: v.task_number,
            section: v.section,
            content: v.content,
            lead_unit: v.lead_unit,
            deadline_text: v.deadline_text,
            province_role: v.province_role,
            target: v.target.map(|x| x.into()),
            progress: v.progress.map(|x| x.into()),
        }
    }
}

/// What a report says, frozen at approval.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
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
    pub sections: Vec<Section>,
    pub rows: Vec<ReportRow>,
}

impl From<bhxh_core::progress::Snapshot> for Snapshot {
    fn from(v: bhxh_core::progress::Snapshot) -> Self {
        Snapshot {
            uuid: v.uuid,
            kind: v.kind.into(),
            period: v.period,
            period_label: v.period_label,
            revision: v.revision,
            status: v.status,
            number: v.number,
            approved_by: v.approved_by,
            approved_at: v.approved_at,
            sections: v.sections.into_iter().map(|x| x.into()).collect(),
            rows: v.rows.into_iter().map(|x| x.into()).collect(),
        }
    }
}

/// A report's revision as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
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

impl From<bhxh_core::progress::ReportRecord> for ReportRecord {
    fn from(v: bhxh_core::progress::ReportRecord) -> Self {
        ReportRecord {
            uuid: v.uuid,
            kind: v.kind.into(),
            period: v.period,
            revision: v.revision,
            status: v.status,
            number: v.number,
            reason: v.reason,
            created_at: v.created_at,
            approved_by: v.approved_by,
            approved_at: v.approved_at,
        }
    }
}

/// A file attached to a task's progress for a month.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
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

impl From<bhxh_core::progress::evidence::Evidence> for Evidence {
    fn from(v: bhxh_core::progress::evidence::Evidence) -> Self {
        Evidence {
            id: v.id,
            period: v.period,
            task_number: v.task_number,
            sha256: v.sha256,
            file_name: v.file_name,
            media_type: v.media_type,
            bytes: v.bytes,
            added_at: v.added_at,
            added_by: v.added_by,
        }
    }
}
