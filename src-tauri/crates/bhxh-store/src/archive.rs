//! The backup archive: one file holding the database, named secrets and
//! opaque files, all under a key derived from the backup's passphrase.
//! The format is `docs/backup-format.md`; in short:
//!
//! ```text
//! header  = magic "BHXHBK\0\x01" | argon2id m_kib, t, p (u32 BE each) | salt (16) | check (16)
//! record  = kind (1 byte) | name length (u16 BE) | body length (u64 BE) | name | body
//! records = M manifest, D database, S secret…, F file…, E end (body: the MAC)
//! ```
//!
//! From the passphrase, argon2id gives a master key; HKDF-SHA-256 derives
//! from it the database's raw SQLCipher key, the key that wraps each secret
//! (XChaCha20-Poly1305, the record's name as associated data) and the MAC
//! key. `check` (16 bytes of an HMAC under the MAC key) tells a wrong
//! passphrase from a damaged file; the end record's HMAC-SHA-256 covers
//! every byte before it, so a file cut short, reordered, or with any byte
//! changed is refused before anything is restored.
//!
//! This module knows nothing of what the manifest, secrets and files mean:
//! the application layer puts its own there (the sealed scans and the key
//! that opens them). Reading is for hostile files: every length is checked
//! against the file before anything is allocated, the argon2 parameters
//! against fixed bounds, and nothing panics.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use bhxh_secrets::Key256;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::StoreError;

/// The first bytes of every archive (the last one is the format's version).
pub const MAGIC: &[u8; 8] = b"BHXHBK\x00\x01";
const SALT: usize = 16;
const CHECK: usize = 16;
const HEADER: usize = MAGIC.len() + 12 + SALT + CHECK;
const RECORD_HEAD: usize = 1 + 2 + 8;
const MAC: usize = 32;
const NONCE: usize = 24;
/// Longest record name.
pub const MAX_NAME: usize = 255;
/// Most secrets an archive may hold.
const MAX_SECRETS: usize = 16;
/// Largest manifest read into memory.
const MAX_MANIFEST: u64 = 1024 * 1024;
/// Largest secret.
const MAX_SECRET: u64 = 4096;

/// The argon2id cost an archive is written with: 64 MiB, 3 passes, 1 lane.
pub const DEFAULT_COST: Cost = Cost {
    m_kib: 64 * 1024,
    t: 3,
    p: 1,
};
/// Bounds on what an archive may ask for (a hostile file asking for
/// terabytes of memory is refused, not obeyed).
const MIN_COST: Cost = Cost {
    m_kib: 19 * 1024,
    t: 2,
    p: 1,
};
const MAX_COST: Cost = Cost {
    m_kib: 1024 * 1024,
    t: 16,
    p: 8,
};

/// argon2id's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

type HmacSha256 = Hmac<Sha256>;

/// The keys derived from a passphrase and a salt.
struct Keys {
    db: Key256,
    wrap: Zeroizing<[u8; 32]>,
    mac: Zeroizing<[u8; 32]>,
}

fn derive(passphrase: &str, salt: &[u8; SALT], cost: Cost) -> Result<Keys, String> {
    let params = Params::new(cost.m_kib, cost.t, cost.p, Some(32)).map_err(|e| e.to_string())?;
    let mut master = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, master.as_mut())
        .map_err(|e| e.to_string())?;
    let hk = Hkdf::<Sha256>::new(None, master.as_ref());
    let expand = |info: &[u8]| -> Result<Zeroizing<[u8; 32]>, String> {
        let mut out = Zeroizing::new([0u8; 32]);
        hk.expand(info, out.as_mut()).map_err(|e| e.to_string())?;
        Ok(out)
    };
    let db = expand(b"bhxh-desk backup v1 database")?;
    Ok(Keys {
        db: Key256::from_bytes(db.as_ref()).ok_or("độ dài khóa")?,
        wrap: expand(b"bhxh-desk backup v1 wrap")?,
        mac: expand(b"bhxh-desk backup v1 mac")?,
    })
}

fn hmac(key: &[u8; 32]) -> HmacSha256 {
    match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

fn check_value(keys: &Keys) -> [u8; CHECK] {
    let mut m = hmac(&keys.mac);
    m.update(b"bhxh-desk backup v1 key check");
    let full = m.finalize().into_bytes();
    let mut out = [0u8; CHECK];
    out.copy_from_slice(&full[..CHECK]);
    out
}

fn wrap_cipher(keys: &Keys) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(keys.wrap.as_ref().into())
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(b)
}

/// The kinds of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Manifest,
    Database,
    Secret,
    File,
    End,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Manifest => b'M',
            Kind::Database => b'D',
            Kind::Secret => b'S',
            Kind::File => b'F',
            Kind::End => b'E',
        }
    }

    fn of(b: u8) -> Option<Kind> {
        Some(match b {
            b'M' => Kind::Manifest,
            b'D' => Kind::Database,
            b'S' => Kind::Secret,
            b'F' => Kind::File,
            b'E' => Kind::End,
            _ => return None,
        })
    }
}

/// A writer that feeds the MAC (and the file's SHA-256) every byte it writes.
struct MacWriter<W: Write> {
    inner: W,
    mac: HmacSha256,
    sha: Sha256,
}

impl<W: Write> MacWriter<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.mac.update(bytes);
        self.sha.update(bytes);
        self.inner.write_all(bytes)
    }
}

/// Where a writer is: each record kind has its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Header,
    Manifest,
    Database,
}

/// A finished archive: its size and the SHA-256 of all its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    pub sha256: String,
}

/// Writes an archive, record by record, to a file the caller then renames
/// into place ([`ArchiveWriter::finish`] fsyncs it).
pub struct ArchiveWriter {
    path: PathBuf,
    out: MacWriter<BufWriter<File>>,
    keys: Keys,
    stage: Stage,
    bytes: u64,
}

impl ArchiveWriter {
    /// Start an archive at `path` (which must not exist) under `passphrase`:
    /// its header. Then, in this order: [`ArchiveWriter::manifest`],
    /// [`ArchiveWriter::database`], any secrets and files,
    /// [`ArchiveWriter::finish`].
    pub fn create(path: &Path, passphrase: &str, cost: Cost) -> Result<ArchiveWriter, StoreError> {
        let io = crate::io_err(path);
        let salt: [u8; SALT] = random()?;
        let keys = derive(passphrase, &salt, cost).map_err(|detail| StoreError::CorruptBackup {
            path: path.to_owned(),
            detail: format!("không dẫn xuất được khóa: {detail}"),
        })?;
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io)?;
        let mut w = ArchiveWriter {
            path: path.to_owned(),
            out: MacWriter {
                inner: BufWriter::with_capacity(1 << 20, file),
                mac: hmac(&keys.mac),
                sha: Sha256::new(),
            },
            stage: Stage::Header,
            keys,
            bytes: 0,
        };
        let mut head = Vec::with_capacity(HEADER);
        head.extend_from_slice(MAGIC);
        for v in [cost.m_kib, cost.t, cost.p] {
            head.extend_from_slice(&v.to_be_bytes());
        }
        head.extend_from_slice(&salt);
        head.extend_from_slice(&check_value(&w.keys));
        w.put(&head)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.bytes += bytes.len() as u64;
        self.out.put(bytes).map_err(crate::io_err(&self.path))
    }

    fn misplaced(&self, what: &str) -> StoreError {
        StoreError::CorruptBackup {
            path: self.path.clone(),
            detail: format!("{what} không đúng chỗ trong bản sao lưu"),
        }
    }

    /// The caller's description of the archive (JSON), the first record.
    pub fn manifest(&mut self, manifest: &[u8]) -> Result<(), StoreError> {
        if self.stage != Stage::Header || manifest.len() as u64 > MAX_MANIFEST {
            return Err(self.misplaced("phần mô tả"));
        }
        self.record(Kind::Manifest, "manifest.json", manifest)?;
        self.stage = Stage::Manifest;
        Ok(())
    }

    fn head(&mut self, kind: Kind, name: &str, len: u64) -> Result<(), StoreError> {
        if name.len() > MAX_NAME {
            return Err(StoreError::CorruptBackup {
                path: self.path.clone(),
                detail: format!("tên mục dài quá {MAX_NAME} byte"),
            });
        }
        let mut h = Vec::with_capacity(RECORD_HEAD + name.len());
        h.push(kind.byte());
        h.extend_from_slice(&(name.len() as u16).to_be_bytes());
        h.extend_from_slice(&len.to_be_bytes());
        h.extend_from_slice(name.as_bytes());
        self.put(&h)
    }

    fn record(&mut self, kind: Kind, name: &str, body: &[u8]) -> Result<(), StoreError> {
        self.head(kind, name, body.len() as u64)?;
        self.put(body)
    }

    /// The key the database copy must be keyed with (SQLCipher raw key):
    /// export the store with it ([`crate::Store::export_to`]), then hand the
    /// file to [`ArchiveWriter::database`].
    pub fn database_key(&self) -> &Key256 {
        &self.keys.db
    }

    /// The database copy, streamed from the file at `export`.
    pub fn database(&mut self, export: &Path) -> Result<(), StoreError> {
        if self.stage != Stage::Manifest {
            return Err(self.misplaced("cơ sở dữ liệu"));
        }
        let io = crate::io_err(export);
        let mut f = File::open(export).map_err(io)?;
        let len = f.metadata().map_err(crate::io_err(export))?.len();
        self.head(Kind::Database, "desk.db", len)?;
        let mut buf = vec![0u8; 1 << 20];
        let mut left = len;
        while left > 0 {
            let n = f.read(&mut buf).map_err(crate::io_err(export))?;
            if n == 0 {
                return Err(StoreError::CorruptBackup {
                    path: export.to_owned(),
                    detail: "bản xuất cơ sở dữ liệu ngắn hơn lúc bắt đầu".into(),
                });
            }
            let n = n.min(usize::try_from(left).unwrap_or(usize::MAX));
            self.put(&buf[..n])?;
            left -= n as u64;
        }
        self.stage = Stage::Database;
        Ok(())
    }

    /// A secret (a key), wrapped under the passphrase's key.
    pub fn secret(&mut self, name: &str, secret: &[u8]) -> Result<(), StoreError> {
        if self.stage != Stage::Database || secret.len() as u64 > MAX_SECRET - 64 {
            return Err(self.misplaced("khóa"));
        }
        let nonce: [u8; NONCE] = random()?;
        let sealed = wrap_cipher(&self.keys)
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| StoreError::CorruptBackup {
                path: self.path.clone(),
                detail: "không mã hóa được khóa".into(),
            })?;
        let mut body = Vec::with_capacity(NONCE + sealed.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&sealed);
        self.record(Kind::Secret, name, &body)
    }

    /// A file, as is (the caller's sealed bytes).
    pub fn file(&mut self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if self.stage != Stage::Database {
            return Err(self.misplaced("tệp"));
        }
        self.record(Kind::File, name, bytes)
    }

    /// The end record and its MAC; flushed and fsynced.
    pub fn finish(mut self) -> Result<Written, StoreError> {
        if self.stage != Stage::Database {
            return Err(self.misplaced("phần kết thúc"));
        }
        self.head(Kind::End, "", MAC as u64)?;
        let tag = self.out.mac.clone().finalize().into_bytes();
        self.put(&tag)?;
        let sha256 = hex_of(&self.out.sha.clone().finalize());
        let file = self
            .out
            .inner
            .into_inner()
            .map_err(|e| crate::io_err(&self.path)(e.into_error()))?;
        file.sync_all().map_err(crate::io_err(&self.path))?;
        Ok(Written {
            bytes: self.bytes,
            sha256,
        })
    }
}

/// A record found in an archive: where its body is.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    offset: u64,
    pub len: u64,
}

/// An archive opened and checked whole: its MAC holds, so every record is
/// as written.
pub struct Archive {
    path: PathBuf,
    keys: Keys,
    pub cost: Cost,
    manifest: Vec<u8>,
    database: Entry,
    secrets: Vec<(String, Zeroizing<Vec<u8>>)>,
    files: Vec<Entry>,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("path", &self.path)
            .field("files", &self.files.len())
            .finish()
    }
}

/// Whether the file at `path` starts like an archive (else it may be a
/// backup of the older format, a bare SQLCipher file).
pub fn is_archive(path: &Path) -> Result<bool, StoreError> {
    let mut f = File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            StoreError::NotFound {
                path: path.to_owned(),
            }
        } else {
            crate::io_err(path)(e)
        }
    })?;
    let mut head = [0u8; 8];
    let mut got = 0;
    while got < head.len() {
        let n = f.read(&mut head[got..]).map_err(crate::io_err(path))?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got == head.len() && &head == MAGIC)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn be_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_be_bytes(a)
}

impl Archive {
    /// Open `path` with `passphrase`: check the header, derive the keys,
    /// read every record's place, verify the MAC over the whole file and
    /// unwrap the secrets. A wrong passphrase is [`StoreError::BadBackup`];
    /// anything else wrong is [`StoreError::CorruptBackup`] saying what.
    pub fn open(path: &Path, passphrase: &str) -> Result<Archive, StoreError> {
        let corrupt = |detail: String| StoreError::CorruptBackup {
            path: path.to_owned(),
            detail,
        };
        let file = File::open(path).map_err(crate::io_err(path))?;
        let total = file.metadata().map_err(crate::io_err(path))?.len();
        let mut r = BufReader::with_capacity(1 << 20, file);
        if total < (HEADER + RECORD_HEAD + MAC) as u64 {
            return Err(corrupt(format!("tệp chỉ có {total} byte, quá ngắn")));
        }
        let mut head = [0u8; HEADER];
        r.read_exact(&mut head).map_err(crate::io_err(path))?;
        if &head[..MAGIC.len()] != MAGIC {
            return Err(StoreError::BadBackup {
                path: path.to_owned(),
            });
        }
        let nums = &head[MAGIC.len()..MAGIC.len() + 12];
        let cost = Cost {
            m_kib: be_u32(&nums[0..4]),
            t: be_u32(&nums[4..8]),
            p: be_u32(&nums[8..12]),
        };
        let within = |v: u32, lo: u32, hi: u32| (lo..=hi).contains(&v);
        if !(within(cost.m_kib, MIN_COST.m_kib, MAX_COST.m_kib)
            && within(cost.t, MIN_COST.t, MAX_COST.t)
            && within(cost.p, MIN_COST.p, MAX_COST.p))
        {
            return Err(corrupt(format!(
                "tham số argon2id (m = {} KiB, t = {}, p = {}) ngoài giới hạn cho phép",
                cost.m_kib, cost.t, cost.p
            )));
        }
        let mut salt = [0u8; SALT];
        salt.copy_from_slice(&head[MAGIC.len() + 12..MAGIC.len() + 12 + SALT]);
        let keys = derive(passphrase, &salt, cost).map_err(corrupt)?;
        let check = &head[HEADER - CHECK..];
        if check != check_value(&keys) {
            return Err(StoreError::BadBackup {
                path: path.to_owned(),
            });
        }
        let mut mac = hmac(&keys.mac);
        mac.update(&head);
        let mut pos = HEADER as u64;
        let mut manifest = None;
        let mut database = None;
        let mut wrapped: Vec<(String, Vec<u8>)> = Vec::new();
        let mut files = Vec::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            if total - pos < RECORD_HEAD as u64 {
                return Err(corrupt(format!(
                    "tệp bị cắt cụt ở byte {pos}: thiếu phần kết thúc"
                )));
            }
            let mut rh = [0u8; RECORD_HEAD];
            r.read_exact(&mut rh).map_err(crate::io_err(path))?;
            mac.update(&rh);
            let kind = Kind::of(rh[0]).ok_or_else(|| {
                corrupt(format!("loại mục không biết (byte {}) ở byte {pos}", rh[0]))
            })?;
            let name_len = usize::from(u16::from_be_bytes([rh[1], rh[2]]));
            let mut len8 = [0u8; 8];
            len8.copy_from_slice(&rh[3..11]);
            let len = u64::from_be_bytes(len8);
            pos += RECORD_HEAD as u64;
            if name_len > MAX_NAME {
                return Err(corrupt(format!(
                    "tên mục ở byte {pos} dài {name_len} byte, quá {MAX_NAME}"
                )));
            }
            if (name_len as u64).saturating_add(len) > total - pos {
                return Err(corrupt(format!(
                    "mục ở byte {pos} khai {len} byte, vượt quá phần còn lại của tệp (tệp bị cắt cụt?)"
                )));
            }
            let mut name = vec![0u8; name_len];
            r.read_exact(&mut name).map_err(crate::io_err(path))?;
            mac.update(&name);
            pos += name_len as u64;
            let name = String::from_utf8(name)
                .map_err(|_| corrupt(format!("tên mục ở byte {pos} không phải UTF-8")))?;
            let order_ok = match kind {
                Kind::Manifest => {
                    manifest.is_none() && pos == (HEADER + RECORD_HEAD + name_len) as u64
                }
                Kind::Database => manifest.is_some() && database.is_none(),
                Kind::Secret | Kind::File | Kind::End => database.is_some(),
            };
            if !order_ok {
                return Err(corrupt(format!(
                    "mục \"{name}\" không đúng thứ tự ở byte {pos}"
                )));
            }
            let small = |limit: u64| -> Result<(), StoreError> {
                if len > limit {
                    Err(corrupt(format!(
                        "mục \"{name}\" dài {len} byte, quá {limit}"
                    )))
                } else {
                    Ok(())
                }
            };
            match kind {
                Kind::End => {
                    if len != MAC as u64 || total - pos != MAC as u64 {
                        return Err(corrupt(format!(
                            "phần kết thúc ở byte {pos} sai độ dài, hoặc còn dữ liệu sau nó"
                        )));
                    }
                    let mut tag = [0u8; MAC];
                    r.read_exact(&mut tag).map_err(crate::io_err(path))?;
                    mac.verify_slice(&tag).map_err(|_| {
                        corrupt("mã xác thực của tệp không khớp: tệp đã bị sửa hoặc hỏng".into())
                    })?;
                    break;
                }
                Kind::Manifest | Kind::Secret => {
                    small(if kind == Kind::Manifest {
                        MAX_MANIFEST
                    } else {
                        MAX_SECRET
                    })?;
                    if kind == Kind::Secret && wrapped.len() >= MAX_SECRETS {
                        return Err(corrupt(format!("quá {MAX_SECRETS} khóa")));
                    }
                    let mut body = vec![0u8; usize::try_from(len).unwrap_or(0)];
                    r.read_exact(&mut body).map_err(crate::io_err(path))?;
                    mac.update(&body);
                    if kind == Kind::Manifest {
                        manifest = Some(body);
                    } else {
                        wrapped.push((name, body));
                    }
                }
                Kind::Database | Kind::File => {
                    let entry = Entry {
                        name,
                        offset: pos,
                        len,
                    };
                    let mut left = len;
                    while left > 0 {
                        let n = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
                        r.read_exact(&mut buf[..n]).map_err(crate::io_err(path))?;
                        mac.update(&buf[..n]);
                        left -= n as u64;
                    }
                    if kind == Kind::Database {
                        database = Some(entry);
                    } else {
                        files.push(entry);
                    }
                }
            }
            pos += len;
        }
        // The MAC held: every record is as written. Unwrap the secrets.
        let cipher = wrap_cipher(&keys);
        let mut secrets = Vec::with_capacity(wrapped.len());
        for (name, body) in wrapped {
            if body.len() < NONCE {
                return Err(corrupt(format!("khóa \"{name}\" quá ngắn")));
            }
            let (nonce, sealed) = body.split_at(NONCE);
            let plain = cipher
                .decrypt(
                    &XNonce::from(<[u8; NONCE]>::try_from(nonce).unwrap_or([0; NONCE])),
                    Payload {
                        msg: sealed,
                        aad: name.as_bytes(),
                    },
                )
                .map_err(|_| corrupt(format!("không giải mã được khóa \"{name}\"")))?;
            secrets.push((name, Zeroizing::new(plain)));
        }
        Ok(Archive {
            path: path.to_owned(),
            keys,
            cost,
            manifest: manifest.unwrap_or_default(),
            database: database.ok_or_else(|| corrupt("thiếu cơ sở dữ liệu".into()))?,
            secrets,
            files,
        })
    }

    /// The caller's manifest, as written.
    pub fn manifest(&self) -> &[u8] {
        &self.manifest
    }

    /// The secret named `name`, if the archive holds one.
    pub fn secret(&self, name: &str) -> Option<&[u8]> {
        self.secrets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_slice())
    }

    /// The files, in the order written.
    pub fn files(&self) -> &[Entry] {
        &self.files
    }

    /// The raw SQLCipher key of the database copy.
    pub fn database_key(&self) -> &Key256 {
        &self.keys.db
    }

    /// Write the database copy to `dest` (which must not exist), fsynced.
    pub fn extract_database(&self, dest: &Path) -> Result<(), StoreError> {
        let mut src = File::open(&self.path).map_err(crate::io_err(&self.path))?;
        src.seek(SeekFrom::Start(self.database.offset))
            .map_err(crate::io_err(&self.path))?;
        let mut out = File::options()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(crate::io_err(dest))?;
        let copied = std::io::copy(&mut src.take(self.database.len), &mut out)
            .map_err(crate::io_err(dest))?;
        if copied != self.database.len {
            return Err(StoreError::CorruptBackup {
                path: self.path.clone(),
                detail: "tệp ngắn đi trong lúc đọc".into(),
            });
        }
        out.sync_all().map_err(crate::io_err(dest))
    }

    /// The bytes of a file record.
    pub fn read_file(&self, entry: &Entry) -> Result<Vec<u8>, StoreError> {
        let mut src = File::open(&self.path).map_err(crate::io_err(&self.path))?;
        src.seek(SeekFrom::Start(entry.offset))
            .map_err(crate::io_err(&self.path))?;
        let mut out = Vec::new();
        src.take(entry.len)
            .read_to_end(&mut out)
            .map_err(crate::io_err(&self.path))?;
        if out.len() as u64 != entry.len {
            return Err(StoreError::CorruptBackup {
                path: self.path.clone(),
                detail: "tệp ngắn đi trong lúc đọc".into(),
            });
        }
        Ok(out)
    }
}
