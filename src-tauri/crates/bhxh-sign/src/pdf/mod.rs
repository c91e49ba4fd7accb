//! PDF signatures: reading them, and signing as an incremental update.

pub mod read;
pub mod sign;
pub mod write;

pub use read::{PdfSignature, signatures};
pub use sign::{SignOptions, sign_pdf, stamp_rect};

/// The height of page 1 in points (its `/MediaBox`), when it can be read.
pub fn first_page_height(pdf: &[u8]) -> Option<f32> {
    first_page_size(pdf).map(|(_, h)| h)
}

/// Page 1's width and height in points (its `MediaBox`).
pub fn first_page_size(pdf: &[u8]) -> Option<(f32, f32)> {
    let doc = lopdf::Document::load_mem(pdf).ok()?;
    let page = *doc.get_pages().get(&1)?;
    let media = doc.get_dictionary(page).ok()?.get(b"MediaBox").ok()?;
    let arr = media.as_array().ok()?;
    let num = |o: &lopdf::Object| {
        o.as_float()
            .ok()
            .or_else(|| o.as_i64().ok().map(|i| i as f32))
    };
    Some((
        num(arr.get(2)?)? - num(arr.first()?)?,
        num(arr.get(3)?)? - num(arr.get(1)?)?,
    ))
}
