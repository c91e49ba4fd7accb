//! The scan inbox in the window: the folder the scanners write to, a poll
//! now ("Quét ngay"), and the triage list of parts without a usable cover
//! sheet. The background poll lives in `state.rs`.

use bhxh_app::ErrorInfo;
use bhxh_app::dossiers::ImportedComponent;
use bhxh_app::inbox::InboxReport;
use bhxh_core::dossiers::inbox::TriageItem;
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::state::DeskState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxInfo {
    pub dir: String,
    pub settle_seconds: i64,
}

#[tauri::command]
pub fn inbox_info(state: State<'_, DeskState>) -> Result<InboxInfo, ErrorInfo> {
    state.with(|d| {
        d.touch()?;
        Ok(InboxInfo {
            dir: d.inbox_dir()?.display().to_string(),
            settle_seconds: d.inbox_settle_seconds()?,
        })
    })
}

/// Poll the folder now. Reading scans and their QR codes takes a moment, so
/// it runs on a blocking thread.
#[tauri::command]
pub async fn inbox_scan_now(app: AppHandle) -> Result<InboxReport, ErrorInfo> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<DeskState>();
        state.with(|d| {
            d.touch()?;
            d.scan_once()
        })
    })
    .await
    .map_err(|e| ErrorInfo {
        code: "internal".to_owned(),
        message: format!("Việc quét hộp thư bị gián đoạn: {e}"),
        hint: "Thử lại; nếu lỗi lặp lại, khởi động lại BHXH Desk.".to_owned(),
        field: None,
    })?
}

#[tauri::command]
pub fn inbox_triage(
    state: State<'_, DeskState>,
    include_filed: bool,
) -> Result<Vec<TriageItem>, ErrorInfo> {
    state.with(|d| d.triage_list(include_filed))
}

#[tauri::command]
pub fn inbox_assign(
    state: State<'_, DeskState>,
    id: i64,
    code: String,
    component: u32,
) -> Result<ImportedComponent, ErrorInfo> {
    state.with(|d| d.triage_assign(id, code.trim(), component))
}

/// The event the background poll emits when it filed or set aside something.
pub const INBOX_EVENT: &str = "inbox-report";

/// How often the window polls the scan inbox.
const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Poll the inbox in the background while someone who digitises is signed
/// in (a poll does not count as their activity, so it never keeps an idle
/// session open). Tells the window when something was filed or triaged.
pub fn start_poller(app: AppHandle) {
    use tauri::Emitter;
    let spawned = std::thread::Builder::new()
        .name("inbox-poller".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(POLL_EVERY);
                let state = app.state::<DeskState>();
                match state.with(|d| d.scan_once()) {
                    Ok(report) => {
                        if !(report.filed.is_empty()
                            && report.triaged.is_empty()
                            && report.errors.is_empty())
                        {
                            tracing::info!(
                                filed = report.filed.len(),
                                triaged = report.triaged.len(),
                                errors = report.errors.len(),
                                "scan inbox polled"
                            );
                            if let Err(e) = app.emit(INBOX_EVENT, &report) {
                                tracing::debug!("inbox report not sent: {e}");
                            }
                        }
                    }
                    // Nobody signed in, or a role that does not digitise.
                    Err(e)
                        if matches!(
                            e.code.as_str(),
                            "not_signed_in" | "forbidden" | "session_expired" | "not_set_up"
                        ) => {}
                    Err(e) => {
                        tracing::warn!(code = %e.code, "scan inbox poll failed: {}", e.message)
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("scan inbox poller not started: {e}");
    }
}
