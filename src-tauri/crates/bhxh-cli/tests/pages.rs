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

/// The audit entries of `action` on dossier `code`, their details as JSON.
fn audited(
    run: &dyn Fn(&[&str]) -> std::process::Output,
    action: &str,
    code: &str,
) -> Vec<serde_json::Value> {
    ok_json(&run(&["audit", "list", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action && e["entityId"] == code)
        .map(|e| match &e["detail"] {
            serde_json::Value::String(s) => serde_json::from_str(s).unwrap(),
            other => other.clone(),
        })
        .collect()
}

#[test]
fn pages_of_a_batch_fed_into_one_component_are_moved_to_another_and_found_there() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &AUTH);
    let code = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1,2")));
    // Five pages fed in one batch into component 1: the form (two pages)
    // and the book (three pages, component 2's paper).
    let papers: Vec<PathBuf> = [
        "TỜ KHAI THAM GIA BẢO HIỂM\nTrang một",
        "TỜ KHAI THAM GIA BẢO HIỂM\nTrang hai",
        "SỔ BẢO HIỂM XÃ HỘI\nQuá trình đóng tại Hợp tác xã Sông Đà",
        "SỔ BẢO HIỂM XÃ HỘI\nCông ty Chè Mộc Châu",
        "SỔ BẢO HIỂM XÃ HỘI\nTrang cuối",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| paper(dir.path(), &format!("trang{}.jpg", i + 1), t))
    .collect();
    let scanned: Vec<Vec<u8>> = papers.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut args = vec!["dossier", "import", code.as_str(), "--component", "1"];
    args.extend(papers.iter().map(|p| p.to_str().unwrap()));
    let out = run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pages = |n: &str| run(&["dossier", "pages", &code, "--component", n, "--json"]);
    let export = |name: &str| -> Vec<PathBuf> {
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
        files.iter().map(PathBuf::from).collect()
    };
    let mv = |extra: &[&str]| {
        let mut args = vec!["dossier", "pages", code.as_str(), "--component"];
        args.extend_from_slice(extra);
        args.push("--json");
        run(&args)
    };

    // Refused, with the reason, and nothing made: the same component, one
    // the dossier has not, pages not there or named twice, a backwards or
    // endless range, a place past the end, a move mixed with an edit, no
    // component to move to.
    for (extra, said) in [
        (&["1", "--move", "3", "--to", "1"][..], "thành phần khác"),
        (
            &["1", "--move", "3", "--to", "9"][..],
            "không có thành phần số 9",
        ),
        (&["1", "--move", "4-6", "--to", "2"][..], "Không có trang 6"),
        (&["1", "--move", "0", "--to", "2"][..], "Không có trang 0"),
        (
            &["1", "--move", "3-5,4", "--to", "2"][..],
            "Trang 4 được chọn hai lần",
        ),
        (&["1", "--move", "5-3", "--to", "2"][..], "khoảng trang"),
        (
            &["1", "--move", "1-4294967295", "--to", "2"][..],
            "khoảng trang",
        ),
        (
            &["1", "--move", "x", "--to", "2"][..],
            "không phải số trang",
        ),
        (&["2", "--move", "1", "--to", "1"][..], "chưa được số hóa"),
        (
            &["1", "--move", "3", "--to", "2", "--rotate", "1:90"][..],
            "--rotate",
        ),
        (&["1", "--move", "3"][..], "--to"),
        (&["1", "--to", "2"][..], "--move"),
    ] {
        let out = mv(extra);
        assert_ne!(out.status.code(), Some(0), "{extra:?}");
        assert!(
            text(&out.stderr).contains(said),
            "{extra:?}: {said:?} not in {}",
            text(&out.stderr)
        );
    }
    let out = mv(&["1", "--move", "3", "--to", "2", "--at", "2"]);
    assert!(
        text(&out.stderr).contains("vị trí 2"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(export("v0").len(), 1, "nothing made by a refused move");

    // Pages 3–5 to component 2: both new PDFs, the scanner's JPEGs byte for
    // byte, the dossier digitised (both components handed in have a PDF).
    let moved = ok_json(&mv(&["1", "--move", "3-5", "--to", "2"]));
    assert_eq!(
        moved["from"]["pages"].as_array().unwrap().len(),
        2,
        "{moved}"
    );
    assert_eq!(moved["to"]["pages"].as_array().unwrap().len(), 3, "{moved}");
    assert_eq!(moved["status"], "digitised", "{moved}");
    let files = export("v1");
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(images(&files[0]), scanned[..2].to_vec());
    assert_eq!(images(&files[1]), scanned[2..].to_vec());
    assert_eq!(ok_json(&pages("2"))["pages"].as_array().unwrap().len(), 3);
    let moves = audited(&run, "move_pages", &code);
    assert_eq!(moves.len(), 1, "{moves:?}");
    assert_eq!(
        (&moves[0]["from"], &moves[0]["to"], &moves[0]["pages"]),
        (
            &serde_json::json!(1),
            &serde_json::json!(2),
            &serde_json::json!([3, 4, 5])
        ),
        "{moves:?}"
    );

    // OCR reads the scans where they were recorded; the dossier is found by
    // a word on a moved page, and component 2's archival copy carries it.
    let round = ok_json(&run(&["ocr", "run-once", "--json"]));
    assert_eq!(round["waiting"], 0, "{round}");
    let found = ok_json(&run(&["search", "moc chau", "--json"]));
    assert_eq!(found[0]["code"], code.as_str(), "{found}");
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
    let second = done["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .find(|f| f.to_string_lossy().ends_with("_tp2_luu-tru.pdf"))
        .unwrap();
    assert_eq!(images(&second), scanned[2..].to_vec());
    let words = Command::new("pdftotext")
        .arg(&second)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        text(&words.stdout).contains("Châu"),
        "{}",
        text(&words.stdout)
    );

    // A PDF received whole (component 3) takes no pages and gives none.
    let whole = dir.path().join("nhan.pdf");
    std::fs::copy(&files[0], &whole).unwrap();
    let out = run(&[
        "dossier",
        "import",
        &code,
        "--component",
        "3",
        whole.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for extra in [
        &["1", "--move", "1", "--to", "3"][..],
        &["3", "--move", "1", "--to", "1"][..],
    ] {
        let out = mv(extra);
        assert!(
            text(&out.stderr).contains("nhận nguyên bản"),
            "{}",
            text(&out.stderr)
        );
    }

    // Every page of component 2 back to the front of component 1: component
    // 2 has no PDF now, and the dossier waits for it again.
    let back = ok_json(&mv(&["2", "--move", "1-3", "--to", "1", "--at", "1"]));
    assert!(back["from"].is_null(), "{back}");
    assert_eq!(back["status"], "digitising", "{back}");
    let out = pages("2");
    assert!(
        text(&out.stderr).contains("chưa được số hóa"),
        "{}",
        text(&out.stderr)
    );
    let files = export("v2");
    let mut expect = scanned[2..].to_vec();
    expect.extend_from_slice(&scanned[..2]);
    assert_eq!(images(&files[0]), expect);
    assert_eq!(audited(&run, "move_pages", &code).len(), 2);

    // Once the dossier moved on to processing, no more moves.
    let out = mv(&["1", "--move", "1", "--to", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["dossier", "status", &code, "processing"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = mv(&["1", "--move", "1", "--to", "2"]);
    assert!(
        text(&out.stderr).contains("không số hóa thêm"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(audited(&run, "move_pages", &code).len(), 3);
}
