//! Arithmetic modulo an odd prime of up to 1024 bits in Montgomery form, on fixed-size limb
//! arrays: the field under [`super::weierstrass`]'s point arithmetic.
//!
//! `num-bigint` reduces every product with a long division and allocates for every result;
//! ECDSA verification over a 512-bit curve does about ten thousand field multiplications, so
//! that was most of passive authentication's time. Here a multiplication is one CIOS Montgomery
//! product over `u64` limbs on the stack. Inputs are public (verification only): nothing here is
//! constant-time.

use num_bigint::BigUint;
use num_traits::Zero;

/// Limbs for the largest accepted field (1024 bits).
const MAX_LIMBS: usize = 16;

/// A field element in Montgomery form (`x·R mod p`, `R = 2^(64·limbs)`), fully reduced;
/// limbs past the field's length are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fe([u64; MAX_LIMBS]);

impl Fe {
    /// Whether this is zero (zero is zero in Montgomery form too).
    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }
}

/// The field `Z/pZ` for an odd `p`.
#[derive(Debug, Clone)]
pub(crate) struct MontField {
    p: [u64; MAX_LIMBS],
    limbs: usize,
    /// `−p⁻¹ mod 2⁶⁴`.
    p_inv: u64,
    /// `R² mod p`, to enter Montgomery form.
    r2: Fe,
    /// `R mod p`: one in Montgomery form.
    one: Fe,
    modulus: BigUint,
}

/// `a + b·c + carry` as (low, high) words; cannot overflow 128 bits.
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) * u128::from(c) + u128::from(carry);
    // The truncations are the point: the low and the high word.
    (t as u64, (t >> 64) as u64)
}

fn limbs_of(x: &BigUint) -> Option<[u64; MAX_LIMBS]> {
    let digits = x.to_u64_digits();
    let mut out = [0u64; MAX_LIMBS];
    out.get_mut(..digits.len())?.copy_from_slice(&digits);
    Some(out)
}

impl MontField {
    /// The field for the odd modulus `p` (at most 1024 bits); `None` otherwise.
    pub(crate) fn new(p: &BigUint) -> Option<Self> {
        if !p.bit(0) || p.bits() < 2 {
            return None;
        }
        let pl = limbs_of(p)?;
        let limbs = p.to_u64_digits().len();
        // Newton's iteration for p⁻¹ mod 2⁶⁴ (p odd): each step doubles the correct bits.
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(pl[0].wrapping_mul(inv)));
        }
        let shift = 64 * limbs;
        let r = (BigUint::from(1u8) << shift) % p;
        let r2 = (BigUint::from(1u8) << (2 * shift)) % p;
        Some(Self {
            p: pl,
            limbs,
            p_inv: inv.wrapping_neg(),
            r2: Fe(limbs_of(&r2)?),
            one: Fe(limbs_of(&r)?),
            modulus: p.clone(),
        })
    }

    /// One, in Montgomery form.
    pub(crate) fn one(&self) -> Fe {
        self.one
    }

    /// Zero.
    pub(crate) fn zero(&self) -> Fe {
        Fe([0; MAX_LIMBS])
    }

    /// `x mod p` into Montgomery form.
    pub(crate) fn encode(&self, x: &BigUint) -> Fe {
        let reduced = if x < &self.modulus {
            x.clone()
        } else {
            x % &self.modulus
        };
        // `reduced < p` always fits.
        let plain = Fe(limbs_of(&reduced).unwrap_or([0; MAX_LIMBS]));
        self.mul(&plain, &self.r2)
    }

    /// Out of Montgomery form.
    pub(crate) fn decode(&self, a: &Fe) -> BigUint {
        let mut unit = [0u64; MAX_LIMBS];
        unit[0] = 1;
        let plain = self.mul(a, &Fe(unit));
        let mut bytes = Vec::with_capacity(self.limbs * 8);
        for limb in plain.0.iter().take(self.limbs).rev() {
            bytes.extend_from_slice(&limb.to_be_bytes());
        }
        BigUint::from_bytes_be(&bytes)
    }

    fn geq_p(&self, a: &[u64; MAX_LIMBS]) -> bool {
        for (x, p) in a.iter().zip(&self.p).take(self.limbs).rev() {
            if x != p {
                return x > p;
            }
        }
        true
    }

    fn sub_p(&self, a: &mut [u64; MAX_LIMBS]) {
        let mut borrow = false;
        for (x, p) in a.iter_mut().zip(&self.p).take(self.limbs) {
            let (d, b1) = x.overflowing_sub(*p);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *x = d;
            borrow = b1 || b2;
        }
    }

    /// `a + b`.
    pub(crate) fn add(&self, a: &Fe, b: &Fe) -> Fe {
        let mut out = [0u64; MAX_LIMBS];
        let mut carry = false;
        for ((o, x), y) in out.iter_mut().zip(&a.0).zip(&b.0).take(self.limbs) {
            let (s, c1) = x.overflowing_add(*y);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *o = s;
            carry = c1 || c2;
        }
        if carry || self.geq_p(&out) {
            self.sub_p(&mut out);
        }
        Fe(out)
    }

    /// `a − b`.
    pub(crate) fn sub(&self, a: &Fe, b: &Fe) -> Fe {
        let mut out = [0u64; MAX_LIMBS];
        let mut borrow = false;
        for ((o, x), y) in out.iter_mut().zip(&a.0).zip(&b.0).take(self.limbs) {
            let (d, b1) = x.overflowing_sub(*y);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *o = d;
            borrow = b1 || b2;
        }
        if borrow {
            let mut carry = false;
            for (o, p) in out.iter_mut().zip(&self.p).take(self.limbs) {
                let (s, c1) = o.overflowing_add(*p);
                let (s, c2) = s.overflowing_add(u64::from(carry));
                *o = s;
                carry = c1 || c2;
            }
        }
        Fe(out)
    }

    /// `2a`.
    pub(crate) fn dbl(&self, a: &Fe) -> Fe {
        self.add(a, a)
    }

    /// The Montgomery product `a·b·R⁻¹` (CIOS), i.e. `a·b` in Montgomery form.
    pub(crate) fn mul(&self, a: &Fe, b: &Fe) -> Fe {
        let n = self.limbs;
        let mut t = [0u64; MAX_LIMBS + 2];
        for &bi in b.0.iter().take(n) {
            let mut c = 0u64;
            for (tj, aj) in t.iter_mut().zip(&a.0).take(n) {
                let (lo, hi) = mac(*tj, *aj, bi, c);
                *tj = lo;
                c = hi;
            }
            let (s, o) = t[n].overflowing_add(c);
            t[n] = s;
            t[n + 1] = u64::from(o);
            let m = t[0].wrapping_mul(self.p_inv);
            let (_, mut c) = mac(t[0], m, self.p[0], 0);
            for j in 1..n {
                let (lo, hi) = mac(t[j], m, self.p[j], c);
                t[j - 1] = lo;
                c = hi;
            }
            let (s, o) = t[n].overflowing_add(c);
            t[n - 1] = s;
            t[n] = t[n + 1] + u64::from(o);
        }
        let mut out = [0u64; MAX_LIMBS];
        out[..n].copy_from_slice(&t[..n]);
        if t[n] != 0 || self.geq_p(&out) {
            self.sub_p(&mut out);
        }
        Fe(out)
    }

    /// `a²`.
    pub(crate) fn sqr(&self, a: &Fe) -> Fe {
        self.mul(a, a)
    }

    /// `a⁻¹` (Fermat; `p` prime), or `None` for zero.
    pub(crate) fn invert(&self, a: &Fe) -> Option<Fe> {
        if a.is_zero() {
            return None;
        }
        let x = self.decode(a);
        let inv = x.modpow(&(&self.modulus - BigUint::from(2u8)), &self.modulus);
        (!inv.is_zero()).then(|| self.encode(&inv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_biguint() {
        // brainpoolP512r1's p, a 521-bit Mersenne prime (top limb nearly empty) and a small one.
        let primes = [
            BigUint::parse_bytes(
                b"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
                16,
            )
            .unwrap(),
            (BigUint::from(1u8) << 521) - BigUint::from(1u8),
            BigUint::from(65_537u32),
        ];
        for p in primes {
            let f = MontField::new(&p).unwrap();
            let xs = [
                BigUint::zero(),
                BigUint::from(1u8),
                &p - BigUint::from(1u8),
                &p >> 1,
                (&p * BigUint::from(7u8) / BigUint::from(9u8)) + BigUint::from(12_345u32),
            ];
            for x in &xs {
                let fx = f.encode(x);
                assert_eq!(&f.decode(&fx), x);
                for y in &xs {
                    let fy = f.encode(y);
                    assert_eq!(f.decode(&f.mul(&fx, &fy)), (x * y) % &p);
                    assert_eq!(f.decode(&f.add(&fx, &fy)), (x + y) % &p);
                    assert_eq!(f.decode(&f.sub(&fx, &fy)), ((x + &p) - y) % &p);
                }
                if let Some(inv) = f.invert(&fx) {
                    assert_eq!(f.decode(&f.mul(&fx, &inv)), BigUint::from(1u8));
                } else {
                    assert!(x.is_zero());
                }
            }
        }
        assert!(MontField::new(&BigUint::from(10u8)).is_none());
        assert!(MontField::new(&(BigUint::from(1u8) << 1100 | BigUint::from(1u8))).is_none());
    }
}
