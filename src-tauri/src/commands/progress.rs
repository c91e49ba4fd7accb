//! Plan progress and the reports approved from it.

use bhxh_app::{ErrorInfo, MonthProgress};
use bhxh_core::progress::{Attention, ProgressEntry, ProgressInput, ReportRecord, Snapshot};
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
pub fn progress_month(
    state: State<'_, DeskState>,
    month: String,
) -> Result<MonthProgress, ErrorInfo> {
    state.with(|d| d.progress_month(&month))
}

#[tauri::command]
pub fn progress_save(
    state: State<'_, DeskState>,
    month: String,
    input: ProgressInput,
) -> Result<ProgressEntry, ErrorInfo> {
    state.with(|d| d.progress_save(&month, &input))
}

#[tauri::command]
pub fn attention(state: State<'_, DeskState>) -> Result<Vec<Attention>, ErrorInfo> {
    state.with(|d| d.attention())
}

#[tauri::command]
pub fn report_current(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
) -> Result<Snapshot, ErrorInfo> {
    state.with(|d| d.report_current(&kind, &period))
}

#[tauri::command]
pub fn report_revisions(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
) -> Result<Vec<ReportRecord>, ErrorInfo> {
    state.with(|d| d.report_revisions(&kind, &period))
}

#[tauri::command]
pub fn report_approve(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    number: String,
) -> Result<Snapshot, ErrorInfo> {
    state.with(|d| d.report_approve(&kind, &period, &number))
}

#[tauri::command]
pub fn report_reopen(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    reason: String,
) -> Result<ReportRecord, ErrorInfo> {
    state.with(|d| d.report_reopen(&kind, &period, &reason))
}

/// PDF and XLSX into the user's Documents folder; returns the file paths.
#[tauri::command(async)]
pub fn report_export(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
) -> Result<bhxh_app::ExportedReport, ErrorInfo> {
    state.with(|d| d.report_export_to_documents(&kind, &period))
}

/// Who signs the office's reports and who receives them.
#[tauri::command]
pub fn report_settings(
    state: State<'_, DeskState>,
) -> Result<bhxh_app::reports::ReportSettings, ErrorInfo> {
    state.with(|d| d.report_settings())
}

/// Supervisor or administrator; audited.
#[tauri::command]
pub fn report_settings_save(
    state: State<'_, DeskState>,
    settings: bhxh_app::reports::ReportSettings,
) -> Result<bhxh_app::reports::ReportSettings, ErrorInfo> {
    state.with(|d| d.report_settings_save(&settings))
}

/// The month's evidence files.
#[tauri::command]
pub fn progress_evidence(
    state: State<'_, DeskState>,
    month: String,
) -> Result<Vec<bhxh_core::progress::evidence::Evidence>, ErrorInfo> {
    state.with(|d| d.progress_evidence(&month))
}

/// Attach a file (supervisor or administrator); sealed, then recorded.
#[tauri::command(async)]
pub fn progress_evidence_add(
    state: State<'_, DeskState>,
    month: String,
    task: u32,
    name: String,
    bytes: Vec<u8>,
) -> Result<bhxh_core::progress::evidence::Evidence, ErrorInfo> {
    state.with(|d| d.progress_evidence_add(&month, task, &name, &bytes))
}

/// A decrypted copy into Documents/BHXH Desk/Minh chứng; returns the path.
#[tauri::command]
pub fn progress_evidence_export(state: State<'_, DeskState>, id: i64) -> Result<String, ErrorInfo> {
    state.with(|d| {
        d.progress_evidence_export_to_documents(id)
            .map(|p| p.display().to_string())
    })
}
