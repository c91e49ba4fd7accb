//! How you talk to the chip: the access protocols, secure messaging, the anti-cloning
//! protocols and the file reads, as command and response APDUs.
//!
//! Each protocol turns plain values into command bytes and the chip's answers back into values
//! or errors naming the step and status word; none of them owns a card connection. They send
//! through a closure or a small trait that [`crate::reader`] implements over a
//! [`crate::transport::Transport`], which is what lets every protocol be tested against worked
//! examples (ICAO 9303-11 appendices D and G) and a fake chip, byte for byte.
//!
//! - [`bac`]: Basic Access Control, its keys from the MRZ and the mutual authentication.
//! - [`pace`]: PACE with the ECDH Generic Mapping, from the CAN or the MRZ.
//! - [`secure_messaging`]: protecting and unprotecting APDUs (3DES with retail MAC, AES with
//!   CMAC).
//! - [`chip_auth`]: Chip Authentication with the DG14 key (anti-cloning, new session keys).
//! - [`active`]: Active Authentication's INTERNAL AUTHENTICATE (anti-cloning); the signature is
//!   checked in [`crate::verify::active`].

pub mod active;
pub mod bac;
pub mod chip_auth;
pub mod pace;
pub mod read_binary;
pub mod secure_messaging;
