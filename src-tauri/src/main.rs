//! BHXH Desk. With no arguments: the window. With a subcommand: the command
//! line (see `bhxh-cli`), no window.
// Release builds on Windows have no console window behind the app; IT staff
// use `bhxh-desk-cli.exe` there for the command line.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;

use state::DeskState;

fn main() -> ExitCode {
    match bhxh_cli::dispatch(std::env::args_os()) {
        bhxh_cli::Invocation::Exit(code) => code,
        bhxh_cli::Invocation::Gui { data_dir } => run_gui(data_dir),
    }
}

fn run_gui(data_dir: Option<PathBuf>) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BHXH_DESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let Some(data_dir) = data_dir.or_else(bhxh_app::default_data_dir) else {
        eprintln!("Lỗi: không xác định được thư mục dữ liệu; hãy chạy với --data-dir THƯ_MỤC.");
        return ExitCode::from(2);
    };
    let state = DeskState::open(data_dir);
    let app = tauri::Builder::default()
        .manage(state)
        .setup(|app| {
            commands::inbox::start_poller(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::app_status,
            commands::session::app_retry_open,
            commands::session::provinces,
            commands::session::setup,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::session::touch,
            commands::plan::plan,
            commands::plan::procedures,
            commands::plan::procedure_update,
            commands::progress::progress_month,
            commands::progress::progress_save,
            commands::progress::attention,
            commands::progress::report_current,
            commands::progress::report_revisions,
            commands::progress::report_approve,
            commands::progress::report_reopen,
            commands::progress::report_export,
            commands::progress::report_settings,
            commands::progress::progress_evidence,
            commands::progress::progress_evidence_add,
            commands::progress::progress_evidence_export,
            commands::progress::report_settings_save,
            commands::participants::participants_import,
            commands::sync::sync_status,
            commands::sync::sync_now,
            commands::sync::sync_directives,
            commands::sync::sync_configure,
            commands::dossiers::dossier_intake,
            commands::dossiers::dossier_get,
            commands::dossiers::cccd_qr_applicant,
            commands::dossiers::dossier_set_status,
            commands::dossiers::dossier_search,
            commands::dossiers::dossier_receipt,
            commands::dossiers::dossier_form,
            commands::dossiers::dossier_register,
            commands::dossiers::dossier_import,
            commands::dossiers::dossier_files,
            commands::dossiers::dossier_export,
            commands::dossiers::dossier_reuse_candidates,
            commands::dossiers::dossier_reuse,
            commands::dossiers::dossier_result_import,
            commands::dossiers::dossier_results,
            commands::dossiers::dossier_result_set_reusable,
            commands::inbox::inbox_info,
            commands::inbox::inbox_scan_now,
            commands::inbox::inbox_triage,
            commands::inbox::inbox_assign,
            commands::participants::participants_search,
            commands::participants::participants_share,
            commands::participants::participant_verify_manual,
            commands::admin::staff_list,
            commands::admin::staff_create,
            commands::admin::staff_unlock,
            commands::admin::audit_list,
            commands::admin::db_check,
            commands::card::card_readers,
            commands::card::card_qr_access,
            commands::card::card_read,
        ])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Lỗi: không mở được cửa sổ BHXH Desk: {e}");
            return ExitCode::from(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // Closing the window ends the session, on the record.
            use tauri::Manager;
            handle.state::<DeskState>().close();
        }
    });
    ExitCode::SUCCESS
}
