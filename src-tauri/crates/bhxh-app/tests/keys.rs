//! The keys of a store are never made twice: a desk that finds its old
//! traces (its key in the keyring, sealed scans) without its database, or
//! sealed scans without their key, stops and says what to do instead of
//! making a new key over the old one. Real SQLCipher files and the real
//! Secret Service (`scripts/with-keyring.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;
use std::sync::{Arc, Barrier};

use bhxh_app::dto::Sex;
use bhxh_app::{Desk, KEYRING_SERVICE};
use bhxh_secrets::Keyring;

mod common;
use common::{ADMIN_PW, intake_input, jpeg, office_desk, take};

fn store_id(dir: &Path) -> String {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("desk.json")).unwrap()).unwrap();
    meta["store_id"].as_str().unwrap().to_owned()
}

fn keyring() -> Keyring {
    Keyring::open_native(KEYRING_SERVICE).unwrap()
}

/// The raw bytes of the keyring entry `name`, if any.
fn entry(name: &str) -> Option<Vec<u8>> {
    keyring().get(name).unwrap().map(|b| b.to_vec())
}

/// A desk with one component digitised (so sealed files exist): the
/// dossier code.
fn desk_with_a_scan(dir: &Path) -> String {
    let desk = office_desk(dir, None);
    let d = take(
        &desk,
        &intake_input(
            "Nguyễn Văn Đức",
            "001093047064",
            Sex::Male,
            "1993-01-05",
            vec![1],
        ),
    );
    let img = image::RgbImage::from_fn(300, 420, |x, y| image::Rgb([x as u8, y as u8, 200]));
    desk.dossier_import_bytes(&d.code, 1, &[("trang1.jpg".into(), jpeg(&img, 200))], None)
        .unwrap();
    d.code
}

#[test]
fn a_data_folder_whose_database_is_gone_is_not_started_afresh_over_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let code = desk_with_a_scan(dir.path());
    let id = store_id(dir.path());
    let db_key = entry(&format!("db-key:{id}")).unwrap();
    let files_key = entry(&format!("files-key:{id}")).unwrap();

    // desk.db moved away (the cheapest way to a fresh key: before, the next
    // start made a new store and wrote a new key over the old entry).
    let moved = dir.path().join("desk.db.chuyen-di");
    std::fs::rename(dir.path().join("desk.db"), &moved).unwrap();
    for side in ["desk.db-wal", "desk.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(side));
    }
    let err = Desk::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "store_missing");
    let msg = err.to_string();
    assert!(msg.contains("thiếu tệp desk.db"), "{msg}");
    assert!(
        msg.contains("khóa của kho vẫn nằm trong kho khóa bí mật"),
        "{msg}"
    );
    assert!(msg.contains("tệp số hóa đã mã hóa"), "{msg}");
    let hint = err.hint();
    assert!(
        hint.contains("--data-dir") && hint.contains("bhxh-desk db restore"),
        "{hint}"
    );
    assert!(
        !dir.path().join("desk.db").exists(),
        "no new store was made"
    );
    assert_eq!(entry(&format!("db-key:{id}")).unwrap(), db_key);

    // Without its key in the keyring too, the sealed scans alone still
    // stop it: a new store here would sweep them away as unreferenced.
    keyring().delete(&format!("db-key:{id}")).unwrap();
    let err = Desk::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "store_missing");
    assert!(err.to_string().contains("tệp số hóa đã mã hóa"), "{err}");
    assert!(entry(&format!("db-key:{id}")).is_none(), "nothing was kept");

    // Put back as it was: everything opens, every scan reads.
    keyring().set(&format!("db-key:{id}"), &db_key).unwrap();
    std::fs::rename(&moved, dir.path().join("desk.db")).unwrap();
    let desk = Desk::open(dir.path()).unwrap();
    assert!(desk.check().unwrap().ok);
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(desk.dossier_export(&code, out.path()).unwrap().len(), 1);
    assert_eq!(entry(&format!("files-key:{id}")).unwrap(), files_key);
}

#[test]
fn a_missing_file_store_key_is_never_made_again_over_sealed_scans() {
    let dir = tempfile::tempdir().unwrap();
    let code = desk_with_a_scan(dir.path());
    let name = format!("files-key:{}", store_id(dir.path()));
    let files_key = entry(&name).unwrap();
    keyring().delete(&name).unwrap();

    // The store opens (its own key is there), but the scans need theirs:
    // before, the first use made a new key and every sealed scan became
    // unreadable for good.
    let desk = Desk::open(dir.path()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = desk.dossier_export(&code, out.path()).unwrap_err();
    assert_eq!(err.code(), "files_key_missing");
    assert!(
        err.to_string().contains("BHXH Desk không tạo khóa mới"),
        "{err}"
    );
    assert!(err.hint().contains("bhxh-desk db restore"));
    assert!(entry(&name).is_none(), "no key was made");
    // `db check` says it as a problem of the files, and fails.
    let report = desk.check().unwrap();
    assert!(!report.ok);
    assert!(
        report.file_problems[0].contains("Không tìm thấy khóa của kho tệp số hóa"),
        "{report:?}"
    );
    drop(desk);

    // With the key back, every scan reads again.
    keyring().set(&name, &files_key).unwrap();
    let desk = Desk::open(dir.path()).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(desk.dossier_export(&code, out.path()).unwrap().len(), 1);
    assert!(desk.check().unwrap().ok);
}

#[test]
fn a_first_start_that_stopped_before_keeping_anything_goes_on() {
    // desk.json written, then the power went: no key, no database, no scan.
    let dir = tempfile::tempdir().unwrap();
    drop(office_desk(dir.path(), None));
    let id = store_id(dir.path());
    keyring().delete(&format!("db-key:{id}")).unwrap();
    std::fs::remove_file(dir.path().join("desk.db")).unwrap();
    for side in ["desk.db-wal", "desk.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(side));
    }
    let desk = Desk::open(dir.path()).unwrap();
    assert_eq!(desk.status().unwrap().stage, "needs_setup");
}

#[test]
fn desks_started_at_once_on_a_new_folder_keep_one_key() {
    // Eight processes' worth of first starts at the same moment (two
    // clicks, the window and a scheduled command): each either opens the
    // one store or is told to wait, and the key kept opens the file.
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let dir = Arc::clone(&dir);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                Desk::open(dir.path()).map(drop).map_err(|e| e.code())
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let desk = Desk::open(dir.path()).unwrap();
    assert_eq!(desk.status().unwrap().stage, "needs_setup");
    assert!(!dir.path().join(".khoa-kho.lock").exists());
}
