//! The participant register (plan task 21).

use bhxh_app::{ErrorInfo, ImportOutcome};
use bhxh_core::participants::{ImportMode, Mapping, Participant, VerifiedShare};
use tauri::State;

use crate::state::DeskState;

/// A list the window read from a file the user chose: checked, and imported
/// unless `dry_run`.
#[tauri::command(async)]
pub fn participants_import(
    state: State<'_, DeskState>,
    name: String,
    bytes: Vec<u8>,
    mapping: Option<Mapping>,
    mode: ImportMode,
    dry_run: bool,
) -> Result<ImportOutcome, ErrorInfo> {
    state.with(|d| d.participants_import_bytes(&name, &bytes, mapping, mode, dry_run))
}

#[tauri::command]
pub fn participants_search(
    state: State<'_, DeskState>,
    query: String,
    limit: i64,
) -> Result<Vec<Participant>, ErrorInfo> {
    state.with(|d| d.participants_search(&query, limit))
}

#[tauri::command]
pub fn participants_share(state: State<'_, DeskState>) -> Result<VerifiedShare, ErrorInfo> {
    state.with(|d| d.participants_share())
}

#[tauri::command]
pub fn participant_verify_manual(
    state: State<'_, DeskState>,
    bhxh_number: String,
    note: String,
) -> Result<(), ErrorInfo> {
    state.with(|d| d.participant_verify_manual(&bhxh_number, &note))
}
