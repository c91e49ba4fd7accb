//! Reading one elementary file, robustly: READ BINARY in chunks, with every answer a chip may
//! give to it.
//!
//! Vietnamese chips, like others, differ in the details, and a reader that only does the
//! textbook sequence fails at the counter. This engine copes with:
//! - short EF identifiers: the first READ BINARY names the file (P1 = `80 | SFI`), saving the
//!   SELECT; a card that refuses one (`6A86`, `6D00`, …) gets SELECT for that file and every
//!   later one;
//! - a file's size learnt from its TLV header, then chunks of at most the caller's size;
//! - `6282` (end of file reached), `6B00` past the end, `6Cxx` (retry with the exact length),
//!   `61xx` (GET RESPONSE), `6700` (smaller chunks);
//! - offsets above `7FFF` with the odd INS `B1` (offset in DO'54', data in DO'53');
//! - `6A82` (absent) and `6982` (protected, e.g. DG3 under EAC): [`Unavailable`], not errors.
//!
//! It sends through a [`Channel`], which the reader's session implements: under secure
//! messaging, recovering from a card reset (reconnect, authenticate again, select the file
//! again) before the engine sees the answer. So the engine is only about READ BINARY, and is
//! tested with a fake chip that misbehaves on cue (`testing::fake_chip`).

use crate::lds::LdsFile;
use crate::lds::tlv;
use crate::transport::RawResponse;
use thiserror::Error;

/// The largest READ BINARY chunk that fits a short secure messaging response (3DES).
pub const DEFAULT_MAX_CHUNK: u8 = 0xDF;

/// Progress of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The file being read.
    pub file: LdsFile,
    /// Bytes read so far.
    pub read: usize,
    /// The file's size, once its header was read.
    pub total: Option<usize>,
}

/// Why a file is not in the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// `6A82`: the card has no such file.
    Absent,
    /// `6982`: the file needs more access rights (DG3/DG4: Extended Access Control).
    Protected,
}

/// The outcome of reading one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRead {
    /// The file's bytes, exactly as stored.
    Data(Vec<u8>),
    /// The card has it not, or protects it.
    Unavailable(Unavailable),
}

/// What went wrong reading a file, beyond the exchange itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadBinaryError {
    /// A command got an unexpected status word.
    #[error("{step}: the chip answered {sw:04X}")]
    Status {
        /// The command (`READ BINARY EF.SOD at offset 0`).
        step: String,
        /// The status word.
        sw: u16,
    },
    /// The chip's answer is malformed.
    #[error("{step}: {what}")]
    BadResponse {
        /// The command.
        step: String,
        /// What was wrong.
        what: String,
    },
}

/// A card session as the engine sees it (the reader's session implements it).
pub trait Channel {
    /// Why an exchange failed; the engine's own failures convert into it.
    type Error: From<ReadBinaryError>;
    /// Sends one command (under secure messaging when a session is up) and returns the plain
    /// answer; a card reset is the session's to recover from.
    fn exchange(&mut self, step: &str, command: &[u8]) -> Result<RawResponse, Self::Error>;
    /// `fid` is now the selected file (to be selected again after a reset).
    fn selected(&mut self, fid: u16);
    /// Whether files may be read by short EF identifier.
    fn short_ef_ids(&self) -> bool;
    /// The card refused a short EF identifier: SELECT from now on.
    fn no_short_ef_ids(&mut self);
    /// `bytes` file bytes came in (for the read's counters).
    fn received(&mut self, bytes: usize);
}

/// SELECT EF by file identifier, no answer data (`00 A4 02 0C 02 fid`).
pub fn select_ef(fid: u16) -> Vec<u8> {
    let [hi, lo] = fid.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

/// The short EF identifier of an LDS file (`0101`–`0110` → 1–16, `011D` EF.SOD → 29,
/// `011E` EF.COM → 30): the low five bits of its file identifier.
pub fn short_ef_id(fid: u16) -> Option<u8> {
    let [hi, lo] = fid.to_be_bytes();
    let sfi = lo & 0x1F;
    (hi == 0x01 && lo & 0xE0 == 0 && (1..=30).contains(&sfi)).then_some(sfi)
}

/// The length of a complete BER-TLV object from its first bytes, if they suffice.
pub fn tlv_total_length(head: &[u8]) -> Option<usize> {
    let first = *head.first()?;
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *head.get(i)?;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i > 4 {
                return None;
            }
        }
    }
    let l0 = *head.get(i)?;
    i += 1;
    let len = match l0 {
        0..=0x7F => usize::from(l0),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7F);
            let bytes = head.get(i..i + n)?;
            i += n;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        _ => return None,
    };
    i.checked_add(len)
}

/// SELECT an elementary file by its identifier; `Some` when the card has it not or protects
/// it.
pub fn select<C: Channel + ?Sized>(
    chan: &mut C,
    file: LdsFile,
    fid: u16,
) -> Result<Option<Unavailable>, C::Error> {
    let step = format!("SELECT {file}");
    let r = chan.exchange(&step, &select_ef(fid))?;
    match r.sw {
        0x9000 => {
            chan.selected(fid);
            Ok(None)
        }
        0x6A82 => Ok(Some(Unavailable::Absent)),
        0x6982 => Ok(Some(Unavailable::Protected)),
        sw => Err(ReadBinaryError::Status { step, sw }.into()),
    }
}

/// One READ BINARY of `le` bytes at `offset` (with `sfi`: of the file with that short EF
/// identifier, selecting it; `offset` is then at most 255); returns the data and the status
/// word, after any GET RESPONSE.
fn read_binary<C: Channel + ?Sized>(
    chan: &mut C,
    file: LdsFile,
    sfi: Option<u8>,
    offset: usize,
    le: u8,
) -> Result<RawResponse, C::Error> {
    let step = format!("READ BINARY {file} at offset {offset}");
    let mut r = if let Some(sfi) = sfi {
        let p2 = u8::try_from(offset).map_err(|_| ReadBinaryError::BadResponse {
            step: step.clone(),
            what: "offset too large for a read by short EF identifier".into(),
        })?;
        chan.exchange(&step, &[0x00, 0xB0, 0x80 | sfi, p2, le])?
    } else if offset <= 0x7FFF {
        let [hi, lo] = u16::try_from(offset).unwrap_or(0).to_be_bytes();
        chan.exchange(&step, &[0x00, 0xB0, hi, lo, le])?
    } else {
        // Odd INS: the offset in DO'54', the data comes back in DO'53'.
        let off = u32::try_from(offset).map_err(|_| ReadBinaryError::BadResponse {
            step: step.clone(),
            what: "offset too large".into(),
        })?;
        let bytes = off.to_be_bytes();
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(3);
        let off_bytes = bytes.get(start..).unwrap_or(&[]);
        let do54 = tlv::encode(0x54, off_bytes);
        let mut cmd = vec![0x00, 0xB1, 0x00, 0x00];
        cmd.push(u8::try_from(do54.len()).unwrap_or(0));
        cmd.extend_from_slice(&do54);
        cmd.push(le.saturating_add(4));
        let mut r = chan.exchange(&step, &cmd)?;
        if !r.data.is_empty() {
            let value = tlv::TlvReader::new(&r.data)
                .find(0x53)
                .ok()
                .flatten()
                .map(|t| t.value.to_vec())
                .ok_or_else(|| ReadBinaryError::BadResponse {
                    step: step.clone(),
                    what: "READ BINARY (B1) answer has no DO'53'".into(),
                })?;
            r.data = value;
        }
        r
    };
    // 61xx: more data waits; fetch it with GET RESPONSE.
    let mut guard = 0;
    while r.sw & 0xFF00 == 0x6100 && guard < 16 {
        guard += 1;
        let [_, xx] = r.sw.to_be_bytes();
        let more = chan.exchange(
            &format!("GET RESPONSE for {file} at offset {offset}"),
            &[0x00, 0xC0, 0x00, 0x00, xx],
        )?;
        r.data.extend_from_slice(&more.data);
        r.sw = more.sw;
    }
    Ok(r)
}

/// Selects and reads one file (`fid`, named `file` in errors and progress) in chunks of at most
/// `max_chunk` bytes; `progress` is called when it starts and after every chunk.
pub fn read_file<C: Channel + ?Sized>(
    chan: &mut C,
    file: LdsFile,
    fid: u16,
    max_chunk: u8,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FileRead, C::Error> {
    // By short EF identifier, the first READ BINARY selects the file; otherwise SELECT.
    let mut sfi = short_ef_id(fid).filter(|_| chan.short_ef_ids());
    if sfi.is_none()
        && let Some(unavailable) = select(chan, file, fid)?
    {
        return Ok(FileRead::Unavailable(unavailable));
    }
    let mut data: Vec<u8> = Vec::new();
    let mut total: Option<usize> = None;
    let mut chunk = max_chunk.max(1);
    let mut exact: Option<u8> = None;
    let mut retries = 0u32;
    progress(&Progress {
        file,
        read: 0,
        total: None,
    });
    loop {
        let offset = data.len();
        let want = match total {
            Some(t) if offset >= t => break,
            Some(t) => u8::try_from((t - offset).min(usize::from(chunk))).unwrap_or(chunk),
            // First the header, to learn the size; without one, whole chunks to the end.
            None if offset == 0 => chunk.min(8),
            None => chunk,
        };
        let le = exact.take().unwrap_or(want);
        let by_sfi = sfi.filter(|_| offset == 0);
        let r = read_binary(chan, file, by_sfi, offset, le)?;
        let step = || format!("READ BINARY {file} at offset {offset}");
        let mut at_end = false;
        if by_sfi.is_some() {
            match r.sw {
                0x9000 | 0x6282 => {
                    // Selected by this very read (and again after a reset).
                    chan.selected(fid);
                    sfi = None;
                }
                0x6A82 => return Ok(FileRead::Unavailable(Unavailable::Absent)),
                0x6982 => return Ok(FileRead::Unavailable(Unavailable::Protected)),
                sw if sw & 0xFF00 == 0x6C00 || sw == 0x6700 => {}
                _ => {
                    // No short EF identifiers on this card (6A86, 6D00, 6B00…): SELECT,
                    // for this file and the rest of the session.
                    chan.no_short_ef_ids();
                    sfi = None;
                    if let Some(unavailable) = select(chan, file, fid)? {
                        return Ok(FileRead::Unavailable(unavailable));
                    }
                    continue;
                }
            }
        }
        match r.sw {
            0x9000 => {}
            0x6282 => at_end = true,
            0x6B00 if offset > 0 => at_end = true,
            0x6982 if offset == 0 => {
                return Ok(FileRead::Unavailable(Unavailable::Protected));
            }
            0x6A82 if offset == 0 => return Ok(FileRead::Unavailable(Unavailable::Absent)),
            sw if sw & 0xFF00 == 0x6C00 && retries < 4 => {
                retries += 1;
                let [_, xx] = sw.to_be_bytes();
                exact = Some(if xx == 0 { chunk } else { xx.min(chunk) });
                continue;
            }
            0x6700 if chunk > 0x10 && retries < 4 => {
                retries += 1;
                chunk /= 2;
                continue;
            }
            sw => return Err(ReadBinaryError::Status { step: step(), sw }.into()),
        }
        retries = 0;
        if r.data.is_empty() {
            at_end = true;
        }
        data.extend_from_slice(&r.data);
        if total.is_none() {
            total = tlv_total_length(&data);
        }
        chan.received(r.data.len());
        progress(&Progress {
            file,
            read: data.len(),
            total,
        });
        if at_end {
            break;
        }
    }
    if let Some(t) = total {
        if data.len() > t {
            data.truncate(t);
        } else if data.len() < t {
            return Err(ReadBinaryError::BadResponse {
                step: format!("READ BINARY {file}"),
                what: format!("the file ended after {} of {t} bytes", data.len()),
            }
            .into());
        }
    }
    Ok(FileRead::Data(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;
    use crate::lds::{DgNumber, EF_COM, EF_SOD};
    use crate::reader::ReadOptions;
    use crate::testing::fake_chip::{
        FakeChip, Short, assert_genuine_and_complete, card, read, read_options as options,
    };

    #[test]
    fn files_are_read_by_short_ef_identifier_and_selected_only_when_the_card_refuses_it() {
        let selects = |log: &[Vec<u8>]| log.iter().filter(|c| c[1] == 0xA4 && c[2] == 0x02).count();
        // (under secure messaging: the plain probe of EF.CardAccess is not a file read)
        let sfi_reads = |log: &[Vec<u8>]| {
            log.iter()
                .filter(|c| c[0] & 0x0C == 0x0C && c[1] == 0xB0 && c[2] & 0x80 != 0)
                .count()
        };
        let mut chip = FakeChip::new(card());
        let by_sfi = read(&mut chip, &options()).0.unwrap();
        assert_genuine_and_complete(&by_sfi);
        assert_eq!(selects(&chip.log), 0, "no SELECT EF at all");
        // EF.COM, EF.SOD, DG1, DG2, DG3 (protected), DG13, DG14, DG15: one each
        let files = 2 + by_sfi.data_groups.len() + by_sfi.unavailable.len();
        assert_eq!(files, 8);
        assert_eq!(sfi_reads(&chip.log), files);

        // A card without them: refused once, then SELECT for every file; the same read.
        let mut old = FakeChip::new(card());
        old.sfi = false;
        let by_select = read(&mut old, &options()).0.unwrap();
        assert_genuine_and_complete(&by_select);
        assert_eq!(sfi_reads(&old.log), 1, "tried once only");
        assert_eq!(selects(&old.log), files);
        assert_eq!(by_select.data_groups, by_sfi.data_groups);
        let files = u32::try_from(files).unwrap();
        assert_eq!(by_select.stats.apdus, by_sfi.stats.apdus + files + 1);

        // Turned off: SELECT only.
        let mut chip = FakeChip::new(card());
        let off = ReadOptions {
            short_ef_ids: false,
            ..options()
        };
        let selected = read(&mut chip, &off).0.unwrap();
        assert_eq!(sfi_reads(&chip.log), 0);
        assert_eq!(selected.stats.apdus, by_sfi.stats.apdus + files);
    }

    #[test]
    fn short_ef_identifiers_are_those_of_the_lds_files() {
        assert_eq!(short_ef_id(0x0101), Some(1));
        assert_eq!(short_ef_id(0x0110), Some(16));
        assert_eq!(short_ef_id(EF_SOD), Some(0x1D));
        assert_eq!(short_ef_id(EF_COM), Some(0x1E));
        assert_eq!(short_ef_id(0x0100), None);
        assert_eq!(short_ef_id(0x011C + 0x20), None);
        assert_eq!(short_ef_id(0x011F), None);
        assert_eq!(short_ef_id(0x3F00), None);
    }

    #[test]
    fn short_reads_6282_6c_61_and_wrong_length() {
        for short in [Short::Sw6282, Short::Sw6C, Short::Split61] {
            let mut chip = FakeChip::new(card());
            chip.short = short;
            let (result, _) = read(&mut chip, &options());
            assert_genuine_and_complete(&result.unwrap());
        }
        // A file shorter than the 8-byte header read: 6282 with what is there, or 6C05.
        let tiny = vec![0x6B, 0x03, 0x01, 0x02, 0x03];
        for short in [Short::Sw6282, Short::Sw6C] {
            let mut files = card();
            files.insert(0x010B, tiny.clone());
            let mut chip = FakeChip::new(files);
            chip.short = short;
            let mut opts = options();
            opts.data_groups.push(DgNumber::new(11).unwrap());
            let (result, _) = read(&mut chip, &opts);
            let result = result.unwrap();
            assert_eq!(
                result.data_groups.get(&DgNumber::new(11).unwrap()),
                Some(&tiny)
            );
            assert_eq!(result.data_groups.len(), 6);
        }
        // A chip that only takes 0xA0 bytes at a time: 6700, then smaller chunks.
        let mut chip = FakeChip::new(card());
        chip.max_le = 0xA0;
        let (result, _) = read(&mut chip, &options());
        assert_genuine_and_complete(&result.unwrap());
    }

    #[test]
    fn offsets_above_7fff_use_odd_ins() {
        let mut files = card();
        let mut big = TlvWriter::new();
        let payload: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        big.put(0x75, &payload);
        let big = big.into_bytes();
        files.insert(DgNumber::DG2.file_id(), big.clone());
        let mut chip = FakeChip::new(files);
        let (result, _) = read(&mut chip, &options());
        let result = result.unwrap();
        assert_eq!(result.data_groups.get(&DgNumber::DG2), Some(&big));
        assert!(chip.log.iter().any(|c| c[..2] == [0x0C, 0xB1]));
        // DG2 is not what EF.SOD signed.
        assert_eq!(
            result.verdict.kind,
            crate::verify::verdict::VerdictKind::DataAltered
        );
    }

    #[test]
    fn tlv_lengths_from_headers() {
        assert_eq!(tlv_total_length(&[0x60, 0x18]), Some(26));
        assert_eq!(tlv_total_length(&[0x77, 0x82, 0x04, 0x7E]), Some(4 + 0x47E));
        assert_eq!(tlv_total_length(&[0x5F, 0x1F, 0x81, 0x5A]), Some(4 + 0x5A));
        assert_eq!(tlv_total_length(&[0x77, 0x82, 0x04]), None);
        assert_eq!(tlv_total_length(&[0x77, 0x80]), None);
        assert_eq!(tlv_total_length(&[]), None);
    }
}
