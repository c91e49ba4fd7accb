//! The chip reader at the counter ("Kiểm tra CCCD", plan tasks 21, 24, 25):
//! readers and their cards, the front QR code as access data, and a read
//! that reports its progress as `card-progress` events.

use bhxh_app::ErrorInfo;
use bhxh_app::card::{
    self, AccessData, CardCheck, CardProgress, QrAccess, ReadRequest, ReaderInfo,
};
use bhxh_core::participants::card_checks::Purpose;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::DeskState;

/// The event a read emits for each step and file chunk.
pub const PROGRESS_EVENT: &str = "card-progress";

/// How long a read waits for the card when none lies on the reader.
const WAIT_FOR_CARD: std::time::Duration = std::time::Duration::from_secs(5);

fn join_error(e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo {
        code: "internal".to_owned(),
        message: format!("Việc đọc thẻ bị gián đoạn: {e}"),
        hint: "Đọc lại thẻ; nếu lỗi lặp lại, khởi động lại BHXH Desk.".to_owned(),
        field: None,
    }
}

/// The readers and whether each holds a card. No session needed and not
/// counted as activity: the window polls it every second.
#[tauri::command]
pub async fn card_readers() -> Result<Vec<ReaderInfo>, ErrorInfo> {
    tauri::async_runtime::spawn_blocking(card::readers)
        .await
        .map_err(join_error)?
        .map_err(|e| e.info())
}

/// The access data in the front QR text (typed in by a barcode scanner).
#[tauri::command]
pub fn card_qr_access(text: String) -> Result<QrAccess, ErrorInfo> {
    card::access_from_qr(&text).map_err(|e| e.info())
}

/// Read the card on `reader` (or the first holding one), judge it and record
/// the check. The desk stays free while the chip is read.
#[tauri::command]
pub async fn card_read(
    app: AppHandle,
    reader: Option<String>,
    access: AccessData,
    payment: bool,
) -> Result<CardCheck, ErrorInfo> {
    let state = app.state::<DeskState>();
    // Signed in (and not idle) before the reader is touched.
    state.with(|d| d.touch())?;
    let trust_dir = state.with(|d| Ok(d.card_trust_dir()))?;
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
            if let Err(e) = events.emit(PROGRESS_EVENT, p) {
                tracing::debug!("card progress not sent: {e}");
            }
        })
    })
    .await
    .map_err(join_error)?
    .map_err(|e| e.info())?;
    if let Err(e) = app.emit(PROGRESS_EVENT, CardProgress::Recording) {
        tracing::debug!("card progress not sent: {e}");
    }
    let purpose = if payment {
        Purpose::Payment
    } else {
        Purpose::Counter
    };
    let check = state.with(|d| d.card_record(&read, purpose))?;
    tracing::info!(
        reader = %read.reader,
        verdict = %read.verdict.kind,
        check = check.id,
        "card checked"
    );
    Ok(CardCheck { read, check })
}
