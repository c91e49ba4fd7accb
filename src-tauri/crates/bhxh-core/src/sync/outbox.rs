//! The sync outbox and what this desk received from HQ (migration 7).
//!
//! A change meant for HQ is [`enqueue`]d in the same transaction as the
//! change itself, so it is sent exactly when the change is kept. The sync
//! client (`bhxh-sync`) reads [`pending`] items, and marks them with
//! [`record_results`] only after HQ answered; a row is never deleted.
//! No network here: this module only keeps the tables.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::{CoreError, Timestamp, ts};

/// The report stream (approved period reports).
pub const STREAM_REPORT: &str = "report";

/// Queue a change for HQ. `id` is the change's UUIDv7; `item_id` names what
/// changed and stays the same across revisions; `payload` is JSON text.
/// Enqueuing the same (stream, item, revision) twice is refused.
pub fn enqueue(
    conn: &Connection,
    id: &str,
    stream: &str,
    item_id: &str,
    revision: i64,
    payload: &str,
    now: &Timestamp,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO outbox (id, stream, item_id, revision, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, stream, item_id, revision, ts(now)])?;
    // The payload apart (migration 18): settling the row never rewrites it.
    conn.prepare_cached("INSERT INTO outbox_payload (id, payload) VALUES (?1, ?2)")?
        .execute(params![id, payload])?;
    Ok(())
}

/// A queued change.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: String,
    pub stream: String,
    pub item_id: String,
    pub revision: i64,
    pub payload: String,
    pub attempts: i64,
}

/// The oldest changes not yet acknowledged by HQ (conflicts and rejections
/// are settled and are not sent again), in the order they were queued.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<OutboxItem>, CoreError> {
    // The pending rows are found through the partial index `outbox_pending`
    // (their rowids only), never by walking the settled rows; then the
    // rows and their payloads (kept apart, migration 18) are read.
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.stream, o.item_id, o.revision, p.payload, o.attempts
         FROM outbox o JOIN outbox_payload p ON p.id = o.id
         WHERE o.rowid IN (SELECT rowid FROM outbox INDEXED BY outbox_pending
                           WHERE acked_at IS NULL ORDER BY rowid LIMIT ?1)
         ORDER BY o.rowid",
    )?;
    let rows = stmt
        .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(OutboxItem {
                id: r.get(0)?,
                stream: r.get(1)?,
                item_id: r.get(2)?,
                revision: r.get(3)?,
                payload: r.get(4)?,
                attempts: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// HQ's answer for one change.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub id: String,
    /// `stored`, `duplicate`, `conflict` or `rejected`.
    pub outcome: String,
    pub hq_revision: i64,
    pub detail: Option<String>,
}

/// Settle changes with HQ's answers (call inside one transaction). Returns
/// how many rows changed; an answer for a row already settled changes nothing.
pub fn record_results(
    conn: &Connection,
    answers: &[Answer],
    now: &Timestamp,
) -> Result<usize, CoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE outbox SET acked_at = ?2, outcome = ?3, hq_revision = ?4, conflict_detail = ?5,
                attempts = attempts + 1, last_error = NULL
         WHERE id = ?1 AND acked_at IS NULL",
    )?;
    let mut n = 0;
    for a in answers {
        if !matches!(
            a.outcome.as_str(),
            "stored" | "duplicate" | "conflict" | "rejected"
        ) {
            return Err(CoreError::invalid(
                "outcome",
                format!("kết quả đồng bộ \"{}\" không hợp lệ", a.outcome),
            ));
        }
        n += stmt.execute(params![a.id, ts(now), a.outcome, a.hq_revision, a.detail])?;
    }
    Ok(n)
}

/// A send that got no usable answer: count the attempt on each change.
pub fn record_failure(conn: &Connection, ids: &[String], error: &str) -> Result<(), CoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1 AND acked_at IS NULL",
    )?;
    for id in ids {
        stmt.execute(params![id, error])?;
    }
    Ok(())
}

/// Counts for the status line.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxCounts {
    pub queued: i64,
    pub acknowledged: i64,
    pub conflicts: i64,
    pub rejected: i64,
}

pub fn counts(conn: &Connection) -> Result<OutboxCounts, CoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FILTER (WHERE acked_at IS NULL),
                COUNT(*) FILTER (WHERE outcome IN ('stored', 'duplicate')),
                COUNT(*) FILTER (WHERE outcome = 'conflict'),
                COUNT(*) FILTER (WHERE outcome = 'rejected')
         FROM outbox",
        [],
        |r| {
            Ok(OutboxCounts {
                queued: r.get(0)?,
                acknowledged: r.get(1)?,
                conflicts: r.get(2)?,
                rejected: r.get(3)?,
            })
        },
    )?)
}

/// A change HQ did not take: a conflict or a rejection, for people to see.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub id: String,
    pub stream: String,
    pub item_id: String,
    pub revision: i64,
    pub outcome: String,
    pub hq_revision: Option<i64>,
    pub detail: Option<String>,
    pub at: Option<String>,
}

pub fn problems(conn: &Connection) -> Result<Vec<Problem>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, stream, item_id, revision, outcome, hq_revision, conflict_detail, acked_at
         FROM outbox WHERE outcome IN ('conflict', 'rejected') ORDER BY rowid DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Problem {
                id: r.get(0)?,
                stream: r.get(1)?,
                item_id: r.get(2)?,
                revision: r.get(3)?,
                outcome: r.get(4)?,
                hq_revision: r.get(5)?,
                detail: r.get(6)?,
                at: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Where this desk stands with HQ.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    pub hq_url: Option<String>,
    pub office_code: Option<String>,
    pub pull_cursor: i64,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_code: Option<String>,
    pub consecutive_failures: i64,
}

pub fn state(conn: &Connection) -> Result<SyncState, CoreError> {
    Ok(conn.query_row(
        "SELECT hq_url, office_code, pull_cursor, last_attempt_at, last_success_at, last_error,
                last_error_code, consecutive_failures FROM sync_state WHERE id = 1",
        [],
        |r| {
            Ok(SyncState {
                hq_url: r.get(0)?,
                office_code: r.get(1)?,
                pull_cursor: r.get(2)?,
                last_attempt_at: r.get(3)?,
                last_success_at: r.get(4)?,
                last_error: r.get(5)?,
                last_error_code: r.get(6)?,
                consecutive_failures: r.get(7)?,
            })
        },
    )?)
}

/// Point this desk at HQ (the token goes to the keyring, never here).
pub fn set_hq_url(conn: &Connection, url: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_state SET hq_url = ?1, office_code = NULL, last_error = NULL,
                last_error_code = NULL, consecutive_failures = 0 WHERE id = 1",
        [url],
    )?;
    Ok(())
}

pub fn set_office_code(conn: &Connection, code: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_state SET office_code = ?1 WHERE id = 1",
        [code],
    )?;
    Ok(())
}

/// A sync round that reached HQ and finished.
pub fn record_success(conn: &Connection, now: &Timestamp) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_state SET last_attempt_at = ?1, last_success_at = ?1, last_error = NULL,
                last_error_code = NULL, consecutive_failures = 0 WHERE id = 1",
        [ts(now)],
    )?;
    Ok(())
}

/// A sync round that failed: the error is kept for the status line.
pub fn record_error(
    conn: &Connection,
    code: &str,
    message: &str,
    now: &Timestamp,
) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_state SET last_attempt_at = ?1, last_error = ?2, last_error_code = ?3,
                consecutive_failures = consecutive_failures + 1 WHERE id = 1",
        params![ts(now), message, code],
    )?;
    Ok(())
}

/// Something HQ published, as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Directive {
    pub id: String,
    pub seq: i64,
    pub title: String,
    pub body: String,
    pub published_at: String,
    pub received_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanChange {
    pub id: String,
    pub seq: i64,
    pub task_number: i64,
    pub target_value: Option<f64>,
    pub target_unit: Option<String>,
    pub deadline: Option<String>,
    pub note: String,
    pub published_at: String,
    pub received_at: String,
}

/// Keep a received directive; receiving it again changes nothing.
pub fn store_directive(conn: &Connection, d: &Directive) -> Result<(), CoreError> {
    conn.execute(
        "INSERT INTO hq_directive (id, seq, title, body, published_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
        params![d.id, d.seq, d.title, d.body, d.published_at, d.received_at],
    )?;
    Ok(())
}

/// Keep a received plan change and apply it to the local plan, in the
/// caller's transaction; receiving it again changes nothing. Returns whether
/// the change was new and touched a task of the plan (a change for a task
/// number this plan does not have is kept, for the record, but not applied).
pub fn store_plan_change(conn: &Connection, p: &PlanChange) -> Result<bool, CoreError> {
    let inserted = conn.execute(
        "INSERT INTO hq_plan_change (id, seq, task_number, target_value, target_unit, deadline, note,
                                     published_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
        params![
            p.id,
            p.seq,
            p.task_number,
            p.target_value,
            p.target_unit,
            p.deadline,
            p.note,
            p.published_at,
            p.received_at
        ],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    let mut applied = 0;
    if let Some(deadline) = &p.deadline {
        let date = chrono::NaiveDate::parse_from_str(deadline, "%Y-%m-%d").map_err(|_| {
            CoreError::Invalid {
                field: "deadline",
                message: format!("hạn hoàn thành «{deadline}» không phải ngày hợp lệ"),
            }
        })?;
        let kind = if date.format("%m-%d").to_string() == "12-31" {
            "year"
        } else {
            "month"
        };
        applied += conn.execute(
            "UPDATE plan_task SET deadline = ?2, deadline_kind = ?3, deadline_text = ?4
             WHERE plan_id = 1 AND number = ?1",
            params![
                p.task_number,
                deadline,
                kind,
                format!(
                    "Trước ngày {} (BHXH Việt Nam điều chỉnh)",
                    date.format("%d/%m/%Y")
                )
            ],
        )?;
    }
    if let Some(value) = p.target_value {
        applied += conn.execute(
            "UPDATE plan_task SET target_value = ?2,
                    target_unit = COALESCE(?3, target_unit, ''),
                    target_indicator = COALESCE(target_indicator, 'Chỉ tiêu do BHXH Việt Nam giao')
             WHERE plan_id = 1 AND number = ?1",
            params![p.task_number, value, p.target_unit],
        )?;
    }
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM plan_task WHERE plan_id = 1 AND number = ?1)",
        [p.task_number],
        |r| r.get(0),
    )?;
    if !known {
        return Ok(false);
    }
    let now = crate::parse_ts(&p.received_at)?;
    crate::office::audit::append(
        conn,
        &crate::office::audit::Actor::system(),
        &crate::office::audit::Event {
            action: "update",
            entity: "plan_task",
            entity_id: &p.task_number.to_string(),
            detail: serde_json::json!({
                "source": "hq",
                "changeId": p.id,
                "seq": p.seq,
                "deadline": p.deadline,
                "targetValue": p.target_value,
                "targetUnit": p.target_unit,
                "note": p.note,
                "fieldsApplied": applied,
            }),
        },
        &now,
    )?;
    Ok(true)
}

/// Move the pull cursor forward (never back).
pub fn advance_cursor(conn: &Connection, cursor: i64) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE sync_state SET pull_cursor = MAX(pull_cursor, ?1) WHERE id = 1",
        [cursor],
    )?;
    Ok(())
}

/// Received directives, newest first.
pub fn directives(conn: &Connection, limit: usize) -> Result<Vec<Directive>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, seq, title, body, published_at, received_at FROM hq_directive
         ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(Directive {
                id: r.get(0)?,
                seq: r.get(1)?,
                title: r.get(2)?,
                body: r.get(3)?,
                published_at: r.get(4)?,
                received_at: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Received plan changes, newest first.
pub fn plan_changes(conn: &Connection) -> Result<Vec<PlanChange>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, seq, task_number, target_value, target_unit, deadline, note, published_at, received_at
         FROM hq_plan_change ORDER BY seq DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(PlanChange {
                id: r.get(0)?,
                seq: r.get(1)?,
                task_number: r.get(2)?,
                target_value: r.get(3)?,
                target_unit: r.get(4)?,
                deadline: r.get(5)?,
                note: r.get(6)?,
                published_at: r.get(7)?,
                received_at: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The queued copy of an item, if any (for tests and diagnostics).
pub fn find(conn: &Connection, id: &str) -> Result<Option<(Option<String>, i64)>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT outcome, attempts FROM outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::parse_ts;

    #[test]
    fn queued_changes_are_settled_only_by_answers() {
        let conn = crate::seeded_for_tests();
        let now = parse_ts("2024-06-03T08:00:00+07:00").unwrap();
        enqueue(&conn, "a", STREAM_REPORT, "month:2024-05", 1, "{}", &now).unwrap();
        enqueue(&conn, "b", STREAM_REPORT, "month:2024-05", 2, "{}", &now).unwrap();
        assert!(enqueue(&conn, "c", STREAM_REPORT, "month:2024-05", 2, "{}", &now).is_err());
        let p = pending(&conn, 10).unwrap();
        assert_eq!(
            p.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        record_failure(&conn, &["a".into()], "mất mạng").unwrap();
        assert_eq!(pending(&conn, 10).unwrap()[0].attempts, 1);
        let answers = [
            Answer {
                id: "a".into(),
                outcome: "stored".into(),
                hq_revision: 1,
                detail: None,
            },
            Answer {
                id: "b".into(),
                outcome: "conflict".into(),
                hq_revision: 3,
                detail: Some("mới hơn".into()),
            },
        ];
        assert_eq!(record_results(&conn, &answers, &now).unwrap(), 2);
        assert_eq!(
            record_results(&conn, &answers, &now).unwrap(),
            0,
            "settled once"
        );
        assert!(pending(&conn, 10).unwrap().is_empty());
        let c = counts(&conn).unwrap();
        assert_eq!((c.queued, c.acknowledged, c.conflicts), (0, 1, 1));
        let pr = problems(&conn).unwrap();
        assert_eq!(pr[0].hq_revision, Some(3));
        let bad = [Answer {
            id: "a".into(),
            outcome: "maybe".into(),
            hq_revision: 0,
            detail: None,
        }];
        assert!(record_results(&conn, &bad, &now).is_err());
    }

    #[test]
    fn approving_a_report_queues_its_snapshot_for_hq_once() {
        use crate::progress::{self, ReportKind, ReportPeriod};
        let conn = crate::seeded_for_tests();
        let now = parse_ts("2024-06-03T08:00:00+07:00").unwrap();
        let actor = crate::office::audit::Actor {
            id: None,
            username: "giamsat".into(),
        };
        let period = ReportPeriod::parse(ReportKind::Month, "2024-05").unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        let snap = progress::approve(&tx, &actor, &period, "15/BC-BHXH", &now).unwrap();
        tx.commit().unwrap();
        let queued = pending(&conn, 10).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].id, snap.uuid);
        assert_eq!(
            (queued[0].item_id.as_str(), queued[0].revision),
            ("month:2024-05", 1)
        );
        let payload: serde_json::Value = serde_json::from_str(&queued[0].payload).unwrap();
        assert_eq!(payload["status"], "approved");
        assert_eq!(payload["rows"].as_array().unwrap().len(), 27);
        // refused a second time: nothing more is queued
        assert!(progress::approve(&conn, &actor, &period, "16/BC-BHXH", &now).is_err());
        // an approval rolled back takes its queued copy with it
        let june = ReportPeriod::parse(ReportKind::Month, "2024-06").unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        progress::approve(&tx, &actor, &june, "17/BC-BHXH", &now).unwrap();
        drop(tx);
        assert_eq!(pending(&conn, 10).unwrap().len(), 1);
    }

    #[test]
    fn state_cursor_and_received_items() {
        let conn = crate::seeded_for_tests();
        let now = parse_ts("2024-06-03T08:00:00+07:00").unwrap();
        set_hq_url(&conn, "https://hq.example").unwrap();
        record_error(&conn, "offline", "Không kết nối được", &now).unwrap();
        record_error(&conn, "offline", "Không kết nối được", &now).unwrap();
        let s = state(&conn).unwrap();
        assert_eq!(s.consecutive_failures, 2);
        record_success(&conn, &now).unwrap();
        let s = state(&conn).unwrap();
        assert_eq!((s.consecutive_failures, s.last_error), (0, None));
        advance_cursor(&conn, 5).unwrap();
        advance_cursor(&conn, 3).unwrap();
        assert_eq!(state(&conn).unwrap().pull_cursor, 5);
        let d = Directive {
            id: "d1".into(),
            seq: 4,
            title: "Chỉ đạo".into(),
            body: String::new(),
            published_at: "t".into(),
            received_at: "t".into(),
        };
        store_directive(&conn, &d).unwrap();
        store_directive(&conn, &d).unwrap();
        assert_eq!(directives(&conn, 10).unwrap(), vec![d]);
    }

    #[test]
    fn a_plan_change_from_hq_moves_the_local_task_once_and_is_audited() {
        let conn = crate::seeded_for_tests();
        let before = crate::progress::plan::load(&conn).unwrap();
        let t13 = before
            .tasks
            .iter()
            .find(|t| t.number == 13)
            .unwrap()
            .clone();
        let change = PlanChange {
            id: "0190f0c0-0000-7000-8000-000000000001".into(),
            seq: 7,
            task_number: 13,
            target_value: Some(95.0),
            target_unit: None,
            deadline: Some("2024-09-30".into()),
            note: "Đẩy nhanh số hóa".into(),
            published_at: "2024-06-01T08:00:00+07:00".into(),
            received_at: "2024-06-03T08:00:00+07:00".into(),
        };
        assert!(store_plan_change(&conn, &change).unwrap());
        let after = crate::progress::plan::load(&conn).unwrap();
        let t = after.tasks.iter().find(|t| t.number == 13).unwrap();
        assert_eq!(t.deadline.as_deref(), Some("2024-09-30"));
        assert_eq!(t.deadline_kind, "month");
        assert_eq!(
            t.deadline_text,
            "Trước ngày 30/09/2024 (BHXH Việt Nam điều chỉnh)"
        );
        let target = t.target.as_ref().unwrap();
        assert_eq!(target.value, 95.0);
        // the unit and indicator stay what the plan said when HQ gives none
        assert_eq!(
            Some(&target.unit),
            t13.target
                .as_ref()
                .map(|x| &x.unit)
                .or(Some(&String::new()))
        );
        let hq = t.hq_change.as_ref().unwrap();
        assert_eq!((hq.seq, hq.note.as_str()), (7, "Đẩy nhanh số hóa"));
        // the other tasks are untouched
        for (a, b) in before.tasks.iter().zip(&after.tasks) {
            if a.number != 13 {
                assert_eq!(a, b);
            }
        }
        let audited = || -> i64 {
            conn.query_row(
                "SELECT count(*) FROM audit_log WHERE entity = 'plan_task' AND entity_id = '13'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(audited(), 1);
        // delivered again: nothing changes, nothing more in the log
        assert!(!store_plan_change(&conn, &change).unwrap());
        assert_eq!(audited(), 1);
        // a task number this plan does not have is kept but not applied
        let stray = PlanChange {
            id: "0190f0c0-0000-7000-8000-000000000002".into(),
            seq: 8,
            task_number: 60,
            ..change.clone()
        };
        assert!(!store_plan_change(&conn, &stray).unwrap());
        assert_eq!(plan_changes(&conn).unwrap().len(), 2);
        assert_eq!(
            crate::progress::plan::load(&conn).unwrap().tasks,
            after.tasks
        );
        // a year-end deadline is a year deadline
        let year_end = PlanChange {
            id: "0190f0c0-0000-7000-8000-000000000003".into(),
            seq: 9,
            task_number: 5,
            target_value: None,
            deadline: Some("2024-12-31".into()),
            ..change
        };
        assert!(store_plan_change(&conn, &year_end).unwrap());
        let t5 = crate::progress::plan::load(&conn)
            .unwrap()
            .tasks
            .into_iter()
            .find(|t| t.number == 5)
            .unwrap();
        assert_eq!(
            (t5.deadline_kind.as_str(), t5.deadline.as_deref()),
            ("year", Some("2024-12-31"))
        );
    }
}
