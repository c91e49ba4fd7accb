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
        let meta = match fs::read(&meta_path) {
            Ok(bytes) => {
                serde_json::from_slice::<Meta>(&bytes).map_err(|e| DeskError::BadFile {
                    path: meta_path.clone(),
                    detail: e.to_string(),
                })?
            }
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
                write_atomic(&meta_path, &text)?;
                meta
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

    /// The sealed store of digitised papers, beside the database.
    pub fn files_dir(&self) -> PathBuf {
        self.path().join("files")
    }
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
