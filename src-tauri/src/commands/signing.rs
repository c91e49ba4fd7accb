//! Digital signatures (issue 13): the office's token, signing a dossier's
//! PDFs with the PIN typed for it, and the signatures a dossier's PDFs carry.

use bhxh_app::ErrorInfo;
use bhxh_app::signing::{ItemSignatures, SignTarget, SignedItem, SigningStatus, TsaChange};
use tauri::State;

use crate::state::DeskState;

/// The signing set-up and the tokens and keys present now.
#[tauri::command]
#[specta::specta]
pub async fn signing_status(state: State<'_, DeskState>) -> Result<SigningStatus, ErrorInfo> {
    state.run(move |d| d.signing_status()).await
}

/// Choose the token's module, and optionally the token and key (administrators).
#[tauri::command]
#[specta::specta]
pub async fn signing_configure(
    state: State<'_, DeskState>,
    module: String,
    token: Option<String>,
    key: Option<String>,
    tsa_url: Option<String>,
) -> Result<SigningStatus, ErrorInfo> {
    state
        .run(move |d| {
            // No value: keep the timestamp server; an empty one: none (B-B).
            let tsa = match tsa_url.as_deref().map(str::trim) {
                None => TsaChange::Keep,
                Some("") => TsaChange::Clear,
                Some(url) => TsaChange::Set(url),
            };
            d.signing_configure_with(
                std::path::Path::new(&module),
                token.as_deref().filter(|s| !s.is_empty()),
                key.as_deref().filter(|s| !s.is_empty()),
                tsa,
            )
        })
        .await
}

/// Sign a dossier's PDF(s); the PIN is used for this login only.
#[tauri::command]
#[specta::specta]
pub async fn dossier_sign(
    state: State<'_, DeskState>,
    code: String,
    target: SignTarget,
    pin: String,
) -> Result<Vec<SignedItem>, ErrorInfo> {
    state
        .run(move |d| d.dossier_sign(&code, target, &pin))
        .await
}

/// The signatures of each of a dossier's PDFs, verified now.
#[tauri::command]
#[specta::specta]
pub async fn dossier_signatures(
    state: State<'_, DeskState>,
    code: String,
) -> Result<Vec<ItemSignatures>, ErrorInfo> {
    state.run(move |d| d.dossier_signatures(&code)).await
}

/// Sign an approved report revision (the newest, or `revision`).
#[tauri::command]
#[specta::specta]
pub async fn report_sign(
    state: State<'_, DeskState>,
    kind: String,
    period: String,
    revision: Option<i64>,
    pin: String,
) -> Result<SignedItem, ErrorInfo> {
    state
        .run(move |d| d.report_sign(&kind, &period, revision, &pin))
        .await
}
