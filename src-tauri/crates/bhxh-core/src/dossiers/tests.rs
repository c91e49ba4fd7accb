#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use super::*;
use crate::office::OfficeInput;

fn at(s: &str) -> Timestamp {
    crate::parse_ts(s).unwrap()
}

fn desk_db() -> Connection {
    let conn = crate::seeded_for_tests();
    office::create(
        &conn,
        &Actor::system(),
        &OfficeInput {
            name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
            parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
            agency_code: "000.00.00.H41".into(),
            province_code: "035".into(),
            address: String::new(),
        },
        &at("2024-01-02T08:00:00+07:00"),
    )
    .unwrap();
    conn
}

fn input(name: &str, id: &str) -> IntakeInput {
    IntakeInput {
        procedure_code: "BHXH.01".into(),
        applicant: Applicant {
            id_number: id.into(),
            full_name: name.into(),
            birth_date: NaiveDate::from_ymd_opt(1993, 1, 5).unwrap(),
            sex: PersonalId::parse(id).map_or(Sex::Male, |p| p.sex()),
            address: "Phủ Lý, Hà Nam".into(),
            phone: "0912 345 678".into(),
            email: String::new(),
        },
        identity_source: IdentitySource::Typed,
        channel: Channel::Counter,
        return_via: Channel::Counter,
        sets: 1,
        received_components: vec![1, 2],
        organisation: None,
    }
}

fn officer() -> Actor {
    Actor {
        id: None,
        username: "tiepnhan".into(),
    }
}

/// When most tests take dossiers in: Friday 26 April 2024, 09:15.
fn april_26() -> Timestamp {
    at("2024-04-26T09:15:00+07:00")
}

/// `i` taken in by the counter officer at `now`: the new dossier.
fn take(conn: &Connection, i: &IntakeInput, now: &Timestamp) -> Dossier {
    intake(conn, &officer(), i, now).unwrap().dossier
}

/// How many audit entries record `action` on `entity_id`.
fn audited(conn: &Connection, action: &str, entity_id: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM audit_log WHERE action = ?1 AND entity_id = ?2",
        [action, entity_id],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn intake_numbers_the_day_and_dates_the_return_in_working_days() {
    let conn = desk_db();
    // Friday 26 April 2024: 30/4 and 1/5 are holidays, so five working days
    // run past Friday 3 May.
    let now = april_26();
    let d = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now);
    assert_eq!(d.code, "000.00.00.H41-240426-0001");
    assert_eq!(d.status, Status::Received);
    assert_eq!(d.register_no, 1);
    let cal = WorkCalendar::load(&conn).unwrap();
    assert_eq!(d.due_on, cal.add_working_days(now.date_naive(), 5));
    assert!(
        d.due_on > NaiveDate::from_ymd_opt(2024, 5, 3).unwrap(),
        "{}",
        d.due_on
    );
    let received: Vec<u32> = d
        .components
        .iter()
        .filter(|c| c.received)
        .map(|c| c.number)
        .collect();
    assert_eq!(received, vec![1, 2]);
    assert_eq!(d.events.len(), 1);

    let b = take(&conn, &input("Trần Thị Bình", "001193047065"), &now);
    assert_eq!(b.code, "000.00.00.H41-240426-0002");
    // The sequence restarts the next day; the register number does not.
    let c = take(
        &conn,
        &input("Lê Văn Cường", "001093047066"),
        &at("2024-05-02T08:00:00+07:00"),
    );
    assert_eq!(c.code, "000.00.00.H41-240502-0001");
    assert_eq!(c.register_no, 3);
}

#[test]
fn an_id_number_that_contradicts_the_birth_date_is_refused_and_nothing_is_written() {
    let conn = desk_db();
    let try_intake = |i: &IntakeInput| intake(&conn, &officer(), i, &april_26());
    let mut i = input("Nguyễn Văn Đức", "001093047064");
    i.applicant.birth_date = NaiveDate::from_ymd_opt(1994, 1, 5).unwrap();
    let err = try_intake(&i).unwrap_err();
    assert!(err.to_string().contains("năm sinh 1994"), "{err}");
    let mut i = input("Nguyễn Văn Đức", "001093047064");
    i.applicant.sex = Sex::Female;
    assert!(try_intake(&i).is_err());
    let mut i = input("  ", "001093047064");
    i.received_components = vec![1];
    assert!(try_intake(&i).is_err());
    let mut i = input("Nguyễn Văn Đức", "001093047064");
    i.received_components = vec![99];
    let err = try_intake(&i).unwrap_err();
    assert!(err.to_string().contains("số 99"), "{err}");
    let mut i = input("Nguyễn Văn Đức", "001093047064");
    i.applicant.email = "khong-hop-le".into();
    assert!(try_intake(&i).is_err());
    let n: i64 = conn
        .query_row("SELECT count(*) FROM dossier", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    // A province outside the table is only a warning.
    let mut i = input("Nguyễn Văn Đức", "099093047064");
    i.received_components = vec![1];
    let ok = try_intake(&i).unwrap();
    assert_eq!(ok.warnings.len(), 1, "{:?}", ok.warnings);
}

#[test]
fn the_status_flow_is_enforced_and_reasons_are_required() {
    let conn = desk_db();
    let now = april_26();
    let code = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now).code;
    let err = set_status(&conn, &officer(), &code, Status::Returned, "", &now).unwrap_err();
    assert!(matches!(err, CoreError::Conflict(_)), "{err}");
    assert!(
        set_status(
            &conn,
            &officer(),
            &code,
            Status::SupplementRequested,
            " ",
            &now
        )
        .is_err()
    );
    let d = set_status(
        &conn,
        &officer(),
        &code,
        Status::SupplementRequested,
        "Thiếu bản sao giấy khai sinh",
        &now,
    )
    .unwrap();
    assert_eq!(d.status, Status::SupplementRequested);
    for s in [
        Status::Received,
        Status::Digitising,
        Status::Digitised,
        Status::Processing,
        Status::ResultReady,
        Status::Returned,
    ] {
        set_status(&conn, &officer(), &code, s, "", &now).unwrap();
    }
    let d = get(&conn, &code).unwrap();
    assert_eq!(d.status, Status::Returned);
    assert_eq!(d.events.len(), 8);
    assert_eq!(d.events[1].note, "Thiếu bản sao giấy khai sinh");
    assert!(Status::Returned.next().is_empty());
    assert!(crate::office::audit::verify(&conn).unwrap().is_intact());
}

#[test]
fn search_ignores_marks_and_d_and_finds_by_code_and_id() {
    let conn = desk_db();
    let now = april_26();
    let today = now.date_naive();
    let duc = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now);
    take(&conn, &input("Trần Thị Bình", "001193047065"), &now);
    let q = |text: &str| SearchQuery {
        text: text.into(),
        ..SearchQuery::default()
    };
    let names = |text: &str| -> Vec<String> {
        search(&conn, &q(text), today)
            .unwrap()
            .into_iter()
            .map(|s| s.applicant_name)
            .collect()
    };
    assert_eq!(names("nguyen van duc"), vec!["Nguyễn Văn Đức"]);
    assert_eq!(names("ĐỨC"), vec!["Nguyễn Văn Đức"]);
    assert_eq!(names("ngu du"), vec!["Nguyễn Văn Đức"]);
    assert_eq!(names("binh"), vec!["Trần Thị Bình"]);
    assert_eq!(names(&duc.code), vec!["Nguyễn Văn Đức"]);
    assert_eq!(names(&duc.code.to_lowercase()), vec!["Nguyễn Văn Đức"]);
    assert_eq!(names("240426-0002"), vec!["Trần Thị Bình"]);
    assert_eq!(names("001193047065"), vec!["Trần Thị Bình"]);
    assert_eq!(names("dang ky"), vec!["Trần Thị Bình", "Nguyễn Văn Đức"]);
    assert!(names("không có ai").is_empty());
    // A finished word is whole ("tran" is Trần, not Trang); an unfinished
    // one still finds its name when nothing matches it whole.
    take(&conn, &input("Trang Văn Bình", "001093047066"), &now);
    assert_eq!(names("tran binh"), vec!["Trần Thị Bình"]);
    assert_eq!(names("trang van"), vec!["Trang Văn Bình"]);
    assert_eq!(names("nguy van du"), vec!["Nguyễn Văn Đức"]);
    assert_eq!(names("tra van"), vec!["Trang Văn Bình"]);
    assert!(names("\"*(").is_empty());
    let digitising = SearchQuery {
        status: Some(Status::Digitising),
        ..SearchQuery::default()
    };
    assert!(search(&conn, &digitising, today).unwrap().is_empty());
    set_status(&conn, &officer(), &duc.code, Status::Digitising, "", &now).unwrap();
    let found = search(&conn, &digitising, today).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status_label, "Đang số hóa");
    let later = SearchQuery {
        from: NaiveDate::from_ymd_opt(2024, 4, 27),
        ..SearchQuery::default()
    };
    assert!(search(&conn, &later, today).unwrap().is_empty());
}

#[test]
fn search_finds_words_on_the_papers_once_per_dossier_and_keeps_filters() {
    let conn = desk_db();
    let now = april_26();
    let today = now.date_naive();
    let a = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now);
    let b = take(&conn, &input("Trần Thị Bình", "001193047065"), &now);
    take(&conn, &input("Lê Văn Cường", "001093047066"), &now);
    let page = |code: &str, id: i64, n: u32, text: &str| {
        let p = ocr::Pending {
            dossier_id: id,
            code: code.into(),
            kind: "component",
            number: 1,
            sha256: format!("{n:064x}"),
            file_name: "p.jpg".into(),
        };
        let t = ocr::PageText {
            page: 1,
            text: text.into(),
            confidence: 90.0,
            unreadable: false,
            words: String::new(),
        };
        ocr::record(&conn, &p, &[t], &now).unwrap();
    };
    let id = |code: &str| -> i64 {
        conn.query_row("SELECT id FROM dossier WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .unwrap()
    };
    // Three pages of one dossier match: it is listed once.
    for n in 1..=3 {
        page(
            &a.code,
            id(&a.code),
            n,
            "Giấy ra viện — chẩn đoán: viêm phổi, Krông Pắc",
        );
    }
    // More newer pages of another than one search looks at (4 per row).
    for n in 4..=8 {
        page(&b.code, id(&b.code), n, "Bệnh viện đa khoa Krông Búk");
    }
    let codes = |q: SearchQuery| -> Vec<String> {
        search(&conn, &q, today)
            .unwrap()
            .into_iter()
            .map(|s| s.code)
            .collect()
    };
    let q = |text: &str| SearchQuery {
        text: text.into(),
        ..SearchQuery::default()
    };
    assert_eq!(codes(q("krong")), vec![b.code.clone(), a.code.clone()]);
    assert_eq!(codes(q("chan doan")), vec![a.code.clone()]);
    assert_eq!(codes(q("krong pac")), vec![a.code.clone()]);
    assert_eq!(codes(q("KRÔNG BÚ")), vec![b.code.clone()]);
    // a filter applies to the papers' matches as to the names'
    set_status(&conn, &officer(), &a.code, Status::Digitising, "", &now).unwrap();
    let digitising = SearchQuery {
        status: Some(Status::Digitising),
        ..q("krong")
    };
    assert_eq!(codes(digitising), vec![a.code.clone()]);
    let one = SearchQuery {
        limit: Some(1),
        ..q("krong")
    };
    assert_eq!(codes(one), vec![b.code.clone()]);
    // the filter picks among all the matching pages, not the newest few
    let older = SearchQuery {
        status: Some(Status::Digitising),
        limit: Some(1),
        ..q("krong")
    };
    assert_eq!(codes(older), vec![a.code.clone()]);
    // names and papers together, each dossier once
    assert_eq!(codes(q("binh")), vec![b.code.clone()]);
}

#[test]
fn month_figures_count_digitised_and_late_dossiers() {
    let conn = desk_db();
    let now = april_26();
    let a = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now);
    let b = take(&conn, &input("Trần Thị Bình", "001193047065"), &now);
    take(&conn, &input("Lê Văn Cường", "001093047066"), &now);
    set_status(&conn, &officer(), &a.code, Status::Digitising, "", &now).unwrap();
    set_status(&conn, &officer(), &a.code, Status::Digitised, "", &now).unwrap();
    set_status(
        &conn,
        &officer(),
        &b.code,
        Status::Refused,
        "Không thuộc thẩm quyền",
        &now,
    )
    .unwrap();
    let m = month_indicators(&conn, 2024, 4, now.date_naive()).unwrap();
    assert_eq!((m.received, m.digitised, m.late), (3, 1, 0));
    assert_eq!(m.digitised_percent, Some(50.0));
    // A month later, the two open dossiers are past their return date.
    let later = NaiveDate::from_ymd_opt(2024, 5, 31).unwrap();
    assert_eq!(month_indicators(&conn, 2024, 4, later).unwrap().late, 2);
    assert_eq!(month_indicators(&conn, 2024, 5, later).unwrap().received, 0);
    assert!(month_indicators(&conn, 2024, 13, later).is_err());
}

#[test]
fn the_code_pattern_setting_is_checked_and_used() {
    let conn = desk_db();
    let now = april_26();
    assert!(set_code_pattern(&conn, &officer(), "{agency}-{seq:4}", &now).is_err());
    set_code_pattern(&conn, &officer(), "{agency}-{yyyymmdd}-{seq:7}", &now).unwrap();
    let d = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now);
    assert_eq!(d.code, "000.00.00.H41-20240426-0000001");
}

#[test]
fn the_plan_figures_for_tasks_13_14_24_and_25_come_from_dossiers_and_chip_checks() {
    use crate::participants::card_checks::{self, CardCheckInput, Purpose};
    use crate::progress::{Month, auto_indicators};
    let conn = desk_db();
    let now = april_26();
    let april = Month::parse("2024-04").unwrap();
    let today = now.date_naive();
    assert!(auto_indicators(&conn, april, today).unwrap().is_empty());
    let codes: Vec<String> = [
        "001093047064",
        "001193047065",
        "001093047066",
        "001093047067",
    ]
    .iter()
    .map(|id| take(&conn, &input("Nguyễn Văn Đức", id), &now).code)
    .collect();
    set_status(&conn, &officer(), &codes[0], Status::Digitising, "", &now).unwrap();
    set_status(&conn, &officer(), &codes[0], Status::Digitised, "", &now).unwrap();
    set_status(
        &conn,
        &officer(),
        &codes[1],
        Status::Refused,
        "Sai thẩm quyền",
        &now,
    )
    .unwrap();
    let check = |purpose, id: &str, genuine: bool| {
        card_checks::record(
            &conn,
            &officer(),
            &CardCheckInput {
                purpose,
                reader: "Virtual PCD 00 00".into(),
                id_number: id.into(),
                full_name: "Nguyễn Văn Đức".into(),
                verdict: if genuine { "Genuine" } else { "IntegrityOnly" }.into(),
                genuine,
                file_hashes: serde_json::json!({}),
            },
            &now,
        )
        .unwrap();
    };
    check(Purpose::Counter, "001093047064", true);
    check(Purpose::Counter, "001093047065", false);
    check(Purpose::Payment, "001093047066", true);

    let figures = auto_indicators(&conn, april, today).unwrap();
    let of = |n: u32| {
        figures
            .iter()
            .find(|a| a.task_number == n)
            .map(|a| (a.value, a.source.clone()))
    };
    // 1 of the 3 dossiers not refused is digitised
    let (t13, source) = of(13).unwrap();
    assert!((t13 - 33.3).abs() < 1e-9, "{t13}");
    assert_eq!(
        source,
        "Hồ sơ tiếp nhận tháng 04/2024: 4 hồ sơ, 1 đã số hóa (33,3%, không tính hồ sơ bị từ chối)"
    );
    assert_eq!(of(14).unwrap().0, t13);
    // Only the check that proved the card genuine counts for task 24; the
    // amber one (intact data, chip not proven) is named, not counted.
    assert_eq!(
        of(24).unwrap(),
        (
            1.0,
            "Kiểm tra CCCD gắn chip khi tiếp nhận hồ sơ tháng 04/2024: 1 lượt xác thực thẻ thật \
             (không tính 1 lượt thẻ không được xác thực là thẻ thật)"
                .to_owned()
        )
    );
    assert_eq!(of(25).unwrap().0, 1.0);
    assert_eq!(of(21), None, "no participant register");
    // May has nothing of its own
    let may = Month::parse("2024-05").unwrap();
    assert!(auto_indicators(&conn, may, today).unwrap().is_empty());
}

#[test]
fn a_paper_digitised_for_an_earlier_dossier_is_offered_and_reused_not_rescanned() {
    use super::files::{self, FileRecord, FileRole};
    use super::reuse::{self, SourceKind::Component};
    let conn = desk_db();
    let now = april_26();
    let code_for = |id: &str| take(&conn, &input("Nguyễn Văn Đức", id), &now).code;
    let first = code_for("001093047064");
    let pdf = |sha: &str| FileRecord {
        role: FileRole::Assembled,
        sha256: sha.repeat(64),
        file_name: "tp1.pdf".into(),
        media_type: "application/pdf".into(),
        bytes: 1234,
        pages: 2,
        warnings: vec![],
    };
    files::record(&conn, &officer(), &first, 1, &[pdf("a")], &now).unwrap();
    files::record(&conn, &officer(), &first, 2, &[pdf("b")], &now).unwrap();
    // someone else's dossier is never offered
    let other = code_for("001193047065");
    files::record(&conn, &officer(), &other, 1, &[pdf("c")], &now).unwrap();

    let later = at("2024-05-06T10:00:00+07:00");
    let second = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &later).code;
    let offers = reuse::candidates(&conn, &second, 1).unwrap();
    assert_eq!(offers.len(), 1, "{offers:?}");
    assert_eq!(
        (
            offers[0].source_code.as_str(),
            offers[0].source_component,
            offers[0].pages
        ),
        (first.as_str(), 1, 2)
    );
    assert_eq!(offers[0].sha256, "a".repeat(64));
    // component 2 is of another kind: only the first dossier's component 2 fits it
    let offers2 = reuse::candidates(&conn, &second, 2).unwrap();
    assert_eq!(offers2.len(), 1);
    assert_eq!(offers2[0].source_component, 2);

    // a source that does not fit is refused, and nothing is written
    let err =
        reuse::reuse(&conn, &officer(), &second, 1, &first, Component, 2, &later).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Invalid {
                field: "source",
                ..
            }
        ),
        "{err}"
    );
    let err =
        reuse::reuse(&conn, &officer(), &second, 1, &other, Component, 1, &later).unwrap_err();
    assert!(err.to_string().contains("không cùng người nộp"), "{err}");
    assert!(files::list(&conn, &second).unwrap().is_empty());

    let status = reuse::reuse(&conn, &officer(), &second, 1, &first, Component, 1, &later).unwrap();
    assert_eq!(status, Status::Digitising, "component 2 still waits");
    let listed = files::list(&conn, &second).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].component, listed[0].sha256.as_str()),
        (1, "a".repeat(64).as_str())
    );
    // used once: a second time is a conflict
    let err =
        reuse::reuse(&conn, &officer(), &second, 1, &first, Component, 1, &later).unwrap_err();
    assert!(matches!(err, CoreError::Conflict(_)), "{err}");
    assert_eq!(
        reuse::reuse(&conn, &officer(), &second, 2, &first, Component, 2, &later).unwrap(),
        Status::Digitised
    );
    assert_eq!(audited(&conn, "reuse", &second), 2);

    // May: one dossier, and it reused papers
    let may = month_indicators(&conn, 2024, 5, later.date_naive()).unwrap();
    assert_eq!(
        (may.received, may.reused, may.reuse_percent),
        (1, 1, Some(100.0))
    );
    let april = month_indicators(&conn, 2024, 4, later.date_naive()).unwrap();
    assert_eq!((april.reused, april.reuse_percent), (0, Some(0.0)));
}

#[test]
fn a_digitised_result_is_recorded_flagged_reusable_and_offered_for_a_later_dossier() {
    use super::files::{FileRecord, FileRole};
    use super::results;
    use super::reuse::{self, SourceKind};
    let conn = desk_db();
    let now = april_26();
    let pdf = |sha: &str, pages: u32| FileRecord {
        role: FileRole::Assembled,
        sha256: sha.repeat(64),
        file_name: "ket-qua.pdf".into(),
        media_type: "application/pdf".into(),
        bytes: 4321,
        pages,
        warnings: vec![],
    };
    // BHXH.04 (re-issue of the book) gives back a "Sổ BHXH"
    let mut first_input = input("Trần Thị Đào", "001193047065");
    first_input.procedure_code = "BHXH.04".into();
    first_input.received_components = vec![1];
    let first = take(&conn, &first_input, &now).code;
    // not before the dossier is processed, and nothing is written
    let err = results::record(
        &conn,
        &officer(),
        &first,
        "Sổ BHXH",
        true,
        &[pdf("e", 3)],
        &now,
    )
    .unwrap_err();
    assert!(err.to_string().contains("chuyển xử lý"), "{err}");
    assert!(results::list(&conn, &first).unwrap().is_empty());
    set_status(&conn, &officer(), &first, Status::Processing, "", &now).unwrap();
    // a name is needed, and exactly one PDF
    let err =
        results::record(&conn, &officer(), &first, "  ", true, &[pdf("e", 3)], &now).unwrap_err();
    assert!(
        matches!(err, CoreError::Invalid { field: "name", .. }),
        "{err}"
    );
    let err = results::record(&conn, &officer(), &first, "Sổ BHXH", true, &[], &now).unwrap_err();
    assert!(
        matches!(err, CoreError::Invalid { field: "files", .. }),
        "{err}"
    );

    let rec = results::record(
        &conn,
        &officer(),
        &first,
        "  Sổ   BHXH ",
        true,
        &[pdf("e", 3)],
        &now,
    )
    .unwrap();
    assert_eq!((rec.number, rec.status), (1, Status::ResultReady));
    let second_result = results::record(
        &conn,
        &officer(),
        &first,
        "Thẻ BHYT",
        false,
        &[pdf("f", 1)],
        &now,
    )
    .unwrap();
    assert_eq!(
        (second_result.number, second_result.status),
        (2, Status::ResultReady)
    );
    let listed = results::list(&conn, &first).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| (r.number, r.name.as_str(), r.reusable, r.pages))
            .collect::<Vec<_>>(),
        vec![(1, "Sổ BHXH", true, 3), (2, "Thẻ BHYT", false, 1)]
    );
    let sealed = crate::progress::evidence::sealed_in_use(&conn).unwrap();
    assert!(sealed.contains(&"e".repeat(64)) && sealed.contains(&"f".repeat(64)));
    let history = get(&conn, &first).unwrap().events;
    assert!(
        history
            .last()
            .is_some_and(|e| e.to_status == Status::ResultReady && e.note.contains("Sổ BHXH")),
        "{history:?}"
    );

    // A month later she claims the one-off payment (BHXH.12), whose first
    // paper is "Sổ BHXH": the book is offered; the card is not reusable and
    // fits nothing here anyway.
    let later = at("2024-05-27T10:00:00+07:00");
    let mut claim = input("Trần Thị Đào", "001193047065");
    claim.procedure_code = "BHXH.12".into();
    claim.received_components = vec![1, 2];
    let second = take(&conn, &claim, &later).code;
    // Component 1 of `second` from the first dossier's `kind` number 1.
    let reuse_first = |kind| reuse::reuse(&conn, &officer(), &second, 1, &first, kind, 1, &later);
    let offers = reuse::candidates(&conn, &second, 1).unwrap();
    assert_eq!(
        offers
            .iter()
            .map(|o| (o.source_code.as_str(), o.source_kind, o.source_component))
            .collect::<Vec<_>>(),
        vec![(first.as_str(), SourceKind::Result, 1)]
    );
    assert!(reuse::candidates(&conn, &second, 2).unwrap().is_empty());

    // unflagged, it is no longer offered; flagged again, it is
    results::set_reusable(&conn, &officer(), &first, 1, false, &later).unwrap();
    assert!(reuse::candidates(&conn, &second, 1).unwrap().is_empty());
    let err = reuse_first(SourceKind::Result).unwrap_err();
    assert!(err.to_string().contains("đánh dấu dùng lại"), "{err}");
    results::set_reusable(&conn, &officer(), &first, 1, true, &later).unwrap();
    let err = results::set_reusable(&conn, &officer(), &first, 9, true, &later).unwrap_err();
    assert!(matches!(err, CoreError::NotFound { .. }), "{err}");
    // the component kind does not name the result: asking for component 1 is refused
    let err = reuse_first(SourceKind::Component).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Invalid {
                field: "source",
                ..
            }
        ),
        "{err}"
    );

    let status = reuse_first(SourceKind::Result).unwrap();
    assert_eq!(status, Status::Digitising, "component 2 still waits");
    let files = super::files::list(&conn, &second).unwrap();
    assert_eq!(
        (files[0].component, files[0].sha256.as_str(), files[0].pages),
        (1, "e".repeat(64).as_str(), 3)
    );
    let kind: String = conn
        .query_row(
            "SELECT source_kind FROM dossier_reuse u JOIN dossier d ON d.id = u.dossier_id
             WHERE d.code = ?1",
            [&second],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kind, "result");
    assert_eq!(audited(&conn, "digitise_result", &first), 2);

    // April: one dossier, its result ready and digitised; May: the reuse
    let april = month_indicators(&conn, 2024, 4, later.date_naive()).unwrap();
    assert_eq!(
        (
            april.results,
            april.results_digitised,
            april.results_digitised_percent
        ),
        (1, 1, Some(100.0))
    );
    let may = month_indicators(&conn, 2024, 5, later.date_naive()).unwrap();
    assert_eq!(
        (may.reused, may.results, may.results_digitised_percent),
        (1, 0, None)
    );
}

#[test]
fn a_covered_part_goes_to_the_first_component_handed_in_without_a_pdf() {
    use super::inbox::{Destination, destination};
    let conn = desk_db();
    let now = april_26();
    let code = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now).code;
    let d = get(&conn, &code).unwrap();
    // Components 1 and 2 were handed in.
    let to = |digitised: &[u32]| match destination(&code, Some(d.clone()), digitised) {
        Destination::File { component, .. } => Ok(component),
        Destination::Triage { reason, code_read } => {
            assert_eq!(code_read.as_deref(), Some(code.as_str()));
            Err(reason)
        }
    };
    assert_eq!(to(&[]), Ok(1));
    assert_eq!(to(&[1]), Ok(2));
    let full = to(&[1, 2]).unwrap_err();
    assert!(full.contains("đã số hóa đủ"), "{full}");
    // A code the office does not have.
    assert_eq!(
        destination("X-1", None, &[]),
        Destination::Triage {
            reason: "Mã hồ sơ X-1 trên trang bìa không có trong dữ liệu của đơn vị.".into(),
            code_read: Some("X-1".into()),
        }
    );
    // A dossier already handed back is not digitised further.
    let mut done = d.clone();
    done.status = Status::Returned;
    match destination(&code, Some(done), &[]) {
        Destination::Triage { reason, .. } => {
            assert!(reason.contains("không số hóa thêm"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pages_move_between_components_of_one_dossier_and_a_component_left_empty_is_not_digitised() {
    use super::files::{self, FileRecord, FileRole};
    use super::pages::{self, Move, PageRef};
    let conn = desk_db();
    let now = april_26();
    let code = take(&conn, &input("Nguyễn Văn Đức", "001093047064"), &now).code;
    let other = take(&conn, &input("Trần Thị Mai", "001193047065"), &now).code;
    let file = |role: FileRole, sha: &str, pages: u32| FileRecord {
        role,
        sha256: sha.repeat(64),
        file_name: "tp.pdf".into(),
        media_type: if role == FileRole::Original {
            "image/jpeg".into()
        } else {
            "application/pdf".into()
        },
        bytes: 1234,
        pages,
        warnings: vec![],
    };
    // A batch of five pages fed into component 1 (one scan file, five pages).
    let status = files::record(
        &conn,
        &officer(),
        &code,
        1,
        &[
            file(FileRole::Original, "1", 5),
            file(FileRole::Assembled, "a", 5),
        ],
        &now,
    )
    .unwrap();
    assert_eq!(status, Status::Digitising);
    let v1 = "a".repeat(64);
    let scan = |page| PageRef {
        sha256: "1".repeat(64),
        page,
        rotate: 0,
    };
    let mv = |from, pages: &[u32], to, at, from_sha: &str, to_sha: Option<&str>| Move {
        from,
        pages: pages.to_vec(),
        to,
        at,
        from_sha256: from_sha.into(),
        to_sha256: to_sha.map(str::to_owned),
    };
    let err = |m: &Move| pages::plan_move(&conn, &code, m).unwrap_err().to_string();

    // Refused, with the reason: the same component, one this dossier has
    // not (another dossier's is out of reach: components are this one's),
    // pages not there or named twice, a place past the end.
    assert!(err(&mv(1, &[3], 1, None, &v1, None)).contains("thành phần khác"));
    assert!(err(&mv(1, &[3], 42, None, &v1, None)).contains("không có thành phần số 42"));
    assert!(err(&mv(1, &[], 2, None, &v1, None)).contains("Chưa chọn trang"));
    assert!(err(&mv(1, &[6], 2, None, &v1, None)).contains("Không có trang 6"));
    assert!(err(&mv(1, &[0], 2, None, &v1, None)).contains("Không có trang 0"));
    assert!(err(&mv(1, &[3, 4, 3], 2, None, &v1, None)).contains("hai lần"));
    assert!(err(&mv(1, &[3], 2, Some(2), &v1, None)).contains("vị trí 2"));
    assert!(err(&mv(2, &[1], 1, None, &v1, None)).contains("chưa được số hóa"));
    // A version seen elsewhere (the other dossier's PDF) is not this one's.
    files::record(
        &conn,
        &officer(),
        &other,
        2,
        &[file(FileRole::Assembled, "f", 1)],
        &now,
    )
    .unwrap();
    let e = pages::plan_move(
        &conn,
        &code,
        &mv(1, &[3], 2, None, &v1, Some(&"f".repeat(64))),
    )
    .unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "{e}");
    assert!(err(&mv(1, &[3], 2, None, &"f".repeat(64), None)).contains("vừa được số hóa lại"));

    // Pages 3–5 to component 2, which had none: both new versions at once,
    // the dossier now digitised (both components handed in have a PDF).
    let m = mv(1, &[3, 4, 5], 2, None, &v1, None);
    let (plan, status) = pages::record_move(
        &conn,
        &officer(),
        &code,
        &m,
        Some(&file(FileRole::Assembled, "b", 2)),
        &file(FileRole::Assembled, "c", 3),
        &now,
    )
    .unwrap();
    assert_eq!(status, Status::Digitised);
    assert_eq!(plan.from_after, vec![scan(1), scan(2)]);
    let one = pages::layout(&conn, &code, 1).unwrap();
    let two = pages::layout(&conn, &code, 2).unwrap();
    assert_eq!(
        (one.sha256.as_str(), one.pages),
        ("b".repeat(64).as_str(), vec![scan(1), scan(2)])
    );
    assert_eq!(
        two.pages,
        vec![scan(3), scan(4), scan(5)],
        "the scan stays under component 1"
    );
    assert_eq!(audited(&conn, "move_pages", &code), 1);
    // The scans stay recorded where they were scanned.
    let originals: Vec<u32> = files::list(&conn, &code)
        .unwrap()
        .into_iter()
        .filter(|f| f.role == "original")
        .map(|f| f.component)
        .collect();
    assert_eq!(originals, vec![1]);

    // The same move again, from the version seen before: stale, nothing written.
    let e = pages::record_move(
        &conn,
        &officer(),
        &code,
        &m,
        Some(&file(FileRole::Assembled, "d", 2)),
        &file(FileRole::Assembled, "e", 3),
        &now,
    )
    .unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "{e}");
    // Component 2 has a PDF now: a move that says it had none is stale too.
    let e =
        pages::plan_move(&conn, &code, &mv(1, &[1], 2, None, &"b".repeat(64), None)).unwrap_err();
    assert!(matches!(e, CoreError::Conflict(_)), "{e}");
    // The PDF sent must have the pages of the new layout.
    let e = pages::record_move(
        &conn,
        &officer(),
        &code,
        &mv(1, &[1], 2, None, &"b".repeat(64), Some(&"c".repeat(64))),
        None,
        &file(FileRole::Assembled, "e", 4),
        &now,
    )
    .unwrap_err();
    assert!(e.to_string().contains("đúng số trang"), "{e}");

    // Every page of component 2 back to the front of component 1: component
    // 2 is left with no PDF, so not digitised, and the dossier goes back to
    // digitising.
    let (plan, status) = pages::record_move(
        &conn,
        &officer(),
        &code,
        &mv(
            2,
            &[1, 2, 3],
            1,
            Some(1),
            &"c".repeat(64),
            Some(&"b".repeat(64)),
        ),
        None,
        &file(FileRole::Assembled, "g", 5),
        &now,
    )
    .unwrap();
    assert_eq!(status, Status::Digitising);
    assert!(plan.from_after.is_empty());
    assert_eq!(
        pages::layout(&conn, &code, 1).unwrap().pages,
        vec![scan(3), scan(4), scan(5), scan(1), scan(2)]
    );
    let e = pages::layout(&conn, &code, 2).unwrap_err();
    assert!(e.to_string().contains("chưa được số hóa"), "{e}");
    assert_eq!(files::digitised(&conn, &code).unwrap(), vec![1]);
    let current: Vec<_> = signed::current(&conn, &code)
        .unwrap()
        .into_iter()
        .map(|c| c.item)
        .collect();
    assert_eq!(current, vec![signed::Item::Component(1)]);
    assert_eq!(get(&conn, &code).unwrap().status, Status::Digitising);
    // It can be digitised again, as any component without a PDF.
    let status = files::record(
        &conn,
        &officer(),
        &code,
        2,
        &[
            file(FileRole::Original, "2", 1),
            file(FileRole::Assembled, "h", 1),
        ],
        &now,
    )
    .unwrap();
    assert_eq!(status, Status::Digitised);
    assert_eq!(pages::layout(&conn, &code, 2).unwrap().pages.len(), 1);

    // Not into a PDF received whole, and not once the dossier moved on.
    files::record(
        &conn,
        &officer(),
        &code,
        2,
        &[file(FileRole::Assembled, "r", 3)],
        &now,
    )
    .unwrap();
    let whole = mv(1, &[1], 2, None, &"g".repeat(64), Some(&"r".repeat(64)));
    assert!(err(&whole).contains("nhận nguyên bản"));
    assert!(
        err(&mv(
            2,
            &[1],
            1,
            None,
            &"r".repeat(64),
            Some(&"g".repeat(64))
        ))
        .contains("nhận nguyên bản")
    );
    set_status(&conn, &officer(), &code, Status::Processing, "", &now).unwrap();
    let m = mv(1, &[1], 2, None, &"g".repeat(64), None);
    let e = pages::plan_move(&conn, &code, &m).unwrap_err();
    assert!(e.to_string().contains("không số hóa thêm"), "{e}");
    assert_eq!(audited(&conn, "move_pages", &code), 2);
}
