//! Active Authentication (ICAO 9303-11 §6.1), the card side: the INTERNAL AUTHENTICATE command
//! with a fresh challenge, and what the chip answered.
//!
//! A chip copied byte for byte has every file but not the private key behind DG15; only the
//! original can sign a challenge it has never seen. This module only builds the command and
//! records the answer ([`AaOutcome`]); whether the signature verifies with the DG15 key is
//! judged by [`crate::verify::active`], so that the verification runs on stored vectors and the
//! protocol on a chip, each without the other.

use crate::protocol::read_binary::Unavailable;
use crate::transport::RawResponse;

/// The length of the Active Authentication challenge.
pub const CHALLENGE_LEN: usize = 8;

/// The INTERNAL AUTHENTICATE command for `challenge` (`00 88 00 00 08 ‖ challenge ‖ 00`).
pub fn internal_authenticate_command(challenge: &[u8; CHALLENGE_LEN]) -> Vec<u8> {
    let mut cmd = vec![0x00, 0x88, 0x00, 0x00, 0x08];
    cmd.extend_from_slice(challenge);
    cmd.push(0x00);
    cmd
}

/// INTERNAL AUTHENTICATE with `challenge` through `exchange` (which protects it under secure
/// messaging): the chip's signature to be verified, or its refusal.
pub fn internal_authenticate<E>(
    challenge: [u8; CHALLENGE_LEN],
    exchange: impl FnOnce(&str, &[u8]) -> Result<RawResponse, E>,
) -> Result<AaOutcome, E> {
    let r = exchange(
        "INTERNAL AUTHENTICATE",
        &internal_authenticate_command(&challenge),
    )?;
    Ok(if r.sw == 0x9000 {
        AaOutcome::Answer {
            challenge,
            response: r.data,
        }
    } else {
        AaOutcome::Refused(r.sw)
    })
}

/// What happened when Active Authentication was attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AaOutcome {
    /// The card has no DG15 (or it was not read): nothing to check.
    NotAvailable,
    /// EF.SOD lists DG15, but the chip did not hand it out (`6A82` absent, `6982` protected):
    /// the issuer wrote an Active Authentication key that this chip withholds. ICAO 9303 never
    /// protects DG15, so a genuine chip always returns it; a copy made without the key has
    /// every reason to hide it.
    Withheld(Unavailable),
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
    use crate::reader::ReadOptions;
    use crate::testing::fake_chip::{FakeChip, card, read, read_options as options};

    #[test]
    fn internal_authenticate_sends_the_challenge_with_le_00() {
        let challenge = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF];
        assert_eq!(
            internal_authenticate_command(&challenge),
            hex::decode("008800000801234567 89ABCDEF00".replace(' ', "")).unwrap()
        );
    }

    #[test]
    fn active_authentication_passes_with_the_dg15_key() {
        use crate::verify::{Check, Status};
        let mut chip = FakeChip::new(card());
        let (result, _) = read(&mut chip, &options());
        let result = result.unwrap();
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Passed, "{}", aa.detail_en);
        assert!(
            aa.detail_en
                .contains("ISO/IEC 9796-2 scheme 1 with SHA-1, RSA-1024")
        );
        // INTERNAL AUTHENTICATE, under secure messaging, once, after the files.
        let ia: Vec<_> = chip.log.iter().filter(|c| c[..2] == [0x0C, 0x88]).collect();
        assert_eq!(ia.len(), 1);
        assert_eq!(chip.log.last().map(|c| c[1]), Some(0x88));
        assert!(
            result
                .verdict
                .checks
                .iter()
                .any(|c| c.check == Check::ActiveAuthentication)
        );

        // Switched off: not sent, not in the checks.
        let mut chip = FakeChip::new(card());
        let opts = ReadOptions {
            active_authentication: false,
            ..options()
        };
        let result = read(&mut chip, &opts).0.unwrap();
        assert!(result.report.get(Check::ActiveAuthentication).is_none());
        assert!(!chip.log.iter().any(|c| c[1] == 0x88));
    }

    #[test]
    fn a_cloned_chip_fails_active_authentication() {
        use crate::verify::{Check, Status};
        let mut chip = FakeChip::new(card());
        chip.aa_key =
            Some(std::fs::read(crate::testing::fixtures::testdata("aa/clone-key.der")).unwrap());
        let result = read(&mut chip, &options()).0.unwrap();
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Failed, "{}", aa.detail_en);
        assert!(
            aa.detail_en.contains("does not verify with the DG15 key"),
            "{}",
            aa.detail_en
        );
        assert_eq!(
            result.verdict.kind,
            crate::verify::verdict::VerdictKind::ChipNotGenuine
        );
        assert_eq!(
            result.verdict.headline,
            "Thẻ không phải thẻ thật – chip có thể đã bị sao chép"
        );
        // Every data group is still what EF.SOD signed: only the key is wrong.
        assert!(
            result
                .report
                .checks
                .iter()
                .all(|c| c.check == Check::ActiveAuthentication
                    || c.status == Status::Passed
                    || c.status == Status::NotChecked)
        );

        // A chip that refuses INTERNAL AUTHENTICATE although it has DG15.
        let mut chip = FakeChip::new(card());
        chip.aa_key = None;
        let result = read(&mut chip, &options()).0.unwrap();
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Failed);
        assert!(aa.detail_en.contains("6D00"), "{}", aa.detail_en);
        assert_eq!(
            result.verdict.kind,
            crate::verify::verdict::VerdictKind::ChipNotGenuine
        );
    }
}
