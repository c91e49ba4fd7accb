//! Trust: is what the chip gave the data the issuing state signed, and is the chip the one it
//! was written to?
//!
//! This module never talks to a card. It judges bytes it is handed — EF.SOD, the data groups,
//! the chip's answers to the anti-cloning protocols — against the CSCA certificates the operator
//! installed, so every rule is tested with generated documents, and a verdict can be recomputed
//! later from stored files.
//!
//! - [`check`]: the vocabulary of a judgement: [`Check`], [`Status`], [`CheckResult`].
//! - [`trust`]: the CSCA store (PEM, DER, ICAO master lists) and the DS → CSCA chain; the
//!   CSCAs' revocation lists ([`crl`]), whether a DS is revoked, and how current the store is.
//! - [`passive`]: passive authentication, one named check per step.
//! - [`presence`]: data groups EF.SOD lists that the chip withheld (`6A82`, `6982`).
//! - [`active`]: whether the chip's Active Authentication signature verifies with the DG15 key.
//! - [`chip_auth`]: the Chip Authentication outcome as a check.
//! - [`verdict`]: one answer for the counter, in Vietnamese, with the checks behind it.

pub mod active;
pub mod check;
pub mod chip_auth;
pub mod crl;
pub mod passive;
pub mod presence;
pub mod trust;
pub mod verdict;

pub use check::{Check, CheckResult, Status};
