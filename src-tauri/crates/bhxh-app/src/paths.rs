//! The data directory: `desk.db` (the encrypted store) and `desk.json`
//! (not secret: which keyring entry holds this store's key).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::DeskError;

/// The per-user default: `~/.local/share/bhxh-desk` on Linux,
/// `%APPDATA%\BHXH\BHXH Desk\data` on Windows.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("vn", "BHXH", "BHXH Desk").map(|d| d.data_dir().to_owned())
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    format: u32,
    store_id: String,
}

#[derive(Debug, Clone)]
pub struct DataDir {
    path: PathBuf,
    store_id: String,
}

impl DataDir {
    /// Create the directory and its `desk.json` if needed.
    pub fn prepare(path: &Path) -> Result<DataDir, DeskError> {
        let io = |p: &Path| {
            let p = p.to_owned();
            move |source| DeskError::Io { path: p, source }
        };
        fs::create_dir_all(path).map_err(io(path))?;
        let meta_path = path.join("desk.json");
        let read_meta = |bytes: &[u8]| {
            serde_json::from_slice::<Meta>(bytes).map_err(|e| DeskError::BadFile {
                path: meta_path.clone(),
                detail: e.to_string(),
            })
        };
        let meta = match fs::read(&meta_path) {
            Ok(bytes) => read_meta(&bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if path.join("desk.db").exists() {
                    return Err(DeskError::BadFile {
                        path: meta_path,
                        detail: "thiếu tệp này trong khi đã có desk.db: không biết khóa nào của kho khóa mở được dữ liệu".to_owned(),
                    });
                }
                let meta = Meta {
                    format: 1,
                    store_id: uuid::Uuid::now_v7().to_string(),
                };
                let text = serde_json::to_vec_pretty(&meta).map_err(|e| DeskError::BadFile {
                    path: meta_path.clone(),
                    detail: e.to_string(),
                })?;
                // Two first starts at once must agree on one store id: the
                // file is linked into place only if none is there yet, and
                // the loser reads the winner's.
                if create_once(&meta_path, &text)? {
                    meta
                } else {
                    read_meta(&fs::read(&meta_path).map_err(io(&meta_path))?)?
                }
            }
            Err(e) => return Err(io(&meta_path)(e)),
        };
        Ok(DataDir {
            path: path.to_owned(),
            store_id: meta.store_id,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn db_path(&self) -> PathBuf {
        self.path.join("desk.db")
    }

    /// The keyring entry of this store's database key.
    pub fn key_name(&self) -> String {
        format!("db-key:{}", self.store_id)
    }

    /// The keyring entry of the file store's key (scans sealed at rest).
    pub fn files_key_name(&self) -> String {
        format!("files-key:{}", self.store_id)
    }

    /// The keyring entry of the office's HQ token.
    pub fn hq_token_name(&self) -> String {
        format!("hq-token:{}", self.store_id)
    }

    /// The keyring entry of the key that signs the QR codes of the papers
    /// this store prints (checked on the scan inbox's cover sheets).
    pub fn paper_key_name(&self) -> String {
        format!("paper-key:{}", self.store_id)
    }

    /// The sealed store of digitised papers, beside the database.
    pub fn files_dir(&self) -> PathBuf {
        self.path().join("files")
    }
}

impl DataDir {
    /// Before a first start makes a store and its key: refuse when this
    /// directory already held a store — its key is in the keyring, or
    /// sealed scans are beside it — and only `desk.db` is missing (moved,
    /// deleted, or the wrong folder). A new key would overwrite the old
    /// entry, and the old file, copied back, could never be opened again.
    /// (A `desk.json` with neither is a first start that stopped before it
    /// kept anything: nothing to lose, it goes on.)
    pub(crate) fn refuse_new_store_over_old(
        &self,
        keyring: &bhxh_secrets::Keyring,
    ) -> Result<(), DeskError> {
        let key_kept = keyring.get(&self.key_name())?.is_some();
        let sealed_files = bhxh_files::sealed_count(&self.files_dir())?;
        if key_kept || sealed_files > 0 {
            return Err(DeskError::StoreMissing {
                dir: self.path.clone(),
                key_kept,
                sealed_files,
            });
        }
        Ok(())
    }

    /// Hold the data directory's key lock while a key may be made and
    /// kept: two processes starting at once (the window and a command, two
    /// clicks) must not both find no key, both make one, and the second
    /// overwrite the first in the keyring. An exclusive lock file; one left
    /// by a process that died is taken over once it is [`STALE_LOCK`] old.
    pub(crate) fn lock_keys(&self) -> Result<KeyLock, DeskError> {
        let path = self.path.join(".khoa-kho.lock");
        let started = std::time::Instant::now();
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(KeyLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age >= STALE_LOCK);
                    if stale {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if started.elapsed() > STALE_LOCK + std::time::Duration::from_secs(5) {
                        return Err(DeskError::Core(bhxh_core::CoreError::Conflict(format!(
                            "Một chương trình BHXH Desk khác đang khởi tạo khóa của thư mục dữ liệu {} (tệp khóa {}).",
                            self.path.display(),
                            path.display()
                        ))));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                Err(source) => return Err(DeskError::Io { path, source }),
            }
        }
    }
}

/// A key lock older than this was left by a process that died: making and
/// keeping a key takes well under a second.
const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(30);

/// The data directory's key lock, released when dropped.
#[derive(Debug)]
pub(crate) struct KeyLock {
    path: PathBuf,
}

impl Drop for KeyLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Write `bytes` to `path` whole, unless `path` exists: false then, and
/// nothing changed. A temporary file, fsynced, then hard-linked into place
/// (a link never replaces a file).
fn create_once(path: &Path, bytes: &[u8]) -> Result<bool, DeskError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| DeskError::Io { path: p, source }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".desk.json.{}.tmp", uuid::Uuid::now_v7().simple()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        match fs::hard_link(&tmp, path) {
            Ok(()) => {
                if let Ok(d) = fs::File::open(dir) {
                    let _ = d.sync_all();
                }
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(io(path)(e)),
        }
    })();
    let _ = fs::remove_file(&tmp);
    result
}

/// Write `bytes` to `path` so that the file is either the old one or the
/// whole new one: a temporary file beside it, fsync, rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DeskError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| DeskError::Io { path: p, source }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bao-cao".into());
    let tmp: PathBuf = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        fs::rename(&tmp, path).map_err(io(path))?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
