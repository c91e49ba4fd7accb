//! Signature verification for the algorithms found on ICAO documents and their PKI:
//! RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA (X9.62 DER and BSI TR-03111 plain `r‖s` encodings) on
//! named or explicit curves.

use super::HashAlgorithm;
use super::weierstrass::{self, CurveError};
use crate::lds::tlv::{Tlv, TlvReader};
use der::Encode;
use ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1::DecodeRsaPublicKey;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use thiserror::Error;

/// Why a signature could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// The signature algorithm OID is not one we implement.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The algorithm (e.g. `rsaEncryption`) does not name a hash and none was given.
    #[error("signature algorithm {0} names no hash algorithm")]
    MissingDigest(String),
    /// The algorithm's parameters are malformed or unsupported.
    #[error("signature algorithm parameters: {0}")]
    BadParameters(String),
    /// The key type does not fit the signature algorithm, or is unknown.
    #[error("public key algorithm {key} cannot verify {scheme}")]
    KeyMismatch {
        /// The key's algorithm OID.
        key: String,
        /// The signature scheme.
        scheme: String,
    },
    /// The public key is malformed.
    #[error("public key rejected: {0}")]
    BadPublicKey(String),
    /// The curve named by the key is not supported.
    #[error("unsupported elliptic curve {0}")]
    UnsupportedCurve(String),
    /// The explicit curve or the point failed validation, or the signature is malformed.
    #[error(transparent)]
    Curve(#[from] CurveError),
    /// The signature is malformed.
    #[error("malformed {scheme} signature")]
    MalformedSignature {
        /// The signature scheme.
        scheme: String,
    },
    /// The signature does not match the message and key.
    #[error("{scheme} signature does not match")]
    Mismatch {
        /// The signature scheme.
        scheme: String,
    },
}

/// A signature scheme with its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    RsaPkcs1(HashAlgorithm),
    RsaPss { hash: HashAlgorithm, salt: usize },
    Ecdsa { hash: HashAlgorithm, plain: bool },
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RsaPkcs1(h) => write!(f, "RSA PKCS#1 v1.5 with {h}"),
            Self::RsaPss { hash, salt } => write!(f, "RSASSA-PSS with {hash} (salt {salt})"),
            Self::Ecdsa { hash, plain } => {
                write!(
                    f,
                    "ECDSA{} with {hash}",
                    if *plain { " (plain)" } else { "" }
                )
            }
        }
    }
}

const RSA_KEY: &str = "1.2.840.113549.1.1.1";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const EC_KEY: &str = "1.2.840.10045.2.1";

fn scheme(
    alg: &AlgorithmIdentifierOwned,
    hint: Option<HashAlgorithm>,
) -> Result<Scheme, SignatureError> {
    use HashAlgorithm::*;
    let oid = alg.oid.to_string();
    let need =
        |h: Option<HashAlgorithm>| h.ok_or_else(|| SignatureError::MissingDigest(oid.clone()));
    Ok(match oid.as_str() {
        RSA_KEY => Scheme::RsaPkcs1(need(hint)?),
        "1.2.840.113549.1.1.5" => Scheme::RsaPkcs1(Sha1),
        "1.2.840.113549.1.1.14" => Scheme::RsaPkcs1(Sha224),
        "1.2.840.113549.1.1.11" => Scheme::RsaPkcs1(Sha256),
        "1.2.840.113549.1.1.12" => Scheme::RsaPkcs1(Sha384),
        "1.2.840.113549.1.1.13" => Scheme::RsaPkcs1(Sha512),
        RSA_PSS => pss_params(alg)?,
        EC_KEY => Scheme::Ecdsa {
            hash: need(hint)?,
            plain: false,
        },
        "1.2.840.10045.4.1" => Scheme::Ecdsa {
            hash: Sha1,
            plain: false,
        },
        "1.2.840.10045.4.3.1" => Scheme::Ecdsa {
            hash: Sha224,
            plain: false,
        },
        "1.2.840.10045.4.3.2" => Scheme::Ecdsa {
            hash: Sha256,
            plain: false,
        },
        "1.2.840.10045.4.3.3" => Scheme::Ecdsa {
            hash: Sha384,
            plain: false,
        },
        "1.2.840.10045.4.3.4" => Scheme::Ecdsa {
            hash: Sha512,
            plain: false,
        },
        // BSI TR-03111 ecdsa-plain-SHA*.
        "0.4.0.127.0.7.1.1.4.1.1" => Scheme::Ecdsa {
            hash: Sha1,
            plain: true,
        },
        "0.4.0.127.0.7.1.1.4.1.2" => Scheme::Ecdsa {
            hash: Sha224,
            plain: true,
        },
        "0.4.0.127.0.7.1.1.4.1.3" => Scheme::Ecdsa {
            hash: Sha256,
            plain: true,
        },
        "0.4.0.127.0.7.1.1.4.1.4" => Scheme::Ecdsa {
            hash: Sha384,
            plain: true,
        },
        "0.4.0.127.0.7.1.1.4.1.5" => Scheme::Ecdsa {
            hash: Sha512,
            plain: true,
        },
        _ => return Err(SignatureError::UnsupportedAlgorithm(oid)),
    })
}

fn any_der(any: Option<&der::Any>) -> Option<Vec<u8>> {
    any.and_then(|a| a.to_der().ok())
}

fn hash_of_alg_id(t: Tlv<'_>) -> Result<HashAlgorithm, SignatureError> {
    let bad = |what: &str| SignatureError::BadParameters(format!("RSASSA-PSS: {what}"));
    let oid = t.children().expect(0x06).map_err(|e| bad(&e.to_string()))?;
    let oid = crate::lds::oid_from_content(oid.value).ok_or_else(|| bad("malformed OID"))?;
    HashAlgorithm::from_oid(&oid).ok_or_else(|| bad(&format!("unsupported hash {oid}")))
}

/// `RSASSA-PSS-params` (RFC 4055): defaults SHA-1, MGF1-SHA-1, salt 20.
fn pss_params(alg: &AlgorithmIdentifierOwned) -> Result<Scheme, SignatureError> {
    let bad = |what: String| SignatureError::BadParameters(format!("RSASSA-PSS: {what}"));
    let mut hash = HashAlgorithm::Sha1;
    let mut mgf_hash = HashAlgorithm::Sha1;
    let mut salt = 20usize;
    if let Some(der) = any_der(alg.parameters.as_ref()) {
        let mut outer = TlvReader::new(&der);
        let seq = outer.read().map_err(|e| bad(e.to_string()))?;
        if seq.tag.0 == 0x30 {
            for item in seq.children() {
                let field = item.map_err(|e| bad(e.to_string()))?;
                let inner = field.children().read().map_err(|e| bad(e.to_string()))?;
                match field.tag.0 {
                    0xA0 => hash = hash_of_alg_id(inner)?,
                    0xA1 => {
                        let mut m = inner.children();
                        let mgf = m.expect(0x06).map_err(|e| bad(e.to_string()))?;
                        if mgf.value != [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08] {
                            return Err(bad("mask generation function is not MGF1".into()));
                        }
                        let h = m.expect(0x30).map_err(|e| bad(e.to_string()))?;
                        mgf_hash = hash_of_alg_id(h)?;
                    }
                    0xA2 => {
                        salt = crate::lds::small_uint(inner.value)
                            .and_then(|v| usize::try_from(v).ok())
                            .ok_or_else(|| bad("salt length is not a small INTEGER".into()))?;
                    }
                    0xA3 if inner.value != [1] => {
                        return Err(bad("trailer field is not 1".into()));
                    }
                    _ => {}
                }
            }
        } else if seq.tag.0 != 0x05 {
            return Err(bad(format!("parameters have tag {}", seq.tag)));
        }
    }
    if mgf_hash != hash {
        return Err(bad(format!(
            "MGF1 with {mgf_hash} differs from the message hash {hash} (not supported)"
        )));
    }
    Ok(Scheme::RsaPss { hash, salt })
}

/// Verifies `signature` over `message` with the key `key` under `algorithm`.
///
/// `digest_hint` supplies the hash when the algorithm does not name one (CMS signer infos often
/// say just `rsaEncryption` or `id-ecPublicKey` and give the hash in `digestAlgorithm`).
/// On success returns a description of what was verified, for reports
/// (e.g. "ECDSA with SHA-512 on brainpoolP512r1 (explicit parameters)").
pub fn verify_signature(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    digest_hint: Option<HashAlgorithm>,
    message: &[u8],
    signature: &[u8],
) -> Result<String, SignatureError> {
    let scheme = scheme(algorithm, digest_hint)?;
    let key_oid = key.algorithm.oid.to_string();
    let mismatch = || SignatureError::KeyMismatch {
        key: key_oid.clone(),
        scheme: scheme.to_string(),
    };
    let key_bytes = key.subject_public_key.raw_bytes();
    match scheme {
        Scheme::RsaPkcs1(hash) | Scheme::RsaPss { hash, .. } => {
            if key_oid != RSA_KEY && key_oid != RSA_PSS {
                return Err(mismatch());
            }
            let rsa_key = rsa::PublicKey::from_pkcs1_der(key_bytes)
                .map_err(|e| SignatureError::BadPublicKey(format!("RSA: {e}")))?;
            let digest = hash.digest(message);
            let result = match scheme {
                Scheme::RsaPss { salt, .. } => verify_pss(&rsa_key, hash, salt, &digest, signature),
                _ => verify_pkcs1(&rsa_key, hash, &digest, signature),
            };
            result.map_err(|_| SignatureError::Mismatch {
                scheme: scheme.to_string(),
            })?;
            Ok(format!(
                "{scheme}, RSA-{}",
                rsa::traits::PublicKeyParts::n(&rsa_key).bit_width()
            ))
        }
        Scheme::Ecdsa { hash, plain } => {
            if key_oid != EC_KEY {
                return Err(mismatch());
            }
            let digest = hash.digest(message);
            let curve = verify_ecdsa(key, key_bytes, &digest, signature, plain, scheme)?;
            Ok(format!("{scheme} on {curve}"))
        }
    }
}

fn verify_pkcs1(
    key: &rsa::PublicKey,
    hash: HashAlgorithm,
    digest: &[u8],
    sig: &[u8],
) -> rsa::Result<()> {
    use rsa::Pkcs1v15Sign as P;
    let padding = match hash {
        HashAlgorithm::Sha1 => P::new::<sha1::Sha1>(),
        HashAlgorithm::Sha224 => P::new::<sha2::Sha224>(),
        HashAlgorithm::Sha256 => P::new::<sha2::Sha256>(),
        HashAlgorithm::Sha384 => P::new::<sha2::Sha384>(),
        HashAlgorithm::Sha512 => P::new::<sha2::Sha512>(),
    };
    key.verify(padding, digest, sig)
}

fn verify_pss(
    key: &rsa::PublicKey,
    hash: HashAlgorithm,
    salt: usize,
    digest: &[u8],
    sig: &[u8],
) -> rsa::Result<()> {
    use rsa::Pss;
    match hash {
        HashAlgorithm::Sha1 => key.verify(Pss::<sha1::Sha1>::new_with_salt(salt), digest, sig),
        HashAlgorithm::Sha224 => key.verify(Pss::<sha2::Sha224>::new_with_salt(salt), digest, sig),
        HashAlgorithm::Sha256 => key.verify(Pss::<sha2::Sha256>::new_with_salt(salt), digest, sig),
        HashAlgorithm::Sha384 => key.verify(Pss::<sha2::Sha384>::new_with_salt(salt), digest, sig),
        HashAlgorithm::Sha512 => key.verify(Pss::<sha2::Sha512>::new_with_salt(salt), digest, sig),
    }
}

macro_rules! ecdsa_with_crate {
    ($curve:ty, $point:expr, $digest:expr, $sig:expr, $plain:expr, $scheme:expr) => {{
        let vk = ecdsa::VerifyingKey::<$curve>::from_sec1_bytes($point)
            .map_err(|_| SignatureError::BadPublicKey("EC point is not on the curve".into()))?;
        let sig = if $plain {
            ecdsa::Signature::<$curve>::from_slice($sig)
        } else {
            ecdsa::Signature::<$curve>::from_der($sig)
        }
        .map_err(|_| SignatureError::MalformedSignature {
            scheme: $scheme.to_string(),
        })?;
        vk.verify_prehash($digest, &sig)
            .map_err(|_| SignatureError::Mismatch {
                scheme: $scheme.to_string(),
            })
    }};
}

/// Returns the curve's description on success.
fn verify_ecdsa(
    key: &SubjectPublicKeyInfoOwned,
    point: &[u8],
    digest: &[u8],
    sig: &[u8],
    plain: bool,
    scheme: Scheme,
) -> Result<String, SignatureError> {
    let params = any_der(key.algorithm.parameters.as_ref()).ok_or_else(|| {
        SignatureError::BadPublicKey("EC key without domain parameters (implicitCA)".into())
    })?;
    let (tlv, _) = crate::lds::tlv::read_tlv(&params)
        .map_err(|e| SignatureError::BadPublicKey(format!("EC parameters: {e}")))?;
    let (name, curve) = match tlv.tag.0 {
        0x06 => {
            let oid = crate::lds::oid_from_content(tlv.value)
                .ok_or_else(|| SignatureError::BadPublicKey("malformed curve OID".into()))?
                .to_string();
            match oid.as_str() {
                "1.2.840.10045.3.1.7" => {
                    ecdsa_with_crate!(p256::NistP256, point, digest, sig, plain, scheme)?;
                    return Ok("P-256".into());
                }
                "1.3.132.0.34" => {
                    ecdsa_with_crate!(p384::NistP384, point, digest, sig, plain, scheme)?;
                    return Ok("P-384".into());
                }
                "1.3.132.0.35" => {
                    ecdsa_with_crate!(p521::NistP521, point, digest, sig, plain, scheme)?;
                    return Ok("P-521".into());
                }
                "1.3.36.3.3.2.8.1.1.7" => {
                    ecdsa_with_crate!(bp256::BrainpoolP256r1, point, digest, sig, plain, scheme)?;
                    return Ok("brainpoolP256r1".into());
                }
                "1.3.36.3.3.2.8.1.1.11" => {
                    ecdsa_with_crate!(bp384::BrainpoolP384r1, point, digest, sig, plain, scheme)?;
                    return Ok("brainpoolP384r1".into());
                }
                _ => {
                    let (name, curve) = weierstrass::named_curve_shared(&oid)
                        .ok_or(SignatureError::UnsupportedCurve(oid))?;
                    (name.to_string(), curve)
                }
            }
        }
        0x30 => {
            // Validated once per distinct encoding per process (or recognised as a named
            // curve), not on every verification.
            let validated = weierstrass::validated_explicit_parameters(tlv.raw)?;
            let curve = validated.params;
            let name = validated.name.map_or_else(
                || format!("a {}-bit curve (explicit parameters)", curve.field_bits()),
                |n| format!("{n} (explicit parameters)"),
            );
            (name, curve)
        }
        _ => {
            return Err(SignatureError::BadPublicKey(format!(
                "EC parameters with tag {}",
                tlv.tag
            )));
        }
    };
    let q = curve.decode_point(point)?;
    curve.validate_public_key(&q)?;
    let (r, s) = if plain {
        weierstrass::split_plain_signature(sig)?
    } else {
        weierstrass::parse_der_signature(sig)?
    };
    curve
        .verify_prehash(&q, digest, &r, &s)
        .map_err(|e| match e {
            CurveError::BadSignature => SignatureError::Mismatch {
                scheme: scheme.to_string(),
            },
            other => SignatureError::Curve(other),
        })?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/testdata/ecdsa/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn alg(oid: &str) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: const_oid::ObjectIdentifier::new(oid).unwrap(),
            parameters: None,
        }
    }

    #[test]
    fn brainpool_p512r1_with_explicit_parameters() {
        let key =
            SubjectPublicKeyInfoOwned::from_der(&fixture("bp512r1-explicit.spki.der")).unwrap();
        let msg = fixture("message.txt");
        let sig = fixture("bp512r1-explicit.sha512.sig");
        let what = verify_signature(&key, &alg("1.2.840.10045.4.3.4"), None, &msg, &sig).unwrap();
        assert_eq!(
            what,
            "ECDSA with SHA-512 on brainpoolP512r1 (explicit parameters)"
        );
        // SHA-1 digest (shorter than the order) through id-ecPublicKey + hint.
        let sig1 = fixture("bp512r1-explicit.sha1.sig");
        verify_signature(&key, &alg(EC_KEY), Some(HashAlgorithm::Sha1), &msg, &sig1).unwrap();

        let mut tampered = msg.clone();
        tampered[0] ^= 1;
        assert!(matches!(
            verify_signature(&key, &alg("1.2.840.10045.4.3.4"), None, &tampered, &sig),
            Err(SignatureError::Mismatch { .. })
        ));
        let mut bad_sig = sig.clone();
        let last = bad_sig.len() - 1;
        bad_sig[last] ^= 1;
        assert!(matches!(
            verify_signature(&key, &alg("1.2.840.10045.4.3.4"), None, &msg, &bad_sig),
            Err(SignatureError::Mismatch { .. })
        ));
        assert!(matches!(
            verify_signature(&key, &alg("1.2.840.10045.4.3.4"), None, &msg, &[0x30, 0x00]),
            Err(SignatureError::Curve(CurveError::MalformedSignature(_)))
        ));
    }

    #[test]
    fn explicit_parameters_with_a_tampered_base_point_are_rejected() {
        let mut der = fixture("bp512r1-explicit.spki.der");
        // Flip a byte inside the base point (offset 237 is the base OCTET STRING, see asn1parse).
        der[300] ^= 0x01;
        let key = SubjectPublicKeyInfoOwned::from_der(&der).unwrap();
        let err = verify_signature(
            &key,
            &alg("1.2.840.10045.4.3.4"),
            None,
            &fixture("message.txt"),
            &fixture("bp512r1-explicit.sha512.sig"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("not on the curve"),
            "unexpected error: {err}"
        );
    }

    #[test]
    fn brainpool_p256r1_named_via_crate_and_explicit_via_generic_agree() {
        let msg = fixture("message.txt");
        let sig = fixture("bp256r1.sha256.sig");
        let named =
            SubjectPublicKeyInfoOwned::from_der(&fixture("bp256r1-named.spki.der")).unwrap();
        let explicit =
            SubjectPublicKeyInfoOwned::from_der(&fixture("bp256r1-explicit.spki.der")).unwrap();
        let a = alg("1.2.840.10045.4.3.2");
        assert_eq!(
            verify_signature(&named, &a, None, &msg, &sig).unwrap(),
            "ECDSA with SHA-256 on brainpoolP256r1"
        );
        assert_eq!(
            verify_signature(&explicit, &a, None, &msg, &sig).unwrap(),
            "ECDSA with SHA-256 on brainpoolP256r1 (explicit parameters)"
        );
        let mut tampered = msg;
        tampered[3] ^= 0x40;
        assert!(verify_signature(&named, &a, None, &tampered, &sig).is_err());
        assert!(verify_signature(&explicit, &a, None, &tampered, &sig).is_err());
    }

    #[test]
    fn unknown_algorithms_and_key_mismatch_are_named() {
        let key = SubjectPublicKeyInfoOwned::from_der(&fixture("bp256r1-named.spki.der")).unwrap();
        assert_eq!(
            verify_signature(&key, &alg("1.2.3.4"), None, b"", b""),
            Err(SignatureError::UnsupportedAlgorithm("1.2.3.4".into()))
        );
        assert_eq!(
            verify_signature(&key, &alg(RSA_KEY), None, b"", b""),
            Err(SignatureError::MissingDigest(RSA_KEY.into()))
        );
        assert!(matches!(
            verify_signature(&key, &alg("1.2.840.113549.1.1.11"), None, b"", b""),
            Err(SignatureError::KeyMismatch { .. })
        ));
    }

    /// DER `Ecdsa-Sig-Value` → plain `r || s` with each half `len` bytes.
    fn to_plain(der_sig: &[u8], len: usize) -> Vec<u8> {
        let (r, s) = weierstrass::parse_der_signature(der_sig).unwrap();
        let mut out = Vec::new();
        for v in [r, s] {
            let b = v.to_bytes_be();
            out.extend(std::iter::repeat_n(0, len - b.len()));
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn named_curves_through_crates_and_generic_code() {
        let msg = fixture("message.txt");
        let cases = [
            (
                "prime256v1",
                "sha256",
                "1.2.840.10045.4.3.2",
                "ECDSA with SHA-256 on P-256",
            ),
            (
                "secp384r1",
                "sha384",
                "1.2.840.10045.4.3.3",
                "ECDSA with SHA-384 on P-384",
            ),
            (
                "secp521r1",
                "sha512",
                "1.2.840.10045.4.3.4",
                "ECDSA with SHA-512 on P-521",
            ),
            (
                "brainpoolP384r1",
                "sha384",
                "1.2.840.10045.4.3.3",
                "ECDSA with SHA-384 on brainpoolP384r1",
            ),
        ];
        for (curve, md, oid, expected) in cases {
            let key = SubjectPublicKeyInfoOwned::from_der(&fixture(&format!("{curve}.spki.der")))
                .unwrap();
            let sig = fixture(&format!("{curve}.{md}.sig"));
            assert_eq!(
                verify_signature(&key, &alg(oid), None, &msg, &sig).unwrap(),
                expected
            );
            assert!(verify_signature(&key, &alg(oid), None, b"other", &sig).is_err());
        }
        // brainpoolP512r1 by OID goes to the generic implementation.
        let key = SubjectPublicKeyInfoOwned::from_der(&fixture("bp512r1-named.spki.der")).unwrap();
        let sig = fixture("bp512r1.sha256.sig");
        assert_eq!(
            verify_signature(&key, &alg("1.2.840.10045.4.3.2"), None, &msg, &sig).unwrap(),
            "ECDSA with SHA-256 on brainpoolP512r1"
        );
    }

    #[test]
    fn plain_signatures_bsi_tr_03111() {
        let msg = fixture("message.txt");
        let key = SubjectPublicKeyInfoOwned::from_der(&fixture("prime256v1.spki.der")).unwrap();
        let plain = to_plain(&fixture("prime256v1.sha256.sig"), 32);
        assert_eq!(
            verify_signature(&key, &alg("0.4.0.127.0.7.1.1.4.1.3"), None, &msg, &plain).unwrap(),
            "ECDSA (plain) with SHA-256 on P-256"
        );
        let key =
            SubjectPublicKeyInfoOwned::from_der(&fixture("bp512r1-explicit.spki.der")).unwrap();
        let plain = to_plain(&fixture("bp512r1-explicit.sha512.sig"), 64);
        verify_signature(&key, &alg("0.4.0.127.0.7.1.1.4.1.5"), None, &msg, &plain).unwrap();
        assert!(
            verify_signature(
                &key,
                &alg("0.4.0.127.0.7.1.1.4.1.5"),
                None,
                &msg,
                &plain[1..]
            )
            .is_err()
        );
    }
}
