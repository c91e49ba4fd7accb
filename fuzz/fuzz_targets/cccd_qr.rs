//! The QR code on the front of a CCCD, as a scanner types it at the counter.
//! (`bhxh_app::dossiers::applicant_from_cccd_qr` only maps this parser's
//! result; bhxh-app pulls in the keyed store and the sync client, so it is
//! not built here.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    drop(bhxh_emrtd::access::parse_front_qr(&text));
});
