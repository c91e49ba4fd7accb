//! Sync with headquarters: the status line, "Đồng bộ ngay", directives, and
//! the HQ address and office token (administrators).

use bhxh_app::ErrorInfo;
use bhxh_app::dto::{BaseOfficesProgress, Directive};
use bhxh_app::sync::SyncStatus;
use tauri::{AppHandle, Manager, State};

use crate::state::DeskState;

#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, DeskState>) -> Result<SyncStatus, ErrorInfo> {
    state.run(|d| d.sync_status()).await
}

/// The base offices' progress as HQ last gave this (provincial) desk, with
/// its age, or why there is none.
#[tauri::command]
#[specta::specta]
pub async fn base_offices_progress(
    state: State<'_, DeskState>,
) -> Result<BaseOfficesProgress, ErrorInfo> {
    state.run(|d| d.base_offices_progress()).await
}

/// Wake the background worker for a round now; the window then polls
/// `sync_status`. Without a worker (it could not start), sync here.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(app: AppHandle) -> Result<SyncStatus, ErrorInfo> {
    let state = app.state::<DeskState>();
    if state.wake_sync() {
        state.run(|d| d.sync_status()).await
    } else {
        state.run(|d| d.sync_now().map(|run| run.status)).await
    }
}

#[tauri::command]
#[specta::specta]
pub async fn sync_directives(
    state: State<'_, DeskState>,
    limit: u32,
) -> Result<Vec<Directive>, ErrorInfo> {
    state.run(move |d| d.sync_directives(limit as usize)).await
}

/// Administrator only; the token goes to the OS keyring, never to a file.
/// HQ is asked whether it knows the token before it is kept.
#[tauri::command]
#[specta::specta]
pub async fn sync_configure(
    state: State<'_, DeskState>,
    url: String,
    token: String,
) -> Result<SyncStatus, ErrorInfo> {
    let status = state.run(move |d| d.sync_configure(&url, &token)).await?;
    state.wake_sync();
    Ok(status)
}
