//! Dossier intake at the desk: who may take in, move and print what, and the
//! receipt (form 01) as a file.

use std::path::{Path, PathBuf};

use bhxh_core::accounts::Role;
use bhxh_core::audit::{self, Event};
use bhxh_core::dossiers::{
    self, Dossier, DossierSummary, Intake, IntakeInput, MonthIndicators, SearchQuery, Status, qr,
};
use bhxh_core::pid::Sex;
use bhxh_core::{CoreError, office};
use bhxh_report::{RECEIPT_TITLE, ReceiptDoc, render_receipt};
use serde::Serialize;

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
        let actor = self.authorize(&[])?;
        let now = self.now();
        let conn = self.store.conn();
        let d = dossiers::get(conn, code)?;
        let office = office::get(conn)?
            .ok_or_else(|| CoreError::Conflict("Chưa khai báo đơn vị (cơ quan BHXH).".into()))?;
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
                .map(|c| {
                    let kind = if c.original {
                        "bản chính"
                    } else {
                        "bản sao"
                    };
                    format!("{} ({kind}: {})", c.name, c.copies)
                })
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
        let tx = self.store.write()?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "print",
                entity: "dossier",
                entity_id: &d.code,
                detail: serde_json::json!({ "form": "01" }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(pdf)
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
        let safe: String = code
            .trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("Giay-tiep-nhan-{safe}.pdf"));
        self.dossier_receipt_to(code, &path)?;
        Ok(path)
    }
}
