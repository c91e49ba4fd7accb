//! Scanned papers as BHXH Desk receives them.
//!
//! # Bird's eye view
//!
//! Bytes of scan files go in (JPEG or PNG, one page each; multi-page TIFF;
//! PDFs of scanned images); out come pages ([`ScanPage`]), what each page is
//! ([`PageInfo`]: size, resolution, colour, with the desk's warnings), the
//! QR codes printed on them, and one assembled PDF per paper in which the
//! scanned bytes are not altered: a JPEG byte for byte, anything else
//! losslessly.
//!
//! # Code map
//!
//! - [`page`]: a file's pages ([`read_pages`]), the kind of a file, one page
//!   as a file of its own.
//! - `formats`: the PNG, TIFF and PDF readers behind [`read_pages`].
//! - [`inspect`]: a page's header facts and warnings; the checks of a PDF
//!   kept as it came ([`inspect_pdf`]).
//! - [`qr`]: the QR codes on a page.
//! - [`assemble`]: pages into one PDF, with the digitiser's stamp (drawn by
//!   `bhxh-report`) on page 1.
//! - [`archive`]: the archival copy, PDF/A-2b, with the OCR words as
//!   invisible text over each page.
//! - [`edit`]: page tools: pages turned (`/Rotate`), reordered or dropped
//!   into a new assembled PDF from the same scans; a page's preview and
//!   whether it looks blank.
//! - [`cover`]: cutting a batch at its cover sheets.
//! - [`folder`]: which files of the scan inbox's folder are taken, and how.
//! - [`ocr`]: a page's Vietnamese text read by Tesseract, flagged when unreadable.
//! - [`scanner`]: scanners attached (SANE through `scanimage`), a scan from
//!   the flatbed or the feeder, page by page.
//!
//! # Architecture invariants
//!
//! - This crate knows nothing of the store, the dossiers or the UI: it takes
//!   bytes and returns values. What a QR text means is the caller's to say.
//! - No reader panics on a file, and none allocates what a file merely
//!   claims: sizes are checked against limits before decoding
//!   ([`MAX_PAGES`], and the decoded size of a page).
//! - Scanned bytes are never altered: a JPEG goes into a PDF as it came; a
//!   received PDF is only inspected, never rewritten.

pub mod archive;
pub mod assemble;
pub mod cover;
pub mod edit;
mod error;
pub mod folder;
mod formats;
pub mod inspect;
pub mod ocr;
pub mod page;
pub mod qr;
pub mod scanner;
mod splice;

pub use assemble::{assemble_pages, assemble_scans};
pub use error::ScanError;
pub use inspect::{MIN_DPI, PageInfo, inspect_page, inspect_pages, inspect_pdf};
pub use page::{MAX_PAGES, ScanPage, read_pages, scan_kind};
