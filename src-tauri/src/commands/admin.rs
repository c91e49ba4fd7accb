//! Administration: staff accounts, the audit log, the store check.

use bhxh_app::dto::{AuditEntry, NewStaff, Staff};
use bhxh_app::{CheckReport, ErrorInfo};
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
#[specta::specta]
pub async fn staff_list(state: State<'_, DeskState>) -> Result<Vec<Staff>, ErrorInfo> {
    state.run(|d| d.staff_list()).await
}

#[tauri::command]
#[specta::specta]
pub async fn staff_create(
    state: State<'_, DeskState>,
    input: NewStaff,
    password: String,
) -> Result<Staff, ErrorInfo> {
    state.run(move |d| d.staff_create(&input, &password)).await
}

#[tauri::command]
#[specta::specta]
pub async fn staff_unlock(state: State<'_, DeskState>, id: i64) -> Result<(), ErrorInfo> {
    state.run(move |d| d.staff_unlock(id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn audit_list(
    state: State<'_, DeskState>,
    limit: i64,
) -> Result<Vec<AuditEntry>, ErrorInfo> {
    state
        .run(move |d| d.audit_list(limit.clamp(1, 1000), None))
        .await
}

/// The file's integrity, the audit chain and every sealed file.
#[tauri::command]
#[specta::specta]
pub async fn db_check(state: State<'_, DeskState>) -> Result<CheckReport, ErrorInfo> {
    state.run(|d| d.check()).await
}

/// Place the office among the 34 units at a level, optionally renamed.
#[tauri::command]
#[specta::specta]
pub async fn office_set_unit(
    state: State<'_, DeskState>,
    unit_code: String,
    level: String,
    name: Option<String>,
) -> Result<bhxh_app::dto::Office, ErrorInfo> {
    state
        .run(move |d| d.office_set_unit(&unit_code, &level, name.as_deref()))
        .await
}

/// The name the naming rule of a date gives an office of a unit (and, for
/// a base office, its own name).
#[tauri::command]
#[specta::specta]
pub async fn office_name_suggestion(
    state: State<'_, DeskState>,
    unit_code: String,
    base_name: Option<String>,
    on: chrono::NaiveDate,
) -> Result<Option<String>, ErrorInfo> {
    state
        .run(move |d| d.office_name_suggestion(&unit_code, base_name.as_deref(), on))
        .await
}
