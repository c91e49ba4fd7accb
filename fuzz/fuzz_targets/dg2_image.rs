//! DG2's face image as the window shows it: a DG2 from the chip, its face
//! decoded for display (JPEG 2000 through the pure-Rust decoder, re-encoded
//! as PNG), and the same bytes as a bare JPEG 2000 file or codestream.
//! `jpeg2000_to_png` catches a panic of the decoder for the app; libFuzzer's
//! panic hook aborts first, so a decoder panic is still found here.
#![no_main]

use bhxh_emrtd::lds::{dg2, photo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = dg2::parse_dg2(data) {
        for face in &parsed.faces {
            drop(photo::display_image(face));
        }
    }
    drop(photo::jpeg2000_to_png(data));
});
