//! Composed files: a file whose bytes are mostly other stored files.
//!
//! An assembled PDF of scanned pages carries each JPEG scan byte for byte;
//! sealing it whole would store every scanned byte a second time (and
//! write and fsync it again). A composed file stores only its **recipe**:
//! the bytes that are its own (the PDF's structure, the stamp) and, for each
//! run of bytes that is a stored scan, that scan's hash and length. It is
//! still named by the SHA-256 of its whole plaintext, and [`FileStore::get`]
//! gives back exactly those bytes, checked against that hash, so nothing
//! that reads a file (export, signing, OCR, backup verification) can tell
//! the difference.
//!
//! ## Format
//! ```text
//! magic "BHXHC\x01" | nonce prefix | chunks…   (the sealed-file layout,
//!                                                over the recipe's bytes)
//! recipe  = segment*
//! segment = 0x00 | length (u32, BE) | bytes          its own bytes
//!         | 0x01 | SHA-256 (32 bytes) | length (u64, BE)   a whole stored scan
//! ```
//! The associated data binds the chunks to `magic ‖ SHA-256 of the whole
//! plaintext`, as for a scan. A segment names only plain sealed files (never
//! another composed one), so a recipe cannot loop.
//!
//! ## Invariants
//! - The scans a recipe names are stored and durable before the recipe is
//!   written (the caller stores them first; [`FileStore::put_composed`]
//!   checks they are there).
//! - [`FileStore::sweep_unreferenced`] keeps what a kept recipe names.

use std::collections::HashSet;
use std::fs::File;

use bhxh_secrets::Key256;
use sha2::{Digest, Sha256};

use crate::{FileError, FileStore, check_hash, checked, sha256_hex};

pub(crate) const COMPOSED_MAGIC: &[u8; 6] = b"BHXHC\x01";

/// Bytes with their SHA-256 (the name the store gives them), computed from
/// those very bytes: by [`Hashed::new`], or by [`FileStore::put_many_hashed`]
/// as it stores them. There is no other way to make one, so a hash carried
/// this way needs no second computation.
#[derive(Debug, Clone)]
pub struct Hashed<B: AsRef<[u8]>> {
    bytes: B,
    hash: String,
}

impl<B: AsRef<[u8]>> Hashed<B> {
    /// Hash `bytes` (on the calling thread: an assembler can do it while
    /// other threads store the scans).
    pub fn new(bytes: B) -> Self {
        let hash = sha256_hex(bytes.as_ref());
        Self { bytes, hash }
    }

    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// The lowercase hex SHA-256.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn into_bytes(self) -> B {
        self.bytes
    }
}

impl<'a> Hashed<&'a [u8]> {
    /// `bytes` whose SHA-256 the store itself just computed.
    pub(crate) fn computed(bytes: &'a [u8], hash: String) -> Self {
        Self { bytes, hash }
    }
}

/// A run shorter than this stays in the recipe: naming it would cost more
/// than it saves.
const MIN_PART: usize = 4096;

/// Whether sealed bytes (as stored, or as a backup carries them) are a
/// composed file's recipe rather than a scan.
pub fn is_composed(sealed: &[u8]) -> bool {
    sealed.starts_with(COMPOSED_MAGIC)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Own(Vec<u8>),
    Stored { hash: String, len: u64 },
}

fn encode(segments: &[Segment]) -> Result<Vec<u8>, FileError> {
    let mut out = Vec::new();
    for s in segments {
        match s {
            Segment::Own(bytes) => {
                let n = u32::try_from(bytes.len()).map_err(|_| FileError::TooLarge(bytes.len()))?;
                out.push(0);
                out.extend_from_slice(&n.to_be_bytes());
                out.extend_from_slice(bytes);
            }
            Segment::Stored { hash, len } => {
                let mut digest = [0u8; 32];
                hex::decode_to_slice(hash, &mut digest)
                    .map_err(|_| FileError::BadHash(hash.clone()))?;
                out.push(1);
                out.extend_from_slice(&digest);
                out.extend_from_slice(&len.to_be_bytes());
            }
        }
    }
    Ok(out)
}

fn decode(hash: &str, mut recipe: &[u8]) -> Result<Vec<Segment>, FileError> {
    let bad = |detail: String| FileError::Format {
        hash: hash.to_owned(),
        detail,
    };
    let mut out = Vec::new();
    while let Some((&tag, rest)) = recipe.split_first() {
        let at = out.len() + 1;
        match tag {
            0 => {
                let (n, rest) = rest
                    .split_first_chunk::<4>()
                    .ok_or_else(|| bad(format!("đoạn {at} của công thức bị cắt cụt")))?;
                let n = u32::from_be_bytes(*n) as usize;
                if rest.len() < n {
                    return Err(bad(format!(
                        "đoạn {at} của công thức khai {n} byte nhưng chỉ còn {}",
                        rest.len()
                    )));
                }
                let (bytes, rest) = rest.split_at(n);
                out.push(Segment::Own(bytes.to_vec()));
                recipe = rest;
            }
            1 => {
                let (digest, rest) = rest
                    .split_first_chunk::<32>()
                    .ok_or_else(|| bad(format!("đoạn {at} của công thức bị cắt cụt")))?;
                let (len, rest) = rest
                    .split_first_chunk::<8>()
                    .ok_or_else(|| bad(format!("đoạn {at} của công thức bị cắt cụt")))?;
                out.push(Segment::Stored {
                    hash: hex::encode(digest),
                    len: u64::from_be_bytes(*len),
                });
                recipe = rest;
            }
            other => {
                return Err(bad(format!(
                    "đoạn {at} của công thức có loại {other} không biết"
                )));
            }
        }
    }
    Ok(out)
}

/// Where each part's bytes lie in `whole`: non-overlapping `(start, part
/// index)`, in order. A part is looked for where a PDF stream's data begins
/// (after the keyword `stream` and its end of line), as an assembler embeds a
/// scan: one pass over `whole`, each stream compared with the parts that
/// begin with the same bytes, and the data of a stream found skipped.
fn locate(whole: &[u8], parts: &[(&str, &[u8])]) -> Vec<(usize, usize)> {
    const KEY: usize = 32;
    let mut by_start: std::collections::HashMap<&[u8], Vec<usize>> =
        std::collections::HashMap::new();
    for (i, (_, bytes)) in parts.iter().enumerate() {
        if bytes.len() >= MIN_PART.max(KEY) {
            by_start.entry(&bytes[..KEY]).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    if by_start.is_empty() {
        return out;
    }
    let mut taken = vec![false; parts.len()];
    let keyword = memchr::memmem::Finder::new(b"stream");
    let mut pos = 0;
    while let Some(k) = whole.get(pos..).and_then(|tail| keyword.find(tail)) {
        let after = pos + k + b"stream".len();
        let data = match whole.get(after..) {
            Some([b'\r', b'\n', ..]) => after + 2,
            Some([b'\n', ..]) => after + 1,
            _ => {
                pos = after;
                continue;
            }
        };
        let here = whole.get(data..).unwrap_or(&[]);
        let found = here
            .get(..KEY)
            .and_then(|key| by_start.get(key))
            .and_then(|candidates| {
                candidates
                    .iter()
                    .copied()
                    .find(|&i| !taken[i] && here.starts_with(parts[i].1))
                    .or_else(|| {
                        candidates
                            .iter()
                            .copied()
                            .find(|&i| here.starts_with(parts[i].1))
                    })
            });
        match found {
            Some(i) => {
                taken[i] = true;
                out.push((data, i));
                pos = data + parts[i].1.len();
            }
            None => pos = data,
        }
    }
    out
}

impl FileStore {
    /// Store `whole` as a composed file: the runs of its bytes that are the
    /// given stored scans (`(hash, bytes)`, e.g. the JPEG pages of an
    /// assembled PDF) are named, not copied. Returns the SHA-256 of `whole`,
    /// exactly as [`FileStore::put`] would, and [`FileStore::get`] gives
    /// `whole` back. Falls back to a plain [`FileStore::put`] when no scan
    /// is found in `whole`. Each named scan must already be stored; a part
    /// whose bytes are not its hash's is not named.
    pub fn put_composed(&self, whole: &[u8], parts: &[(&str, &[u8])]) -> Result<String, FileError> {
        // The whole's hash (its name) on one core while the parts are found
        // and checked on another. Only runs that are exactly the stored file
        // they name are named: the recipe puts that file's bytes back there
        // (a part that is not the whole stored file stays in the recipe).
        let (digest, runs) = std::thread::scope(|s| {
            let naming = s.spawn(|| -> [u8; 32] { Sha256::digest(whole).into() });
            let runs: Vec<(usize, usize)> = locate(whole, parts)
                .into_iter()
                .filter(|&(_, i)| sha256_hex(parts[i].1) == parts[i].0)
                .collect();
            (naming.join(), runs)
        });
        let digest = digest.map_err(|_| FileError::Random("the hashing thread stopped".into()))?;
        self.compose(whole, digest, &runs, parts)
    }

    /// [`FileStore::put_composed`] for bytes whose hashes are already known
    /// — the assembled PDF hashed by its assembler ([`Hashed::new`]), the
    /// scans as [`FileStore::put_many_hashed`] stored them — so nothing is
    /// hashed a second time.
    pub fn put_composed_hashed<W: AsRef<[u8]>, P: AsRef<[u8]>>(
        &self,
        whole: &Hashed<W>,
        parts: &[Hashed<P>],
    ) -> Result<String, FileError> {
        let mut digest = [0u8; 32];
        hex::decode_to_slice(whole.hash(), &mut digest)
            .map_err(|_| FileError::BadHash(whole.hash().to_owned()))?;
        let pairs: Vec<(&str, &[u8])> = parts.iter().map(|p| (p.hash(), p.bytes())).collect();
        let runs = locate(whole.bytes(), &pairs);
        self.compose(whole.bytes(), digest, &runs, &pairs)
    }

    /// The recipe of `whole` (named `digest`) with `runs` (offset, part)
    /// naming `parts`, sealed and written durably.
    fn compose(
        &self,
        whole: &[u8],
        digest: [u8; 32],
        runs: &[(usize, usize)],
        parts: &[(&str, &[u8])],
    ) -> Result<String, FileError> {
        let hash = hex::encode(digest);
        if self.path_of(&hash).is_file() {
            return Ok(hash);
        }
        if runs.is_empty() {
            return self.put(whole);
        }
        let mut segments = Vec::with_capacity(runs.len() * 2 + 1);
        let mut pos = 0;
        for &(at, i) in runs {
            let (part_hash, bytes) = parts[i];
            check_hash(part_hash)?;
            if !self.contains(part_hash) {
                return Err(FileError::Missing {
                    hash: part_hash.to_owned(),
                });
            }
            if at > pos {
                segments.push(Segment::Own(whole[pos..at].to_vec()));
            }
            segments.push(Segment::Stored {
                hash: part_hash.to_owned(),
                len: bytes.len() as u64,
            });
            pos = at + bytes.len();
        }
        if pos < whole.len() {
            segments.push(Segment::Own(whole[pos..].to_vec()));
        }
        let recipe = encode(&segments)?;
        let sealed = self.seal(COMPOSED_MAGIC, &recipe, &digest, &hash)?;
        let (hash, dir) = self.write_sealed(hash, &sealed)?;
        if let Some(d) = dir.and_then(|d| File::open(d).ok()) {
            let _ = d.sync_all();
        }
        Ok(hash)
    }

    /// The whole plaintext of the composed file `hash` from its sealed
    /// recipe: each named scan read (and checked) in turn, the result
    /// checked against `hash`.
    pub(crate) fn open_composed(&self, hash: &str, sealed: &[u8]) -> Result<Vec<u8>, FileError> {
        let recipe = self.open_chunks(COMPOSED_MAGIC, hash, sealed)?;
        let segments = decode(hash, &recipe)?;
        let mut whole = Vec::new();
        for s in segments {
            match s {
                Segment::Own(bytes) => whole.extend_from_slice(&bytes),
                Segment::Stored { hash: part, len } => {
                    let sealed_part = match self.get_sealed(&part) {
                        Ok(b) => b,
                        Err(FileError::Missing { .. }) => {
                            return Err(FileError::Format {
                                hash: hash.to_owned(),
                                detail: format!("thiếu tệp {part} mà tệp này ghép từ đó"),
                            });
                        }
                        Err(e) => return Err(e),
                    };
                    if is_composed(&sealed_part) {
                        return Err(FileError::Format {
                            hash: hash.to_owned(),
                            detail: format!("tệp {part} mà tệp này ghép từ đó lại là tệp ghép"),
                        });
                    }
                    let bytes =
                        self.open_sealed(&part, &sealed_part)
                            .map_err(|e| FileError::Format {
                                hash: hash.to_owned(),
                                detail: format!(
                                    "tệp {part} mà tệp này ghép từ đó không đọc được: {e}"
                                ),
                            })?;
                    if bytes.len() as u64 != len {
                        return Err(FileError::Format {
                            hash: hash.to_owned(),
                            detail: format!(
                                "tệp {part} dài {} byte, công thức ghi {len}",
                                bytes.len()
                            ),
                        });
                    }
                    whole.extend_from_slice(&bytes);
                }
            }
        }
        checked(hash, whole)
    }

    /// The scans the composed file `hash` is made from (none for a scan or
    /// any other plain file).
    pub fn parts_of(&self, hash: &str) -> Result<Vec<String>, FileError> {
        let sealed = self.get_sealed(hash)?;
        if !is_composed(&sealed) {
            return Ok(Vec::new());
        }
        let recipe = self.open_chunks(COMPOSED_MAGIC, hash, &sealed)?;
        Ok(decode(hash, &recipe)?
            .into_iter()
            .filter_map(|s| match s {
                Segment::Stored { hash, .. } => Some(hash),
                Segment::Own(_) => None,
            })
            .collect())
    }

    /// `referenced` and every scan a composed file in it is made from: what
    /// a sweep keeps and a backup carries.
    pub fn with_parts(&self, referenced: &HashSet<String>) -> HashSet<String> {
        let mut all = referenced.clone();
        for hash in referenced {
            if let Ok(parts) = self.parts_of(hash) {
                all.extend(parts);
            }
        }
        all
    }

    /// Put back a composed file from a backup: its recipe, sealed under
    /// `backup_key`, is sealed again under this store's key. The scans it
    /// names must be restored first; the file is then read back whole and
    /// checked against `hash` (and removed again if that fails).
    pub fn restore_composed(
        &self,
        backup_key: &Key256,
        hash: &str,
        sealed: &[u8],
    ) -> Result<(), FileError> {
        check_hash(hash)?;
        let theirs = FileStore::detached(backup_key);
        let recipe = theirs.open_chunks(COMPOSED_MAGIC, hash, sealed)?;
        decode(hash, &recipe)?;
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hash, &mut digest).map_err(|_| FileError::BadHash(hash.to_owned()))?;
        if self.get(hash).is_ok() {
            return Ok(());
        }
        let ours = self.seal(COMPOSED_MAGIC, &recipe, &digest, hash)?;
        let (_, dir) = self.write_sealed(hash.to_owned(), &ours)?;
        if let Some(d) = dir.and_then(|d| File::open(d).ok()) {
            let _ = d.sync_all();
        }
        if let Err(e) = self.get(hash) {
            let _ = std::fs::remove_file(self.path_of(hash));
            return Err(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipe_reads_back_as_written() {
        let segs = vec![
            Segment::Own(b"%PDF-1.7\n".to_vec()),
            Segment::Stored {
                hash: "ab".repeat(32),
                len: 12345,
            },
            Segment::Own(Vec::new()),
        ];
        let bytes = encode(&segs).unwrap();
        assert_eq!(decode("x", &bytes).unwrap(), segs);
    }

    #[test]
    fn a_malformed_recipe_is_refused_with_its_place() {
        let good = encode(&[
            Segment::Own(b"abc".to_vec()),
            Segment::Stored {
                hash: "cd".repeat(32),
                len: 9,
            },
        ])
        .unwrap();
        // Every cut of a good recipe short of a whole segment is refused.
        for cut in 1..good.len() {
            if cut == 8 {
                continue; // exactly after the first segment: a valid recipe
            }
            let e = decode("h", &good[..cut]).unwrap_err().to_string();
            assert!(e.contains("cắt cụt") || e.contains("chỉ còn"), "{cut}: {e}");
        }
        let e = decode("h", &[7, 0]).unwrap_err().to_string();
        assert!(e.contains("loại 7"), "{e}");
        let e = decode("h", &[0, 0xff, 0xff, 0xff, 0xff, 1])
            .unwrap_err()
            .to_string();
        assert!(e.contains("4294967295"), "{e}");
    }

    #[test]
    fn parts_are_found_at_stream_data_wherever_they_are() {
        let a = vec![1u8; 5000];
        let mut b = vec![2u8; 5000];
        b[0] = 9;
        let small = vec![3u8; 100];
        let mut whole = b"1 0 obj <<>> stream\r\n".to_vec();
        whole.extend_from_slice(&b);
        whole.extend_from_slice(b"endstream 2 0 obj <<>> stream\n");
        let at_a = whole.len();
        whole.extend_from_slice(&a);
        whole.extend_from_slice(b"\nendstream stream\n");
        whole.extend_from_slice(&small);
        // a's bytes again but not as a stream's data: not named.
        whole.extend_from_slice(&a);
        let parts: Vec<(&str, &[u8])> = vec![("a", &a), ("b", &b), ("s", &small), ("a2", &a)];
        let runs = locate(&whole, &parts);
        // b first in the bytes, then a; the small part stays inline.
        assert_eq!(runs, vec![(21, 1), (at_a, 0)]);
    }
}
