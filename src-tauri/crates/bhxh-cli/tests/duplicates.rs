//! The same person taking the same procedure in again while a dossier is
//! still open is warned, with the open dossiers' codes; a closed one, or
//! another procedure, is not a duplicate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use common::*;

#[test]
fn the_same_applicant_and_procedure_already_open_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let first = new_dossier(dir.path(), "BHXH.04", Some("1"));
    assert_eq!(first["openSame"].as_array().unwrap().len(), 0, "{first}");
    let a = code_of(&first);

    let second = new_dossier(dir.path(), "BHXH.04", Some("1"));
    let b = code_of(&second);
    assert_eq!(second["openSame"], serde_json::json!([a]), "{second}");
    let warned = second["warnings"].as_array().unwrap();
    assert!(
        warned.iter().any(|w| w
            .as_str()
            .unwrap()
            .starts_with(&format!("Người nộp đã có hồ sơ {a} cùng thủ tục này"))),
        "{second}"
    );

    // A third time: both open ones, newest first.
    let third = new_dossier(dir.path(), "BHXH.04", Some("1"));
    assert_eq!(third["openSame"], serde_json::json!([b, a]), "{third}");
    let c = code_of(&third);

    // A refused dossier is closed: no longer a duplicate.
    let out = cli_env(
        dir.path(),
        &[
            "dossier",
            "status",
            &a,
            "refused",
            "--note",
            "Thiếu giấy tờ",
        ],
        "",
        &AUTH,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let fourth = new_dossier(dir.path(), "BHXH.04", Some("1"));
    let open: Vec<String> = serde_json::from_value(fourth["openSame"].clone()).unwrap();
    assert_eq!(open, vec![c, b], "{fourth}");

    // Another procedure of the same person is not one.
    let other = new_dossier(dir.path(), "BHXH.01", None);
    assert_eq!(other["openSame"].as_array().unwrap().len(), 0, "{other}");
}
