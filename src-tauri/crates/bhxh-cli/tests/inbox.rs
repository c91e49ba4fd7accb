//! `bhxh-desk inbox …` as a scheduler runs it: the real binary, a real
//! store and the real Secret Service (run under `scripts/with-keyring.sh`),
//! a receipt printed by the CLI and rasterised at 200 dpi as the cover.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;
use std::process::Command;

mod common;
use common::{AUTH, cli_env, code_of, init, new_dossier, ok_json, page_jpeg, text};

/// `img2pdf` of `images` at 200 dpi into `out`, as a scanner's PDF.
fn img2pdf(images: &[&Path], out: &Path) {
    let ok = Command::new("img2pdf")
        .args(["--imgsize", "200dpi"])
        .args(images)
        .arg("-o")
        .arg(out)
        .status()
        .expect("img2pdf");
    assert!(ok.success());
}

#[test]
fn scan_once_files_a_scanned_pdf_by_its_cover_and_triages_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Signed in as the administrator, as a scheduler runs the command line.
    let run = |args: &[&str]| cli_env(d, args, "", &AUTH);
    init(d);
    let code = code_of(&new_dossier(d, "BHXH.01", Some("1,2")));
    let receipt = work.path().join("giay.pdf");
    let out = run(&[
        "dossier",
        "receipt",
        &code,
        "--out",
        receipt.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The receipt's first page at 200 dpi, as the scanner sees the cover.
    let ok = Command::new("pdftoppm")
        .args(["-jpeg", "-r", "200", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&receipt)
        .arg(work.path().join("bia"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ok.success());
    let p1 = work.path().join("p1.jpg");
    let p2 = work.path().join("p2.jpg");
    std::fs::write(&p1, page_jpeg(1)).unwrap();
    std::fs::write(&p2, page_jpeg(2)).unwrap();
    let scanned = inbox.path().join("scan-0001.pdf");
    img2pdf(&[&work.path().join("bia.jpg"), &p1, &p2], &scanned);
    // And a scan with no cover.
    let loose = inbox.path().join("scan-0002.pdf");
    img2pdf(&[&p2], &loose);

    // Where the inbox is, and no wait between polls for this test.
    let set = ok_json(&run(&[
        "inbox",
        "dir",
        inbox.path().to_str().unwrap(),
        "--settle-seconds",
        "0",
        "--json",
    ]));
    assert_eq!(set["dir"], inbox.path().to_str().unwrap());
    assert_eq!(set["settleSeconds"], 0);
    let shown = run(&["inbox", "dir"]);
    assert!(
        text(&shown.stdout).contains(inbox.path().to_str().unwrap()),
        "{shown:?}"
    );

    // First run sees the files; the second takes them.
    let r = ok_json(&run(&["inbox", "scan-once", "--json"]));
    assert_eq!(r["seen"], 2, "{r}");
    assert_eq!(r["waiting"].as_array().unwrap().len(), 2, "{r}");
    assert!(scanned.exists() && loose.exists());
    let r = ok_json(&run(&["inbox", "scan-once", "--json"]));
    assert_eq!(r["filed"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["filed"][0]["code"], code.as_str());
    assert_eq!(r["filed"][0]["component"], 1);
    assert_eq!(r["filed"][0]["pages"], 2);
    assert_eq!(r["triaged"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["triaged"][0]["file"], "scan-0002.pdf");
    assert!(!scanned.exists() && !loose.exists());
    // A third run has nothing to do.
    let r = ok_json(&run(&["inbox", "scan-once", "--json"]));
    assert_eq!(r["seen"], 0, "{r}");
    assert!(r["filed"].as_array().unwrap().is_empty());

    let list = ok_json(&run(&["inbox", "triage", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert!(
        list[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Không có trang bìa"),
        "{list}"
    );
    let done = ok_json(&run(&[
        "inbox",
        "assign",
        &id,
        &code,
        "--component",
        "2",
        "--json",
    ]));
    assert_eq!(done["pages"], 1);
    assert_eq!(done["status"], "digitised");
    // Filed once only.
    let again = run(&["inbox", "assign", &id, &code, "--component", "2"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("đã được xếp vào hồ sơ"),
        "{}",
        text(&again.stderr)
    );
    let list = ok_json(&run(&["inbox", "triage", "--json"]));
    assert!(list.as_array().unwrap().is_empty());

    let check = ok_json(&run(&["db", "check", "--json"]));
    assert_eq!(check["ok"], true, "{check}");
}
