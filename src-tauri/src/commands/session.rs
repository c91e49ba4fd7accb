//! Start-up, first-start setup, signing in and out.

use bhxh_app::{ErrorInfo, SessionInfo, SetupInput, Status};
use bhxh_core::reference::catalog::Province;
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
pub fn app_status(state: State<'_, DeskState>) -> Result<Status, ErrorInfo> {
    state.with(|d| d.status())
}

#[tauri::command]
pub fn app_retry_open(state: State<'_, DeskState>) -> Result<Status, ErrorInfo> {
    state.retry()
}

#[tauri::command]
pub fn provinces(state: State<'_, DeskState>) -> Result<Vec<Province>, ErrorInfo> {
    state.with(|d| d.provinces())
}

// Argon2 / a full-file check: off the main thread so the window stays responsive.
#[tauri::command(async)]
pub fn setup(state: State<'_, DeskState>, input: SetupInput) -> Result<Status, ErrorInfo> {
    state.with(|d| d.setup(&input))
}

// Argon2 / a full-file check: off the main thread so the window stays responsive.
#[tauri::command(async)]
pub fn sign_in(
    state: State<'_, DeskState>,
    username: String,
    password: String,
) -> Result<SessionInfo, ErrorInfo> {
    state.with(|d| d.sign_in(&username, &password))
}

#[tauri::command]
pub fn sign_out(state: State<'_, DeskState>) -> Result<(), ErrorInfo> {
    state.with(|d| d.sign_out())
}

#[tauri::command]
pub fn touch(state: State<'_, DeskState>) -> Result<(), ErrorInfo> {
    state.with(|d| d.touch())
}
