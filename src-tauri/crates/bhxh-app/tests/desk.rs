//! The desk end to end below the UI: a real SQLCipher file and the real OS
//! keyring (Secret Service). Run under `scripts/with-keyring.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_app::dto::OfficeInput;
use bhxh_app::dto::{NewStaff, Role};
use bhxh_app::{Desk, DeskError, KEYRING_SERVICE, SetupInput};
use bhxh_secrets::{Key256, Keyring};

mod common;
use common::{ADMIN_PW, ManualClock, add_staff, desk_for, hoa_binh};

/// The Hòa Bình office with its address.
fn office() -> OfficeInput {
    OfficeInput {
        address: "Phường Phương Lâm, thành phố Hòa Bình".into(),
        ..hoa_binh()
    }
}

fn setup_input() -> SetupInput {
    common::setup_input(office())
}

/// A clock the test moves by hand, from 4 March 2024, 08:00.
fn manual_clock() -> ManualClock {
    ManualClock::at("2024-03-04T08:00:00+07:00")
}

fn ready_desk(dir: &std::path::Path) -> Desk {
    let desk = Desk::open(dir).unwrap();
    desk.setup(&setup_input()).unwrap();
    desk
}

#[test]
fn first_start_creates_an_encrypted_store_with_the_seeded_plan() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).unwrap();
    assert_eq!(desk.status().unwrap().stage, "needs_setup");
    assert!(matches!(
        desk.sign_in("quantri", ADMIN_PW),
        Err(DeskError::NotSetUp)
    ));
    desk.setup(&setup_input()).unwrap();
    let status = desk.status().unwrap();
    assert_eq!(status.stage, "ready");
    assert_eq!(status.office.unwrap().province_name, "Hòa Bình");
    assert!(matches!(
        desk.setup(&setup_input()),
        Err(DeskError::AlreadySetUp)
    ));

    // The plan needs a session.
    assert!(matches!(desk.plan(), Err(DeskError::NotSignedIn)));
    let info = desk.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(info.full_name, "Đặng Thị Hương");
    assert_eq!(info.role, Role::Administrator);
    let plan = desk.plan().unwrap();
    assert_eq!(plan.tasks.len(), 27);
    assert_eq!(plan.sections.len(), 9);
    assert_eq!(plan.decision, "147/QĐ-BHXH");

    // Spot checks against the text of Decision 147/QĐ-BHXH.
    let t1 = &plan.tasks[0];
    assert_eq!(t1.lead_unit, "Trung tâm CNTT");
    assert_eq!(t1.deadline_text, "Tháng 02/2024");
    assert_eq!(t1.deadline.as_deref(), Some("2024-02-29"));
    assert!(
        t1.content
            .starts_with("Tham mưu tổ chức Hội nghị toàn Ngành")
    );
    let t13 = &plan.tasks[12];
    assert_eq!(t13.section, 6);
    assert_eq!(t13.target.as_ref().map(|t| t.value), Some(100.0));
    // Item 21 lost its number in the text: it is the provinces' own task.
    let t21 = &plan.tasks[20];
    assert_eq!(t21.number, 21);
    assert!(!t21.number_in_source);
    assert_eq!(t21.section, 7);
    assert_eq!(t21.lead_unit, "BHXH các tỉnh");
    assert_eq!(t21.province_role, "lead");
    assert!(
        t21.content
            .contains("xác minh thông tin số định danh cá nhân")
    );
    // Item 20: connection to the EMC measurement system, due 3/2024.
    let t20 = &plan.tasks[19];
    assert!(!t20.number_in_source);
    assert!(t20.content.contains("(EMC)"));
    assert_eq!(t20.deadline_text, "Tháng 3/2024");
    // Item 24: chip-card devices at the reception desks, section 8.
    let t24 = &plan.tasks[23];
    assert_eq!(t24.section, 8);
    assert!(!t24.number_in_source);
    let t16 = &plan.tasks[15];
    assert_eq!(t16.target.as_ref().map(|t| t.value), Some(68.0));
    desk.sign_out().unwrap();
    drop(desk);

    // No plaintext on disk: neither seeded Vietnamese text nor names.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for needle in [
            "Hội nghị toàn Ngành",
            "Đặng Thị Hương",
            "Trung tâm CNTT",
            "quantri",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle:?} in plaintext in {}",
                path.display()
            );
        }
    }
    // desk.json names the keyring entry and holds no secret.
    let meta = std::fs::read_to_string(dir.path().join("desk.json")).unwrap();
    assert!(meta.contains("store_id"));
    assert!(!meta.to_lowercase().contains("key\":"));

    // Reopening keeps everything.
    let desk = Desk::open(dir.path()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(desk.plan().unwrap().tasks.len(), 27);
}

/// The reasons the audit log gives for the refused sign-ins of `username`,
/// oldest first (`lock` for the attempt that locked the account).
fn refusals(desk: &Desk, username: &str) -> Vec<String> {
    let conn = desk.store().conn().unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT action, detail FROM audit_log
             WHERE actor_username = ?1 AND action IN ('sign_in_failed', 'lock') ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([username], |r| {
        let action: String = r.get(0)?;
        let detail: String = r.get(1)?;
        let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
        Ok(format!("{action}:{}", detail["reason"].as_str().unwrap()))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn every_refused_sign_in_looks_the_same_and_the_log_knows_why() {
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let desk = Desk::open_with_clock(dir.path(), clock.clock()).unwrap();
    desk.setup(&setup_input()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    add_staff(
        &desk,
        "nghiviec",
        "Lò Văn Pâng",
        Role::CounterOfficer,
        "Nghi-viec-2024",
    );
    desk.sign_out().unwrap();
    desk.store()
        .conn()
        .unwrap()
        .execute(
            "UPDATE staff SET active = 0 WHERE username = 'nghiviec'",
            [],
        )
        .unwrap();

    // What a prober sees of a wrong password, an unknown name, and a
    // disabled account with its right password: the same, to the byte.
    let wrong = desk
        .sign_in("quantri", "sai-mat-khau-1")
        .unwrap_err()
        .info();
    assert_eq!(wrong.code.as_str(), "bad_credentials");
    assert_eq!(
        wrong.message,
        "Không đăng nhập được: tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang bị khóa."
    );
    assert!(
        wrong
            .hint
            .contains("Sau 5 lần nhập sai liên tiếp, tài khoản bị tạm khóa 15 phút")
    );
    let unknown = desk
        .sign_in("khongco", "sai-mat-khau-1")
        .unwrap_err()
        .info();
    let disabled = desk
        .sign_in("nghiviec", "Nghi-viec-2024")
        .unwrap_err()
        .info();
    assert_eq!(unknown, wrong);
    assert_eq!(disabled, wrong);

    // The cheapest probe of a name: fail it until it would lock, then see
    // whether the answer changes. It never does, not even for the right
    // password of the now locked account; and no "tries left" either.
    for _ in 0..3 {
        assert_eq!(desk.sign_in("quantri", "sai").unwrap_err().info(), wrong);
        assert_eq!(desk.sign_in("khongco", "sai").unwrap_err().info(), wrong);
    }
    assert_eq!(desk.sign_in("quantri", "sai").unwrap_err().info(), wrong);
    assert_eq!(desk.sign_in("quantri", ADMIN_PW).unwrap_err().info(), wrong);
    assert_eq!(desk.sign_in("quantri", "sai").unwrap_err().info(), wrong);
    // The lock holds its 15 minutes (attempts while locked do not extend
    // it, or anyone could keep the administrator out for ever).
    clock.advance(14 * 60);
    assert_eq!(desk.sign_in("quantri", ADMIN_PW).unwrap_err().info(), wrong);
    clock.advance(2 * 60);
    let session = desk.sign_in("quantri", ADMIN_PW).unwrap();
    // The owner learns what happened: the wrong tries and the tries while
    // locked since their last sign-in.
    assert_eq!(session.failed_sign_ins_since_last, 8);
    assert!(session.previous_sign_in.is_some());

    // The log says why, each time.
    assert_eq!(
        refusals(&desk, "quantri"),
        [
            "sign_in_failed:bad_password",
            "sign_in_failed:bad_password",
            "sign_in_failed:bad_password",
            "sign_in_failed:bad_password",
            "lock:bad_password",
            "sign_in_failed:locked",
            "sign_in_failed:locked",
            "sign_in_failed:locked",
        ]
    );
    assert_eq!(
        refusals(&desk, "khongco"),
        ["sign_in_failed:unknown_user"; 4]
    );
    assert_eq!(refusals(&desk, "nghiviec"), ["sign_in_failed:disabled"]);
    // Nothing in the log tells whether a password tried on a locked account
    // was the right one (the log's readers could use it to guess past the lock).
    let conn = desk.store().conn().unwrap();
    let leaks: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE detail LIKE '%correct%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaks, 0);
    drop(conn);
    // A second sign-in with nothing in between: nothing to report.
    let again = desk.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(again.failed_sign_ins_since_last, 0);
}

#[test]
fn a_refused_sign_in_takes_as_long_whatever_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let desk = Desk::open_with_clock(dir.path(), clock.clock()).unwrap();
    desk.setup(&setup_input()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    add_staff(
        &desk,
        "khoa",
        "Hà Văn Khóa",
        Role::CounterOfficer,
        "Tai-khoan-khoa-1",
    );
    add_staff(
        &desk,
        "nghiviec",
        "Lò Văn Pâng",
        Role::CounterOfficer,
        "Nghi-viec-2024",
    );
    desk.sign_out().unwrap();
    let conn = desk.store().conn().unwrap();
    conn.execute(
        "UPDATE staff SET active = 0 WHERE username = 'nghiviec'",
        [],
    )
    .unwrap();
    conn.execute(
        "UPDATE staff SET locked_until = '2099-01-01T00:00:00+07:00' WHERE username = 'khoa'",
        [],
    )
    .unwrap();
    drop(conn);
    // The fastest of several tries of each case, the cases taken in turn
    // (the machine is shared: a burst of load then slows them all alike).
    // An unknown name, a locked or a disabled account each cost one argon2
    // verification, as a wrong password does. Before, locked and disabled
    // accounts returned at once: a prober timed the answer.
    // (The fifth wrong password locks `quantri`; that attempt costs the same.)
    let cases = [
        ("wrong password", "quantri", "sai-mat-khau-1"),
        ("unknown", "khongco-ai", "sai-mat-khau-1"),
        ("locked", "khoa", "Tai-khoan-khoa-1"),
        ("disabled", "nghiviec", "Nghi-viec-2024"),
    ];
    let mut fastest = [std::time::Duration::MAX; 4];
    for _ in 0..7 {
        for (i, (_, user, pw)) in cases.iter().enumerate() {
            let t = std::time::Instant::now();
            assert!(desk.sign_in(user, pw).is_err());
            fastest[i] = fastest[i].min(t.elapsed());
        }
    }
    let wrong = fastest[0];
    for (i, (case, _, _)) in cases.iter().enumerate().skip(1) {
        let ratio = fastest[i].as_secs_f64() / wrong.as_secs_f64();
        assert!(
            (0.4..2.5).contains(&ratio),
            "{case}: {:?} against {wrong:?} for a wrong password",
            fastest[i]
        );
    }
}

#[test]
fn idle_sessions_are_signed_out_and_roles_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let desk = desk_for(dir.path(), Some(clock.clock()), office());
    let clerk = desk
        .staff_create(
            &NewStaff {
                username: "tiepnhan1".into(),
                full_name: "Lê Văn Đức".into(),
                role: Role::CounterOfficer,
            },
            "Tiepnhan-2024x",
        )
        .unwrap();
    assert_eq!(clerk.role, Role::CounterOfficer);
    assert_eq!(desk.staff_list().unwrap().len(), 2);

    // 14 minutes idle is fine, and counts as activity.
    clock.advance(14 * 60);
    desk.plan().unwrap();
    clock.advance(16 * 60);
    let err = desk.plan().unwrap_err();
    assert_eq!(err.code(), "session_expired");
    assert!(desk.session().is_none());

    desk.sign_in("tiepnhan1", "Tiepnhan-2024x").unwrap();
    desk.plan().unwrap();
    let err = desk.staff_list().unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert!(err.to_string().contains("Quản trị hệ thống"));
    let err = desk
        .backup(&dir.path().join("x.bak"), "mot-mat-khau-dai")
        .unwrap_err();
    assert_eq!(err.code(), "forbidden");
}

#[test]
fn an_administrator_edits_the_procedure_catalogue_and_it_stays_edited() {
    use bhxh_app::dto::{ComponentInput, ProcedureEdit};
    let dir = tempfile::tempdir().unwrap();
    let code;
    {
        let desk = ready_desk(dir.path());
        desk.sign_in("quantri", ADMIN_PW).unwrap();
        let first = desk.procedures().unwrap().remove(0);
        code = first.code.clone();
        let mut components: Vec<ComponentInput> = first
            .components
            .iter()
            .map(|c| ComponentInput {
                name: c.name.clone(),
                copies: c.copies,
                original: c.original,
            })
            .collect();
        components.push(ComponentInput {
            name: "Bản sao thẻ Căn cước".into(),
            copies: 1,
            original: false,
        });
        let edit = ProcedureEdit {
            name: first.name.clone(),
            processing_days: first.processing_days + 2,
            components,
        };
        let updated = desk.procedure_update(&code, &edit).unwrap();
        assert_eq!(updated.processing_days, first.processing_days + 2);
        assert_eq!(updated.components.len(), first.components.len() + 1);

        // A counter officer may read the catalogue but not change it.
        add_staff(
            &desk,
            "tiepnhan2",
            "Phạm Thu Trang",
            Role::CounterOfficer,
            "Tiepnhan-2024y",
        );
        desk.sign_out().unwrap();
        desk.sign_in("tiepnhan2", "Tiepnhan-2024y").unwrap();
        assert_eq!(
            desk.procedure_update(&code, &edit).unwrap_err().code(),
            "forbidden"
        );
    }
    // Reopened from the encrypted file: the edit is there, on the record.
    let desk = Desk::open(dir.path()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let p = desk
        .procedures()
        .unwrap()
        .into_iter()
        .find(|p| p.code == code)
        .unwrap();
    assert_eq!(p.components.last().unwrap().name, "Bản sao thẻ Căn cước");
    let log = desk.audit_list(50, None).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "update" && e.entity == "procedure" && e.entity_id == code)
    );
    assert!(desk.check().unwrap().ok);
}

#[test]
fn db_check_detects_an_edited_or_deleted_audit_entry() {
    let dir = tempfile::tempdir().unwrap();
    let desk = ready_desk(dir.path());
    for _ in 0..3 {
        desk.sign_in("quantri", ADMIN_PW).unwrap();
        desk.staff_list().unwrap();
        desk.sign_out().unwrap();
    }
    let report = desk.check().unwrap();
    assert!(report.ok, "{report:?}");
    assert!(report.audit_entries >= 10);
    let conn = desk.store().conn().unwrap();

    // Edit one entry's detail.
    let detail: String = conn
        .query_row("SELECT detail FROM audit_log WHERE seq = 5", [], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute(
        "UPDATE audit_log SET detail = '{\"x\":1}' WHERE seq = 5",
        [],
    )
    .unwrap();
    let report = desk.check().unwrap();
    assert!(!report.ok);
    assert!(
        report.audit_problems.iter().any(|p| p.contains("mục 5")),
        "{report:?}"
    );
    conn.execute("UPDATE audit_log SET detail = ?1 WHERE seq = 5", [&detail])
        .unwrap();
    assert!(desk.check().unwrap().ok);

    // Delete an entry in the middle.
    let row: (String, String, String, String, String, String, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT at, actor_username, action, entity, entity_id, detail, prev_hash, hash FROM audit_log WHERE seq = 6",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )
        .unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq = 6", [])
        .unwrap();
    let report = desk.check().unwrap();
    assert!(!report.ok);
    assert!(
        report
            .audit_problems
            .iter()
            .any(|p| p.contains("đã bị xóa")),
        "{report:?}"
    );
    let _ = row;

    // Delete the newest entry (the head no longer matches).
    let dir2 = tempfile::tempdir().unwrap();
    let desk2 = ready_desk(dir2.path());
    desk2.sign_in("quantri", ADMIN_PW).unwrap();
    desk2.sign_out().unwrap();
    assert!(desk2.check().unwrap().ok);
    desk2
        .store()
        .conn()
        .unwrap()
        .execute(
            "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
            [],
        )
        .unwrap();
    let report = desk2.check().unwrap();
    assert!(!report.ok);
    assert!(
        report
            .audit_problems
            .iter()
            .any(|p| p.contains("mốc đầu chuỗi")),
        "{report:?}"
    );
}

#[test]
fn a_wrong_or_missing_key_in_the_keyring_is_reported_with_a_way_out() {
    let dir = tempfile::tempdir().unwrap();
    drop(ready_desk(dir.path()));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("desk.json")).unwrap())
            .unwrap();
    let key_name = format!("db-key:{}", meta["store_id"].as_str().unwrap());
    let keyring = Keyring::open_native(KEYRING_SERVICE).unwrap();
    let good = keyring.get_key(&key_name).unwrap().unwrap();

    keyring
        .put_key(&key_name, &Key256::generate().unwrap())
        .unwrap();
    let err = Desk::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "wrong_key");
    assert!(err.to_string().contains("Khóa giải mã không khớp"));
    assert!(err.hint().contains("bhxh-desk db restore"));

    keyring.delete(&key_name).unwrap();
    let err = Desk::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "key_missing");
    assert!(err.to_string().contains("Không tìm thấy khóa giải mã"));

    keyring.put_key(&key_name, &good).unwrap();
    Desk::open(dir.path()).unwrap();
}

#[test]
fn backup_restores_on_a_new_machine_and_over_the_live_store() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("sao-luu.bhxhbak");
    let desk = ready_desk(&dir.path().join("office"));
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let err = desk.backup(&backup, "ngan").unwrap_err();
    assert_eq!(err.field(), Some("passphrase"));
    desk.backup(&backup, "mat-khau-sao-luu-2024").unwrap();
    add_staff(
        &desk,
        "sau.saoluu",
        "Người Sau",
        Role::Supervisor,
        "Saosaoluu-2024",
    );
    desk.sign_out().unwrap();
    drop(desk);

    // Wrong passphrase: nothing happens.
    let fresh = dir.path().join("new-pc");
    let err = Desk::restore(&fresh, &backup, "sai-mat-khau-sao-luu", None).unwrap_err();
    assert_eq!(err.code(), "bad_backup");
    assert!(!fresh.join("desk.db").exists());

    // A new machine: a new key in its keyring, the data of the backup.
    let (restored, _) = Desk::restore(&fresh, &backup, "mat-khau-sao-luu-2024", None).unwrap();
    assert!(restored.check().unwrap().ok);
    restored.sign_in("quantri", ADMIN_PW).unwrap();
    let names: Vec<String> = restored
        .staff_list()
        .unwrap()
        .into_iter()
        .map(|s| s.username)
        .collect();
    assert_eq!(names, vec!["quantri".to_owned()]);
    drop(restored);

    // Over the live store: an administrator must confirm.
    let office = dir.path().join("office");
    let err = Desk::restore(&office, &backup, "mat-khau-sao-luu-2024", None).unwrap_err();
    assert_eq!(err.code(), "not_signed_in");
    let (back, _) = Desk::restore(
        &office,
        &backup,
        "mat-khau-sao-luu-2024",
        Some(("quantri", ADMIN_PW)),
    )
    .unwrap();
    back.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(back.staff_list().unwrap().len(), 1);
    assert!(back.check().unwrap().ok);
}

#[test]
fn progress_is_entered_approved_by_a_supervisor_and_frozen_on_disk() {
    use bhxh_app::dto::{ProgressInput, TaskStatus as Status};
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    {
        let desk = desk_for(dir.path(), Some(clock.clock()), office());
        for (user, name, role) in [
            ("giamsat", "Vũ Minh Đạt", Role::Supervisor),
            ("tiepnhan3", "Hà Thu Hằng", Role::CounterOfficer),
        ] {
            add_staff(&desk, user, name, role, "Mat-khau-2024z");
        }
        let month = bhxh_core::progress::Month::of(&clock.now()).to_string();
        let input = ProgressInput {
            task_number: 21,
            status: Status::InProgress,
            percent: 64,
            indicator_value: Some(64.0),
            narrative: "Đã xác thực 64% số người tham gia với CSDL quốc gia về dân cư.".into(),
            override_reason: None,
        };
        // The administrator may enter progress but not approve.
        desk.progress_save(&month, &input).unwrap();
        assert_eq!(
            desk.report_approve("month", &month, "15/BC-BHXH")
                .unwrap_err()
                .code(),
            "forbidden"
        );
        desk.sign_out().unwrap();
        // A counter officer may look but not enter.
        desk.sign_in("tiepnhan3", "Mat-khau-2024z").unwrap();
        assert_eq!(desk.progress_month(&month).unwrap().entries.len(), 1);
        assert_eq!(
            desk.progress_save(&month, &input).unwrap_err().code(),
            "forbidden"
        );
        desk.sign_out().unwrap();
        // The supervisor approves; the month is frozen.
        desk.sign_in("giamsat", "Mat-khau-2024z").unwrap();
        let snap = desk.report_approve("month", &month, "15/BC-BHXH").unwrap();
        assert_eq!(snap.approved_by, "Vũ Minh Đạt");
        let err = desk.progress_save(&month, &input).unwrap_err();
        assert_eq!(err.code(), "conflict");
        assert!(err.to_string().contains("đã được duyệt"), "{err}");
        assert_eq!(
            desk.report_approve("half", "2024-H3", "x")
                .unwrap_err()
                .field(),
            Some("period")
        );
    }
    // Reopened from the encrypted file: still frozen, same snapshot.
    let desk = Desk::open_with_clock(dir.path(), clock.clock()).unwrap();
    desk.sign_in("giamsat", "Mat-khau-2024z").unwrap();
    let month = bhxh_core::progress::Month::of(&clock.now()).to_string();
    let m = desk.progress_month(&month).unwrap();
    assert!(m.frozen);
    assert_eq!(m.revisions.len(), 1);
    let current = desk.report_current("month", &month).unwrap();
    assert_eq!(current.number, "15/BC-BHXH");
    let t21 = current.rows.iter().find(|r| r.task_number == 21).unwrap();
    assert_eq!(t21.progress.as_ref().unwrap().percent, 64);
    assert!(desk.check().unwrap().ok);
}

#[test]
fn task_21_is_filled_from_the_register_and_only_a_supervisor_overrides_it() {
    use bhxh_app::dto::ImportMode;
    use bhxh_app::dto::{ProgressInput, TaskStatus as Status};
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let desk = desk_for(dir.path(), Some(clock.clock()), office());
    add_staff(
        &desk,
        "giamsat",
        "Vũ Minh Đạt",
        Role::Supervisor,
        "Mat-khau-2024z",
    );
    let csv = "Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số định danh\n\
               1701234567,Trần Thị Gấm,05/06/1975,Nữ,017175012345\n\
               1701234569,Đỗ Văn Hùng,07/08/1988,Nam,017088012345\n";
    let out = desk
        .participants_import_bytes(
            "ds.csv",
            csv.as_bytes(),
            None,
            ImportMode::AllOrNothing,
            false,
        )
        .unwrap();
    assert!(out.report.unwrap().imported);
    desk.participant_verify_manual("1701234567", "Đối chiếu với thẻ CCCD bản gốc")
        .unwrap();
    let month = bhxh_core::progress::Month::of(&clock.now()).to_string();
    let m = desk.progress_month(&month).unwrap();
    let auto = m.auto.iter().find(|a| a.task_number == 21).unwrap();
    assert_eq!(auto.value, 50.0);
    assert!(auto.source.contains("1/2"), "{}", auto.source);

    let mut input = ProgressInput {
        task_number: 21,
        status: Status::InProgress,
        percent: 50,
        indicator_value: Some(50.0),
        narrative: String::new(),
        override_reason: None,
    };
    // The automatic figure: anyone who enters progress may take it.
    assert_eq!(
        desk.progress_save(&month, &input).unwrap().auto_value,
        Some(50.0)
    );
    // A different figure: not the administrator; the supervisor with a reason.
    input.indicator_value = Some(60.0);
    assert_eq!(
        desk.progress_save(&month, &input).unwrap_err().code(),
        "forbidden"
    );
    desk.sign_out().unwrap();
    desk.sign_in("giamsat", "Mat-khau-2024z").unwrap();
    let err = desk.progress_save(&month, &input).unwrap_err();
    assert_eq!(err.field(), Some("overrideReason"));
    input.override_reason = Some("Có thêm 10% đã xác thực tại điểm thu chưa nhập".into());
    let saved = desk.progress_save(&month, &input).unwrap();
    assert_eq!(
        (saved.indicator_value, saved.auto_value),
        (Some(60.0), Some(50.0))
    );
    let log = desk.audit_list(5, None).unwrap();
    assert!(log[0].detail.contains("Có thêm 10%"), "{}", log[0].detail);
}
