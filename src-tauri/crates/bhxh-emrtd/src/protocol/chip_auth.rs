//! Chip Authentication (ICAO 9303-11 §6.2): proves that the chip holds the private key whose
//! public key DG14 carries (so DG14's integrity, checked by passive authentication, vouches for
//! the chip), and replaces the session keys with stronger ones.
//!
//! The terminal sends an ephemeral public key on the domain parameters of the chip's static
//! key; both sides compute `K` = the x-coordinate of the shared point and new session keys
//! `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` with the cipher of the CA protocol, SSC zero.
//! Authentication is implicit: a chip without the private key cannot MAC its next answer.
//!
//! - version 1 (3DES only): `MSE:Set KAT` with `91` the ephemeral key;
//! - version 2: `MSE:Set AT` with `80` the protocol OID, then `GENERAL AUTHENTICATE` with
//!   `7C { 80 key }`.
//!
//! Supported: ECDH (`id-CA-ECDH-*`, `id-PK-ECDH`) on a named curve (brainpool or NIST, by OID),
//! the standardised parameters (`id-StandardizedDomainParameters` with an id) or explicit
//! parameters. DH keys are reported as not supported.

use num_bigint::BigUint;

use crate::crypto::weierstrass::{AffinePoint, CurveParams, parse_ec_parameters, standard_curve};
use crate::lds::card_access::PaceCipher;
use crate::lds::dg14::{Dg14, SecurityInfoKind};
use crate::lds::tlv::{self, TlvReader};
use crate::protocol::read_binary::Unavailable;

/// `id-CA-ECDH` = 0.4.0.127.0.7.2.2.3.2, as OID content bytes.
const ID_CA_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02];
/// `id-PK-ECDH` = 0.4.0.127.0.7.2.2.1.2.
const ID_PK_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02];
/// `id-ecPublicKey` = 1.2.840.10045.2.1.
const ID_EC_PUBLIC_KEY: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// `id-StandardizedDomainParameters` = 0.4.0.127.0.7.1.2 (BSI TR-03110).
const ID_STANDARDIZED: [u8; 7] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x02];

/// Everything needed to run Chip Authentication with one key of DG14.
#[derive(Debug, Clone)]
pub struct CaParams {
    /// The CA protocol OID (content bytes), sent in MSE:Set AT.
    pub oid: Vec<u8>,
    pub version: u64,
    pub key_id: Option<u64>,
    pub cipher: PaceCipher,
    pub curve_name: &'static str,
    pub curve: CurveParams,
    /// The chip's static public key.
    pub chip_key: AffinePoint,
}

/// What DG14 allows.
#[derive(Debug, Clone)]
pub enum CaPlan {
    /// DG14 offers no Chip Authentication.
    NotAvailable,
    /// It does, in a form this crate cannot run (the reason).
    Unsupported(String),
    Ready(Box<CaParams>),
}

fn cipher_of(oid: &[u8]) -> Option<PaceCipher> {
    match oid.strip_prefix(&ID_CA_ECDH)? {
        [1] => Some(PaceCipher::Tdes),
        [2] => Some(PaceCipher::Aes128),
        [3] => Some(PaceCipher::Aes192),
        [4] => Some(PaceCipher::Aes256),
        _ => None,
    }
}

fn uint(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 8 || value.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(value.iter().fold(0u64, |a, b| a << 8 | u64::from(*b)))
}

/// The named curves a CA key may name by OID (content bytes) → standardised id.
fn named_curve_id(oid: &[u8]) -> Option<u32> {
    const NAMED: [(&[u8], u32); 11] = [
        (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x01], 8), // prime192v1
        (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x03], 9), // brainpoolP192r1
        (&[0x2B, 0x81, 0x04, 0x00, 0x21], 10),                  // secp224r1
        (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x05], 11), // brainpoolP224r1
        (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07], 12), // prime256v1
        (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07], 13), // brainpoolP256r1
        (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x09], 14), // brainpoolP320r1
        (&[0x2B, 0x81, 0x04, 0x00, 0x22], 15),                  // secp384r1
        (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0B], 16), // brainpoolP384r1
        (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0D], 17), // brainpoolP512r1
        (&[0x2B, 0x81, 0x04, 0x00, 0x23], 18),                  // secp521r1
    ];
    NAMED.iter().find(|(o, _)| *o == oid).map(|(_, id)| *id)
}

/// The curve and public point of a `SubjectPublicKeyInfo` (ECDH key).
fn ec_key(spki: &[u8]) -> Result<(&'static str, CurveParams, AffinePoint), String> {
    let spki = tlv::read_single(spki, 0x30).map_err(|e| format!("key: {e}"))?;
    let mut fields = spki.children();
    let alg = match fields.next() {
        Some(Ok(t)) if t.tag.0 == 0x30 => t,
        _ => return Err("key without its AlgorithmIdentifier".into()),
    };
    let bits = match fields.next() {
        Some(Ok(t)) if t.tag.0 == 0x03 => t.value,
        _ => return Err("key without its BIT STRING".into()),
    };
    let mut a = alg.children();
    let oid = match a.next() {
        Some(Ok(t)) if t.tag.0 == 0x06 => t.value,
        _ => return Err("AlgorithmIdentifier without an OID".into()),
    };
    let params = a.next().and_then(Result::ok);
    let (name, curve) = if oid == ID_EC_PUBLIC_KEY {
        match params {
            Some(p) if p.tag.0 == 0x06 => named_curve_id(p.value)
                .and_then(standard_curve)
                .ok_or_else(|| "a named curve this reader does not know".to_string())?,
            Some(p) if p.tag.0 == 0x30 => {
                let curve = parse_ec_parameters(p.raw).map_err(|e| e.to_string())?;
                curve.validate().map_err(|e| e.to_string())?;
                ("explicit parameters", curve)
            }
            _ => return Err("EC key without domain parameters".into()),
        }
    } else if oid == ID_STANDARDIZED {
        match params {
            Some(p) if p.tag.0 == 0x02 => uint(p.value)
                .and_then(|id| u32::try_from(id).ok())
                .and_then(standard_curve)
                .ok_or_else(|| "unknown standardised domain parameters".to_string())?,
            _ => return Err("standardised domain parameters without an id".into()),
        }
    } else {
        return Err("not an elliptic-curve key (DH keys are not supported)".into());
    };
    let point = match bits.split_first() {
        Some((0, point)) => point,
        _ => return Err("key BIT STRING with unused bits".into()),
    };
    let key = curve.decode_point(point).map_err(|e| format!("key: {e}"))?;
    curve
        .validate_public_key(&key)
        .map_err(|e| format!("key: {e}"))?;
    Ok((name, curve, key))
}

/// Chooses the Chip Authentication DG14 offers: an `id-CA-ECDH-*` info with its matching
/// `id-PK-ECDH` key (by key id, or the only ones).
pub fn plan(dg14: &Dg14) -> CaPlan {
    let field = |raw: &[u8], n: usize| -> Option<(u32, Vec<u8>)> {
        let seq = tlv::read_single(raw, 0x30).ok()?;
        let t = TlvReader::new(seq.value).nth(n)?.ok()?;
        Some((t.tag.0, t.raw.to_vec()))
    };
    let value = |raw: &[u8], n: usize| -> Option<(u32, Vec<u8>)> {
        let seq = tlv::read_single(raw, 0x30).ok()?;
        let t = TlvReader::new(seq.value).nth(n)?.ok()?;
        Some((t.tag.0, t.value.to_vec()))
    };
    let infos: Vec<_> = dg14
        .infos
        .iter()
        .filter(|i| i.kind == SecurityInfoKind::ChipAuthentication)
        .collect();
    let keys: Vec<_> = dg14
        .infos
        .iter()
        .filter(|i| i.kind == SecurityInfoKind::ChipAuthenticationPublicKey)
        .collect();
    if infos.is_empty() && keys.is_empty() {
        return CaPlan::NotAvailable;
    }
    let mut reasons = Vec::new();
    for info in &infos {
        let Some((_, oid)) = value(&info.raw, 0) else {
            continue;
        };
        let Some(cipher) = cipher_of(&oid) else {
            reasons.push(format!("{} is not supported", info.name));
            continue;
        };
        let version = info.version.unwrap_or(0);
        if !(version == 2 || (version == 1 && cipher == PaceCipher::Tdes)) {
            reasons.push(format!("{} version {version} is not supported", info.name));
            continue;
        }
        let key_id = info.id;
        let key = keys.iter().find(|k| {
            let pk_oid = value(&k.raw, 0).map(|(_, v)| v);
            pk_oid.as_deref() == Some(&ID_PK_ECDH[..])
                && match key_id {
                    Some(id) => k.id == Some(id),
                    None => keys.len() == 1 || k.id.is_none(),
                }
        });
        let Some(key) = key else {
            reasons.push(format!("no ECDH public key for {}", info.name));
            continue;
        };
        let Some((0x30, spki)) = field(&key.raw, 1) else {
            reasons.push("the Chip Authentication key is not a SubjectPublicKeyInfo".into());
            continue;
        };
        match ec_key(&spki) {
            Ok((curve_name, curve, chip_key)) => {
                return CaPlan::Ready(Box::new(CaParams {
                    oid,
                    version,
                    key_id,
                    cipher,
                    curve_name,
                    curve,
                    chip_key,
                }));
            }
            Err(e) => reasons.push(e),
        }
    }
    if infos.is_empty() {
        reasons.push("DG14 has a Chip Authentication key but no ChipAuthenticationInfo".into());
    }
    CaPlan::Unsupported(reasons.join("; "))
}

/// What Chip Authentication came to, as the reader saw it; judged by
/// [`crate::verify::chip_auth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaOutcome {
    /// DG14 offers no Chip Authentication.
    NotAvailable,
    /// EF.SOD lists DG14, but the chip did not hand it out (`6A82` absent, `6982` protected).
    /// ICAO 9303 never protects DG14: a chip that withholds it hides its Chip Authentication
    /// key, which is what a copy without the key does.
    Withheld(Unavailable),
    /// DG14 offers it in a form this crate cannot run (the reason).
    Unsupported(String),
    /// The chip refused a step of the key agreement (the step and its status word).
    Refused { step: &'static str, sw: u16 },
    /// Under the new keys the chip answered, but not with EF.COM's bytes.
    WrongData {
        /// The protocol run (`ECDH, AES-128, brainpoolP256r1, version 2`).
        protocol: String,
    },
    /// Under the new keys the chip answered an error status: it did not agree them.
    NotAgreed {
        /// The status word.
        sw: u16,
        /// The protocol run.
        protocol: String,
    },
    /// The chip's answer does not verify under the new keys: it does not hold the DG14 private
    /// key.
    BadAnswer {
        /// The protocol run.
        protocol: String,
    },
    /// The chip answered EF.COM under the keys it agreed.
    Passed {
        /// The protocol run.
        protocol: String,
    },
}

/// The commands that send the ephemeral key `encoded` (plain; the reader protects them).
pub fn commands(p: &CaParams, encoded: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let key_id = p
        .key_id
        .map(|id| tlv::encode(0x84, &BigUint::from(id).to_bytes_be()))
        .unwrap_or_default();
    let apdu = |header: [u8; 4], data: Vec<u8>, le: bool| {
        let mut cmd = header.to_vec();
        cmd.push(u8::try_from(data.len()).unwrap_or(0));
        cmd.extend(data);
        if le {
            cmd.push(0x00);
        }
        cmd
    };
    if p.version == 1 {
        let mut data = tlv::encode(0x91, encoded);
        data.extend(key_id);
        vec![(
            "Chip Authentication: MSE:Set KAT",
            apdu([0x00, 0x22, 0x41, 0xA6], data, false),
        )]
    } else {
        let mut at = tlv::encode(0x80, &p.oid);
        at.extend(key_id);
        let ga = tlv::encode(0x7C, &tlv::encode(0x80, encoded));
        vec![
            (
                "Chip Authentication: MSE:Set AT",
                apdu([0x00, 0x22, 0x41, 0xA4], at, false),
            ),
            (
                "Chip Authentication: GENERAL AUTHENTICATE",
                apdu([0x00, 0x86, 0x00, 0x00], ga, true),
            ),
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;

    fn oid(dotted: &str) -> Vec<u8> {
        const_oid::ObjectIdentifier::new(dotted)
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    /// DG14 with a CA info (`ca_oid`, `version`, `key_id`) and a P-256 key from openssl
    /// (`testdata/ecdsa`'s public key would do as well; any valid point is enough here).
    fn dg14(ca_oid: &str, version: u8, key_id: Option<u8>, spki: &[u8]) -> Dg14 {
        let mut w = TlvWriter::new();
        w.nested(0x6E, |w| {
            w.nested(0x31, |w| {
                w.nested(0x30, |w| {
                    w.put(0x06, &oid(ca_oid));
                    w.put(0x02, &[version]);
                    if let Some(id) = key_id {
                        w.put(0x02, &[id]);
                    }
                });
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("0.4.0.127.0.7.2.2.1.2"));
                    w.put_raw(spki);
                    if let Some(id) = key_id {
                        w.put(0x02, &[id]);
                    }
                });
            });
        });
        crate::lds::dg14::parse_dg14(&w.into_bytes()).unwrap()
    }

    /// A brainpoolP256r1 SubjectPublicKeyInfo for the point k·G.
    fn spki(k: u32) -> (Vec<u8>, AffinePoint) {
        let (_, curve) = standard_curve(13).unwrap();
        let point = curve
            .mul_point(&BigUint::from(k), &curve.base_point())
            .unwrap();
        let mut bits = vec![0];
        bits.extend(curve.encode_point(&point));
        let mut w = TlvWriter::new();
        w.nested(0x30, |w| {
            w.nested(0x30, |w| {
                w.put(0x06, &oid("1.2.840.10045.2.1"));
                w.put(0x06, &oid("1.3.36.3.3.2.8.1.1.7"));
            });
            w.put(0x03, &bits);
        });
        (w.into_bytes(), point)
    }

    #[test]
    fn dg14_gives_the_protocol_and_the_key() {
        let (key, point) = spki(12345);
        let dg = dg14("0.4.0.127.0.7.2.2.3.2.2", 2, None, &key);
        let CaPlan::Ready(p) = plan(&dg) else {
            panic!("{:?}", plan(&dg));
        };
        assert_eq!(p.cipher, PaceCipher::Aes128);
        assert_eq!((p.version, p.key_id), (2, None));
        assert_eq!(p.curve_name, "brainpoolP256r1");
        assert_eq!(p.chip_key, point);
        let cmds = commands(&p, &[0x04, 1, 2]);
        assert_eq!(
            hex::encode_upper(&cmds[0].1),
            "002241A40C800A04007F00070202030202"
        );
        assert_eq!(hex::encode_upper(&cmds[1].1), "00860000077C05800304010200");
        // Version 1 with 3DES and a key id: MSE:Set KAT.
        let dg = dg14("0.4.0.127.0.7.2.2.3.2.1", 1, Some(7), &key);
        let CaPlan::Ready(p) = plan(&dg) else {
            panic!()
        };
        let cmds = commands(&p, &[0x04, 1, 2]);
        assert_eq!(cmds.len(), 1);
        assert_eq!(
            hex::encode_upper(&cmds[0].1),
            "002241A608910304010284 0107".replace(' ', "")
        );
    }

    #[test]
    fn what_cannot_be_run_is_said() {
        let (key, _) = spki(99);
        // AES with version 1 does not exist.
        let dg = dg14("0.4.0.127.0.7.2.2.3.2.2", 1, None, &key);
        assert!(matches!(plan(&dg), CaPlan::Unsupported(r) if r.contains("version 1")));
        // DH.
        let dg = dg14("0.4.0.127.0.7.2.2.3.1.2", 2, None, &key);
        assert!(matches!(plan(&dg), CaPlan::Unsupported(r) if r.contains("not supported")));
        // A key off the curve.
        let mut bad = key.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        let dg = dg14("0.4.0.127.0.7.2.2.3.2.2", 2, None, &bad);
        assert!(matches!(plan(&dg), CaPlan::Unsupported(r) if r.contains("curve")));
        // Key ids that do not match.
        let mut w = TlvWriter::new();
        w.nested(0x6E, |w| {
            w.nested(0x31, |w| {
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("0.4.0.127.0.7.2.2.3.2.2"));
                    w.put(0x02, &[2]);
                    w.put(0x02, &[1]);
                });
                w.nested(0x30, |w| {
                    w.put(0x06, &oid("0.4.0.127.0.7.2.2.1.2"));
                    w.put_raw(&key);
                    w.put(0x02, &[2]);
                });
            });
        });
        let dg = crate::lds::dg14::parse_dg14(&w.into_bytes()).unwrap();
        assert!(matches!(plan(&dg), CaPlan::Unsupported(r) if r.contains("no ECDH public key")));
        // No CA at all.
        let empty = crate::lds::dg14::parse_dg14(&[0x6E, 0x02, 0x31, 0x00]).unwrap();
        assert!(matches!(plan(&empty), CaPlan::NotAvailable));
    }
}
