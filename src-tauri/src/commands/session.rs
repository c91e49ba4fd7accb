//! Start-up, first-start setup, signing in and out.

use bhxh_app::dto::Province;
use bhxh_app::{DeskStatus, ErrorInfo, SessionInfo, SetupInput};
use tauri::{AppHandle, Manager, State};

use crate::state::{DeskState, internal};

#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, DeskState>) -> Result<DeskStatus, ErrorInfo> {
    // The window's first call: its page has loaded and runs. The start-up
    // benchmark times the launch by this line, with no WebDriver in between.
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| tracing::info!("window ready"));
    state.run(|d| d.status()).await
}

/// Opening the store talks to the keyring and may migrate: a blocking thread.
#[tauri::command]
#[specta::specta]
pub async fn app_retry_open(app: AppHandle) -> Result<DeskStatus, ErrorInfo> {
    tauri::async_runtime::spawn_blocking(move || app.state::<DeskState>().retry())
        .await
        .map_err(|e| internal("Việc mở dữ liệu", e))?
}

#[tauri::command]
#[specta::specta]
pub async fn provinces(state: State<'_, DeskState>) -> Result<Vec<Province>, ErrorInfo> {
    state.run(|d| d.provinces()).await
}

/// The provincial-level units in force on a date (34 from 1/7/2025).
#[tauri::command]
#[specta::specta]
pub async fn units_at(
    state: State<'_, DeskState>,
    on: chrono::NaiveDate,
) -> Result<Vec<bhxh_app::dto::AdminUnit>, ErrorInfo> {
    state.run(move |d| d.units_at(on)).await
}

/// Each procedure's deadline in force on a date, with its legal basis.
#[tauri::command]
#[specta::specta]
pub async fn procedures_at(
    state: State<'_, DeskState>,
    on: chrono::NaiveDate,
) -> Result<Vec<bhxh_app::dto::ProcedureRule>, ErrorInfo> {
    state.run(move |d| d.procedures_at(on)).await
}

/// The reference packs applied, with what each changed and from when.
#[tauri::command]
#[specta::specta]
pub async fn reference_packs(
    state: State<'_, DeskState>,
) -> Result<Vec<bhxh_app::dto::AppliedPack>, ErrorInfo> {
    state.run(|d| d.reference_packs()).await
}

#[tauri::command]
#[specta::specta]
pub async fn setup(
    state: State<'_, DeskState>,
    input: SetupInput,
) -> Result<DeskStatus, ErrorInfo> {
    state.run(move |d| d.setup(&input)).await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    state: State<'_, DeskState>,
    username: String,
    password: String,
) -> Result<SessionInfo, ErrorInfo> {
    state.run(move |d| d.sign_in(&username, &password)).await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, DeskState>) -> Result<(), ErrorInfo> {
    state.drop_staged();
    state.run(|d| d.sign_out()).await
}

#[tauri::command]
#[specta::specta]
pub async fn touch(state: State<'_, DeskState>) -> Result<(), ErrorInfo> {
    state.run(|d| d.touch()).await
}
