//! Backups that cannot lose data: the archive holds the database, the
//! sealed scans and their key under the passphrase; a restore on a machine
//! whose keyring never saw the store gives every scan back byte for byte;
//! backups of the older format still restore; a damaged or hostile archive
//! is refused, precisely, before anything changes. Real SQLCipher files and
//! the real Secret Service (`scripts/with-keyring.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::{Path, PathBuf};

use bhxh_app::dto::Sex;
use bhxh_app::{Desk, KEYRING_SERVICE};
use bhxh_secrets::Keyring;

mod common;
use common::{ADMIN_PW, intake_input, jpeg, office_desk, take};

const PASS: &str = "mat-khau-sao-luu-2024";

fn store_id(dir: &Path) -> String {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("desk.json")).unwrap()).unwrap();
    meta["store_id"].as_str().unwrap().to_owned()
}

/// Forget every key of the store in `dir`, as a new machine's keyring has
/// none of them.
fn forget_keys(dir: &Path) {
    let id = store_id(dir);
    let keyring = Keyring::open_native(KEYRING_SERVICE).unwrap();
    for kind in ["db-key", "files-key", "paper-key"] {
        keyring.delete(&format!("{kind}:{id}")).unwrap();
    }
}

/// A scan page, distinct per seed.
fn scan(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(320, 450, |x, y| {
        image::Rgb([
            (x % 251) as u8 ^ seed,
            (y % 241) as u8,
            seed.wrapping_mul(7),
        ])
    });
    jpeg(&img, 200)
}

/// Every file a dossier's export writes, by name, with its bytes.
fn exported(desk: &Desk, code: &str) -> Vec<(String, Vec<u8>)> {
    let out = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, Vec<u8>)> = desk
        .dossier_export(code, out.path())
        .unwrap()
        .into_iter()
        .map(|p: PathBuf| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// An office with two components of one dossier digitised: the desk and the
/// dossier code.
fn office_with_scans(dir: &Path) -> (Desk, String) {
    let desk = office_desk(dir, None);
    let d = take(
        &desk,
        &intake_input(
            "Nguyễn Văn Đức",
            "001093047064",
            Sex::Male,
            "1993-01-05",
            vec![1, 2],
        ),
    );
    desk.dossier_import_bytes(
        &d.code,
        1,
        &[("t1.jpg".into(), scan(1)), ("t2.jpg".into(), scan(2))],
        None,
    )
    .unwrap();
    desk.dossier_import_bytes(&d.code, 2, &[("t3.jpg".into(), scan(3))], None)
        .unwrap();
    (desk, d.code)
}

#[test]
fn a_backup_restored_where_no_key_was_ever_seen_gives_every_scan_back_byte_for_byte() {
    let root = tempfile::tempdir().unwrap();
    let office = root.path().join("van-phong");
    let (desk, code) = office_with_scans(&office);
    let before = exported(&desk, &code);
    assert_eq!(before.len(), 2);
    let receipt = desk.dossier_receipt(&code).unwrap();
    let file = root.path().join("sao-luu.bhxhbak");
    let done = desk.backup(&file, PASS).unwrap();
    assert!(done.files >= 5, "{done:?}"); // 3 pages + 2 PDFs
    assert_eq!(done.files_missing, 0);
    assert_eq!(
        done.sha256,
        bhxh_files::sha256_hex(&std::fs::read(&file).unwrap())
    );
    // Nothing of the backup's making is left beside it or in the data folder.
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        2,
        "only the office folder and the backup"
    );
    assert!(!office.join("sao-luu-dang-ghi.json").exists());
    // Its audit entry names the file's hash, written once it was whole.
    let log = desk.audit_list(20, None).unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "export" && e.entity == "store")
        .unwrap();
    assert!(entry.detail.contains(&done.sha256), "{}", entry.detail);
    drop(desk);

    // The machine is lost: its folder and every key in its keyring.
    forget_keys(&office);
    std::fs::remove_dir_all(&office).unwrap();

    let fresh = root.path().join("may-moi");
    let err = Desk::restore(&fresh, &file, "khong-dung-mat-khau", None).unwrap_err();
    assert_eq!(err.code(), "bad_backup");
    assert!(!fresh.join("desk.db").exists());
    let (restored, report) = Desk::restore(&fresh, &file, PASS, None).unwrap();
    assert_eq!(report.format, "archive");
    assert_eq!(report.files_restored, done.files);
    assert_eq!(report.audit_seq, Some(done.audit_seq));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let check = restored.check().unwrap();
    assert!(check.ok, "{check:?}");
    restored.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(
        exported(&restored, &code),
        before,
        "every scan, byte for byte"
    );

    // A receipt printed before the loss is still taken as a cover: the
    // key that signs the papers came back too.
    let meta = store_id(&fresh);
    let paper_key = Keyring::open_native(KEYRING_SERVICE)
        .unwrap()
        .get_key(&format!("paper-key:{meta}"))
        .unwrap()
        .unwrap();
    let page = common::first_page(&receipt, &["-png", "-gray"]);
    let img = image::load_from_memory(&page).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let text = prepared.detect_grids()[0].decode().unwrap().1;
    let read = bhxh_core::dossiers::qr::parse(text.as_bytes()).unwrap();
    assert!(read.verify(paper_key.as_bytes()).is_ok());
    // The restore is on the record, with the head the backup was taken at.
    let log = restored.audit_list(5, None).unwrap();
    assert!(log.iter().any(|e| {
        e.action == "restore"
            && e.detail
                .contains(&format!("\"audit_seq\":{}", done.audit_seq))
    }));
}

#[test]
fn a_backup_restored_over_the_live_store_keeps_its_keys_and_its_scans() {
    let root = tempfile::tempdir().unwrap();
    let office = root.path().join("van-phong");
    let (desk, code) = office_with_scans(&office);
    let before = exported(&desk, &code);
    desk.dossier_receipt(&code).unwrap(); // makes the paper key
    let file = root.path().join("sao-luu.bhxhbak");
    desk.backup(&file, PASS).unwrap();
    drop(desk);
    let id = store_id(&office);
    let keyring = Keyring::open_native(KEYRING_SERVICE).unwrap();
    let keys: Vec<Vec<u8>> = ["db-key", "files-key", "paper-key"]
        .iter()
        .map(|k| keyring.get(&format!("{k}:{id}")).unwrap().unwrap().to_vec())
        .collect();
    let err = Desk::restore(&office, &file, PASS, None).unwrap_err();
    assert_eq!(err.code(), "not_signed_in");
    let (back, report) = Desk::restore(&office, &file, PASS, Some(("quantri", ADMIN_PW))).unwrap();
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert!(back.check().unwrap().ok);
    back.sign_in("quantri", ADMIN_PW).unwrap();
    assert_eq!(exported(&back, &code), before);
    // Not one keyring entry was written over.
    let after: Vec<Vec<u8>> = ["db-key", "files-key", "paper-key"]
        .iter()
        .map(|k| keyring.get(&format!("{k}:{id}")).unwrap().unwrap().to_vec())
        .collect();
    assert_eq!(after, keys);
}

#[test]
fn a_backup_of_the_older_format_restores_and_says_its_scans_are_missing() {
    let root = tempfile::tempdir().unwrap();
    let office = root.path().join("van-phong");
    let (desk, _code) = office_with_scans(&office);
    // What `db backup` wrote before: the SQLCipher file alone.
    let old = root.path().join("cu.bhxhbak");
    desk.store().backup_to(&old, PASS).unwrap();
    drop(desk);

    let fresh = root.path().join("may-moi");
    let (restored, report) = Desk::restore(&fresh, &old, PASS, None).unwrap();
    assert_eq!(report.format, "database_only");
    assert_eq!(report.files_restored, 0);
    assert!(
        report.notes[0].contains("Bản sao lưu kiểu cũ"),
        "{:?}",
        report.notes
    );
    assert!(report.notes[1].contains("db check"), "{:?}", report.notes);
    let check = restored.check().unwrap();
    assert!(!check.ok);
    assert!(
        check
            .file_problems
            .iter()
            .all(|p| p.starts_with("Thiếu tệp")),
        "{check:?}"
    );
    assert!(check.file_problems.len() >= 5, "{check:?}");
    assert!(check.audit_problems.is_empty() && check.integrity_problems.is_empty());
}

#[test]
fn a_damaged_or_hostile_archive_is_refused_precisely_before_anything_changes() {
    let root = tempfile::tempdir().unwrap();
    let office = root.path().join("van-phong");
    let (desk, _code) = office_with_scans(&office);
    let file = root.path().join("sao-luu.bhxhbak");
    desk.backup(&file, PASS).unwrap();
    drop(desk);
    let good = std::fs::read(&file).unwrap();
    let n = good.len();

    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    // Cut short anywhere: in the header, mid-record, before the MAC.
    for cut in [10, 60, 200, n / 2, n - 33, n - 1] {
        cases.push(("cut", good[..cut].to_vec(), "bị cắt cụt|quá ngắn|vượt quá"));
    }
    // One byte changed: in the database, in a sealed file, in the MAC.
    for at in [300, n / 2, n - 5] {
        let mut b = good.clone();
        b[at] ^= 0x01;
        cases.push((
            "flip",
            b,
            "mã xác thực của tệp không khớp|loại mục|vượt quá|thứ tự|dài",
        ));
    }
    // Bytes added after the end.
    let mut longer = good.clone();
    longer.extend_from_slice(b"thua");
    cases.push(("longer", longer, "còn dữ liệu sau nó|thứ tự|vượt quá"));
    // argon2 asked to use 4 TiB of memory: refused, not obeyed.
    let mut greedy = good.clone();
    greedy[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    cases.push(("argon2", greedy, "ngoài giới hạn"));
    // A record claiming a body longer than the file (an allocation bomb).
    let mut bomb = good.clone();
    bomb[52 + 3..52 + 11].copy_from_slice(&u64::MAX.to_be_bytes());
    cases.push(("bomb", bomb, "vượt quá phần còn lại"));

    let fresh = root.path().join("may-moi");
    for (what, bytes, needles) in cases {
        let p = root.path().join("hong.bhxhbak");
        std::fs::write(&p, &bytes).unwrap();
        let err = Desk::restore(&fresh, &p, PASS, None).unwrap_err();
        let msg = err.to_string();
        assert!(
            needles.split('|').any(|n| msg.contains(n)),
            "{what}: {} {msg}",
            err.code()
        );
        assert!(
            matches!(err.code(), "corrupt_backup" | "bad_backup" | "store_error"),
            "{what}: {} {msg}",
            err.code()
        );
        assert!(!fresh.join("desk.db").exists(), "{what}: nothing restored");
        let left: Vec<_> = std::fs::read_dir(&fresh)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "desk.json")
            .collect();
        assert!(left.is_empty(), "{what}: debris {left:?}");
    }
}
