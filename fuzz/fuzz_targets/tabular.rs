//! Imported participant lists: CSV (any encoding a spreadsheet program saves, any separator)
//! and XLSX (a ZIP of XML parts: shared strings, inline strings, numbers, dates), as the desk
//! reads them: by their first bytes, each reader directly, and under tight limits (the checks
//! made before anything of a claimed size is allocated).
#![no_main]

use bhxh_tabular::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    drop(bhxh_tabular::read(data));
    drop(bhxh_tabular::read_csv(data));
    drop(bhxh_tabular::read_xlsx(data));
    let tight = Limits {
        columns: 4,
        rows: 8,
        cells: 16,
    };
    drop(bhxh_tabular::read_within(data, &tight));
});
