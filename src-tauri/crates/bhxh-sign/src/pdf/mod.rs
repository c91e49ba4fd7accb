//! PDF signatures: reading them, and signing as an incremental update.

pub mod read;
pub mod sign;
pub mod write;

pub use read::{PdfSignature, signatures};
pub use sign::{SignOptions, sign_pdf, stamp_rect};
