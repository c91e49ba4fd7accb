//! The papers of the one-stop desk (Circular 01/2018/TT-VPCP), made from a
//! dossier's record: the receipt (form 01), the supplement request (02),
//! the refusal (03), the tracking sheet (05) and the yearly register (06),
//! as PDF bytes or files. Every paper printed is logged (it carries
//! personal data).

use std::path::{Path, PathBuf};

use bhxh_core::dossiers::{self, ComponentLine, Dossier, Status, qr};
use bhxh_core::office::{self, Office};
use bhxh_core::{CoreError, Timestamp};
use bhxh_report::{
    NoticeDoc, NoticeKind, RECEIPT_TITLE, ReceiptDoc, RegisterDoc, RegisterLine, TrackingDoc,
    TrackingStep, render_notice, render_receipt, render_register, render_tracking,
};
use serde::{Deserialize, Serialize};

use crate::policy::Action;
use crate::{Desk, DeskError, paths};

impl Desk {
    /// Form 01 of a dossier as PDF bytes (two copies). Printing is logged.
    pub fn dossier_receipt(&self, code: &str) -> Result<Vec<u8>, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let d = dossiers::get(&*self.store.conn()?, code)?;
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
            qr_text: qr.to_signed_text(self.paper_key()?.as_bytes()),
        };
        let pdf = render_receipt(&doc).map_err(|e| DeskError::Render(e.to_string()))?;
        self.audit_print(
            &actor,
            "dossier",
            &d.code,
            serde_json::json!({ "form": "01" }),
        )?;
        Ok(pdf)
    }

    /// An audit entry for a paper printed (Decree 13: printing personal data
    /// is logged), in its own transaction once the paper is made.
    fn audit_print(
        &self,
        actor: &bhxh_core::office::audit::Actor,
        entity: &str,
        entity_id: &str,
        detail: serde_json::Value,
    ) -> Result<(), DeskError> {
        self.record(actor, "print", entity, entity_id, detail)
    }

    /// Form 02, 03 or 05 of a dossier as PDF bytes (A4). Form 02 or 03 only
    /// for a dossier whose supplement request or refusal was recorded: it
    /// prints the reason noted with that move. Printing is logged.
    pub fn dossier_form(&self, code: &str, form: DossierForm) -> Result<Vec<u8>, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let d = dossiers::get(&*self.store.conn()?, code)?;
        let office = self.paper_office()?;
        let now = self.now();
        let pdf = match form {
            DossierForm::Supplement => render_notice(&notice(&d, &office, NoticeKind::Supplement)?),
            DossierForm::Refusal => render_notice(&notice(&d, &office, NoticeKind::Refusal)?),
            DossierForm::Tracking => render_tracking(&tracking(&d, &office, now)?),
        }
        .map_err(|e| DeskError::Render(e.to_string()))?;
        self.audit_print(
            &actor,
            "dossier",
            &d.code,
            serde_json::json!({ "form": form.number() }),
        )?;
        Ok(pdf)
    }

    /// Write form 02, 03 or 05 to `path` atomically.
    pub fn dossier_form_to(
        &self,
        code: &str,
        form: DossierForm,
        path: &Path,
    ) -> Result<(), DeskError> {
        let pdf = self.dossier_form(code, form)?;
        paths::write_atomic(path, &pdf)
    }

    /// Form 06, the register of `year` (A4 landscape, one row per dossier in
    /// register-number order). Printing is logged.
    pub fn dossier_register(&self, year: i32) -> Result<Vec<u8>, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        if !(2000..=9999).contains(&year) {
            return Err(CoreError::invalid("year", format!("Năm {year} không hợp lệ.")).into());
        }
        let office = self.paper_office()?;
        let lines: Vec<RegisterLine> = dossiers::register(&*self.store.conn()?, year)?
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
            &actor,
            "dossier_register",
            &year.to_string(),
            serde_json::json!({ "form": "06", "dossiers": count }),
        )?;
        Ok(pdf)
    }

    /// Write form 06 of `year` to `path` atomically.
    pub fn dossier_register_to(&self, year: i32, path: &Path) -> Result<(), DeskError> {
        let pdf = self.dossier_register(year)?;
        paths::write_atomic(path, &pdf)
    }

    /// Write form 01 to `path` atomically.
    pub fn dossier_receipt_to(&self, code: &str, path: &Path) -> Result<(), DeskError> {
        let pdf = self.dossier_receipt(code)?;
        paths::write_atomic(path, &pdf)
    }

    /// Write form 01 into the Documents folder (`BHXH Desk/Hồ sơ`) and return
    /// its path.
    pub fn dossier_receipt_to_documents(&self, code: &str) -> Result<PathBuf, DeskError> {
        let dir = self.output_dir("Hồ sơ", "ho-so")?;
        let safe = file_safe(code.trim());
        let path = dir.join(format!("Giay-tiep-nhan-{safe}.pdf"));
        self.dossier_receipt_to(code, &path)?;
        Ok(path)
    }

    /// Write form 02, 03 or 05 of a dossier into the Documents folder and
    /// return its path.
    pub fn dossier_form_to_documents(
        &self,
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
    pub fn dossier_register_to_documents(&self, year: i32) -> Result<PathBuf, DeskError> {
        let dir = self.output_dir("Hồ sơ", "ho-so")?;
        let path = dir.join(format!("So-theo-doi-ho-so-{year}.pdf"));
        self.dossier_register_to(year, &path)?;
        Ok(path)
    }
}

/// The printable forms of a dossier besides the receipt (Circular 01/2018/TT-VPCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
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
    fn paper_office(&self) -> Result<Office, DeskError> {
        Ok(office::get(&*self.store.conn()?)?
            .ok_or_else(|| CoreError::Conflict("Chưa khai báo đơn vị (cơ quan BHXH).".into()))?)
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

/// A dossier code as part of a file name: letters, digits, '-' and '.' kept.
pub(crate) fn file_safe(code: &str) -> String {
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
