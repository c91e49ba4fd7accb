//! Files the window hands over for an import: as raw IPC bodies, never as
//! JSON arrays of numbers (40 scanned pages, 25 MB, took twice as long that
//! way). `upload_file` keeps one file in memory and gives its id; the import
//! command names the ids. Nothing is written to disk until the import seals
//! the files in the encrypted file store.

use bhxh_app::{DeskError, ErrorInfo};
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

use crate::state::DeskState;

/// The header that carries the file's name, percent-encoded (UTF-8).
const NAME_HEADER: &str = "x-file-name";

/// Keep the file in the request's body; returns its id. Not part of the
/// generated contract (its argument is the raw request): `ui/src/lib/api`
/// calls it by hand.
#[tauri::command]
pub fn upload_file(state: State<'_, DeskState>, request: Request<'_>) -> Result<u64, ErrorInfo> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(
            DeskError::invalid("files", "Tệp phải được gửi dưới dạng dữ liệu nhị phân.").info(),
        );
    };
    let name = request
        .headers()
        .get(NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| DeskError::invalid("files", "Thiếu tên tệp.").info())?;
    tracing::debug!(bytes = bytes.len(), "file handed over");
    state.stage(name, bytes.clone())
}

/// Forget files handed over for an import that will not happen.
#[tauri::command]
#[specta::specta]
pub async fn files_discard(state: State<'_, DeskState>, files: Vec<u64>) -> Result<(), ErrorInfo> {
    state.discard(&files);
    Ok(())
}
