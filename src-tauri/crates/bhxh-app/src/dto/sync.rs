//! What came down from HQ and what HQ made of what went up.

use serde::Serialize;
use specta::Type;

/// Something HQ published, as received.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Directive {
    pub id: String,
    pub seq: i64,
    pub title: String,
    pub body: String,
    pub published_at: String,
    pub received_at: String,
}

impl From<bhxh_core::sync::outbox::Directive> for Directive {
    fn from(v: bhxh_core::sync::outbox::Directive) -> Self {
        Directive {
            id: v.id,
            seq: v.seq,
            title: v.title,
            body: v.body,
            published_at: v.published_at,
            received_at: v.received_at,
        }
    }
}

/// A change HQ did not take: a conflict or a rejection, for people to see.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProblem {
    pub id: String,
    pub stream: String,
    pub item_id: String,
    pub revision: i64,
    pub outcome: String,
    pub hq_revision: Option<i64>,
    pub detail: Option<String>,
    pub at: Option<String>,
}

impl From<bhxh_core::sync::outbox::Problem> for SyncProblem {
    fn from(v: bhxh_core::sync::outbox::Problem) -> Self {
        SyncProblem {
            id: v.id,
            stream: v.stream,
            item_id: v.item_id,
            revision: v.revision,
            outcome: v.outcome,
            hq_revision: v.hq_revision,
            detail: v.detail,
            at: v.at,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, PartialEq, Serialize, Type, Default)]
#[serde(rename_all = "camelCase")]
pub struct RoundReport {
    pub batches: usize,
    pub sent: usize,
    pub stored: usize,
    pub duplicates: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub pulled: usize,
    /// The audit entry HQ witnessed as this desk's head in the round.
    pub witnessed_seq: Option<i64>,
}

impl From<bhxh_sync::RoundReport> for RoundReport {
    fn from(v: bhxh_sync::RoundReport) -> Self {
        RoundReport {
            batches: v.batches,
            sent: v.sent,
            stored: v.stored,
            duplicates: v.duplicates,
            conflicts: v.conflicts,
            rejected: v.rejected,
            pulled: v.pulled,
            witnessed_seq: v.witnessed_seq,
        }
    }
}

/// One task of a base office's newest monthly report, as HQ gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BaseTaskProgress {
    pub task_number: u32,
    pub percent: Option<u32>,
    /// `not_started`, `in_progress`, `done`, `late`, or none.
    pub status: Option<String>,
}

impl From<bhxh_core::sync::base_offices::BaseTask> for BaseTaskProgress {
    fn from(v: bhxh_core::sync::base_offices::BaseTask) -> Self {
        BaseTaskProgress {
            task_number: v.task_number,
            percent: v.percent,
            status: v.status,
        }
    }
}

/// One base office (BHXH cơ sở) under this provincial office.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BaseOfficeProgress {
    pub code: String,
    pub name: String,
    /// Its token was revoked at HQ.
    pub revoked: bool,
    /// HQ's word: no monthly report yet for HQ's `asOfMonth`.
    pub late: bool,
    /// The newest month it reported (`YYYY-MM`) and that report's revision.
    pub latest_month: Option<String>,
    pub latest_revision: Option<i64>,
    /// When it last sent anything to HQ (HQ's clock).
    pub last_sync_at: Option<String>,
    /// Its tasks by how far they are, in its newest monthly report.
    pub done: u32,
    pub in_progress: u32,
    pub late_tasks: u32,
    pub not_started: u32,
    pub average_percent: Option<f64>,
    pub tasks: Vec<BaseTaskProgress>,
}

impl From<bhxh_core::sync::base_offices::BaseOffice> for BaseOfficeProgress {
    fn from(v: bhxh_core::sync::base_offices::BaseOffice) -> Self {
        let c = v.counts();
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        BaseOfficeProgress {
            average_percent: v.average_percent(),
            done: n(c.done),
            in_progress: n(c.in_progress),
            late_tasks: n(c.late),
            not_started: n(c.not_started),
            code: v.code,
            name: v.name,
            revoked: v.revoked,
            late: v.late,
            latest_month: v.latest_month,
            latest_revision: v.latest_revision,
            last_sync_at: v.last_sync_at,
            tasks: super::all(v.tasks),
        }
    }
}

/// The base offices' progress as this desk last received it from HQ.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BaseOfficesProgress {
    /// `provincial`: HQ's picture is here (`offices`, which may be empty);
    /// `not_provincial`: HQ says this office is a base office; `never`:
    /// nothing received yet (sync not set up, or HQ never reached).
    pub state: String,
    /// What the picture is, or why there is none, in Vietnamese (with its age).
    pub note: String,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    /// HQ's month every office should have reported by (`YYYY-MM`).
    pub as_of_month: Option<String>,
    /// When HQ computed the figures (HQ's clock).
    pub generated_at: Option<String>,
    /// When this desk received them (its clock), and how long ago.
    pub fetched_at: Option<String>,
    pub age_minutes: Option<i64>,
    /// "3 ngày trước", …
    pub age_text: Option<String>,
    pub offices: Vec<BaseOfficeProgress>,
}
