//! Active Authentication (ICAO 9303-11 §6.1): the chip proves that it holds the private key
//! whose public key is in DG15 (which EF.SOD signs), by signing a random challenge. A chip
//! copied byte for byte has the data but not the key: this is the anti-cloning check.
//!
//! - RSA keys: ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery. The
//!   chip answers `Σ`; `Σ^e mod n` must read `6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer`, with the
//!   trailer `BC` (SHA-1) or `xx CC` (`33` SHA-1, `38` SHA-224, `34` SHA-256, `36` SHA-384,
//!   `35` SHA-512).
//! - EC keys: ECDSA over the challenge with the algorithm that DG14's
//!   `ActiveAuthenticationInfo` names (BSI TR-03111 plain `r ‖ s`, e.g. ecdsa-plain-SHA256),
//!   through [`crate::crypto::verify_signature`].
//!
//! This module judges bytes: the chip's answer, the DG15 key it must verify with, and what DG14
//! says about the algorithm. Sending INTERNAL AUTHENTICATE is [`crate::protocol::active`]'s part, and the
//! reader decides when; the split keeps the verification testable with stored vectors
//! (`testdata/aa/`) and no chip at all.

use crate::crypto::{HashAlgorithm, SignatureError, verify_signature};
use crate::lds::dg14::{Dg14, SecurityInfoKind};
use crate::lds::dg15::Dg15;
use crate::lds::tlv::TlvReader;
use crate::protocol::active::AaOutcome;
use crate::verify::presence;
use crate::verify::{Check, CheckResult, Status};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use spki::AlgorithmIdentifierOwned;
use thiserror::Error;

const RSA_KEY: &str = "1.2.840.113549.1.1.1";
const EC_KEY: &str = "1.2.840.10045.2.1";

/// Why the chip's Active Authentication answer was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AaError {
    /// The DG15 key is of a type this crate cannot verify (DSA, …) or is malformed.
    #[error("Active Authentication key not supported: {0}")]
    UnsupportedKey(String),
    /// An EC key, but DG14 names no (or an unknown) signature algorithm for it.
    #[error("Active Authentication algorithm not supported: {0}")]
    UnsupportedAlgorithm(String),
    /// The RSA answer is not as long as the modulus.
    #[error("the RSA signature has {got} bytes, the {bits}-bit key needs {expected}")]
    BadLength {
        /// Bytes received.
        got: usize,
        /// The modulus length in bytes.
        expected: usize,
        /// The modulus length in bits.
        bits: usize,
    },
    /// The RSA answer, read as a number, is not below the modulus.
    #[error("the RSA signature is not smaller than the modulus")]
    OutOfRange,
    /// The recovered block does not start with `6A` (9796-2 scheme 1, partial recovery).
    #[error(
        "ISO/IEC 9796-2: the recovered block starts with {0:02X}, expected 6A (partial recovery)"
    )]
    BadHeader(u8),
    /// The recovered block ends with an unknown trailer.
    #[error("ISO/IEC 9796-2: unknown trailer {0} (expected BC or xxCC)")]
    BadTrailer(String),
    /// The trailer names a hash function that is not supported.
    #[error("ISO/IEC 9796-2: trailer {0:02X}CC names an unsupported hash function")]
    UnknownHashId(u8),
    /// The recovered block is too short for the hash and trailer.
    #[error("ISO/IEC 9796-2: the recovered block is too short for {0}")]
    TooShort(HashAlgorithm),
    /// The hash in the recovered block is not the hash of `M1 ‖ challenge`.
    #[error("ISO/IEC 9796-2 with {0}: the signed hash does not match this challenge")]
    HashMismatch(HashAlgorithm),
    /// The raw RSA operation failed.
    #[error("RSA: {0}")]
    Rsa(String),
    /// The ECDSA signature does not verify, or is malformed.
    #[error("ECDSA: {0}")]
    Ecdsa(SignatureError),
}

impl AaError {
    /// Whether this is evidence against the chip (as opposed to: we cannot check this kind of
    /// key or algorithm).
    pub fn is_failure(&self) -> bool {
        match self {
            Self::UnsupportedKey(_) | Self::UnsupportedAlgorithm(_) | Self::Rsa(_) => false,
            Self::Ecdsa(e) => matches!(
                e,
                SignatureError::Mismatch { .. }
                    | SignatureError::MalformedSignature { .. }
                    | SignatureError::Curve(
                        crate::crypto::weierstrass::CurveError::BadSignature
                            | crate::crypto::weierstrass::CurveError::MalformedSignature(_)
                    )
            ),
            _ => true,
        }
    }
}

/// The signature algorithm OID (dotted) of DG14's `ActiveAuthenticationInfo`, if any:
/// `SEQUENCE { id-AA, version INTEGER, signatureAlgorithm OID }`.
pub fn aa_signature_algorithm(dg14: &Dg14) -> Option<String> {
    dg14.infos
        .iter()
        .filter(|i| i.kind == SecurityInfoKind::ActiveAuthentication)
        .find_map(|info| {
            let seq = TlvReader::new(&info.raw).expect(0x30).ok()?;
            seq.children()
                .filter_map(Result::ok)
                .filter(|t| t.tag.0 == 0x06)
                .nth(1)
                .and_then(|t| crate::lds::oid_from_content(t.value))
                .map(|o| o.to_string())
        })
}

/// Verifies the chip's answer `response` to `challenge` with the DG15 key (and, for EC keys,
/// the algorithm DG14 names). Returns a description of what was verified.
pub fn verify_active_authentication(
    dg15: &Dg15,
    dg14: Option<&Dg14>,
    challenge: &[u8],
    response: &[u8],
) -> Result<String, AaError> {
    match dg15.algorithm().as_str() {
        RSA_KEY => {
            let key =
                rsa::PublicKey::from_pkcs1_der(dg15.public_key.subject_public_key.raw_bytes())
                    .map_err(|e| AaError::UnsupportedKey(format!("RSA key in DG15: {e}")))?;
            let hash = verify_iso9796_2(&key, challenge, response)?;
            Ok(format!(
                "ISO/IEC 9796-2 scheme 1 with {hash}, RSA-{}",
                key.n().bit_width()
            ))
        }
        EC_KEY => {
            let oid = dg14.and_then(aa_signature_algorithm).ok_or_else(|| {
                AaError::UnsupportedAlgorithm(
                    "EC key in DG15 but no ActiveAuthenticationInfo in DG14 names the ECDSA algorithm"
                        .into(),
                )
            })?;
            let algorithm = AlgorithmIdentifierOwned {
                oid: const_oid::ObjectIdentifier::new(&oid)
                    .map_err(|e| AaError::UnsupportedAlgorithm(format!("{oid}: {e}")))?,
                parameters: None,
            };
            verify_signature(&dg15.public_key, &algorithm, None, challenge, response).map_err(|e| {
                match e {
                    SignatureError::UnsupportedAlgorithm(_)
                    | SignatureError::UnsupportedCurve(_)
                    | SignatureError::KeyMismatch { .. }
                    | SignatureError::MissingDigest(_) => {
                        AaError::UnsupportedAlgorithm(e.to_string())
                    }
                    other => AaError::Ecdsa(other),
                }
            })
        }
        other => Err(AaError::UnsupportedKey(format!(
            "DG15 key algorithm {other} (neither RSA nor EC)"
        ))),
    }
}

/// ISO/IEC 9796-2 digital signature scheme 1, partial message recovery, with `challenge` as the
/// non-recoverable part `M2`. Returns the hash function the trailer named.
pub fn verify_iso9796_2(
    key: &rsa::PublicKey,
    challenge: &[u8],
    signature: &[u8],
) -> Result<HashAlgorithm, AaError> {
    let n_bytes = key.n_bytes();
    let k = n_bytes.len();
    let bits = usize::try_from(key.n().bit_width()).unwrap_or(usize::MAX);
    if signature.len() != k {
        return Err(AaError::BadLength {
            got: signature.len(),
            expected: k,
            bits,
        });
    }
    // Big-endian byte strings of equal length compare like the numbers.
    if signature >= &n_bytes[..] {
        return Err(AaError::OutOfRange);
    }
    let precision = key.n().bits_precision();
    let s = rsa::BoxedUint::from_be_slice(signature, precision)
        .map_err(|e| AaError::Rsa(format!("signature: {e:?}")))?;
    let f = rsa::hazmat::rsa_encrypt(key, &s).map_err(|e| AaError::Rsa(e.to_string()))?;
    let mut block = fixed_len(&f.to_be_bytes(), k);
    // ISO/IEC 9796-2 lets the signer send min(Σ, n − Σ): when the block does not end in the
    // nibble C of both trailers (BC, xxCC), n − F is the block.
    if block.last().is_none_or(|b| b & 0x0F != 0x0C) {
        let n: &rsa::BoxedUint = key.n().as_ref();
        // F = Σ^e mod n < n, so n − F does not wrap.
        let alt = fixed_len(&n.wrapping_sub(&f).to_be_bytes(), k);
        if alt.last().is_some_and(|b| b & 0x0F == 0x0C) {
            block = alt;
        }
    }
    let header = block.first().copied().unwrap_or(0);
    if header != 0x6A {
        return Err(AaError::BadHeader(header));
    }
    let (hash, trailer_len) = match block.as_slice() {
        [.., 0xBC] => (HashAlgorithm::Sha1, 1),
        [.., id, 0xCC] => (
            match id {
                0x33 => HashAlgorithm::Sha1,
                0x38 => HashAlgorithm::Sha224,
                0x34 => HashAlgorithm::Sha256,
                0x36 => HashAlgorithm::Sha384,
                0x35 => HashAlgorithm::Sha512,
                other => return Err(AaError::UnknownHashId(*other)),
            },
            2,
        ),
        [.., a, b] => return Err(AaError::BadTrailer(format!("{a:02X}{b:02X}"))),
        _ => return Err(AaError::BadTrailer("(none)".into())),
    };
    let hlen = hash.output_len();
    let hash_start = k
        .checked_sub(trailer_len + hlen)
        .filter(|start| *start > 1)
        .ok_or(AaError::TooShort(hash))?;
    let m1 = block.get(1..hash_start).ok_or(AaError::TooShort(hash))?;
    let embedded = block
        .get(hash_start..k - trailer_len)
        .ok_or(AaError::TooShort(hash))?;
    let mut m = m1.to_vec();
    m.extend_from_slice(challenge);
    if hash.digest(&m) != embedded {
        return Err(AaError::HashMismatch(hash));
    }
    Ok(hash)
}

/// `bytes` as exactly `k` bytes: leading zeros dropped or added.
fn fixed_len(bytes: &[u8], k: usize) -> Vec<u8> {
    if bytes.len() >= k {
        bytes.get(bytes.len() - k..).unwrap_or(&[]).to_vec()
    } else {
        let mut out = vec![0u8; k - bytes.len()];
        out.extend_from_slice(bytes);
        out
    }
}

/// The check result for an Active Authentication outcome.
pub fn active_authentication_check(
    outcome: &AaOutcome,
    dg15: Option<&Dg15>,
    dg14: Option<&Dg14>,
) -> CheckResult {
    let (status, vi, en) = match (outcome, dg15) {
        (AaOutcome::NotAvailable, _) | (AaOutcome::Answer { .. }, None) => (
            Status::NotChecked,
            "Không thực hiện: thẻ không có khóa xác thực chủ động (DG15).".to_string(),
            "not available: the card has no Active Authentication key (DG15)".to_string(),
        ),
        (AaOutcome::Withheld(why), _) => (
            Status::Failed,
            format!(
                "Chip không trả về khóa xác thực chủ động (DG15) dù dữ liệu bảo mật (EF.SOD) của cơ quan cấp thẻ có nhóm này (chip trả lời {}): chip có thể đã bị sao chép.",
                presence::answer_vi(*why)
            ),
            format!(
                "EF.SOD lists DG15 but the chip answered {}: it withholds the Active Authentication key (ICAO 9303 never protects DG15)",
                presence::answer_en(*why)
            ),
        ),
        (AaOutcome::BadDg15(e), _) => (
            Status::Unverifiable,
            "Không thực hiện được: không đọc được khóa xác thực chủ động (DG15).".to_string(),
            format!("not supported: DG15 does not parse ({e})"),
        ),
        (AaOutcome::Refused(sw), _) => (
            Status::Failed,
            "Chip từ chối ký mã thử thách dù thẻ có khóa xác thực chủ động (DG15): chip có thể đã bị sao chép.".to_string(),
            format!(
                "the chip refused INTERNAL AUTHENTICATE ({sw:04X}) although DG15 holds an Active Authentication key"
            ),
        ),
        (
            AaOutcome::Answer {
                challenge,
                response,
            },
            Some(dg15),
        ) => match verify_active_authentication(dg15, dg14, challenge, response) {
            Ok(what) => (
                Status::Passed,
                "Chip đã ký đúng mã thử thách ngẫu nhiên bằng khóa bí mật ứng với DG15: chip không phải bản sao.".to_string(),
                format!("the chip signed the challenge with the DG15 key ({what})"),
            ),
            Err(e) if e.is_failure() => (
                Status::Failed,
                "Chữ ký của chip không khớp với khóa trong DG15: chip có thể đã bị sao chép.".to_string(),
                format!(
                    "the chip's answer to INTERNAL AUTHENTICATE does not verify with the DG15 key: {e}"
                ),
            ),
            Err(e) => (
                Status::Unverifiable,
                "Không kiểm tra được: loại khóa hoặc thuật toán xác thực chủ động của thẻ chưa được hỗ trợ.".to_string(),
                format!("not supported: {e}"),
            ),
        },
    };
    CheckResult::new(Check::ActiveAuthentication, status, vi, en)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;
    use crate::testing::fixtures::testdata;

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(testdata(&format!("aa/{name}"))).unwrap()
    }

    fn dg15(spki: &str) -> Dg15 {
        crate::lds::dg15::parse_dg15(&crate::lds::tlv::encode(0x6F, &read(spki))).unwrap()
    }

    fn rsa_key() -> rsa::PublicKey {
        let spki = read("vec-rsa.spki.der");
        let dg = dg15("vec-rsa.spki.der");
        assert!(!spki.is_empty());
        rsa::PublicKey::from_pkcs1_der(dg.public_key.subject_public_key.raw_bytes()).unwrap()
    }

    #[test]
    fn good_9796_2_signatures_verify_with_every_trailer() {
        let key = rsa_key();
        let challenge = read("challenge.bin");
        for (file, hash) in [
            ("sha1.sig", HashAlgorithm::Sha1),
            ("sha1-33cc.sig", HashAlgorithm::Sha1),
            ("sha256.sig", HashAlgorithm::Sha256),
            ("sha384.sig", HashAlgorithm::Sha384),
            ("sha512.sig", HashAlgorithm::Sha512),
        ] {
            assert_eq!(
                verify_iso9796_2(&key, &challenge, &read(file)),
                Ok(hash),
                "{file}"
            );
        }
        let what = verify_active_authentication(
            &dg15("vec-rsa.spki.der"),
            None,
            &challenge,
            &read("sha1.sig"),
        )
        .unwrap();
        assert_eq!(what, "ISO/IEC 9796-2 scheme 1 with SHA-1, RSA-1024");
    }

    #[test]
    fn the_complement_signature_n_minus_sigma_verifies() {
        // ISO/IEC 9796-2 allows the card to send min(Σ, n − Σ).
        use num_bigint::BigUint;
        let key = rsa_key();
        let n = BigUint::from_bytes_be(&key.n_bytes());
        let sig = BigUint::from_bytes_be(&read("sha1.sig"));
        let mut other = (n - sig).to_bytes_be();
        while other.len() < 128 {
            other.insert(0, 0);
        }
        assert_eq!(
            verify_iso9796_2(&key, &read("challenge.bin"), &other),
            Ok(HashAlgorithm::Sha1)
        );
    }

    #[test]
    fn bad_9796_2_signatures_name_what_failed() {
        let key = rsa_key();
        let challenge = read("challenge.bin");
        let good = read("sha1.sig");
        let err = |c: &[u8], s: &[u8]| verify_iso9796_2(&key, c, s).unwrap_err();

        // Another challenge: a replayed answer.
        let mut other = challenge.clone();
        other[0] ^= 1;
        assert_eq!(
            err(&other, &good),
            AaError::HashMismatch(HashAlgorithm::Sha1)
        );
        assert_eq!(
            err(&challenge, &read("bad-hash.sig")),
            AaError::HashMismatch(HashAlgorithm::Sha1)
        );
        assert_eq!(
            err(&challenge, &read("bad-header.sig")),
            AaError::BadHeader(0x5A)
        );
        assert_eq!(
            err(&challenge, &read("no-recovery.sig")),
            AaError::BadHeader(0x4A)
        );
        let e = err(&challenge, &read("bad-trailer.sig"));
        assert!(
            matches!(&e, AaError::BadTrailer(t) if t.ends_with("BD")),
            "{e}"
        );
        assert!(e.to_string().contains("unknown trailer"), "{e}");
        assert_eq!(
            err(&challenge, &read("unknown-hash-id.sig")),
            AaError::UnknownHashId(0x39)
        );
        // Truncated, too long, empty.
        assert_eq!(
            err(&challenge, &good[..127]),
            AaError::BadLength {
                got: 127,
                expected: 128,
                bits: 1024
            }
        );
        let mut long = good.clone();
        long.push(0);
        assert!(matches!(
            err(&challenge, &long),
            AaError::BadLength { got: 129, .. }
        ));
        assert!(matches!(
            err(&challenge, &[]),
            AaError::BadLength { got: 0, .. }
        ));
        // Not below the modulus.
        assert_eq!(err(&challenge, &[0xFF; 128]), AaError::OutOfRange);
        // Random garbage of the right length: some error, never a panic.
        for b in [0x00u8, 0x01, 0x5A, 0x7F] {
            let e = err(&challenge, &[b; 128]);
            assert!(e.is_failure(), "{e}");
        }
        // A flipped bit anywhere fails.
        for i in [0, 1, 64, 127] {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            assert!(
                verify_iso9796_2(&key, &challenge, &bad).is_err(),
                "byte {i}"
            );
        }
    }

    fn dg14_with_aa(alg: &str) -> Dg14 {
        let oid = |d: &str| {
            const_oid::ObjectIdentifier::new(d)
                .unwrap()
                .as_bytes()
                .to_vec()
        };
        let mut w = TlvWriter::new();
        w.nested(0x6E, |w| {
            w.nested(0x31, |w| {
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("2.23.136.1.1.5"));
                    w.put(0x02, &[1]);
                    w.put(0x06, &oid(alg));
                });
            });
        });
        crate::lds::dg14::parse_dg14(&w.into_bytes()).unwrap()
    }

    #[test]
    fn ecdsa_active_authentication_uses_the_dg14_algorithm() {
        let key = dg15("vec-p256.spki.der");
        let challenge = read("challenge.bin");
        let sig = read("p256-plain-sha256.sig");
        let dg14 = dg14_with_aa("0.4.0.127.0.7.1.1.4.1.3");
        assert_eq!(
            aa_signature_algorithm(&dg14).as_deref(),
            Some("0.4.0.127.0.7.1.1.4.1.3")
        );
        let what = verify_active_authentication(&key, Some(&dg14), &challenge, &sig).unwrap();
        assert!(what.contains("ECDSA (plain) with SHA-256"), "{what}");

        let mut other = challenge.clone();
        other[7] ^= 1;
        let e = verify_active_authentication(&key, Some(&dg14), &other, &sig).unwrap_err();
        assert!(e.is_failure(), "{e}");
        let e =
            verify_active_authentication(&key, Some(&dg14), &challenge, &sig[..63]).unwrap_err();
        assert!(e.is_failure(), "{e}");
        // SHA-384 named: the same signature does not verify.
        let dg14_384 = dg14_with_aa("0.4.0.127.0.7.1.1.4.1.4");
        let e = verify_active_authentication(&key, Some(&dg14_384), &challenge, &sig).unwrap_err();
        assert!(e.is_failure(), "{e}");
        // No algorithm in DG14: not supported, not a failure.
        let e = verify_active_authentication(&key, None, &challenge, &sig).unwrap_err();
        assert!(!e.is_failure(), "{e}");
        assert!(e.to_string().contains("ActiveAuthenticationInfo"), "{e}");
    }

    #[test]
    fn check_results_for_each_outcome() {
        let rsa = dg15("vec-rsa.spki.der");
        let challenge: [u8; 8] = read("challenge.bin").try_into().unwrap();
        let good = AaOutcome::Answer {
            challenge,
            response: read("sha1.sig"),
        };
        let c = active_authentication_check(&good, Some(&rsa), None);
        assert_eq!(c.check, Check::ActiveAuthentication);
        assert_eq!(c.status, Status::Passed, "{}", c.detail_en);

        let bad = AaOutcome::Answer {
            challenge,
            response: read("bad-header.sig"),
        };
        let c = active_authentication_check(&bad, Some(&rsa), None);
        assert_eq!(c.status, Status::Failed);
        assert!(c.detail_en.contains("starts with 5A"), "{}", c.detail_en);
        assert!(c.detail_vi.contains("sao chép"), "{}", c.detail_vi);

        let c = active_authentication_check(&AaOutcome::NotAvailable, None, None);
        assert_eq!(c.status, Status::NotChecked);
        assert!(c.detail_en.contains("DG15"), "{}", c.detail_en);
        assert!(c.detail_vi.contains("DG15"), "{}", c.detail_vi);

        let c = active_authentication_check(&AaOutcome::Refused(0x6D00), Some(&rsa), None);
        assert_eq!(c.status, Status::Failed);
        assert!(c.detail_en.contains("6D00"), "{}", c.detail_en);
    }
}
