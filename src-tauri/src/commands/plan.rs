//! The 2024 plan and the procedure catalogue.

use bhxh_app::ErrorInfo;
use bhxh_app::dto::{Plan, Procedure, ProcedureEdit};
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
#[specta::specta]
pub async fn plan(state: State<'_, DeskState>) -> Result<Plan, ErrorInfo> {
    state.run(|d| d.plan()).await
}

#[tauri::command]
#[specta::specta]
pub async fn procedures(state: State<'_, DeskState>) -> Result<Vec<Procedure>, ErrorInfo> {
    state.run(|d| d.procedures()).await
}

#[tauri::command]
#[specta::specta]
pub async fn procedure_update(
    state: State<'_, DeskState>,
    code: String,
    edit: ProcedureEdit,
) -> Result<Procedure, ErrorInfo> {
    state.run(move |d| d.procedure_update(&code, &edit)).await
}
