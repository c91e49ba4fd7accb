//! Dossier intake at the one-stop desk (plan tasks 13–15): intake, the
//! dossier, its papers, digitising its components and results, reuse.

use std::path::Path;

use bhxh_app::dossiers::{
    ApplicantPrefill, ArchiveExport, DossierForm, Found, ImportedComponent, ImportedResult, Reused,
};
use bhxh_app::dto::{
    ComponentPages, Dossier, DossierStatus, DossierSummary, FileLine, Intake, IntakeInput,
    PageChoice, PageMove, PagePreview, PagesMoved, PaperPreview, ResultLine, ReuseCandidate,
    SearchQuery, SourceKind,
};
use bhxh_app::{ErrorInfo, Printed};
use tauri::State;

use crate::state::DeskState;

#[tauri::command]
#[specta::specta]
pub async fn dossier_intake(
    state: State<'_, DeskState>,
    input: IntakeInput,
) -> Result<Intake, ErrorInfo> {
    state.run(move |d| d.dossier_intake(&input)).await
}

/// What the find box was given (a CCCD or paper QR, a code, an ID number, a
/// name) and where it leads.
#[tauri::command]
#[specta::specta]
pub async fn find(state: State<'_, DeskState>, text: String) -> Result<Found, ErrorInfo> {
    state.run(move |d| d.find(&text)).await
}

/// The applicant's open dossiers of the same procedure (asked while the
/// intake form fills in).
#[tauri::command]
#[specta::specta]
pub async fn dossier_open_same(
    state: State<'_, DeskState>,
    applicant_id: String,
    procedure_code: String,
) -> Result<Vec<bhxh_app::dto::OpenSame>, ErrorInfo> {
    state
        .run(move |d| d.dossier_open_same(&applicant_id, &procedure_code))
        .await
}

/// The applicant from the QR text of a CCCD (typed in by a barcode scanner).
#[tauri::command]
#[specta::specta]
pub async fn cccd_qr_applicant(text: String) -> Result<ApplicantPrefill, ErrorInfo> {
    bhxh_app::dossiers::applicant_from_cccd_qr(&text).map_err(|e| e.info())
}

#[tauri::command]
#[specta::specta]
pub async fn dossier_get(state: State<'_, DeskState>, code: String) -> Result<Dossier, ErrorInfo> {
    state.run(move |d| d.dossier_get(&code)).await
}

#[tauri::command]
#[specta::specta]
pub async fn dossier_set_status(
    state: State<'_, DeskState>,
    code: String,
    to: DossierStatus,
    note: String,
) -> Result<Dossier, ErrorInfo> {
    state
        .run(move |d| d.dossier_set_status(&code, to, &note))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn dossier_search(
    state: State<'_, DeskState>,
    query: SearchQuery,
) -> Result<Vec<DossierSummary>, ErrorInfo> {
    state.run(move |d| d.dossier_search(&query)).await
}

/// Print a paper of the dossier through the OS print system, on `printer`
/// or the default one (nothing is kept on disk once the job is spooled).
#[tauri::command]
#[specta::specta]
pub async fn dossier_print(
    state: State<'_, DeskState>,
    code: String,
    form: DossierForm,
    printer: Option<String>,
) -> Result<Printed, ErrorInfo> {
    state
        .run(move |d| d.dossier_print(&code, form, printer.as_deref()))
        .await
}

/// "Xem trước": the paper "In" would print, for the window to show (the PDF,
/// base64; in memory only, not logged).
#[tauri::command]
#[specta::specta]
pub async fn dossier_form_preview(
    state: State<'_, DeskState>,
    code: String,
    form: DossierForm,
) -> Result<PaperPreview, ErrorInfo> {
    state
        .run(move |d| d.dossier_form_preview(&code, form))
        .await
}

/// "Lưu PDF…": a paper of the dossier written to the file the user chose in
/// the save dialog (atomically); returns that path.
#[tauri::command]
#[specta::specta]
pub async fn dossier_form_save(
    state: State<'_, DeskState>,
    code: String,
    form: DossierForm,
    path: String,
) -> Result<String, ErrorInfo> {
    state
        .run(move |d| {
            d.dossier_form_to(&code, form, Path::new(&path))
                .map(|()| path)
        })
        .await
}

/// "Lưu PDF ký số…": a paper of the dossier issued electronically, signed
/// with the office's token (the PIN typed for this signing only) and
/// written to the file the user chose; returns the signer's name.
#[tauri::command]
#[specta::specta]
pub async fn dossier_form_save_signed(
    state: State<'_, DeskState>,
    code: String,
    form: DossierForm,
    path: String,
    pin: String,
) -> Result<String, ErrorInfo> {
    state
        .run(move |d| d.dossier_form_signed_to(&code, form, Path::new(&path), &pin))
        .await
}

/// A later return date with its reason (the apology paper prints both).
#[tauri::command]
#[specta::specta]
pub async fn dossier_extend(
    state: State<'_, DeskState>,
    code: String,
    new_due_on: chrono::NaiveDate,
    reason: String,
) -> Result<Dossier, ErrorInfo> {
    state
        .run(move |d| d.dossier_extend(&code, new_due_on, &reason))
        .await
}

/// Print the yearly register (form 06) through the OS print system.
#[tauri::command]
#[specta::specta]
pub async fn dossier_register_print(
    state: State<'_, DeskState>,
    year: i32,
    printer: Option<String>,
) -> Result<Printed, ErrorInfo> {
    state
        .run(move |d| d.dossier_register_print(year, printer.as_deref()))
        .await
}

/// The yearly register (form 06) into the file the user chose.
#[tauri::command]
#[specta::specta]
pub async fn dossier_register_save(
    state: State<'_, DeskState>,
    year: i32,
    path: String,
) -> Result<String, ErrorInfo> {
    state
        .run(move |d| d.dossier_register_to(year, Path::new(&path)).map(|()| path))
        .await
}

/// Digitise one component from files the window handed over (`upload_file`).
#[tauri::command]
#[specta::specta]
pub async fn dossier_import(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
    files: Vec<u64>,
    pages: Option<u32>,
) -> Result<ImportedComponent, ErrorInfo> {
    let inputs = state.take_staged(&files)?;
    let bytes: usize = inputs.iter().map(|(_, b)| b.len()).sum();
    let start = std::time::Instant::now();
    let done = state
        .run(move |d| d.dossier_import_bytes(&code, component, &inputs, pages))
        .await;
    tracing::info!(
        files = files.len(),
        bytes,
        ms = start.elapsed().as_millis() as u64,
        "component digitised"
    );
    done
}

#[tauri::command]
#[specta::specta]
pub async fn dossier_files(
    state: State<'_, DeskState>,
    code: String,
) -> Result<Vec<FileLine>, ErrorInfo> {
    state.run(move |d| d.dossier_files(&code)).await
}

/// A component's current PDF and its pages, for the page strip.
#[tauri::command]
#[specta::specta]
pub async fn dossier_pages(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
) -> Result<ComponentPages, ErrorInfo> {
    state.run(move |d| d.dossier_pages(&code, component)).await
}

/// A small picture of one page of a component, and whether it looks blank.
#[tauri::command]
#[specta::specta]
pub async fn dossier_page_preview(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
    page: u32,
) -> Result<PagePreview, ErrorInfo> {
    state
        .run(move |d| d.dossier_page_preview(&code, component, page))
        .await
}

/// Save the pages chosen (kept, in order, each turned) as a new version
/// of the component's PDF, made from `base` (the version shown).
#[tauri::command]
#[specta::specta]
pub async fn dossier_pages_edit(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
    base: String,
    pages: Vec<PageChoice>,
) -> Result<ComponentPages, ErrorInfo> {
    state
        .run(move |d| d.dossier_pages_edit(&code, component, &base, &pages))
        .await
}

/// A component's pages as `dossier_pages` gives them, or nothing when it
/// has no PDF (not digitised, or every page moved away): the version a move
/// into it was planned against.
#[tauri::command]
#[specta::specta]
pub async fn dossier_pages_if_any(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
) -> Result<Option<ComponentPages>, ErrorInfo> {
    state
        .run(move |d| d.dossier_pages_if_any(&code, component))
        .await
}

/// Move pages of one component to another of the same dossier (both new
/// versions in one step; refused when either changed since it was shown).
#[tauri::command]
#[specta::specta]
pub async fn dossier_pages_move(
    state: State<'_, DeskState>,
    code: String,
    page_move: PageMove,
) -> Result<PagesMoved, ErrorInfo> {
    state
        .run(move |d| d.dossier_pages_move(&code, &page_move))
        .await
}

/// Write the archival copies (PDF/A-2b, searchable) of the components
/// digitised from scans into the folder the user chose.
#[tauri::command]
#[specta::specta]
pub async fn dossier_export_archive(
    state: State<'_, DeskState>,
    code: String,
    dir: String,
) -> Result<ArchiveExport, ErrorInfo> {
    state
        .run(move |d| d.dossier_export_archive(&code, Path::new(&dir)))
        .await
}

/// Export the component and result PDFs, decrypted, into the folder the
/// user chose in the folder dialog.
#[tauri::command]
#[specta::specta]
pub async fn dossier_export(
    state: State<'_, DeskState>,
    code: String,
    dir: String,
) -> Result<Vec<String>, ErrorInfo> {
    state
        .run(move |d| {
            d.dossier_export(&code, Path::new(&dir))
                .map(|v| v.iter().map(|p| p.display().to_string()).collect())
        })
        .await
}

/// The same applicant's papers of this kind digitised for earlier dossiers.
#[tauri::command]
#[specta::specta]
pub async fn dossier_reuse_candidates(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
) -> Result<Vec<ReuseCandidate>, ErrorInfo> {
    state
        .run(move |d| d.dossier_reuse_candidates(&code, component))
        .await
}

/// Use one of them instead of a rescan.
#[tauri::command]
#[specta::specta]
pub async fn dossier_reuse(
    state: State<'_, DeskState>,
    code: String,
    component: u32,
    from_code: String,
    from_kind: Option<SourceKind>,
    from_component: u32,
) -> Result<Reused, ErrorInfo> {
    state
        .run(move |d| {
            d.dossier_reuse(
                &code,
                component,
                &from_code,
                from_kind.unwrap_or(SourceKind::Component),
                from_component,
            )
        })
        .await
}

/// Digitise a result of the dossier from files the window handed over.
#[tauri::command]
#[specta::specta]
pub async fn dossier_result_import(
    state: State<'_, DeskState>,
    code: String,
    name: String,
    reusable: bool,
    files: Vec<u64>,
    pages: Option<u32>,
) -> Result<ImportedResult, ErrorInfo> {
    let inputs = state.take_staged(&files)?;
    state
        .run(move |d| d.dossier_result_import(&code, &name, reusable, &inputs, pages))
        .await
}

/// The dossier's digitised results.
#[tauri::command]
#[specta::specta]
pub async fn dossier_results(
    state: State<'_, DeskState>,
    code: String,
) -> Result<Vec<ResultLine>, ErrorInfo> {
    state.run(move |d| d.dossier_results(&code)).await
}

/// Offer a result at later intakes, or stop offering it.
#[tauri::command]
#[specta::specta]
pub async fn dossier_result_set_reusable(
    state: State<'_, DeskState>,
    code: String,
    number: u32,
    reusable: bool,
) -> Result<Vec<ResultLine>, ErrorInfo> {
    state
        .run(move |d| d.dossier_result_set_reusable(&code, number, reusable))
        .await
}
