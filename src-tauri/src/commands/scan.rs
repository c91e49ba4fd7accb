//! Scanning from the window (issue 14): the scanners attached, and a
//! component scanned straight into its dossier, page by page
//! ([`ScanProgressEvent`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bhxh_app::ErrorInfo;
use bhxh_app::dossiers::ImportedComponent;
use bhxh_app::dto::ScannerLine;
use bhxh_app::scanner::{Sane, ScanRequest, Source};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::state::DeskState;

/// A page arrived from the scanner (its number, from 1).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct ScanProgressEvent(pub u32);

#[tauri::command]
#[specta::specta]
pub async fn scanners_list(state: State<'_, DeskState>) -> Result<Vec<ScannerLine>, ErrorInfo> {
    state.run(move |d| d.scanners_list(&Sane)).await
}

/// Scan component `component` of `code` from `device` (or the first
/// scanner): `source` is `flatbed`, `adf` or `duplex`.
#[tauri::command]
#[specta::specta]
pub async fn dossier_scan(
    app: AppHandle,
    code: String,
    component: u32,
    device: Option<String>,
    dpi: u32,
    source: String,
    colour: bool,
) -> Result<ImportedComponent, ErrorInfo> {
    let source = Source::parse(&source).ok_or_else(|| {
        bhxh_app::DeskError::invalid("source", format!("Nguồn giấy \"{source}\" không hợp lệ."))
            .info()
    })?;
    let req = ScanRequest {
        device: device.filter(|d| !d.trim().is_empty()),
        dpi,
        source,
        colour,
    };
    let events = app.clone();
    let cancel = Arc::clone(&app.state::<ScanCancel>().0);
    cancel.store(false, Ordering::SeqCst);
    app.state::<DeskState>()
        .run(move |d| {
            d.dossier_scan(
                &Sane,
                &code,
                component,
                &req,
                &mut |n| {
                    if let Err(e) = ScanProgressEvent(n).emit(&events) {
                        tracing::debug!("scan progress not sent: {e}");
                    }
                },
                &cancel,
            )
        })
        .await
}

/// The scan under way is to stop (the "Dừng quét" button).
#[derive(Debug, Default)]
pub struct ScanCancel(pub Arc<AtomicBool>);

/// Stop the scan under way: the scanner is let go and nothing of that scan
/// is kept.
#[tauri::command]
#[specta::specta]
pub async fn scan_cancel(cancel: State<'_, ScanCancel>) -> Result<(), ErrorInfo> {
    cancel.0.store(true, Ordering::SeqCst);
    Ok(())
}
