//! OCR of the papers (issue 14): in the background after sealing, every
//! scan not yet read is decrypted into memory, split into pages and read by
//! Tesseract (`bhxh_scan::ocr`, on a private temporary copy of the page),
//! and the text recorded in the encrypted store, indexed for the search box.
//! A page OCR cannot read is recorded as such, for the officer. The counter
//! is never blocked: no transaction is open while Tesseract runs.

use bhxh_core::dossiers::ocr::{self as paper_text, DossierText, PageText};
use serde::Serialize;

use crate::policy::Action;
use crate::{Desk, DeskError};

/// The model Tesseract reads with.
pub const OCR_LANGUAGE: &str = "vie";

/// What one round of OCR did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OcrRound {
    /// Scans read in this round.
    pub files: u32,
    pub pages: u32,
    /// "HS… thành phần 1, trang-1.jpg trang 2" for each page OCR could not read.
    pub unreadable: Vec<String>,
    /// Why a scan could not be read at all (Tesseract missing…), once.
    pub problem: Option<String>,
    /// Scans still waiting after this round.
    pub waiting: u32,
}

impl Desk {
    /// Read up to `max_files` scans that wait for OCR (a signed-in member of
    /// staff who may digitise; the window runs it in the background).
    pub fn ocr_run_once(&self, max_files: u32) -> Result<OcrRound, DeskError> {
        let actor = self.authorize_quietly(Action::Digitise)?;
        let pending = paper_text::pending(&*self.store.conn()?, max_files.max(1))?;
        let mut round = OcrRound::default();
        if pending.is_empty() {
            return Ok(round);
        }
        let store = self.files()?;
        for p in pending {
            let bytes = store.get(&p.sha256)?;
            let pages = match bhxh_scan::read_pages(&bytes) {
                Ok(pages) => pages,
                Err(e) => {
                    // Recorded as one unreadable page, so it is not retried forever.
                    let page = PageText {
                        page: 1,
                        text: String::new(),
                        confidence: 0.0,
                        unreadable: true,
                        words: String::new(),
                    };
                    self.change_as(&actor, |tx, _, now| {
                        Ok(paper_text::record(tx, &p, &[page], now)?)
                    })?;
                    round
                        .unreadable
                        .push(format!("{} ({}): {e}", p.code, p.file_name));
                    continue;
                }
            };
            let mut texts = Vec::with_capacity(pages.len());
            for (i, page) in pages.iter().enumerate() {
                let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
                let read = page
                    .to_file()
                    .map_err(|e| e.to_string())
                    .and_then(|(file, _)| {
                        bhxh_scan::ocr::ocr_page(&file, OCR_LANGUAGE).map_err(|e| e.to_string())
                    });
                match read {
                    Ok(r) => {
                        if r.unreadable() {
                            round.unreadable.push(format!(
                                "{}, {} {}: {} trang {n}",
                                p.code,
                                if p.kind == "result" {
                                    "kết quả"
                                } else {
                                    "thành phần"
                                },
                                p.number,
                                p.file_name
                            ));
                        }
                        texts.push(PageText {
                            page: n,
                            unreadable: r.unreadable(),
                            words: serde_json::to_string(&r.boxes).unwrap_or_default(),
                            text: r.text,
                            confidence: r.confidence,
                        });
                    }
                    // Tesseract missing or failing: stop the round, keep the
                    // scan waiting, say why once.
                    Err(e) => {
                        round.problem = Some(e);
                        round.waiting = self.ocr_waiting()?;
                        return Ok(round);
                    }
                }
            }
            round.pages += u32::try_from(texts.len()).unwrap_or(u32::MAX);
            round.files += 1;
            self.change_as(&actor, |tx, _, now| {
                Ok(paper_text::record(tx, &p, &texts, now)?)
            })?;
        }
        round.waiting = self.ocr_waiting()?;
        Ok(round)
    }

    fn ocr_waiting(&self) -> Result<u32, DeskError> {
        Ok(
            u32::try_from(paper_text::pending(&*self.store.conn()?, 100_000)?.len())
                .unwrap_or(u32::MAX),
        )
    }

    /// What OCR read of a dossier's papers (pages read, unreadable pages,
    /// text): personal data, so the view is audited.
    pub fn dossier_text(&self, code: &str) -> Result<DossierText, DeskError> {
        self.view(Action::ViewDossier, |conn, _| {
            let text = paper_text::of_dossier(conn, code)?;
            let viewed = crate::change::Viewed {
                entity: "dossier",
                entity_id: code.to_owned(),
                detail: serde_json::json!({ "paperText": text.pages_read }),
            };
            Ok((text, viewed))
        })
    }
}
