//! The one "find" box of every screen: whatever the officer types or the
//! barcode scanner sends — a CCCD's front QR, the QR of a paper this desk
//! printed (a receipt, a cover sheet), a dossier code in any case, an ID
//! number or a name — and where it leads.
//!
//! A paper's QR is trusted only when its MAC verifies with this store's
//! paper key and its dossier, ID number and procedure agree with the store
//! (the scan inbox's rule, [`crate::inbox`]): a QR whose code was edited to
//! open another person's dossier is refused with the reason, not followed.

use bhxh_core::CoreError;
use bhxh_core::dossiers::{self, qr};
use serde::Serialize;

use super::{ApplicantPrefill, applicant_from_cccd_qr};
use crate::change::Viewed;
use crate::dto::{DossierSummary, SearchQuery};
use crate::policy::Action;
use crate::{Desk, DeskError};

/// Where a text given to the find box leads.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Found {
    /// The QR on the front of a CCCD: a new applicant for the intake form.
    #[serde(rename_all = "camelCase")]
    Card { applicant: ApplicantPrefill },
    /// The QR of a paper this desk printed: its dossier.
    #[serde(rename_all = "camelCase")]
    Paper {
        code: String,
        /// Form number of the paper ("01" receipt, …).
        form: String,
    },
    /// Dossiers whose code, ID number, name or papers match (newest first).
    #[serde(rename_all = "camelCase")]
    Dossiers { rows: Vec<DossierSummary> },
}

/// A CCCD front QR: pipe-separated, the first field a 12-digit ID number
/// (the 9-digit former ID may follow). A name or a code has no pipe.
fn looks_like_card_qr(text: &str) -> bool {
    let mut fields = text.split('|');
    let first = fields.next().unwrap_or_default();
    fields.next().is_some() && first.len() == 12 && first.bytes().all(|b| b.is_ascii_digit())
}

/// Longest text the box takes: a QR holds under 3 KB; a name far less.
const MAX_FIND_BYTES: usize = 4096;

impl Desk {
    /// What `text` is, and where it leads (see the module). Searching is a
    /// view of personal data: the text and the codes found are logged, the
    /// same as [`Desk::dossier_search`].
    pub fn find(&self, text: &str) -> Result<Found, DeskError> {
        let text = text.trim_matches(|c: char| c.is_whitespace() || c.is_control());
        if text.len() > MAX_FIND_BYTES {
            return Err(DeskError::invalid(
                "find",
                format!(
                    "Nội dung dài {} byte, quá {MAX_FIND_BYTES} byte: không phải mã hồ sơ, số định danh, họ tên hay mã QR.",
                    text.len()
                ),
            ));
        }
        if text.is_empty() {
            return Err(DeskError::invalid(
                "find",
                "Hãy nhập hoặc quét mã hồ sơ, mã QR, số định danh hoặc họ tên.",
            ));
        }
        if looks_like_card_qr(text) {
            // Nothing is looked up or stored: the intake form fills in.
            self.authorize(Action::TakeIn)?;
            let applicant = applicant_from_cccd_qr(text).map_err(|e| match e {
                DeskError::Core(CoreError::Invalid { message, .. }) => {
                    DeskError::invalid("find", message)
                }
                other => other,
            })?;
            return Ok(Found::Card { applicant });
        }
        if text.starts_with(qr::MAGIC) {
            return self.find_paper(text);
        }
        let rows = self.dossier_search(&SearchQuery {
            text: text.to_owned(),
            status: None,
            from: None,
            to: None,
            procedure_code: None,
            limit: Some(50),
        })?;
        Ok(Found::Dossiers { rows })
    }

    fn find_paper(&self, text: &str) -> Result<Found, DeskError> {
        let refused = |why: String| {
            DeskError::invalid(
                "find",
                format!(
                    "Mã QR trên giấy không dùng được: {why}. Hãy tìm theo mã hồ sơ in trên giấy."
                ),
            )
        };
        let read = qr::parse(text.as_bytes()).map_err(|e| refused(e.to_string()))?;
        let key = self.paper_key()?;
        let paper = read
            .verify(key.as_bytes())
            .map_err(|e| refused(e.to_string()))?
            .clone();
        let code = paper.ma_ho_so.trim().to_owned();
        self.view(Action::ViewDossier, |conn, _| {
            let d = dossiers::get(conn, &code)?;
            if let Some(why) = paper.disagrees_with(&d, "trên giấy") {
                return Err(refused(why));
            }
            let viewed = Viewed {
                entity: "dossier",
                entity_id: d.code.clone(),
                detail: serde_json::json!({ "find": "paper_qr", "form": paper.form }),
            };
            Ok((
                Found::Paper {
                    code: d.code,
                    form: paper.form.clone(),
                },
                viewed,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_card_qr;

    #[test]
    fn only_a_pipe_text_led_by_twelve_digits_is_a_card_qr() {
        assert!(looks_like_card_qr(
            "001085012345|123456789|Nguyễn Văn A|07031985|Nam|Hà Nội|01012021"
        ));
        assert!(!looks_like_card_qr("001085012345"));
        assert!(!looks_like_card_qr("Nguyễn Văn A"));
        assert!(!looks_like_card_qr("BHXHDESK|3|01|X"));
        assert!(!looks_like_card_qr("00108501234|x"));
    }
}
