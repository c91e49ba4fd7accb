//! The one piece of state the window holds: the open desk (or why it could
//! not be opened, so the UI can say so and offer to try again), the
//! background sync worker, and files the window has handed over for an
//! import that has not been asked for yet.
//!
//! Every command runs its work with [`DeskState::run`]: on a blocking
//! thread, never on the main thread, with the desk shared (`Arc`), so one
//! long operation (a poll of the scan inbox, an import, a chip read) never
//! holds up another or freezes the window.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bhxh_app::sync::{Backoff, SyncWorker};
use bhxh_app::{Desk, DeskError, DeskStatus, ErrorCode, ErrorInfo};

/// How often the background worker syncs when nothing wakes it.
const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Most bytes the window may hand over and not yet import (files of one
/// import, a participant list): a scanner's batch is far below this.
const MAX_STAGED_BYTES: usize = 1024 * 1024 * 1024;

/// A file handed over by the window, waiting for the import that uses it.
pub struct Staged {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub struct DeskState {
    data_dir: std::path::PathBuf,
    desk: RwLock<Result<Arc<Desk>, ErrorInfo>>,
    /// Syncs with HQ on its own thread, so the window never waits on the
    /// network; "Đồng bộ ngay" wakes it.
    worker: Mutex<Option<SyncWorker>>,
    /// Files the window sent (raw IPC bodies), by the id it was given.
    staged: Mutex<HashMap<u64, Staged>>,
    next_upload: AtomicU64,
}

/// A failure of the shell itself (a worker thread that died).
pub fn internal(what: &str, e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Internal,
        format!("{what} bị gián đoạn: {e}"),
        "Thử lại; nếu lỗi lặp lại, khởi động lại BHXH Desk.",
    )
}

impl DeskState {
    pub fn open(data_dir: std::path::PathBuf) -> Self {
        let desk = open(&data_dir);
        let state = DeskState {
            data_dir,
            desk: RwLock::new(desk),
            worker: Mutex::new(None),
            staged: Mutex::new(HashMap::new()),
            next_upload: AtomicU64::new(1),
        };
        state.start_worker();
        state
    }

    /// The open desk, or why there is none.
    pub fn desk(&self) -> Result<Arc<Desk>, ErrorInfo> {
        self.desk
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Run `f` on the desk on a blocking thread; every failure becomes an
    /// [`ErrorInfo`].
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Desk) -> Result<T, DeskError> + Send + 'static,
    ) -> Result<T, ErrorInfo> {
        let desk = self.desk()?;
        tauri::async_runtime::spawn_blocking(move || {
            f(&desk).map_err(|e| {
                tracing::debug!(code = e.code(), "command failed: {e}");
                e.info()
            })
        })
        .await
        .map_err(|e| internal("Thao tác", e))?
    }

    /// Start the background sync worker once the desk is open.
    fn start_worker(&self) {
        let Ok(desk) = self.desk() else {
            return;
        };
        let mut worker = self
            .worker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if worker.is_some() {
            return;
        }
        match desk.start_sync_worker(SYNC_INTERVAL, Backoff::default()) {
            Ok(w) => *worker = Some(w),
            Err(e) => tracing::warn!(code = e.code(), "sync worker not started: {e}"),
        }
    }

    /// Ask the worker for a round now; false when there is no worker.
    pub fn wake_sync(&self) -> bool {
        let worker = self
            .worker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match worker.as_ref() {
            Some(w) => {
                w.wake();
                true
            }
            None => false,
        }
    }

    /// Try to open the desk again (after the user fixed the keyring, say).
    pub fn retry(&self) -> Result<DeskStatus, ErrorInfo> {
        {
            let mut guard = self
                .desk
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if guard.is_err() {
                *guard = open(&self.data_dir);
            }
        }
        let status = self.desk()?.status().map_err(|e| e.info());
        self.start_worker();
        status
    }

    /// Keep a file the window sent; the id names it in the import.
    pub fn stage(&self, name: String, bytes: Vec<u8>) -> Result<u64, ErrorInfo> {
        let mut staged = self
            .staged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let held: usize = staged.values().map(|s| s.bytes.len()).sum();
        if held + bytes.len() > MAX_STAGED_BYTES {
            return Err(DeskError::invalid(
                "files",
                format!(
                    "Các tệp đã chọn quá lớn (quá {} MB chưa được nhập); hãy nhập từng phần.",
                    MAX_STAGED_BYTES >> 20
                ),
            )
            .info());
        }
        let id = self.next_upload.fetch_add(1, Ordering::Relaxed);
        staged.insert(id, Staged { name, bytes });
        Ok(id)
    }

    /// Take the staged files back, in the order of `ids` (each once).
    pub fn take_staged(&self, ids: &[u64]) -> Result<Vec<(String, Vec<u8>)>, ErrorInfo> {
        let mut staged = self
            .staged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(missing) = ids.iter().find(|id| !staged.contains_key(id)) {
            return Err(DeskError::invalid(
                "files",
                format!("Tệp số {missing} đã được dùng hoặc chưa được gửi; hãy chọn lại tệp."),
            )
            .info());
        }
        Ok(ids
            .iter()
            .filter_map(|id| staged.remove(id))
            .map(|s| (s.name, s.bytes))
            .collect())
    }

    /// Put a file back under its id (a dry run keeps the file for the import).
    pub fn restage(&self, id: u64, name: String, bytes: Vec<u8>) {
        self.staged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, Staged { name, bytes });
    }

    /// Forget these staged files.
    pub fn discard(&self, ids: &[u64]) {
        let mut staged = self
            .staged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for id in ids {
            staged.remove(id);
        }
    }

    /// Forget every staged file (at sign-out: they hold personal papers).
    pub fn drop_staged(&self) {
        self.staged
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    pub fn close(&self) {
        let worker = self
            .worker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(w) = worker {
            w.stop();
        }
        self.drop_staged();
        if let Ok(desk) = self.desk()
            && let Err(e) = desk.sign_out()
        {
            tracing::warn!("could not record the sign-out: {e}");
        }
    }
}

fn open(data_dir: &std::path::Path) -> Result<Arc<Desk>, ErrorInfo> {
    Desk::open(data_dir).map(Arc::new).map_err(|e| {
        tracing::error!(code = e.code(), dir = %data_dir.display(), "cannot open the desk: {e}");
        let mut info = e.info();
        if info.hint.is_empty() {
            info.hint = format!("Thư mục dữ liệu: {}", data_dir.display());
        }
        info
    })
}
