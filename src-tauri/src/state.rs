//! The one piece of state the window holds: the open desk, or why it could
//! not be opened (so the UI can say so and offer to try again).

use std::path::PathBuf;
use std::sync::Mutex;

use bhxh_app::{Desk, DeskError, ErrorInfo};

pub struct DeskState {
    data_dir: PathBuf,
    desk: Mutex<Result<Desk, ErrorInfo>>,
}

impl DeskState {
    pub fn open(data_dir: PathBuf) -> Self {
        let desk = open(&data_dir);
        DeskState {
            data_dir,
            desk: Mutex::new(desk),
        }
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
        match guard.as_ref() {
            Ok(desk) => desk.status().map_err(|e| e.info()),
            Err(info) => Err(info.clone()),
        }
    }

    pub fn close(&self) {
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
