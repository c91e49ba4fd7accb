//! The APDU transport: how command bytes reach the chip and response bytes come back.
//!
//! [`Transport`] is all the protocols and the [`crate::reader`] need, so it sits below both:
//! `pcsc` implements it over PC/SC (feature `pcsc`), the tests with a fake chip
//! (`crate::testing::fake_chip`). Nothing above this module links a smart card library, which
//! keeps the crate testable, fuzzable and buildable without one.

use std::time::Duration;
use thiserror::Error;

#[cfg(feature = "pcsc")]
pub mod pcsc;

/// A response APDU split into its data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The response data (without the status word).
    pub data: Vec<u8>,
    /// SW1 SW2.
    pub sw: u16,
}

impl RawResponse {
    /// Splits raw response bytes (`data || SW1 SW2`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TransportError> {
        let split = bytes
            .len()
            .checked_sub(2)
            .ok_or(TransportError::ShortResponse(bytes.len()))?;
        let (data, sw) = bytes.split_at(split);
        let sw = match sw {
            [a, b] => u16::from_be_bytes([*a, *b]),
            _ => return Err(TransportError::ShortResponse(bytes.len())),
        };
        Ok(Self {
            data: data.to_vec(),
            sw,
        })
    }

    /// The response as bytes again (`data || SW1 SW2`), as secure messaging unwraps it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }
}

/// Why an APDU could not be exchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    /// The card left the reader (or the emulator behind a virtual reader went away).
    #[error("the card was removed from the reader")]
    CardRemoved,
    /// The card was reset by someone else: the session (and secure messaging) is gone, the
    /// card must be reconnected and authenticated again.
    #[error("the card was reset")]
    CardReset,
    /// The reader holds no card.
    #[error("no card in reader {0:?}")]
    NoCard(String),
    /// No reader of that name.
    #[error("no reader named {0:?}")]
    UnknownReader(String),
    /// The system has no reader at all.
    #[error("no smart card reader is connected")]
    NoReader,
    /// The PC/SC service (pcscd) is not running or not reachable.
    #[error("the PC/SC service is not available ({0})")]
    NoService(String),
    /// Waiting for a card event took too long.
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, &'static str),
    /// A response shorter than a status word.
    #[error("response of {0} bytes has no status word")]
    ShortResponse(usize),
    /// Any other PC/SC failure, with the PC/SC message.
    #[error("PC/SC {operation} failed: {message}")]
    Pcsc {
        /// The PC/SC call (`SCardTransmit`, …).
        operation: &'static str,
        /// The PC/SC error text.
        message: String,
    },
}

impl TransportError {
    /// Whether the card is gone or its session was lost (removed or reset).
    pub fn is_card_lost(&self) -> bool {
        matches!(self, Self::CardRemoved | Self::CardReset | Self::NoCard(_))
    }
}

/// Sends command APDUs to a chip.
pub trait Transport {
    /// Sends one command APDU (plain bytes, as they go on the wire) and returns the response.
    fn transmit(&mut self, command: &[u8]) -> Result<RawResponse, TransportError>;

    /// Re-establishes the connection after a reset (the chip forgets its session: the
    /// application must be selected and access control run again).
    fn reconnect(&mut self) -> Result<(), TransportError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<RawResponse, TransportError> {
        (**self).transmit(command)
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        (**self).reconnect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_split_into_data_and_status() {
        let r = RawResponse::from_bytes(&[1, 2, 0x90, 0x00]).unwrap();
        assert_eq!((r.data.as_slice(), r.sw), (&[1u8, 2][..], 0x9000));
        assert_eq!(r.to_bytes(), [1, 2, 0x90, 0x00]);
        assert_eq!(
            RawResponse::from_bytes(&[0x90]).unwrap_err(),
            TransportError::ShortResponse(1)
        );
        assert!(TransportError::CardRemoved.is_card_lost());
        assert!(!TransportError::NoReader.is_card_lost());
    }
}
