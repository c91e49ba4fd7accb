//! The 2024 plan and the procedure catalogue.

use bhxh_app::ErrorInfo;
use bhxh_core::progress::plan::Plan;
use bhxh_core::reference::catalog::{Procedure, ProcedureEdit};
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
pub fn plan(state: State<'_, DeskState>) -> Result<Plan, ErrorInfo> {
    state.with(|d| d.plan())
}

#[tauri::command]
pub fn procedures(state: State<'_, DeskState>) -> Result<Vec<Procedure>, ErrorInfo> {
    state.with(|d| d.procedures())
}

#[tauri::command]
pub fn procedure_update(
    state: State<'_, DeskState>,
    code: String,
    edit: ProcedureEdit,
) -> Result<Procedure, ErrorInfo> {
    state.with(|d| d.procedure_update(&code, &edit))
}
