//! The one piece of state the window holds: the open desk, or why it could
//! not be opened (so the UI can say so and offer to try again).

use std::path::PathBuf;
use std::sync::Mutex;

use bhxh_app::sync::{SyncFailure, SyncWorker};
use bhxh_app::{Desk, DeskError, ErrorInfo};

/// How often the background worker syncs when nothing wakes it.
const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5 * 60);

pub struct DeskState {
    data_dir: PathBuf,
    desk: Mutex<Result<Desk, ErrorInfo>>,
    /// Syncs with HQ on its own connection, so the window never waits on
    /// the network; "Đồng bộ ngay" wakes it.
    worker: Mutex<Option<SyncWorker>>,
}

impl DeskState {
    pub fn open(data_dir: PathBuf) -> Self {
        let desk = open(&data_dir);
        let state = DeskState {
            data_dir,
            desk: Mutex::new(desk),
            worker: Mutex::new(None),
        };
        state.start_worker();
        state
    }

    /// Start the background sync worker once the desk is open.
    fn start_worker(&self) {
        let guard = self
            .desk
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Ok(desk) = guard.as_ref() else {
            return;
        };
        let mut worker = self
            .worker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if worker.is_some() {
            return;
        }
        match desk.start_sync_worker(SYNC_INTERVAL, bhxh_sync::Backoff::default()) {
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

    /// Run a sync operation on the open desk.
    pub fn with_sync<T>(
        &self,
        f: impl FnOnce(&mut Desk) -> Result<T, SyncFailure>,
    ) -> Result<T, ErrorInfo> {
        self.with(|d| Ok(f(d)))?.map_err(|e| e.info())
    }

    /// Run `f` on the open desk; every failure becomes an [`ErrorInfo`].
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Desk) -> Result<T, DeskError>,
    ) -> Result<T, ErrorInfo> {
        let mut guard = self
            .desk
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match guard.as_mut() {
            Ok(desk) => f(desk).map_err(|e| {
                tracing::debug!(code = e.code(), "command failed: {e}");
                e.info()
            }),
            Err(info) => Err(info.clone()),
        }
    }

    /// Try to open the desk again (after the user fixed the keyring, say).
    pub fn retry(&self) -> Result<bhxh_app::Status, ErrorInfo> {
        let mut guard = self
            .desk
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_err() {
            *guard = open(&self.data_dir);
        }
        let status = match guard.as_ref() {
            Ok(desk) => desk.status().map_err(|e| e.info()),
            Err(info) => Err(info.clone()),
        };
        drop(guard);
        self.start_worker();
        status
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
        let mut guard = self
            .desk
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Ok(desk) = guard.as_mut()
            && let Err(e) = desk.sign_out()
        {
            tracing::warn!("could not record the sign-out: {e}");
        }
    }
}

fn open(data_dir: &std::path::Path) -> Result<Desk, ErrorInfo> {
    Desk::open(data_dir).map_err(|e| {
        tracing::error!(code = e.code(), dir = %data_dir.display(), "cannot open the desk: {e}");
        let mut info = e.info();
        if info.hint.is_empty() {
            info.hint = format!("Thư mục dữ liệu: {}", data_dir.display());
        }
        info
    })
}
