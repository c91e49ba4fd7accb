//! The chip reader at the counter ("Kiểm tra CCCD", plan tasks 21, 24, 25):
//! readers and their cards, the front QR code as access data, and a read
//! that reports its progress as [`CardProgressEvent`]s.

use bhxh_app::ErrorInfo;
use bhxh_app::card::{
    self, AccessData, CardCheck, CardProgress, QrAccess, ReadRequest, ReaderInfo,
};
use bhxh_app::dto::CheckPurpose;
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::state::{DeskState, internal};

/// One step of a read, for the CCCD screen's progress line.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct CardProgressEvent(pub CardProgress);

/// How long a read waits for the card when none lies on the reader.
const WAIT_FOR_CARD: std::time::Duration = std::time::Duration::from_secs(5);

/// The readers and whether each holds a card. No session needed and not
/// counted as activity: the window polls it every second.
#[tauri::command]
#[specta::specta]
pub async fn card_readers() -> Result<Vec<ReaderInfo>, ErrorInfo> {
    tauri::async_runtime::spawn_blocking(card::readers)
        .await
        .map_err(|e| internal("Việc đọc thẻ", e))?
        .map_err(|e| e.info())
}

/// The access data in the front QR text (typed in by a barcode scanner).
#[tauri::command]
#[specta::specta]
pub async fn card_qr_access(text: String) -> Result<QrAccess, ErrorInfo> {
    card::access_from_qr(&text).map_err(|e| e.info())
}

/// Read the card on `reader` (or the first holding one), judge it and record
/// the check. The desk is free while the chip is read.
#[tauri::command]
#[specta::specta]
pub async fn card_read(
    app: AppHandle,
    reader: Option<String>,
    access: AccessData,
    payment: bool,
) -> Result<CardCheck, ErrorInfo> {
    let state = app.state::<DeskState>();
    // Signed in (and not idle) before the reader is touched.
    let trust_dir = state
        .run(|d| {
            d.touch()?;
            Ok(d.card_trust_dir())
        })
        .await?;
    let key = card::access_key(&access).map_err(|e| e.info())?;
    let request = ReadRequest {
        reader: reader.filter(|r| !r.trim().is_empty()),
        wait: WAIT_FOR_CARD,
        trust_dir: Some(trust_dir),
        trust_dir_required: false,
    };
    let events = app.clone();
    let read = tauri::async_runtime::spawn_blocking(move || {
        card::read(&request, &key, &mut |p| {
            if let Err(e) = CardProgressEvent(p.clone()).emit(&events) {
                tracing::debug!("card progress not sent: {e}");
            }
        })
    })
    .await
    .map_err(|e| internal("Việc đọc thẻ", e))?
    .map_err(|e| e.info())?;
    if let Err(e) = CardProgressEvent(CardProgress::Recording).emit(&app) {
        tracing::debug!("card progress not sent: {e}");
    }
    let purpose = if payment {
        CheckPurpose::Payment
    } else {
        CheckPurpose::Counter
    };
    let recorded = read.clone();
    let check = state
        .run(move |d| d.card_record(&recorded, purpose))
        .await?;
    tracing::info!(
        reader = %read.reader,
        verdict = %read.verdict.kind,
        check = check.id,
        "card checked"
    );
    Ok(CardCheck { read, check })
}
