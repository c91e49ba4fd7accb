//! Secure messaging (ICAO 9303-11 §9.8): 3DES with the ISO 9797-1 retail MAC, as set up by
//! BAC or by PACE with 3DES, and AES with CMAC, as set up by PACE with AES (128, 192 or 256-bit
//! keys).
//!
//! [`SecureMessaging::protect`] wraps a plain command APDU; [`SecureMessaging::unprotect`]
//! checks and unwraps the response. The send sequence counter (SSC) is incremented before each
//! of the two, as the specification requires. With AES the SSC has 16 bytes, data are padded to
//! 16-byte blocks, the IV of each message is the SSC encrypted under KS_enc, and the MAC is the
//! CMAC cut to 8 bytes. Only short APDUs (Lc, Le ≤ 255/256) are handled.

use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, array::Array};
use retail_mac::{KeyInit, Mac, RetailMac};
use thiserror::Error;

/// Why a command could not be protected or a response was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SmError {
    /// The command APDU is malformed or uses extended length.
    #[error("command APDU: {0}")]
    BadCommand(&'static str),
    /// The response is shorter than a status word or its data objects are malformed.
    #[error("response APDU: {0}")]
    BadResponse(String),
    /// The response carries no MAC (DO'8E') although its status is success.
    #[error("response has status 9000 but no MAC (DO'8E')")]
    MissingMac,
    /// The response MAC does not verify: the session is broken (card swapped, reset, or
    /// tampering) and must be re-established.
    #[error("response MAC does not verify")]
    BadMac,
    /// A session key of the wrong length for its cipher.
    #[error("secure messaging key of a wrong length")]
    BadKey,
}

/// ISO/IEC 9797-1 padding method 2: `80`, then `00` to a multiple of 8.
pub fn pad(data: &[u8]) -> Vec<u8> {
    pad_to(data, 8)
}

/// Padding method 2 to a multiple of `block` bytes (16 for AES).
pub fn pad_to(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    out.push(0x80);
    while !out.len().is_multiple_of(block.max(1)) {
        out.push(0x00);
    }
    out
}

/// AES with a 128, 192 or 256-bit key: one block encrypted (ECB, which for one block is CBC
/// with a zero IV), for the IV of AES SM.
pub fn aes_encrypt_block(key: &[u8], block: &[u8; 16]) -> Option<[u8; 16]> {
    aes_cbc(key, &[0; 16], block, true)?.try_into().ok()
}

/// AES-CBC over whole 16-byte blocks with `iv`; `None` for a bad key length or a partial block.
pub fn aes_cbc(key: &[u8], iv: &[u8; 16], data: &[u8], encrypt: bool) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(16) {
        return None;
    }
    let mut buf = data.to_vec();
    let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
    macro_rules! run {
        ($c:ty) => {
            if encrypt {
                cbc::Encryptor::<$c>::new_from_slices(key, iv)
                    .ok()?
                    .encrypt_blocks(blocks)
            } else {
                cbc::Decryptor::<$c>::new_from_slices(key, iv)
                    .ok()?
                    .decrypt_blocks(blocks)
            }
        };
    }
    match key.len() {
        16 => run!(aes::Aes128),
        24 => run!(aes::Aes192),
        32 => run!(aes::Aes256),
        _ => return None,
    }
    Some(buf)
}

/// AES-CMAC (NIST SP 800-38B) of `data` under a 128, 192 or 256-bit key.
pub fn aes_cmac(key: &[u8], data: &[u8]) -> Option<[u8; 16]> {
    macro_rules! run {
        ($c:ty) => {{
            let mut mac = <cmac::Cmac<$c> as KeyInit>::new_from_slice(key).ok()?;
            mac.update(data);
            mac.finalize().into_bytes().as_slice().try_into().ok()
        }};
    }
    match key.len() {
        16 => run!(aes::Aes128),
        24 => run!(aes::Aes192),
        32 => run!(aes::Aes256),
        _ => None,
    }
}

/// Removes padding method 2; `None` if it is malformed.
pub fn unpad(data: &[u8]) -> Option<&[u8]> {
    let end = data.iter().rposition(|b| *b != 0)?;
    (data.get(end) == Some(&0x80))
        .then(|| data.get(..end))
        .flatten()
}

/// 3DES-CBC with a zero IV over whole blocks (`data` must be a multiple of 8 bytes; a partial
/// tail is ignored).
pub fn tdes_cbc_encrypt(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    if let Ok(mut enc) = cbc::Encryptor::<des::TdesEde2>::new_from_slices(key, &[0u8; 8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        enc.encrypt_blocks(blocks);
    }
    buf
}

/// The inverse of [`tdes_cbc_encrypt`].
pub fn tdes_cbc_decrypt(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    if let Ok(mut dec) = cbc::Decryptor::<des::TdesEde2>::new_from_slices(key, &[0u8; 8]) {
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        dec.decrypt_blocks(blocks);
    }
    buf
}

/// ISO/IEC 9797-1 MAC algorithm 3 with DES (the "retail MAC") over already padded data.
pub fn retail_mac(key: &[u8; 16], padded: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    if let Ok(mut mac) = <RetailMac<des::Des> as KeyInit>::new_from_slice(key) {
        mac.update(padded);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

/// An unwrapped response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The plain response data.
    pub data: Vec<u8>,
    /// The status word (from DO'99' when present).
    pub sw: u16,
    /// `false` for an error status the chip sent without secure messaging.
    pub protected: bool,
}

/// The keys of a session, by cipher.
#[derive(Clone)]
enum Keys {
    /// 3DES (two-key) with the retail MAC: BAC, or PACE with 3DES.
    Tdes { enc: [u8; 16], mac: [u8; 16] },
    /// AES-128/192/256 with CMAC: PACE with AES.
    Aes { enc: Vec<u8>, mac: Vec<u8> },
}

/// A secure messaging session.
#[derive(Clone)]
pub struct SecureMessaging {
    keys: Keys,
    /// 8 bytes (3DES) or 16 (AES), big-endian.
    ssc: Vec<u8>,
}

impl std::fmt::Debug for SecureMessaging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureMessaging(..)")
    }
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    crate::lds::tlv::encode(u32::from(tag), value)
}

impl SecureMessaging {
    /// A 3DES session from its keys and initial SSC (BAC).
    pub fn new(ks_enc: [u8; 16], ks_mac: [u8; 16], ssc: [u8; 8]) -> Self {
        Self {
            keys: Keys::Tdes {
                enc: ks_enc,
                mac: ks_mac,
            },
            ssc: ssc.to_vec(),
        }
    }

    /// An AES session as PACE sets it up: keys of 16, 24 or 32 bytes, SSC zero.
    pub fn aes(ks_enc: &[u8], ks_mac: &[u8]) -> Result<Self, SmError> {
        if ![16, 24, 32].contains(&ks_enc.len()) || ks_mac.len() != ks_enc.len() {
            return Err(SmError::BadKey);
        }
        Ok(Self {
            keys: Keys::Aes {
                enc: ks_enc.to_vec(),
                mac: ks_mac.to_vec(),
            },
            ssc: vec![0; 16],
        })
    }

    /// The session encryption key.
    pub fn ks_enc(&self) -> Vec<u8> {
        match &self.keys {
            Keys::Tdes { enc, .. } => enc.to_vec(),
            Keys::Aes { enc, .. } => enc.clone(),
        }
    }
    /// The session MAC key.
    pub fn ks_mac(&self) -> Vec<u8> {
        match &self.keys {
            Keys::Tdes { mac, .. } => mac.to_vec(),
            Keys::Aes { mac, .. } => mac.clone(),
        }
    }
    /// The current send sequence counter.
    pub fn ssc(&self) -> Vec<u8> {
        self.ssc.clone()
    }

    fn block(&self) -> usize {
        match self.keys {
            Keys::Tdes { .. } => 8,
            Keys::Aes { .. } => 16,
        }
    }

    fn increment_ssc(&mut self) {
        for b in self.ssc.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }

    /// The MAC of SSC ‖ `body` (padded here).
    fn mac(&self, body: &[u8]) -> [u8; 8] {
        let mut n = self.ssc.clone();
        n.extend_from_slice(body);
        match &self.keys {
            Keys::Tdes { mac, .. } => retail_mac(mac, &pad(&n)),
            Keys::Aes { mac, .. } => {
                let full = aes_cmac(mac, &pad_to(&n, 16)).unwrap_or([0; 16]);
                let mut out = [0u8; 8];
                out.copy_from_slice(&full[..8]);
                out
            }
        }
    }

    fn encrypt(&self, padded: &[u8]) -> Result<Vec<u8>, SmError> {
        match &self.keys {
            Keys::Tdes { enc, .. } => Ok(tdes_cbc_encrypt(enc, padded)),
            Keys::Aes { enc, .. } => {
                let iv = self.aes_iv(enc)?;
                aes_cbc(enc, &iv, padded, true).ok_or(SmError::BadKey)
            }
        }
    }

    fn decrypt(&self, cipher: &[u8]) -> Result<Vec<u8>, SmError> {
        match &self.keys {
            Keys::Tdes { enc, .. } => Ok(tdes_cbc_decrypt(enc, cipher)),
            Keys::Aes { enc, .. } => {
                let iv = self.aes_iv(enc)?;
                aes_cbc(enc, &iv, cipher, false).ok_or(SmError::BadKey)
            }
        }
    }

    /// AES SM's IV: the current SSC encrypted under KS_enc.
    fn aes_iv(&self, enc: &[u8]) -> Result<[u8; 16], SmError> {
        let ssc: [u8; 16] = self
            .ssc
            .as_slice()
            .try_into()
            .map_err(|_| SmError::BadKey)?;
        aes_encrypt_block(enc, &ssc).ok_or(SmError::BadKey)
    }

    /// Wraps a plain short command APDU (`CLA INS P1 P2 [Lc data] [Le]`).
    pub fn protect(&mut self, command: &[u8]) -> Result<Vec<u8>, SmError> {
        let header: [u8; 4] = command
            .get(..4)
            .and_then(|h| h.try_into().ok())
            .ok_or(SmError::BadCommand("shorter than 4 bytes"))?;
        let body = command.get(4..).unwrap_or(&[]);
        let (data, le): (&[u8], Option<u8>) = match body {
            [] => (&[], None),
            [le] => (&[], Some(*le)),
            [0, ..] => return Err(SmError::BadCommand("extended length is not supported")),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len() {
                    n if n == lc => (rest, None),
                    n if n == lc + 1 => (rest.get(..lc).unwrap_or(&[]), rest.last().copied()),
                    _ => return Err(SmError::BadCommand("Lc does not match the data length")),
                }
            }
        };
        let [cla, ins, p1, p2] = header;
        let masked = [cla | 0x0C, ins, p1, p2];
        // The SSC of this command: AES SM encrypts under an IV made from it.
        self.increment_ssc();
        let mut dos = Vec::new();
        if !data.is_empty() {
            let enc = self.encrypt(&pad_to(data, self.block()))?;
            if ins & 1 == 1 {
                dos.extend(tlv(0x85, &enc));
            } else {
                let mut v = vec![0x01];
                v.extend_from_slice(&enc);
                dos.extend(tlv(0x87, &v));
            }
        }
        if let Some(le) = le {
            dos.extend(tlv(0x97, &[le]));
        }
        let mut mac_input = pad_to(&masked, self.block());
        mac_input.extend_from_slice(&dos);
        let mac = self.mac(&mac_input);
        dos.extend(tlv(0x8E, &mac));
        let lc = u8::try_from(dos.len())
            .map_err(|_| SmError::BadCommand("protected command exceeds 255 bytes"))?;
        let mut out = masked.to_vec();
        out.push(lc);
        out.extend_from_slice(&dos);
        out.push(0x00);
        Ok(out)
    }

    /// Checks and unwraps a response APDU (data objects followed by SW1 SW2).
    pub fn unprotect(&mut self, response: &[u8]) -> Result<Response, SmError> {
        let split = response
            .len()
            .checked_sub(2)
            .ok_or_else(|| SmError::BadResponse("shorter than a status word".into()))?;
        let (body, sw) = response.split_at(split);
        let sw = u16::from_be_bytes([
            sw.first().copied().unwrap_or(0),
            sw.get(1).copied().unwrap_or(0),
        ]);
        if body.is_empty() {
            if sw == 0x9000 {
                return Err(SmError::MissingMac);
            }
            return Ok(Response {
                data: Vec::new(),
                sw,
                protected: false,
            });
        }
        self.increment_ssc();
        let mut covered_end = 0;
        let mut encrypted: Option<(&[u8], bool)> = None;
        let mut status = None;
        let mut mac = None;
        for item in crate::lds::tlv::TlvReader::new(body) {
            let t = item.map_err(|e| SmError::BadResponse(e.to_string()))?;
            match t.tag.0 {
                0x87 => encrypted = Some((t.value, true)),
                0x85 => encrypted = Some((t.value, false)),
                0x99 => status = Some(t.value),
                0x8E => {
                    mac = Some(t.value);
                    break;
                }
                _ => {}
            }
            covered_end = t.offset + t.raw.len();
        }
        let mac = mac.ok_or(SmError::MissingMac)?;
        let covered = body.get(..covered_end).unwrap_or(&[]);
        if self.mac(covered).as_slice() != mac {
            return Err(SmError::BadMac);
        }
        let sw = match status {
            Some([a, b]) => u16::from_be_bytes([*a, *b]),
            Some(_) => return Err(SmError::BadResponse("DO'99' is not 2 bytes".into())),
            None => sw,
        };
        let data = match encrypted {
            None => Vec::new(),
            Some((value, with_indicator)) => {
                let cipher = if with_indicator {
                    match value.split_first() {
                        Some((0x01, rest)) => rest,
                        _ => {
                            return Err(SmError::BadResponse(
                                "DO'87' padding indicator is not 01".into(),
                            ));
                        }
                    }
                } else {
                    value
                };
                if !cipher.len().is_multiple_of(self.block()) {
                    return Err(SmError::BadResponse(format!(
                        "encrypted data is not a multiple of {} bytes",
                        self.block()
                    )));
                }
                let plain = self.decrypt(cipher)?;
                if with_indicator {
                    unpad(&plain)
                        .ok_or_else(|| SmError::BadResponse("malformed padding".into()))?
                        .to_vec()
                } else {
                    plain
                }
            }
        };
        Ok(Response {
            data,
            sw,
            protected: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SecureMessaging {
        let k = |s: &str| -> [u8; 16] { hex::decode(s).unwrap().try_into().unwrap() };
        SecureMessaging::new(
            k("979EC13B1CBFE9DCD01AB0FED307EAE5"),
            k("F1CB1F1FB5ADF208806B89DC579DC1F8"),
            hex::decode("887022120C06C226").unwrap().try_into().unwrap(),
        )
    }

    fn x(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn icao_appendix_d4_select_and_read_ef_com() {
        let mut sm = session();
        // SELECT EF.COM.
        assert_eq!(
            hex::encode_upper(sm.protect(&x("00A4020C02011E")).unwrap()),
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
        );
        let r = sm
            .unprotect(&x("990290008E08FA855A5D4C50A8ED9000"))
            .unwrap();
        assert_eq!((r.data.len(), r.sw, r.protected), (0, 0x9000, true));
        // READ BINARY, first 4 bytes.
        assert_eq!(
            hex::encode_upper(sm.protect(&x("00B0000004")).unwrap()),
            "0CB000000D9701048E08ED6705417E96BA5500"
        );
        let r = sm
            .unprotect(&x("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
            .unwrap();
        assert_eq!(hex::encode_upper(&r.data), "60145F01");
        // READ BINARY, the remaining 18 bytes.
        assert_eq!(
            hex::encode_upper(sm.protect(&x("00B0000412")).unwrap()),
            "0CB000040D9701128E082EA28A70F3C7B53500"
        );
        let r = sm
            .unprotect(&x(
                "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
            ))
            .unwrap();
        assert_eq!(
            hex::encode_upper(&r.data),
            "04303130365F36063034303030305C026175"
        );
        assert_eq!(hex::encode_upper(sm.ssc()), "887022120C06C22C");
    }

    #[test]
    fn tampered_or_unprotected_responses() {
        let mut sm = session();
        sm.protect(&x("00A4020C02011E")).unwrap();
        let mut bad = x("990290008E08FA855A5D4C50A8ED9000");
        bad[3] ^= 0x01;
        assert_eq!(sm.unprotect(&bad).unwrap_err(), SmError::BadMac);

        let mut sm = session();
        let r = sm.unprotect(&x("6982")).unwrap();
        assert_eq!((r.sw, r.protected), (0x6982, false));
        assert_eq!(sm.unprotect(&x("9000")).unwrap_err(), SmError::MissingMac);
        assert!(sm.unprotect(&x("90")).is_err());
        assert!(sm.unprotect(&x("99029000")).is_err());
    }

    #[test]
    fn command_shapes() {
        let mut sm = session();
        assert!(sm.protect(&x("00A4")).is_err());
        assert!(sm.protect(&x("00A4020C03011E")).is_err());
        assert!(sm.protect(&x("00B000000000FF")).is_err());
        // No data, no Le.
        let p = sm.protect(&x("00A4000C")).unwrap();
        assert_eq!(p[..5], [0x0C, 0xA4, 0x00, 0x0C, 0x0A]);
        // Odd INS uses DO'85'.
        let p = sm.protect(&x("00B100000400010203FF")).unwrap();
        assert_eq!(p[5], 0x85);
    }

    #[test]
    fn padding_and_counter() {
        assert_eq!(pad(&[1, 2]), [1, 2, 0x80, 0, 0, 0, 0, 0]);
        assert_eq!(pad(&[0; 8]).len(), 16);
        assert_eq!(unpad(&[1, 2, 0x80, 0, 0]), Some(&[1u8, 2][..]));
        assert_eq!(unpad(&[1, 2, 0, 0]), None);
        assert_eq!(unpad(&[0, 0]), None);
        let mut sm = SecureMessaging::new([0; 16], [0; 16], [0, 0, 0, 0, 0, 0, 0xFF, 0xFF]);
        sm.increment_ssc();
        assert_eq!(sm.ssc(), [0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(format!("{sm:?}"), "SecureMessaging(..)");
    }
}
