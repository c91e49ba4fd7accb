//! PACE, Password Authenticated Connection Establishment (ICAO 9303-11 §4.4), with the
//! Generic Mapping over ECDH, which sets up secure messaging from a short password: the CAN
//! (on a Vietnamese CCCD, the last 6 digits of the 12-digit ID) or the MRZ.
//!
//! The chip offers PACE in EF.CardAccess ([`parse_card_access`]), read before the eMRTD
//! application is selected. The terminal then:
//!
//! 1. chooses the protocol and password (MSE:Set AT: `80` OID, `83` password reference,
//!    `84` parameter id);
//! 2. gets the nonce `s` encrypted under `K_π = KDF(π, 3)` (GENERAL AUTHENTICATE, `7C 80`);
//! 3. maps it: an ECDH exchange on the standard curve gives `H`, and the new generator is
//!    `G' = s·G + H` (`7C 81` / `7C 82`);
//! 4. agrees a key on `G'` (`7C 83` / `7C 84`): `K` = the x-coordinate of the shared point,
//!    `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)`;
//! 5. exchanges authentication tokens, MACs over the other side's ephemeral public key
//!    (`7C 85` / `7C 86`), which prove that both know the password.
//!
//! Secure messaging then runs with AES (SSC of 16 zero bytes) or 3DES (8 zero bytes).
//!
//! Supported: ECDH Generic Mapping with 3DES and AES-128/192/256, on the standardised
//! domain parameters 8–18 (NIST P-192…P-521 and brainpoolP192r1…P512r1). DH, the Integrated
//! and the Chip Authentication Mappings are recognised in EF.CardAccess and reported as not
//! supported, so the reader falls back to BAC.
//!
//! The scalar multiplications use the crate's generic curve arithmetic, which is not constant
//! time. The secrets it handles are ephemeral and live for one session; the attacker who could
//! time them would be a local process on the counter's PC, which could as well read the
//! session keys from memory. Passive authentication does not depend on it.

use num_bigint::BigUint;
use thiserror::Error;

use crate::crypto::weierstrass::{AffinePoint, CurveParams, fixed_be};
pub use crate::lds::card_access::{PaceCipher, PaceInfo, PaceProtocol, parse_card_access};
use crate::lds::tlv::{self, TlvReader};
use crate::protocol::secure_messaging::{self, SecureMessaging};

/// Why PACE could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaceError {
    /// The card offers nothing this reader implements.
    #[error("PACE not supported: {0}")]
    Unsupported(String),
    /// The chip refused a step; `6300`/`6982` at the last step mean a wrong password.
    #[error("{step} answered {sw:04X}")]
    Refused { step: &'static str, sw: u16 },
    /// The chip's answer to a step is malformed or fails a check.
    #[error("{step}: {what}")]
    BadResponse { step: &'static str, what: String },
    /// No randomness from the operating system.
    #[error("random numbers: {0}")]
    Random(String),
}

impl PaceError {
    /// Whether the chip refused the password (wrong CAN or MRZ).
    pub fn is_wrong_password(&self) -> bool {
        matches!(self, PaceError::Refused { step, sw: 0x6300 | 0x6982 | 0x63C0..=0x63CF }
            if *step == STEP_TOKENS)
    }
}

/// The best supported protocol offered: AES before 3DES, longer keys first.
pub fn choose(infos: &[PaceInfo]) -> Option<&PaceInfo> {
    let rank = |i: &PaceInfo| match i.protocol {
        PaceProtocol::EcdhGm(PaceCipher::Aes256) => 0,
        PaceProtocol::EcdhGm(PaceCipher::Aes192) => 1,
        PaceProtocol::EcdhGm(PaceCipher::Aes128) => 2,
        _ => 3,
    };
    infos
        .iter()
        .filter(|i| i.is_supported())
        .min_by_key(|i| rank(i))
}

/// The PACE password.
#[derive(Clone, PartialEq, Eq)]
pub enum Password {
    /// The Card Access Number (digits).
    Can(String),
    /// SHA-1 of the MRZ information (document number, birth and expiry with check digits).
    Mrz([u8; 20]),
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Password::Can(_) => "Password::Can(..)",
            Password::Mrz(_) => "Password::Mrz(..)",
        })
    }
}

impl Password {
    /// The MRZ password from the document number and the dates (`YYMMDD`), check digits
    /// computed.
    pub fn from_mrz_fields(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Self {
        use sha1::Digest;
        let info = crate::lds::mrz::mrz_information(document_number, date_of_birth, date_of_expiry);
        Password::Mrz(sha1::Sha1::digest(info.as_bytes()).into())
    }

    /// The password reference of MSE:Set AT (`01` MRZ, `02` CAN).
    fn reference(&self) -> u8 {
        match self {
            Password::Mrz(_) => 0x01,
            Password::Can(_) => 0x02,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Password::Can(c) => c.as_bytes(),
            Password::Mrz(h) => h,
        }
    }

    /// "CAN" or "MRZ".
    pub fn kind(&self) -> &'static str {
        match self {
            Password::Can(_) => "CAN",
            Password::Mrz(_) => "MRZ",
        }
    }
}

/// `KDF(K, c)` of ICAO 9303-11 §9.7.1: SHA-1 (3DES, AES-128) or SHA-256 (AES-192/256) of
/// `K ‖ c` (32-bit big-endian), cut to the key length.
pub fn kdf(secret: &[u8], counter: u32, cipher: PaceCipher) -> Vec<u8> {
    let mut input = secret.to_vec();
    input.extend_from_slice(&counter.to_be_bytes());
    let digest = match cipher {
        PaceCipher::Tdes | PaceCipher::Aes128 => {
            use sha1::Digest;
            sha1::Sha1::digest(&input).to_vec()
        }
        PaceCipher::Aes192 | PaceCipher::Aes256 => {
            use sha2::Digest;
            sha2::Sha256::digest(&input).to_vec()
        }
    };
    digest.get(..cipher.key_len()).unwrap_or(&digest).to_vec()
}

/// Secure messaging with session keys `KS_enc`, `KS_mac` of `cipher` and SSC zero, as PACE
/// and Chip Authentication start it; `None` for keys of the wrong length.
pub fn session(cipher: PaceCipher, ks_enc: &[u8], ks_mac: &[u8]) -> Option<SecureMessaging> {
    match cipher {
        PaceCipher::Tdes => Some(SecureMessaging::new(
            ks_enc.try_into().ok()?,
            ks_mac.try_into().ok()?,
            [0; 8],
        )),
        _ => SecureMessaging::aes(ks_enc, ks_mac).ok(),
    }
}

/// Decrypts the chip's nonce `z` with `K_π` (CBC, zero IV).
pub fn decrypt_nonce(k_pi: &[u8], z: &[u8], cipher: PaceCipher) -> Option<Vec<u8>> {
    match cipher {
        PaceCipher::Tdes => {
            let key: [u8; 16] = k_pi.try_into().ok()?;
            z.len()
                .is_multiple_of(8)
                .then(|| secure_messaging::tdes_cbc_decrypt(&key, z))
        }
        _ => secure_messaging::aes_cbc(k_pi, &[0; 16], z, false),
    }
}

/// The mapped generator `G' = s·G + H` of the Generic Mapping.
pub fn map_generator(curve: &CurveParams, nonce: &[u8], h: &AffinePoint) -> Option<AffinePoint> {
    let s_g = curve.mul_point(&BigUint::from_bytes_be(nonce), &curve.base_point())?;
    curve.add_points(&s_g, h)
}

/// The public key data object a token is computed over: `7F49 { 06 OID, 86 point }`.
pub fn token_input(oid: &[u8], encoded_point: &[u8]) -> Vec<u8> {
    let mut inner = tlv::encode(0x06, oid);
    inner.extend(tlv::encode(0x86, encoded_point));
    tlv::encode(0x7F49, &inner)
}

/// An authentication token: the MAC under `KS_mac` of [`token_input`] (CMAC cut to 8 bytes
/// for AES, the retail MAC of the padded input for 3DES).
pub fn auth_token(cipher: PaceCipher, ks_mac: &[u8], input: &[u8]) -> Option<[u8; 8]> {
    match cipher {
        PaceCipher::Tdes => {
            let key: [u8; 16] = ks_mac.try_into().ok()?;
            Some(secure_messaging::retail_mac(
                &key,
                &secure_messaging::pad(input),
            ))
        }
        _ => {
            let full = secure_messaging::aes_cmac(ks_mac, input)?;
            full.get(..8)?.try_into().ok()
        }
    }
}

/// Sends one plain command APDU (named by its step) and returns the chip's answer.
pub type Transmit<'a> = dyn FnMut(&'static str, &[u8]) -> Result<Answer, PaceError> + 'a;

/// A chip answer: the status word and data.
pub struct Answer {
    pub data: Vec<u8>,
    pub sw: u16,
}

/// What a successful PACE gives.
#[derive(Debug)]
pub struct Established {
    /// Secure messaging with the session keys (SSC zero).
    pub sm: SecureMessaging,
    /// e.g. "PACE (CAN, ECDH-GM, AES-128, brainpoolP256r1)".
    pub description: String,
}

const STEP_SET_AT: &str = "PACE: MSE:Set AT";
const STEP_NONCE: &str = "PACE: GENERAL AUTHENTICATE (encrypted nonce)";
const STEP_MAP: &str = "PACE: GENERAL AUTHENTICATE (map nonce)";
const STEP_AGREE: &str = "PACE: GENERAL AUTHENTICATE (key agreement)";
const STEP_TOKENS: &str = "PACE: GENERAL AUTHENTICATE (mutual authentication)";

/// A random scalar in `[1, n − 1]` (64 extra bits make the reduction's bias negligible).
pub fn random_scalar(n: &BigUint) -> Result<BigUint, PaceError> {
    let len = usize::try_from(n.bits().div_ceil(8)).unwrap_or(0) + 8;
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| PaceError::Random(e.to_string()))?;
    let one = BigUint::from(1u8);
    Ok(BigUint::from_bytes_be(&bytes) % (n - &one) + one)
}

/// The data object `tag` inside the dynamic authentication data `7C` of an answer.
fn answer_object(step: &'static str, data: &[u8], tag: u32) -> Result<Vec<u8>, PaceError> {
    let outer = tlv::read_single(data, 0x7C).map_err(|e| PaceError::BadResponse {
        step,
        what: format!("no dynamic authentication data (7C): {e}"),
    })?;
    TlvReader::new(outer.value)
        .find(tag)
        .ok()
        .flatten()
        .map(|t| t.value.to_vec())
        .ok_or_else(|| PaceError::BadResponse {
            step,
            what: format!("no data object {tag:02X} in the answer"),
        })
}

/// GENERAL AUTHENTICATE with `7C { tag value }`; `last` ends the command chain.
fn general_authenticate(tag: u32, value: &[u8], last: bool) -> Result<Vec<u8>, PaceError> {
    let data = tlv::encode(0x7C, &tlv::encode(tag, value));
    let lc = u8::try_from(data.len())
        .map_err(|_| PaceError::Unsupported("a public key too long for a short APDU".into()))?;
    let mut cmd = vec![if last { 0x00 } else { 0x10 }, 0x86, 0x00, 0x00, lc];
    cmd.extend(data);
    cmd.push(0x00);
    Ok(cmd)
}

/// Runs PACE with `info` and `password` over `transmit` (plain APDUs). `scalar` draws the
/// terminal's two private keys (random in use: [`random_scalar`]; fixed in the tests).
pub fn establish(
    transmit: &mut Transmit<'_>,
    info: &PaceInfo,
    password: &Password,
    scalar: &mut dyn FnMut(&BigUint) -> Result<BigUint, PaceError>,
) -> Result<Established, PaceError> {
    let PaceProtocol::EcdhGm(cipher) = info.protocol else {
        return Err(PaceError::Unsupported(format!("{:?}", info.protocol)));
    };
    let (curve_name, curve) = info
        .curve()
        .ok_or_else(|| PaceError::Unsupported("unknown domain parameters".into()))?;
    let expect = |step: &'static str, a: &Answer| {
        if a.sw == 0x9000 {
            Ok(())
        } else {
            Err(PaceError::Refused { step, sw: a.sw })
        }
    };

    // 1. MSE:Set AT
    let mut at = tlv::encode(0x80, &info.oid);
    at.extend(tlv::encode(0x83, &[password.reference()]));
    if let Some(id) = info.parameter_id.and_then(|i| u8::try_from(i).ok()) {
        at.extend(tlv::encode(0x84, &[id]));
    }
    let mut cmd = vec![0x00, 0x22, 0xC1, 0xA4];
    cmd.push(u8::try_from(at.len()).unwrap_or(0));
    cmd.extend(at);
    let a = transmit(STEP_SET_AT, &cmd)?;
    if a.sw != 0x9000 && a.sw & 0xFFF0 != 0x63C0 {
        return Err(PaceError::Refused {
            step: STEP_SET_AT,
            sw: a.sw,
        });
    }

    // 2. The nonce: the first step sends an empty template, `7C 00`.
    let a = transmit(
        STEP_NONCE,
        &[0x10, 0x86, 0x00, 0x00, 0x02, 0x7C, 0x00, 0x00],
    )?;
    expect(STEP_NONCE, &a)?;
    let z = answer_object(STEP_NONCE, &a.data, 0x80)?;
    let k_pi = kdf(password.bytes(), 3, cipher);
    let nonce = decrypt_nonce(&k_pi, &z, cipher).ok_or(PaceError::BadResponse {
        step: STEP_NONCE,
        what: format!("encrypted nonce of {} bytes", z.len()),
    })?;

    // 3. Map the nonce.
    let map_key = scalar(&curve.n)?;
    let g = curve.base_point();
    let map_pub = curve
        .mul_point(&map_key, &g)
        .ok_or(PaceError::Unsupported("curve arithmetic".into()))?;
    let map_pub_enc = curve.encode_point(&map_pub);
    let a = transmit(STEP_MAP, &general_authenticate(0x81, &map_pub_enc, false)?)?;
    expect(STEP_MAP, &a)?;
    let chip_map = curve
        .decode_point(&answer_object(STEP_MAP, &a.data, 0x82)?)
        .map_err(|e| PaceError::BadResponse {
            step: STEP_MAP,
            what: format!("chip's mapping key: {e}"),
        })?;
    if chip_map == map_pub {
        return Err(PaceError::BadResponse {
            step: STEP_MAP,
            what: "the chip echoed the terminal's mapping key".into(),
        });
    }
    let h = curve
        .mul_point(&map_key, &chip_map)
        .ok_or(PaceError::BadResponse {
            step: STEP_MAP,
            what: "the shared mapping point is infinity".into(),
        })?;
    let g_mapped = map_generator(&curve, &nonce, &h).ok_or(PaceError::BadResponse {
        step: STEP_MAP,
        what: "the mapped generator is infinity".into(),
    })?;

    // 4. Key agreement on the mapped generator.
    let eph_key = scalar(&curve.n)?;
    let eph_pub = curve
        .mul_point(&eph_key, &g_mapped)
        .ok_or(PaceError::Unsupported("curve arithmetic".into()))?;
    let eph_pub_enc = curve.encode_point(&eph_pub);
    let a = transmit(
        STEP_AGREE,
        &general_authenticate(0x83, &eph_pub_enc, false)?,
    )?;
    expect(STEP_AGREE, &a)?;
    let chip_eph_enc = answer_object(STEP_AGREE, &a.data, 0x84)?;
    let chip_eph = curve
        .decode_point(&chip_eph_enc)
        .map_err(|e| PaceError::BadResponse {
            step: STEP_AGREE,
            what: format!("chip's ephemeral key: {e}"),
        })?;
    if chip_eph == eph_pub {
        return Err(PaceError::BadResponse {
            step: STEP_AGREE,
            what: "the chip echoed the terminal's ephemeral key".into(),
        });
    }
    let shared = curve
        .mul_point(&eph_key, &chip_eph)
        .ok_or(PaceError::BadResponse {
            step: STEP_AGREE,
            what: "the shared secret is infinity".into(),
        })?;
    let k = fixed_be(&shared.x, curve.field_len());
    let ks_enc = kdf(&k, 1, cipher);
    let ks_mac = kdf(&k, 2, cipher);

    // 5. Mutual authentication.
    let token = |point: &[u8]| {
        auth_token(cipher, &ks_mac, &token_input(&info.oid, point))
            .ok_or(PaceError::Unsupported("token MAC key length".into()))
    };
    let ours = token(&chip_eph_enc)?;
    let a = transmit(STEP_TOKENS, &general_authenticate(0x85, &ours, true)?)?;
    expect(STEP_TOKENS, &a)?;
    let theirs = answer_object(STEP_TOKENS, &a.data, 0x86)?;
    if theirs != token(&eph_pub_enc)? {
        return Err(PaceError::BadResponse {
            step: STEP_TOKENS,
            what: "the chip's authentication token does not verify".into(),
        });
    }
    let sm = session(cipher, &ks_enc, &ks_mac)
        .ok_or_else(|| PaceError::Unsupported("session key length".into()))?;
    Ok(Established {
        sm,
        description: format!(
            "PACE ({}, ECDH-GM, {}, {curve_name})",
            password.kind(),
            cipher.name()
        ),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
