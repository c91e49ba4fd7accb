//! The participant register (plan task 21).

use bhxh_app::dto::{ImportMode, Mapping, Participant, VerifiedShare};
use bhxh_app::{ErrorInfo, ImportOutcome};
use tauri::State;

use crate::state::DeskState;

/// A list the window handed over (`upload_file`): checked, and imported
/// unless `dry_run`. A dry run keeps the file for the real import.
#[tauri::command]
#[specta::specta]
pub async fn participants_import(
    state: State<'_, DeskState>,
    file: u64,
    mapping: Option<Mapping>,
    mode: ImportMode,
    dry_run: bool,
) -> Result<ImportOutcome, ErrorInfo> {
    let mut files = state.take_staged(&[file])?;
    let (name, bytes) = files.pop().unwrap_or_default();
    let outcome = state
        .run({
            let (name, bytes) = (name.clone(), bytes.clone());
            move |d| d.participants_import_bytes(&name, &bytes, mapping, mode, dry_run)
        })
        .await;
    if dry_run {
        // The same id stays usable for the import that follows the preview.
        state.restage(file, name, bytes);
    }
    outcome
}

#[tauri::command]
#[specta::specta]
pub async fn participants_search(
    state: State<'_, DeskState>,
    query: String,
    limit: i64,
) -> Result<Vec<Participant>, ErrorInfo> {
    state
        .run(move |d| d.participants_search(&query, limit))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn participants_share(state: State<'_, DeskState>) -> Result<VerifiedShare, ErrorInfo> {
    state.run(|d| d.participants_share()).await
}

#[tauri::command]
#[specta::specta]
pub async fn participant_verify_manual(
    state: State<'_, DeskState>,
    bhxh_number: String,
    note: String,
) -> Result<(), ErrorInfo> {
    state
        .run(move |d| d.participant_verify_manual(&bhxh_number, &note))
        .await
}
