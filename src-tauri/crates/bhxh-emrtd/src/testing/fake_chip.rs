//! A chip in a test, in the same process: the eMRTD application, BAC, 3DES secure messaging,
//! transparent files, INTERNAL AUTHENTICATE, and the awkward answers real chips give.
//!
//! The reader's unit tests need a card that misbehaves on cue — short reads answered with
//! `6282`, `6Cxx` or `61xx`, a chip that takes only 160 bytes at a time, one without short EF
//! identifiers, a reset or a removal at a given APDU, a cloned Active Authentication key — and
//! need it in microseconds, thousands of times. [`FakeChip`] is that card. It implements the
//! protocol independently of the reader (its own SSC, MAC and padding code paths), so a bug in
//! the reader's secure messaging shows up as a MAC failure rather than being mirrored. The PC/SC
//! bench ([`super::pcsc`]) covers the real stack with the Python emulator; this covers the
//! corner cases.
//!
//! Malformed commands get an ISO 7816 error status rather than a panic, so the fake also serves
//! tests that send garbage.

use super::fixtures::{self, BIRTH, CARD_SOD, EXPIRY, ID};
use crate::access::AccessKey;
use crate::lds::tlv::{TlvReader, encode};
use crate::lds::{DgNumber, EF_COM, EF_SOD, EMRTD_AID, LdsFile};
use crate::protocol::bac::{BacKeys, derive_3des_key};
use crate::protocol::secure_messaging::{
    pad, retail_mac, tdes_cbc_decrypt, tdes_cbc_encrypt, unpad,
};
use crate::reader::{Progress, ReadError, ReadOptions, ReadResult, Unavailable, read_card};
use crate::transport::{RawResponse, Transport, TransportError};
use crate::verify::verdict::VerdictKind;
use std::collections::BTreeMap;

/// How the fake chip answers a READ BINARY asking for more than is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Short {
    /// `6282` with what is left.
    Sw6282,
    /// `6Cxx` with the exact length.
    Sw6C,
    /// Every answer split: half now, the rest after `61xx` + GET RESPONSE.
    Split61,
}

/// `KS_enc`, `KS_mac` and the send sequence counter of a BAC session.
type Session = ([u8; 16], [u8; 16], [u8; 8]);

/// DG3: listed and selectable, but protected (`6982`), as on real cards (EAC).
const DG3: u16 = 0x0103;

/// The status words the generated card answers READ BINARY with instead of data: DG3
/// protected (`6982`), as on real cards (Extended Access Control).
pub fn default_refusals() -> BTreeMap<u16, u16> {
    BTreeMap::from([(DG3, 0x6982)])
}

/// A chip in a test: eMRTD application, BAC, 3DES secure messaging, transparent files.
#[derive(Debug)]
pub struct FakeChip {
    /// The files by identifier.
    pub files: BTreeMap<u16, Vec<u8>>,
    /// How a READ BINARY past the end is answered.
    pub short: Short,
    /// The largest `Le` a READ BINARY may ask for (more: `6700`).
    pub max_le: usize,
    /// Command APDUs received.
    pub apdus: u32,
    /// Reset the card at this APDU (the transport then reports `CardReset` until reconnected).
    pub reset_at: Option<u32>,
    /// Remove the card at this APDU.
    pub remove_at: Option<u32>,
    /// Every command APDU received, as sent (protected ones protected).
    pub log: Vec<Vec<u8>>,
    /// The Active Authentication private key (PKCS#1 DER); `None`: INTERNAL AUTHENTICATE
    /// answers `6D00`.
    pub aa_key: Option<Vec<u8>>,
    /// Whether READ BINARY by short EF identifier works (else `6A86`).
    pub sfi: bool,
    /// Files that SELECT finds but READ BINARY answers with this status word instead of data
    /// (by file identifier): DG3 `6982` by default ([`default_refusals`]); a test adds DG15
    /// `6982` for a chip that pretends its key is protected, or `6F00` for a chip in trouble.
    pub refusals: BTreeMap<u16, u16>,
    keys: BacKeys,
    app: bool,
    current: Option<u16>,
    challenge: Option<[u8; 8]>,
    session: Option<Session>,
    pending: Vec<u8>,
    needs_reconnect: bool,
}

/// ISO/IEC 9796-2 scheme 1 with SHA-1 (trailer BC), partial recovery, as a chip signs; `None`
/// for a key that does not parse.
fn sign_9796_2(key_der: &[u8], challenge: &[u8]) -> Option<Vec<u8>> {
    use num_bigint::BigUint;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let key = rsa::PrivateKey::from_pkcs1_der(key_der).ok()?;
    let n = BigUint::from_bytes_be(&key.n_bytes());
    let d = BigUint::from_bytes_be(&key.d().to_be_bytes());
    let k = key.n_bytes().len();
    let m1: Vec<u8> = (0..k.checked_sub(22)?).map(|i| (i * 7 + 3) as u8).collect();
    let mut m = m1.clone();
    m.extend_from_slice(challenge);
    let mut f = vec![0x6A];
    f.extend(m1);
    f.extend(crate::crypto::HashAlgorithm::Sha1.digest(&m));
    f.push(0xBC);
    let s = BigUint::from_bytes_be(&f).modpow(&d, &n).to_bytes_be();
    let mut out = vec![0u8; k.checked_sub(s.len())?];
    out.extend(s);
    Some(out)
}

fn inc(ssc: &mut [u8; 8]) {
    for b in ssc.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
}

fn mac(ks_mac: &[u8; 16], ssc: &[u8; 8], data: &[u8]) -> [u8; 8] {
    let mut n = ssc.to_vec();
    n.extend_from_slice(data);
    retail_mac(ks_mac, &pad(&n))
}

/// A status word with a length in its low byte (`6Cxx`, `61xx`).
fn sw_with_len(base: u16, len: usize) -> u16 {
    base | u16::from(u8::try_from(len).unwrap_or(0))
}

/// The generated card ([`fixtures::card_files`], EF.COM and EF.SOD) by file identifier.
pub fn card() -> BTreeMap<u16, Vec<u8>> {
    let mut files: BTreeMap<u16, Vec<u8>> = fixtures::card_files()
        .into_iter()
        .map(|(n, b)| (n.file_id(), b))
        .collect();
    files.insert(EF_COM, fixtures::ef_com());
    files.insert(EF_SOD, fixtures::sod(CARD_SOD));
    files
}

/// The generated card's access key (its ID and dates).
pub fn access_key() -> AccessKey {
    AccessKey::from_cccd(ID, BIRTH, EXPIRY)
        .unwrap_or_else(|e| panic!("the test card's access key: {e}"))
}

/// Read options for the fake chip: certificates checked inside their validity, and no Chip
/// Authentication (the fake has none; the emulator's is tested over PC/SC).
pub fn read_options() -> ReadOptions {
    ReadOptions {
        at: Some(fixtures::inside_validity()),
        chip_authentication: false,
        ..ReadOptions::default()
    }
}

/// Reads `chip` with the card's key against the test CSCAs; the result and every progress
/// report.
pub fn read(
    chip: &mut FakeChip,
    options: &ReadOptions,
) -> (Result<ReadResult, ReadError>, Vec<Progress>) {
    let mut events = Vec::new();
    let r = read_card(
        chip,
        &access_key(),
        &fixtures::trust("trust"),
        options,
        &mut |p| events.push(*p),
    );
    (r, events)
}

/// Asserts that `result` is the whole generated card, judged genuine: every data group as
/// stored, EF.SOD, DG3 protected, DG13 parsed.
pub fn assert_genuine_and_complete(result: &ReadResult) {
    assert_eq!(
        result.verdict.kind,
        VerdictKind::Genuine,
        "{}",
        result.verdict.render_text()
    );
    let files = card();
    for (dg, bytes) in &result.data_groups {
        assert_eq!(Some(bytes), files.get(&dg.file_id()), "{dg}");
    }
    assert_eq!(result.data_groups.len(), 5);
    assert_eq!(result.sod.as_ref(), files.get(&EF_SOD));
    assert_eq!(
        result.unavailable,
        vec![(LdsFile::Dg(DgNumber::DG3), Unavailable::Protected)]
    );
    assert_eq!(
        result.dg13.as_ref().and_then(|d| d.id_number()),
        Some(ID),
        "DG13"
    );
    assert!(
        result.parse_problems.is_empty(),
        "{:?}",
        result.parse_problems
    );
}

impl FakeChip {
    /// A chip holding `files` (by identifier), with the generated card's BAC key and Active
    /// Authentication key, short EF identifiers, and `6282` for short reads.
    pub fn new(files: BTreeMap<u16, Vec<u8>>) -> Self {
        Self {
            files,
            keys: BacKeys::from_fields(ID.get(3..).unwrap_or_default(), BIRTH, EXPIRY),
            short: Short::Sw6282,
            max_le: 0xDF,
            app: false,
            current: None,
            challenge: None,
            session: None,
            pending: Vec::new(),
            apdus: 0,
            reset_at: None,
            remove_at: None,
            needs_reconnect: false,
            log: Vec::new(),
            aa_key: Some(fixtures::aa_private_key()),
            sfi: true,
            refusals: default_refusals(),
        }
    }

    fn reset(&mut self) {
        self.app = false;
        self.current = None;
        self.challenge = None;
        self.session = None;
    }

    /// One plain command (after unwrapping secure messaging when `sm`): data and status word.
    fn plain(
        &mut self,
        ins: u8,
        p1: u8,
        p2: u8,
        data: &[u8],
        le: Option<usize>,
        sm: bool,
    ) -> (Vec<u8>, u16) {
        match (ins, p1) {
            (0xA4, 0x04) if data == EMRTD_AID => {
                self.app = true;
                (vec![], 0x9000)
            }
            (0xA4, 0x02) if !sm => (vec![], 0x6982),
            (0xA4, 0x02) => {
                let [hi, lo, ..] = data else {
                    return (vec![], 0x6700);
                };
                let fid = u16::from_be_bytes([*hi, *lo]);
                if self.files.contains_key(&fid) || self.refusals.contains_key(&fid) {
                    self.current = Some(fid);
                    (vec![], 0x9000)
                } else {
                    (vec![], 0x6A82)
                }
            }
            (0xA4, _) => (vec![], 0x6D00),
            (0x84, _) => {
                let c = [0x46, 0x08, 0xF9, 0x19, 0x88, 0x70, 0x22, 0x12];
                self.challenge = Some(c);
                (c.to_vec(), 0x9000)
            }
            (0x82, _) => self.external_authenticate(data),
            (0x88, _) if !sm => (vec![], 0x6982),
            (0x88, _) => match &self.aa_key {
                Some(key) if data.len() == 8 => match sign_9796_2(key, data) {
                    Some(signature) => (signature, 0x9000),
                    None => (vec![], 0x6F00),
                },
                Some(_) => (vec![], 0x6700),
                None => (vec![], 0x6D00),
            },
            (0xC0, _) => {
                let n = le.unwrap_or(256).min(self.pending.len());
                let out: Vec<u8> = self.pending.drain(..n).collect();
                (out, 0x9000)
            }
            (0xB0 | 0xB1, _) if !sm => (vec![], 0x6982),
            (0xB0 | 0xB1, _) => self.read_binary(ins, p1, p2, data, le),
            _ => (vec![], 0x6D00),
        }
    }

    /// BAC's EXTERNAL AUTHENTICATE: checks the terminal's cryptogram and starts the session.
    fn external_authenticate(&mut self, data: &[u8]) -> (Vec<u8>, u16) {
        let Some(rnd_ic) = self.challenge.take() else {
            return (vec![], 0x6985);
        };
        let Some((e, m)) = data.split_at_checked(32) else {
            return (vec![], 0x6700);
        };
        if retail_mac(&self.keys.k_mac, &pad(e)) != m {
            return (vec![], 0x6300);
        }
        let s = tdes_cbc_decrypt(&self.keys.k_enc, e);
        if s[8..16] != rnd_ic {
            return (vec![], 0x6300);
        }
        let k_ic = [0x0Bu8; 16];
        let mut r = rnd_ic.to_vec();
        r.extend_from_slice(&s[0..8]);
        r.extend_from_slice(&k_ic);
        let mut out = tdes_cbc_encrypt(&self.keys.k_enc, &r);
        let m = retail_mac(&self.keys.k_mac, &pad(&out));
        out.extend_from_slice(&m);
        let seed: Vec<u8> = s[16..32].iter().zip(k_ic).map(|(a, b)| a ^ b).collect();
        let mut ssc = [0u8; 8];
        ssc[..4].copy_from_slice(&rnd_ic[4..]);
        ssc[4..].copy_from_slice(&s[4..8]);
        self.session = Some((derive_3des_key(&seed, 1), derive_3des_key(&seed, 2), ssc));
        (out, 0x9000)
    }

    /// READ BINARY, even INS (offset in P1-P2, or a short EF identifier in P1) or odd (`B1`,
    /// offset in DO'54', data in DO'53').
    fn read_binary(
        &mut self,
        ins: u8,
        p1: u8,
        p2: u8,
        data: &[u8],
        le: Option<usize>,
    ) -> (Vec<u8>, u16) {
        let le = match le {
            Some(0) | None => 256,
            Some(n) => n,
        };
        let offset = if ins == 0xB0 && p1 & 0x80 != 0 {
            // By short EF identifier: selects the file, P2 is the offset.
            if !self.sfi {
                return (vec![], 0x6A86);
            }
            let fid = 0x0100 | u16::from(p1 & 0x1F);
            if !self.files.contains_key(&fid) && !self.refusals.contains_key(&fid) {
                return (vec![], 0x6A82);
            }
            self.current = Some(fid);
            usize::from(p2)
        } else if ins == 0xB0 {
            usize::from(p1 & 0x7F) << 8 | usize::from(p2)
        } else {
            let Ok(t) = TlvReader::new(data).expect(0x54) else {
                return (vec![], 0x6A80);
            };
            t.value.iter().fold(0, |a, b| a << 8 | usize::from(*b))
        };
        let Some(fid) = self.current else {
            return (vec![], 0x6986);
        };
        if let Some(sw) = self.refusals.get(&fid) {
            return (vec![], *sw);
        }
        if le > self.max_le + if ins == 0xB1 { 4 } else { 0 } {
            return (vec![], 0x6700);
        }
        let Some(content) = self.files.get(&fid) else {
            return (vec![], 0x6A82);
        };
        if offset > content.len() {
            return (vec![], 0x6B00);
        }
        let want = if ins == 0xB1 {
            le.saturating_sub(4)
        } else {
            le
        };
        let chunk = content[offset..(offset + want).min(content.len())].to_vec();
        let short = chunk.len() < want;
        if short && self.short == Short::Sw6C && !chunk.is_empty() {
            return (vec![], sw_with_len(0x6C00, chunk.len()));
        }
        let sw = if short { 0x6282 } else { 0x9000 };
        let chunk = if ins == 0xB1 {
            encode(0x53, &chunk)
        } else {
            chunk
        };
        if self.short == Short::Split61 && chunk.len() >= 2 && sw == 0x9000 {
            let half = chunk.len() / 2;
            self.pending = chunk[half..].to_vec();
            return (
                chunk[..half].to_vec(),
                sw_with_len(0x6100, self.pending.len()),
            );
        }
        (chunk, sw)
    }

    /// A command under secure messaging: verify and decrypt, run it, protect the answer.
    fn protected(&mut self, cmd: &[u8]) -> Vec<u8> {
        let Some((ks_enc, ks_mac, mut ssc)) = self.session else {
            return vec![0x69, 0x82];
        };
        let (Some(header), Some(&lc)) = (cmd.get(..4), cmd.get(4)) else {
            return vec![0x67, 0x00];
        };
        let Some(body) = cmd.get(5..5 + usize::from(lc)) else {
            return vec![0x67, 0x00];
        };
        let (mut data, mut le, mut m, mut covered) = (vec![], None, None, 0);
        for t in TlvReader::new(body) {
            let Ok(t) = t else {
                self.session = None;
                return vec![0x69, 0x88];
            };
            match t.tag.0 {
                0x87 => data = t.value.get(1..).unwrap_or_default().to_vec(),
                0x85 => data = t.value.to_vec(),
                0x97 => le = t.value.first().map(|b| usize::from(*b)),
                0x8E => {
                    m = Some(t.value.to_vec());
                    break;
                }
                _ => {}
            }
            covered = t.offset + t.raw.len();
        }
        inc(&mut ssc);
        let mut input = pad(header);
        input.extend_from_slice(&body[..covered]);
        if m.as_deref() != Some(mac(&ks_mac, &ssc, &input).as_slice()) {
            self.session = None;
            return vec![0x69, 0x88];
        }
        let plain = if data.is_empty() {
            vec![]
        } else {
            match unpad(&tdes_cbc_decrypt(&ks_enc, &data)) {
                Some(p) => p.to_vec(),
                None => {
                    self.session = None;
                    return vec![0x69, 0x88];
                }
            }
        };
        let (rdata, sw) = self.plain(cmd[1], cmd[2], cmd[3], &plain, le, true);
        inc(&mut ssc);
        let mut dos = vec![];
        if !rdata.is_empty() {
            let enc = tdes_cbc_encrypt(&ks_enc, &pad(&rdata));
            if cmd[1] & 1 == 1 {
                dos.extend(encode(0x85, &enc));
            } else {
                let mut v = vec![1];
                v.extend(enc);
                dos.extend(encode(0x87, &v));
            }
        }
        dos.extend(encode(0x99, &sw.to_be_bytes()));
        let m = mac(&ks_mac, &ssc, &dos);
        dos.extend(encode(0x8E, &m));
        dos.extend(sw.to_be_bytes());
        self.session = Some((ks_enc, ks_mac, ssc));
        dos
    }
}

impl Transport for FakeChip {
    fn transmit(&mut self, cmd: &[u8]) -> Result<RawResponse, TransportError> {
        self.apdus += 1;
        self.log.push(cmd.to_vec());
        if self.needs_reconnect {
            return Err(TransportError::CardReset);
        }
        if self.remove_at == Some(self.apdus) {
            self.remove_at = None;
            return Err(TransportError::CardRemoved);
        }
        if self.reset_at == Some(self.apdus) {
            self.reset_at = None;
            self.reset();
            self.needs_reconnect = true;
            return Err(TransportError::CardReset);
        }
        let Some((&[cla, ins, p1, p2], body)) = cmd.split_first_chunk::<4>() else {
            return RawResponse::from_bytes(&[0x67, 0x00]);
        };
        let out = if cla & 0x0C == 0x0C {
            self.protected(cmd)
        } else {
            let (data, le) = match body {
                [] => (&[][..], None),
                [le] => (&[][..], Some(usize::from(*le))),
                [lc, rest @ ..] => {
                    let lc = usize::from(*lc);
                    let Some(data) = rest.get(..lc) else {
                        return RawResponse::from_bytes(&[0x67, 0x00]);
                    };
                    (data, rest.get(lc).map(|b| usize::from(*b)))
                }
            };
            let (mut d, sw) = self.plain(ins, p1, p2, data, le, false);
            d.extend(sw.to_be_bytes());
            d
        };
        RawResponse::from_bytes(&out)
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.needs_reconnect = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unauthenticated_read_is_refused_by_the_fake_chip() {
        // The fake enforces "BAC required" like the emulator: a plain READ BINARY gets 6982.
        let mut chip = FakeChip::new(card());
        let r = chip.transmit(&hex::decode("00B0000004").unwrap()).unwrap();
        assert_eq!(r.sw, 0x6982);
    }
}
