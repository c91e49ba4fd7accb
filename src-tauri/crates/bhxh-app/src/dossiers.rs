//! Dossier intake at the desk: who may take in, move and print what, and the
//! papers of the one-stop desk as files: the receipt (form 01), the supplement
//! request (02), the refusal (03), the tracking sheet (05) and the yearly
//! register (06).

use std::path::{Path, PathBuf};

use bhxh_core::dossiers::files::{self as dossier_files, FileRecord, FileRole};
use bhxh_core::dossiers::{
    self, ComponentLine, Dossier, DossierSummary, Intake, IntakeInput, MonthIndicators,
    SearchQuery, Status, qr, results,
};
use bhxh_core::office::Office;
use bhxh_core::office::accounts::Role;
use bhxh_core::office::audit::{self, Event};
use bhxh_core::reference::pid::Sex;
use bhxh_core::{CoreError, Timestamp, office};
use bhxh_files::FileStore;
use bhxh_report::{
    NoticeDoc, NoticeKind, RECEIPT_TITLE, ReceiptDoc, RegisterDoc, RegisterLine, TrackingDoc,
    TrackingStep, render_notice, render_receipt, render_register, render_tracking,
};
use serde::{Deserialize, Serialize};

use crate::inbox::DIGITISE_ROLES;
use crate::{Desk, DeskError, paths};

/// The applicant as printed in the QR code on the front of a CCCD, which a
/// barcode scanner types into the intake form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantPrefill {
    pub id_number: String,
    pub full_name: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    pub sex: Option<Sex>,
    pub address: String,
}

/// Read the QR text of a CCCD's front side (no session needed: nothing is
/// stored until the dossier is taken in).
pub fn applicant_from_cccd_qr(text: &str) -> Result<ApplicantPrefill, DeskError> {
    let qr = bhxh_emrtd::access::parse_front_qr(text)
        .map_err(|e| CoreError::invalid("cccdQr", e.to_string()))?;
    let d = qr.date_of_birth;
    Ok(ApplicantPrefill {
        id_number: qr.id_number,
        full_name: qr.full_name,
        birth_date: format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        sex: Sex::parse(&qr.sex),
        address: qr.address,
    })
}

/// Who takes dossiers in at the desk.
const INTAKE_ROLES: &[Role] = &[Role::CounterOfficer, Role::Supervisor, Role::Administrator];

impl Desk {
    /// Take a dossier in: code, register number, return date, checklist and
    /// audit entry in one transaction.
    pub fn dossier_intake(&mut self, input: &IntakeInput) -> Result<Intake, DeskError> {
        let actor = self.authorize(INTAKE_ROLES)?;
        let now = self.now();
        let tx = self.store.write()?;
        let intake = dossiers::intake(&tx, &actor, input, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(intake)
    }

    /// One dossier with its checklist and history. Viewing is logged
    /// (Decree 13: it holds personal data).
    pub fn dossier_get(&mut self, code: &str) -> Result<Dossier, DeskError> {
        let actor = self.authorize(&[])?;
        let now = self.now();
        let tx = self.store.write()?;
        let d = dossiers::get(&tx, code)?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "view",
                entity: "dossier",
                entity_id: &d.code,
                detail: serde_json::json!({}),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(d)
    }

    /// Move a dossier along its flow; a supplement request or a refusal needs
    /// its reason.
    pub fn dossier_set_status(
        &mut self,
        code: &str,
        to: Status,
        note: &str,
    ) -> Result<Dossier, DeskError> {
        let actor = self.authorize(&[])?;
        let now = self.now();
        let tx = self.store.write()?;
        let d = dossiers::set_status(&tx, &actor, code, to, note, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(d)
    }

    /// Search by code, ID number, name or procedure (marks and đ ignored).
    pub fn dossier_search(&mut self, q: &SearchQuery) -> Result<Vec<DossierSummary>, DeskError> {
        self.authorize(&[])?;
        let today = self.now().date_naive();
        Ok(dossiers::search(self.store.conn(), q, today)?)
    }

    /// The month's dossier figures ("YYYY-MM").
    pub fn dossier_indicators(&mut self, month: &str) -> Result<MonthIndicators, DeskError> {
        self.authorize(&[])?;
        let m = bhxh_core::progress::Month::parse(month)?;
        let today = self.now().date_naive();
        Ok(dossiers::month_indicators(
            self.store.conn(),
            m.year,
            m.month,
            today,
        )?)
    }

    /// Form 01 of a dossier as PDF bytes (two copies). Printing is logged.
    pub fn dossier_receipt(&mut self, code: &str) -> Result<Vec<u8>, DeskError> {
        self.authorize(&[])?;
        let conn = self.store.conn();
        let d = dossiers::get(conn, code)?;
        let office = self.paper_office()?;
        let received_at = bhxh_core::parse_ts(&d.received_at)?;
        let qr = qr::PaperQr::new(
            "01",
            &d.code,
            &d.procedure_code,
            &d.applicant_id,
            RECEIPT_TITLE,
            &format!("BHXH Desk {}", office.agency_code),
            received_at,
            Some(d.due_on),
        )
        .map_err(|e| CoreError::invalid("qr", e.to_string()))?;
        let doc = ReceiptDoc {
            office_name: office.name.clone(),
            place: office.province_name.clone(),
            dossier_code: d.code.clone(),
            applicant_name: d.applicant_name.clone(),
            applicant_id: d.applicant_id.clone(),
            address: d.address.clone(),
            phone: d.phone.clone(),
            email: d.email.clone(),
            matter: d.procedure_name.clone(),
            documents: d
                .components
                .iter()
                .filter(|c| c.received)
                .map(component_text)
                .collect(),
            sets: d.sets,
            processing_days: d.processing_days,
            received_at,
            due_on: d.due_on,
            return_to: d.return_via.label_vi().to_owned(),
            register_year: d.register_year,
            register_no: d.register_no,
            received_by: d.received_by_name.clone(),
            qr_text: qr.to_text(),
        };
        let pdf = render_receipt(&doc).map_err(|e| DeskError::Render(e.to_string()))?;
        self.audit_print("dossier", &d.code, serde_json::json!({ "form": "01" }))?;
        Ok(pdf)
    }

    /// An audit entry for a paper printed (Decree 13: printing personal data
    /// is logged), in its own transaction once the paper is made.
    fn audit_print(
        &mut self,
        entity: &str,
        entity_id: &str,
        detail: serde_json::Value,
    ) -> Result<(), DeskError> {
        let actor = self.authorize(&[])?;
        let now = self.now();
        let tx = self.store.write()?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "print",
                entity,
                entity_id,
                detail,
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(())
    }

    /// Form 02, 03 or 05 of a dossier as PDF bytes (A4). Form 02 or 03 only
    /// for a dossier whose supplement request or refusal was recorded: it
    /// prints the reason noted with that move. Printing is logged.
    pub fn dossier_form(&mut self, code: &str, form: DossierForm) -> Result<Vec<u8>, DeskError> {
        self.authorize(&[])?;
        let conn = self.store.conn();
        let d = dossiers::get(conn, code)?;
        let office = self.paper_office()?;
        let now = self.now();
        let pdf = match form {
            DossierForm::Supplement => render_notice(&notice(&d, &office, NoticeKind::Supplement)?),
            DossierForm::Refusal => render_notice(&notice(&d, &office, NoticeKind::Refusal)?),
            DossierForm::Tracking => render_tracking(&tracking(&d, &office, now)?),
        }
        .map_err(|e| DeskError::Render(e.to_string()))?;
        self.audit_print(
            "dossier",
            &d.code,
            serde_json::json!({ "form": form.number() }),
        )?;
        Ok(pdf)
    }

    /// Write form 02, 03 or 05 to `path` atomically.
    pub fn dossier_form_to(
        &mut self,
        code: &str,
        form: DossierForm,
        path: &Path,
    ) -> Result<(), DeskError> {
        let pdf = self.dossier_form(code, form)?;
        paths::write_atomic(path, &pdf)
    }

    /// Form 06, the register of `year` (A4 landscape, one row per dossier in
    /// register-number order). Printing is logged.
    pub fn dossier_register(&mut self, year: i32) -> Result<Vec<u8>, DeskError> {
        self.authorize(&[])?;
        if !(2000..=9999).contains(&year) {
            return Err(CoreError::invalid("year", format!("Năm {year} không hợp lệ.")).into());
        }
        let conn = self.store.conn();
        let office = self.paper_office()?;
        let lines: Vec<RegisterLine> = dossiers::register(conn, year)?
            .into_iter()
            .map(|e| RegisterLine {
                no: e.register_no,
                dossier_code: e.code,
                procedure: e.procedure_name,
                sets: e.sets,
                applicant_name: e.applicant_name,
                address: e.address,
                phone: e.phone,
                handling_agency: office.name.clone(),
                received_on: e.received_on,
                due_on: e.due_on,
                sent_on: e.sent_on,
                result_on: e.result_on,
                returned_on: e.returned_on,
                note: if e.status.needs_reason() {
                    format!("{}: {}", e.status.label_vi(), e.last_note)
                } else {
                    String::new()
                },
            })
            .collect();
        let count = lines.len();
        let pdf = render_register(&RegisterDoc {
            office_name: office.name.clone(),
            place: office.province_name.clone(),
            year,
            lines,
            printed_at: self.now(),
        })
        .map_err(|e| DeskError::Render(e.to_string()))?;
        self.audit_print(
            "dossier_register",
            &year.to_string(),
            serde_json::json!({ "form": "06", "dossiers": count }),
        )?;
        Ok(pdf)
    }

    /// Write form 06 of `year` to `path` atomically.
    pub fn dossier_register_to(&mut self, year: i32, path: &Path) -> Result<(), DeskError> {
        let pdf = self.dossier_register(year)?;
        paths::write_atomic(path, &pdf)
    }

    /// Write form 01 to `path` atomically.
    pub fn dossier_receipt_to(&mut self, code: &str, path: &Path) -> Result<(), DeskError> {
        let pdf = self.dossier_receipt(code)?;
        paths::write_atomic(path, &pdf)
    }

    /// Write form 01 into the Documents folder (`BHXH Desk/Hồ sơ`) and return
    /// its path.
    pub fn dossier_receipt_to_documents(&mut self, code: &str) -> Result<PathBuf, DeskError> {
        let dir = self.output_dir("Hồ sơ", "ho-so")?;
        let safe = file_safe(code.trim());
        let path = dir.join(format!("Giay-tiep-nhan-{safe}.pdf"));
        self.dossier_receipt_to(code, &path)?;
        Ok(path)
    }

    /// Write form 02, 03 or 05 of a dossier into the Documents folder and
    /// return its path.
    pub fn dossier_form_to_documents(
        &mut self,
        code: &str,
        form: DossierForm,
    ) -> Result<PathBuf, DeskError> {
        let dir = self.output_dir("Hồ sơ", "ho-so")?;
        let safe = file_safe(code.trim());
        let path = dir.join(format!("Mau-{}-{safe}.pdf", form.number()));
        self.dossier_form_to(code, form, &path)?;
        Ok(path)
    }

    /// Write the register (form 06) of `year` into the Documents folder and
    /// return its path.
    pub fn dossier_register_to_documents(&mut self, year: i32) -> Result<PathBuf, DeskError> {
        let dir = self.output_dir("Hồ sơ", "ho-so")?;
        let path = dir.join(format!("So-theo-doi-ho-so-{year}.pdf"));
        self.dossier_register_to(year, &path)?;
        Ok(path)
    }
}

/// The printable forms of a dossier besides the receipt (Circular 01/2018/TT-VPCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierForm {
    /// Form 02, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ".
    Supplement,
    /// Form 03, "Phiếu từ chối tiếp nhận giải quyết hồ sơ".
    Refusal,
    /// Form 05, "Phiếu kiểm soát quá trình giải quyết hồ sơ".
    Tracking,
}

impl DossierForm {
    pub const ALL: [DossierForm; 3] = [
        DossierForm::Supplement,
        DossierForm::Refusal,
        DossierForm::Tracking,
    ];

    /// The form's number in the circular ("02", "03", "05").
    pub fn number(self) -> &'static str {
        match self {
            DossierForm::Supplement => "02",
            DossierForm::Refusal => "03",
            DossierForm::Tracking => "05",
        }
    }

    /// "02", "03" or "05" (a leading zero may be left out).
    pub fn parse(s: &str) -> Option<DossierForm> {
        let s = s.trim();
        DossierForm::ALL
            .into_iter()
            .find(|f| f.number() == s || f.number().trim_start_matches('0') == s)
    }
}

impl Desk {
    /// The office whose papers these are.
    fn paper_office(&self) -> Result<Office, CoreError> {
        office::get(self.store.conn())?
            .ok_or_else(|| CoreError::Conflict("Chưa khai báo đơn vị (cơ quan BHXH).".into()))
    }
}

/// A checklist line as the papers print it: "Giấy ra viện (bản sao: 1)".
fn component_text(c: &ComponentLine) -> String {
    let kind = if c.original {
        "bản chính"
    } else {
        "bản sao"
    };
    format!("{} ({kind}: {})", c.name, c.copies)
}

/// Form 02 or 03 from the latest move to a supplement request or a refusal.
fn notice(d: &Dossier, office: &Office, kind: NoticeKind) -> Result<NoticeDoc, CoreError> {
    let (status, missing) = match kind {
        NoticeKind::Supplement => (
            Status::SupplementRequested,
            "chưa có yêu cầu bổ sung, hoàn thiện nào được ghi nhận",
        ),
        NoticeKind::Refusal => (Status::Refused, "chưa được ghi nhận là từ chối tiếp nhận"),
    };
    let event = d
        .events
        .iter()
        .rev()
        .find(|e| e.to_status == status)
        .ok_or_else(|| {
            CoreError::Conflict(format!(
                "Hồ sơ {} {missing}, nên không in được {} (mẫu {}).",
                d.code,
                kind.title(),
                kind.form()
            ))
        })?;
    Ok(NoticeDoc {
        kind,
        office_name: office.name.clone(),
        place: office.province_name.clone(),
        dossier_code: d.code.clone(),
        applicant_name: d.applicant_name.clone(),
        applicant_id: d.applicant_id.clone(),
        address: d.address.clone(),
        phone: d.phone.clone(),
        email: d.email.clone(),
        matter: d.procedure_name.clone(),
        received_at: bhxh_core::parse_ts(&d.received_at)?,
        reason: event.note.clone(),
        to_supplement: match kind {
            NoticeKind::Supplement => d
                .components
                .iter()
                .filter(|c| !c.received)
                .map(component_text)
                .collect(),
            NoticeKind::Refusal => Vec::new(),
        },
        officer: event.staff_name.clone(),
        issued_at: bhxh_core::parse_ts(&event.at)?,
    })
}

/// Form 05: each recorded move is a hand-over. The applicant hands the
/// papers in at the first; a result, a supplement request or a refusal goes
/// back to the applicant; any other move passes the dossier from whoever
/// recorded the previous move to whoever recorded this one.
fn tracking(d: &Dossier, office: &Office, now: Timestamp) -> Result<TrackingDoc, CoreError> {
    let mut steps = Vec::with_capacity(d.events.len());
    let mut holder = d.applicant_name.clone();
    for e in &d.events {
        let back = matches!(
            e.to_status,
            Status::Returned | Status::SupplementRequested | Status::Refused
        );
        let (giver, receiver) = if back {
            (e.staff_name.clone(), d.applicant_name.clone())
        } else {
            (holder.clone(), e.staff_name.clone())
        };
        holder = e.staff_name.clone();
        steps.push(TrackingStep {
            giver,
            receiver,
            status: match e.from_status {
                Some(from) => format!("{} → {}", from.label_vi(), e.to_status.label_vi()),
                None => e.to_status.label_vi().to_owned(),
            },
            at: bhxh_core::parse_ts(&e.at)?,
            note: e.note.clone(),
        });
    }
    Ok(TrackingDoc {
        office_name: office.name.clone(),
        place: office.province_name.clone(),
        dossier_code: d.code.clone(),
        applicant_name: d.applicant_name.clone(),
        applicant_id: d.applicant_id.clone(),
        matter: d.procedure_name.clone(),
        received_at: bhxh_core::parse_ts(&d.received_at)?,
        due_on: d.due_on,
        steps,
        printed_at: now,
    })
}

/// What importing a component's papers did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedComponent {
    pub code: String,
    pub component: u32,
    pub pages: u32,
    pub files: Vec<FileRecord>,
    pub warnings: Vec<String>,
    pub status: Status,
    pub status_label: String,
}

/// What importing a result's papers did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedResult {
    pub code: String,
    pub number: u32,
    pub name: String,
    pub reusable: bool,
    pub pages: u32,
    pub files: Vec<FileRecord>,
    pub warnings: Vec<String>,
    pub status: Status,
    pub status_label: String,
}

/// Files checked, assembled and sealed, ready to be recorded.
struct DigitisedFiles {
    records: Vec<FileRecord>,
    pages: u32,
    warnings: Vec<String>,
}

/// A dossier code as part of a file name: letters, digits, '-' and '.' kept.
fn file_safe(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
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
    /// The sealed store of digitised papers; its key is made at first use
    /// and kept only in the OS keyring.
    pub(crate) fn files(&self) -> Result<FileStore, DeskError> {
        let name = self.dir.files_key_name();
        let key = match self.keyring.get_key(&name)? {
            Some(k) => k,
            None => {
                let k = bhxh_secrets::Key256::generate()?;
                self.keyring.put_key(&name, &k)?;
                k
            }
        };
        Ok(FileStore::open(&self.dir.files_dir(), &key)?)
    }

    /// Digitise one component from files (JPEG, PNG, or one PDF kept byte for
    /// byte). Every file is checked before anything is written; scans become
    /// one PDF with the digitiser's name and time top left on page 1. With
    /// `declared_pages`, the count must match the paper's.
    pub fn dossier_import(
        &mut self,
        code: &str,
        component: u32,
        paths: &[PathBuf],
        declared_pages: Option<u32>,
    ) -> Result<ImportedComponent, DeskError> {
        let inputs = read_inputs(paths)?;
        self.dossier_import_bytes(code, component, &inputs, declared_pages)
    }

    /// As [`Desk::dossier_result_import`], with files on disk.
    pub fn dossier_result_import_files(
        &mut self,
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
        &mut self,
        code: &str,
        component: u32,
        inputs: &[(String, Vec<u8>)],
        declared_pages: Option<u32>,
    ) -> Result<ImportedComponent, DeskError> {
        let actor = self.authorize(DIGITISE_ROLES)?;
        let d = dossiers::get(self.store.conn(), code)?;
        let done = self.digitise_files(
            &actor,
            &d.procedure_name,
            format!("thanh-phan-{component}.pdf"),
            inputs,
            declared_pages,
        )?;
        let now = self.now();
        let tx = self.store.write()?;
        let status = dossier_files::record(&tx, &actor, code, component, &done.records, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(ImportedComponent {
            code: d.code,
            component,
            pages: done.pages,
            files: done.records,
            warnings: done.warnings,
            status,
            status_label: status.label_vi().to_owned(),
        })
    }

    /// Digitise a result of the dossier (the decision, book or card handed
    /// back) from files, as a component is: checked first, assembled with the
    /// digitiser's stamp, sealed, recorded; `reusable` offers it at the
    /// applicant's later intakes. A dossier being processed moves to "result
    /// ready".
    pub fn dossier_result_import(
        &mut self,
        code: &str,
        name: &str,
        reusable: bool,
        inputs: &[(String, Vec<u8>)],
        declared_pages: Option<u32>,
    ) -> Result<ImportedResult, DeskError> {
        let actor = self.authorize(DIGITISE_ROLES)?;
        let d = dossiers::get(self.store.conn(), code)?;
        // Checked before any file is sealed, so a bad name or a dossier not
        // yet processed costs no work and leaves nothing behind.
        let name = results::clean_name(name)?;
        results::ensure_handled(&d)?;
        let next = results::list(self.store.conn(), &d.code)?.len() + 1;
        let done = self.digitise_files(
            &actor,
            &format!("Kết quả: {name}"),
            format!("ket-qua-{next}.pdf"),
            inputs,
            declared_pages,
        )?;
        let now = self.now();
        let tx = self.store.write()?;
        let rec = results::record(&tx, &actor, &d.code, &name, reusable, &done.records, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(ImportedResult {
            code: d.code,
            number: rec.number,
            name,
            reusable,
            pages: done.pages,
            files: done.records,
            warnings: done.warnings,
            status: rec.status,
            status_label: rec.status.label_vi().to_owned(),
        })
    }

    /// The digitised results of a dossier.
    pub fn dossier_results(&mut self, code: &str) -> Result<Vec<results::ResultLine>, DeskError> {
        self.authorize(&[])?;
        Ok(results::list(self.store.conn(), code)?)
    }

    /// Offer a result at later intakes, or stop offering it; audited.
    pub fn dossier_result_set_reusable(
        &mut self,
        code: &str,
        number: u32,
        reusable: bool,
    ) -> Result<Vec<results::ResultLine>, DeskError> {
        let actor = self.authorize(DIGITISE_ROLES)?;
        let now = self.now();
        let tx = self.store.write()?;
        results::set_reusable(&tx, &actor, code, number, reusable, &now)?;
        let list = results::list(&tx, code)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(list)
    }

    /// Check every file, assemble the scans into one PDF stamped with the
    /// digitiser's name and time (or keep one PDF byte for byte), and seal
    /// the files; what is left is to record them. Nothing is sealed if one
    /// file is bad; a crash after sealing leaves only unreferenced sealed
    /// files, which a later import sweeps.
    fn digitise_files(
        &mut self,
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
        let assembled: (Vec<u8>, u32, String) = if inputs.iter().any(|(_, b)| is_pdf(b)) {
            if inputs.len() != 1 {
                return Err(CoreError::invalid(
                    "files",
                    "Một thành phần chỉ nhận một tệp PDF, hoặc các tệp ảnh quét (không trộn lẫn).",
                )
                .into());
            }
            let (name, bytes) = &inputs[0];
            let pages = bhxh_report::inspect_pdf(bytes).map_err(|source| DeskError::Scan {
                file: name.clone(),
                source,
            })?;
            (bytes.clone(), pages, name.clone())
        } else {
            // A TIFF may hold several pages: count and warn per PDF page.
            let mut infos = Vec::new();
            let mut page = 1;
            for (name, bytes) in inputs {
                let pages =
                    bhxh_report::inspect_pages(bytes, page).map_err(|source| DeskError::Scan {
                        file: name.clone(),
                        source,
                    })?;
                for info in &pages {
                    warnings.extend(info.warnings(page));
                    page += 1;
                }
                infos.push(pages);
            }
            let who = self
                .session()
                .map(|s| s.staff.full_name.clone())
                .unwrap_or_else(|| actor.username.clone());
            let stamp = format!("Số hóa: {who}, {}", now.format("%d/%m/%Y %H:%M"));
            let pages: Vec<&[u8]> = inputs.iter().map(|(_, b)| b.as_slice()).collect();
            let (pdf, _) =
                bhxh_report::assemble_scans(&pages, title, Some(&stamp)).map_err(|source| {
                    DeskError::Scan {
                        file: inputs[0].0.clone(),
                        source,
                    }
                })?;
            for ((name, bytes), pages) in inputs.iter().zip(&infos) {
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
            let n = u32::try_from(page - 1).unwrap_or(u32::MAX);
            (pdf, n, pdf_name)
        };
        if let Some(declared) = declared_pages
            && declared != assembled.1
        {
            return Err(CoreError::invalid(
                "pages",
                format!(
                    "Số trang nhập vào ({declared}) khác số trang của tệp ({}): kiểm tra lại bản giấy.",
                    assembled.1
                ),
            )
            .into());
        }
        // Seal the bytes first (idempotent, content-addressed), then the
        // caller records them in one transaction: a crash between leaves
        // only unreferenced sealed files, never a row without its file.
        let store = self.files()?;
        // Debris of imports interrupted before they committed (an hour old:
        // never a file another desk is recording right now). Everything a
        // record refers to (papers, results, the scan inbox's files,
        // progress evidence) is kept.
        let referenced = bhxh_core::progress::evidence::sealed_in_use(self.store.conn())?
            .into_iter()
            .collect();
        let swept = store.sweep_unreferenced(&referenced, std::time::Duration::from_secs(3600))?;
        if swept > 0 {
            tracing::info!(swept, "removed sealed files no record refers to");
        }
        let originals: Vec<&[u8]> = files.iter().map(|(b, _)| *b).collect();
        let hashes = store.put_many(&originals)?;
        let mut records = Vec::new();
        for ((_, mut rec), hash) in files.into_iter().zip(hashes) {
            rec.sha256 = hash;
            records.push(rec);
        }
        let (pdf, pages, name) = assembled;
        records.push(FileRecord {
            role: FileRole::Assembled,
            sha256: store.put(&pdf)?,
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
    pub fn dossier_files(&mut self, code: &str) -> Result<Vec<dossier_files::FileLine>, DeskError> {
        self.authorize(&[])?;
        Ok(dossier_files::list(self.store.conn(), code)?)
    }

    /// Write each component's PDF (`<code>_tpN.pdf`) and each result's
    /// (`<code>_kqN.pdf`), decrypted, into `dir`; returns the paths.
    /// Audited as an export.
    pub fn dossier_export(&mut self, code: &str, dir: &Path) -> Result<Vec<PathBuf>, DeskError> {
        let actor = self.authorize(&[])?;
        let now = self.now();
        let d = dossiers::get(self.store.conn(), code)?;
        let lines = dossier_files::list(self.store.conn(), code)?;
        let store = self.files()?;
        std::fs::create_dir_all(dir).map_err(|source| DeskError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let safe = file_safe(&d.code);
        let mut out = Vec::new();
        for l in lines.iter().filter(|l| l.role == "assembled") {
            let bytes = store.get(&l.sha256)?;
            let path = dir.join(format!("{safe}_tp{}.pdf", l.component));
            paths::write_atomic(&path, &bytes)?;
            out.push(path);
        }
        for r in results::list(self.store.conn(), &d.code)? {
            let bytes = store.get(&r.sha256)?;
            let path = dir.join(format!("{safe}_kq{}.pdf", r.number));
            paths::write_atomic(&path, &bytes)?;
            out.push(path);
        }
        let tx = self.store.write()?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "export",
                entity: "dossier",
                entity_id: &d.code,
                detail: serde_json::json!({ "files": out.len() }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(out)
    }

    /// Re-verify every sealed file and that each file the store refers to
    /// is there: the problems found (empty when all is well).
    pub fn files_check(&self) -> Result<Vec<String>, DeskError> {
        if !self.dir.files_dir().exists() {
            let referenced = bhxh_core::progress::evidence::sealed_in_use(self.store.conn())?;
            return Ok(referenced
                .iter()
                .map(|h| format!("Thiếu tệp {h} trong kho tệp số hóa."))
                .collect());
        }
        let store = self.files()?;
        let mut problems: Vec<String> =
            store.verify_all()?.into_iter().map(|p| p.message).collect();
        for h in bhxh_core::progress::evidence::sealed_in_use(self.store.conn())? {
            if !store.contains(&h) {
                problems.push(format!("Thiếu tệp {h} trong kho tệp số hóa."));
            }
        }
        Ok(problems)
    }
}
