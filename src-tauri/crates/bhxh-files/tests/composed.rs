//! Composed files (an assembled PDF that names the scans it carries) on a
//! real directory: read back byte for byte, small on disk, and every way of
//! changing or removing what they are made from is caught.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::collections::HashSet;
use std::time::Duration;

use bhxh_files::{FileStore, is_composed, sha256_hex};
use bhxh_secrets::Key256;

/// A page's bytes: distinct per `seed`, not compressible into a pattern.
fn page(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// "A PDF": structure bytes around the pages, as an assembler writes them.
fn whole_of(pages: &[Vec<u8>]) -> Vec<u8> {
    let mut w = b"%PDF-1.7\n".to_vec();
    for (i, p) in pages.iter().enumerate() {
        w.extend_from_slice(
            format!("{} 0 obj << /Length {} >> stream\n", i + 1, p.len()).as_bytes(),
        );
        w.extend_from_slice(p);
        w.extend_from_slice(b"\nendstream endobj\n");
    }
    w.extend_from_slice(b"trailer << >>\n%%EOF\n");
    w
}

fn store_with_pages(n: u32) -> (tempfile::TempDir, FileStore, Vec<Vec<u8>>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    let pages: Vec<Vec<u8>> = (0..n).map(|i| page(i + 1, 150_000 + i as usize)).collect();
    let refs: Vec<&[u8]> = pages.iter().map(Vec::as_slice).collect();
    let hashes = store.put_many(&refs).unwrap();
    (dir, store, pages, hashes)
}

fn parts<'a>(hashes: &'a [String], pages: &'a [Vec<u8>]) -> Vec<(&'a str, &'a [u8])> {
    hashes
        .iter()
        .map(String::as_str)
        .zip(pages.iter().map(Vec::as_slice))
        .collect()
}

#[test]
fn a_composed_file_reads_back_byte_for_byte_and_stores_only_its_own_bytes() {
    let (_dir, store, pages, hashes) = store_with_pages(5);
    let whole = whole_of(&pages);
    let hash = store.put_composed(&whole, &parts(&hashes, &pages)).unwrap();
    assert_eq!(
        hash,
        sha256_hex(&whole),
        "named as a plain put would name it"
    );
    assert_eq!(store.get(&hash).unwrap(), whole);
    let sealed = std::fs::read(store.path_of(&hash)).unwrap();
    assert!(is_composed(&sealed));
    assert!(
        sealed.len() < 2_000,
        "the recipe holds no page: {} bytes",
        sealed.len()
    );
    let mut named = store.parts_of(&hash).unwrap();
    named.sort();
    let mut expected = hashes.clone();
    expected.sort();
    assert_eq!(named, expected);
    assert!(store.verify_all().unwrap().is_empty());
    // Stored again: nothing changes.
    assert_eq!(
        store.put_composed(&whole, &parts(&hashes, &pages)).unwrap(),
        hash
    );
    // Pages written in another order than given are found too.
    let mut reversed = pages.clone();
    reversed.reverse();
    let other = whole_of(&reversed);
    let h2 = store.put_composed(&other, &parts(&hashes, &pages)).unwrap();
    assert_eq!(store.get(&h2).unwrap(), other);
    assert_eq!(store.parts_of(&h2).unwrap().len(), 5);
}

#[test]
fn without_any_stored_page_inside_it_is_stored_plain() {
    let (_dir, store, pages, hashes) = store_with_pages(2);
    let unrelated = page(99, 50_000);
    let hash = store
        .put_composed(&unrelated, &parts(&hashes, &pages))
        .unwrap();
    assert!(!is_composed(&std::fs::read(store.path_of(&hash)).unwrap()));
    assert_eq!(store.get(&hash).unwrap(), unrelated);
}

#[test]
fn a_page_not_yet_stored_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    let p = page(1, 20_000);
    let h = sha256_hex(&p);
    let whole = whole_of(std::slice::from_ref(&p));
    let e = store.put_composed(&whole, &[(&h, &p)]).unwrap_err();
    assert!(e.to_string().contains(&h), "{e}");
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn a_page_changed_swapped_or_removed_under_a_composed_file_is_caught() {
    let (_dir, store, pages, hashes) = store_with_pages(3);
    let whole = whole_of(&pages);
    let hash = store.put_composed(&whole, &parts(&hashes, &pages)).unwrap();

    // The cheapest swap: another stored page's sealed bytes (a valid
    // sealed file, same key) put where page 2 lives.
    let p2 = store.path_of(&hashes[1]);
    let saved = std::fs::read(&p2).unwrap();
    std::fs::copy(store.path_of(&hashes[2]), &p2).unwrap();
    let e = store.get(&hash).unwrap_err().to_string();
    assert!(e.contains(&hashes[1]), "{e}");

    // One bit of the page flipped.
    let mut flipped = saved.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    std::fs::write(&p2, &flipped).unwrap();
    assert!(store.get(&hash).is_err());

    // The page gone.
    std::fs::remove_file(&p2).unwrap();
    let e = store.get(&hash).unwrap_err().to_string();
    assert!(e.contains("thiếu tệp") && e.contains(&hashes[1]), "{e}");
    assert!(!store.verify_all().unwrap().is_empty());

    // Back as it was: whole again.
    std::fs::write(&p2, &saved).unwrap();
    assert_eq!(store.get(&hash).unwrap(), whole);

    // The recipe itself altered.
    let rp = store.path_of(&hash);
    let mut recipe = std::fs::read(&rp).unwrap();
    let mid = recipe.len() / 2;
    recipe[mid] ^= 0x40;
    std::fs::write(&rp, &recipe).unwrap();
    assert!(store.get(&hash).is_err());
}

#[test]
fn the_sweep_keeps_the_pages_a_kept_composed_file_is_made_from() {
    let (_dir, store, pages, hashes) = store_with_pages(3);
    let whole = whole_of(&pages);
    let hash = store.put_composed(&whole, &parts(&hashes, &pages)).unwrap();
    // Only the composed file is referenced (as a record would refer to
    // the assembled PDF alone).
    let referenced: HashSet<String> = [hash.clone()].into();
    assert_eq!(
        store
            .sweep_unreferenced(&referenced, Duration::ZERO)
            .unwrap(),
        0
    );
    assert_eq!(store.get(&hash).unwrap(), whole);
    // Nothing referenced: all go.
    assert_eq!(
        store
            .sweep_unreferenced(&HashSet::new(), Duration::ZERO)
            .unwrap(),
        4
    );
}

#[test]
fn a_backup_s_composed_file_is_restored_under_another_key() {
    let (_dir, store, pages, hashes) = store_with_pages(3);
    let whole = whole_of(&pages);
    let hash = store.put_composed(&whole, &parts(&hashes, &pages)).unwrap();
    let backup_key = Key256::generate().unwrap();
    // A backup carries the sealed bytes as stored, under the store's key:
    // reopen the first store's files under a key we hold.
    let dir = tempfile::tempdir().unwrap();
    let first = FileStore::open(dir.path(), &backup_key).unwrap();
    let refs: Vec<&[u8]> = pages.iter().map(Vec::as_slice).collect();
    first.put_many(&refs).unwrap();
    let h = first.put_composed(&whole, &parts(&hashes, &pages)).unwrap();
    assert_eq!(h, hash);
    let sealed_recipe = first.get_sealed(&hash).unwrap();

    let there = tempfile::tempdir().unwrap();
    let restored = FileStore::open(there.path(), &Key256::generate().unwrap()).unwrap();
    // Before its pages: refused, and nothing left behind.
    let e = restored
        .restore_composed(&backup_key, &hash, &sealed_recipe)
        .unwrap_err();
    assert!(e.to_string().contains("thiếu tệp"), "{e}");
    assert!(!restored.contains(&hash));
    for p in &hashes {
        let plain = FileStore::unseal_with(&backup_key, p, &first.get_sealed(p).unwrap()).unwrap();
        restored.put_restoring(&plain).unwrap();
    }
    restored
        .restore_composed(&backup_key, &hash, &sealed_recipe)
        .unwrap();
    assert_eq!(restored.get(&hash).unwrap(), whole);
    // A recipe sealed under another key than the backup's is refused.
    let wrong = Key256::generate().unwrap();
    assert!(
        restored
            .restore_composed(&wrong, &hash, &sealed_recipe)
            .is_err()
    );
}

#[test]
fn a_part_whose_bytes_are_not_its_stored_file_is_kept_inline() {
    let (_dir, store, pages, hashes) = store_with_pages(2);
    let whole = whole_of(&pages);
    // Page 1's hash given with page 2's bytes (a caller's slip): the run is
    // not named, and the file still reads back whole.
    let wrong: Vec<(&str, &[u8])> = vec![(&hashes[0], &pages[1]), (&hashes[1], &pages[0])];
    let hash = store.put_composed(&whole, &wrong).unwrap();
    assert_eq!(store.get(&hash).unwrap(), whole);
    assert!(store.parts_of(&hash).unwrap().is_empty());
}

#[test]
fn hashes_carried_from_storing_give_the_same_composed_file_without_hashing_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), &Key256::generate().unwrap()).unwrap();
    let pages: Vec<Vec<u8>> = (0..4).map(|i| page(i + 40, 120_000)).collect();
    let refs: Vec<&[u8]> = pages.iter().map(Vec::as_slice).collect();
    let parts = store.put_many_hashed(&refs).unwrap();
    for (p, bytes) in parts.iter().zip(&pages) {
        assert_eq!(p.hash(), sha256_hex(bytes));
        assert_eq!(p.bytes(), bytes.as_slice());
    }
    let whole = bhxh_files::Hashed::new(whole_of(&pages));
    assert_eq!(whole.hash(), sha256_hex(whole.bytes()));
    let hash = store.put_composed_hashed(&whole, &parts).unwrap();
    assert_eq!(hash, whole.hash());
    assert!(is_composed(&std::fs::read(store.path_of(&hash)).unwrap()));
    assert_eq!(store.get(&hash).unwrap(), whole.bytes());
    // The same bytes through the hashing path: the same file, not a second.
    let pairs: Vec<(&str, &[u8])> = parts.iter().map(|p| (p.hash(), p.bytes())).collect();
    assert_eq!(store.put_composed(whole.bytes(), &pairs).unwrap(), hash);
    // A part not stored (a Hashed made by hand, never put) is refused
    // before anything is written.
    let stray = page(99, 120_000);
    let mut with_stray = pages.clone();
    with_stray.push(stray.clone());
    let other = bhxh_files::Hashed::new(whole_of(&with_stray));
    let mut more: Vec<bhxh_files::Hashed<&[u8]>> = parts.clone();
    more.push(bhxh_files::Hashed::new(stray.as_slice()));
    let e = store.put_composed_hashed(&other, &more).unwrap_err();
    assert!(matches!(e, bhxh_files::FileError::Missing { .. }), "{e}");
    assert!(!store.path_of(other.hash()).exists());
}
