//! Words inside the papers: a scan of a Vietnamese paper digitised, read by
//! the real Tesseract (`ocr run-once`), and the dossier found by a word that
//! is only on the paper, typed without diacritics; a blank page flagged.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::process::Command;

use common::*;

#[test]
fn a_dossier_is_found_by_a_word_on_its_papers_after_ocr() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &AUTH);
    let code = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1,2")));
    let page = paper(
        dir.path(),
        "giay-ra-vien.jpg",
        "GIẤY RA VIỆN\nBệnh viện Đa khoa vùng Tây Nguyên\nChẩn đoán: viêm phổi cấp",
    );
    let blank = dir.path().join("trang-trang.jpg");
    assert!(
        Command::new("convert")
            .args(["-size", "1654x2339", "xc:white"])
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
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&[
        "dossier",
        "import",
        &code,
        "--component",
        "2",
        blank.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Before OCR the word is nowhere.
    let found = ok_json(&run(&["search", "tay nguyen", "--json"]));
    assert_eq!(found.as_array().unwrap().len(), 0, "{found}");

    let round = ok_json(&run(&["ocr", "run-once", "--json"]));
    assert_eq!(round["files"], 2, "{round}");
    assert_eq!(round["pages"], 2, "{round}");
    assert_eq!(round["waiting"], 0, "{round}");
    let unreadable = round["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{round}");
    assert!(
        unreadable[0].as_str().unwrap().contains("thành phần 2"),
        "{round}"
    );

    // Without diacritics, đ and all: the word on the paper finds the dossier.
    for q in ["tay nguyen", "viem phoi", "Đa khoa", "da khoa"] {
        let found = ok_json(&run(&["search", q, "--json"]));
        let codes: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, vec![code.as_str()], "{q}: {found}");
    }
    // A second round has nothing left to read.
    let again = ok_json(&run(&["ocr", "run-once", "--json"]));
    assert_eq!(again["files"], 0);

    // The text, shown on request, is an audited view.
    let t = ok_json(&run(&["dossier", "text", &code, "--json"]));
    assert!(t["text"].as_str().unwrap().contains("Tây Nguyên"), "{t}");
    assert_eq!(t["pagesRead"], 2);
    assert_eq!(t["unreadable"][0]["number"], 2);
    let audit = ok_json(&run(&["audit", "list", "--json"]));
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "view"
                && e["entityId"] == code.as_str()
                && e["detail"]
                    .as_str()
                    .unwrap_or("")
                    .contains("\"paperText\":2")),
        "{audit}"
    );
}
