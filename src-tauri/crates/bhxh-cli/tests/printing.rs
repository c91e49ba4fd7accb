//! `bhxh-desk printers list` and `dossier print` against a real, private
//! CUPS scheduler (`bhxh_print::testing`): the receipt reaches the spool as
//! a PDF that reads back with the code and the applicant's name, no copy
//! stays in the temporary folder, nothing is written under the user's
//! Documents, and a machine without a printer is told so in Vietnamese,
//! with "Lưu PDF" offered. Run under `scripts/with-keyring.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bhxh_print::testing::CupsServer;

mod common;
use common::{AUTH, cli_env, code_of, init, json, new_dossier, ok_json, text};

/// Every file under `dir`, however deep.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("job.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils)");
    assert!(out.status.success());
    text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_receipt_is_printed_through_cups_and_nothing_personal_stays_on_disk() {
    let cups = CupsServer::start();
    cups.add_queue("quay-1");
    cups.add_queue("quay-2");
    cups.set_default("quay-1");
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("Documents")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let server = cups.server();
    let env: Vec<(&str, &str)> = AUTH
        .iter()
        .copied()
        .chain([
            ("CUPS_SERVER", server.as_str()),
            ("HOME", home.path().to_str().unwrap()),
            ("TMPDIR", tmp.path().to_str().unwrap()),
        ])
        .collect();

    init(dir.path());
    let code = code_of(&new_dossier(dir.path(), "BHXH.01", None));

    // The queues, the default first; no sign-in needed.
    let list = ok_json(&cli_env(
        dir.path(),
        &["printers", "list", "--json"],
        "",
        &env[2..],
    ));
    assert_eq!(
        list,
        serde_json::json!([
            { "name": "quay-1", "isDefault": true },
            { "name": "quay-2", "isDefault": false }
        ])
    );

    // Form 01 on the default queue.
    let done = ok_json(&cli_env(
        dir.path(),
        &["dossier", "print", &code, "--json"],
        "",
        &env,
    ));
    assert_eq!(done["printer"], "quay-1");
    assert_eq!(done["title"], format!("BHXH Desk - Mẫu 01 - {code}"));
    let job = done["jobId"].as_str().unwrap().to_owned();
    cups.wait_completed(&job, Duration::from_secs(30));
    let bytes = cups.job_bytes(&job);
    assert!(bytes.starts_with(b"%PDF-"));
    let words = pdf_text(&bytes);
    assert!(words.contains(&code), "{words}");
    assert!(words.contains("Nguyễn Văn Đức"), "{words}");

    // Another form of the dossier's set on a chosen queue, in words.
    let out = cli_env(
        dir.path(),
        &[
            "dossier",
            "print",
            &code,
            "--form",
            "06",
            "--printer",
            "quay-2",
        ],
        "",
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.starts_with("Đã gửi tới máy in quay-2 (lệnh in quay-2-"),
        "{said}"
    );
    let job2 = said
        .split("lệnh in ")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .unwrap()
        .to_owned();
    cups.wait_completed(&job2, Duration::from_secs(30));
    assert!(pdf_text(&cups.job_bytes(&job2)).contains("PHIẾU KIỂM SOÁT"));

    // This month's report (a draft), on the default queue.
    let month = text(&Command::new("date").arg("+%Y-%m").output().unwrap().stdout)
        .trim()
        .to_owned();
    let done = ok_json(&cli_env(
        dir.path(),
        &["report", "print", "month", &month, "--json"],
        "",
        &env,
    ));
    assert_eq!(done["printer"], "quay-1");
    let job3 = done["jobId"].as_str().unwrap().to_owned();
    cups.wait_completed(&job3, Duration::from_secs(30));
    assert!(pdf_text(&cups.job_bytes(&job3)).contains("BÁO CÁO"));

    // No private copy left, nothing in Documents or anywhere under HOME.
    assert_eq!(files_under(tmp.path()), Vec::<String>::new());
    assert_eq!(files_under(home.path()), Vec::<String>::new());

    // Audited with the queue and the job, once the print system had it.
    let log = ok_json(&cli_env(dir.path(), &["audit", "list", "--json"], "", &env));
    let prints: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "print")
        .collect();
    assert_eq!(prints.len(), 3, "{prints:#?}");
    assert!(
        prints
            .iter()
            .any(|e| e["detail"].as_str().unwrap().contains(&job))
    );
}

#[test]
fn without_a_printer_or_a_print_service_the_error_says_so_and_offers_the_pdf() {
    let cups = CupsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    init(dir.path());
    let code = code_of(&new_dossier(dir.path(), "BHXH.01", None));
    let server = cups.server();
    let env = |server: &str| -> Vec<(String, String)> {
        AUTH.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain([
                ("CUPS_SERVER".to_owned(), server.to_owned()),
                ("TMPDIR".to_owned(), tmp.path().display().to_string()),
            ])
            .collect()
    };
    let run = |server: &str, args: &[&str]| {
        let e = env(server);
        let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        cli_env(dir.path(), args, "", &e)
    };

    // A scheduler with no queue.
    let out = run(&server, &["dossier", "print", &code]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("Lỗi: Máy tính này chưa có máy in nào."),
        "{err}"
    );
    assert!(err.contains("\"Lưu PDF…\""), "{err}");
    let out = run(&server, &["dossier", "print", &code, "--json"]);
    assert_eq!(json(&out)["error"]["code"], "no_printer");
    let out = run(&server, &["printers", "list"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).trim(), "Chưa có máy in nào.");

    // No scheduler at all.
    drop(cups);
    let out = run(&server, &["dossier", "print", &code, "--json"]);
    assert_eq!(json(&out)["error"]["code"], "print_service_down");
    assert!(
        text(&out.stderr).contains("Dịch vụ in CUPS không chạy"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(files_under(tmp.path()), Vec::<String>::new());
    // A refused print is not audited as printed.
    let log = ok_json(&cli_env(
        dir.path(),
        &["audit", "list", "--json"],
        "",
        &AUTH,
    ));
    assert!(
        !log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "print")
    );
}
