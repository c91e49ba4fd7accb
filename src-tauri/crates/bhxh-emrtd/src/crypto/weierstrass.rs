//! ECDSA verification over any short-Weierstrass curve `y² = x³ + ax + b` over a prime field,
//! given its parameters explicitly.
//!
//! Why this exists: the Vietnamese CSCA ("CSCA ePassport Vietnam") uses brainpoolP512r1 with
//! **explicit** `ECParameters` in its `SubjectPublicKeyInfo` (BSI TR-03111 style), and no crate
//! offers brainpoolP512r1, let alone explicit parameters. Certificates with explicit parameters
//! are parsed with [`parse_ec_parameters`]; the parameters are checked with
//! [`CurveParams::validate`] before any verification (a forged certificate could otherwise bring
//! a weak curve of its own).
//!
//! Verification only: the inputs are public, so plain `num-bigint` arithmetic in Jacobian
//! coordinates is enough, and constant time is not a goal.

use crate::tlv::{Tlv, TlvReader};
use num_bigint::BigUint;
use num_traits::{One, Zero};
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

/// The parameters of a named curve this module knows, by OID: `(name, params)`.
pub fn named_curve(oid: &str) -> Option<(&'static str, CurveParams)> {
    NAMED
        .iter()
        .find(|(_, o, _)| *o == oid)
        .and_then(|(name, _, der)| parse_ec_parameters(der).ok().map(|p| (*name, p)))
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

fn malformed(e: crate::tlv::TlvError) -> CurveError {
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

/// Jacobian point; `z == 0` is the point at infinity.
#[derive(Debug, Clone)]
struct Jacobian {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

impl Jacobian {
    fn infinity() -> Self {
        Self {
            x: BigUint::one(),
            y: BigUint::one(),
            z: BigUint::zero(),
        }
    }
    fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }
}

impl CurveParams {
    /// The bit length of the field prime.
    pub fn field_bits(&self) -> u64 {
        self.p.bits()
    }

    /// The name of the known curve these parameters equal, if any (`brainpoolP512r1`).
    pub fn identify(&self) -> Option<&'static str> {
        NAMED.iter().find_map(|(name, _, der)| {
            parse_ec_parameters(der)
                .ok()
                .filter(|known| {
                    known.p == self.p
                        && known.a == self.a
                        && known.b == self.b
                        && known.gx == self.gx
                        && known.gy == self.gy
                        && known.n == self.n
                })
                .map(|_| *name)
        })
    }

    fn add_m(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + b) % &self.p
    }
    fn sub_m(&self, a: &BigUint, b: &BigUint) -> BigUint {
        // Both operands are reduced, so a + p - b never underflows.
        ((a + &self.p) - b) % &self.p
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

    fn double(&self, pt: &Jacobian) -> Jacobian {
        if pt.is_infinity() || pt.y.is_zero() {
            return Jacobian::infinity();
        }
        let xx = self.mul_m(&pt.x, &pt.x);
        let yy = self.mul_m(&pt.y, &pt.y);
        let yyyy = self.mul_m(&yy, &yy);
        let zz = self.mul_m(&pt.z, &pt.z);
        let s = self.mul_m(&BigUint::from(4u8), &self.mul_m(&pt.x, &yy));
        let m = self.add_m(
            &self.mul_m(&BigUint::from(3u8), &xx),
            &self.mul_m(&self.a, &self.mul_m(&zz, &zz)),
        );
        let x3 = self.sub_m(&self.mul_m(&m, &m), &self.add_m(&s, &s));
        let y3 = self.sub_m(
            &self.mul_m(&m, &self.sub_m(&s, &x3)),
            &self.mul_m(&BigUint::from(8u8), &yyyy),
        );
        let z3 = self.mul_m(&BigUint::from(2u8), &self.mul_m(&pt.y, &pt.z));
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn add(&self, p1: &Jacobian, p2: &Jacobian) -> Jacobian {
        if p1.is_infinity() {
            return p2.clone();
        }
        if p2.is_infinity() {
            return p1.clone();
        }
        let z1z1 = self.mul_m(&p1.z, &p1.z);
        let z2z2 = self.mul_m(&p2.z, &p2.z);
        let u1 = self.mul_m(&p1.x, &z2z2);
        let u2 = self.mul_m(&p2.x, &z1z1);
        let s1 = self.mul_m(&p1.y, &self.mul_m(&p2.z, &z2z2));
        let s2 = self.mul_m(&p2.y, &self.mul_m(&p1.z, &z1z1));
        if u1 == u2 {
            return if s1 == s2 {
                self.double(p1)
            } else {
                Jacobian::infinity()
            };
        }
        let h = self.sub_m(&u2, &u1);
        let r = self.sub_m(&s2, &s1);
        let hh = self.mul_m(&h, &h);
        let hhh = self.mul_m(&h, &hh);
        let v = self.mul_m(&u1, &hh);
        let x3 = self.sub_m(&self.sub_m(&self.mul_m(&r, &r), &hhh), &self.add_m(&v, &v));
        let y3 = self.sub_m(
            &self.mul_m(&r, &self.sub_m(&v, &x3)),
            &self.mul_m(&s1, &hhh),
        );
        let z3 = self.mul_m(&h, &self.mul_m(&p1.z, &p2.z));
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn mul(&self, k: &BigUint, pt: &AffinePoint) -> Jacobian {
        let base = Jacobian {
            x: pt.x.clone(),
            y: pt.y.clone(),
            z: BigUint::one(),
        };
        let mut acc = Jacobian::infinity();
        for i in (0..k.bits()).rev() {
            acc = self.double(&acc);
            if k.bit(i) {
                acc = self.add(&acc, &base);
            }
        }
        acc
    }

    fn to_affine(&self, pt: &Jacobian) -> Option<AffinePoint> {
        if pt.is_infinity() {
            return None;
        }
        let zinv = pt.z.modpow(&(&self.p - BigUint::from(2u8)), &self.p);
        let zinv2 = self.mul_m(&zinv, &zinv);
        Some(AffinePoint {
            x: self.mul_m(&pt.x, &zinv2),
            y: self.mul_m(&pt.y, &self.mul_m(&zinv2, &zinv)),
        })
    }

    fn generator(&self) -> AffinePoint {
        AffinePoint {
            x: self.gx.clone(),
            y: self.gy.clone(),
        }
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
        if !self.mul(&self.n, &self.generator()).is_infinity() {
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
        if !h_is_one && !self.mul(&self.n, q).is_infinity() {
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
        let sum = self.add(&self.mul(&u1, &self.generator()), &self.mul(&u2, q));
        let x = self.to_affine(&sum).ok_or(CurveError::BadSignature)?.x;
        if &(x % n) == r {
            Ok(())
        } else {
            Err(CurveError::BadSignature)
        }
    }
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
