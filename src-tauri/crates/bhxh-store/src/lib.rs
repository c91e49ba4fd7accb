//! The local store of BHXH Desk: one SQLite file encrypted with SQLCipher.
//!
//! This crate knows how to open, key, migrate, check, back up and restore
//! the file. It knows nothing of the tables' meaning: the domain crates hand
//! it their [`Migration`]s.
//!
//! * The key is a random 256-bit key given as SQLCipher's raw key
//!   (`x'…'`), so no key derivation runs at open. It comes from the OS keyring
//!   (see `bhxh-secrets`); this crate never sees where.
//! * A wrong key is detected right after keying ([`StoreError::WrongKey`]):
//!   SQLCipher itself only fails at the first read.
//! * WAL journal, `synchronous = FULL`, foreign keys on: a commit that returned
//!   survives a power cut, and a crash leaves the last committed state.
//! * Backups are SQLCipher databases keyed with a passphrase (PBKDF2), so they
//!   can be restored on another machine whose keyring holds a different key.
//! * A [`Store`] is shared between threads: it lends keyed connections from a
//!   small pool ([`Store::conn`]), so a long read or a slow step of one
//!   operation never holds up another. Writers still take turns: a write is
//!   a `BEGIN IMMEDIATE` transaction ([`Conn::write`]), and a writer waits for
//!   the one before it (busy timeout) rather than failing.

pub mod archive;

use std::fs;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use bhxh_secrets::Key256;
use rusqlite::{Connection, OpenFlags, Transaction};
use zeroize::Zeroizing;

/// One step of the schema: applied once, in order, inside a transaction.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// 1, 2, 3, … with no gaps; stored in `PRAGMA user_version`.
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Everything that can go wrong with the store file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "Khóa giải mã không khớp với tệp dữ liệu {path} (hoặc tệp không phải cơ sở dữ liệu BHXH Desk)."
    )]
    WrongKey { path: PathBuf },
    #[error(
        "Tệp dữ liệu {path} được tạo bởi phiên bản mới hơn (lược đồ {found}, phiên bản này hỗ trợ đến {supported})."
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("Không áp dụng được bước nâng cấp lược đồ {version} ({name}): {source}")]
    Migration {
        version: u32,
        name: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("Tệp dữ liệu {path} đã tồn tại.")]
    AlreadyExists { path: PathBuf },
    #[error("Không tìm thấy tệp dữ liệu {path}.")]
    NotFound { path: PathBuf },
    #[error("Mật khẩu bản sao lưu không đúng hoặc tệp {path} không phải bản sao lưu BHXH Desk.")]
    BadBackup { path: PathBuf },
    #[error("Bản sao lưu {path} bị hỏng: {detail}")]
    CorruptBackup { path: PathBuf, detail: String },
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("Không lấy được số ngẫu nhiên của hệ điều hành: {0}")]
    Random(String),
    #[error("Lỗi đọc/ghi tệp {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Connections kept open for reuse; more are opened when all are lent out.
const POOL_KEEP: usize = 4;

/// An open, keyed and migrated store. `Sync`: every thread borrows its own
/// connection with [`Store::conn`].
pub struct Store {
    path: PathBuf,
    /// SQLCipher's raw-key literal (`x'…'`), kept to key new connections.
    key_literal: Zeroizing<String>,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// A connection lent by [`Store::conn`]; it goes back to the pool when
/// dropped.
pub struct Conn<'s> {
    store: &'s Store,
    conn: Option<Connection>,
}

impl Deref for Conn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Present from creation until drop.
        match &self.conn {
            Some(c) => c,
            None => unreachable!("a lent connection is present until it is dropped"),
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        match &mut self.conn {
            Some(c) => c,
            None => unreachable!("a lent connection is present until it is dropped"),
        }
    }
}

impl Conn<'_> {
    /// Start a write transaction (`BEGIN IMMEDIATE`: writers queue, waiting up
    /// to the busy timeout, instead of failing half way).
    pub fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A connection left inside a transaction (a panic between BEGIN
            // and COMMIT) is not reused.
            if !conn.is_autocommit() {
                return;
            }
            let mut idle = self
                .store
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if idle.len() < POOL_KEEP {
                idle.push(conn);
            }
        }
    }
}

impl Store {
    /// Create a new store file (it must not exist) and apply all migrations.
    pub fn create(
        path: &Path,
        key: &Key256,
        migrations: &[Migration],
    ) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        sqlcipher_ready();
        let conn = Connection::open(path)?;
        let key_literal = raw_key(key);
        let mut conn = keyed(conn, path, &key_literal)?;
        migrate(&mut conn, path, migrations)?;
        Ok(Store::with_first(path, key_literal, conn))
    }

    /// Open an existing store, check the key and bring the schema up to date.
    pub fn open(path: &Path, key: &Key256, migrations: &[Migration]) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound {
                path: path.to_owned(),
            });
        }
        sqlcipher_ready();
        let key_literal = raw_key(key);
        let mut conn = keyed(open_file(path)?, path, &key_literal)?;
        migrate(&mut conn, path, migrations)?;
        Ok(Store::with_first(path, key_literal, conn))
    }

    fn with_first(path: &Path, key_literal: Zeroizing<String>, conn: Connection) -> Store {
        Store {
            path: path.to_owned(),
            key_literal,
            idle: Mutex::new(vec![conn]),
        }
    }

    /// Borrow a connection: an idle one, or a newly opened and keyed one.
    pub fn conn(&self) -> Result<Conn<'_>, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let conn = match idle {
            Some(c) => c,
            None => keyed(open_file(&self.path)?, &self.path, &self.key_literal)?,
        };
        Ok(Conn {
            store: self,
            conn: Some(conn),
        })
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema_version(&*self.conn()?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's own `integrity_check` plus the foreign-key check. Empty means sound.
    pub fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn()?;
        let mut problems = Vec::new();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for row in rows {
            let line = row?;
            if line != "ok" {
                problems.push(line);
            }
        }
        let mut fk = conn.prepare("PRAGMA foreign_key_check")?;
        let rows = fk.query_map([], |r| {
            Ok(format!(
                "khóa ngoại hỏng: bảng {} dòng {}",
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?.unwrap_or(-1)
            ))
        })?;
        for row in rows {
            problems.push(row?);
        }
        Ok(problems)
    }

    /// Write an encrypted copy of the whole store to `dest`, keyed with
    /// `passphrase`. The copy appears atomically (temporary file, fsync, rename).
    /// (The backup of the older format: the database alone.)
    pub fn backup_to(&self, dest: &Path, passphrase: &str) -> Result<(), StoreError> {
        let tmp = temp_beside(dest);
        let _ = fs::remove_file(&tmp);
        let result = self.export_keyed(&tmp, passphrase).and_then(|()| {
            fs::rename(&tmp, dest).map_err(io_err(dest))?;
            sync_parent(dest);
            Ok(())
        });
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Write an encrypted copy of the whole store to `path` (which must not
    /// exist), keyed with the raw key `key`, fsynced: the database of a
    /// backup archive ([`archive::ArchiveWriter::database_key`]). Its
    /// rollback journal lives beside it while it is written.
    pub fn export_to(&self, path: &Path, key: &Key256) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        self.export_keyed(path, &raw_key(key))
    }

    fn export_keyed(&self, path: &Path, key_literal: &str) -> Result<(), StoreError> {
        let conn = self.conn()?;
        let version = schema_version(&conn)?;
        let tmp_str = path.to_string_lossy().into_owned();
        conn.execute(
            "ATTACH DATABASE ?1 AS backup KEY ?2",
            [tmp_str.as_str(), key_literal],
        )?;
        let exported = (|| -> Result<(), StoreError> {
            conn.query_row("SELECT sqlcipher_export('backup')", [], |_| Ok(()))?;
            conn.execute_batch(&format!("PRAGMA backup.user_version = {version}"))?;
            Ok(())
        })();
        conn.execute("DETACH DATABASE backup", [])?;
        exported?;
        sync_file(path)
    }

    /// Open a copy made by [`Store::export_to`] read-only, checked, for
    /// further (domain) checks.
    pub fn open_export(path: &Path, key: &Key256) -> Result<Connection, StoreError> {
        open_backup_with(path, &raw_key(key), OpenFlags::SQLITE_OPEN_READ_ONLY)
    }

    /// [`Store::restore`] from a copy made by [`Store::export_to`].
    pub fn restore_export(
        export: &Path,
        export_key: &Key256,
        dest: &Path,
        key: &Key256,
    ) -> Result<(), StoreError> {
        Store::restore(export, &raw_key(export_key), dest, key)
    }

    /// Check a backup: open it with `passphrase`, run the integrity check and
    /// return a read-only connection to it for further (domain) checks.
    pub fn open_backup(backup: &Path, passphrase: &str) -> Result<Connection, StoreError> {
        open_backup_with(backup, passphrase, OpenFlags::SQLITE_OPEN_READ_ONLY)
    }

    /// Rebuild a store at `dest` from a backup, keyed with `key`. `dest` is
    /// replaced atomically; the caller must have closed any store open on it.
    pub fn restore(
        backup: &Path,
        passphrase: &str,
        dest: &Path,
        key: &Key256,
    ) -> Result<(), StoreError> {
        // Read-write and create: ATTACH opens the new file with these flags.
        let conn = open_backup_with(
            backup,
            passphrase,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;

        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tmp = temp_beside(dest);
        let _ = fs::remove_file(&tmp);
        let result = (|| -> Result<(), StoreError> {
            let tmp_str = tmp.to_string_lossy().into_owned();
            let key_literal = raw_key(key);
            conn.execute(
                "ATTACH DATABASE ?1 AS fresh KEY ?2",
                [tmp_str.as_str(), key_literal.as_str()],
            )?;
            let exported = (|| -> Result<(), StoreError> {
                conn.query_row("SELECT sqlcipher_export('fresh')", [], |_| Ok(()))?;
                conn.execute_batch(&format!("PRAGMA fresh.user_version = {version}"))?;
                Ok(())
            })();
            conn.execute("DETACH DATABASE fresh", [])?;
            exported?;
            drop(conn);
            sync_file(&tmp)?;
            // A WAL left by the old file must never be replayed onto the new one.
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", dest.display()));
                match fs::remove_file(&side) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err(&side)(e)),
                }
            }
            fs::rename(&tmp, dest).map_err(io_err(dest))?;
            sync_parent(dest);
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Close the store, checkpointing the WAL into the main file. Every
    /// lent connection must have been given back.
    pub fn close(self) -> Result<(), StoreError> {
        let idle = std::mem::take(
            &mut *self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        let mut checkpointed = false;
        for conn in idle {
            if !checkpointed {
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                checkpointed = true;
            }
            conn.close().map_err(|(_, e)| StoreError::Sqlite(e))?;
        }
        Ok(())
    }
}

fn open_file(path: &Path) -> Result<Connection, StoreError> {
    Ok(Connection::open_with_flags(
        path,
        // CREATE too: ATTACH (backups) opens new files with the main file's flags.
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?)
}

fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Key a fresh connection and check the key at once (SQLCipher accepts any
/// key; only the first read tells whether it was right), then set the
/// pragmas every connection of the store has.
fn keyed(conn: Connection, path: &Path, key_literal: &str) -> Result<Connection, StoreError> {
    conn.pragma_update(None, "key", key_literal)?;
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(if is_not_a_database(&e) {
            StoreError::WrongKey {
                path: path.to_owned(),
            }
        } else {
            StoreError::Sqlite(e)
        });
    }
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    // 8 MiB of decrypted pages per connection (SQLite's default is 2 MiB):
    // every page read from the file is decrypted, and a search over a large
    // store walks index pages that a 2 MiB cache had already let go — 2–3×
    // slower searches over a million dossiers (`docs/benchmarks.md`). The
    // cache grows only as pages are read.
    conn.pragma_update(None, "cache_size", -8192)?;
    Ok(conn)
}

/// Apply the migrations newer than the file's `user_version`.
fn migrate(conn: &mut Connection, path: &Path, migrations: &[Migration]) -> Result<(), StoreError> {
    let current = schema_version(conn)?;
    let supported = migrations.last().map_or(0, |m| m.version);
    if current > supported {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: current,
            supported,
        });
    }
    for m in migrations.iter().filter(|m| m.version > current) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process opening the same new file may have applied it
        // while this one waited for the write lock (two first starts).
        if schema_version(&tx)? >= m.version {
            continue;
        }
        tx.execute_batch(m.sql)
            .map_err(|source| StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            })?;
        tx.pragma_update(None, "user_version", m.version)?;
        // A migration may change a table's constraints by editing the schema
        // text (SQLite's documented way, `writable_schema`); bumping the
        // schema cookie makes every other connection read the schema afresh.
        let edits_schema = m.sql.contains("writable_schema");
        if edits_schema {
            let cookie: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
            tx.pragma_update(None, "schema_version", cookie + 1)?;
        }
        tx.commit()?;
        if edits_schema {
            // This connection too: a statement that meets the new cookie
            // makes SQLite reload the schema (and retry), so what runs next
            // on it (even `sqlcipher_export`, which does not retry) sees the
            // edited tables.
            let _: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        }
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}

fn open_backup_with(
    backup: &Path,
    passphrase: &str,
    flags: OpenFlags,
) -> Result<Connection, StoreError> {
    if !backup.exists() {
        return Err(StoreError::NotFound {
            path: backup.to_owned(),
        });
    }
    sqlcipher_ready();
    let conn = Connection::open_with_flags(backup, flags)?;
    conn.pragma_update(None, "key", passphrase)?;
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(if is_not_a_database(&e) {
            StoreError::BadBackup {
                path: backup.to_owned(),
            }
        } else {
            StoreError::Sqlite(e)
        });
    }
    let status: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if status != "ok" {
        return Err(StoreError::CorruptBackup {
            path: backup.to_owned(),
            detail: status,
        });
    }
    Ok(conn)
}

/// Wait, once per process, until SQLCipher has finished initialising.
///
/// SQLite marks itself initialised *before* it runs SQLCipher's extra
/// initialisation, which is what registers `sqlcipher_export` (as an
/// auto-extension). A connection opened by a second thread in that window has
/// no `sqlcipher_export`, and backup or restore on it fails with "no such
/// function" (seen in CI with tests running in parallel). So the first opener
/// initialises SQLite on a throwaway in-memory connection and waits until
/// connections get the function; everyone else waits on the `Once`.
fn sqlcipher_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        for _ in 0..200 {
            let has_export = Connection::open_in_memory().and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM pragma_function_list WHERE name = 'sqlcipher_export'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            });
            match has_export {
                Ok(n) if n > 0 => return,
                // A failing open is reported by the real open that follows.
                Err(_) => return,
                Ok(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
}

fn raw_key(key: &Key256) -> Zeroizing<String> {
    Zeroizing::new(format!("x'{}'", key.to_hex().as_str()))
}

fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase
    )
}

fn temp_beside(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp-partial");
    dest.with_file_name(name)
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io_err(path))
}

/// Make a rename durable. Directories cannot be opened on Windows; there the
/// rename is already durable enough with NTFS journaling.
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}
