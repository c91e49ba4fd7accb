//! The typed commands the UI calls: one file per area, each command a few
//! lines over `bhxh-app` run off the main thread ([`DeskState::run`]).
//! Errors cross as `ErrorInfo` (a typed code, the Vietnamese message, hint,
//! field, parameters).
//!
//! The UI's TypeScript for all of it (commands, the values they take and
//! give, events) is generated from these signatures by tauri-specta into
//! `ui/src/lib/api/bindings.ts` ([`contract`]); `bhxh-desk
//! --ui-contract-check FILE` fails when that file is stale.

pub mod admin;
pub mod card;
pub mod dossiers;
pub mod files;
pub mod inbox;
pub mod ocr;
pub mod participants;
pub mod plan;
pub mod printing;
pub mod progress;
pub mod scan;
pub mod session;
pub mod signing;
pub mod sync;

use tauri_specta::{Builder, collect_commands, collect_events};

#[cfg(doc)]
use crate::state::DeskState;

/// Every command and event of the UI contract.
pub fn contract() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            session::app_status,
            session::app_retry_open,
            session::provinces,
            session::units_at,
            session::procedures_at,
            session::reference_packs,
            session::setup,
            session::sign_in,
            session::sign_out,
            session::touch,
            plan::plan,
            plan::procedures,
            plan::procedure_update,
            progress::progress_month,
            progress::progress_save,
            progress::attention,
            progress::report_current,
            progress::report_revisions,
            progress::report_approve,
            progress::report_reopen,
            progress::report_save,
            progress::report_print,
            progress::report_preview,
            progress::report_settings,
            progress::report_settings_save,
            progress::progress_evidence,
            progress::progress_evidence_add,
            progress::progress_evidence_save,
            participants::participants_import,
            participants::participants_search,
            participants::participants_share,
            participants::participant_verify_manual,
            sync::sync_status,
            sync::sync_now,
            sync::sync_directives,
            sync::base_offices_progress,
            sync::sync_configure,
            dossiers::dossier_intake,
            dossiers::dossier_open_same,
            dossiers::dossier_get,
            dossiers::cccd_qr_applicant,
            dossiers::dossier_set_status,
            dossiers::dossier_search,
            dossiers::find,
            dossiers::dossier_print,
            dossiers::dossier_form_save,
            dossiers::dossier_form_preview,
            dossiers::dossier_form_save_signed,
            dossiers::dossier_extend,
            dossiers::dossier_register_print,
            dossiers::dossier_register_save,
            printing::printers_list,
            dossiers::dossier_import,
            dossiers::dossier_files,
            dossiers::dossier_pages,
            dossiers::dossier_page_preview,
            dossiers::dossier_pages_edit,
            dossiers::dossier_pages_if_any,
            dossiers::dossier_pages_move,
            dossiers::dossier_export,
            dossiers::dossier_export_archive,
            dossiers::dossier_reuse_candidates,
            dossiers::dossier_reuse,
            dossiers::dossier_result_import,
            dossiers::dossier_results,
            dossiers::dossier_result_set_reusable,
            files::files_discard,
            inbox::inbox_info,
            inbox::inbox_scan_now,
            inbox::inbox_triage,
            inbox::inbox_assign,
            admin::staff_list,
            admin::staff_create,
            admin::staff_unlock,
            admin::office_set_unit,
            admin::office_name_suggestion,
            admin::audit_list,
            admin::db_check,
            card::card_readers,
            card::card_qr_access,
            card::card_read,
            signing::signing_status,
            signing::signing_configure,
            signing::dossier_sign,
            signing::dossier_signatures,
            signing::report_sign,
            scan::scanners_list,
            scan::dossier_scan,
            scan::scan_cancel,
        ])
        .events(collect_events![
            card::CardProgressEvent,
            inbox::InboxReportEvent,
            scan::ScanProgressEvent
        ])
        .typ::<bhxh_app::ErrorCode>()
        .typ::<bhxh_app::policy::Action>()
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
}

/// The TypeScript of the contract, as `ui/src/lib/api/bindings.ts` holds it.
pub fn contract_typescript() -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("bhxh-ui-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("bindings.ts");
    let exported = contract()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from the Rust commands by tauri-specta (`bhxh-desk --ui-contract FILE`); do not edit.\n/* eslint-disable */"),
            &path,
        )
        .map_err(|e| e.to_string());
    let text = exported.and_then(|()| std::fs::read_to_string(&path).map_err(|e| e.to_string()));
    let _ = std::fs::remove_dir_all(&dir);
    text
}
