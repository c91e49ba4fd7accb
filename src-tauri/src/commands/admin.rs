//! Administration: staff accounts, the audit log, the store check.

use bhxh_app::{CheckReport, ErrorInfo};
use bhxh_core::office::accounts::{NewStaff, Staff};
use bhxh_core::office::audit::Entry;
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
pub fn staff_list(state: State<'_, DeskState>) -> Result<Vec<Staff>, ErrorInfo> {
    state.with(|d| d.staff_list())
}

// Argon2 / a full-file check: off the main thread so the window stays responsive.
#[tauri::command(async)]
pub fn staff_create(
    state: State<'_, DeskState>,
    input: NewStaff,
    password: String,
) -> Result<Staff, ErrorInfo> {
    state.with(|d| d.staff_create(&input, &password))
}

#[tauri::command]
pub fn staff_unlock(state: State<'_, DeskState>, id: i64) -> Result<(), ErrorInfo> {
    state.with(|d| d.staff_unlock(id))
}

#[tauri::command]
pub fn audit_list(state: State<'_, DeskState>, limit: i64) -> Result<Vec<Entry>, ErrorInfo> {
    state.with(|d| d.audit_list(limit.clamp(1, 1000), None))
}

// Argon2 / a full-file check: off the main thread so the window stays responsive.
#[tauri::command(async)]
pub fn db_check(state: State<'_, DeskState>) -> Result<CheckReport, ErrorInfo> {
    state.with(|d| d.check())
}
