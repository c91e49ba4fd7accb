//! ECDSA verification over any short-Weierstrass curve `y² = x³ + ax + b` over a prime field,
//! given its parameters explicitly.
//!
//! Why this exists: the Vietnamese CSCA ("CSCA ePassport Vietnam") uses brainpoolP512r1 with
//! **explicit** `ECParameters` in its `SubjectPublicKeyInfo` (BSI TR-03111 style), and no crate
//! offers brainpoolP512r1, let alone explicit parameters. Certificates with explicit parameters
//! are parsed with [`parse_ec_parameters`]; before any verification the parameters are either
//! recognised as an embedded named curve or checked with [`CurveParams::validate`] (a forged
//! certificate could otherwise bring a weak curve of its own).
//!
//! Verification only: the inputs are public, so constant time is not a goal. Points are added in
//! Jacobian coordinates over a Montgomery-form field (`crypto/montgomery.rs`); `u1·G + u2·Q` is
//! computed in one pass (Shamir's trick). Validated explicit parameters are remembered per
//! process ([`validated_explicit_parameters`]).

use super::montgomery::{Fe, MontField};
use crate::lds::tlv::{Tlv, TlvReader};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use thiserror::Error;

/// Why curve parameters, a point or a signature were rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CurveError {
    /// The `ECParameters` structure is malformed.
    #[error("ECParameters: {0}")]
    Malformed(String),
    /// The field is not a prime field (characteristic-two curves are not supported).
    #[error("ECParameters: field type {0} is not prime-field (1.2.840.10045.1.1)")]
    NotPrimeField(String),
    /// A parameter check failed.
    #[error("curve parameters rejected: {0}")]
    InvalidParameters(&'static str),
    /// A point encoding is malformed or the point is not on the curve.
    #[error("EC point rejected: {0}")]
    InvalidPoint(&'static str),
    /// A signature is malformed.
    #[error("ECDSA signature encoding: {0}")]
    MalformedSignature(&'static str),
    /// The signature does not verify.
    #[error("ECDSA signature does not match")]
    BadSignature,
}

/// The largest field accepted (bits).
const MAX_FIELD_BITS: u64 = 1024;

/// Explicit curve parameters (SEC 1 §C.2 / RFC 3279 `ECParameters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurveParams {
    /// The field prime.
    pub p: BigUint,
    /// Coefficient `a`.
    pub a: BigUint,
    /// Coefficient `b`.
    pub b: BigUint,
    /// Base point x.
    pub gx: BigUint,
    /// Base point y.
    pub gy: BigUint,
    /// Order of the base point.
    pub n: BigUint,
    /// Cofactor, if given.
    pub h: Option<BigUint>,
}

/// An affine point (never the point at infinity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffinePoint {
    /// x coordinate.
    pub x: BigUint,
    /// y coordinate.
    pub y: BigUint,
}

/// Named curves without a RustCrypto crate (or used to recognise explicit parameters), as the
/// explicit `ECParameters` DER that `openssl ecparam -param_enc explicit` prints.
const NAMED: &[(&str, &str, &[u8])] = &[
    (
        "brainpoolP512r1",
        "1.3.36.3.3.2.8.1.1.13",
        include_bytes!("curves/brainpoolP512r1.der"),
    ),
    (
        "brainpoolP320r1",
        "1.3.36.3.3.2.8.1.1.9",
        include_bytes!("curves/brainpoolP320r1.der"),
    ),
    (
        "brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.7",
        include_bytes!("curves/brainpoolP256r1.der"),
    ),
    (
        "brainpoolP224r1",
        "1.3.36.3.3.2.8.1.1.5",
        include_bytes!("curves/brainpoolP224r1.der"),
    ),
    (
        "secp224r1",
        "1.3.132.0.33",
        include_bytes!("curves/secp224r1.der"),
    ),
];

/// The embedded named curves, parsed once per process: `(name, oid, params)`. Their parameters
/// are checked with [`CurveParams::validate`] by the unit tests
/// (`embedded_named_curves_are_valid`), so at run time they are trusted constants, like the
/// curves of the RustCrypto crates.
fn named_curves() -> &'static [(&'static str, &'static str, Arc<CurveParams>)] {
    static PARSED: OnceLock<Vec<(&'static str, &'static str, Arc<CurveParams>)>> = OnceLock::new();
    PARSED.get_or_init(|| {
        NAMED
            .iter()
            .filter_map(|(name, oid, der)| {
                parse_ec_parameters(der)
                    .ok()
                    .map(|p| (*name, *oid, Arc::new(p)))
            })
            .collect()
    })
}

/// The parameters of a named curve this module knows, by OID: `(name, params)`.
pub fn named_curve(oid: &str) -> Option<(&'static str, CurveParams)> {
    named_curve_shared(oid).map(|(name, p)| (name, (*p).clone()))
}

/// [`named_curve`] without the copy.
pub(crate) fn named_curve_shared(oid: &str) -> Option<(&'static str, Arc<CurveParams>)> {
    named_curves()
        .iter()
        .find(|(_, o, _)| *o == oid)
        .map(|(name, _, p)| (*name, Arc::clone(p)))
}

/// The standardised ECDH domain parameters by id (ICAO 9303-11 §9.5.1, Table 6), which
/// EF.CardAccess (PACE) and DG14 (Chip Authentication) name by number.
pub fn standard_curve(parameter_id: u32) -> Option<(&'static str, CurveParams)> {
    let (name, der): (&'static str, &[u8]) = match parameter_id {
        8 => ("secp192r1", include_bytes!("curves/secp192r1.der")),
        9 => (
            "brainpoolP192r1",
            include_bytes!("curves/brainpoolP192r1.der"),
        ),
        10 => ("secp224r1", include_bytes!("curves/secp224r1.der")),
        11 => (
            "brainpoolP224r1",
            include_bytes!("curves/brainpoolP224r1.der"),
        ),
        12 => ("secp256r1", include_bytes!("curves/secp256r1.der")),
        13 => (
            "brainpoolP256r1",
            include_bytes!("curves/brainpoolP256r1.der"),
        ),
        14 => (
            "brainpoolP320r1",
            include_bytes!("curves/brainpoolP320r1.der"),
        ),
        15 => ("secp384r1", include_bytes!("curves/secp384r1.der")),
        16 => (
            "brainpoolP384r1",
            include_bytes!("curves/brainpoolP384r1.der"),
        ),
        17 => (
            "brainpoolP512r1",
            include_bytes!("curves/brainpoolP512r1.der"),
        ),
        18 => ("secp521r1", include_bytes!("curves/secp521r1.der")),
        _ => return None,
    };
    parse_ec_parameters(der).ok().map(|p| (name, p))
}

/// Explicit parameters fit for verification: equal to a known named curve, or validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedCurve {
    /// The parameters.
    pub params: Arc<CurveParams>,
    /// The named curve they equal, if any (`brainpoolP512r1`).
    pub name: Option<&'static str>,
}

/// How many distinct explicit parameter encodings [`validated_explicit_parameters`] remembers.
/// Real PKIs use one or two curves; past the limit, parameters are simply validated every time.
const VALIDATED_CACHE_LIMIT: usize = 16;

fn validated_cache() -> &'static Mutex<HashMap<Vec<u8>, ValidatedCurve>> {
    static CACHE: OnceLock<Mutex<HashMap<Vec<u8>, ValidatedCurve>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Parses DER explicit `ECParameters` and makes sure they are fit for verification:
///
/// - parameters equal to an embedded named curve (all of p, a, b, G, n, and the cofactor when
///   given) get that curve's constants without further checks;
/// - any other parameters go through [`CurveParams::validate`] (primality of p and n, n·G, …).
///
/// Accepted results are remembered for the process, keyed by the **exact** encoding (at most
/// `VALIDATED_CACHE_LIMIT` of them), so a CSCA's parameters are validated once, not on every
/// read. Rejections are never remembered: a set that differs from a remembered one in any byte
/// is parsed and checked from scratch.
pub fn validated_explicit_parameters(der: &[u8]) -> Result<ValidatedCurve, CurveError> {
    // A poisoned lock only means another thread panicked while holding it; the map itself is
    // only ever changed by a single `insert` of an already validated entry.
    let lock = || {
        validated_cache()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(hit) = lock().get(der) {
        return Ok(hit.clone());
    }
    let parsed = parse_ec_parameters(der)?;
    let validated = match parsed.identify_shared() {
        Some((name, known)) => ValidatedCurve {
            params: known,
            name: Some(name),
        },
        None => {
            parsed.validate()?;
            ValidatedCurve {
                params: Arc::new(parsed),
                name: None,
            }
        }
    };
    let mut cache = lock();
    if cache.len() < VALIDATED_CACHE_LIMIT {
        cache.insert(der.to_vec(), validated.clone());
    }
    Ok(validated)
}

fn int(t: Tlv<'_>) -> Result<BigUint, CurveError> {
    if t.tag.0 != 0x02 {
        return Err(CurveError::Malformed(format!(
            "expected INTEGER at offset {}, found tag {}",
            t.offset, t.tag
        )));
    }
    if t.value.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(CurveError::Malformed(format!(
            "negative INTEGER at offset {}",
            t.offset
        )));
    }
    Ok(BigUint::from_bytes_be(t.value))
}

fn malformed(e: crate::lds::tlv::TlvError) -> CurveError {
    CurveError::Malformed(e.to_string())
}

/// Parses a DER `ECParameters` SEQUENCE (explicit form).
pub fn parse_ec_parameters(der: &[u8]) -> Result<CurveParams, CurveError> {
    let mut outer = TlvReader::new(der);
    let seq = outer.expect(0x30).map_err(malformed)?;
    let mut r = seq.children();
    let version = int(r.read().map_err(malformed)?)?;
    if version != BigUint::one() {
        return Err(CurveError::Malformed(format!(
            "ECParameters version {version}, expected 1"
        )));
    }
    let field_id = r.expect(0x30).map_err(malformed)?;
    let mut f = field_id.children();
    let field_type = f.expect(0x06).map_err(malformed)?;
    let field_oid = crate::lds::oid_from_content(field_type.value)
        .map(|o| o.to_string())
        .unwrap_or_else(|| "(malformed OID)".into());
    if field_oid != "1.2.840.10045.1.1" {
        return Err(CurveError::NotPrimeField(field_oid));
    }
    let p = int(f.read().map_err(malformed)?)?;
    let curve = r.expect(0x30).map_err(malformed)?;
    let mut c = curve.children();
    let a = BigUint::from_bytes_be(c.expect(0x04).map_err(malformed)?.value);
    let b = BigUint::from_bytes_be(c.expect(0x04).map_err(malformed)?.value);
    let base = r.expect(0x04).map_err(malformed)?;
    let n = int(r.read().map_err(malformed)?)?;
    let h = match r.next() {
        Some(t) => Some(int(t.map_err(malformed)?)?),
        None => None,
    };
    let mut params = CurveParams {
        p,
        a,
        b,
        gx: BigUint::zero(),
        gy: BigUint::zero(),
        n,
        h,
    };
    if params.p.bits() < 2 {
        return Err(CurveError::InvalidParameters("field prime is too small"));
    }
    // No standard curve exceeds 521 bits; refuse absurd sizes before doing arithmetic on them.
    if params.p.bits() > MAX_FIELD_BITS || params.n.bits() > MAX_FIELD_BITS + 1 {
        return Err(CurveError::InvalidParameters(
            "field prime or order longer than 1024 bits",
        ));
    }
    let g = params.decode_point(base.value)?;
    params.gx = g.x;
    params.gy = g.y;
    Ok(params)
}

/// Parses a DER `Ecdsa-Sig-Value` (`SEQUENCE { r INTEGER, s INTEGER }`).
pub fn parse_der_signature(sig: &[u8]) -> Result<(BigUint, BigUint), CurveError> {
    let bad = |_| CurveError::MalformedSignature("not a DER SEQUENCE of two INTEGERs");
    let mut outer = TlvReader::new(sig);
    let seq = outer.expect(0x30).map_err(bad)?;
    outer
        .finish()
        .map_err(|_| CurveError::MalformedSignature("trailing bytes after the signature"))?;
    let mut r = seq.children();
    let rv = r.expect(0x02).map_err(bad)?;
    let sv = r.expect(0x02).map_err(bad)?;
    r.finish()
        .map_err(|_| CurveError::MalformedSignature("extra fields in the signature"))?;
    if rv.value.first().is_some_and(|b| b & 0x80 != 0)
        || sv.value.first().is_some_and(|b| b & 0x80 != 0)
    {
        return Err(CurveError::MalformedSignature("negative r or s"));
    }
    Ok((
        BigUint::from_bytes_be(rv.value),
        BigUint::from_bytes_be(sv.value),
    ))
}

/// Splits a plain (BSI TR-03111) `r || s` signature.
pub fn split_plain_signature(sig: &[u8]) -> Result<(BigUint, BigUint), CurveError> {
    if sig.is_empty() || !sig.len().is_multiple_of(2) {
        return Err(CurveError::MalformedSignature(
            "plain signature length is not even",
        ));
    }
    let (r, s) = sig.split_at(sig.len() / 2);
    Ok((BigUint::from_bytes_be(r), BigUint::from_bytes_be(s)))
}

/// Jacobian point over the Montgomery field; `z == 0` is the point at infinity.
#[derive(Debug, Clone, Copy)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Jacobian {
    fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }
}

/// An affine point over the Montgomery field.
#[derive(Debug, Clone, Copy)]
struct MontAffine {
    x: Fe,
    y: Fe,
}

/// The point arithmetic of one curve: its field and `a`, in Montgomery form.
struct Arith {
    f: MontField,
    a: Fe,
}

impl Arith {
    fn infinity(&self) -> Jacobian {
        Jacobian {
            x: self.f.one(),
            y: self.f.one(),
            z: self.f.zero(),
        }
    }

    fn affine(&self, pt: &AffinePoint) -> MontAffine {
        MontAffine {
            x: self.f.encode(&pt.x),
            y: self.f.encode(&pt.y),
        }
    }

    fn jacobian(&self, pt: &MontAffine) -> Jacobian {
        Jacobian {
            x: pt.x,
            y: pt.y,
            z: self.f.one(),
        }
    }

    fn double(&self, pt: &Jacobian) -> Jacobian {
        let f = &self.f;
        if pt.is_infinity() || pt.y.is_zero() {
            return self.infinity();
        }
        let xx = f.sqr(&pt.x);
        let yy = f.sqr(&pt.y);
        let yyyy = f.sqr(&yy);
        let zz = f.sqr(&pt.z);
        // s = 4·x·y², m = 3·x² + a·z⁴.
        let s = f.dbl(&f.dbl(&f.mul(&pt.x, &yy)));
        let m = f.add(&f.add(&f.dbl(&xx), &xx), &f.mul(&self.a, &f.sqr(&zz)));
        let x3 = f.sub(&f.sqr(&m), &f.dbl(&s));
        let y8 = f.dbl(&f.dbl(&f.dbl(&yyyy)));
        let y3 = f.sub(&f.mul(&m, &f.sub(&s, &x3)), &y8);
        let z3 = f.dbl(&f.mul(&pt.y, &pt.z));
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `p1 + p2` for a Jacobian `p1` and an affine `p2` (mixed addition: `z2 = 1`).
    fn add_affine(&self, p1: &Jacobian, p2: &MontAffine) -> Jacobian {
        let f = &self.f;
        if p1.is_infinity() {
            return self.jacobian(p2);
        }
        let z1z1 = f.sqr(&p1.z);
        let u2 = f.mul(&p2.x, &z1z1);
        let s2 = f.mul(&p2.y, &f.mul(&p1.z, &z1z1));
        if p1.x == u2 {
            return if p1.y == s2 {
                self.double(p1)
            } else {
                self.infinity()
            };
        }
        let h = f.sub(&u2, &p1.x);
        let r = f.sub(&s2, &p1.y);
        let hh = f.sqr(&h);
        let hhh = f.mul(&h, &hh);
        let v = f.mul(&p1.x, &hh);
        let x3 = f.sub(&f.sub(&f.sqr(&r), &hhh), &f.dbl(&v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.mul(&p1.y, &hhh));
        let z3 = f.mul(&h, &p1.z);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `k·pt` (left-to-right double-and-add).
    fn mul(&self, k: &BigUint, pt: &MontAffine) -> Jacobian {
        let mut acc = self.infinity();
        for i in (0..k.bits()).rev() {
            acc = self.double(&acc);
            if k.bit(i) {
                acc = self.add_affine(&acc, pt);
            }
        }
        acc
    }

    /// `k1·p1 + k2·p2` in one pass (Shamir's trick: one doubling per bit of the longer scalar
    /// instead of one per bit of each).
    fn mul_add(&self, k1: &BigUint, p1: &MontAffine, k2: &BigUint, p2: &MontAffine) -> Jacobian {
        let both = self.to_affine(&self.add_affine(&self.jacobian(p1), p2));
        let mut acc = self.infinity();
        for i in (0..k1.bits().max(k2.bits())).rev() {
            acc = self.double(&acc);
            acc = match (k1.bit(i), k2.bit(i)) {
                (true, true) => match &both {
                    Some(sum) => self.add_affine(&acc, sum),
                    // p1 = −p2: the joint term vanishes.
                    None => acc,
                },
                (true, false) => self.add_affine(&acc, p1),
                (false, true) => self.add_affine(&acc, p2),
                (false, false) => acc,
            };
        }
        acc
    }

    fn to_affine(&self, pt: &Jacobian) -> Option<MontAffine> {
        let f = &self.f;
        let zinv = f.invert(&pt.z)?;
        let zinv2 = f.sqr(&zinv);
        Some(MontAffine {
            x: f.mul(&pt.x, &zinv2),
            y: f.mul(&pt.y, &f.mul(&zinv2, &zinv)),
        })
    }
}

impl CurveParams {
    /// The bit length of the field prime.
    pub fn field_bits(&self) -> u64 {
        self.p.bits()
    }

    /// The name of the known curve these parameters equal, if any (`brainpoolP512r1`).
    pub fn identify(&self) -> Option<&'static str> {
        self.identify_shared().map(|(name, _)| name)
    }

    /// The known curve these parameters equal: p, a, b, G and n, and the cofactor unless it is
    /// omitted (it is optional in `ECParameters`).
    fn identify_shared(&self) -> Option<(&'static str, Arc<CurveParams>)> {
        named_curves().iter().find_map(|(name, _, known)| {
            let same = known.p == self.p
                && known.a == self.a
                && known.b == self.b
                && known.gx == self.gx
                && known.gy == self.gy
                && known.n == self.n
                && (self.h.is_none() || self.h == known.h);
            same.then(|| (*name, Arc::clone(known)))
        })
    }

    fn add_m(&self, a: &BigUint, b: &BigUint) -> BigUint {
        // Operands may be unreduced here (`b` before validation), so reduce when needed.
        let sum = a + b;
        if sum >= self.p { sum % &self.p } else { sum }
    }
    fn mul_m(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.p
    }

    /// `x³ + ax + b mod p`.
    fn rhs(&self, x: &BigUint) -> BigUint {
        let x2 = self.mul_m(x, x);
        let x3 = self.mul_m(&x2, x);
        let ax = self.mul_m(&self.a, x);
        self.add_m(&self.add_m(&x3, &ax), &self.b)
    }

    /// Whether `pt` satisfies the curve equation.
    pub fn is_on_curve(&self, pt: &AffinePoint) -> bool {
        pt.x < self.p && pt.y < self.p && self.mul_m(&pt.y, &pt.y) == self.rhs(&pt.x)
    }

    /// Decodes an uncompressed (`04 x y`) or, for `p ≡ 3 mod 4`, compressed (`02`/`03 x`)
    /// point and checks that it is on the curve.
    pub fn decode_point(&self, bytes: &[u8]) -> Result<AffinePoint, CurveError> {
        let len = usize::try_from(self.p.bits().div_ceil(8))
            .map_err(|_| CurveError::InvalidPoint("field too large"))?;
        let (&tag, rest) = bytes
            .split_first()
            .ok_or(CurveError::InvalidPoint("empty encoding"))?;
        let pt = match tag {
            0x04 => {
                if rest.len() != 2 * len {
                    return Err(CurveError::InvalidPoint(
                        "uncompressed point has the wrong length",
                    ));
                }
                let (x, y) = rest.split_at(len);
                AffinePoint {
                    x: BigUint::from_bytes_be(x),
                    y: BigUint::from_bytes_be(y),
                }
            }
            0x02 | 0x03 => {
                if rest.len() != len {
                    return Err(CurveError::InvalidPoint(
                        "compressed point has the wrong length",
                    ));
                }
                let x = BigUint::from_bytes_be(rest);
                if x >= self.p {
                    return Err(CurveError::InvalidPoint("x is not below the field prime"));
                }
                let four = BigUint::from(4u8);
                if &self.p % &four != BigUint::from(3u8) {
                    return Err(CurveError::InvalidPoint(
                        "compressed points are supported only when p ≡ 3 (mod 4)",
                    ));
                }
                let rhs = self.rhs(&x);
                let mut y = rhs.modpow(&((&self.p + BigUint::one()) / &four), &self.p);
                if self.mul_m(&y, &y) != rhs {
                    return Err(CurveError::InvalidPoint("x has no point on the curve"));
                }
                if y.bit(0) != (tag == 0x03) {
                    y = (&self.p - &y) % &self.p;
                }
                AffinePoint { x, y }
            }
            0x00 => return Err(CurveError::InvalidPoint("point at infinity")),
            _ => return Err(CurveError::InvalidPoint("unknown point format byte")),
        };
        if !self.is_on_curve(&pt) {
            return Err(CurveError::InvalidPoint("point is not on the curve"));
        }
        Ok(pt)
    }

    /// The Montgomery-form arithmetic of this curve (`p` must be odd, as every prime > 2 is).
    fn arith(&self) -> Result<Arith, CurveError> {
        let f = MontField::new(&self.p).ok_or(CurveError::InvalidParameters(
            "field modulus is even or longer than 1024 bits",
        ))?;
        let a = f.encode(&self.a);
        Ok(Arith { f, a })
    }

    fn generator(&self) -> AffinePoint {
        AffinePoint {
            x: self.gx.clone(),
            y: self.gy.clone(),
        }
    }

    /// `k·pt`; `None` for the point at infinity (or a field the arithmetic cannot take). Not
    /// constant time: see [`crate::protocol::pace`] for where that is acceptable.
    pub fn mul_point(&self, k: &BigUint, pt: &AffinePoint) -> Option<AffinePoint> {
        let arith = self.arith().ok()?;
        let r = arith.to_affine(&arith.mul(k, &arith.affine(pt)))?;
        Some(AffinePoint {
            x: arith.f.decode(&r.x),
            y: arith.f.decode(&r.y),
        })
    }

    /// `p + q`; `None` for the point at infinity.
    pub fn add_points(&self, p: &AffinePoint, q: &AffinePoint) -> Option<AffinePoint> {
        let arith = self.arith().ok()?;
        let sum = arith.add_affine(&arith.jacobian(&arith.affine(p)), &arith.affine(q));
        let r = arith.to_affine(&sum)?;
        Some(AffinePoint {
            x: arith.f.decode(&r.x),
            y: arith.f.decode(&r.y),
        })
    }

    /// The base point `G`.
    pub fn base_point(&self) -> AffinePoint {
        self.generator()
    }

    /// The byte length of a field element.
    pub fn field_len(&self) -> usize {
        usize::try_from(self.p.bits().div_ceil(8)).unwrap_or(usize::MAX)
    }

    /// `04 ‖ x ‖ y`, each coordinate on [`CurveParams::field_len`] bytes.
    pub fn encode_point(&self, pt: &AffinePoint) -> Vec<u8> {
        let mut out = vec![0x04];
        out.extend(fixed_be(&pt.x, self.field_len()));
        out.extend(fixed_be(&pt.y, self.field_len()));
        out
    }

    /// Checks the parameters: prime field of at least 160 bits, coefficients reduced,
    /// non-singular curve, base point on the curve, prime order of at least 160 bits that
    /// annihilates the base point, and a cofactor consistent with Hasse's bound.
    pub fn validate(&self) -> Result<(), CurveError> {
        use CurveError::InvalidParameters as Bad;
        if self.p.bits() < 160 {
            return Err(Bad("field prime shorter than 160 bits"));
        }
        if self.p.bits() > MAX_FIELD_BITS || self.n.bits() > MAX_FIELD_BITS + 1 {
            return Err(Bad("field prime or order longer than 1024 bits"));
        }
        if !is_probable_prime(&self.p) {
            return Err(Bad("field modulus is not prime"));
        }
        if self.a >= self.p || self.b >= self.p {
            return Err(Bad("coefficient a or b is not reduced modulo p"));
        }
        let a3 = self.mul_m(&self.mul_m(&self.a, &self.a), &self.a);
        let disc = self.add_m(
            &self.mul_m(&BigUint::from(4u8), &a3),
            &self.mul_m(&BigUint::from(27u8), &self.mul_m(&self.b, &self.b)),
        );
        if disc.is_zero() {
            return Err(Bad("singular curve (4a³ + 27b² = 0)"));
        }
        if !self.is_on_curve(&self.generator()) {
            return Err(Bad("base point is not on the curve"));
        }
        if self.n.bits() < 160 {
            return Err(Bad("order shorter than 160 bits"));
        }
        if !is_probable_prime(&self.n) {
            return Err(Bad("order is not prime"));
        }
        if let Some(h) = &self.h {
            // Hasse: |h·n − (p + 1)| ≤ 2√p, i.e. (h·n − (p + 1))² ≤ 4p.
            let hn = h * &self.n;
            let p1 = &self.p + BigUint::one();
            let diff = if hn > p1 { &hn - &p1 } else { &p1 - &hn };
            if &diff * &diff > BigUint::from(4u8) * &self.p {
                return Err(Bad("cofactor × order violates Hasse's bound"));
            }
        } else if &self.n * &self.n <= BigUint::from(16u8) * &self.p {
            return Err(Bad("order too small relative to the field (n ≤ 4√p)"));
        }
        let arith = self.arith()?;
        if !arith
            .mul(&self.n, &arith.affine(&self.generator()))
            .is_infinity()
        {
            return Err(Bad("order × base point is not the point at infinity"));
        }
        Ok(())
    }

    /// Checks a public key: on the curve (done by decoding), not infinity, and of order `n`
    /// when the cofactor is not 1.
    pub fn validate_public_key(&self, q: &AffinePoint) -> Result<(), CurveError> {
        if !self.is_on_curve(q) {
            return Err(CurveError::InvalidPoint("public key is not on the curve"));
        }
        let h_is_one = self.h.as_ref().is_none_or(|h| h.is_one());
        if !h_is_one && {
            let arith = self.arith()?;
            !arith.mul(&self.n, &arith.affine(q)).is_infinity()
        } {
            return Err(CurveError::InvalidPoint(
                "public key is not in the subgroup of order n",
            ));
        }
        Ok(())
    }

    /// Verifies an ECDSA signature `(r, s)` over the message digest `digest` (SEC 1 §4.1.4).
    /// The parameters and the key must have been validated.
    pub fn verify_prehash(
        &self,
        q: &AffinePoint,
        digest: &[u8],
        r: &BigUint,
        s: &BigUint,
    ) -> Result<(), CurveError> {
        let n = &self.n;
        if r.is_zero() || s.is_zero() || r >= n || s >= n {
            return Err(CurveError::BadSignature);
        }
        let mut e = BigUint::from_bytes_be(digest);
        let digest_bits = u64::try_from(digest.len())
            .unwrap_or(u64::MAX)
            .saturating_mul(8);
        if digest_bits > n.bits() {
            e >>= digest_bits - n.bits();
        }
        let w = s.modpow(&(n - BigUint::from(2u8)), n);
        let u1 = (&e * &w) % n;
        let u2 = (r * &w) % n;
        let arith = self.arith()?;
        let sum = arith.mul_add(&u1, &arith.affine(&self.generator()), &u2, &arith.affine(q));
        let x = arith
            .f
            .decode(&arith.to_affine(&sum).ok_or(CurveError::BadSignature)?.x);
        if &(x % n) == r {
            Ok(())
        } else {
            Err(CurveError::BadSignature)
        }
    }
}

/// `v` big-endian on exactly `len` bytes (left-padded with zeros; `v` must fit).
pub fn fixed_be(v: &BigUint, len: usize) -> Vec<u8> {
    let bytes = v.to_bytes_be();
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend_from_slice(&bytes[bytes.len().saturating_sub(len)..]);
    out
}

/// Miller–Rabin with the first 20 prime bases. Deterministic far beyond 64 bits and, for the
/// public curve parameters it is used on, a forged composite would also have to pass every other
/// check; this is a sanity check, not a proof.
fn is_probable_prime(n: &BigUint) -> bool {
    const BASES: [u8; 20] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
    ];
    let two = BigUint::from(2u8);
    if *n < two {
        return false;
    }
    for b in BASES {
        let b = BigUint::from(b);
        if *n == b {
            return true;
        }
        if (n % &b).is_zero() {
            return false;
        }
    }
    let one = BigUint::one();
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    'bases: for b in BASES {
        let mut x = BigUint::from(b).modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = (&x * &x) % n;
            if x == n1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_named_curves_are_valid() {
        for (name, oid, _) in NAMED {
            let (n, params) = named_curve(oid).unwrap();
            assert_eq!(n, *name);
            params.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(params.identify(), Some(*name));
        }
        assert!(named_curve("1.2.3").is_none());
    }

    #[test]
    fn rejects_broken_parameters() {
        let (_, good) = named_curve("1.3.36.3.3.2.8.1.1.7").unwrap();

        let mut bad = good.clone();
        bad.gy = (&bad.gy + BigUint::one()) % &bad.p;
        assert_eq!(
            bad.validate(),
            Err(CurveError::InvalidParameters(
                "base point is not on the curve"
            ))
        );

        let mut bad = good.clone();
        bad.n = &bad.n + BigUint::from(2u8);
        assert!(bad.validate().is_err());

        let mut bad = good.clone();
        bad.h = Some(BigUint::from(4u8));
        assert_eq!(
            bad.validate(),
            Err(CurveError::InvalidParameters(
                "cofactor × order violates Hasse's bound"
            ))
        );

        let mut bad = good.clone();
        bad.a = BigUint::zero();
        bad.b = BigUint::zero();
        assert!(bad.validate().is_err());

        let mut bad = good;
        bad.p = &bad.p + BigUint::from(2u8);
        assert!(bad.validate().is_err());
    }

    /// DER `ECParameters` (explicit, prime field) for `c`, field elements padded to `p`'s length.
    fn encode_params(c: &CurveParams) -> Vec<u8> {
        fn uint(x: &BigUint) -> Vec<u8> {
            let mut b = x.to_bytes_be();
            if b[0] & 0x80 != 0 {
                b.insert(0, 0);
            }
            b
        }
        let len = usize::try_from(c.p.bits().div_ceil(8)).unwrap();
        let fixed = |x: &BigUint| {
            let b = x.to_bytes_be();
            let mut out = vec![0; len - b.len()];
            out.extend_from_slice(&b);
            out
        };
        let mut base = vec![0x04];
        base.extend(fixed(&c.gx));
        base.extend(fixed(&c.gy));
        let mut w = crate::lds::tlv::TlvWriter::new();
        w.nested(0x30, |w| {
            w.put(0x02, &[1]);
            w.nested(0x30, |w| {
                w.put(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x01, 0x01]);
                w.put(0x02, &uint(&c.p));
            });
            w.nested(0x30, |w| {
                w.put(0x04, &fixed(&c.a));
                w.put(0x04, &fixed(&c.b));
            });
            w.put(0x04, &base);
            w.put(0x02, &uint(&c.n));
            if let Some(h) = &c.h {
                w.put(0x02, &uint(h));
            }
        });
        w.into_bytes()
    }

    #[test]
    fn validated_parameters_are_cached_but_tampered_ones_still_rejected() {
        // A valid curve that is no named curve: brainpoolP256r1 with 2G as base point.
        let (_, bp256) = named_curve("1.3.36.3.3.2.8.1.1.7").unwrap();
        let arith = bp256.arith().unwrap();
        let g2 = arith
            .to_affine(&arith.mul(&BigUint::from(2u8), &arith.affine(&bp256.generator())))
            .unwrap();
        let mut good = bp256.clone();
        good.gx = arith.f.decode(&g2.x);
        good.gy = arith.f.decode(&g2.y);
        let good_der = encode_params(&good);
        let first = validated_explicit_parameters(&good_der).unwrap();
        assert_eq!(first.name, None);
        assert_eq!(*first.params, good);
        // The second time comes from the cache: the very same validated parameters.
        let again = validated_explicit_parameters(&good_der).unwrap();
        assert!(Arc::ptr_eq(&first.params, &again.params));

        let rejected = |c: &CurveParams| validated_explicit_parameters(&encode_params(c));
        // A cofactor that contradicts the order.
        let mut bad = good.clone();
        bad.h = Some(BigUint::from(4u8));
        assert_eq!(
            rejected(&bad),
            Err(CurveError::InvalidParameters(
                "cofactor × order violates Hasse's bound"
            ))
        );
        // A base point off the curve.
        let mut bad = good.clone();
        bad.gy = (&bad.gy + BigUint::one()) % &bad.p;
        assert!(matches!(rejected(&bad), Err(CurveError::InvalidPoint(_))));
        // A base point on the curve but not of order n (b changed to put it there).
        let mut bad = good.clone();
        bad.gx = BigUint::from(5u8);
        bad.b = (&bad.gy * &bad.gy + &bad.p * &bad.p
            - (&bad.gx * &bad.gx * &bad.gx + &bad.a * &bad.gx) % &bad.p)
            % &bad.p;
        assert!(rejected(&bad).is_err());
        // A composite field modulus (p²) with the base point on the curve modulo it.
        let mut bad = good.clone();
        bad.p = &good.p * &good.p;
        let x3ax = &bad.gx * &bad.gx * &bad.gx + &bad.a * &bad.gx;
        bad.b = (&bad.gy * &bad.gy + &bad.p - x3ax % &bad.p) % &bad.p;
        assert_eq!(
            rejected(&bad),
            Err(CurveError::InvalidParameters("field modulus is not prime"))
        );
        // An order that is not prime.
        let mut bad = good.clone();
        bad.n = &bad.n + BigUint::from(2u8);
        assert!(rejected(&bad).is_err());
        // The good set is still accepted, from the cache.
        let last = validated_explicit_parameters(&good_der).unwrap();
        assert!(Arc::ptr_eq(&first.params, &last.params));

        // The named curve's own explicit encoding gets the named constants …
        let (_, bp512) = named_curve("1.3.36.3.3.2.8.1.1.13").unwrap();
        let named = validated_explicit_parameters(&encode_params(&bp512)).unwrap();
        assert_eq!(named.name, Some("brainpoolP512r1"));
        // … also without the optional cofactor, but not with a wrong one: that is no
        // brainpoolP512r1 and goes through full validation.
        let mut no_h = bp512.clone();
        no_h.h = None;
        assert_eq!(
            validated_explicit_parameters(&encode_params(&no_h))
                .unwrap()
                .name,
            Some("brainpoolP512r1")
        );
        let mut bad = bp512;
        bad.h = Some(BigUint::from(4u8));
        assert_eq!(bad.identify(), None);
        assert_eq!(
            rejected(&bad),
            Err(CurveError::InvalidParameters(
                "cofactor × order violates Hasse's bound"
            ))
        );
    }

    #[test]
    fn primality() {
        assert!(is_probable_prime(&BigUint::from(2u8)));
        assert!(is_probable_prime(&BigUint::from(65_537u32)));
        assert!(!is_probable_prime(&BigUint::from(65_535u32)));
        // A Carmichael number.
        assert!(!is_probable_prime(&BigUint::from(561u32)));
        assert!(!is_probable_prime(&BigUint::one()));
    }

    #[test]
    fn compressed_points_round_trip() {
        let (_, c) = named_curve("1.3.36.3.3.2.8.1.1.7").unwrap();
        let g = c.generator();
        let mut enc = vec![if g.y.bit(0) { 0x03 } else { 0x02 }];
        let x = g.x.to_bytes_be();
        enc.extend(std::iter::repeat_n(0, 32 - x.len()));
        enc.extend_from_slice(&x);
        assert_eq!(c.decode_point(&enc).unwrap(), g);
        enc[0] ^= 1;
        let other = c.decode_point(&enc).unwrap();
        assert_eq!(other.y, (&c.p - &g.y) % &c.p);
        assert!(c.decode_point(&[0x04, 1, 2]).is_err());
        assert!(c.decode_point(&[]).is_err());
        assert!(c.decode_point(&[0x00]).is_err());
    }

    #[test]
    fn signature_encodings() {
        assert!(parse_der_signature(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]).is_ok());
        assert!(parse_der_signature(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(parse_der_signature(&[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x02]).is_err());
        assert!(split_plain_signature(&[1, 2, 3]).is_err());
        let (r, s) = split_plain_signature(&[1, 2]).unwrap();
        assert_eq!((r, s), (BigUint::one(), BigUint::from(2u8)));
    }
}
