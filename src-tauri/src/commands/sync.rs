//! Sync with headquarters: the status line, "Đồng bộ ngay", directives, and
//! the HQ address and office token (administrators).

use bhxh_app::ErrorInfo;
use bhxh_app::sync::SyncStatus;
use bhxh_core::outbox::Directive;
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
pub fn sync_status(state: State<'_, DeskState>) -> Result<SyncStatus, ErrorInfo> {
    state.with_sync(|d| d.sync_status())
}

/// Wake the background worker for a round now; the window then polls
/// `sync_status`. Without a worker (it could not start), sync here.
#[tauri::command(async)]
pub fn sync_now(state: State<'_, DeskState>) -> Result<SyncStatus, ErrorInfo> {
    if state.wake_sync() {
        state.with_sync(|d| d.sync_status())
    } else {
        state.with_sync(|d| d.sync_now().map(|run| run.status))
    }
}

#[tauri::command]
pub fn sync_directives(
    state: State<'_, DeskState>,
    limit: usize,
) -> Result<Vec<Directive>, ErrorInfo> {
    state.with_sync(|d| d.sync_directives(limit))
}

/// Administrator only; the token goes to the OS keyring, never to a file.
#[tauri::command(async)]
pub fn sync_configure(
    state: State<'_, DeskState>,
    url: String,
    token: String,
) -> Result<SyncStatus, ErrorInfo> {
    let status = state.with_sync(|d| d.sync_configure(&url, &token))?;
    state.wake_sync();
    Ok(status)
}
