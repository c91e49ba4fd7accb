//! The data directory: `desk.db` (the encrypted store) and `desk.json`
//! (not secret: which keyring entry holds this store's key).

use std::fs;
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
                let tmp = path.join("desk.json.tmp");
                let text = serde_json::to_vec_pretty(&meta).map_err(|e| DeskError::BadFile {
                    path: meta_path.clone(),
                    detail: e.to_string(),
                })?;
                fs::write(&tmp, text).map_err(io(&tmp))?;
                fs::File::open(&tmp)
                    .and_then(|f| f.sync_all())
                    .map_err(io(&tmp))?;
                fs::rename(&tmp, &meta_path).map_err(io(&meta_path))?;
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
}
