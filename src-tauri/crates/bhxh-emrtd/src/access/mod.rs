//! Access: from what the counter has — the typed ID and dates, the front QR code, or the CAN —
//! to the key that opens the chip.
//!
//! This is the only part of the crate that handles input a person typed or scanned, and the
//! only one whose errors the counter reads as they are (Vietnamese). It sits apart from the
//! protocols so that validating and deriving the key needs no card, and from the reader so the
//! window can check the access data before it asks for the card.
//!
//! - [`key`]: [`AccessKey`], the MRZ fields for BAC and the CAN for PACE.
//! - [`front_qr`]: the front QR code of a CCCD and the expiry its holder's age gives.

pub mod front_qr;
pub mod key;

pub use front_qr::{Expiry, FrontQr, QrError, expiry_by_age_rule, parse_front_qr, yymmdd};
pub use key::AccessKey;
