//! BER-TLV: every object, nested as deep as the input goes, never panics.
#![no_main]

use bhxh_emrtd::lds::tlv::read_tlv;
use libfuzzer_sys::fuzz_target;

fn walk(mut input: &[u8], depth: usize) {
    while !input.is_empty() && depth < 64 {
        match read_tlv(input) {
            Ok((tlv, rest)) => {
                walk(tlv.value, depth + 1);
                input = rest;
            }
            Err(_) => return,
        }
    }
}

fuzz_target!(|data: &[u8]| walk(data, 0));
