//! Digitising a dossier's papers and its results: every file checked
//! before anything is stored, scans assembled into one PDF with the
//! digitiser's stamp (`bhxh-scan`), everything sealed in the file store,
//! then recorded in one transaction; and the dossier's PDFs exported
//! decrypted on request.

use std::path::{Path, PathBuf};

use bhxh_core::dossiers::files::{self as dossier_files, FileRecord, FileRole};
use bhxh_core::dossiers::{self, results};
use bhxh_core::office::audit::Actor;
use bhxh_core::{CoreError, Timestamp};
use serde::Serialize;

use crate::dto::{self, DossierStatus};

use super::papers::file_safe;
use crate::policy::Action;
use crate::{Desk, DeskError, paths};

/// What importing a component's papers did.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportedComponent {
    pub code: String,
    pub component: u32,
    pub pages: u32,
    pub files: Vec<dto::FileRecord>,
    pub warnings: Vec<String>,
    pub status: DossierStatus,
    pub status_label: String,
}

/// What importing a result's papers did.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportedResult {
    pub code: String,
    pub number: u32,
    pub name: String,
    pub reusable: bool,
    pub pages: u32,
    pub files: Vec<dto::FileRecord>,
    pub warnings: Vec<String>,
    pub status: DossierStatus,
    pub status_label: String,
}

/// Files checked, assembled and sealed, ready to be recorded.
struct DigitisedFiles {
    records: Vec<FileRecord>,
    pages: u32,
    warnings: Vec<String>,
}

/// Files to digitise, read whole: (name, bytes).
fn read_inputs(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, DeskError> {
    paths
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(|bytes| (file_name(p), bytes))
                .map_err(|source| DeskError::Io {
                    path: p.clone(),
                    source,
                })
        })
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Desk {
    /// Digitise one component from files (JPEG, PNG, or one PDF kept byte for
    /// byte). Every file is checked before anything is written; scans become
    /// one PDF with the digitiser's name and time top left on page 1. With
    /// `declared_pages`, the count must match the paper's.
    pub fn dossier_import(
        &self,
        code: &str,
        component: u32,
        paths: &[PathBuf],
        declared_pages: Option<u32>,
    ) -> Result<ImportedComponent, DeskError> {
        let inputs = read_inputs(paths)?;
        self.dossier_import_bytes(code, component, &inputs, declared_pages)
    }

    /// Scan one component straight from a scanner (`scanner`: SANE on
    /// Linux) and digitise its pages as an import of the scanned files
    /// would; `on_page(n)` as each page arrives. Setting `cancel` stops the
    /// scanner and keeps nothing of that scan.
    pub fn dossier_scan(
        &self,
        scanner: &dyn bhxh_scan::scanner::Scanner,
        code: &str,
        component: u32,
        req: &bhxh_scan::scanner::ScanRequest,
        on_page: &mut dyn FnMut(u32),
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<ImportedComponent, DeskError> {
        // Checked before the paper goes through the scanner.
        self.authorize(Action::Digitise)?;
        dossiers::get(&*self.store.conn()?, code)?;
        let pages = scanner.scan(req, on_page, cancel)?;
        let inputs: Vec<(String, Vec<u8>)> = pages
            .into_iter()
            .enumerate()
            .map(|(i, b)| (format!("quet-{:03}.jpg", i + 1), b))
            .collect();
        self.dossier_import_bytes(code, component, &inputs, None)
    }

    /// The scanners attached (any signed-in member of staff).
    pub fn scanners_list(
        &self,
        scanner: &dyn bhxh_scan::scanner::Scanner,
    ) -> Result<Vec<crate::dto::ScannerLine>, DeskError> {
        self.authorize(Action::ViewDossier)?;
        Ok(scanner
            .list()?
            .into_iter()
            .map(|s| crate::dto::ScannerLine {
                device: s.device,
                vendor: s.vendor,
                model: s.model,
                kind: s.kind,
            })
            .collect())
    }

    /// As [`Desk::dossier_result_import`], with files on disk.
    pub fn dossier_result_import_files(
        &self,
        code: &str,
        name: &str,
        reusable: bool,
        paths: &[PathBuf],
        declared_pages: Option<u32>,
    ) -> Result<ImportedResult, DeskError> {
        let inputs = read_inputs(paths)?;
        self.dossier_result_import(code, name, reusable, &inputs, declared_pages)
    }

    /// As [`Desk::dossier_import`], with files the window read: (name, bytes).
    pub fn dossier_import_bytes(
        &self,
        code: &str,
        component: u32,
        inputs: &[(String, Vec<u8>)],
        declared_pages: Option<u32>,
    ) -> Result<ImportedComponent, DeskError> {
        let actor = self.authorize(Action::Digitise)?;
        let d = dossiers::get(&*self.store.conn()?, code)?;
        let done = self.digitise_files(
            &actor,
            &d.procedure_name,
            format!("thanh-phan-{component}.pdf"),
            inputs,
            declared_pages,
        )?;
        let status = self.change_as(&actor, |tx, actor, now| {
            Ok(dossier_files::record(
                tx,
                actor,
                code,
                component,
                &done.records,
                now,
            )?)
        })?;
        Ok(ImportedComponent {
            code: d.code,
            component,
            pages: done.pages,
            files: dto::all(done.records),
            warnings: done.warnings,
            status: status.into(),
            status_label: status.label_vi().to_owned(),
        })
    }

    /// Digitise a result of the dossier (the decision, book or card handed
    /// back) from files, as a component is: checked first, assembled with the
    /// digitiser's stamp, sealed, recorded; `reusable` offers it at the
    /// applicant's later intakes. A dossier being processed moves to "result
    /// ready".
    pub fn dossier_result_import(
        &self,
        code: &str,
        name: &str,
        reusable: bool,
        inputs: &[(String, Vec<u8>)],
        declared_pages: Option<u32>,
    ) -> Result<ImportedResult, DeskError> {
        let actor = self.authorize(Action::Digitise)?;
        let d = dossiers::get(&*self.store.conn()?, code)?;
        // Checked before any file is sealed, so a bad name or a dossier not
        // yet processed costs no work and leaves nothing behind.
        let name = results::clean_name(name)?;
        results::ensure_handled(&d)?;
        let next = results::list(&*self.store.conn()?, &d.code)?.len() + 1;
        let done = self.digitise_files(
            &actor,
            &format!("Kết quả: {name}"),
            format!("ket-qua-{next}.pdf"),
            inputs,
            declared_pages,
        )?;
        let rec = self.change_as(&actor, |tx, actor, now| {
            Ok(results::record(
                tx,
                actor,
                &d.code,
                &name,
                reusable,
                &done.records,
                now,
            )?)
        })?;
        Ok(ImportedResult {
            code: d.code,
            number: rec.number,
            name,
            reusable,
            pages: done.pages,
            files: dto::all(done.records),
            warnings: done.warnings,
            status: rec.status.into(),
            status_label: rec.status.label_vi().to_owned(),
        })
    }

    /// The digitised results of a dossier.
    pub fn dossier_results(&self, code: &str) -> Result<Vec<dto::ResultLine>, DeskError> {
        self.read(Action::ViewDossier, |conn, _| {
            Ok(dto::all(results::list(conn, code)?))
        })
    }

    /// Offer a result at later intakes, or stop offering it; audited.
    pub fn dossier_result_set_reusable(
        &self,
        code: &str,
        number: u32,
        reusable: bool,
    ) -> Result<Vec<dto::ResultLine>, DeskError> {
        self.change(Action::Digitise, |tx, actor, now| {
            results::set_reusable(tx, actor, code, number, reusable, now)?;
            Ok(dto::all(results::list(tx, code)?))
        })
    }

    /// Check every file, assemble the scans into one PDF stamped with the
    /// digitiser's name and time (or keep one PDF byte for byte), and seal
    /// the files; what is left is to record them. Nothing is sealed if one
    /// file is bad; a crash after sealing leaves only unreferenced sealed
    /// files, which a later import sweeps.
    fn digitise_files(
        &self,
        actor: &bhxh_core::office::audit::Actor,
        title: &str,
        pdf_name: String,
        inputs: &[(String, Vec<u8>)],
        declared_pages: Option<u32>,
    ) -> Result<DigitisedFiles, DeskError> {
        let now = self.now();
        if inputs.is_empty() {
            return Err(CoreError::invalid("files", "Chưa chọn tệp nào.").into());
        }
        // Check everything first: nothing is stored if one file is bad.
        let is_pdf = |b: &[u8]| b.starts_with(b"%PDF-");
        let mut warnings = Vec::new();
        let mut files = Vec::new();
        // A PDF kept whole, or the scans' pages counted and checked.
        let received_pdf = inputs.iter().any(|(_, b)| is_pdf(b));
        let pages: u32 = if received_pdf {
            if inputs.len() != 1 {
                return Err(CoreError::invalid(
                    "files",
                    "Một thành phần chỉ nhận một tệp PDF, hoặc các tệp ảnh quét (không trộn lẫn).",
                )
                .into());
            }
            let (name, bytes) = &inputs[0];
            let pages = bhxh_scan::inspect_pdf(bytes).map_err(|source| DeskError::Scan {
                file: name.clone(),
                source,
            })?;
            // A PDF received signed: its signatures are checked now and said
            // beside the import (it is kept byte for byte either way).
            if let Ok(lines) = self.pdf_verify(bytes) {
                warnings.extend(lines.into_iter().map(|l| l.summary));
            }
            pages
        } else {
            // A TIFF may hold several pages: count and warn per PDF page.
            let mut page = 1;
            for (name, bytes) in inputs {
                let pages =
                    bhxh_scan::inspect_pages(bytes, page).map_err(|source| DeskError::Scan {
                        file: name.clone(),
                        source,
                    })?;
                for info in &pages {
                    warnings.extend(info.warnings(page));
                    page += 1;
                }
                files.push((
                    bytes.as_slice(),
                    FileRecord {
                        role: FileRole::Original,
                        sha256: String::new(),
                        file_name: name.clone(),
                        media_type: format!(
                            "image/{}",
                            pages.first().map(|i| i.format).unwrap_or("jpeg")
                        ),
                        bytes: bytes.len() as u64,
                        pages: u32::try_from(pages.len()).unwrap_or(u32::MAX),
                        warnings: Vec::new(),
                    },
                ));
            }
            u32::try_from(page - 1).unwrap_or(u32::MAX)
        };
        if let Some(declared) = declared_pages
            && declared != pages
        {
            return Err(CoreError::invalid(
                "pages",
                format!(
                    "Số trang nhập vào ({declared}) khác số trang của tệp ({pages}): kiểm tra lại bản giấy."
                ),
            )
            .into());
        }
        // Seal the bytes first (idempotent, content-addressed), then the
        // caller records them in one transaction: a crash between leaves
        // only unreferenced sealed files, never a row without its file. The
        // scans are assembled on one core while the others seal them.
        let store = self.files()?;
        self.sweep_files(&store)?;
        let originals: Vec<&[u8]> = files.iter().map(|(b, _)| *b).collect();
        let (pdf, name, parts) = if received_pdf {
            let (name, bytes) = &inputs[0];
            (
                bhxh_files::Hashed::new(bytes.clone()),
                name.clone(),
                Vec::new(),
            )
        } else {
            let stamp = self.digitiser_stamp(actor, &now);
            let (assembled, parts) = std::thread::scope(|s| {
                // The assembler also hashes its PDF (its name in the store)
                // while the other threads are still sealing the scans.
                let assembling = s.spawn(|| {
                    bhxh_scan::assemble_scans(&originals, title, Some(&stamp))
                        .map(|(pdf, _)| bhxh_files::Hashed::new(pdf))
                        .map_err(|source| DeskError::Scan {
                            file: inputs[0].0.clone(),
                            source,
                        })
                });
                let parts = store.put_many_hashed(&originals);
                let assembled = assembling.join().unwrap_or_else(|_| {
                    Err(DeskError::Scan {
                        file: inputs[0].0.clone(),
                        source: bhxh_scan::ScanError::Pdf(
                            "việc ghép trang bị dừng đột ngột".into(),
                        ),
                    })
                });
                (assembled, parts)
            });
            (assembled?, pdf_name, parts?)
        };
        // The assembled PDF names the sealed scans it carries byte for byte
        // instead of sealing them a second time (bhxh-files `composed`);
        // every hash here was computed once, from these bytes.
        let assembled = store.put_composed_hashed(&pdf, &parts)?;
        let hashes: Vec<String> = parts.iter().map(|p| p.hash().to_owned()).collect();
        drop(parts);
        let pdf = pdf.into_bytes();
        let mut records = Vec::new();
        for ((_, mut rec), hash) in files.into_iter().zip(hashes) {
            rec.sha256 = hash;
            records.push(rec);
        }
        records.push(FileRecord {
            role: FileRole::Assembled,
            sha256: assembled,
            file_name: name,
            media_type: "application/pdf".into(),
            bytes: pdf.len() as u64,
            pages,
            warnings: warnings.clone(),
        });
        Ok(DigitisedFiles {
            records,
            pages,
            warnings,
        })
    }

    /// The files recorded for a dossier.
    pub fn dossier_files(&self, code: &str) -> Result<Vec<dto::FileLine>, DeskError> {
        self.read(Action::ViewDossier, |conn, _| {
            let digitised = dossier_files::digitised(conn, code)?;
            let mut lines: Vec<dto::FileLine> = dto::all(dossier_files::list(conn, code)?);
            // Listed by component, oldest first: a component's current PDF
            // is its last assembled row, unless every page moved away since.
            for n in &digitised {
                if let Some(last) = lines
                    .iter_mut()
                    .rev()
                    .find(|f| f.component == *n && f.role == "assembled")
                {
                    last.current = true;
                }
            }
            Ok(lines)
        })
    }

    /// Write each component's PDF (`<code>_tpN.pdf`) and each result's
    /// (`<code>_kqN.pdf`), decrypted, into `dir`; returns the paths. Each is
    /// the current version: the newest the desk signed, else the PDF as
    /// digitised (a PDF received whole comes out byte for byte). With
    /// `signed_only` ([`Desk::dossier_export_with`]), every PDF must carry
    /// a signature (the desk's or its own), or nothing is written. Audited
    /// as an export.
    pub fn dossier_export(&self, code: &str, dir: &Path) -> Result<Vec<PathBuf>, DeskError> {
        self.dossier_export_with(code, dir, false)
    }

    /// As [`Desk::dossier_export`]; `signed_only` refuses unsigned PDFs.
    pub fn dossier_export_with(
        &self,
        code: &str,
        dir: &Path,
        signed_only: bool,
    ) -> Result<Vec<PathBuf>, DeskError> {
        let actor = self.authorize(Action::ExportDossier)?;
        let (d, current) = {
            let conn = self.store.conn()?;
            let d = dossiers::get(&conn, code)?;
            let current = bhxh_core::dossiers::signed::current(&conn, &d.code)?;
            (d, current)
        };
        let store = self.files()?;
        let mut files = Vec::new();
        for cur in &current {
            let bytes = store.get(&cur.sha256)?;
            if signed_only
                && cur.signatures == 0
                && bhxh_sign::pdf::signatures(&bytes).is_ok_and(|(_, s)| s.is_empty())
            {
                return Err(CoreError::invalid(
                    "signed",
                    format!(
                        "Tệp của {} chưa được ký số: ký trước khi xuất bản đã ký.",
                        cur.item.label_vi()
                    ),
                )
                .into());
            }
            files.push((cur.item, bytes));
        }
        std::fs::create_dir_all(dir).map_err(|source| DeskError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let safe = file_safe(&d.code);
        let mut out = Vec::new();
        for (item, bytes) in files {
            let name = match item {
                bhxh_core::dossiers::signed::Item::Component(n) => format!("{safe}_tp{n}.pdf"),
                bhxh_core::dossiers::signed::Item::Result(n) => format!("{safe}_kq{n}.pdf"),
            };
            let path = dir.join(name);
            paths::write_atomic(&path, &bytes)?;
            out.push(path);
        }
        self.record(
            &actor,
            "export",
            "dossier",
            &d.code,
            serde_json::json!({ "files": out.len(), "signedOnly": signed_only }),
        )?;
        Ok(out)
    }
}

impl Desk {
    /// The stamp on page 1 of an assembled PDF: who digitised it, and when.
    pub(crate) fn digitiser_stamp(&self, actor: &Actor, now: &Timestamp) -> String {
        format!(
            "Số hóa: {}, {}",
            self.full_name_of(actor),
            now.format("%d/%m/%Y %H:%M")
        )
    }
}
