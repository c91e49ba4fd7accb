//! Basic Access Control (ICAO 9303-11 §4.3): keys from the MRZ, and the mutual authentication
//! that turns them into secure messaging session keys.
//!
//! Pure functions over bytes: the caller sends `GET CHALLENGE` (`00 84 00 00 08`) and
//! `EXTERNAL AUTHENTICATE` (`00 82 00 00 28 <data> 28`) itself. For the CCCD the document
//! number is the **last 9 digits** of the 12-digit ID, with dates as printed in the MRZ
//! (see [`crate::lds::mrz::mrz_information`]).

use crate::lds::mrz::{Mrz, mrz_information};
use crate::protocol::secure_messaging::{
    SecureMessaging, pad, retail_mac, tdes_cbc_decrypt, tdes_cbc_encrypt,
};
use sha1::{Digest, Sha1};
use thiserror::Error;

/// Why mutual authentication failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BacError {
    /// The EXTERNAL AUTHENTICATE response is not 40 bytes.
    #[error("EXTERNAL AUTHENTICATE response has {0} bytes, expected 40")]
    ResponseLength(usize),
    /// The response's MAC does not verify: usually a wrong MRZ (wrong document number or dates).
    #[error("EXTERNAL AUTHENTICATE response MAC does not verify (wrong MRZ key?)")]
    BadMac,
    /// The chip did not return our nonce or its own challenge.
    #[error("the chip's response does not contain the expected nonces")]
    NonceMismatch,
}

/// The document basic access keys `K_enc`, `K_mac` (two-key 3DES, parity adjusted).
#[derive(Clone, PartialEq, Eq)]
pub struct BacKeys {
    /// Encryption key.
    pub k_enc: [u8; 16],
    /// MAC key.
    pub k_mac: [u8; 16],
}

impl std::fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BacKeys(..)")
    }
}

/// Derives a 16-byte 3DES key from a seed and counter (ICAO 9303-11 §9.7.1): the first 16
/// bytes of `SHA-1(seed || counter)`, with DES odd parity set.
pub fn derive_3des_key(seed: &[u8], counter: u32) -> [u8; 16] {
    let mut h = Sha1::new();
    h.update(seed);
    h.update(counter.to_be_bytes());
    let digest = h.finalize();
    let mut key = [0u8; 16];
    for (k, d) in key.iter_mut().zip(digest.iter()) {
        let b = d & 0xFE;
        *k = b | u8::from(b.count_ones() % 2 == 0);
    }
    key
}

impl BacKeys {
    /// Keys from the "MRZ information" (document number + check digit, birth date + check
    /// digit, expiry + check digit).
    pub fn from_mrz_information(info: &str) -> Self {
        let digest = Sha1::digest(info.as_bytes());
        let seed = digest.get(..16).unwrap_or(&[]);
        Self {
            k_enc: derive_3des_key(seed, 1),
            k_mac: derive_3des_key(seed, 2),
        }
    }

    /// Keys from the three fields, computing the check digits (dates as `YYMMDD`).
    pub fn from_fields(document_number: &str, date_of_birth: &str, date_of_expiry: &str) -> Self {
        Self::from_mrz_information(&mrz_information(
            document_number,
            date_of_birth,
            date_of_expiry,
        ))
    }

    /// Keys from a parsed MRZ.
    pub fn from_mrz(mrz: &Mrz) -> Self {
        Self::from_mrz_information(&mrz.bac_mrz_information())
    }

    /// The EXTERNAL AUTHENTICATE command data `E_IFD || M_IFD` (40 bytes) for the chip's
    /// challenge `rnd_ic` and the terminal's random `rnd_ifd` and key material `k_ifd`.
    pub fn authenticate_command(
        &self,
        rnd_ic: &[u8; 8],
        rnd_ifd: &[u8; 8],
        k_ifd: &[u8; 16],
    ) -> Vec<u8> {
        let mut s = Vec::with_capacity(32);
        s.extend_from_slice(rnd_ifd);
        s.extend_from_slice(rnd_ic);
        s.extend_from_slice(k_ifd);
        let mut e = tdes_cbc_encrypt(&self.k_enc, &s);
        let m = retail_mac(&self.k_mac, &pad(&e));
        e.extend_from_slice(&m);
        e
    }

    /// Checks the chip's EXTERNAL AUTHENTICATE response and derives the session.
    pub fn complete(
        &self,
        response: &[u8],
        rnd_ic: &[u8; 8],
        rnd_ifd: &[u8; 8],
        k_ifd: &[u8; 16],
    ) -> Result<SecureMessaging, BacError> {
        if response.len() != 40 {
            return Err(BacError::ResponseLength(response.len()));
        }
        let (e_ic, m_ic) = response.split_at(32);
        if retail_mac(&self.k_mac, &pad(e_ic)).as_slice() != m_ic {
            return Err(BacError::BadMac);
        }
        let r = tdes_cbc_decrypt(&self.k_enc, e_ic);
        if r.get(0..8) != Some(rnd_ic.as_slice()) || r.get(8..16) != Some(rnd_ifd.as_slice()) {
            return Err(BacError::NonceMismatch);
        }
        let k_ic = r.get(16..32).ok_or(BacError::NonceMismatch)?;
        let seed: Vec<u8> = k_ifd.iter().zip(k_ic).map(|(a, b)| a ^ b).collect();
        let mut ssc = [0u8; 8];
        ssc[..4].copy_from_slice(&rnd_ic[4..]);
        ssc[4..].copy_from_slice(&rnd_ifd[4..]);
        Ok(SecureMessaging::new(
            derive_3des_key(&seed, 1),
            derive_3des_key(&seed, 2),
            ssc,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    #[test]
    fn icao_appendix_d_key_derivation() {
        // ICAO 9303-11 appendix D.2.
        let keys = BacKeys::from_fields("L898902C", "690806", "940623");
        assert_eq!(
            hex::encode_upper(keys.k_enc),
            "AB94FDECF2674FDFB9B391F85D7F76F2"
        );
        assert_eq!(
            hex::encode_upper(keys.k_mac),
            "7962D9ECE03D1ACD4C76089DCE131543"
        );
        assert_eq!(format!("{keys:?}"), "BacKeys(..)");
    }

    #[test]
    fn icao_appendix_d_mutual_authentication() {
        // ICAO 9303-11 appendix D.3.
        let keys = BacKeys::from_mrz_information("L898902C<369080619406236");
        let rnd_ic = h::<8>("4608F91988702212");
        let rnd_ifd = h::<8>("781723860C06C226");
        let k_ifd = h::<16>("0B795240CB7049B01C19B33E32804F0B");
        assert_eq!(
            hex::encode_upper(keys.authenticate_command(&rnd_ic, &rnd_ifd, &k_ifd)),
            "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"
        );
        let response = hex::decode(
            "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449",
        )
        .unwrap();
        let sm = keys.complete(&response, &rnd_ic, &rnd_ifd, &k_ifd).unwrap();
        assert_eq!(
            hex::encode_upper(sm.ks_enc()),
            "979EC13B1CBFE9DCD01AB0FED307EAE5"
        );
        assert_eq!(
            hex::encode_upper(sm.ks_mac()),
            "F1CB1F1FB5ADF208806B89DC579DC1F8"
        );
        assert_eq!(hex::encode_upper(sm.ssc()), "887022120C06C226");

        let mut bad = response.clone();
        bad[0] ^= 1;
        assert_eq!(
            keys.complete(&bad, &rnd_ic, &rnd_ifd, &k_ifd).unwrap_err(),
            BacError::BadMac
        );
        assert_eq!(
            keys.complete(&response, &rnd_ifd, &rnd_ifd, &k_ifd)
                .unwrap_err(),
            BacError::NonceMismatch
        );
        assert_eq!(
            keys.complete(&response[..39], &rnd_ic, &rnd_ifd, &k_ifd)
                .unwrap_err(),
            BacError::ResponseLength(39)
        );
    }

    #[test]
    fn cccd_keys_come_from_the_last_nine_digits() {
        let mrz =
            crate::lds::mrz::Mrz::parse(&crate::testing::samples::CCCD_MRZ.join("\n")).unwrap();
        assert_eq!(
            BacKeys::from_mrz(&mrz),
            BacKeys::from_fields("093047064", "930105", "330105")
        );
    }
}
