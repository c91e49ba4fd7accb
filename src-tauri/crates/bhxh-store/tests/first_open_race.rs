//! The first stores a process opens, opened from many threads at once, can all
//! back up. Its own test binary, so SQLite starts uninitialised: before the fix
//! a thread could open its connection while SQLCipher was still registering
//! `sqlcipher_export` and fail with "no such function".

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::sync::{Arc, Barrier};

use bhxh_secrets::Key256;
use bhxh_store::{Migration, Store};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "notes",
    sql: "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
}];

#[test]
fn stores_opened_at_once_from_many_threads_all_back_up() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let dir = Arc::clone(&dir);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let path = dir.path().join(format!("desk-{i}.db"));
                let key = Key256::generate().unwrap();
                barrier.wait();
                let store = Store::create(&path, &key, MIGRATIONS).unwrap();
                store
                    .backup_to(&dir.path().join(format!("b-{i}.bak")), "mật khẩu")
                    .map_err(|e| format!("thread {i}: {e}"))
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
}
