//! Text typed or scanned at the counter: MRZ lines and the card's front QR code.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        drop(bhxh_emrtd::lds::mrz::Mrz::parse(text));
        drop(bhxh_emrtd::access::parse_front_qr(text));
    }
});
