#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use rusqlite::Connection;

use super::*;
use crate::office::audit::{self, Actor};
use crate::{CoreError, Timestamp};

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

/// Task `task`'s progress for `month` (YYYY-MM) saved by the supervisor at `now`.
fn enter(conn: &Connection, month: &str, task: u32, status: Status, percent: u8, now: &Timestamp) {
    save_plain(
        conn,
        &actor(),
        Month::parse(month).unwrap(),
        &input(task, status, percent),
        now,
    )
    .unwrap();
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
    enter(&conn, "2024-04", 3, Status::InProgress, 30, &now);
    enter(&conn, "2024-05", 3, Status::InProgress, 50, &now);
    enter(&conn, "2024-05", 21, Status::InProgress, 60, &now);

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
    enter(&conn, "2024-04", 3, Status::InProgress, 35, &now);

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
    enter(&conn, "2024-05", 21, Status::InProgress, 70, &now);
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
    enter(&conn, "2024-02", 5, Status::InProgress, 20, &now);
    enter(&conn, "2024-06", 5, Status::Done, 100, &now);
    enter(&conn, "2024-07", 6, Status::Late, 10, &now);
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
    enter(&conn, "2024-03", 1, Status::Done, 100, &now);
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
    enter(&conn, "2024-03", 2, Status::Late, 10, &now);
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
