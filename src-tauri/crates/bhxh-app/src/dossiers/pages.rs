//! Page tools (issue 14): a component's pages shown, turned, reordered or
//! dropped. The sealed scans never change: an edit reads them, assembles a
//! new PDF with the editor's stamp (`bhxh_scan::edit`: a turn is `/Rotate`,
//! the JPEG bytes are the scanner's), seals it and records it as the
//! component's current PDF, audited with what changed.

use std::collections::HashMap;

use base64ct::{Base64, Encoding};
use bhxh_core::dossiers::files::{FileRecord, FileRole};
use bhxh_core::dossiers::pages::{self, Choice, Layout, PageRef};
use bhxh_core::dossiers::{self, signed};
use bhxh_scan::ScanPage;
use bhxh_scan::edit::{Rotation, assemble_turned, looks_blank, preview};

use crate::dto::{ComponentPages, PageChoice, PageLine, PageMove, PagePreview, PagesMoved};
use crate::policy::Action;
use crate::{Desk, DeskError};

/// What an archival export wrote.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveExport {
    /// The files written.
    pub files: Vec<String>,
    /// Components not written, and why.
    pub skipped: Vec<String>,
    /// Pages whose words OCR has not read (yet): no hidden text on them.
    pub pages_without_text: u32,
}

/// Longer side of a page's preview, in points.
const PREVIEW_PX: u32 = 240;

impl Desk {
    /// A component's current PDF and its pages, in order, with their turns.
    pub fn dossier_pages(&self, code: &str, component: u32) -> Result<ComponentPages, DeskError> {
        self.authorize(Action::ViewDossier)?;
        let (layout, signed) = self.page_layout(code, component)?;
        let scans = self.scans_of(&layout.pages, &layout.file_name)?;
        let mut lines = Vec::with_capacity(layout.pages.len());
        for (i, p) in layout.pages.iter().enumerate() {
            let page = scan_page(&scans, p)?;
            lines.push(PageLine {
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                rotate: p.rotate,
                width_px: page.info.width_px,
                height_px: page.info.height_px,
            });
        }
        Ok(ComponentPages {
            code: code.trim().to_owned(),
            component,
            sha256: layout.sha256,
            file_name: layout.file_name,
            received_whole: layout.received_whole,
            signed,
            pages: lines,
        })
    }

    /// A component's pages as [`Desk::dossier_pages`] gives them, `None`
    /// when it has no PDF (not digitised, or every page moved away).
    pub fn dossier_pages_if_any(
        &self,
        code: &str,
        component: u32,
    ) -> Result<Option<ComponentPages>, DeskError> {
        self.authorize(Action::ViewDossier)?;
        let digitised = dossiers::files::digitised(&*self.store.conn()?, code)?;
        if !digitised.contains(&component) {
            return Ok(None);
        }
        self.dossier_pages(code, component).map(Some)
    }

    /// A small picture of page `number` of a component (not turned) and
    /// whether it looks blank.
    pub fn dossier_page_preview(
        &self,
        code: &str,
        component: u32,
        number: u32,
    ) -> Result<PagePreview, DeskError> {
        self.authorize(Action::ViewDossier)?;
        let (layout, _) = self.page_layout(code, component)?;
        let p = usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| layout.pages.get(i))
            .ok_or_else(|| {
                bhxh_core::CoreError::invalid(
                    "page",
                    format!(
                        "Không có trang {number}: thành phần có {} trang.",
                        layout.pages.len()
                    ),
                )
            })?;
        let scans = self.scans_of(std::slice::from_ref(p), &layout.file_name)?;
        let page = scan_page(&scans, p)?;
        let scan_err = |source| DeskError::Scan {
            file: format!("trang {number}"),
            source,
        };
        let jpeg = preview(page, PREVIEW_PX).map_err(scan_err)?;
        let blank = looks_blank(page).map_err(scan_err)?;
        let skew = if blank {
            None
        } else {
            bhxh_scan::edit::skew_degrees(page)
                .map_err(scan_err)?
                .map(|d| (d * 10.0).round() / 10.0)
        };
        Ok(PagePreview {
            number,
            image: format!("data:image/jpeg;base64,{}", Base64::encode_string(&jpeg)),
            blank,
            skew,
        })
    }

    /// Make a new version of a component's PDF from its current pages:
    /// `choices` are the pages to keep, in their new order, each with its
    /// turn. `base_sha256` is the version the officer looked at: when the
    /// component changed since, nothing is made and the officer is told.
    /// The sealed scans stay as they are; a signed version stays in the
    /// history, and the new one needs signing again.
    pub fn dossier_pages_edit(
        &self,
        code: &str,
        component: u32,
        base_sha256: &str,
        choices: &[PageChoice],
    ) -> Result<ComponentPages, DeskError> {
        let actor = self.authorize(Action::Digitise)?;
        let d = dossiers::get(&*self.store.conn()?, code)?;
        let (layout, _) = self.page_layout(&d.code, component)?;
        // Checked before anything is assembled; the record checks again.
        layout.editable_from(&d.code, component, base_sha256)?;
        let choices: Vec<Choice> = choices
            .iter()
            .map(|c| Choice {
                page: c.page,
                rotate: c.rotate,
            })
            .collect();
        let new_layout = pages::apply(&layout.pages, &choices)?;
        // Assembled with no transaction open; the record checks that the
        // version edited is still the current one.
        let stamp = self.digitiser_stamp(&actor, &self.now());
        let record = self.assemble_version(&d, component, &new_layout, &stamp)?;
        self.change_as(&actor, |tx, actor, now| {
            Ok(pages::record_edit(
                tx,
                actor,
                &d.code,
                component,
                base_sha256.trim(),
                &choices,
                &record,
                now,
            )?)
        })?;
        self.dossier_pages(&d.code, component)
    }

    /// Move pages from one component of a dossier to another (an officer
    /// fed a whole batch into one component and some pages belong to
    /// another): both get a new PDF made from the same sealed scans, the
    /// pages in the order named, recorded in one transaction and audited as
    /// one move. The component the pages leave keeps the rest; left with
    /// none, it has no PDF (not digitised). Refused, with nothing made,
    /// when either component changed since the versions the officer saw.
    pub fn dossier_pages_move(&self, code: &str, mv: &PageMove) -> Result<PagesMoved, DeskError> {
        let actor = self.authorize(Action::Digitise)?;
        let d = dossiers::get(&*self.store.conn()?, code)?;
        let mv = pages::Move {
            from: mv.from_component,
            pages: mv.pages.clone(),
            to: mv.to_component,
            at: mv.at,
            from_sha256: mv.from_sha256.trim().to_owned(),
            to_sha256: mv.to_sha256.as_deref().map(|s| s.trim().to_owned()),
        };
        // Checked and assembled with no transaction open; the record checks
        // again against the components as they are then.
        let plan = pages::plan_move(&*self.store.conn()?, &d.code, &mv)?;
        let stamp = self.digitiser_stamp(&actor, &self.now());
        let from_file = if plan.from_after.is_empty() {
            None
        } else {
            Some(self.assemble_version(&d, mv.from, &plan.from_after, &stamp)?)
        };
        let to_file = self.assemble_version(&d, mv.to, &plan.to_after, &stamp)?;
        let (_, status) = self.change_as(&actor, |tx, actor, now| {
            Ok(pages::record_move(
                tx,
                actor,
                &d.code,
                &mv,
                from_file.as_ref(),
                &to_file,
                now,
            )?)
        })?;
        Ok(PagesMoved {
            from: match from_file {
                Some(_) => Some(self.dossier_pages(&d.code, mv.from)?),
                None => None,
            },
            to: self.dossier_pages(&d.code, mv.to)?,
            status: status.into(),
            status_label: status.label_vi().to_owned(),
        })
    }

    /// A new PDF of `component` made of the sealed scans' `pages`, each with
    /// its turn and the digitiser's `stamp`, sealed: its record.
    fn assemble_version(
        &self,
        d: &dossiers::Dossier,
        component: u32,
        pages: &[PageRef],
        stamp: &str,
    ) -> Result<FileRecord, DeskError> {
        let file_name = format!("thanh-phan-{component}.pdf");
        let scan_err = |source| DeskError::Scan {
            file: file_name.clone(),
            source,
        };
        let scans = self.scans_of(pages, &file_name)?;
        let mut turned = Vec::with_capacity(pages.len());
        let mut warnings = Vec::new();
        for (i, p) in pages.iter().enumerate() {
            let page = scan_page(&scans, p)?;
            warnings.extend(page.info.warnings(i + 1));
            let rot = Rotation::from_degrees(i32::from(p.rotate)).map_err(scan_err)?;
            turned.push((page, rot));
        }
        let pdf = assemble_turned(&turned, &d.procedure_name, Some(stamp)).map_err(scan_err)?;
        // The new version names the sealed JPEG scans it carries rather than
        // sealing their bytes again (a part that is not its whole scan stays
        // in the PDF's own bytes: `put_composed` checks each one's hash).
        let parts: Vec<(&str, &[u8])> = scans
            .iter()
            .filter_map(|(hash, pages)| match pages.as_slice() {
                [one] => Some((hash.as_str(), one.jpeg_bytes()?)),
                _ => None,
            })
            .collect();
        let sha256 = self.files()?.put_composed(&pdf, &parts)?;
        Ok(FileRecord {
            role: FileRole::Assembled,
            sha256,
            file_name,
            media_type: "application/pdf".into(),
            bytes: pdf.len() as u64,
            pages: u32::try_from(pages.len()).unwrap_or(u32::MAX),
            warnings,
        })
    }

    /// Write the archival copy of each component digitised from scans
    /// (`<code>_tpN_luu-tru.pdf`, PDF/A-2b with the words OCR read as
    /// invisible text; the current pages, in order, turned) into `dir`.
    /// A component received as a whole PDF is listed as skipped: it is kept
    /// byte for byte and exported as it is. Audited as an export.
    pub fn dossier_export_archive(
        &self,
        code: &str,
        dir: &std::path::Path,
    ) -> Result<ArchiveExport, DeskError> {
        let actor = self.authorize(Action::ExportDossier)?;
        let (d, current) = {
            let conn = self.store.conn()?;
            let d = dossiers::get(&conn, code)?;
            let current = signed::current(&conn, &d.code)?;
            (d, current)
        };
        let now = self.now();
        let author = self.full_name_of(&actor);
        let safe = super::papers::file_safe(&d.code);
        let mut made = Vec::new();
        let mut out = ArchiveExport::default();
        for cur in &current {
            let signed::Item::Component(n) = cur.item else {
                continue;
            };
            let (layout, words) = {
                let conn = self.store.conn()?;
                (
                    pages::layout(&conn, &d.code, n)?,
                    bhxh_core::dossiers::ocr::component_words(&conn, &d.code)?,
                )
            };
            if layout.received_whole {
                out.skipped.push(format!(
                    "Thành phần {n}: tệp PDF nhận nguyên bản, giữ nguyên từng byte (xuất bằng «Xuất các tệp PDF»)."
                ));
                continue;
            }
            let scans = self.scans_of(&layout.pages, &layout.file_name)?;
            let parsed: Vec<Vec<bhxh_scan::ocr::OcrWord>> = layout
                .pages
                .iter()
                .map(|p| {
                    words
                        .get(&(p.sha256.clone(), p.page))
                        .and_then(|j| serde_json::from_str(j).ok())
                        .unwrap_or_default()
                })
                .collect();
            let mut archive_pages = Vec::with_capacity(layout.pages.len());
            for (p, w) in layout.pages.iter().zip(&parsed) {
                if w.is_empty() {
                    out.pages_without_text += 1;
                }
                archive_pages.push(bhxh_scan::archive::ArchivePage {
                    page: scan_page(&scans, p)?,
                    rotate: Rotation::from_degrees(i32::from(p.rotate)).map_err(|source| {
                        DeskError::Scan {
                            file: layout.file_name.clone(),
                            source,
                        }
                    })?,
                    words: w,
                });
            }
            let name = d
                .components
                .iter()
                .find(|c| c.number == n)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let title = format!("{name} – hồ sơ {}", d.code);
            let stamp = format!(
                "Bản lưu trữ (PDF/A) thành phần {n} hồ sơ {}: {author}, {}",
                d.code,
                now.format("%d/%m/%Y %H:%M")
            );
            let pdf = bhxh_scan::archive::archival_copy(
                &archive_pages,
                &bhxh_scan::archive::ArchiveInfo {
                    title: &title,
                    author: &author,
                    created: now,
                    stamp: Some(&stamp),
                },
            )
            .map_err(|source| DeskError::Scan {
                file: layout.file_name.clone(),
                source,
            })?;
            made.push((dir.join(format!("{safe}_tp{n}_luu-tru.pdf")), pdf));
        }
        std::fs::create_dir_all(dir).map_err(|source| DeskError::Io {
            path: dir.to_owned(),
            source,
        })?;
        for (path, pdf) in &made {
            crate::paths::write_atomic(path, pdf)?;
            out.files.push(path.display().to_string());
        }
        self.record(
            &actor,
            "export",
            "dossier",
            &d.code,
            serde_json::json!({ "files": out.files.len(), "archive": true }),
        )?;
        Ok(out)
    }

    /// The component's layout and whether its current PDF is a signed one.
    fn page_layout(&self, code: &str, component: u32) -> Result<(Layout, bool), DeskError> {
        let conn = self.store.conn()?;
        let layout = pages::layout(&conn, code, component)?;
        let signed = signed::current(&conn, code)?
            .iter()
            .any(|c| c.item == signed::Item::Component(component) && c.signatures > 0);
        Ok((layout, signed))
    }

    /// The pages of every sealed scan `pages` use (whichever component the
    /// scan was recorded under), each file read once; `file_name` names
    /// them in an error.
    fn scans_of(
        &self,
        pages: &[PageRef],
        file_name: &str,
    ) -> Result<HashMap<String, Vec<ScanPage>>, DeskError> {
        let store = self.files()?;
        let mut out = HashMap::new();
        for p in pages {
            if out.contains_key(&p.sha256) {
                continue;
            }
            let bytes = store.get(&p.sha256)?;
            let pages = bhxh_scan::read_pages(&bytes).map_err(|source| DeskError::Scan {
                file: file_name.to_owned(),
                source,
            })?;
            out.insert(p.sha256.clone(), pages);
        }
        Ok(out)
    }
}

/// Page `p.page` of its scan.
fn scan_page<'a>(
    scans: &'a HashMap<String, Vec<ScanPage>>,
    p: &PageRef,
) -> Result<&'a ScanPage, DeskError> {
    scans
        .get(&p.sha256)
        .and_then(|pages| pages.get(usize::try_from(p.page).ok()?.checked_sub(1)?))
        .ok_or_else(|| {
            bhxh_core::CoreError::Corrupt(format!(
                "tệp quét {} không có trang {}",
                &p.sha256[..p.sha256.len().min(12)],
                p.page
            ))
            .into()
        })
}

/// The pages of a new version from edits named the command line's way, in
/// the current page numbers: `turns` (page, degrees clockwise, added to
/// its turn), `delete`d pages, and the new `order` of the pages kept
/// (empty: as they are).
pub fn choices_from_edits(
    current: &ComponentPages,
    turns: &[(u32, i32)],
    delete: &[u32],
    order: &[u32],
) -> Result<Vec<PageChoice>, DeskError> {
    let n = current.pages.len();
    let bad = |m: String| -> DeskError { bhxh_core::CoreError::invalid("pages", m).into() };
    let exists = |p: u32| {
        if p == 0 || p as usize > n {
            Err(bad(format!("Không có trang {p}: thành phần có {n} trang.")))
        } else {
            Ok(())
        }
    };
    for p in delete.iter().chain(order) {
        exists(*p)?;
    }
    let seq: Vec<u32> = if order.is_empty() {
        (1..=n as u32).filter(|p| !delete.contains(p)).collect()
    } else {
        if let Some(p) = order.iter().find(|p| delete.contains(p)) {
            return Err(bad(format!(
                "Trang {p} vừa bị xóa vừa có trong thứ tự mới."
            )));
        }
        if let Some(p) = (1..=n as u32).find(|p| !delete.contains(p) && !order.contains(p)) {
            return Err(bad(format!(
                "Thứ tự mới thiếu trang {p}: muốn bỏ trang thì dùng --delete {p}."
            )));
        }
        order.to_vec()
    };
    let mut out: Vec<PageChoice> = seq
        .iter()
        .map(|p| PageChoice {
            page: *p,
            rotate: current.pages[*p as usize - 1].rotate,
        })
        .collect();
    for (p, deg) in turns {
        exists(*p)?;
        let turn = Rotation::from_degrees(*deg).map_err(|e| bad(e.to_string()))?;
        let Some(c) = out.iter_mut().find(|c| c.page == *p) else {
            return Err(bad(format!("Trang {p} vừa bị xóa vừa được xoay.")));
        };
        let now = Rotation::from_degrees(i32::from(c.rotate)).map_err(|e| bad(e.to_string()))?;
        c.rotate = now.then(turn).degrees();
    }
    Ok(out)
}
