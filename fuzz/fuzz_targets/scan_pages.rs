//! Scan files as the desk receives them (JPEG, PNG, multi-page TIFF, PDF of
//! scanned images): every page read, then what the desk does with a page
//! (grey image for the QR reader, a file of its own). Inputs are capped at
//! 256 KiB; a decoder that allocates by the header's dimensions shows up as
//! an out-of-memory crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > 256 * 1024 {
        return;
    }
    drop(bhxh_scan::scan_kind(data));
    drop(bhxh_scan::inspect_pdf(data));
    if !data.starts_with(b"%PDF-") {
        drop(bhxh_scan::inspect_pages(data, 1));
    }
    if let Ok(pages) = bhxh_scan::read_pages(data) {
        for (i, page) in pages.iter().take(4).enumerate() {
            drop(page.luma(i + 1));
            // The scan inbox looks for cover sheets; rqrr on a huge page
            // is slow, not wrong.
            if u64::from(page.info.width_px) * u64::from(page.info.height_px) <= 1 << 20 {
                drop(page.qr_texts(i + 1));
            }
            drop(page.to_file());
        }
    }
});
