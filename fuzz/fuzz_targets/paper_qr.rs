//! The QR text on the papers the desk prints (receipts laid on a scan as a
//! cover sheet): whatever bytes a QR decoder hands over.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(qr) = bhxh_core::dossiers::qr::parse(data) {
        // What was accepted prints back to a text that reads the same.
        let again = bhxh_core::dossiers::qr::parse(qr.to_text().as_bytes());
        assert!(again.is_ok(), "{again:?}");
    }
});
