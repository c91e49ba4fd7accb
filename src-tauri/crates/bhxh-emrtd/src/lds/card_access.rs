//! EF.CardAccess (ICAO 9303-11 §9.2): the `SecurityInfos` a chip offers before any
//! application is selected, above all the `PACEInfo`s that say which PACE it runs.
//!
//! The file sits in the master file and is readable without secure messaging, so it is read
//! first; what it lists is data like any other file of the chip, parsed here and never trusted
//! for anything but choosing a protocol. Running PACE is [`crate::protocol::pace`]'s business: keeping the
//! two apart lets the parser be fuzzed and tested without a protocol in sight.

use thiserror::Error;

use crate::crypto::weierstrass::{CurveParams, standard_curve};
use crate::lds::tlv;

/// `id-PACE` = 0.4.0.127.0.7.2.2.4, as OID content bytes.
const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];

/// Why EF.CardAccess could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("EF.CardAccess: {0}")]
pub struct CardAccessError(pub String);

/// The cipher of a PACE protocol: for the nonce, the tokens and secure messaging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceCipher {
    /// Two-key 3DES, retail MAC.
    Tdes,
    Aes128,
    Aes192,
    Aes256,
}

impl PaceCipher {
    pub(crate) fn key_len(self) -> usize {
        match self {
            PaceCipher::Tdes | PaceCipher::Aes128 => 16,
            PaceCipher::Aes192 => 24,
            PaceCipher::Aes256 => 32,
        }
    }

    /// The cipher's name as the verdict's detail shows it.
    pub fn name(self) -> &'static str {
        match self {
            PaceCipher::Tdes => "3DES",
            PaceCipher::Aes128 => "AES-128",
            PaceCipher::Aes192 => "AES-192",
            PaceCipher::Aes256 => "AES-256",
        }
    }
}

/// What a `PACEInfo` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceProtocol {
    /// ECDH with the Generic Mapping: implemented.
    EcdhGm(PaceCipher),
    /// Anything else (DH, Integrated or Chip Authentication Mapping): recognised only.
    Other(&'static str),
}

/// One `PACEInfo` of EF.CardAccess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    /// The protocol OID's content bytes (as sent in MSE:Set AT and the tokens).
    pub oid: Vec<u8>,
    pub protocol: PaceProtocol,
    pub version: u32,
    /// The standardised domain parameters (ICAO 9303-11 Table 6), when given.
    pub parameter_id: Option<u32>,
}

impl PaceInfo {
    /// The curve of a supported protocol: its name and parameters.
    pub fn curve(&self) -> Option<(&'static str, CurveParams)> {
        standard_curve(self.parameter_id?)
    }

    /// Whether this crate can run it ([`crate::protocol::pace::establish`]): ECDH with the Generic
    /// Mapping, version 2, on a standardised curve.
    pub fn is_supported(&self) -> bool {
        matches!(self.protocol, PaceProtocol::EcdhGm(_)) && self.version == 2 && {
            self.curve().is_some()
        }
    }
}

fn protocol_of(oid: &[u8]) -> Option<PaceProtocol> {
    let rest = oid.strip_prefix(&ID_PACE)?;
    let (&mapping, rest) = rest.split_first()?;
    let cipher = match rest {
        [1] => PaceCipher::Tdes,
        [2] => PaceCipher::Aes128,
        [3] => PaceCipher::Aes192,
        [4] => PaceCipher::Aes256,
        _ => return None,
    };
    Some(match mapping {
        2 => PaceProtocol::EcdhGm(cipher),
        1 => PaceProtocol::Other("DH Generic Mapping"),
        3 => PaceProtocol::Other("DH Integrated Mapping"),
        4 => PaceProtocol::Other("ECDH Integrated Mapping"),
        6 => PaceProtocol::Other("ECDH Chip Authentication Mapping"),
        _ => return None,
    })
}

fn small_uint(value: &[u8]) -> Option<u32> {
    if value.is_empty() || value.len() > 4 || value.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(value.iter().fold(0u32, |a, b| a << 8 | u32::from(*b)))
}

/// The `PACEInfo`s of EF.CardAccess (`SecurityInfos`, a SET OF `SecurityInfo`); other security
/// infos (domain parameters, Chip Authentication, …) are skipped.
pub fn parse_card_access(der: &[u8]) -> Result<Vec<PaceInfo>, CardAccessError> {
    let bad = |what: &str| CardAccessError(what.to_string());
    let set = tlv::read_single(der, 0x31).map_err(|e| bad(&format!("not a SET: {e}")))?;
    let mut out = Vec::new();
    for item in set.children() {
        let info = item.map_err(|e| bad(&e.to_string()))?;
        if info.tag.0 != 0x30 {
            return Err(bad("a SecurityInfo is not a SEQUENCE"));
        }
        let mut fields = info.children();
        let oid = match fields.next() {
            Some(Ok(t)) if t.tag.0 == 0x06 => t.value,
            _ => return Err(bad("a SecurityInfo does not start with its protocol OID")),
        };
        let Some(protocol) = protocol_of(oid) else {
            continue;
        };
        let version = match fields.next() {
            Some(Ok(t)) if t.tag.0 == 0x02 => small_uint(t.value),
            _ => None,
        }
        .ok_or_else(|| bad("PACEInfo without its version INTEGER"))?;
        let parameter_id = match fields.next() {
            None => None,
            Some(Ok(t)) if t.tag.0 == 0x02 => {
                Some(small_uint(t.value).ok_or_else(|| bad("PACEInfo parameterId out of range"))?)
            }
            Some(_) => return Err(bad("PACEInfo parameterId is not an INTEGER")),
        };
        out.push(PaceInfo {
            oid: oid.to_vec(),
            protocol,
            version,
            parameter_id,
        });
    }
    Ok(out)
}
