//! Active Authentication (ICAO 9303-11 §6.1), the card side: the INTERNAL AUTHENTICATE command
//! with a fresh challenge, and what the chip answered.
//!
//! A chip copied byte for byte has every file but not the private key behind DG15; only the
//! original can sign a challenge it has never seen. This module only builds the command and
//! records the answer ([`AaOutcome`]); whether the signature verifies with the DG15 key is
//! judged by [`crate::verify::active`], so that the verification runs on stored vectors and the
//! protocol on a chip, each without the other.

/// The length of the Active Authentication challenge.
pub const CHALLENGE_LEN: usize = 8;

/// The INTERNAL AUTHENTICATE command for `challenge` (`00 88 00 00 08 ‖ challenge ‖ 00`).
pub fn internal_authenticate_command(challenge: &[u8; CHALLENGE_LEN]) -> Vec<u8> {
    let mut cmd = vec![0x00, 0x88, 0x00, 0x00, 0x08];
    cmd.extend_from_slice(challenge);
    cmd.push(0x00);
    cmd
}

/// What happened when Active Authentication was attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AaOutcome {
    /// The card has no DG15 (or it was not read): nothing to check.
    NotAvailable,
    /// DG15 was read but does not parse.
    BadDg15(String),
    /// The chip answered INTERNAL AUTHENTICATE with an error status.
    Refused(u16),
    /// The chip's answer, to be verified.
    Answer {
        /// The challenge sent.
        challenge: [u8; CHALLENGE_LEN],
        /// The chip's answer.
        response: Vec<u8>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_authenticate_sends_the_challenge_with_le_00() {
        let challenge = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF];
        assert_eq!(
            internal_authenticate_command(&challenge),
            hex::decode("008800000801234567 89ABCDEF00".replace(' ', "")).unwrap()
        );
    }
}
