//! A PDF's signatures as the desk reads a PDF a citizen or an employer sent:
//! the signature dictionaries, their byte ranges and the CMS inside, verified
//! against an empty trust folder (every step runs; nothing may panic).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trust = bhxh_sign::PdfTrust::default();
    drop(bhxh_sign::verify_pdf(data, &trust, std::time::SystemTime::UNIX_EPOCH));
    drop(bhxh_sign::cms::parse(data));
});
