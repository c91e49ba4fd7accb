//! Page tools from the command line (issue 14): a component scanned from a
//! real SANE stack (its `test` backend), a page turned, one dropped, pages
//! reordered — each a new PDF made of the scanner's own JPEG bytes, with
//! `/Rotate` for a turn — and a blank page dropped before OCR, the dossier
//! then found by a word on its paper.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The images `pdfimages -all` pulls out of a PDF, in page order.
fn images(pdf: &Path) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new("pdfimages")
        .arg("-all")
        .arg(pdf)
        .arg(dir.path().join("img"))
        .status()
        .expect("pdfimages (poppler-utils)");
    assert!(ok.success());
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// `pdfinfo`'s "Page N rot:" lines, as numbers.
fn rotations(pdf: &Path) -> Vec<u32> {
    let out = Command::new("pdfinfo")
        .args(["-f", "1", "-l", "999"])
        .arg(pdf)
        .output()
        .unwrap();
    text(&out.stdout)
        .lines()
        .filter(|l| l.contains(" rot:"))
        .map(|l| l.rsplit(' ').next().unwrap().trim().parse().unwrap())
        .collect()
}

#[test]
fn scanned_pages_are_turned_dropped_and_reordered_without_touching_the_scans() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let sane = sane_config(dir.path(), 1);
    let mut env: Vec<(&str, &str)> = AUTH.to_vec();
    env.push(("SANE_CONFIG_DIR", &sane));
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &env);
    let code = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1,2")));
    let export = |name: &str| -> PathBuf {
        let out = dir.path().join(name);
        let files: Vec<String> = serde_json::from_value(ok_json(&run(&[
            "dossier",
            "export",
            &code,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ])))
        .unwrap();
        PathBuf::from(&files[0])
    };

    // Ten pages from the feeder.
    let done = ok_json(&run(&[
        "scan",
        &code,
        "--component",
        "1",
        "--device",
        "test:0",
        "--source",
        "adf",
        "--dpi",
        "200",
        "--json",
    ]));
    assert_eq!(done["pages"], 10, "{done}");
    let first = export("v1");
    let scanned = images(&first);
    assert_eq!(scanned.len(), 10);
    assert!(scanned.iter().all(|j| j.starts_with(&[0xFF, 0xD8])));

    let listed = ok_json(&run(&[
        "dossier",
        "pages",
        &code,
        "--component",
        "1",
        "--json",
    ]));
    assert_eq!(listed["pages"].as_array().unwrap().len(), 10, "{listed}");
    assert_eq!(listed["receivedWhole"], false);
    let v1 = listed["sha256"].as_str().unwrap().to_owned();

    // Page 2 turned a quarter clockwise, page 10 dropped.
    let edited = ok_json(&run(&[
        "dossier",
        "pages",
        &code,
        "--component",
        "1",
        "--rotate",
        "2:90",
        "--delete",
        "10",
        "--json",
    ]));
    let pages = edited["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 9, "{edited}");
    assert_eq!(pages[1]["rotate"], 90, "{edited}");
    assert_ne!(edited["sha256"].as_str().unwrap(), v1);
    let second = export("v2");
    assert_eq!(
        images(&second),
        scanned[..9].to_vec(),
        "the scanner's JPEGs, byte for byte"
    );
    assert_eq!(rotations(&second), vec![0, 90, 0, 0, 0, 0, 0, 0, 0]);

    // Reordered: the last first; a turn adds to the one there was (page
    // numbers are those of the version edited: page 2, turned, goes third).
    let edited = ok_json(&run(&[
        "dossier",
        "pages",
        &code,
        "--component",
        "1",
        "--order",
        "9,1,2,3,4,5,6,7,8",
        "--rotate",
        "2:-90",
        "--json",
    ]));
    assert_eq!(edited["pages"][2]["rotate"], 0, "{edited}");
    let third = export("v3");
    let mut expect = vec![scanned[8].clone()];
    expect.extend_from_slice(&scanned[..8]);
    assert_eq!(images(&third), expect);
    assert_eq!(rotations(&third), vec![0; 9]);

    // The history is in the audit log: what was dropped and turned, from which version.
    let audit = ok_json(&run(&["audit", "list", "--json"]));
    let edits: Vec<&serde_json::Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "edit_pages" && e["entityId"] == code.as_str())
        .collect();
    assert_eq!(edits.len(), 2, "{audit}");
    let details: Vec<String> = edits.iter().map(|e| e["detail"].to_string()).collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains(&v1) && d.contains("dropped") && d.contains("[10]")),
        "{details:?}"
    );

    // Refused, with the reason, and nothing made.
    for (extra, said) in [
        (&["--rotate", "1:45"][..], "45°"),
        (&["--delete", "12"][..], "Không có trang 12"),
        (&["--order", "1,2"][..], "thiếu trang 3"),
        (&["--order", "1,1,2,3,4,5,6,7,8,9"][..], "hai lần"),
        (
            &["--delete", "1", "--rotate", "1:90"][..],
            "vừa bị xóa vừa được xoay",
        ),
        (&["--rotate", "1:360"][..], "Không có thay đổi"),
        (&["--rotate", "x"][..], "TRANG:ĐỘ"),
    ] {
        let mut args = vec!["dossier", "pages", code.as_str(), "--component", "1"];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(
            text(&out.stderr).contains(said),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let all: Vec<String> = (1..=9).map(|p| p.to_string()).collect();
    let mut args = vec!["dossier", "pages", code.as_str(), "--component", "1"];
    for p in &all {
        args.extend_from_slice(&["--delete", p]);
    }
    let out = run(&args);
    assert!(
        text(&out.stderr).contains("ít nhất một trang"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        images(&export("v4")),
        expect,
        "nothing changed by a refused edit"
    );
}

#[test]
fn a_blank_page_is_dropped_and_the_dossier_found_by_a_word_on_its_paper() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &AUTH);
    let code = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1")));
    let page = paper(
        dir.path(),
        "giay.jpg",
        "GIẤY XÁC NHẬN\nCông ty Cà phê Buôn Ma Thuột",
    );
    let blank = dir.path().join("trang.jpg");
    assert!(
        Command::new("convert")
            .args([
                "-size",
                "1654x2339",
                "-density",
                "300",
                "-units",
                "PixelsPerInch",
                "xc:white"
            ])
            .arg(&blank)
            .status()
            .unwrap()
            .success()
    );
    let out = run(&[
        "dossier",
        "import",
        &code,
        "--component",
        "1",
        blank.to_str().unwrap(),
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let edited = ok_json(&run(&[
        "dossier",
        "pages",
        &code,
        "--component",
        "1",
        "--delete",
        "1",
        "--json",
    ]));
    assert_eq!(edited["pages"].as_array().unwrap().len(), 1, "{edited}");
    let round = ok_json(&run(&["ocr", "run-once", "--json"]));
    assert_eq!(round["waiting"], 0, "{round}");
    let found = ok_json(&run(&["search", "buon ma thuot", "--json"]));
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec![code.as_str()], "{found}");

    // The archival copy: PDF/A-2b, the scanner's JPEG byte for byte, the
    // words OCR read hidden over it (the blank page dropped before).
    let out = dir.path().join("luu-tru");
    let done = ok_json(&run(&[
        "dossier",
        "export",
        &code,
        "--out",
        out.to_str().unwrap(),
        "--archive",
        "--json",
    ]));
    assert_eq!(done["pagesWithoutText"], 0, "{done}");
    let file = PathBuf::from(done["files"][0].as_str().unwrap());
    assert!(
        file.to_string_lossy().ends_with("_tp1_luu-tru.pdf"),
        "{done}"
    );
    assert_eq!(images(&file), vec![std::fs::read(&page).unwrap()]);
    let words = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let words = text(&words.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // (what OCR read: "Buôn" may come out "Buồn"; the rest is sure)
    assert!(
        words.contains("Cà phê") && words.contains("Ma Thuột"),
        "{words}"
    );
    let meta = Command::new("pdfinfo")
        .arg("-meta")
        .arg(&file)
        .output()
        .unwrap();
    assert!(text(&meta.stdout).contains("<pdfaid:part>2</pdfaid:part>"));
}
