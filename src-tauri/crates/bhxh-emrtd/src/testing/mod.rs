//! Test support, for this crate's unit tests and, with the `testing` feature, for its
//! integration tests and benchmark and for other crates' tests: the generated test card and
//! PKI, a chip in the same process, and a real PC/SC stack with an emulated card.
//!
//! It lives in the library rather than in `tests/` so that there is one of each: the unit tests,
//! `tests/pcsc_card.rs`, `benches/pcsc_read.rs` and the window's end-to-end tests read the same
//! card through the same helpers. It is compiled only for tests or with the feature, never into
//! the app.
//!
//! - [`samples`]: sample files built in code (MRZ, DG2, DG13).
//! - [`fixtures`]: the generated card and the test PKI under `testdata/`.
//! - [`fake_chip`]: [`fake_chip::FakeChip`], a scriptable chip for the reader's corner cases.
//! - [`pcsc`]: a private `pcscd` with a virtual reader and the Python card emulator.

pub mod fake_chip;
pub mod fixtures;
pub mod pcsc;
pub mod samples;
