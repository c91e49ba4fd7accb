//! Plan progress, its evidence files, and the reports approved from it.

use bhxh_app::dto::{
    Attention, Evidence, PaperPreview, ProgressEntry, ProgressInput, ReportRecord, Snapshot,
};
use bhxh_app::reports::ReportSettings;
use bhxh_app::{ErrorInfo, ExportedReport, MonthProgress, Printed, ReportOptions};
use std::path::{Path, PathBuf};
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

/// The report's PDF and/or XLSX into the files the user chose in the save
/// dialog (each atomically); returns what was written.
#[tauri::command]
#[specta::specta]
pub async fn report_save(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    pdf: Option<String>,
    xlsx: Option<String>,
    options: ReportOptions,
) -> Result<ExportedReport, ErrorInfo> {
    state
        .run(move |d| {
            let targets = bhxh_app::ExportTargets {
                pdf: pdf.map(PathBuf::from),
                xlsx: xlsx.map(PathBuf::from),
                json: None,
            };
            d.report_export_with(&kind, &period, None, &targets, &options)
        })
        .await
}

/// "Xem trước": the report "In" would print (the current figures), for the
/// window to show (the PDF, base64; in memory only, not logged).
#[tauri::command]
#[specta::specta]
pub async fn report_preview(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    options: ReportOptions,
) -> Result<PaperPreview, ErrorInfo> {
    state
        .run(move |d| d.report_preview_with(&kind, &period, &options))
        .await
}

/// Print the report through the OS print system.
#[tauri::command]
#[specta::specta]
pub async fn report_print(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    printer: Option<String>,
    options: ReportOptions,
) -> Result<Printed, ErrorInfo> {
    state
        .run(move |d| d.report_print_with(&kind, &period, None, printer.as_deref(), &options))
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

/// A decrypted copy into the file the user chose in the save dialog;
/// returns that path.
#[tauri::command]
#[specta::specta]
pub async fn progress_evidence_save(
    state: State<'_, DeskState>,
    id: i64,
    path: String,
) -> Result<String, ErrorInfo> {
    state
        .run(move |d| {
            d.progress_evidence_save(id, Path::new(&path))
                .map(|()| path)
        })
        .await
}
