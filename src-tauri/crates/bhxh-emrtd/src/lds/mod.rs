//! The Logical Data Structure (ICAO 9303 part 10): what is on an eMRTD chip, as bytes.
//!
//! Everything here parses (or, for tests, writes) files; nothing talks to a card or judges a
//! signature. That is the point of the module: it is the surface a hostile chip controls, so it
//! is kept small, pure and fuzzed (`fuzz/fuzz_targets/{tlv,lds,mrz,dg2_image}.rs`), and the protocol and
//! trust code only ever see its typed results.
//!
//! - [`tlv`]: BER-TLV, the encoding of every file.
//! - [`mrz`]: the machine readable zone and DG1, which carries it.
//! - [`com`] (EF.COM, the table of contents), [`dg2`] (face image), [`dg13`] (Vietnamese
//!   personal data), [`dg14`] (security infos), [`dg15`] (Active Authentication public key).
//! - [`photo`]: DG2's face made showable (JPEG as stored, JPEG 2000 decoded to PNG), for
//!   display only.
//! - [`sod`]: EF.SOD, the signed hashes of the data groups.
//! - [`card_access`]: EF.CardAccess, the PACE protocols the chip offers.
//!
//! Parsers here never panic. They fail with an [`LdsError`] naming the file, and for structural
//! problems the offset inside that file; fields they do not know are kept raw.

pub mod card_access;
pub mod com;
pub mod dg13;
pub mod dg14;
pub mod dg15;
pub mod dg2;
pub mod mrz;
pub mod photo;
pub mod sod;
pub mod tlv;

use thiserror::Error;
use tlv::TlvError;

/// A data group number, 1 to 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DgNumber(u8);

/// The outer tags of DG1..DG16 (ICAO 9303-10 table 34), index 0 = DG1.
const DG_TAGS: [u32; 16] = [
    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
];

impl DgNumber {
    /// DG1 (MRZ).
    pub const DG1: Self = Self(1);
    /// DG2 (face).
    pub const DG2: Self = Self(2);
    /// DG3 (fingerprints, EAC protected).
    pub const DG3: Self = Self(3);
    /// DG4 (iris, EAC protected).
    pub const DG4: Self = Self(4);
    /// DG13 (issuer-specific; Vietnamese personal data).
    pub const DG13: Self = Self(13);
    /// DG14 (security infos for PACE / Chip Authentication).
    pub const DG14: Self = Self(14);
    /// DG15 (Active Authentication public key).
    pub const DG15: Self = Self(15);

    /// `Some` for 1..=16.
    pub fn new(n: u8) -> Option<Self> {
        (1..=16).contains(&n).then_some(Self(n))
    }

    /// The number, 1..=16.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The data group's outer BER tag (`61` for DG1, `75` for DG2, …).
    pub fn tag(self) -> u32 {
        DG_TAGS
            .get(usize::from(self.0).saturating_sub(1))
            .copied()
            .unwrap_or(0)
    }

    /// The data group with outer tag `tag`.
    pub fn from_tag(tag: u32) -> Option<Self> {
        let index = DG_TAGS.iter().position(|t| *t == tag)?;
        u8::try_from(index + 1).ok().map(Self)
    }

    /// The elementary file identifier (`0101` for DG1 … `0110` for DG16).
    pub fn file_id(self) -> u16 {
        0x0100 | u16::from(self.0)
    }

    /// The short file identifier (1..=16), for READ BINARY with SFI.
    pub fn short_file_id(self) -> u8 {
        self.0
    }
}

impl std::fmt::Display for DgNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DG{}", self.0)
    }
}

/// The eMRTD application identifier (ICAO 9303-10, the LDS1 application).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// The file identifier of EF.COM.
pub const EF_COM: u16 = 0x011E;
/// The file identifier of EF.SOD.
pub const EF_SOD: u16 = 0x011D;

/// Which file a parse error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdsFile {
    /// EF.COM.
    Com,
    /// EF.SOD.
    Sod,
    /// A data group.
    Dg(DgNumber),
}

impl std::fmt::Display for LdsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Com => f.write_str("EF.COM"),
            Self::Sod => f.write_str("EF.SOD"),
            Self::Dg(n) => write!(f, "{n}"),
        }
    }
}

/// What is wrong inside a file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LdsProblem {
    /// The BER-TLV structure is broken.
    #[error(transparent)]
    Tlv(#[from] TlvError),
    /// The structure is readable but not what ICAO 9303 (or the Vietnamese profile) specifies.
    #[error("at offset {offset}: {what}")]
    Invalid {
        /// Offset in the file of the offending object.
        offset: usize,
        /// What was expected or found.
        what: String,
    },
    /// A DER structure (certificate, CMS, key) failed to decode.
    #[error("DER decoding of {what} failed: {reason}")]
    Der {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
}

/// A file of the LDS that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}: {problem}")]
pub struct LdsError {
    /// The file.
    pub file: LdsFile,
    /// What is wrong with it.
    pub problem: LdsProblem,
}

impl LdsError {
    pub(crate) fn tlv(file: LdsFile, e: TlvError) -> Self {
        Self {
            file,
            problem: LdsProblem::Tlv(e),
        }
    }

    pub(crate) fn invalid(file: LdsFile, offset: usize, what: impl Into<String>) -> Self {
        Self {
            file,
            problem: LdsProblem::Invalid {
                offset,
                what: what.into(),
            },
        }
    }

    pub(crate) fn der(file: LdsFile, what: &'static str, e: impl std::fmt::Display) -> Self {
        Self {
            file,
            problem: LdsProblem::Der {
                what,
                reason: e.to_string(),
            },
        }
    }
}

/// Decodes the content octets of an OBJECT IDENTIFIER to its dotted form.
pub(crate) fn oid_from_content(bytes: &[u8]) -> Option<const_oid::ObjectIdentifier> {
    const_oid::ObjectIdentifier::from_bytes(bytes).ok()
}

/// The value of a small non-negative INTEGER's content octets.
pub(crate) fn small_uint(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 9 || bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let mut n: u64 = 0;
    for b in bytes {
        n = n.checked_mul(256)?.checked_add(u64::from(*b))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dg_numbers_map_to_tags_and_files() {
        assert_eq!(DgNumber::DG1.tag(), 0x61);
        assert_eq!(DgNumber::DG2.tag(), 0x75);
        assert_eq!(DgNumber::DG13.tag(), 0x6D);
        assert_eq!(DgNumber::from_tag(0x6F), Some(DgNumber::DG15));
        assert_eq!(DgNumber::from_tag(0x77), None);
        assert_eq!(DgNumber::DG14.file_id(), 0x010E);
        assert_eq!(DgNumber::new(0), None);
        assert_eq!(DgNumber::new(17), None);
        assert_eq!(DgNumber::new(16).map(DgNumber::tag), Some(0x70));
        assert_eq!(DgNumber::DG13.to_string(), "DG13");
    }

    #[test]
    fn small_uint_rejects_negative_and_huge() {
        assert_eq!(small_uint(&[0x01]), Some(1));
        assert_eq!(small_uint(&[0x00, 0x80]), Some(128));
        assert_eq!(small_uint(&[0x80]), None);
        assert_eq!(small_uint(&[]), None);
    }
}
