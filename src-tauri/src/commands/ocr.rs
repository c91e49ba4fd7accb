//! OCR in the background (issue 14): while someone who may digitise is
//! signed in, scans waiting for OCR are read one file at a time on a thread
//! of their own (Tesseract limited to one core), so the counter's screens
//! never wait for it.

use std::time::Duration;

use bhxh_app::ErrorCode;
use tauri::{AppHandle, Manager};

use crate::state::DeskState;

/// How often the worker looks for scans to read when it has nothing to do.
const IDLE: Duration = Duration::from_secs(10);

pub fn start_worker(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("ocr-worker".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(IDLE);
                let Ok(desk) = app.state::<DeskState>().desk() else {
                    continue;
                };
                // One file per call: a sign-out or a new scan is seen between files.
                loop {
                    match desk.ocr_run_once(1) {
                        Ok(round) if round.files > 0 && round.problem.is_none() => {
                            tracing::info!(
                                pages = round.pages,
                                waiting = round.waiting,
                                "OCR read a scan"
                            );
                        }
                        Ok(round) => {
                            if let Some(p) = round.problem {
                                tracing::warn!("OCR not available: {p}");
                            }
                            break;
                        }
                        Err(e)
                            if matches!(
                                e.error_code(),
                                ErrorCode::NotSignedIn
                                    | ErrorCode::Forbidden
                                    | ErrorCode::SessionExpired
                                    | ErrorCode::NotSetUp
                            ) =>
                        {
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(code = e.code(), "OCR round failed: {e}");
                            break;
                        }
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("OCR worker not started: {e}");
    }
}
