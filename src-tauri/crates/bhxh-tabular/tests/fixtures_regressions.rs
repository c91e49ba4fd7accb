//! Inputs the fuzzer found, kept as they were found: each must be refused
//! with a message, never panic (these tests build with overflow checks, like
//! the fuzzer).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn an_xlsx_whose_sheet_dimension_runs_backwards_is_refused_not_a_panic() {
    // Found by `scripts/fuzz.sh` (target `tabular`) on 2026-12-03: a
    // worksheet's `<dimension ref>` with its last cell before its first made
    // calamine 0.38 subtract past zero.
    let bytes = include_bytes!("fixtures/dimension-backwards.xlsx");
    let err = bhxh_tabular::read(bytes).unwrap_err().to_string();
    assert!(err.contains("Tệp XLSX"), "{err}");
}
