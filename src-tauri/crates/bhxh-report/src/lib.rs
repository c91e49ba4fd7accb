//! Official Vietnamese administrative reports ("báo cáo") as PDF and XLSX.
//!
//! A [`ReportDoc`] holds the parts of a report that Decree 30/2020/NĐ-CP (Appendix I) lays
//! out: the two-column header (agency and number on the left, national name, motto and the
//! place-and-date line on the right), the title and subject, a body of headings, justified
//! paragraphs and tables, then "Nơi nhận:" and the signer block.
//!
//! - [`render_pdf`]: A4 portrait, margins 20/20/30/15 mm (top/bottom/left/right), Liberation
//!   Serif (metric-compatible with Times New Roman) embedded, page numbers centred in the top
//!   margin from page 2, table headers repeated on every page.
//! - [`render_xlsx`]: the same texts and tables in one worksheet.
//! - The papers of the one-stop desk (Circular 01/2018/TT-VPCP): the receipt, form 01
//!   ([`render_receipt`]); forms 02 and 03 ([`render_notice`]), 05 ([`render_tracking`])
//!   and the yearly register, form 06 ([`render_register`]).
//! - [`stamp`]: the one-line stamp the desk prints on the copies it makes (the
//!   digitiser's name and time on an assembled scan).
//!
//! Architecture invariants: this crate knows nothing of the store, the UI or Tauri; it takes
//! plain values and returns bytes. It never panics on bad input: a table that cannot be
//! laid out is a [`ReportError`]. It reads no clock: the PDF creation date is
//! [`ReportDoc::created`], so the same input gives the same output.

mod canvas;
mod error;
mod fonts;
mod forms;
mod layout;
mod model;
mod pdf;
mod qr;
mod receipt;
pub mod stamp;
#[cfg(feature = "testing")]
pub mod testing;
mod xlsx;

pub use error::ReportError;
pub use forms::{
    DESK_UNIT, FormColumn, NoticeDoc, NoticeKind, REFUSAL_TITLE, REGISTER_KEYS, REGISTER_TITLE,
    RegisterDoc, RegisterLine, SUPPLEMENT_TITLE, TRACKING_KEYS, TRACKING_TITLE, TrackingDoc,
    TrackingStep, default_register_columns, default_tracking_columns, render_notice,
    render_register, render_tracking,
};
pub use model::{Align, Block, Column, OrgLine, ReportDoc, Row, Table, date_line};
pub use pdf::render_pdf;
pub use receipt::{RECEIPT_TITLE, ReceiptDoc, render_receipt};
pub use xlsx::render_xlsx;

/// National name ("Quốc hiệu"), top right of every document.
pub const NATIONAL_NAME: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// Motto ("Tiêu ngữ"), under the national name.
pub const NATIONAL_MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
/// Label of the distribution list.
pub const RECIPIENTS_LABEL: &str = "Nơi nhận:";

/// Text area width between the margins, in millimetres (a table may be at most this wide).
pub const TEXT_WIDTH_MM: f32 = layout::TEXT_WIDTH_MM;
