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
