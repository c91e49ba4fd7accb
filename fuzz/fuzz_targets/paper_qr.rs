//! The QR text on the papers the desk prints (receipts laid on a scan as a
//! cover sheet): whatever bytes a QR decoder hands over, then the MAC check
//! the scan inbox makes.
#![no_main]

use bhxh_core::dossiers::qr;
use libfuzzer_sys::fuzz_target;

/// Any key: the fuzzer cannot know the store's, which is the point.
const KEY: [u8; 32] = [0x5a; 32];

fuzz_target!(|data: &[u8]| {
    if let Ok(read) = qr::parse(data) {
        // The check the inbox makes never panics (and a made-up MAC
        // practically never holds).
        drop(read.verify(&KEY));
        // What was accepted, signed again, reads back the same and verifies.
        let mut fields = read.unverified().clone();
        fields.v = qr::VERSION;
        let text = fields.to_signed_text(&KEY);
        let again = qr::parse(text.as_bytes()).expect("a signed text reads back");
        assert_eq!(again.verify(&KEY).ok(), Some(&fields));
    }
});
