//! The store against real SQLCipher files on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_secrets::Key256;
use bhxh_store::{Migration, Store, StoreError};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "notes",
        sql: "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
    },
    Migration {
        version: 2,
        name: "tags",
        sql: "CREATE TABLE tag (note_id INTEGER NOT NULL REFERENCES note(id), tag TEXT NOT NULL);",
    },
];

const SECRET_WORD: &str = "Nguyễn Thị Phượng Đồng Tháp";

fn key() -> Key256 {
    Key256::generate().unwrap()
}

/// A store file at `path` with only the first migration, closed.
fn create_at_version_1(path: &std::path::Path, k: &Key256) {
    Store::create(path, k, &MIGRATIONS[..1])
        .unwrap()
        .close()
        .unwrap();
}

#[test]
fn file_holds_no_plaintext_and_reopens_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let k = key();
    let store = Store::create(&path, &k, MIGRATIONS).unwrap();
    {
        let mut conn = store.conn().unwrap();
        let tx = conn.write().unwrap();
        for _ in 0..50 {
            tx.execute("INSERT INTO note (text) VALUES (?1)", [SECRET_WORD])
                .unwrap();
        }
        tx.commit().unwrap();
    }
    assert_eq!(store.schema_version().unwrap(), 2);
    store.close().unwrap();

    for file in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        for needle in [SECRET_WORD.as_bytes(), b"CREATE TABLE", b"SQLite format 3"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "plaintext {:?} found in the store",
                String::from_utf8_lossy(needle)
            );
        }
    }

    let store = Store::open(&path, &k, MIGRATIONS).unwrap();
    let n: i64 = store
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM note WHERE text = ?1",
            [SECRET_WORD],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 50);
    assert!(store.integrity_problems().unwrap().is_empty());
}

#[test]
fn a_wrong_key_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    Store::create(&path, &key(), MIGRATIONS)
        .unwrap()
        .close()
        .unwrap();
    let err = Store::open(&path, &key(), MIGRATIONS).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert!(err.to_string().contains("Khóa giải mã không khớp"));
}

#[test]
fn migrations_run_once_and_a_newer_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let k = key();
    create_at_version_1(&path, &k);
    // Opening with the longer list applies only version 2.
    let store = Store::open(&path, &k, MIGRATIONS).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    store.close().unwrap();
    let store = Store::open(&path, &k, MIGRATIONS).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    store.close().unwrap();
    // An older program must not touch a newer file.
    let err = Store::open(&path, &k, &MIGRATIONS[..1]).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooNew {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_failing_migration_leaves_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let k = key();
    create_at_version_1(&path, &k);
    let broken = [
        MIGRATIONS[0],
        Migration {
            version: 2,
            name: "broken",
            sql: "CREATE TABLE half (x); THIS IS NOT SQL;",
        },
    ];
    let err = Store::open(&path, &k, &broken).unwrap_err();
    assert!(
        matches!(err, StoreError::Migration { version: 2, .. }),
        "{err:?}"
    );
    let store = Store::open(&path, &k, &MIGRATIONS[..1]).unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
    let half: i64 = store
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'half'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        half, 0,
        "the failed migration's first statement must be rolled back"
    );
}

#[test]
fn backup_restores_under_a_new_key_and_checks_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let backup = dir.path().join("sao-luu.bhxhbak");
    let k = key();
    let store = Store::create(&path, &k, MIGRATIONS).unwrap();
    {
        let mut conn = store.conn().unwrap();
        let tx = conn.write().unwrap();
        tx.execute("INSERT INTO note (text) VALUES (?1)", [SECRET_WORD])
            .unwrap();
        tx.commit().unwrap();
    }
    store.backup_to(&backup, "mật khẩu sao lưu").unwrap();
    // Changes after the backup are not in it.
    store
        .conn()
        .unwrap()
        .execute("INSERT INTO note (text) VALUES ('sau sao lưu')", [])
        .unwrap();
    store.close().unwrap();

    let bytes = std::fs::read(&backup).unwrap();
    assert!(
        !bytes
            .windows(SECRET_WORD.len())
            .any(|w| w == SECRET_WORD.as_bytes())
    );
    assert!(!dir.path().join("sao-luu.bhxhbak.tmp-partial").exists());

    let err = Store::open_backup(&backup, "sai mật khẩu").unwrap_err();
    assert!(matches!(err, StoreError::BadBackup { .. }), "{err:?}");

    // Restore onto a new machine: a new file under a new key.
    let restored = dir.path().join("other").join("desk.db");
    std::fs::create_dir_all(restored.parent().unwrap()).unwrap();
    let k2 = key();
    Store::restore(&backup, "mật khẩu sao lưu", &restored, &k2).unwrap();
    let store = Store::open(&restored, &k2, MIGRATIONS).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    let conn = store.conn().unwrap();
    let texts: Vec<String> = conn
        .prepare("SELECT text FROM note ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(texts, vec![SECRET_WORD.to_owned()]);
    drop(conn);
    store.close().unwrap();

    // Restore over the live file: it is replaced whole.
    Store::restore(&backup, "mật khẩu sao lưu", &path, &k).unwrap();
    let store = Store::open(&path, &k, MIGRATIONS).unwrap();
    let n: i64 = store
        .conn()
        .unwrap()
        .query_row("SELECT count(*) FROM note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_truncated_backup_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let backup = dir.path().join("b.bak");
    let store = Store::create(&path, &key(), MIGRATIONS).unwrap();
    store.backup_to(&backup, "pw").unwrap();
    let bytes = std::fs::read(&backup).unwrap();
    std::fs::write(&backup, &bytes[..bytes.len() / 2]).unwrap();
    let err = Store::restore(&backup, "pw", &dir.path().join("x.db"), &key()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::BadBackup { .. } | StoreError::CorruptBackup { .. } | StoreError::Sqlite(_)
        ),
        "{err:?}"
    );
    assert!(!dir.path().join("x.db").exists());
}

#[test]
fn threads_share_one_store_and_a_long_read_does_not_block_a_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = std::sync::Arc::new(Store::create(&path, &key(), MIGRATIONS).unwrap());
    // A reader holds a read transaction open (a long export, say)…
    let reader = store.conn().unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let before: i64 = reader
        .query_row("SELECT count(*) FROM note", [], |r| r.get(0))
        .unwrap();
    // …while other threads write through their own connections.
    let writers: Vec<_> = (0..4)
        .map(|i| {
            let store = std::sync::Arc::clone(&store);
            std::thread::spawn(move || {
                let mut conn = store.conn().unwrap();
                let tx = conn.write().unwrap();
                tx.execute("INSERT INTO note (text) VALUES (?1)", [format!("n{i}")])
                    .unwrap();
                tx.commit().unwrap();
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    // The reader's snapshot is unchanged; after it ends it sees every write.
    let during: i64 = reader
        .query_row("SELECT count(*) FROM note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(during, before);
    reader.execute_batch("COMMIT").unwrap();
    let after: i64 = reader
        .query_row("SELECT count(*) FROM note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, before + 4);
}

#[test]
fn a_connection_dropped_inside_a_transaction_is_not_reused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("desk.db"), &key(), MIGRATIONS).unwrap();
    {
        let conn = store.conn().unwrap();
        conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO note (text) VALUES ('half');")
            .unwrap();
        // Dropped without COMMIT: must not come back to the pool mid-transaction.
    }
    let conn = store.conn().unwrap();
    assert!(conn.is_autocommit());
    let n: i64 = conn
        .query_row("SELECT count(*) FROM note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "the unfinished write was rolled back");
}

/// A constraint widened by editing the schema text (SQLite's documented
/// `writable_schema` procedure), as migration 13 widens the dossier status.
const WIDENING: &[Migration] = &[
    Migration {
        version: 1,
        name: "states",
        sql: "CREATE TABLE item (id INTEGER PRIMARY KEY,
                  state TEXT NOT NULL CHECK (state IN ('open', 'closed')));",
    },
    Migration {
        version: 2,
        name: "a third state",
        sql: "PRAGMA writable_schema = ON;
              UPDATE sqlite_schema SET sql = replace(sql, '''closed'')', '''closed'', ''stopped'')')
               WHERE type = 'table' AND name = 'item';
              PRAGMA writable_schema = OFF;",
    },
];

#[test]
fn a_constraint_widened_by_a_migration_holds_on_every_connection_old_and_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let k = key();
    Store::create(&path, &k, &WIDENING[..1])
        .unwrap()
        .close()
        .unwrap();
    let store = Store::open(&path, &k, WIDENING).unwrap();
    // The connection that migrated backs up at once (sqlcipher_export does
    // not retry on a changed schema).
    store
        .backup_to(&dir.path().join("b.bak"), "mật khẩu")
        .unwrap();
    for state in ["open", "stopped"] {
        let mut conn = store.conn().unwrap();
        let tx = conn.write().unwrap();
        tx.execute("INSERT INTO item (state) VALUES (?1)", [state])
            .unwrap();
        tx.commit().unwrap();
    }
    // Still a check: anything else is refused.
    let mut conn = store.conn().unwrap();
    let tx = conn.write().unwrap();
    assert!(
        tx.execute("INSERT INTO item (state) VALUES ('lost')", [])
            .is_err()
    );
    drop(tx);
    drop(conn);
    assert!(store.integrity_problems().unwrap().is_empty());
    store.close().unwrap();
    // Reopened: the widened check is the one in force.
    let store = Store::open(&path, &k, WIDENING).unwrap();
    let n: i64 = store
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM item WHERE state = 'stopped'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}
