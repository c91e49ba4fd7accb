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

mod batch;

use std::path::{Path, PathBuf};

use bhxh_core::CoreError;
use bhxh_core::dossiers;
use bhxh_core::dossiers::files as dossier_files;
use bhxh_core::dossiers::inbox::{self as core_inbox, Sighting};

use crate::dto::{self, TriageItem};
use bhxh_core::office::audit::{self, Event};
use bhxh_scan::ScanPage;
use bhxh_scan::folder::{is_sequence, page_name, wanted};
use serde::Serialize;

use crate::dossiers::ImportedComponent;
use crate::policy::Action;
use crate::{Desk, DeskError};

/// The inbox folder when none is set: `<data dir>/hop-thu-quet`.
pub const DEFAULT_DIR_NAME: &str = "hop-thu-quet";

/// A part of a file filed to a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
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
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TriagedPart {
    pub id: i64,
    /// The file, and the pages when not the whole file.
    pub file: String,
    pub pages: u32,
    pub reason: String,
}

/// A file the round could not deal with; it stays in the folder.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FileProblem {
    pub file: String,
    pub code: String,
    pub message: String,
}

/// What one poll of the inbox did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
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

/// A file a poll found unchanged.
#[derive(Debug, Clone)]
struct Candidate {
    name: String,
    path: PathBuf,
    size: u64,
    mtime: i64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DeskError + '_ {
    move |source| DeskError::Io {
        path: path.to_owned(),
        source,
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The media type a page is kept under as an original of its own.
fn page_media(page: &ScanPage) -> &'static str {
    if page.info.format == "jpeg" {
        "image/jpeg"
    } else {
        "image/png"
    }
}

impl Desk {
    /// The inbox folder: the setting `inbox.dir`, or `<data dir>/hop-thu-quet`.
    pub fn inbox_dir(&self) -> Result<PathBuf, DeskError> {
        Ok(match core_inbox::dir(&*self.store.conn()?)? {
            Some(d) => PathBuf::from(d),
            None => self.dir.path().join(DEFAULT_DIR_NAME),
        })
    }

    /// Set the inbox folder: an existing folder, given as an absolute path.
    /// Audited.
    pub fn set_inbox_dir(&self, dir: &Path) -> Result<PathBuf, DeskError> {
        let actor = self.authorize(Action::ConfigureInbox)?;
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
        self.change_as(&actor, |tx, actor, now| {
            core_inbox::set_dir(tx, text)?;
            audit::append(
                tx,
                actor,
                &Event {
                    action: "update",
                    entity: "setting",
                    entity_id: core_inbox::DIR_KEY,
                    detail: serde_json::json!({
                        "before": before.display().to_string(),
                        "after": text,
                    }),
                },
                now,
            )?;
            Ok(())
        })?;
        Ok(dir.to_owned())
    }

    /// How long a file must stay unchanged before it is taken (seconds).
    pub fn inbox_settle_seconds(&self) -> Result<i64, DeskError> {
        Ok(core_inbox::settle_seconds(&*self.store.conn()?)?)
    }

    /// Set it (0 to 86400). Audited.
    pub fn set_inbox_settle_seconds(&self, seconds: i64) -> Result<(), DeskError> {
        let actor = self.authorize(Action::ConfigureInbox)?;
        if !(0..=86_400).contains(&seconds) {
            return Err(CoreError::invalid(
                "settleSeconds",
                format!("Thời gian chờ tệp ổn định phải từ 0 đến 86400 giây (nhập {seconds})."),
            )
            .into());
        }
        self.change_as(&actor, |tx, actor, now| {
            let before = core_inbox::settle_seconds(tx)?;
            bhxh_core::office::settings::set(tx, core_inbox::SETTLE_KEY, &seconds.to_string())?;
            audit::append(
                tx,
                actor,
                &Event {
                    action: "update",
                    entity: "setting",
                    entity_id: core_inbox::SETTLE_KEY,
                    detail: serde_json::json!({ "before": before, "after": seconds }),
                },
                now,
            )?;
            Ok(())
        })
    }

    /// One poll of the inbox: see what is in the folder, take the files that
    /// stopped changing, file them or put them on the triage list, remove
    /// them once recorded. See the module docs. A poll does not count as the
    /// signed-in person's activity.
    pub fn scan_once(&self) -> Result<InboxReport, DeskError> {
        let actor = self.authorize_quietly(Action::Digitise)?;
        let dir = self.inbox_dir()?;
        if core_inbox::dir(&*self.store.conn()?)?.is_none() {
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        }
        let mut report = InboxReport {
            dir: dir.display().to_string(),
            ..InboxReport::default()
        };
        let files = list_folder(&dir, &mut report)?;
        report.seen = u32_of(files.len());
        let stable = self.sight(&actor, files, &mut report)?;
        for batch in batches(stable, &mut report) {
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

    /// Record what this poll sees, in one transaction; return the files
    /// unchanged for long enough.
    fn sight(
        &self,
        actor: &bhxh_core::office::audit::Actor,
        files: Vec<(String, PathBuf)>,
        report: &mut InboxReport,
    ) -> Result<Vec<Candidate>, DeskError> {
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        self.change_as(actor, |tx, _, now| {
            core_inbox::forget_all_but(tx, &names)?;
            let mut stable = Vec::new();
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
                match core_inbox::observe(tx, &name, size, mtime, now)? {
                    Sighting::Stable => stable.push(Candidate {
                        name,
                        path,
                        size,
                        mtime,
                    }),
                    _ => report.waiting.push(name),
                }
            }
            Ok(stable)
        })
    }

    /// Remove a file already recorded as taken, unless it changed since.
    fn remove_taken(&self, c: &Candidate, report: &mut InboxReport) {
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
                let forgotten = self.forget_sighting(&c.name);
                if let Err(e) = forgotten {
                    tracing::debug!(file = %c.name, "sighting not forgotten: {e}");
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

    fn forget_sighting(&self, name: &str) -> Result<(), DeskError> {
        let mut conn = self.store.conn()?;
        let tx = conn.write()?;
        core_inbox::forget(&tx, name)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(())
    }

    /// The triage list: parts waiting for a person (or all, filed ones too).
    pub fn triage_list(&self, include_filed: bool) -> Result<Vec<TriageItem>, DeskError> {
        self.read(Action::ViewDossier, |conn, _| {
            Ok(dto::all(core_inbox::triage_list(conn, include_filed)?))
        })
    }

    /// File a triaged part to a dossier's component, as an import would:
    /// its pages (read back from the sealed source) become the component's
    /// PDF with the digitiser's stamp. Audited; a part is filed once.
    pub fn triage_assign(
        &self,
        id: i64,
        code: &str,
        component: u32,
    ) -> Result<ImportedComponent, DeskError> {
        let actor = self.authorize(Action::Digitise)?;
        let item = core_inbox::triage_get(&*self.store.conn()?, id)?;
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
        let d = dossiers::get(&*self.store.conn()?, code)?;
        if !d.components.iter().any(|c| c.number == component) {
            return Err(CoreError::invalid(
                "component",
                format!("Hồ sơ {} không có thành phần số {component}.", d.code),
            )
            .into());
        }
        let store = self.files()?;
        let bytes = store.get(&item.sha256)?;
        let pages = bhxh_scan::read_pages(&bytes).map_err(|source| DeskError::Scan {
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
        let stamp = self.digitiser_stamp(&actor, &self.now());
        let named: Vec<(String, &ScanPage)> = part
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    page_name(&item.file_name, i + 1, part.len(), page_media(p)),
                    *p,
                )
            })
            .collect();
        let p = self.prepare_part(&store, &d, component, &named, &stamp)?;
        let by = self.full_name_of(&actor);
        let status = self.change_as(&actor, |tx, actor, now| {
            core_inbox::triage_mark_filed(tx, id, &d.code, component, &by, now)?;
            let status = dossier_files::record(tx, actor, &d.code, component, &p.records, now)?;
            audit::append(
                tx,
                actor,
                &Event {
                    action: "update",
                    entity: "inbox_triage",
                    entity_id: &id.to_string(),
                    detail: serde_json::json!({
                        "code": d.code, "component": component, "pages": p.pages,
                    }),
                },
                now,
            )?;
            Ok(status)
        })?;
        Ok(ImportedComponent {
            code: d.code,
            component,
            pages: p.pages,
            files: dto::all(p.records),
            warnings: p.warnings,
            status: status.into(),
            status_label: status.label_vi().to_owned(),
        })
    }
}

/// The scans in the folder, in name order; names that are not text are
/// reported, not taken.
fn list_folder(dir: &Path, report: &mut InboxReport) -> Result<Vec<(String, PathBuf)>, DeskError> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
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
    Ok(files)
}

/// One-page image files (JPEG, PNG) are the pages of a scanner's batch, in
/// name order: taken together, once none of them is still arriving, so a
/// cover applies to the files after it. A TIFF or a PDF is a batch of its
/// own.
fn batches(stable: Vec<Candidate>, report: &mut InboxReport) -> Vec<Vec<Candidate>> {
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
    batches
}
