//! Dossier intake at the one-stop desk (plan tasks 13–15).

use bhxh_app::ErrorInfo;
use bhxh_app::dossiers::{ApplicantPrefill, DossierForm, ImportedComponent, ImportedResult};
use bhxh_app::reuse::Reused;
use bhxh_core::dossiers::files::FileLine;
use bhxh_core::dossiers::results::ResultLine;
use bhxh_core::dossiers::reuse::{ReuseCandidate, SourceKind};
use bhxh_core::dossiers::{Dossier, DossierSummary, Intake, IntakeInput, SearchQuery, Status};
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
pub fn dossier_intake(
    state: State<'_, DeskState>,
    input: IntakeInput,
) -> Result<Intake, ErrorInfo> {
    state.with(|d| d.dossier_intake(&input))
}

/// The applicant from the QR text of a CCCD (typed in by a barcode scanner).
#[tauri::command]
pub fn cccd_qr_applicant(text: String) -> Result<ApplicantPrefill, ErrorInfo> {
    bhxh_app::dossiers::applicant_from_cccd_qr(&text).map_err(|e| e.info())
}

#[tauri::command]
pub fn dossier_get(state: State<'_, DeskState>, code: String) -> Result<Dossier, ErrorInfo> {
    state.with(|d| d.dossier_get(&code))
}

#[tauri::command]
pub fn dossier_set_status(
    state: State<'_, DeskState>,
    code: String,
    to: Status,
    note: String,
) -> Result<Dossier, ErrorInfo> {
    state.with(|d| d.dossier_set_status(&code, to, &note))
}

#[tauri::command]
pub fn dossier_search(
    state: State<'_, DeskState>,
    query: SearchQuery,
) -> Result<Vec<DossierSummary>, ErrorInfo> {
    state.with(|d| d.dossier_search(&query))
}

/// Write form 01 into Documents/BHXH Desk/Hồ sơ and return the file's path.
#[tauri::command(async)]
pub fn dossier_receipt(state: State<'_, DeskState>, code: String) -> Result<String, ErrorInfo> {
    state.with(|d| {
        d.dossier_receipt_to_documents(&code)
            .map(|p| p.display().to_string())
    })
}

/// Form 02, 03 or 05 into Documents/BHXH Desk/Hồ sơ; returns the path.
#[tauri::command]
pub fn dossier_form(
    state: State<'_, DeskState>,
    code: String,
    form: DossierForm,
) -> Result<String, ErrorInfo> {
    state.with(|d| {
        d.dossier_form_to_documents(&code, form)
            .map(|p| p.display().to_string())
    })
}

/// The yearly register (form 06) into Documents/BHXH Desk/Hồ sơ.
#[tauri::command]
pub fn dossier_register(state: State<'_, DeskState>, year: i32) -> Result<String, ErrorInfo> {
    state.with(|d| {
        d.dossier_register_to_documents(year)
            .map(|p| p.display().to_string())
    })
}

/// A file the window read from disk or a drop.
#[derive(Debug, serde::Deserialize)]
pub struct FileBytes {
    name: String,
    bytes: Vec<u8>,
}

/// Digitise one component from the files the window read.
#[tauri::command(async)]
pub fn dossier_import(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
    files: Vec<FileBytes>,
    pages: Option<u32>,
) -> Result<ImportedComponent, ErrorInfo> {
    let inputs: Vec<(String, Vec<u8>)> = files.into_iter().map(|f| (f.name, f.bytes)).collect();
    state.with(|d| d.dossier_import_bytes(&code, component, &inputs, pages))
}

#[tauri::command]
pub fn dossier_files(
    state: State<'_, DeskState>,
    code: String,
) -> Result<Vec<FileLine>, ErrorInfo> {
    state.with(|d| d.dossier_files(&code))
}

/// Export the component PDFs, decrypted, into Documents/BHXH Desk/Hồ sơ/<code>.
#[tauri::command(async)]
pub fn dossier_export(state: State<'_, DeskState>, code: String) -> Result<Vec<String>, ErrorInfo> {
    state.with(|d| {
        let dir = d
            .output_dir("Hồ sơ", "ho-so")?
            .join(code.replace(['/', '\\'], "_"));
        d.dossier_export(&code, &dir)
            .map(|v| v.iter().map(|p| p.display().to_string()).collect())
    })
}

/// The same applicant's papers of this kind digitised for earlier dossiers.
#[tauri::command]
pub fn dossier_reuse_candidates(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
) -> Result<Vec<ReuseCandidate>, ErrorInfo> {
    state.with(|d| d.dossier_reuse_candidates(&code, component))
}

/// Use one of them instead of a rescan.
#[tauri::command]
pub fn dossier_reuse(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
    from_code: String,
    from_kind: Option<SourceKind>,
    from_component: u32,
) -> Result<Reused, ErrorInfo> {
    state.with(|d| {
        d.dossier_reuse(
            &code,
            component,
            &from_code,
            from_kind.unwrap_or_default(),
            from_component,
        )
    })
}

/// Digitise a result of the dossier from files the window read.
#[tauri::command(async)]
pub fn dossier_result_import(
    state: State<'_, DeskState>,
    code: String,
    name: String,
    reusable: bool,
    files: Vec<FileBytes>,
    pages: Option<u32>,
) -> Result<ImportedResult, ErrorInfo> {
    let inputs: Vec<(String, Vec<u8>)> = files.into_iter().map(|f| (f.name, f.bytes)).collect();
    state.with(|d| d.dossier_result_import(&code, &name, reusable, &inputs, pages))
}

/// The dossier's digitised results.
#[tauri::command]
pub fn dossier_results(
    state: State<'_, DeskState>,
    code: String,
) -> Result<Vec<ResultLine>, ErrorInfo> {
    state.with(|d| d.dossier_results(&code))
}

/// Offer a result at later intakes, or stop offering it.
#[tauri::command]
pub fn dossier_result_set_reusable(
    state: State<'_, DeskState>,
    code: String,
    number: u32,
    reusable: bool,
) -> Result<Vec<ResultLine>, ErrorInfo> {
    state.with(|d| d.dossier_result_set_reusable(&code, number, reusable))
}
