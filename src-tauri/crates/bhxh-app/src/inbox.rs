//! The scan inbox (issue 6): the folder the office scanners write to.
//!
//! [`Desk::scan_once`] polls the folder (no inotify: it is often a network
//! share). A file is taken only once two polls, at least
//! `inbox.settle_seconds` apart by the desk's clock (default 10 s), saw the
//! same size and modification time. The sightings are rows in the store, so
//! a `bhxh-desk inbox scan-once` run from a scheduler behaves as the window's
//! poller does (the first run sees a file, a later one takes it), and the
//! share's own clock never matters. Hidden and temporary names (`.x`, `~x`,
//! `*.tmp`, `*.part`) and extensions other than JPEG, PNG, TIFF and PDF are
//! left alone.
//!
//! **Batches.** A TIFF or a PDF is a batch of its own (all its pages). JPEG
//! and PNG files hold one page each: they are the pages of a scanner's run,
//! taken together in name order as one batch, and only once none of them is
//! still arriving.
//!
//! **Cover sheets.** Each page's QR codes are decoded. A page whose QR is a
//! paper this desk printed (the receipt, form 01, laid on top as a cover) is
//! a cover: the pages after it, up to the next cover, belong to that dossier;
//! the cover itself is not filed. The QR carries no component number, so a
//! part goes to the dossier's first component handed in (ticked at intake)
//! that has no PDF yet, counting parts filed earlier in the same poll. A part
//! with no cover before it, a code not in the store, a dossier past
//! digitisation, a dossier whose components are all digitised, or a file that
//! cannot be read, goes to the **triage list** with the reason, its pages
//! sealed as one lossless PDF (no stamp); [`Desk::triage_assign`] files it
//! later to the dossier and component a person chooses.
//!
//! **Durability.** Every file of the batch is sealed in the file store as it
//! came, each part's pages and assembled PDF too; then one transaction
//! records the files as taken (by SHA-256), every part filed, every triage
//! row and the audit entries. Only after that commit is an original
//! **removed** from the folder: the sealed copy is the original, and scans of
//! personal papers are not left in clear on a shared folder (Decree
//! 13/2023), so there is no "processed" sub-folder. A crash before the
//! commit leaves the files in the folder and no row (the sealed files are
//! swept an hour later); a crash after it leaves files the next poll knows by
//! their hash and only removes. Two desks polling one share: the second to
//! commit finds the hash taken inside its own write transaction and files
//! nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bhxh_core::CoreError;
use bhxh_core::dossiers::files::{self as dossier_files, FileRecord, FileRole};
use bhxh_core::dossiers::inbox::{self as core_inbox, NewTaken, NewTriage, Sighting, TriageItem};
use bhxh_core::dossiers::{self, Dossier, Status, qr};
use bhxh_core::office::accounts::Role;
use bhxh_core::office::audit::{self, Actor, Event};
use bhxh_files::FileStore;
use bhxh_report::ScanPage;
use serde::Serialize;

use crate::dossiers::ImportedComponent;
use crate::{Desk, DeskError};

/// The inbox folder when none is set: `<data dir>/hop-thu-quet`.
pub const DEFAULT_DIR_NAME: &str = "hop-thu-quet";
/// File name extensions the inbox takes (lower case).
const EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "tif", "tiff", "pdf"];

/// Who may file scans (as for an import at the desk).
pub(crate) const DIGITISE_ROLES: &[Role] = &[
    Role::DigitisationOfficer,
    Role::CounterOfficer,
    Role::Supervisor,
    Role::Administrator,
];

/// A part of a file filed to a dossier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FiledPart {
    /// The file holding the part's first page.
    pub file: String,
    pub code: String,
    pub component: u32,
    pub pages: u32,
    pub status_label: String,
    pub warnings: Vec<String>,
}

/// A part put on the triage list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriagedPart {
    pub id: i64,
    /// The file, and the pages when not the whole file.
    pub file: String,
    pub pages: u32,
    pub reason: String,
}

/// A file the round could not deal with; it stays in the folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileProblem {
    pub file: String,
    pub code: String,
    pub message: String,
}

/// What one poll of the inbox did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxReport {
    pub dir: String,
    /// Files in the folder this round (of the kinds the inbox takes).
    pub seen: u32,
    /// Files taken, recorded and removed from the folder.
    pub taken: Vec<String>,
    pub filed: Vec<FiledPart>,
    pub triaged: Vec<TriagedPart>,
    /// Files still being written, or not yet unchanged long enough.
    pub waiting: Vec<String>,
    /// Files taken before (same bytes): removed, not filed again.
    pub duplicates: Vec<String>,
    /// Things worth knowing that are not errors (a cover with no pages).
    pub notes: Vec<String>,
    pub errors: Vec<FileProblem>,
}

/// What a page's QR codes say.
#[derive(Debug, Clone, PartialEq)]
enum Cover {
    /// A paper of this desk: the dossier code.
    Code(String),
    /// Looks like ours but cannot be used (damaged text, two codes).
    Bad(String),
}

/// Consecutive pages of a file, and where they go.
#[derive(Debug)]
struct Part {
    cover: Option<Cover>,
    /// Page of the cover in the source (1-based), if any.
    cover_page: Option<usize>,
    /// Indexes of the part's pages in the source (0-based, consecutive).
    pages: Vec<usize>,
}

/// Where a part goes.
enum Dest {
    /// This dossier's component.
    File(Box<Dossier>, u32),
    /// The triage list: why, and the code read on the cover, if any.
    Triage(String, Option<String>),
}

/// A part ready to record: its files sealed, its rows to write.
struct Prepared {
    code: String,
    component: u32,
    pages: u32,
    records: Vec<FileRecord>,
    warnings: Vec<String>,
}

/// A part for the triage list: its pages sealed as one file.
struct Triage {
    /// Index of the batch file its first page came from.
    file: usize,
    sha256: String,
    /// The file, and the pages when not the whole file.
    label: String,
    pages: u32,
    reason: String,
    code_read: Option<String>,
}

/// A file a poll found unchanged.
#[derive(Debug, Clone)]
struct Candidate {
    name: String,
    path: PathBuf,
    size: u64,
    mtime: i64,
}

/// One-page image files: the pages of a scanner's batch, taken together.
fn is_sequence(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.ends_with(".jpg") || lower.ends_with(".jpeg") || lower.ends_with(".png")
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DeskError + '_ {
    move |source| DeskError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Whether the inbox looks at a file of this name.
fn wanted(name: &str) -> bool {
    if name.starts_with('.') || name.starts_with('~') {
        return false;
    }
    let lower = name.to_lowercase();
    if lower.ends_with(".tmp") || lower.ends_with(".part") || lower.ends_with(".crdownload") {
        return false;
    }
    Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

/// The cover a page is, if any, from its QR texts.
fn cover_of(texts: &[String]) -> Option<Cover> {
    let mut codes: Vec<String> = Vec::new();
    let mut bad = None;
    for t in texts {
        match qr::parse(t.as_bytes()) {
            Ok(q) => {
                let code = q.ma_ho_so.trim().to_owned();
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            Err(e) if t.starts_with(qr::MAGIC) => bad = Some(e.to_string()),
            Err(_) => {}
        }
    }
    match codes.len() {
        0 => bad.map(Cover::Bad),
        1 => codes.pop().map(Cover::Code),
        _ => Some(Cover::Bad(format!(
            "trang bìa mang mã của nhiều hồ sơ ({})",
            codes.join(", ")
        ))),
    }
}

/// Cut a file's pages at its covers.
fn split(covers: &[Option<Cover>]) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for (i, c) in covers.iter().enumerate() {
        match c {
            Some(c) => parts.push(Part {
                cover: Some(c.clone()),
                cover_page: Some(i + 1),
                pages: Vec::new(),
            }),
            None => match parts.last_mut() {
                Some(p) => p.pages.push(i),
                None => parts.push(Part {
                    cover: None,
                    cover_page: None,
                    pages: vec![i],
                }),
            },
        }
    }
    parts
}

/// Name of a page kept as an original: the file's own name when it is the
/// whole file, else `<stem>-trang-NNN.<ext>`.
fn page_name(source: &str, page: usize, total: usize, media: &str) -> String {
    let ext = if media == "image/jpeg" { "jpg" } else { "png" };
    let path = Path::new(source);
    let same_kind = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_lowercase())
        .is_some_and(|e| e == ext || (ext == "jpg" && e == "jpeg"));
    if total == 1 && same_kind {
        return source.to_owned();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trang".into());
    format!("{stem}-trang-{page:03}.{ext}")
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Desk {
    /// The inbox folder: the setting `inbox.dir`, or `<data dir>/hop-thu-quet`.
    pub fn inbox_dir(&self) -> Result<PathBuf, DeskError> {
        Ok(match core_inbox::dir(self.store.conn())? {
            Some(d) => PathBuf::from(d),
            None => self.dir.path().join(DEFAULT_DIR_NAME),
        })
    }

    /// Set the inbox folder (administrator or supervisor): an existing
    /// folder, given as an absolute path. Audited.
    pub fn set_inbox_dir(&mut self, dir: &Path) -> Result<PathBuf, DeskError> {
        let actor = self.authorize(&[Role::Administrator, Role::Supervisor])?;
        let now = self.now();
        let text = dir.to_str().ok_or_else(|| {
            CoreError::invalid("dir", "Đường dẫn thư mục có ký tự không đọc được.")
        })?;
        if !dir.is_absolute() {
            return Err(CoreError::invalid(
                "dir",
                format!(
                    "Hãy nhập đường dẫn đầy đủ của thư mục (\"{text}\" là đường dẫn tương đối)."
                ),
            )
            .into());
        }
        if !dir.is_dir() {
            return Err(CoreError::invalid(
                "dir",
                format!("Thư mục {text} không tồn tại hoặc máy này không truy cập được."),
            )
            .into());
        }
        let before = self.inbox_dir()?;
        let tx = self.store.write()?;
        core_inbox::set_dir(&tx, text)?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "update",
                entity: "setting",
                entity_id: core_inbox::DIR_KEY,
                detail: serde_json::json!({
                    "before": before.display().to_string(),
                    "after": text,
                }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(dir.to_owned())
    }

    /// Check the session and role for the inbox without counting a poll as a
    /// person's activity: a poller must not keep an idle session open.
    fn authorize_poll(&mut self) -> Result<Actor, DeskError> {
        let last = self.session.as_ref().map(|s| s.last_activity);
        let actor = self.authorize(DIGITISE_ROLES)?;
        if let (Some(s), Some(last)) = (self.session.as_mut(), last) {
            s.last_activity = last;
        }
        Ok(actor)
    }

    /// How long a file must stay unchanged before it is taken (seconds).
    pub fn inbox_settle_seconds(&self) -> Result<i64, DeskError> {
        Ok(core_inbox::settle_seconds(self.store.conn())?)
    }

    /// Set it (administrator or supervisor; 0 to 86400). Audited.
    pub fn set_inbox_settle_seconds(&mut self, seconds: i64) -> Result<(), DeskError> {
        let actor = self.authorize(&[Role::Administrator, Role::Supervisor])?;
        let now = self.now();
        if !(0..=86_400).contains(&seconds) {
            return Err(CoreError::invalid(
                "settleSeconds",
                format!("Thời gian chờ tệp ổn định phải từ 0 đến 86400 giây (nhập {seconds})."),
            )
            .into());
        }
        let before = core_inbox::settle_seconds(self.store.conn())?;
        let tx = self.store.write()?;
        bhxh_core::office::settings::set(&tx, core_inbox::SETTLE_KEY, &seconds.to_string())?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "update",
                entity: "setting",
                entity_id: core_inbox::SETTLE_KEY,
                detail: serde_json::json!({ "before": before, "after": seconds }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(())
    }

    /// One poll of the inbox: see what is in the folder, take the files that
    /// stopped changing, file them or put them on the triage list, remove
    /// them once recorded. See the module docs.
    pub fn scan_once(&mut self) -> Result<InboxReport, DeskError> {
        self.authorize_poll()?;
        let now = self.now();
        let dir = self.inbox_dir()?;
        if core_inbox::dir(self.store.conn())?.is_none() {
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        }
        let mut report = InboxReport {
            dir: dir.display().to_string(),
            ..InboxReport::default()
        };
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                report.errors.push(FileProblem {
                    file: entry.file_name().to_string_lossy().into_owned(),
                    code: "bad_file".into(),
                    message: "Tên tệp có ký tự không đọc được: hãy đổi tên tệp.".into(),
                });
                continue;
            };
            if wanted(&name) && path.is_file() {
                files.push((name, path));
            }
        }
        files.sort();
        report.seen = u32_of(files.len());
        // What this poll sees, in one transaction.
        let mut stable = Vec::new();
        {
            let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
            let tx = self.store.write()?;
            core_inbox::forget_all_but(&tx, &names)?;
            for (name, path) in files {
                let meta = match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(e) => {
                        report.errors.push(FileProblem {
                            file: name,
                            code: "io_error".into(),
                            message: format!("Không đọc được thông tin tệp: {e}"),
                        });
                        continue;
                    }
                };
                let (size, mtime) = (meta.len(), mtime_ns(&meta));
                match core_inbox::observe(&tx, &name, size, mtime, &now)? {
                    Sighting::Stable => stable.push(Candidate {
                        name,
                        path,
                        size,
                        mtime,
                    }),
                    _ => report.waiting.push(name),
                }
            }
            tx.commit().map_err(bhxh_store::StoreError::from)?;
        }
        // One-page image files (JPEG, PNG) are the pages of a scanner's
        // batch, in name order: taken together, once none of them is still
        // arriving, so a cover applies to the files after it. A TIFF or a
        // PDF is a batch of its own.
        let sequence_waits = report.waiting.iter().any(|n| is_sequence(n));
        let mut batches: Vec<Vec<Candidate>> = Vec::new();
        let mut sequence: Option<usize> = None;
        for c in stable {
            if is_sequence(&c.name) {
                if sequence_waits {
                    report.waiting.push(c.name);
                    continue;
                }
                match sequence {
                    Some(i) => batches[i].push(c),
                    None => {
                        sequence = Some(batches.len());
                        batches.push(vec![c]);
                    }
                }
            } else {
                batches.push(vec![c]);
            }
        }
        report.waiting.sort();
        for batch in batches {
            let names: Vec<String> = batch.iter().map(|c| c.name.clone()).collect();
            if let Err(e) = self.take_batch(batch, &mut report) {
                for file in names {
                    report.errors.push(FileProblem {
                        file,
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(report)
    }

    /// Remove a file already recorded as taken, unless it changed since.
    fn remove_taken(&mut self, c: &Candidate, report: &mut InboxReport) {
        let unchanged = std::fs::metadata(&c.path)
            .map(|m| m.len() == c.size && mtime_ns(&m) == c.mtime)
            .unwrap_or(false);
        let result = if unchanged {
            std::fs::remove_file(&c.path).map_err(|e| e.to_string())
        } else {
            Err("tệp đã thay đổi sau khi được ghi nhận; giữ lại để kiểm tra".to_owned())
        };
        match result {
            Ok(()) => {
                if let Ok(tx) = self.store.write() {
                    let _ = core_inbox::forget(&tx, &c.name);
                    let _ = tx.commit();
                }
            }
            Err(e) => report.errors.push(FileProblem {
                file: c.name.clone(),
                code: "io_error".into(),
                message: format!(
                    "Đã ghi nhận tệp {} nhưng không xóa được khỏi hộp thư quét: {e}",
                    c.name
                ),
            }),
        }
    }

    /// The stamp on page 1 of an assembled PDF.
    fn digitiser_stamp(&self, actor: &Actor, now: &bhxh_core::Timestamp) -> String {
        let who = self
            .session()
            .map(|s| s.staff.full_name.clone())
            .unwrap_or_else(|| actor.username.clone());
        format!("Số hóa: {who}, {}", now.format("%d/%m/%Y %H:%M"))
    }

    /// Seal a part's pages (each under its name) and its assembled PDF;
    /// the rows to record.
    fn prepare_part(
        &self,
        store: &FileStore,
        d: &Dossier,
        component: u32,
        pages: &[(String, &ScanPage)],
        stamp: &str,
    ) -> Result<Prepared, DeskError> {
        let scan_err = |e: bhxh_report::ScanError| DeskError::Scan {
            file: pages.first().map(|(n, _)| n.clone()).unwrap_or_default(),
            source: e,
        };
        let refs: Vec<&ScanPage> = pages.iter().map(|(_, p)| *p).collect();
        let pdf =
            bhxh_report::assemble_pages(&refs, &d.procedure_name, Some(stamp)).map_err(scan_err)?;
        let mut warnings = Vec::new();
        let mut originals = Vec::with_capacity(pages.len());
        let mut records = Vec::with_capacity(pages.len() + 1);
        for (i, (name, page)) in pages.iter().enumerate() {
            warnings.extend(page.info.warnings(i + 1));
            let (bytes, media) = page.to_file().map_err(scan_err)?;
            records.push(FileRecord {
                role: FileRole::Original,
                sha256: String::new(),
                file_name: name.clone(),
                media_type: media.to_owned(),
                bytes: bytes.len() as u64,
                pages: 1,
                warnings: Vec::new(),
            });
            originals.push(bytes);
        }
        let refs: Vec<&[u8]> = originals.iter().map(Vec::as_slice).collect();
        for (rec, hash) in records.iter_mut().zip(store.put_many(&refs)?) {
            rec.sha256 = hash;
        }
        records.push(FileRecord {
            role: FileRole::Assembled,
            sha256: store.put(&pdf)?,
            file_name: format!("thanh-phan-{component}.pdf"),
            media_type: "application/pdf".into(),
            bytes: pdf.len() as u64,
            pages: u32_of(pages.len()),
            warnings: warnings.clone(),
        });
        Ok(Prepared {
            code: d.code.clone(),
            component,
            pages: u32_of(pages.len()),
            records,
            warnings,
        })
    }

    /// Where a part with a cover goes: a component of its dossier, or the
    /// triage list with the reason. `used` holds the components given to
    /// earlier parts of the same file.
    fn destination(
        &self,
        cover: &Cover,
        used: &BTreeMap<String, Vec<u32>>,
    ) -> Result<Dest, DeskError> {
        let code = match cover {
            Cover::Bad(why) => {
                return Ok(Dest::Triage(
                    format!("Mã QR trên trang bìa không dùng được: {why}"),
                    None,
                ));
            }
            Cover::Code(c) => c,
        };
        let conn = self.store.conn();
        let d = match dossiers::get(conn, code) {
            Ok(d) => d,
            Err(CoreError::NotFound { .. }) => {
                return Ok(Dest::Triage(
                    format!("Mã hồ sơ {code} trên trang bìa không có trong dữ liệu của đơn vị."),
                    Some(code.clone()),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        if !matches!(
            d.status,
            Status::Received | Status::Digitising | Status::Digitised
        ) {
            return Ok(Dest::Triage(
                format!(
                    "Hồ sơ {} đang ở trạng thái \"{}\": không số hóa thêm được.",
                    d.code,
                    d.status.label_vi()
                ),
                Some(d.code.clone()),
            ));
        }
        let done: Vec<u32> = dossier_files::list(conn, &d.code)?
            .into_iter()
            .filter(|l| l.role == "assembled")
            .map(|l| l.component)
            .chain(used.get(&d.code).into_iter().flatten().copied())
            .collect();
        match d
            .components
            .iter()
            .find(|c| c.received && !done.contains(&c.number))
        {
            Some(c) => {
                let n = c.number;
                Ok(Dest::File(Box::new(d), n))
            }
            None => Ok(Dest::Triage(
                format!(
                    "Hồ sơ {} đã số hóa đủ các thành phần đã nhận: hãy chọn thành phần khi xếp hồ sơ.",
                    d.code
                ),
                Some(d.code.clone()),
            )),
        }
    }

    /// Take a batch of stable files: read, seal, split at covers, file and
    /// triage, all recorded in one transaction, then remove the files.
    fn take_batch(
        &mut self,
        batch: Vec<Candidate>,
        report: &mut InboxReport,
    ) -> Result<(), DeskError> {
        let actor = self.authorize_poll()?;
        let now = self.now();
        // Read; a file that changed meanwhile was not stable after all (a
        // sequence then waits whole); bytes taken before are only removed.
        let mut files: Vec<(Candidate, Vec<u8>, String)> = Vec::new();
        let sequence = batch.len() > 1 || batch.iter().any(|c| is_sequence(&c.name));
        for c in batch {
            let bytes = std::fs::read(&c.path).map_err(io_err(&c.path))?;
            let meta = std::fs::metadata(&c.path).map_err(io_err(&c.path))?;
            if bytes.len() as u64 != c.size || meta.len() != c.size || mtime_ns(&meta) != c.mtime {
                let tx = self.store.write()?;
                core_inbox::observe(&tx, &c.name, meta.len(), mtime_ns(&meta), &now)?;
                tx.commit().map_err(bhxh_store::StoreError::from)?;
                if sequence {
                    report
                        .waiting
                        .extend(files.iter().map(|(c, _, _)| c.name.clone()));
                    report.waiting.push(c.name);
                    return Ok(());
                }
                report.waiting.push(c.name);
                continue;
            }
            let hash = bhxh_files::sha256_hex(&bytes);
            if core_inbox::taken_by_hash(self.store.conn(), &hash)?.is_some() {
                self.remove_taken(&c, report);
                report.duplicates.push(c.name);
                continue;
            }
            files.push((c, bytes, hash));
        }
        if files.is_empty() {
            return Ok(());
        }
        let store = self.files()?;
        let stamp = self.digitiser_stamp(&actor, &now);
        // Every page of the batch, with the file it came from.
        let mut pages: Vec<(usize, usize, ScanPage)> = Vec::new();
        let mut per_file: Vec<u32> = vec![0; files.len()];
        let mut triage: Vec<Triage> = Vec::new();
        for (f, (c, bytes, hash)) in files.iter().enumerate() {
            match bhxh_report::read_pages(bytes) {
                Ok(ps) => {
                    per_file[f] = u32_of(ps.len());
                    pages.extend(ps.into_iter().enumerate().map(|(i, p)| (f, i, p)));
                }
                Err(e) => triage.push(Triage {
                    file: f,
                    sha256: hash.clone(),
                    label: c.name.clone(),
                    pages: 0,
                    reason: format!("Tệp không đọc được: {e}"),
                    code_read: None,
                }),
            }
        }
        let covers: Vec<Option<Cover>> = pages
            .iter()
            .map(|(_, i, p)| p.qr_texts(i + 1).ok().and_then(|t| cover_of(&t)))
            .collect();
        let mut prepared: Vec<(usize, Prepared)> = Vec::new();
        let mut notes = Vec::new();
        let mut used: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let where_is = |k: usize| -> String {
            let (f, i, _) = &pages[k];
            format!("{} trang {}", files[*f].0.name, i + 1)
        };
        for part in split(&covers) {
            let Some(&first) = part.pages.first() else {
                if let (Some(Cover::Code(code)), Some(at)) = (&part.cover, part.cover_page) {
                    notes.push(format!(
                        "{}: bìa hồ sơ {code} nhưng không có trang nào đi kèm.",
                        where_is(at - 1)
                    ));
                }
                continue;
            };
            let refs: Vec<&ScanPage> = part.pages.iter().map(|&k| &pages[k].2).collect();
            let dest = match &part.cover {
                None => Dest::Triage(
                    "Không có trang bìa mang mã QR của hồ sơ trước các trang này.".to_owned(),
                    None,
                ),
                Some(c) => self.destination(c, &used)?,
            };
            let file_of_first = pages[first].0;
            match dest {
                Dest::File(d, component) => {
                    let named: Vec<(String, &ScanPage)> = part
                        .pages
                        .iter()
                        .map(|&k| {
                            let (f, i, p) = &pages[k];
                            let total = per_file[*f] as usize;
                            let media = if matches!(p.info.format, "jpeg") {
                                "image/jpeg"
                            } else {
                                "image/png"
                            };
                            (page_name(&files[*f].0.name, i + 1, total, media), p)
                        })
                        .collect();
                    let p = self.prepare_part(&store, &d, component, &named, &stamp)?;
                    used.entry(d.code.clone()).or_default().push(component);
                    prepared.push((file_of_first, p));
                }
                Dest::Triage(reason, code_read) => {
                    // The part's pages as one sealed PDF (lossless, no
                    // stamp): what a person files later.
                    let pdf = bhxh_report::assemble_pages(&refs, "Chờ phân loại", None).map_err(
                        |source| DeskError::Scan {
                            file: files[file_of_first].0.name.clone(),
                            source,
                        },
                    )?;
                    let last = part.pages.last().copied().unwrap_or(first);
                    let whole = part.pages.len() == pages.len()
                        && files.len() == 1
                        && per_file[file_of_first] as usize == part.pages.len();
                    let label = if whole {
                        files[file_of_first].0.name.clone()
                    } else if part.pages.len() == 1 {
                        where_is(first)
                    } else {
                        format!("{} – {}", where_is(first), where_is(last))
                    };
                    triage.push(Triage {
                        file: file_of_first,
                        sha256: store.put(&pdf)?,
                        label,
                        pages: u32_of(part.pages.len()),
                        reason,
                        code_read,
                    });
                }
            }
        }
        if prepared.is_empty() && triage.is_empty() {
            notes.push(format!(
                "{}: chỉ có trang bìa, không có trang hồ sơ nào.",
                files
                    .iter()
                    .map(|(c, _, _)| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // The sources, sealed: the files as the scanner wrote them.
        for (_, bytes, hash) in &files {
            let sealed = store.put(bytes)?;
            if &sealed != hash {
                return Err(DeskError::Files(bhxh_files::FileError::HashMismatch {
                    hash: hash.clone(),
                    actual: sealed,
                }));
            }
        }
        let outcome = serde_json::json!({
            "batch": files.iter().map(|(c, _, _)| &c.name).collect::<Vec<_>>(),
            "filed": prepared.iter().map(|(_, p)| serde_json::json!({
                "code": p.code, "component": p.component, "pages": p.pages,
            })).collect::<Vec<_>>(),
            "triaged": triage.iter().map(|t| serde_json::json!({
                "part": t.label, "pages": t.pages, "reason": t.reason,
            })).collect::<Vec<_>>(),
        });
        let taken_by = self
            .session()
            .map(|s| s.staff.full_name.clone())
            .unwrap_or_else(|| actor.username.clone());
        let tx = self.store.write()?;
        // Another desk polling the same folder may have taken them first.
        for (c, _, hash) in &files {
            if core_inbox::taken_by_hash(&tx, hash)?.is_some() {
                drop(tx);
                for (c, _, _) in &files {
                    report.duplicates.push(c.name.clone());
                }
                return Err(CoreError::Conflict(format!(
                    "Tệp {} vừa được một máy khác lấy khỏi hộp thư quét; lần quét sau sẽ dọn.",
                    c.name
                ))
                .into());
            }
        }
        let mut ids: Vec<i64> = Vec::with_capacity(files.len());
        for (f, (c, bytes, hash)) in files.iter().enumerate() {
            // The same bytes twice in one batch: one record, both pages kept.
            if let Some(same) = files[..f].iter().position(|(_, _, h)| h == hash) {
                ids.push(ids[same]);
                continue;
            }
            ids.push(core_inbox::record_taken(
                &tx,
                &NewTaken {
                    sha256: hash,
                    file_name: &c.name,
                    bytes: bytes.len() as u64,
                    pages: per_file[f],
                    taken_by: &taken_by,
                    outcome: &outcome,
                },
                &now,
            )?);
            audit::append(
                &tx,
                &actor,
                &Event {
                    action: "import",
                    entity: "inbox_file",
                    entity_id: hash,
                    detail: serde_json::json!({ "name": c.name, "pages": per_file[f], "outcome": outcome }),
                },
                &now,
            )?;
        }
        let mut filed = Vec::new();
        for (f, p) in &prepared {
            let status =
                dossier_files::record(&tx, &actor, &p.code, p.component, &p.records, &now)?;
            filed.push(FiledPart {
                file: files[*f].0.name.clone(),
                code: p.code.clone(),
                component: p.component,
                pages: p.pages,
                status_label: status.label_vi().to_owned(),
                warnings: p.warnings.clone(),
            });
        }
        let mut triaged = Vec::new();
        for t in &triage {
            let id = core_inbox::add_triage(
                &tx,
                &NewTriage {
                    file_id: ids[t.file],
                    sha256: &t.sha256,
                    file_name: &t.label,
                    first_page: 1,
                    page_count: t.pages,
                    reason: &t.reason,
                    code_read: t.code_read.as_deref(),
                },
                &now,
            )?;
            triaged.push(TriagedPart {
                id,
                file: t.label.clone(),
                pages: t.pages,
                reason: t.reason.clone(),
            });
        }
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        report.filed.extend(filed);
        report.triaged.extend(triaged);
        report.notes.extend(notes);
        for (c, _, _) in &files {
            self.remove_taken(c, report);
            report.taken.push(c.name.clone());
        }
        Ok(())
    }

    /// The triage list: parts waiting for a person (or all, filed ones too).
    pub fn triage_list(&mut self, include_filed: bool) -> Result<Vec<TriageItem>, DeskError> {
        self.authorize(&[])?;
        Ok(core_inbox::triage_list(self.store.conn(), include_filed)?)
    }

    /// File a triaged part to a dossier's component, as an import would:
    /// its pages (read back from the sealed source) become the component's
    /// PDF with the digitiser's stamp. Audited; a part is filed once.
    pub fn triage_assign(
        &mut self,
        id: i64,
        code: &str,
        component: u32,
    ) -> Result<ImportedComponent, DeskError> {
        let actor = self.authorize(DIGITISE_ROLES)?;
        let now = self.now();
        let item = core_inbox::triage_get(self.store.conn(), id)?;
        if let Some(done) = &item.filed_code {
            return Err(CoreError::Conflict(format!(
                "Mục {id} đã được xếp vào hồ sơ {done} (thành phần {}).",
                item.filed_component.unwrap_or_default()
            ))
            .into());
        }
        if item.page_count == 0 {
            return Err(CoreError::invalid(
                "id",
                format!(
                    "Mục {id} ({}) không có trang nào đọc được: {} Hãy quét lại bản giấy.",
                    item.file_name, item.reason
                ),
            )
            .into());
        }
        let d = dossiers::get(self.store.conn(), code)?;
        if !d.components.iter().any(|c| c.number == component) {
            return Err(CoreError::invalid(
                "component",
                format!("Hồ sơ {} không có thành phần số {component}.", d.code),
            )
            .into());
        }
        let store = self.files()?;
        let bytes = store.get(&item.sha256)?;
        let pages = bhxh_report::read_pages(&bytes).map_err(|source| DeskError::Scan {
            file: item.file_name.clone(),
            source,
        })?;
        let first = item.first_page as usize - 1;
        let part: Vec<&ScanPage> = pages
            .iter()
            .skip(first)
            .take(item.page_count as usize)
            .collect();
        if part.len() != item.page_count as usize {
            return Err(CoreError::Corrupt(format!(
                "tệp {} có {} trang, không có trang {}–{} như mục {id} ghi",
                item.file_name,
                pages.len(),
                item.first_page,
                item.first_page + item.page_count - 1
            ))
            .into());
        }
        let stamp = self.digitiser_stamp(&actor, &now);
        let named: Vec<(String, &ScanPage)> = part
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let media = if p.info.format == "jpeg" {
                    "image/jpeg"
                } else {
                    "image/png"
                };
                (page_name(&item.file_name, i + 1, part.len(), media), *p)
            })
            .collect();
        let p = self.prepare_part(&store, &d, component, &named, &stamp)?;
        let by = self
            .session()
            .map(|s| s.staff.full_name.clone())
            .unwrap_or_else(|| actor.username.clone());
        let tx = self.store.write()?;
        core_inbox::triage_mark_filed(&tx, id, &d.code, component, &by, &now)?;
        let status = dossier_files::record(&tx, &actor, &d.code, component, &p.records, &now)?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "update",
                entity: "inbox_triage",
                entity_id: &id.to_string(),
                detail: serde_json::json!({ "code": d.code, "component": component, "pages": p.pages }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(ImportedComponent {
            code: d.code,
            component,
            pages: p.pages,
            files: p.records,
            warnings: p.warnings,
            status,
            status_label: status.label_vi().to_owned(),
        })
    }
}
