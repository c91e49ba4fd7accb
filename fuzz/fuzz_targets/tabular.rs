//! Imported participant lists: CSV and XLSX.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    drop(bhxh_tabular::read(data));
});
