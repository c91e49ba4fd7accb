//! The scan inbox in the window: the folder the scanners write to, a poll
//! now ("Quét ngay"), the triage list of parts without a usable cover
//! sheet, and the background poller.

use bhxh_app::dossiers::ImportedComponent;
use bhxh_app::dto::TriageItem;
use bhxh_app::inbox::InboxReport;
use bhxh_app::{ErrorCode, ErrorInfo};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::state::DeskState;

#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxInfo {
    pub dir: String,
    pub settle_seconds: i64,
}

/// What the background poll filed or set aside (emitted only when it did
/// something); the Digitise screen refreshes its triage list.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct InboxReportEvent(pub InboxReport);

#[tauri::command]
#[specta::specta]
pub async fn inbox_info(state: State<'_, DeskState>) -> Result<InboxInfo, ErrorInfo> {
    state
        .run(|d| {
            d.touch()?;
            Ok(InboxInfo {
                dir: d.inbox_dir()?.display().to_string(),
                settle_seconds: d.inbox_settle_seconds()?,
            })
        })
        .await
}

/// Poll the folder now (counts as the person's activity).
#[tauri::command]
#[specta::specta]
pub async fn inbox_scan_now(state: State<'_, DeskState>) -> Result<InboxReport, ErrorInfo> {
    state
        .run(|d| {
            d.touch()?;
            d.scan_once()
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn inbox_triage(
    state: State<'_, DeskState>,
    include_filed: bool,
) -> Result<Vec<TriageItem>, ErrorInfo> {
    state.run(move |d| d.triage_list(include_filed)).await
}

#[tauri::command]
#[specta::specta]
pub async fn inbox_assign(
    state: State<'_, DeskState>,
    id: i64,
    code: String,
    component: u32,
) -> Result<ImportedComponent, ErrorInfo> {
    state
        .run(move |d| d.triage_assign(id, code.trim(), component))
        .await
}

/// How often the window polls the scan inbox.
const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Poll the inbox in the background while someone who digitises is signed
/// in (a poll does not count as their activity, so it never keeps an idle
/// session open). The poll runs on its own thread with its own connections:
/// the window goes on while pages are decoded and sealed.
pub fn start_poller(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("inbox-poller".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(POLL_EVERY);
                let desk = match app.state::<DeskState>().desk() {
                    Ok(d) => d,
                    Err(_) => continue,
                };
                match desk.scan_once() {
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
                            if let Err(e) = InboxReportEvent(report).emit(&app) {
                                tracing::debug!("inbox report not sent: {e}");
                            }
                        }
                    }
                    Err(e)
                        if matches!(
                            e.error_code(),
                            ErrorCode::NotSignedIn
                                | ErrorCode::Forbidden
                                | ErrorCode::SessionExpired
                                | ErrorCode::NotSetUp
                        ) => {}
                    Err(e) => tracing::warn!(code = e.code(), "scan inbox poll failed: {e}"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("scan inbox poller not started: {e}");
    }
}
