//! The chip's files as a card could send them (EF.CardAccess included): the
//! first byte picks the parser, the rest is the file.
#![no_main]

use bhxh_emrtd::lds::{com, dg2, dg13, dg14, dg15, mrz, sod};
use bhxh_emrtd::protocol::{chip_auth, pace};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, file)) = data.split_first() else {
        return;
    };
    match which % 8 {
        0 => drop(com::parse_com(file)),
        1 => drop(mrz::parse_dg1(file)),
        2 => drop(dg2::parse_dg2(file)),
        3 => drop(dg13::parse_dg13(file)),
        4 => {
            // and the Chip Authentication DG14 offers (its key's curve and point)
            if let Ok(dg) = dg14::parse_dg14(file) {
                drop(chip_auth::plan(&dg));
            }
        }
        5 => drop(dg15::parse_dg15(file)),
        6 => drop(sod::parse_sod(file)),
        _ => drop(pace::parse_card_access(file)),
    }
});
