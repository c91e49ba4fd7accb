//! The store of scanned papers beside the database.
//!
//! Scans hold personal and health data, so they are sealed at rest like the
//! database. Each file is named by the SHA-256 of its **plaintext** (so the
//! hash the dossier records is the hash of what was scanned, and the same
//! paper stored twice is stored once) and lives at `objects/ab/abcdef…`.
//!
//! ## Format of a sealed file
//! ```text
//! magic "BHXHF\x01" (6 bytes) | nonce prefix (19 random bytes) | chunks…
//! chunk = XChaCha20-Poly1305(plaintext piece of ≤ 64 KiB) + 16-byte tag
//! ```
//! Chunk `i` uses the nonce `prefix ‖ i (u32, big-endian) ‖ last (1 byte)`,
//! the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015), and
//! the associated data `magic ‖ SHA-256 of the plaintext`. So a chunk cannot
//! be moved, dropped, reordered or swapped into another file, and a file cut
//! short is refused (its last chunk no longer carries the "last" flag).
//! An empty plaintext is one empty last chunk.
//!
//! ## Durability
//! A file is written to `tmp/`, fsynced, renamed into place and its
//! directory fsynced: after a crash a file is either whole or absent. A file
//! left in `tmp/` is debris of an interrupted write and is swept by
//! [`FileStore::open`]. [`FileStore::verify_all`] decrypts every file and
//! checks its hash.

mod composed;

pub use composed::{Hashed, is_composed};

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file stored: its hash, and the directory to sync for its rename
/// (`None` when it was there already).
type Stored = (String, Option<PathBuf>);

use bhxh_secrets::Key256;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 6] = b"BHXHF\x01";
const PREFIX_LEN: usize = 19;
const HEADER_LEN: usize = MAGIC.len() + PREFIX_LEN;
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// Why a file could not be stored or read back. Vietnamese, for the office.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("Lỗi đọc/ghi {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Không có tệp {hash} trong kho tệp số hóa.")]
    Missing { hash: String },
    #[error("\"{0}\" không phải mã SHA-256 (64 chữ số hexa thường).")]
    BadHash(String),
    #[error("Tệp {hash} trong kho tệp số hóa không đúng định dạng: {detail}")]
    Format { hash: String, detail: String },
    #[error(
        "Tệp {hash} trong kho tệp số hóa đã bị sửa, cắt cụt hoặc mã hóa bằng khóa khác (phần {chunk})."
    )]
    Tampered { hash: String, chunk: u64 },
    #[error("Tệp {hash} giải mã được nhưng mã băm nội dung là {actual}.")]
    HashMismatch { hash: String, actual: String },
    #[error("Không lấy được số ngẫu nhiên của hệ điều hành: {0}")]
    Random(String),
    #[error("Tệp quá lớn để lưu ({0} byte).")]
    TooLarge(usize),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `plain` when its SHA-256 is `hash`; the mismatch otherwise.
fn checked(hash: &str, plain: Vec<u8>) -> Result<Vec<u8>, FileError> {
    let actual = sha256_hex(&plain);
    if actual != hash {
        return Err(FileError::HashMismatch {
            hash: hash.to_owned(),
            actual,
        });
    }
    Ok(plain)
}

fn check_hash(hash: &str) -> Result<(), FileError> {
    if hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(FileError::BadHash(hash.to_owned()))
    }
}

fn nonce(prefix: &[u8], index: u64, last: bool) -> Result<XNonce, u64> {
    let i = u32::try_from(index).map_err(|_| index)?;
    let mut n = [0u8; 24];
    n[..PREFIX_LEN].copy_from_slice(prefix);
    n[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&i.to_be_bytes());
    n[23] = u8::from(last);
    Ok(XNonce::from(n))
}

fn aad(magic: &[u8; 6], hash: &[u8; 32]) -> [u8; 38] {
    let mut a = [0u8; 38];
    a[..6].copy_from_slice(magic);
    a[6..].copy_from_slice(hash);
    a
}

/// How many sealed files the store at `root` holds, without its key (none
/// when there is no store there). What tells a desk that a missing key
/// would make files unreadable, so it must not make a new one.
pub fn sealed_count(root: &Path) -> Result<usize, FileError> {
    let objects = root.join("objects");
    let dirs = match fs::read_dir(&objects) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(&objects)(e)),
    };
    let mut n = 0;
    for dir in dirs {
        let dir = dir.map_err(io(&objects))?.path();
        if dir.is_dir() {
            n += fs::read_dir(&dir).map_err(io(&dir))?.count();
        }
    }
    Ok(n)
}

/// A problem [`FileStore::verify_all`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

/// The sealed, content-addressed store under one directory.
pub struct FileStore {
    root: PathBuf,
    cipher: XChaCha20Poly1305,
}

impl FileStore {
    /// Open (creating if needed) the store at `root`, sealed with `key`.
    /// Debris of interrupted writes in `tmp/` is removed.
    pub fn open(root: &Path, key: &Key256) -> Result<FileStore, FileError> {
        for sub in ["objects", "tmp"] {
            let d = root.join(sub);
            fs::create_dir_all(&d).map_err(io(&d))?;
        }
        let tmp = root.join("tmp");
        for entry in fs::read_dir(&tmp).map_err(io(&tmp))? {
            let entry = entry.map_err(io(&tmp))?;
            let _ = fs::remove_file(entry.path());
        }
        Ok(FileStore {
            root: root.to_owned(),
            cipher: XChaCha20Poly1305::new(key.as_bytes().into()),
        })
    }

    /// Where the sealed file of `hash` lives.
    pub fn path_of(&self, hash: &str) -> PathBuf {
        let (dir, _) = hash.split_at(hash.len().min(2));
        self.root.join("objects").join(dir).join(hash)
    }

    pub fn contains(&self, hash: &str) -> bool {
        check_hash(hash).is_ok() && self.path_of(hash).is_file()
    }

    /// Seal and store `plain`; returns its SHA-256 (hex). Storing the same
    /// bytes again writes nothing.
    pub fn put(&self, plain: &[u8]) -> Result<String, FileError> {
        self.put_checked(plain, false)
    }

    /// As [`FileStore::put`], but a file already stored under the same hash
    /// that this store's key cannot open (sealed under a key that was lost)
    /// is replaced: what a restore puts back.
    pub fn put_restoring(&self, plain: &[u8]) -> Result<String, FileError> {
        self.put_checked(plain, true)
    }

    fn put_checked(&self, plain: &[u8], replace_unreadable: bool) -> Result<String, FileError> {
        let (hash, dir) = self.put_unsynced_dir(plain, replace_unreadable)?;
        // The rename is durable once the directory is.
        if let Some(d) = dir.and_then(|d| File::open(d).ok()) {
            let _ = d.sync_all();
        }
        Ok(hash)
    }

    /// Seal, write and fsync `plain` and rename it into place; returns its
    /// hash and the directory whose fsync makes the rename durable (`None`
    /// when the file was already there), for the caller to sync.
    fn put_unsynced_dir(
        &self,
        plain: &[u8],
        replace_unreadable: bool,
    ) -> Result<Stored, FileError> {
        let digest: [u8; 32] = Sha256::digest(plain).into();
        let hash = hex::encode(digest);
        let dest = self.path_of(&hash);
        if dest.is_file() && (!replace_unreadable || self.get(&hash).is_ok()) {
            return Ok((hash, None));
        }
        let sealed = self.seal(MAGIC, plain, &digest, &hash)?;
        self.write_sealed(hash, &sealed)
    }

    /// Write sealed bytes under `hash` in `tmp/`, fsync, rename into place;
    /// returns the directory whose fsync makes the rename durable.
    pub(crate) fn write_sealed(&self, hash: String, sealed: &[u8]) -> Result<Stored, FileError> {
        let dest = self.path_of(&hash);
        let dir = dest.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mut rand = [0u8; 8];
        getrandom::fill(&mut rand).map_err(|e| FileError::Random(e.to_string()))?;
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{hash}.{}", hex::encode(rand)));
        let written = (|| {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(sealed).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
            drop(f);
            fs::rename(&tmp, &dest).map_err(io(&dest))?;
            Ok(())
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map(|()| (hash, Some(dir)))
    }

    /// Store several files, spread over up to 8 threads — four per core, as
    /// most of a file's time is its fsync, waiting on the disk, and the
    /// journal commits waiting fsyncs together (hashing, sealing and fsync of
    /// one file do not wait for another's) — each directory they were
    /// renamed into synced once at the end. Hashes in input order;
    /// the first error, if any, after every thread has finished.
    pub fn put_many(&self, files: &[&[u8]]) -> Result<Vec<String>, FileError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .saturating_mul(4)
            .clamp(1, 8)
            .min(files.len().max(1));
        let mut out: Vec<Option<Result<Stored, FileError>>> =
            (0..files.len()).map(|_| None).collect();
        if threads <= 1 {
            for (slot, f) in out.iter_mut().zip(files) {
                *slot = Some(self.put_unsynced_dir(f, false));
            }
        } else {
            std::thread::scope(|s| {
                let chunks = out.chunks_mut(files.len().div_ceil(threads));
                for (i, slots) in chunks.enumerate() {
                    let start = i * files.len().div_ceil(threads);
                    s.spawn(move || {
                        for (j, slot) in slots.iter_mut().enumerate() {
                            *slot = Some(self.put_unsynced_dir(files[start + j], false));
                        }
                    });
                }
            });
        }
        // One fsync per directory renamed into, not one per file.
        let mut dirs: Vec<&PathBuf> = out
            .iter()
            .filter_map(|r| r.as_ref()?.as_ref().ok()?.1.as_ref())
            .collect();
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            if let Ok(d) = File::open(d) {
                let _ = d.sync_all();
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(FileError::Random("a storing thread stopped".into())))
                    .map(|(hash, _)| hash)
            })
            .collect()
    }

    /// [`FileStore::put_many`], each file returned with the hash it was
    /// stored under (computed once, from these bytes), for
    /// [`FileStore::put_composed_hashed`].
    pub fn put_many_hashed<'a>(
        &self,
        files: &[&'a [u8]],
    ) -> Result<Vec<Hashed<&'a [u8]>>, FileError> {
        let hashes = self.put_many(files)?;
        Ok(files
            .iter()
            .zip(hashes)
            .map(|(bytes, hash)| Hashed::computed(bytes, hash))
            .collect())
    }

    /// Seal `plain` in chunks under `magic` (a scan's bytes, or a composed
    /// file's recipe) bound to `digest`, the SHA-256 that names the file.
    pub(crate) fn seal(
        &self,
        magic: &[u8; 6],
        plain: &[u8],
        digest: &[u8; 32],
        hash: &str,
    ) -> Result<Vec<u8>, FileError> {
        let mut prefix = [0u8; PREFIX_LEN];
        getrandom::fill(&mut prefix).map_err(|e| FileError::Random(e.to_string()))?;
        let chunks = plain.len().div_ceil(CHUNK).max(1);
        let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + chunks * TAG);
        out.extend_from_slice(magic);
        out.extend_from_slice(&prefix);
        let ad = aad(magic, digest);
        for i in 0..chunks {
            let piece = plain
                .get(i * CHUNK..((i + 1) * CHUNK).min(plain.len()))
                .unwrap_or(&[]);
            let n = nonce(&prefix, i as u64, i + 1 == chunks)
                .map_err(|_| FileError::TooLarge(plain.len()))?;
            let sealed = self
                .cipher
                .encrypt(
                    &n,
                    Payload {
                        msg: piece,
                        aad: &ad,
                    },
                )
                .map_err(|_| FileError::Format {
                    hash: hash.to_owned(),
                    detail: "mã hóa không thành công".into(),
                })?;
            out.extend_from_slice(&sealed);
        }
        Ok(out)
    }

    /// The sealed bytes of `hash`, as stored (what a backup carries).
    pub fn get_sealed(&self, hash: &str) -> Result<Vec<u8>, FileError> {
        check_hash(hash)?;
        let path = self.path_of(hash);
        match fs::read(&path) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileError::Missing {
                hash: hash.to_owned(),
            }),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// The plaintext of sealed bytes of `hash` made under `key` (a key
    /// that is not this store's: a backup's), checked against its hash.
    pub fn unseal_with(key: &Key256, hash: &str, sealed: &[u8]) -> Result<Vec<u8>, FileError> {
        check_hash(hash)?;
        FileStore::detached(key).open_sealed(hash, sealed)
    }

    /// A store with no directory, only `key`: for opening sealed bytes
    /// carried elsewhere (a backup's).
    pub(crate) fn detached(key: &Key256) -> FileStore {
        FileStore {
            root: PathBuf::new(),
            cipher: XChaCha20Poly1305::new(key.as_bytes().into()),
        }
    }

    /// The plaintext of `hash`, checked against its hash.
    pub fn get(&self, hash: &str) -> Result<Vec<u8>, FileError> {
        let sealed = self.get_sealed(hash)?;
        if composed::is_composed(&sealed) {
            return self.open_composed(hash, &sealed);
        }
        self.open_sealed(hash, &sealed)
    }

    /// The plaintext of a scan's sealed bytes, checked against its hash.
    fn open_sealed(&self, hash: &str, sealed: &[u8]) -> Result<Vec<u8>, FileError> {
        checked(hash, self.open_chunks(MAGIC, hash, sealed)?)
    }

    /// Open the chunks of sealed bytes made under `magic` for the file named
    /// `hash` (each chunk authenticated, none missing); the plaintext, not
    /// yet checked against `hash`.
    pub(crate) fn open_chunks(
        &self,
        magic: &[u8; 6],
        hash: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, FileError> {
        let format = |detail: &str| FileError::Format {
            hash: hash.to_owned(),
            detail: detail.to_owned(),
        };
        if sealed.len() < HEADER_LEN + TAG || &sealed[..magic.len()] != magic {
            return Err(format(&format!(
                "thiếu phần đầu \"{}\"",
                String::from_utf8_lossy(&magic[..5])
            )));
        }
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hash, &mut digest).map_err(|_| FileError::BadHash(hash.to_owned()))?;
        let prefix = &sealed[magic.len()..HEADER_LEN];
        let body = &sealed[HEADER_LEN..];
        let ad = aad(magic, &digest);
        let pieces: Vec<&[u8]> = body.chunks(CHUNK + TAG).collect();
        let mut plain = Vec::with_capacity(body.len());
        for (i, piece) in pieces.iter().enumerate() {
            let last = i + 1 == pieces.len();
            let tampered = || FileError::Tampered {
                hash: hash.to_owned(),
                chunk: i as u64 + 1,
            };
            let n = nonce(prefix, i as u64, last).map_err(|_| tampered())?;
            let opened = self
                .cipher
                .decrypt(
                    &n,
                    Payload {
                        msg: piece,
                        aad: &ad,
                    },
                )
                .map_err(|_| tampered())?;
            plain.extend_from_slice(&opened);
        }
        Ok(plain)
    }

    /// Every stored hash.
    pub fn list(&self) -> Result<Vec<String>, FileError> {
        let objects = self.root.join("objects");
        let mut out = Vec::new();
        for dir in fs::read_dir(&objects).map_err(io(&objects))? {
            let dir = dir.map_err(io(&objects))?.path();
            if !dir.is_dir() {
                continue;
            }
            for f in fs::read_dir(&dir).map_err(io(&dir))? {
                let f = f.map_err(io(&dir))?;
                out.push(f.file_name().to_string_lossy().into_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Remove sealed files no record refers to and older than `min_age`:
    /// what an import interrupted between sealing and committing leaves. The
    /// age keeps a file another process has just sealed but not yet
    /// recorded. Returns how many were removed.
    pub fn sweep_unreferenced(
        &self,
        referenced: &std::collections::HashSet<String>,
        min_age: std::time::Duration,
    ) -> Result<usize, FileError> {
        // A kept composed file keeps the scans it is made from.
        let referenced = self.with_parts(referenced);
        let now = std::time::SystemTime::now();
        let mut removed = 0;
        for name in self.list()? {
            if referenced.contains(&name) {
                continue;
            }
            let path = self.path_of(&name);
            let old_enough = fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age >= min_age);
            if old_enough {
                fs::remove_file(&path).map_err(io(&path))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Decrypt every file and check its hash; the problems found.
    pub fn verify_all(&self) -> Result<Vec<Problem>, FileError> {
        let mut problems = Vec::new();
        for name in self.list()? {
            let path = self.path_of(&name);
            if let Err(e) = check_hash(&name).and_then(|()| self.get(&name)) {
                problems.push(Problem {
                    path,
                    message: e.to_string(),
                });
            }
        }
        Ok(problems)
    }
}
