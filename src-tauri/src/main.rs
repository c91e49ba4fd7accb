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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = ui_contract(&args) {
        return code;
    }
    match bhxh_cli::dispatch(args) {
        bhxh_cli::Invocation::Exit(code) => code,
        bhxh_cli::Invocation::Gui { data_dir } => run_gui(data_dir),
    }
}

/// `bhxh-desk --ui-contract FILE` writes the UI contract (the TypeScript of
/// every command, value and event); `--ui-contract-check FILE` exits 1 when
/// FILE is not what the code would write (the test command runs it).
fn ui_contract(args: &[std::ffi::OsString]) -> Option<ExitCode> {
    let flag = args.get(1)?.to_str()?;
    if flag != "--ui-contract" && flag != "--ui-contract-check" {
        return None;
    }
    let Some(path) = args.get(2).map(PathBuf::from) else {
        eprintln!("Cách dùng: bhxh-desk {flag} TỆP.ts");
        return Some(ExitCode::from(2));
    };
    let text = match commands::contract_typescript() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Lỗi: không tạo được hợp đồng giao diện: {e}");
            return Some(ExitCode::from(1));
        }
    };
    if flag == "--ui-contract" {
        return Some(match std::fs::write(&path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Lỗi: không ghi được {}: {e}", path.display());
                ExitCode::from(1)
            }
        });
    }
    match std::fs::read_to_string(&path) {
        Ok(have) if have == text => Some(ExitCode::SUCCESS),
        _ => {
            eprintln!(
                "Lỗi: {} không khớp với các lệnh trong mã Rust; chạy lại \
                 `bhxh-desk --ui-contract {}` và kiểm tra giao diện.",
                path.display(),
                path.display()
            );
            Some(ExitCode::from(1))
        }
    }
}

/// The commands that take a raw request body (outside the typed contract).
fn raw_body_handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![commands::files::upload_file]
}

/// WebKitGTK draws the window without GPU compositing unless the machine's
/// administrator asks for it (`WEBKIT_DISABLE_COMPOSITING_MODE=0`): the
/// desk's screens are forms and tables that need no compositor, and without
/// it the WebKit web process holds about 100 MiB less (measured in
/// `docs/benchmarks.md`) and the blank-window faults of some GPU drivers go
/// away.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn webview_defaults() {
    const KEY: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(KEY).is_none() {
        // SAFETY: called first thing in `run_gui`, on the main thread, before
        // the logger, the store, GTK or the runtime start any thread, so no
        // other thread can be reading the environment.
        unsafe { std::env::set_var(KEY, "1") };
    }
}

#[cfg(not(target_os = "linux"))]
fn webview_defaults() {}

fn run_gui(data_dir: Option<PathBuf>) -> ExitCode {
    webview_defaults();
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
    let contract = commands::contract();
    // The contract's commands, plus the one that takes a raw body (files).
    let typed = contract.invoke_handler();
    let raw = raw_body_handler();
    let app = tauri::Builder::default()
        // The save and folder dialogs: "Lưu PDF…" and exports go only where
        // the user chooses (capability `dialog:allow-save`, `dialog:allow-open`).
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .manage(commands::scan::ScanCancel::default())
        .invoke_handler(move |invoke| {
            if invoke.message.command() == "upload_file" {
                raw(invoke)
            } else {
                typed(invoke)
            }
        })
        .setup(move |app| {
            contract.mount_events(app);
            commands::inbox::start_poller(app.handle().clone());
            commands::ocr::start_worker(app.handle().clone());
            Ok(())
        })
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
