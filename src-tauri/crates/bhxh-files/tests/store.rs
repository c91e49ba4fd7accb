//! The sealed file store on a real directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_files::{CHUNK, FileError, FileStore, sha256_hex};
use bhxh_secrets::Key256;

fn scan(len: usize) -> Vec<u8> {
    // Recognisable plaintext: a marker repeated, so a leak would show.
    b"GIAY-RA-VIEN-Nguyen-Van-Duc-"
        .iter()
        .cycle()
        .take(len)
        .copied()
        .collect()
}

#[test]
fn files_of_every_size_round_trip_and_hold_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
        let plain = scan(len);
        let hash = store.put(&plain).unwrap();
        assert_eq!(hash, sha256_hex(&plain));
        assert_eq!(store.get(&hash).unwrap(), plain, "len {len}");
        let sealed = std::fs::read(store.path_of(&hash)).unwrap();
        assert!(sealed.starts_with(b"BHXHF\x01"));
        if len >= 28 {
            assert!(
                !sealed.windows(13).any(|w| w == b"GIAY-RA-VIEN-"),
                "plaintext visible at len {len}"
            );
        }
    }
    assert_eq!(store.list().unwrap().len(), 6);
    assert!(store.verify_all().unwrap().is_empty());
}

#[test]
fn the_same_paper_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    let a = store.put(&scan(1000)).unwrap();
    let before = std::fs::read(store.path_of(&a)).unwrap();
    let b = store.put(&scan(1000)).unwrap();
    assert_eq!(a, b);
    assert_eq!(std::fs::read(store.path_of(&a)).unwrap(), before);
    assert_eq!(store.list().unwrap(), vec![a]);
}

#[test]
fn altered_cut_swapped_or_foreign_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = Key256::generate().unwrap();
    let store = FileStore::open(dir.path(), &key).unwrap();
    let big = store.put(&scan(2 * CHUNK + 100)).unwrap();
    let small = store.put(&scan(500)).unwrap();
    let original = std::fs::read(store.path_of(&big)).unwrap();

    // One bit flipped in the second chunk.
    let mut bytes = original.clone();
    bytes[6 + 19 + (CHUNK + 16) + 10] ^= 1;
    std::fs::write(store.path_of(&big), &bytes).unwrap();
    assert!(matches!(
        store.get(&big),
        Err(FileError::Tampered { chunk: 2, .. })
    ));

    // Cut at a chunk boundary: what is left still decrypts piece by piece,
    // but its last piece was not sealed as the last.
    let cut = 6 + 19 + 2 * (CHUNK + 16);
    std::fs::write(store.path_of(&big), &original[..cut]).unwrap();
    assert!(matches!(
        store.get(&big),
        Err(FileError::Tampered { chunk: 2, .. })
    ));

    // Another file's sealed bytes under this name.
    std::fs::write(
        store.path_of(&big),
        std::fs::read(store.path_of(&small)).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        store.get(&big),
        Err(FileError::Tampered { chunk: 1, .. })
    ));
    std::fs::write(store.path_of(&big), &original).unwrap();
    assert!(store.get(&big).is_ok());

    // Not ours at all.
    std::fs::write(store.path_of(&small), b"%PDF-1.4 plain").unwrap();
    assert!(matches!(store.get(&small), Err(FileError::Format { .. })));
    let problems = store.verify_all().unwrap();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains(&small), "{problems:?}");

    // Another key.
    let other = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    assert!(matches!(
        other.get(&big),
        Err(FileError::Tampered { chunk: 1, .. })
    ));

    assert!(matches!(
        store.get("../../etc/passwd"),
        Err(FileError::BadHash(_))
    ));
    let absent = sha256_hex(b"never stored");
    assert!(matches!(store.get(&absent), Err(FileError::Missing { .. })));
}

#[test]
fn debris_of_an_interrupted_write_is_swept_and_never_listed() {
    let dir = tempfile::tempdir().unwrap();
    let key = Key256::generate().unwrap();
    let store = FileStore::open(dir.path(), &key).unwrap();
    let hash = store.put(&scan(10)).unwrap();
    std::fs::write(dir.path().join("tmp").join(format!("{hash}.dead")), b"half").unwrap();
    drop(store);
    let store = FileStore::open(dir.path(), &key).unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
    assert_eq!(store.list().unwrap(), vec![hash]);
}

#[test]
fn many_files_stored_at_once_come_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    let files: Vec<Vec<u8>> = (0..9).map(|i| scan(1000 + i * 7000)).collect();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let hashes = store.put_many(&refs).unwrap();
    assert_eq!(hashes.len(), 9);
    for (h, f) in hashes.iter().zip(&files) {
        assert_eq!(h, &sha256_hex(f));
        assert_eq!(&store.get(h).unwrap(), f);
    }
    assert!(store.put_many(&[]).unwrap().is_empty());
}

#[test]
fn unreferenced_files_are_swept_only_when_old_enough() {
    use std::collections::HashSet;
    use std::time::{Duration, SystemTime};
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    let kept = store.put(&scan(100)).unwrap();
    let orphan_old = store.put(&scan(200)).unwrap();
    let orphan_new = store.put(&scan(300)).unwrap();
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for h in [&kept, &orphan_old] {
        let f = std::fs::File::options()
            .write(true)
            .open(store.path_of(h))
            .unwrap();
        f.set_modified(an_hour_ago).unwrap();
    }
    let referenced: HashSet<String> = [kept.clone()].into();
    let removed = store
        .sweep_unreferenced(&referenced, Duration::from_secs(600))
        .unwrap();
    assert_eq!(removed, 1);
    let mut left = store.list().unwrap();
    left.sort();
    let mut want = vec![kept, orphan_new];
    want.sort();
    assert_eq!(left, want);
}
