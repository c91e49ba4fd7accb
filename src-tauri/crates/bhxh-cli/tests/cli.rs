//! The command line as IT staff and scripts use it: the real binary, a real
//! store and the real Secret Service (run under `scripts/with-keyring.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;
use std::process::Command;
use std::process::Output;

mod common;
use common::{
    ADMIN_PW, AUTH, BIN, cli, cli_env, code_of, init, init_args, json, new_dossier, ok_json,
    scan_jpeg, text,
};

#[test]
fn init_then_plan_list_gives_the_27_tasks_as_json() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = cli(dir.path(), &["plan", "list", "--json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tasks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tasks.len(), 27);
    assert_eq!(tasks[20]["number"], 21);
    assert_eq!(tasks[20]["leadUnit"], "BHXH các tỉnh");
    assert_eq!(tasks[20]["provinceRole"], "lead");
    assert_eq!(tasks[18]["deadlineText"], "Tháng 4/2024");
    assert_eq!(tasks[18]["numberInSource"], false);
    assert_eq!(tasks[7]["target"]["value"], 100.0);

    // Human output is Vietnamese with the sections.
    let out = cli(dir.path(), &["plan", "list"], "");
    let s = text(&out.stdout);
    assert!(s.contains("Nghiên cứu, ứng dụng tiện ích"), "{s}");
    assert!(s.contains("[chủ trì]"));

    // A second init is refused.
    let out = cli(
        dir.path(),
        &init_args("X", "H1", "001", "abc", "A"),
        "Matkhau-dai-2024\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("đã được thiết lập"));
}

#[test]
fn procedures_and_provinces_are_listed_without_signing_in() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = cli(dir.path(), &["procedures", "list", "--json"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let find = |list: &[serde_json::Value], code: &str| {
        list.iter()
            .find(|p| p["code"] == code)
            .unwrap_or_else(|| panic!("{code} in the catalogue"))
            .clone()
    };
    let book = find(&list, "BHXH.01");
    assert!(book["deadlineValue"].as_u64().unwrap() > 0);
    assert!(book["components"].as_u64().unwrap() > 0);
    // Today (2026 rules): a pension counts days without holidays, under Law 41/2024.
    let pension = find(&list, "BHXH.13");
    assert_eq!(pension["deadlineUnit"], "days_excluding_holidays");
    assert!(
        pension["basis"].as_str().unwrap().contains("41/2024"),
        "{pension}"
    );
    let human = cli(dir.path(), &["procedures", "list"], "");
    assert!(text(&human.stdout).contains(&format!("{} thủ tục.", list.len())));
    // On a 2024 date: the sickness benefit takes 6 working days, not 7.
    let at = |date: &str| {
        let out = cli(
            dir.path(),
            &["procedures", "list", "--at", date, "--json"],
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
    };
    assert_eq!(find(&at("2024-05-06"), "1.001667")["deadlineValue"], 6);
    assert_eq!(find(&at("06/05/2024"), "1.001667")["deadlineValue"], 6);
    assert_eq!(find(&at("2026-12-02"), "1.001667")["deadlineValue"], 7);
    let bad = cli(
        dir.path(),
        &["procedures", "list", "--at", "05/13/2024"],
        "",
    );
    assert_eq!(bad.status.code(), Some(1));

    // The 34 units today, the 63 on a 2024 date.
    let provinces_at = |extra: &[&str]| {
        let out = cli(
            dir.path(),
            &[&["reference", "provinces", "--json"][..], extra].concat(),
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
    };
    let today = provinces_at(&[]);
    assert_eq!(today.len(), 34);
    let dak_lak = find(&today, "66");
    assert_eq!(dak_lak["fullName"], "tỉnh Đắk Lắk");
    assert_eq!(dak_lak["predecessors"], serde_json::json!(["054", "066"]));
    let old = provinces_at(&["--at", "2024-05-06"]);
    assert_eq!(old.len(), 63);
    assert!(
        find(&old, "066")["name"]
            .as_str()
            .unwrap()
            .contains("Đắk Lắk")
    );
    // Phú Yên's old code (as in ID numbers) leads to Đắk Lắk.
    let out = cli(
        dir.path(),
        &["reference", "provinces", "--code", "054", "--json"],
        "",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["old"]["name"], "Phú Yên");
    assert_eq!(v["unit"]["code"], "66");
}

#[test]
fn init_rejects_bad_input_precisely_and_writes_no_office() {
    let dir = tempfile::tempdir().unwrap();
    let bad_code = init_args("BHXH tỉnh X", "h23..x", "066", "quantri", "A");
    let out = cli(
        dir.path(),
        &[&["--json"][..], &bad_code].concat(),
        &format!("{ADMIN_PW}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["error"]["code"], "invalid");
    assert_eq!(v["error"]["field"], "agencyCode");
    let out = cli(dir.path(), &["--json", "status"], "");
    let v = json(&out);
    assert_eq!(v["stage"], "needs_setup");

    // A weak password is refused, and the office is not half set up.
    let out = cli(
        dir.path(),
        &init_args("BHXH tỉnh X", "H23", "066", "quantri", "A"),
        "ngan\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ít nhất 10 ký tự"));
    let out = cli(dir.path(), &["--json", "status"], "");
    let v = json(&out);
    assert_eq!(v["stage"], "needs_setup");
    assert!(v["office"].is_null());
}

#[test]
fn db_check_fails_when_the_audit_chain_is_altered() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = cli(
        dir.path(),
        &["user", "list", "--user", "quantri"],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Y Bhin Niê"));

    let out = cli(dir.path(), &["db", "check"], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("chuỗi băm toàn vẹn"));

    {
        let desk = bhxh_app::Desk::open(dir.path()).unwrap();
        desk.store()
            .conn()
            .unwrap()
            .execute(
                "UPDATE audit_log SET actor_username = 'ke-gian' WHERE seq = 3",
                [],
            )
            .unwrap();
    }
    let out = cli(dir.path(), &["--json", "db", "check"], "");
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert!(v["auditProblems"][0].as_str().unwrap().contains("mục 3"));
}

#[test]
fn commands_on_personal_data_need_a_signed_in_user_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = cli(dir.path(), &["user", "list"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--user"));
    let out = cli(
        dir.path(),
        &["user", "list", "--user", "quantri"],
        "sai-mat-khau\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Không đăng nhập được: tên đăng nhập hoặc mật khẩu không đúng")
    );

    // A digitisation officer, added by the administrator.
    let add_officer = |username: &str| {
        cli_env(
            dir.path(),
            &[
                "user",
                "add",
                "--username",
                username,
                "--full-name",
                "Phạm Thu Trang",
                "--role",
                "digitisation_officer",
                "--user",
                "quantri",
            ],
            "Sohoa-mat-khau-1\n",
            &[("BHXH_DESK_PASSWORD", ADMIN_PW)],
        )
    };
    let out = add_officer("soHoa");
    assert_eq!(
        out.status.code(),
        Some(1),
        "upper-case user names are refused"
    );
    let out = add_officer("sohoa");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = cli(
        dir.path(),
        &["--json", "user", "list", "--user", "quantri"],
        &format!("{ADMIN_PW}\n"),
    );
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), 2);

    let out = cli(
        dir.path(),
        &["--json", "audit", "list", "--user", "quantri"],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["entity"].as_str().unwrap()))
        .collect();
    assert!(actions.contains(&("create", "staff")), "{actions:?}");
    assert!(actions.contains(&("view", "staff")), "{actions:?}");
    assert!(
        actions.contains(&("sign_in_failed", "staff")),
        "{actions:?}"
    );
    // Every sign-in is matched by a sign-out, even when the command failed;
    // only the audit listing's own session is still open.
    let ins = actions.iter().filter(|a| a.0 == "sign_in").count();
    let outs = actions.iter().filter(|a| a.0 == "sign_out").count();
    assert_eq!(ins, outs + 1, "{actions:?}");
}

#[test]
fn backup_and_restore_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office");
    let backup = dir.path().join("backup.bhxhbak");
    init(&office);
    let b = backup.to_str().unwrap();
    let out = cli(
        &office,
        &["db", "backup", b, "--user", "quantri"],
        &format!("{ADMIN_PW}\nmat-khau-sao-luu-dai\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(backup.exists());

    let fresh = dir.path().join("fresh");
    let out = cli(&fresh, &["db", "restore", b], "sai-mat-khau-sao-luu\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Mật khẩu bản sao lưu không đúng"));
    let out = cli(&fresh, &["db", "restore", b], "mat-khau-sao-luu-dai\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli(&fresh, &["--json", "plan", "list"], "");
    let tasks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tasks.len(), 27);
    let out = cli(&fresh, &["db", "check"], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn an_unreachable_keyring_is_reported_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli_env(
        dir.path(),
        &["status"],
        "",
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/bhxh-test-bus",
        )],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("Không kết nối được kho khóa bí mật của hệ điều hành (Secret Service)"),
        "{err}"
    );
    assert!(
        err.contains("Cách khắc phục:") && err.contains("gnome-keyring"),
        "{err}"
    );
    assert!(err.contains("Khóa không bao giờ được lưu ra tệp"));
    // Nothing was written in its place.
    assert!(!dir.path().join("desk.db").exists());
}

#[test]
fn participants_import_reports_bad_rows_and_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let csv = dir.path().join("danh-sach.csv");
    std::fs::write(
        &csv,
        "\u{feff}STT;Mã số BHXH;Họ và tên;Ngày sinh;Giới tính;Số định danh cá nhân\n\
         1;6601234567;H'Hen Niê;01/02/1990;Nữ;066190012345\n\
         2;660123456;Y Moan Êban;03/04/1985;Nam;066085012345\n\
         3;6601234568;Nguyễn Văn Đông;31/02/1992;Nam;\n\
         4;6601234569;Trần Thị Gấm;05/06/1975;Nữ;066175012345\n",
    )
    .unwrap();
    let pw = format!("{ADMIN_PW}\n");
    // `participants import FILE` with `flags`, as the administrator.
    let import = |file: &Path, flags: &[&str]| {
        let mut args = vec!["participants", "import", file.to_str().unwrap()];
        args.extend(flags);
        args.extend(["--user", "quantri"]);
        cli(dir.path(), &args, &pw)
    };
    let out = import(&csv, &["--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    let report = &v["report"];
    assert_eq!(report["imported"], false);
    assert_eq!(report["errorRows"], 2);
    let lines: Vec<u64> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["errors"].as_array().unwrap().is_empty())
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4], "exactly the bad lines");

    // Dry run of the valid rows writes nothing; the real run writes 2.
    let out = import(&csv, &["--valid-rows", "--dry-run"]);
    assert!(
        text(&out.stdout).contains("Chạy thử"),
        "{}",
        text(&out.stdout)
    );
    let out = import(&csv, &["--valid-rows"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let human = text(&out.stdout);
    assert!(
        human.contains("Dòng 3: LỖI: Mã số BHXH \"660123456\""),
        "{human}"
    );
    assert!(human.contains("Thêm mới 2"), "{human}");

    // An unreadable file is a clear error, not a crash.
    let bad = dir.path().join("hong.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 not really a workbook").unwrap();
    let out = import(&bad, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("XLSX hỏng"),
        "{}",
        text(&out.stderr)
    );

    // The import is on the record.
    let out = cli(
        dir.path(),
        &["audit", "list", "--user", "quantri", "--json"],
        &pw,
    );
    let log = json(&out);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "import" && e["entity"] == "participant")
    );
}

#[test]
fn card_read_refuses_missing_or_malformed_access_data_before_touching_a_reader() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let pw = format!("{ADMIN_PW}\n");
    let cases: [(&[&str], &str); 4] = [
        (&["card", "read", "--user", "quantri"], "--qr"),
        (
            &["card", "read", "--can", "04706", "--user", "quantri"],
            "6 chữ số",
        ),
        (
            &[
                "card",
                "read",
                "--qr",
                "001093047064|Nguyễn Thị A|05011993",
                "--user",
                "quantri",
            ],
            "có 3 trường",
        ),
        (
            &[
                "card",
                "read",
                "--id",
                "001093047064",
                "--dob",
                "05/01/1993",
                "--expiry",
                "2033-01-05",
                "--user",
                "quantri",
            ],
            "YYYY-MM-DD",
        ),
    ];
    for (args, needle) in cases {
        let out = cli(dir.path(), args, &pw);
        assert!(!out.status.success(), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn personal_data_comes_from_json_in_a_file_or_on_stdin_after_the_password() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let person = r#"{"applicant-id": "066093047064", "name": "Nguyễn Văn Đức",
        "dob": "1993-01-05", "sex": "nam", "phone": "0912345678"}"#;
    let file = dir.path().join("nguoi-nop.json");
    std::fs::write(&file, person).unwrap();
    let f = file.to_str().unwrap();
    // None of it is an argument (what `ps` shows every user of the machine).
    let args = [
        "dossier",
        "new",
        "--procedure",
        "BHXH.01",
        "--from-json",
        f,
        "--user",
        "quantri",
        "--json",
    ];
    assert!(
        !args
            .iter()
            .any(|a| a.contains("066093047064") || a.contains("Đức"))
    );
    let from_file = ok_json(&cli(dir.path(), &args, &format!("{ADMIN_PW}\n")));
    assert_eq!(from_file["dossier"]["applicantId"], "066093047064");
    assert_eq!(from_file["dossier"]["applicantName"], "Nguyễn Văn Đức");

    // `-`: the JSON follows the password on stdin...
    let stdin_args = [
        "dossier",
        "new",
        "--procedure",
        "BHXH.01",
        "--from-json",
        "-",
        "--user",
        "quantri",
        "--json",
    ];
    let piped = ok_json(&cli(
        dir.path(),
        &stdin_args,
        &format!("{ADMIN_PW}\n{person}\n"),
    ));
    assert_eq!(piped["dossier"]["applicantId"], "066093047064");
    // ... or is all of stdin when the password comes from the environment.
    let env_pw = ok_json(&cli_env(dir.path(), &stdin_args, person, &AUTH));
    assert_eq!(env_pw["dossier"]["applicantName"], "Nguyễn Văn Đức");

    // Search and the chip's access data the same way.
    let found = ok_json(&cli(
        dir.path(),
        &["search", "--from-json", "-", "--user", "quantri", "--json"],
        &format!("{ADMIN_PW}\n{{\"text\": \"nguyen van duc\"}}\n"),
    ));
    assert_eq!(found.as_array().unwrap().len(), 3);

    // Precise refusals: given twice, unknown field, malformed, missing,
    // nothing after the password, bad access data (before any reader).
    let pw = format!("{ADMIN_PW}\n");
    let bad = dir.path().join("sai.json");
    let cases: [(&str, &[&str], String); 6] = [
        (
            person,
            &["--applicant-id", "066093047064"],
            "được cho hai lần".into(),
        ),
        (r#"{"cccd": "1"}"#, &[], "unknown field `cccd`".into()),
        (r#"{"name": "A",}"#, &[], "Dữ liệu JSON".into()),
        (r#"{"name": "A"}"#, &[], "Thiếu --applicant-id".into()),
        ("[]", &[], "invalid length 0".into()),
        ("\u{0}", &[], "Dữ liệu JSON".into()),
    ];
    for (json, extra, needle) in cases {
        std::fs::write(&bad, json).unwrap();
        let mut args = vec![
            "dossier",
            "new",
            "--procedure",
            "BHXH.01",
            "--from-json",
            bad.to_str().unwrap(),
            "--user",
            "quantri",
        ];
        args.extend(extra);
        let out = cli(dir.path(), &args, &pw);
        assert_eq!(out.status.code(), Some(1), "{json}");
        assert!(
            text(&out.stderr).contains(&needle),
            "{json}: {}",
            text(&out.stderr)
        );
    }
    let out = cli(dir.path(), &stdin_args, &pw);
    assert!(
        text(&out.stderr).contains("không có dữ liệu JSON trên stdin"),
        "{}",
        text(&out.stderr)
    );
    let out = cli(
        dir.path(),
        &["card", "read", "--from-json", "-", "--user", "quantri"],
        &format!("{ADMIN_PW}\n{{\"can\": \"04706\"}}\n"),
    );
    assert!(
        text(&out.stderr).contains("6 chữ số"),
        "{}",
        text(&out.stderr)
    );

    // `--help` says why.
    let help = cli(dir.path(), &["dossier", "new", "--help"], "");
    let help = text(&help.stdout);
    assert!(
        help.contains("--from-json") && help.contains("ps"),
        "{help}"
    );
}

#[test]
fn a_dossier_taken_in_prints_its_receipt_and_is_found_without_diacritics() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &AUTH);
    let code = code_of(&new_dossier(dir.path(), "BHXH.01", Some("1,2")));
    assert!(
        code.starts_with("000.00.66.H15-") && code.ends_with("-0001"),
        "{code}"
    );

    let pdf = dir.path().join("giay.pdf");
    let out = run(&["dossier", "receipt", &code, "--out", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    let out = run(&["search", "nguyen van duc", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["code"], code.as_str());
    assert_eq!(found[0]["applicantName"], "Nguyễn Văn Đức");

    // A birth year that contradicts the ID number is refused, precisely.
    let out = run(&[
        "dossier",
        "new",
        "--procedure",
        "BHXH.01",
        "--applicant-id",
        "066093047065",
        "--name",
        "Lê Thị Hoa",
        "--dob",
        "1994-02-01",
        "--sex",
        "nam",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("năm sinh 1994"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["dossier", "status", &code, "khong-co"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("digitising"),
        "{}",
        text(&out.stderr)
    );
}

/// Text of a PDF as poppler reads it, white space squashed.
fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-raw")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn dossier_forms_and_the_register_print_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &AUTH);
    let intake = new_dossier(dir.path(), "BHXH.01", Some("1"));
    let code = code_of(&intake);
    let year = intake["dossier"]["registerYear"]
        .as_i64()
        .unwrap()
        .to_string();
    let form02 = dir.path().join("mau-02.pdf");
    let form02_args = [
        "dossier",
        "form",
        code.as_str(),
        "--form",
        "02",
        "--out",
        form02.to_str().unwrap(),
    ];

    // No supplement request yet: refused, in Vietnamese, and no file written.
    let out = run(&form02_args);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("chưa có yêu cầu bổ sung, hoàn thiện nào được ghi nhận"),
        "{}",
        text(&out.stderr)
    );
    assert!(!form02.exists());
    // A number the dossier's paper set (Circular 03/2025 today) lacks is
    // refused with the set's forms named; the register is not per dossier.
    let out = run(&["dossier", "form", &code, "--form", "08", "--out", "x.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("TT03/2025") && err.contains("05 Thông báo dừng giải quyết hồ sơ"),
        "{err}"
    );
    let out = run(&["dossier", "form", &code, "--form", "07", "--out", "x.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("sổ theo dõi"),
        "{}",
        text(&out.stderr)
    );
    // No extension yet: no apology (form 04).
    let out = run(&["dossier", "form", &code, "--form", "04", "--out", "x.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("chưa được gia hạn"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("x.pdf").exists());

    let reason = "Thiếu bản sao Giấy khai sinh của con";
    let out = run(&[
        "dossier",
        "status",
        &code,
        "supplement_requested",
        "--note",
        reason,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&form02_args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = pdf_text(&form02);
    assert!(t.contains("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"), "{t}");
    assert!(t.contains(&format!("Mã hồ sơ: {code}")), "{t}");
    assert!(t.contains(&format!("Lý do: {reason}")), "{t}");
    assert!(t.contains("Y Bhin Niê"), "{t}");

    // The control sheet is form 06 of Circular 03/2025.
    let form05 = dir.path().join("mau-06.pdf");
    let out = run(&[
        "dossier",
        "form",
        &code,
        "--form",
        "06",
        "--out",
        form05.to_str().unwrap(),
        "--json",
    ]);
    let done = ok_json(&out);
    assert_eq!(done["form"], "06");
    let t = pdf_text(&form05);
    assert!(
        t.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
        "{t}"
    );
    assert!(t.contains("Đã tiếp nhận → Yêu cầu bổ sung"), "{t}");

    // A later date, then the apology prints both dates and the reason.
    let out = run(&[
        "dossier",
        "extend",
        &code,
        "--to",
        "31/12/2099",
        "--reason",
        "Chờ xác minh",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let apology = dir.path().join("mau-04.pdf");
    let out = run(&[
        "dossier",
        "form",
        &code,
        "--form",
        "4",
        "--out",
        apology.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = pdf_text(&apology);
    assert!(
        t.contains("31/12/2099") && t.contains("Chờ xác minh"),
        "{t}"
    );
    // A date is read the same whatever the machine's locale: a day-first
    // date that is not a date is refused, not guessed.
    let out = run(&[
        "dossier",
        "extend",
        &code,
        "--to",
        "12/31/2099",
        "--reason",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("DD/MM/YYYY"),
        "{}",
        text(&out.stderr)
    );

    let register = dir.path().join("so.pdf");
    let out = run(&[
        "dossier",
        "register",
        "--year",
        &year,
        "--out",
        register.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = pdf_text(&register);
    assert!(t.contains("SỔ THEO DÕI HỒ SƠ"), "{t}");
    assert_eq!(t.matches(code.as_str()).count(), 1, "{t}");
    assert!(t.contains(&format!("Yêu cầu bổ sung: {reason}")), "{t}");

    // The import help names every scan format it takes.
    let out = run(&["dossier", "import", "--help"]);
    assert!(
        text(&out.stdout).contains("JPEG/PNG/TIFF"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_dossier_result_is_digitised_from_the_command_line_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &AUTH);
    let code = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1")));
    let scan = dir.path().join("so-bhxh.jpg");
    std::fs::write(&scan, scan_jpeg(7)).unwrap();
    let result_args = [
        "dossier",
        "result",
        code.as_str(),
        "--name",
        "Sổ BHXH",
        "--pages",
        "1",
        scan.to_str().unwrap(),
        "--json",
    ];
    // Not yet handled: refused, saying why.
    let out = run(&result_args);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("chỉ số hóa kết quả khi hồ sơ đã chuyển xử lý"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["dossier", "status", &code, "processing"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&result_args);
    let done = ok_json(&out);
    assert_eq!(
        (
            done["number"].as_u64(),
            done["name"].as_str(),
            done["reusable"].as_bool(),
            done["status"].as_str()
        ),
        (Some(1), Some("Sổ BHXH"), Some(true), Some("result_ready"))
    );
    let outdir = dir.path().join("xuat");
    let out = run(&[
        "dossier",
        "export",
        &code,
        "--out",
        outdir.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let files: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("_kq1.pdf"), "{files:?}");
    let t = pdf_text(Path::new(&files[0]));
    assert!(t.contains("Số hóa: "), "{t}");
}

#[test]
fn an_import_killed_at_any_moment_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let code = code_of(&new_dossier(dir.path(), "BHXH.01", None));
    let scans = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..12 {
        let p = scans.path().join(format!("trang-{i:02}.jpg"));
        std::fs::write(&p, scan_jpeg(i + 1)).unwrap();
        files.push(p.to_str().unwrap().to_owned());
    }
    // Kill the import at growing delays: before, during and after the
    // files are sealed and the rows committed.
    let mut completed = 0;
    for delay_ms in [30u64, 120, 250, 400, 600, 900, 1400, 2500] {
        let mut args = vec![
            "--data-dir".to_owned(),
            dir.path().to_str().unwrap().to_owned(),
        ];
        args.extend(["dossier", "import", &code, "--component", "1"].map(str::to_owned));
        args.extend(files.iter().cloned());
        let mut child = std::process::Command::new(BIN)
            .args(&args)
            .envs(AUTH)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        if child.wait().unwrap().success() {
            completed += 1;
        }
        // Whatever the moment: SQLite intact, the audit chain whole, every
        // recorded file present and matching its hash.
        let check = cli(dir.path(), &["db", "check", "--json"], "");
        let report = json(&check);
        assert_eq!(
            report["ok"], true,
            "after a kill at {delay_ms} ms: {report}"
        );
    }
    // Each import either happened whole (12 originals and their PDF) or
    // left no row at all.
    let desk = bhxh_app::Desk::open(dir.path()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let rows = desk.dossier_files(&code).unwrap();
    assert_eq!(rows.len() % 13, 0, "{} rows", rows.len());
    assert_eq!(
        rows.len() / 13,
        completed,
        "imports that finished: {completed}"
    );
    eprintln!("{completed} of 8 imports finished before the kill");
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The SHA-256 (hex) of a file, by the system's `sha256sum`.
fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn a_backup_killed_at_any_moment_leaves_no_debris_and_no_audit_entry() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let code = code_of(&new_dossier(dir.path(), "BHXH.01", None));
    let scans = tempfile::tempdir().unwrap();
    let mut args = vec!["dossier", "import", &code, "--component", "1"]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for i in 0..12 {
        let p = scans.path().join(format!("trang-{i:02}.jpg"));
        std::fs::write(&p, scan_jpeg(i + 1)).unwrap();
        args.push(p.to_str().unwrap().to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok_json(&cli_env(
        dir.path(),
        &[&args[..], &["--json"]].concat(),
        "",
        &AUTH,
    ));
    let entries_before = names_in(dir.path());

    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("sao-luu.bhxhbak");
    let mut env = AUTH.to_vec();
    env.push(("BHXH_DESK_BACKUP_PASSPHRASE", "mat-khau-sao-luu-dai"));
    // Kill the backup at growing delays: signing in, exporting the
    // database, writing the scans, renaming, recording.
    let mut whole: Vec<String> = Vec::new();
    let mut finished = 0;
    for delay_ms in [20u64, 90, 180, 300, 450, 700, 1000, 1600, 3000] {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["db", "backup", dest.to_str().unwrap(), "--user", "quantri"])
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        if child.wait().unwrap().success() {
            finished += 1;
        }
        // The next command on the folder (any) sweeps what the killed one
        // left; beside the backup, only a whole backup, if any.
        let check = cli(dir.path(), &["db", "check", "--json"], "");
        assert_eq!(json(&check)["ok"], true, "after a kill at {delay_ms} ms");
        let left = names_in(out.path());
        assert!(
            left.is_empty() || left == ["sao-luu.bhxhbak"],
            "after a kill at {delay_ms} ms: {left:?}"
        );
        assert_eq!(
            names_in(dir.path()),
            entries_before,
            "after a kill at {delay_ms} ms"
        );
        if dest.exists() {
            whole.push(sha256_of(&dest));
        }
    }
    // And one left to finish.
    let done = ok_json(&cli_env(
        dir.path(),
        &[
            "db",
            "backup",
            dest.to_str().unwrap(),
            "--user",
            "quantri",
            "--json",
        ],
        "",
        &env,
    ));
    whole.push(sha256_of(&dest));
    assert_eq!(done["sha256"], *whole.last().unwrap());
    finished += 1;

    // Every backup entry in the log names a backup that existed whole; every
    // run that finished has one.
    let log = ok_json(&cli_env(
        dir.path(),
        &["audit", "list", "--limit", "500", "--json"],
        "",
        &AUTH,
    ));
    let backups: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "export" && e["entity"] == "store")
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(e["detail"].as_str().unwrap()).unwrap();
            d["sha256"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(
        backups.len() >= finished,
        "{backups:?}, {finished} finished"
    );
    for sha in &backups {
        assert!(
            whole.contains(sha),
            "an entry for a backup never whole: {sha}"
        );
    }
    eprintln!(
        "{finished} of 10 backups finished; {} entries",
        backups.len()
    );

    // The last one restores elsewhere, scans and all.
    let fresh = tempfile::tempdir().unwrap();
    let restored = ok_json(&cli(
        fresh.path(),
        &["db", "restore", dest.to_str().unwrap(), "--json"],
        "mat-khau-sao-luu-dai\n",
    ));
    assert_eq!(restored["check"]["ok"], true, "{restored}");
    assert_eq!(restored["restore"]["filesRestored"], 13, "{restored}");
}

#[test]
fn card_read_checks_the_emulated_card_over_pcsc_and_records_the_check() {
    use bhxh_e2e::pcsc::{VirtualReader, good_card, test_trust_dir};
    let Some(mut reader) = VirtualReader::start().unwrap() else {
        eprintln!("pcscd is not installed: skipped");
        return;
    };
    reader.insert(&good_card()).unwrap();
    let env: Vec<(String, String)> = reader.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let pw = format!("{ADMIN_PW}\n");
    let trust = test_trust_dir();
    let trust = trust.to_str().unwrap();
    // `card read` on the virtual reader with `access` (and what else), as the administrator.
    let read = |access: &[&str]| {
        let mut args = vec!["card", "read", "--reader", "Virtual PCD 00 00"];
        args.extend(access);
        args.extend(["--user", "quantri"]);
        cli_env(dir.path(), &args, &pw, &env)
    };
    let out = read(&[
        "--id",
        "001093047064",
        "--dob",
        "1993-01-05",
        "--expiry",
        "2033-01-05",
        "--trust",
        trust,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{} {} {}",
        text(&out.stdout),
        text(&out.stderr),
        reader.logs()
    );
    let v = json(&out);
    assert_eq!(v["verdict"]["kind"], "Genuine", "{v}");
    assert!(
        v["verdict"]["headline"]
            .as_str()
            .unwrap()
            .starts_with("Thẻ thật"),
        "{v}"
    );
    assert_eq!(v["dg13"]["idNumber"], "001093047064", "{v}");
    assert!(v["checks"].as_array().unwrap().len() >= 3, "{v}");
    // This emulated card offers no PACE: BAC.
    assert_eq!(v["access"], "BAC", "{v}");
    // Recorded, with the register's answer (the register is empty here).
    assert!(v["check"]["id"].as_i64().unwrap() >= 1, "{v}");
    assert_eq!(v["check"]["result"], "not_in_register", "{v}");
    // A wrong access key: refused, with what to do, and exit code not 0.
    let out = read(&[
        "--id",
        "001093047064",
        "--dob",
        "1993-01-06",
        "--expiry",
        "2033-01-05",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("chip từ chối dữ liệu mở thẻ") && err.contains("ngày sinh"),
        "{err}"
    );
    // A CAN alone: this chip offers no PACE, so it cannot be opened with it.
    let can_read = |can: &str| read(&["--can", can, "--trust", trust, "--json"]);
    let out = can_read("047064");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("không hỗ trợ PACE"),
        "{}",
        text(&out.stderr)
    );
    // The same card offering PACE: the CAN opens it; a wrong CAN is named as such. (The
    // card is taken away first, and put back once the reader has seen it go.)
    reader.remove();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let out = cli_env(dir.path(), &["card", "readers", "--json"], "", &env);
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let present = list
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["cardPresent"] == true);
        if !present {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the card never went: {list}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    reader.insert_with(&good_card(), &["--pace"]).unwrap();
    let out = can_read("047064");
    assert!(
        out.status.success(),
        "{} {}",
        text(&out.stderr),
        reader.logs()
    );
    let v = json(&out);
    assert_eq!(v["verdict"]["kind"], "Genuine", "{v}");
    assert_eq!(
        v["access"], "PACE (CAN, ECDH-GM, AES-128, brainpoolP256r1)",
        "{v}"
    );
    let out = can_read("000000");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("chip từ chối số CAN"),
        "{}",
        text(&out.stderr)
    );
    let check = cli(dir.path(), &["db", "check", "--json"], "");
    assert!(check.status.success(), "{}", text(&check.stdout));
}

/// `card read --json` on the card in the virtual reader, at the counter or
/// at payment.
fn card_read_json(dir: &Path, env: &[(&str, &str)], payment: bool) -> (Output, serde_json::Value) {
    card_read_json_with(dir, env, payment, &bhxh_e2e::pcsc::test_trust_dir())
}

/// [`card_read_json`] against the trust directory `trust`.
fn card_read_json_with(
    dir: &Path,
    env: &[(&str, &str)],
    payment: bool,
    trust: &Path,
) -> (Output, serde_json::Value) {
    let mut args = vec![
        "card",
        "read",
        "--reader",
        "Virtual PCD 00 00",
        "--id",
        "001093047064",
        "--dob",
        "1993-01-05",
        "--expiry",
        "2033-01-05",
        "--trust",
        trust.to_str().unwrap(),
        "--json",
        "--user",
        "quantri",
    ];
    if payment {
        args.push("--payment");
    }
    let out = cli_env(dir, &args, &format!("{ADMIN_PW}\n"), env);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (out, v)
}

/// Take the card away and wait until the reader has seen it go.
fn take_card_away(reader: &mut bhxh_e2e::pcsc::VirtualReader, dir: &Path, env: &[(&str, &str)]) {
    reader.remove();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let out = cli_env(dir, &["card", "readers", "--json"], "", env);
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if !list
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["cardPresent"] == true)
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the card never went: {list}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn card_read_of_a_copy_an_amber_card_or_a_revoked_signer_exits_3_verifies_no_one_and_counts_for_nothing()
 {
    use bhxh_e2e::pcsc::{
        VirtualReader, copy_on_blank_chip, good_card, integrity_only_card, revoked_trust_dir,
    };
    let Some(mut reader) = VirtualReader::start().unwrap() else {
        eprintln!("pcscd is not installed: skipped");
        return;
    };
    // Issue #11: EF.COM, EF.SOD, DG1, DG2 and DG13 of a genuine card on a
    // blank chip that answers "file not found" for DG14 and DG15.
    let copy = tempfile::tempdir().unwrap();
    copy_on_blank_chip(copy.path()).unwrap();
    reader.insert(copy.path()).unwrap();
    let env: Vec<(String, String)> = reader.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    // The card's holder is in the register.
    let csv = dir.path().join("danh-sach.csv");
    std::fs::write(
        &csv,
        "Mã số BHXH;Họ và tên;Ngày sinh;Giới tính;Số định danh cá nhân\n\
         6601234567;Nguyễn Thị Thử Nghiệm;05/10/1993;Nữ;001093047064\n",
    )
    .unwrap();
    let out = cli(
        dir.path(),
        &[
            "participants",
            "import",
            csv.to_str().unwrap(),
            "--user",
            "quantri",
        ],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    for payment in [false, true] {
        let (out, v) = card_read_json(dir.path(), &env, payment);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{} {} {}",
            text(&out.stdout),
            text(&out.stderr),
            reader.logs()
        );
        assert_eq!(v["verdict"]["kind"], "ChipNotGenuine", "{v}");
        assert_eq!(v["verdict"]["genuine"], false, "{v}");
        assert_eq!(
            v["verdict"]["headline"],
            "Thẻ không phải thẻ thật – chip có thể đã bị sao chép"
        );
        let reason = v["verdict"]["reasonVi"].as_str().unwrap();
        assert!(
            reason.contains("DG15") && reason.contains("6A82"),
            "{reason}"
        );
        // Recorded, matched to nobody, verifying nobody.
        assert!(v["check"]["id"].as_i64().unwrap() >= 1, "{v}");
        assert_eq!(v["check"]["result"], "not_genuine", "{v}");
        assert_eq!(v["check"]["verifiedNow"], false, "{v}");
    }
    // A card whose EF.SOD lists neither DG14 nor DG15: intact data, chip not
    // proven. Amber, exit 3, recorded as not genuine, verifying no one.
    take_card_away(&mut reader, dir.path(), &env);
    reader.insert(&integrity_only_card()).unwrap();
    let (out, v) = card_read_json(dir.path(), &env, false);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(v["verdict"]["kind"], "IntegrityOnly", "{v}");
    assert_eq!(v["verdict"]["genuine"], false, "{v}");
    assert_eq!(
        v["verdict"]["headline"],
        "Dữ liệu toàn vẹn – chưa xác minh được chip"
    );
    assert!(
        v["verdict"]["reasonVi"]
            .as_str()
            .unwrap()
            .contains("không có DG14 hay DG15"),
        "{v}"
    );
    assert_eq!(v["check"]["result"], "not_genuine", "{v}");
    assert_eq!(v["check"]["verifiedNow"], false, "{v}");
    assert!(
        v["check"]["message"]
            .as_str()
            .unwrap()
            .contains("chip chưa được xác minh"),
        "{v}"
    );

    let month = chrono::Local::now().format("%Y-%m").to_string();
    let desk = bhxh_app::Desk::open(dir.path()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(desk.participants_share().unwrap().verified, 0);
    // None of these checks counts for task 24 or 25.
    let auto = desk.progress_month(&month).unwrap().auto;
    assert!(
        !auto
            .iter()
            .any(|a| a.task_number == 24 || a.task_number == 25),
        "{auto:?}"
    );
    desk.sign_out().unwrap();

    // The genuine card: verified, and counted, with the copy named beside it.
    take_card_away(&mut reader, dir.path(), &env);
    reader.insert(&good_card()).unwrap();
    let (out, v) = card_read_json(dir.path(), &env, false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(v["verdict"]["kind"], "Genuine", "{v}");
    assert_eq!(v["verdict"]["genuine"], true, "{v}");
    assert_eq!(v["verdict"]["reasonVi"], serde_json::Value::Null, "{v}");
    assert_eq!(v["check"]["result"], "matched", "{v}");
    assert_eq!(v["check"]["verifiedNow"], true, "{v}");
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(desk.participants_share().unwrap().verified, 1);
    let auto = desk.progress_month(&month).unwrap().auto;
    let task24 = auto.iter().find(|a| a.task_number == 24).unwrap();
    assert_eq!(task24.value, 1.0);
    assert!(
        task24.source.ends_with(
            "1 lượt xác thực thẻ thật (không tính 2 lượt thẻ không được xác thực là thẻ thật)"
        ),
        "{}",
        task24.source
    );
    assert!(!auto.iter().any(|a| a.task_number == 25), "{auto:?}");
    desk.sign_out().unwrap();
    // The trust store's state is part of the answer.
    assert_eq!(v["trust"]["crls"], 2, "{v}");
    assert_eq!(v["trust"]["stale"], false, "{v}");
    assert!(
        v["trust"]["updated"].as_str().unwrap().ends_with('Z'),
        "{v}"
    );
    assert!(
        v["trust"]["status"]
            .as_str()
            .unwrap()
            .starts_with("Kho chứng thư cập nhật ngày "),
        "{v}"
    );

    // The same genuine card, but its Document Signer is on the CSCA's CRL:
    // exit 3, the signer named with its serial number, not counted.
    let (out, v) = card_read_json_with(dir.path(), &env, true, &revoked_trust_dir());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(v["verdict"]["kind"], "OriginUnverified", "{v}");
    let reason = v["verdict"]["reasonVi"].as_str().unwrap();
    assert!(
        reason.contains("Test Document Signer ds-p256") && reason.contains("(số sê-ri 10:01)"),
        "{reason}"
    );
    assert_eq!(v["check"]["result"], "not_genuine", "{v}");
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let auto = desk.progress_month(&month).unwrap().auto;
    assert!(!auto.iter().any(|a| a.task_number == 25), "{auto:?}");
}

#[test]
fn an_organisation_files_a_dossier_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let base = [
        "dossier",
        "new",
        "--procedure",
        "BHXH.01",
        "--applicant-id",
        "066093047064",
        "--name",
        "Nguyễn Văn Đức",
        "--dob",
        "1993-01-05",
        "--sex",
        "nam",
        "--org-code",
        "TA0123A",
        "--org-name",
        "Công ty TNHH Cà phê Buôn Ma Thuột",
    ];
    // The name without a tax code is refused by the parser, before anything.
    let out = cli_env(dir.path(), &base, "", &AUTH);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--org-tax-code"),
        "{}",
        text(&out.stderr)
    );
    let args = [&base[..], &["--org-tax-code", "6000123456", "--json"]].concat();
    let intake = ok_json(&cli_env(dir.path(), &args, "", &AUTH));
    let org = &intake["dossier"]["organisation"];
    assert_eq!(org["name"], "Công ty TNHH Cà phê Buôn Ma Thuột");
    assert_eq!(org["taxCode"], "6000123456");
    assert_eq!(org["unitCode"], "TA0123A");
}

#[test]
fn a_supervisor_approves_a_report_from_the_command_line_and_it_prints_as_approved() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = cli_env(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "giamsat",
            "--full-name",
            "Nguyễn Thị Ánh Tuyết",
            "--role",
            "supervisor",
            "--user",
            "quantri",
        ],
        "Giamsat-mat-khau-1\n",
        &[("BHXH_DESK_PASSWORD", ADMIN_PW)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let approve = |user: &str, pw: &str, number: &str| {
        cli(
            dir.path(),
            &[
                "report", "approve", "month", "2024-05", "--number", number, "--user", user,
                "--json",
            ],
            &format!("{pw}\n"),
        )
    };
    // The administrator may not approve: only a supervisor.
    let out = approve("quantri", ADMIN_PW, "5/BC-BHXH");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let v = ok_json(&approve("giamsat", "Giamsat-mat-khau-1", "5/BC-BHXH"));
    assert_eq!(
        (
            v["period"].as_str(),
            v["revision"].as_i64(),
            v["status"].as_str(),
            v["number"].as_str()
        ),
        (
            Some("2024-05"),
            Some(1),
            Some("approved"),
            Some("5/BC-BHXH")
        ),
        "{v}"
    );
    // Approved once: a second approval without a reopening is refused.
    let out = approve("giamsat", "Giamsat-mat-khau-1", "6/BC-BHXH");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let pdf = dir.path().join("bc.pdf");
    let out = cli_env(
        dir.path(),
        &[
            "report",
            "monthly",
            "--month",
            "2024-05",
            "--out",
            pdf.to_str().unwrap(),
        ],
        "",
        &AUTH,
    );
    assert!(
        text(&out.stdout).contains("đã duyệt, lần 1"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn card_read_of_a_card_pulled_out_mid_read_or_a_slow_card_says_so_in_vietnamese_and_the_next_read_succeeds()
 {
    use bhxh_e2e::pcsc::{VirtualReader, good_card};
    let Some(mut reader) = VirtualReader::start().unwrap() else {
        eprintln!("pcscd is not installed: skipped");
        return;
    };
    let env: Vec<(String, String)> = reader.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    // The card leaves the reader at its 15th APDU (inside DG1, under secure messaging).
    reader
        .insert_with(&good_card(), &["--drop-after", "14"])
        .unwrap();
    let (out, _) = card_read_json(dir.path(), &env, false);
    assert_eq!(out.status.code(), Some(1), "{}", reader.logs());
    let err = text(&out.stderr);
    assert!(
        err.contains("thẻ đã bị nhấc khỏi đầu đọc khi đang đọc. Đặt lại thẻ và đọc lại"),
        "{err}"
    );
    // pcscd notices a card lost mid-exchange at its next presence poll (400 ms); the card is
    // put back once it has (an emulator that connects before is taken for the lost card).
    take_card_away(&mut reader, dir.path(), &env);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    // Put back, slow (30 ms before every answer): read whole, and genuine.
    reader
        .insert_with(&good_card(), &["--delay-ms", "30"])
        .unwrap();
    let (out, v) = card_read_json(dir.path(), &env, false);
    assert!(
        out.status.success(),
        "{} {}",
        text(&out.stderr),
        reader.logs()
    );
    assert_eq!(v["verdict"]["kind"], "Genuine", "{v}");
    let check = cli(dir.path(), &["db", "check", "--json"], "");
    assert!(check.status.success(), "{}", text(&check.stdout));
}
