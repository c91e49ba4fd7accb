//! Plan progress, its evidence files, and the reports approved from it.

use bhxh_app::dto::{Attention, Evidence, ProgressEntry, ProgressInput, ReportRecord, Snapshot};
use bhxh_app::reports::ReportSettings;
use bhxh_app::{ErrorInfo, ExportedReport, MonthProgress};
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
#[specta::specta]
pub async fn progress_month(
    state: State<'_, DeskState>,
    month: String,
) -> Result<MonthProgress, ErrorInfo> {
    state.run(move |d| d.progress_month(&month)).await
}

#[tauri::command]
#[specta::specta]
pub async fn progress_save(
    state: State<'_, DeskState>,
    month: String,
    input: ProgressInput,
) -> Result<ProgressEntry, ErrorInfo> {
    state.run(move |d| d.progress_save(&month, &input)).await
}

#[tauri::command]
#[specta::specta]
pub async fn attention(state: State<'_, DeskState>) -> Result<Vec<Attention>, ErrorInfo> {
    state.run(|d| d.attention()).await
}

#[tauri::command]
#[specta::specta]
pub async fn report_current(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
) -> Result<Snapshot, ErrorInfo> {
    state.run(move |d| d.report_current(&kind, &period)).await
}

#[tauri::command]
#[specta::specta]
pub async fn report_revisions(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
) -> Result<Vec<ReportRecord>, ErrorInfo> {
    state.run(move |d| d.report_revisions(&kind, &period)).await
}

#[tauri::command]
#[specta::specta]
pub async fn report_approve(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    number: String,
) -> Result<Snapshot, ErrorInfo> {
    state
        .run(move |d| d.report_approve(&kind, &period, &number))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn report_reopen(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    reason: String,
) -> Result<ReportRecord, ErrorInfo> {
    state
        .run(move |d| d.report_reopen(&kind, &period, &reason))
        .await
}

/// PDF and XLSX into the user's Documents folder; returns the file paths.
#[tauri::command]
#[specta::specta]
pub async fn report_export(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
) -> Result<ExportedReport, ErrorInfo> {
    state
        .run(move |d| d.report_export_to_documents(&kind, &period))
        .await
}

/// Who signs the office's reports and who receives them.
#[tauri::command]
#[specta::specta]
pub async fn report_settings(state: State<'_, DeskState>) -> Result<ReportSettings, ErrorInfo> {
    state.run(|d| d.report_settings()).await
}

#[tauri::command]
#[specta::specta]
pub async fn report_settings_save(
    state: State<'_, DeskState>,
    settings: ReportSettings,
) -> Result<ReportSettings, ErrorInfo> {
    state.run(move |d| d.report_settings_save(&settings)).await
}

/// The month's evidence files.
#[tauri::command]
#[specta::specta]
pub async fn progress_evidence(
    state: State<'_, DeskState>,
    month: String,
) -> Result<Vec<Evidence>, ErrorInfo> {
    state.run(move |d| d.progress_evidence(&month)).await
}

/// Attach a file the window handed over (`upload_file`): sealed, then recorded.
#[tauri::command]
#[specta::specta]
pub async fn progress_evidence_add(
    state: State<'_, DeskState>,
    month: String,
    task: u32,
    file: u64,
) -> Result<Evidence, ErrorInfo> {
    let mut files = state.take_staged(&[file])?;
    let (name, bytes) = files.pop().unwrap_or_default();
    state
        .run(move |d| d.progress_evidence_add(&month, task, &name, &bytes))
        .await
}

/// A decrypted copy into Documents/BHXH Desk/Minh chứng; returns the path.
#[tauri::command]
#[specta::specta]
pub async fn progress_evidence_export(
    state: State<'_, DeskState>,
    id: i64,
) -> Result<String, ErrorInfo> {
    state
        .run(move |d| {
            d.progress_evidence_export_to_documents(id)
                .map(|p| p.display().to_string())
        })
        .await
}
