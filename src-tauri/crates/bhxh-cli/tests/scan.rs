//! Scanning straight into a dossier through a real SANE stack: SANE's own
//! `test` backend (Debian `libsane1`), enabled in the test's own
//! `SANE_CONFIG_DIR`, driven by `scanimage` as the desk drives any scanner.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::process::Command;

use common::*;

#[test]
fn a_component_is_scanned_from_the_feeder_and_the_flatbed() {
    assert!(
        Command::new("scanimage").arg("--version").output().is_ok(),
        "scanimage (sane-utils) is missing: scripts/deps.sh test"
    );
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let sane = sane_config(dir.path(), 2);
    let mut env: Vec<(&str, &str)> = AUTH.to_vec();
    env.push(("SANE_CONFIG_DIR", &sane));
    let run = |args: &[&str]| cli_env(dir.path(), args, "", &env);
    let code = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1,2")));

    let list = ok_json(&run(&["scanners", "list", "--json"]));
    let devices: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["device"].as_str().unwrap())
        .collect();
    assert_eq!(devices, vec!["test:0", "test:1"], "{list}");

    // The feeder: the test backend's ten pages, each into the component.
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
    assert_eq!(done["status"], "digitising", "{done}");
    // The flatbed: one page.
    let done = ok_json(&run(&[
        "scan",
        &code,
        "--component",
        "2",
        "--device",
        "test:1",
        "--json",
    ]));
    assert_eq!(done["pages"], 1, "{done}");
    assert_eq!(done["status"], "digitised", "{done}");

    // Every page went into the PDF as the scanner's JPEG, not re-encoded.
    let out = dir.path().join("xuat");
    let files: Vec<String> = serde_json::from_value(ok_json(&run(&[
        "dossier",
        "export",
        &code,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    let listed = Command::new("pdfimages")
        .arg("-list")
        .arg(&files[0])
        .output()
        .unwrap();
    let listed = text(&listed.stdout);
    let jpegs = listed
        .lines()
        .skip(2)
        .filter(|l| l.split_whitespace().nth(8) == Some("jpeg"))
        .count();
    assert_eq!(jpegs, 10, "{listed}");

    // What the scanner cannot do, or the desk will not, is said plainly.
    for (extra, said) in [
        (
            &["--device", "test:0", "--source", "duplex"][..],
            "không có chế độ «hai mặt»",
        ),
        (
            &["--device", "test:0", "--dpi", "150"][..],
            "thấp hơn mức tối thiểu 200 dpi",
        ),
        (&["--device", "khong-co:0"][..], "Máy quét"),
    ] {
        let mut args = vec!["scan", code.as_str(), "--component", "1"];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).contains(said),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}
