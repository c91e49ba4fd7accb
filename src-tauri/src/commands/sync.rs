//! Sync with headquarters: the status line, "Đồng bộ ngay", directives, and
//! the HQ address and office token (administrators).

use bhxh_app::ErrorInfo;
use bhxh_app::sync::SyncStatus;
use bhxh_core::sync::outbox::Directive;
use tauri::{AppHandle, Manager, State};

use crate::state::DeskState;

#[tauri::command]
pub fn sync_status(state: State<'_, DeskState>) -> Result<SyncStatus, ErrorInfo> {
    state.with_sync(|d| d.sync_status())
}

/// Run `f` on a blocking thread: the HTTP client blocks, and blocking
/// inside the async runtime is not allowed.
async fn off_runtime<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&DeskState) -> Result<T, ErrorInfo> + Send + 'static,
) -> Result<T, ErrorInfo> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<DeskState>()))
        .await
        .map_err(|e| ErrorInfo {
            code: "internal".to_owned(),
            message: format!("Việc đồng bộ bị gián đoạn: {e}"),
            hint: "Thử lại; nếu lỗi lặp lại, khởi động lại BHXH Desk.".to_owned(),
            field: None,
        })?
}

/// Wake the background worker for a round now; the window then polls
/// `sync_status`. Without a worker (it could not start), sync here.
#[tauri::command]
pub async fn sync_now(app: AppHandle) -> Result<SyncStatus, ErrorInfo> {
    off_runtime(app, |state| {
        if state.wake_sync() {
            state.with_sync(|d| d.sync_status())
        } else {
            state.with_sync(|d| d.sync_now().map(|run| run.status))
        }
    })
    .await
}

#[tauri::command]
pub fn sync_directives(
    state: State<'_, DeskState>,
    limit: usize,
) -> Result<Vec<Directive>, ErrorInfo> {
    state.with_sync(|d| d.sync_directives(limit))
}

/// Administrator only; the token goes to the OS keyring, never to a file.
/// HQ is asked whether it knows the token before it is kept.
#[tauri::command]
pub async fn sync_configure(
    app: AppHandle,
    url: String,
    token: String,
) -> Result<SyncStatus, ErrorInfo> {
    off_runtime(app, move |state| {
        let status = state.with_sync(|d| d.sync_configure(&url, &token))?;
        state.wake_sync();
        Ok(status)
    })
    .await
}
