//! The cryptography the chip needs: hashes, signature verification for every algorithm seen on
//! ICAO documents, generic ECDSA over explicit curve parameters, and the curve arithmetic of the
//! PACE and Chip Authentication key agreements. It sits below both [`crate::protocol`] and
//! [`crate::verify`], which is why it is a module of its own rather than part of either.
//!
//! Named curves that RustCrypto implements (P-256, P-384, P-521, brainpoolP256r1,
//! brainpoolP384r1) go to those crates; every other curve — brainpoolP512r1 above all, and any
//! certificate with **explicit** `ECParameters` — goes to [`weierstrass`], a small
//! verification-only implementation over `num-bigint`. Only public data is processed, so none of
//! this needs to be constant-time.

pub mod hash;
mod montgomery;
pub mod signature;
pub mod weierstrass;

pub use hash::HashAlgorithm;

pub use signature::{SignatureError, verify_signature};
