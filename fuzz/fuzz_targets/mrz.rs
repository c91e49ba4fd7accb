//! MRZ text (typed, scanned or read from DG1).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        drop(bhxh_emrtd::mrz::Mrz::parse(text));
    }
});
