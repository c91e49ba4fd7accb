//! One batch of the scan inbox, in four steps:
//!
//! 1. [`Desk::read_batch`]: read the files; one that changed since the poll
//!    saw it stable waits for the next poll (a sequence of page files waits
//!    whole); bytes taken before are only removed.
//! 2. [`Desk::plan_batch`]: read every page and its QR codes, cut the batch
//!    at its covers (`bhxh_scan::cover`), find where each part goes
//!    (`bhxh_core::dossiers::inbox::destination`), and seal each part's
//!    pages and assembled PDF. Slow (decoding, QR reading): no transaction
//!    is open meanwhile, so the window goes on.
//! 3. [`Desk::record_batch`]: one transaction records the files as taken,
//!    every part filed, every triage row and the audit entries.
//! 4. The files leave the folder, only after that commit.

use std::collections::BTreeMap;

use bhxh_core::CoreError;
use bhxh_core::dossiers::files::{self as dossier_files, FileRecord, FileRole};
use bhxh_core::dossiers::inbox::{self as core_inbox, Destination, NewTaken, NewTriage};
use bhxh_core::dossiers::{self, Dossier, qr};
use bhxh_core::office::audit::{self, Actor, Event};
use bhxh_files::FileStore;
use bhxh_scan::ScanPage;
use bhxh_scan::cover::{Cover, QrMeaning, cover_of, split};
use bhxh_scan::folder::{is_sequence, page_name};

use super::{Candidate, FiledPart, InboxReport, TriagedPart, io_err, mtime_ns, page_media, u32_of};
use crate::{Desk, DeskError};

/// A file of the batch, read whole.
struct ReadFile {
    candidate: Candidate,
    bytes: Vec<u8>,
    sha256: String,
}

/// A part ready to record: its files sealed, its rows to write.
pub(super) struct Prepared {
    code: String,
    component: u32,
    pub(super) pages: u32,
    pub(super) records: Vec<FileRecord>,
    pub(super) warnings: Vec<String>,
}

/// A part for the triage list: its pages sealed as one file.
struct TriagePart {
    /// Index of the batch file its first page came from.
    file: usize,
    sha256: String,
    /// The file, and the pages when not the whole file.
    label: String,
    pages: u32,
    reason: String,
    code_read: Option<String>,
}

/// What a batch comes to, everything sealed, nothing recorded yet.
struct Plan {
    files: Vec<ReadFile>,
    /// Pages read from each file (0 for a file that could not be read).
    pages_per_file: Vec<u32>,
    /// Parts to file, with the file their first page came from.
    filed: Vec<(usize, Prepared)>,
    triage: Vec<TriagePart>,
    notes: Vec<String>,
}

impl Desk {
    /// What a QR text on a page means to the inbox: a cover of one of this
    /// store's dossiers (its MAC verified under the store's paper key, and
    /// its ID number and procedure those of the dossier it names), one of
    /// ours that cannot be trusted (the reason: an old unsigned receipt, a
    /// wrong MAC, a damaged text, an ID that is not the dossier's), or
    /// something else.
    fn classify(&self, key: &[u8; 32], text: &str) -> QrMeaning {
        let read = match qr::parse(text.as_bytes()) {
            Ok(read) => read,
            Err(e) if text.starts_with(qr::MAGIC) => return QrMeaning::Damaged(e.to_string()),
            Err(_) => return QrMeaning::Other,
        };
        let q = match read.verify(key) {
            Ok(q) => q,
            Err(e) => return QrMeaning::Damaged(e.to_string()),
        };
        let code = q.ma_ho_so.trim();
        let dossier = self
            .store
            .conn()
            .map_err(DeskError::from)
            .and_then(|conn| Ok(dossiers::get(&conn, code)?));
        match dossier {
            Ok(d) => match q.disagrees_with(&d, "trên bìa") {
                Some(why) => QrMeaning::Damaged(why),
                None => QrMeaning::Dossier(d.code),
            },
            // Not (or no longer) in the store: the destination says so.
            Err(DeskError::Core(CoreError::NotFound { .. })) => QrMeaning::Dossier(code.to_owned()),
            Err(e) => QrMeaning::Damaged(format!("không kiểm tra được hồ sơ {code}: {e}")),
        }
    }

    /// Take a batch of stable files: read, seal, split at covers, file and
    /// triage, all recorded in one transaction, then remove the files.
    pub(super) fn take_batch(
        &self,
        batch: Vec<Candidate>,
        report: &mut InboxReport,
    ) -> Result<(), DeskError> {
        let actor = self.authorize_quietly(crate::policy::Action::Digitise)?;
        let files = self.read_batch(&actor, batch, report)?;
        if files.is_empty() {
            return Ok(());
        }
        let store = self.files()?;
        let plan = self.plan_batch(&actor, &store, files)?;
        // The sources, sealed: the files as the scanner wrote them.
        for f in &plan.files {
            let sealed = store.put(&f.bytes)?;
            if sealed != f.sha256 {
                return Err(DeskError::Files(bhxh_files::FileError::HashMismatch {
                    hash: f.sha256.clone(),
                    actual: sealed,
                }));
            }
        }
        self.record_batch(&actor, &plan, report)?;
        report.notes.extend(plan.notes);
        for f in &plan.files {
            self.remove_taken(&f.candidate, report);
            report.taken.push(f.candidate.name.clone());
        }
        Ok(())
    }

    /// Step 1: read the files of the batch (see the module docs).
    fn read_batch(
        &self,
        actor: &Actor,
        batch: Vec<Candidate>,
        report: &mut InboxReport,
    ) -> Result<Vec<ReadFile>, DeskError> {
        let mut files: Vec<ReadFile> = Vec::new();
        let sequence = batch.len() > 1 || batch.iter().any(|c| is_sequence(&c.name));
        for c in batch {
            let bytes = std::fs::read(&c.path).map_err(io_err(&c.path))?;
            let meta = std::fs::metadata(&c.path).map_err(io_err(&c.path))?;
            if bytes.len() as u64 != c.size || meta.len() != c.size || mtime_ns(&meta) != c.mtime {
                self.change_as(actor, |tx, _, now| {
                    core_inbox::observe(tx, &c.name, meta.len(), mtime_ns(&meta), now)?;
                    Ok(())
                })?;
                if sequence {
                    report
                        .waiting
                        .extend(files.iter().map(|f| f.candidate.name.clone()));
                    report.waiting.push(c.name);
                    return Ok(Vec::new());
                }
                report.waiting.push(c.name);
                continue;
            }
            let sha256 = bhxh_files::sha256_hex(&bytes);
            if core_inbox::taken_by_hash(&*self.store.conn()?, &sha256)?.is_some() {
                self.remove_taken(&c, report);
                report.duplicates.push(c.name);
                continue;
            }
            files.push(ReadFile {
                candidate: c,
                bytes,
                sha256,
            });
        }
        Ok(files)
    }

    /// Step 2: pages, covers, destinations; each part sealed.
    fn plan_batch(
        &self,
        actor: &Actor,
        store: &FileStore,
        files: Vec<ReadFile>,
    ) -> Result<Plan, DeskError> {
        let stamp = self.digitiser_stamp(actor, &self.now());
        // Every page of the batch: (file index, page index in the file, page).
        let mut pages: Vec<(usize, usize, ScanPage)> = Vec::new();
        let mut pages_per_file: Vec<u32> = vec![0; files.len()];
        let mut triage: Vec<TriagePart> = Vec::new();
        for (f, file) in files.iter().enumerate() {
            match bhxh_scan::read_pages(&file.bytes) {
                Ok(ps) => {
                    pages_per_file[f] = u32_of(ps.len());
                    pages.extend(ps.into_iter().enumerate().map(|(i, p)| (f, i, p)));
                }
                Err(e) => triage.push(TriagePart {
                    file: f,
                    sha256: file.sha256.clone(),
                    label: file.candidate.name.clone(),
                    pages: 0,
                    reason: format!("Tệp không đọc được: {e}"),
                    code_read: None,
                }),
            }
        }
        let key = self.paper_key()?;
        let covers: Vec<Option<Cover>> = pages
            .iter()
            .map(|(_, i, p)| {
                p.qr_texts(i + 1)
                    .ok()
                    .and_then(|t| cover_of(&t, |text| self.classify(key.as_bytes(), text)))
            })
            .collect();
        let where_is = |k: usize| -> String {
            let (f, i, _) = &pages[k];
            format!("{} trang {}", files[*f].candidate.name, i + 1)
        };
        let mut filed: Vec<(usize, Prepared)> = Vec::new();
        let mut notes = Vec::new();
        // Components given to earlier parts of this batch, per dossier.
        let mut used: BTreeMap<String, Vec<u32>> = BTreeMap::new();
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
            let dest = match &part.cover {
                None => Destination::Triage {
                    reason: "Không có trang bìa mang mã QR của hồ sơ trước các trang này."
                        .to_owned(),
                    code_read: None,
                },
                Some(Cover::Bad(why)) => Destination::Triage {
                    reason: format!("Mã QR trên trang bìa không dùng được: {why}"),
                    code_read: None,
                },
                Some(Cover::Code(code)) => self.destination(code, &used)?,
            };
            let file_of_first = pages[first].0;
            match dest {
                Destination::File { dossier, component } => {
                    let named: Vec<(String, &ScanPage)> = part
                        .pages
                        .iter()
                        .map(|&k| {
                            let (f, i, p) = &pages[k];
                            let total = pages_per_file[*f] as usize;
                            (
                                page_name(&files[*f].candidate.name, i + 1, total, page_media(p)),
                                p,
                            )
                        })
                        .collect();
                    let p = self.prepare_part(store, &dossier, component, &named, &stamp)?;
                    used.entry(dossier.code.clone())
                        .or_default()
                        .push(component);
                    filed.push((file_of_first, p));
                }
                Destination::Triage { reason, code_read } => {
                    // The part's pages as one sealed PDF (lossless, no
                    // stamp): what a person files later.
                    let refs: Vec<&ScanPage> = part.pages.iter().map(|&k| &pages[k].2).collect();
                    let pdf = bhxh_scan::assemble_pages(&refs, "Chờ phân loại", None).map_err(
                        |source| DeskError::Scan {
                            file: files[file_of_first].candidate.name.clone(),
                            source,
                        },
                    )?;
                    let last = part.pages.last().copied().unwrap_or(first);
                    let whole = part.pages.len() == pages.len()
                        && files.len() == 1
                        && pages_per_file[file_of_first] as usize == part.pages.len();
                    let label = if whole {
                        files[file_of_first].candidate.name.clone()
                    } else if part.pages.len() == 1 {
                        where_is(first)
                    } else {
                        format!("{} – {}", where_is(first), where_is(last))
                    };
                    triage.push(TriagePart {
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
        if filed.is_empty() && triage.is_empty() {
            notes.push(format!(
                "{}: chỉ có trang bìa, không có trang hồ sơ nào.",
                files
                    .iter()
                    .map(|f| f.candidate.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(Plan {
            files,
            pages_per_file,
            filed,
            triage,
            notes,
        })
    }

    /// Where a part with a cover naming `code` goes; `used` holds the
    /// components given to earlier parts of the same batch.
    fn destination(
        &self,
        code: &str,
        used: &BTreeMap<String, Vec<u32>>,
    ) -> Result<Destination, DeskError> {
        let conn = self.store.conn()?;
        let dossier = match dossiers::get(&conn, code) {
            Ok(d) => d,
            Err(CoreError::NotFound { .. }) => {
                return Ok(core_inbox::destination(code, None, &[]));
            }
            Err(e) => return Err(e.into()),
        };
        let digitised: Vec<u32> = dossier_files::digitised(&conn, &dossier.code)?
            .into_iter()
            .chain(used.get(&dossier.code).into_iter().flatten().copied())
            .collect();
        Ok(core_inbox::destination(code, Some(dossier), &digitised))
    }

    /// Step 3: everything the batch did, in one transaction. Another desk
    /// polling the same folder may have taken the files first: then nothing
    /// is recorded.
    fn record_batch(
        &self,
        actor: &Actor,
        plan: &Plan,
        report: &mut InboxReport,
    ) -> Result<(), DeskError> {
        let outcome = serde_json::json!({
            "batch": plan.files.iter().map(|f| &f.candidate.name).collect::<Vec<_>>(),
            "filed": plan.filed.iter().map(|(_, p)| serde_json::json!({
                "code": p.code, "component": p.component, "pages": p.pages,
            })).collect::<Vec<_>>(),
            "triaged": plan.triage.iter().map(|t| serde_json::json!({
                "part": t.label, "pages": t.pages, "reason": t.reason,
            })).collect::<Vec<_>>(),
        });
        let taken_by = self.full_name_of(actor);
        let mut taken_elsewhere = false;
        let recorded = self.change_as(actor, |tx, actor, now| {
            for f in &plan.files {
                if core_inbox::taken_by_hash(tx, &f.sha256)?.is_some() {
                    taken_elsewhere = true;
                    return Err(CoreError::Conflict(format!(
                        "Tệp {} vừa được một máy khác lấy khỏi hộp thư quét; lần quét sau sẽ dọn.",
                        f.candidate.name
                    ))
                    .into());
                }
            }
            let mut ids: Vec<i64> = Vec::with_capacity(plan.files.len());
            for (i, f) in plan.files.iter().enumerate() {
                // The same bytes twice in one batch: one record, both pages kept.
                if let Some(same) = plan.files[..i].iter().position(|g| g.sha256 == f.sha256) {
                    ids.push(ids[same]);
                    continue;
                }
                ids.push(core_inbox::record_taken(
                    tx,
                    &NewTaken {
                        sha256: &f.sha256,
                        file_name: &f.candidate.name,
                        bytes: f.bytes.len() as u64,
                        pages: plan.pages_per_file[i],
                        taken_by: &taken_by,
                        outcome: &outcome,
                    },
                    now,
                )?);
                audit::append(
                    tx,
                    actor,
                    &Event {
                        action: "import",
                        entity: "inbox_file",
                        entity_id: &f.sha256,
                        detail: serde_json::json!({
                            "name": f.candidate.name,
                            "pages": plan.pages_per_file[i],
                            "outcome": outcome,
                        }),
                    },
                    now,
                )?;
            }
            let mut filed = Vec::new();
            for (f, p) in &plan.filed {
                let status =
                    dossier_files::record(tx, actor, &p.code, p.component, &p.records, now)?;
                filed.push(FiledPart {
                    file: plan.files[*f].candidate.name.clone(),
                    code: p.code.clone(),
                    component: p.component,
                    pages: p.pages,
                    status_label: status.label_vi().to_owned(),
                    warnings: p.warnings.clone(),
                });
            }
            let mut triaged = Vec::new();
            for t in &plan.triage {
                let id = core_inbox::add_triage(
                    tx,
                    &NewTriage {
                        file_id: ids[t.file],
                        sha256: &t.sha256,
                        file_name: &t.label,
                        first_page: 1,
                        page_count: t.pages,
                        reason: &t.reason,
                        code_read: t.code_read.as_deref(),
                    },
                    now,
                )?;
                triaged.push(TriagedPart {
                    id,
                    file: t.label.clone(),
                    pages: t.pages,
                    reason: t.reason.clone(),
                });
            }
            Ok((filed, triaged))
        });
        let (filed, triaged) = match recorded {
            Ok(done) => done,
            Err(e) => {
                if taken_elsewhere {
                    report
                        .duplicates
                        .extend(plan.files.iter().map(|f| f.candidate.name.clone()));
                }
                return Err(e);
            }
        };
        report.filed.extend(filed);
        report.triaged.extend(triaged);
        Ok(())
    }

    /// Seal a part's pages (each under its name) and its assembled PDF;
    /// the rows to record.
    pub(super) fn prepare_part(
        &self,
        store: &FileStore,
        d: &Dossier,
        component: u32,
        pages: &[(String, &ScanPage)],
        stamp: &str,
    ) -> Result<Prepared, DeskError> {
        let scan_err = |e: bhxh_scan::ScanError| DeskError::Scan {
            file: pages.first().map(|(n, _)| n.clone()).unwrap_or_default(),
            source: e,
        };
        let refs: Vec<&ScanPage> = pages.iter().map(|(_, p)| *p).collect();
        let pdf =
            bhxh_scan::assemble_pages(&refs, &d.procedure_name, Some(stamp)).map_err(scan_err)?;
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
        let parts = store.put_many_hashed(&refs)?;
        let assembled =
            store.put_composed_hashed(&bhxh_files::Hashed::new(pdf.as_slice()), &parts)?;
        for (rec, part) in records.iter_mut().zip(&parts) {
            rec.sha256 = part.hash().to_owned();
        }
        records.push(FileRecord {
            role: FileRole::Assembled,
            sha256: assembled,
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
}
