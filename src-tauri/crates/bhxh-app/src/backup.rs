//! Backup and restore: one archive file (`docs/backup-format.md`) holding
//! the database, every sealed scan it refers to, and the keys that open
//! them, all under the backup's passphrase — so a backup restored on
//! another machine, whose keyring has never seen this store, gives back
//! every scan byte for byte.
//!
//! - A backup is written to a temporary file beside its destination and
//!   renamed into place once whole. The temporary files (the database's
//!   export in the data directory, the partial archive beside the
//!   destination) are listed first in `sao-luu-dang-ghi.json`, so that a
//!   backup killed half way leaves nothing behind: the next time a desk
//!   opens the folder, it removes what a process no longer running listed.
//! - Its audit entry is written only once the file is whole and in place:
//!   never for a backup that did not happen. The archive does not hold its
//!   own entry (it cannot: the entry names the finished file's SHA-256);
//!   it holds the audit head it was taken at (in its manifest), and the
//!   entry in the live log names the file's SHA-256 and that head, which
//!   is what ties the two together. (A kill between the rename and the
//!   commit leaves a whole backup without its entry, never the reverse.)
//! - A restore checks the whole archive (its MAC, then the audit chain of
//!   the database in it) before touching anything; puts the scans back
//!   sealed under this machine's key (never writing over a keyring entry
//!   that exists); then swaps the database in at once.
//! - A backup of the older format (the SQLCipher file alone) still
//!   restores; it holds no scans, which `db check` then reports missing,
//!   and the restore says so.

use std::path::{Path, PathBuf};

use bhxh_core::office::audit::{self, Actor};
use bhxh_files::FileStore;
use bhxh_secrets::{Key256, Keyring};
use bhxh_store::Store;
use bhxh_store::archive::{self, Archive, ArchiveWriter};
use serde::{Deserialize, Serialize};

use crate::admin::validate_backup_passphrase;
use crate::paths::write_atomic;
use crate::policy::Action;
use crate::{DataDir, Desk, DeskError, KEYRING_SERVICE};

/// Names of the keys an archive carries.
const FILES_KEY: &str = "files-key";
const PAPER_KEY: &str = "paper-key";
const HQ_TOKEN: &str = "hq-token";
/// The file that lists a running backup's temporary files.
const MARKER: &str = "sao-luu-dang-ghi.json";

/// What a backup archive says of itself (its first record).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format: u32,
    pub app_version: String,
    pub created_at: String,
    pub schema_version: u32,
    /// The audit chain's head in the database copy: sequence and hash.
    pub audit_seq: i64,
    pub audit_hash: String,
    /// Sealed scans the database refers to, and how many of them were not
    /// in the file store when the backup was made.
    pub files: usize,
    pub files_missing: usize,
}

/// A backup made.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupDone {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    /// Sealed scans in the backup.
    pub files: u32,
    /// Scans the store refers to that its file store did not have (`db
    /// check` reports them): not in the backup either.
    pub files_missing: u32,
    /// The audit entry the backup was taken at.
    pub audit_seq: i64,
}

/// A restore done.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    /// `archive`, or `database_only` for a backup of the older format.
    pub format: String,
    /// Scans put back into the file store.
    pub files_restored: u32,
    /// When the backup was made, and the audit entry it was taken at (an
    /// archive says so; an older backup does not).
    pub created_at: Option<String>,
    pub audit_seq: Option<i64>,
    /// What the person restoring should know, in Vietnamese.
    pub notes: Vec<String>,
}

/// The temporary files of a running backup, and who runs it.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    pid: u32,
    paths: Vec<PathBuf>,
}

impl DataDir {
    fn marker(&self) -> PathBuf {
        self.path().join(MARKER)
    }

    /// Remove what a backup or restore killed half way left behind (see the
    /// module docs). A process still running keeps its files.
    pub(crate) fn sweep_backup_debris(&self) {
        let marker = self.marker();
        // The list itself is written atomically: a process killed while
        // writing it leaves `.sao-luu-dang-ghi.json.<pid>.tmp`.
        let prefix = format!(".{MARKER}.");
        for entry in std::fs::read_dir(self.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .and_then(|pid| pid.parse::<u32>().ok());
            if let Some(pid) = pid
                && pid != std::process::id()
                && !process_alive(pid, &entry.path())
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let Ok(bytes) = std::fs::read(&marker) else {
            return;
        };
        let pending: Option<Pending> = serde_json::from_slice(&bytes).ok();
        if let Some(p) = &pending {
            // This process's own backup or restore, or another one running.
            if p.pid == std::process::id() || process_alive(p.pid, &marker) {
                return;
            }
            for path in &p.paths {
                let _ = std::fs::remove_file(path);
            }
        }
        let _ = std::fs::remove_file(&marker);
        tracing::info!("removed the files of a backup that did not finish");
    }

    /// List `paths` as this process's temporary files (before creating them).
    fn pending(&self, paths: &[PathBuf]) -> Result<(), DeskError> {
        let p = Pending {
            pid: std::process::id(),
            paths: paths.to_vec(),
        };
        let text = serde_json::to_vec_pretty(&p).map_err(|e| DeskError::BadFile {
            path: self.marker(),
            detail: e.to_string(),
        })?;
        write_atomic(&self.marker(), &text)
    }

    fn done(&self, paths: &[PathBuf]) {
        for path in paths {
            let _ = std::fs::remove_file(path);
        }
        let _ = std::fs::remove_file(self.marker());
    }
}

/// Whether the process `pid` that wrote `marker` is still running. Linux
/// says so in `/proc`; elsewhere a marker younger than a day is taken as
/// running (a backup takes minutes).
fn process_alive(pid: u32, marker: &Path) -> bool {
    if cfg!(target_os = "linux") {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    std::fs::metadata(marker)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < std::time::Duration::from_secs(86_400))
}

/// `dir/.NAME.TAG.partial`: a hidden temporary name beside `path`.
fn beside(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sao-luu".into());
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(format!(".{name}.{tag}.partial"))
}

fn journal_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}-journal", path.display()))
}

impl Desk {
    /// A backup of the whole store (administrator): the database, the
    /// sealed scans it refers to and their key, in one archive at `dest`
    /// under `passphrase`. Audited once the file is whole.
    pub fn backup(&self, dest: &Path, passphrase: &str) -> Result<BackupDone, DeskError> {
        let actor = self.authorize(Action::Backup)?;
        validate_backup_passphrase(passphrase)?;
        self.dir.sweep_backup_debris();
        let tag = uuid::Uuid::now_v7().simple().to_string();
        let export = self.dir.path().join(format!(".sao-luu-{tag}.db"));
        let partial = beside(dest, &tag);
        let temps = [export.clone(), journal_of(&export), partial.clone()];
        self.dir.pending(&temps)?;
        let made = self.write_archive(dest, passphrase, &export, &partial);
        self.dir.done(&temps);
        let done = made?;
        self.record(
            &actor,
            "export",
            "store",
            "",
            serde_json::json!({
                "backup": done.path,
                "bytes": done.bytes,
                "sha256": done.sha256,
                "files": done.files,
                "files_missing": done.files_missing,
                "audit_seq": done.audit_seq,
            }),
        )?;
        Ok(done)
    }

    fn write_archive(
        &self,
        dest: &Path,
        passphrase: &str,
        export: &Path,
        partial: &Path,
    ) -> Result<BackupDone, DeskError> {
        let mut w = ArchiveWriter::create(partial, passphrase, archive::DEFAULT_COST)?;
        // The database first: its copy says which scans to carry.
        self.store.export_to(export, w.database_key())?;
        let (head, referenced) = {
            let copy = Store::open_export(export, w.database_key())?;
            let head = audit::head(&copy)?.unwrap_or((0, String::new()));
            (head, bhxh_core::progress::evidence::sealed_in_use(&copy)?)
        };
        let files = if referenced.is_empty() {
            None
        } else {
            Some(self.files()?)
        };
        // With the scans each composed file is made from, which a restore
        // needs to read it back.
        let referenced: Vec<String> = match &files {
            Some(f) => {
                let mut all: Vec<String> = f
                    .with_parts(&referenced.iter().cloned().collect())
                    .into_iter()
                    .collect();
                all.sort();
                all
            }
            None => referenced,
        };
        let present: Vec<&String> = referenced
            .iter()
            .filter(|h| files.as_ref().is_some_and(|f| f.contains(h)))
            .collect();
        let manifest = Manifest {
            format: 1,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at: bhxh_core::ts(&self.now()),
            schema_version: self.store.schema_version()?,
            audit_seq: head.0,
            audit_hash: head.1,
            files: present.len(),
            files_missing: referenced.len() - present.len(),
        };
        let json = serde_json::to_vec(&manifest).map_err(|e| DeskError::BadFile {
            path: partial.to_owned(),
            detail: e.to_string(),
        })?;
        w.manifest(&json)?;
        w.database(export)?;
        let _ = std::fs::remove_file(export);
        if let Some(k) = self.keyring.get_key(&self.dir.files_key_name())? {
            w.secret(FILES_KEY, k.as_bytes())?;
        }
        if let Some(k) = self.keyring.get_key(&self.dir.paper_key_name())? {
            w.secret(PAPER_KEY, k.as_bytes())?;
        }
        if let Some(t) = self.keyring.get(&self.dir.hq_token_name())? {
            w.secret(HQ_TOKEN, &t)?;
        }
        if let Some(store) = &files {
            for hash in &present {
                w.file(hash, &store.get_sealed(hash)?)?;
            }
        }
        let written = w.finish()?;
        std::fs::rename(partial, dest).map_err(|source| DeskError::Io {
            path: dest.to_owned(),
            source,
        })?;
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(BackupDone {
            path: dest.display().to_string(),
            bytes: written.bytes,
            sha256: written.sha256,
            files: u32::try_from(manifest.files).unwrap_or(u32::MAX),
            files_missing: u32::try_from(manifest.files_missing).unwrap_or(u32::MAX),
            audit_seq: manifest.audit_seq,
        })
    }

    /// Replace the store in `data_dir` with a backup (an archive, or the
    /// older database-only form). When a store exists, an administrator of
    /// it must confirm with their password; on a machine with no store (a
    /// new or repaired PC) the backup's passphrase is enough.
    pub fn restore(
        data_dir: &Path,
        backup: &Path,
        passphrase: &str,
        admin: Option<(&str, &str)>,
    ) -> Result<(Desk, RestoreReport), DeskError> {
        let dir = DataDir::prepare(data_dir)?;
        dir.sweep_backup_debris();
        if archive::is_archive(backup)? {
            let a = Archive::open(backup, passphrase)?;
            let tag = uuid::Uuid::now_v7().simple().to_string();
            let db_copy = dir.path().join(format!(".khoi-phuc-{tag}.db"));
            let temps = [db_copy.clone(), journal_of(&db_copy)];
            dir.pending(&temps)?;
            let restored = restore_archive(&dir, backup, &a, &db_copy, admin);
            dir.done(&temps);
            restored
        } else {
            restore_database_only(&dir, backup, passphrase, admin)
        }
    }
}

/// Check the audit chain of a database copy before it replaces anything.
fn check_chain(conn: &rusqlite::Connection, backup: &Path) -> Result<(), DeskError> {
    let chain = audit::verify(conn)?;
    if !chain.is_intact() {
        return Err(DeskError::BadFile {
            path: backup.to_owned(),
            detail: format!(
                "nhật ký kiểm toán trong bản sao lưu không toàn vẹn: {}",
                chain.problems.join("; ")
            ),
        });
    }
    Ok(())
}

/// Who restores: over an existing store, one of its administrators
/// (signed in and out here); on a machine without one, "restore". The
/// existing store is closed when this returns.
fn restorer(dir: &DataDir, admin: Option<(&str, &str)>) -> Result<Actor, DeskError> {
    if !dir.db_path().exists() {
        return Ok(Actor {
            id: None,
            username: "restore".to_owned(),
        });
    }
    let current = Desk::open(dir.path())?;
    let (user, password) = admin.ok_or(DeskError::NotSignedIn)?;
    current.sign_in(user, password)?;
    let actor = current.authorize(Action::Restore)?;
    current.sign_out()?;
    // Closing the last connection checkpoints the WAL into the file.
    drop(current);
    Ok(actor)
}

/// The key under `name`: the one the keyring holds, or (when it holds
/// none) `fallback`, kept there. An entry is never overwritten.
fn keep_or_put(keyring: &Keyring, name: &str, fallback: Key256) -> Result<Key256, DeskError> {
    match keyring.get_key(name)? {
        Some(k) => Ok(k),
        None => {
            keyring.put_key(name, &fallback)?;
            Ok(fallback)
        }
    }
}

fn restore_archive(
    dir: &DataDir,
    backup: &Path,
    a: &Archive,
    db_copy: &Path,
    admin: Option<(&str, &str)>,
) -> Result<(Desk, RestoreReport), DeskError> {
    let manifest: Manifest =
        serde_json::from_slice(a.manifest()).map_err(|e| DeskError::BadFile {
            path: backup.to_owned(),
            detail: format!("phần mô tả của bản sao lưu không đọc được: {e}"),
        })?;
    // Everything checked before anything changes.
    a.extract_database(db_copy)?;
    check_chain(&Store::open_export(db_copy, a.database_key())?, backup)?;
    let backup_files_key = match a.secret(FILES_KEY) {
        Some(k) => Some(Key256::from_bytes(k).ok_or_else(|| DeskError::BadFile {
            path: backup.to_owned(),
            detail: "khóa kho tệp trong bản sao lưu không đủ 32 byte".into(),
        })?),
        None => None,
    };
    if backup_files_key.is_none() && !a.files().is_empty() {
        return Err(DeskError::BadFile {
            path: backup.to_owned(),
            detail: "bản sao lưu có tệp số hóa nhưng thiếu khóa của chúng".into(),
        });
    }
    let actor = restorer(dir, admin)?;
    let keyring = Keyring::open_native(KEYRING_SERVICE)?;
    let _lock = dir.lock_keys()?;
    // The scans first, sealed again under this machine's key: a restore
    // stopped here has changed nothing the store refers to.
    let mut files_restored = 0u32;
    if let Some(backup_key) = &backup_files_key
        && !a.files().is_empty()
    {
        let files_dir = dir.files_dir();
        // This machine's key if it has one (the scans are sealed again
        // under it), else the backup's, kept (then sealed files here whose
        // key was lost, if they were that store's, open again too; any
        // other unreadable copy is replaced by the backup's).
        let key = keep_or_put(&keyring, &dir.files_key_name(), backup_key.clone())?;
        let store = FileStore::open(&files_dir, &key)?;
        // Composed files (an assembled PDF naming the scans it carries)
        // after the scans they are made from: each is read back whole then.
        let mut composed = Vec::new();
        for entry in a.files() {
            let sealed = a.read_file(entry)?;
            if bhxh_files::is_composed(&sealed) {
                composed.push((entry.name.clone(), sealed));
                continue;
            }
            let plain = FileStore::unseal_with(backup_key, &entry.name, &sealed)?;
            store.put_restoring(&plain)?;
            files_restored += 1;
        }
        for (name, sealed) in composed {
            store.restore_composed(backup_key, &name, &sealed)?;
            files_restored += 1;
        }
    }
    let mut notes = Vec::new();
    if let Some(k) = a.secret(PAPER_KEY).and_then(Key256::from_bytes) {
        let kept = keep_or_put(&keyring, &dir.paper_key_name(), k.clone())?;
        if kept.as_bytes() != k.as_bytes() {
            notes.push(
                "Máy này đã có khóa ký mã QR của giấy tờ: giữ khóa đó. Giấy tiếp nhận in trước \
                 từ kho trong bản sao lưu sẽ không được nhận làm trang bìa; hãy in lại khi cần."
                    .to_owned(),
            );
        }
    }
    if let Some(token) = a.secret(HQ_TOKEN)
        && keyring.get(&dir.hq_token_name())?.is_none()
    {
        keyring.set(&dir.hq_token_name(), token)?;
    }
    if manifest.files_missing > 0 {
        notes.push(format!(
            "Khi sao lưu, kho tệp đã thiếu {} tệp số hóa; \"bhxh-desk db check\" sẽ báo các tệp này.",
            manifest.files_missing
        ));
    }
    let db_key = keep_or_put(&keyring, &dir.key_name(), Key256::generate()?)?;
    Store::restore_export(db_copy, a.database_key(), &dir.db_path(), &db_key)?;
    drop(_lock);
    let desk = Desk::open(dir.path())?;
    if let Some(w) = desk.witness_check().filter(|w| w.lost_what_hq_saw()) {
        notes.push(w.message);
    }
    let report = RestoreReport {
        format: "archive".into(),
        files_restored,
        created_at: Some(manifest.created_at.clone()),
        audit_seq: Some(manifest.audit_seq),
        notes,
    };
    desk.record(
        &actor,
        "restore",
        "store",
        "",
        serde_json::json!({
            "backup": backup.display().to_string(),
            "created_at": manifest.created_at,
            "audit_seq": manifest.audit_seq,
            "audit_hash": manifest.audit_hash,
            "files": files_restored,
        }),
    )?;
    Ok((desk, report))
}

fn restore_database_only(
    dir: &DataDir,
    backup: &Path,
    passphrase: &str,
    admin: Option<(&str, &str)>,
) -> Result<(Desk, RestoreReport), DeskError> {
    let referenced = {
        let conn = Store::open_backup(backup, passphrase)?;
        check_chain(&conn, backup)?;
        bhxh_core::progress::evidence::sealed_in_use(&conn)?.len()
    };
    let actor = restorer(dir, admin)?;
    let keyring = Keyring::open_native(KEYRING_SERVICE)?;
    let lock = dir.lock_keys()?;
    let key = keep_or_put(&keyring, &dir.key_name(), Key256::generate()?)?;
    Store::restore(backup, passphrase, &dir.db_path(), &key)?;
    drop(lock);
    let desk = Desk::open(dir.path())?;
    let mut notes: Vec<String> = desk
        .witness_check()
        .filter(|w| w.lost_what_hq_saw())
        .map(|w| w.message)
        .into_iter()
        .collect();
    notes.extend([
        "Bản sao lưu kiểu cũ: chỉ có cơ sở dữ liệu, không có các tệp số hóa và khóa của chúng."
            .to_owned(),
    ]);
    if referenced > 0 {
        notes.push(format!(
            "Cơ sở dữ liệu nhắc tới {referenced} tệp số hóa; tệp nào không có trên máy này \
             sẽ được \"bhxh-desk db check\" báo là thiếu."
        ));
    }
    desk.record(
        &actor,
        "restore",
        "store",
        "",
        serde_json::json!({ "backup": backup.display().to_string(), "format": "database_only" }),
    )?;
    Ok((
        desk,
        RestoreReport {
            format: "database_only".into(),
            files_restored: 0,
            created_at: None,
            audit_seq: None,
            notes,
        },
    ))
}
