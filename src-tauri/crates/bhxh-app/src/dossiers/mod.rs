//! Dossiers at the one-stop desk: intake, the dossier and its history,
//! moves along its flow, search; the one-stop papers ([`papers`]);
//! digitising papers and results ([`digitise`]); using papers digitised for
//! an earlier dossier again ([`reuse`]).

pub mod digitise;
pub mod find;
pub mod pages;
pub mod papers;
pub mod reuse;

use bhxh_core::dossiers;
use serde::Serialize;

use crate::change::Viewed;
use crate::dto::{
    self, Dossier, DossierStatus, DossierSummary, Intake, IntakeInput, MonthIndicators,
    SearchQuery, Sex,
};
use crate::policy::Action;
use crate::{Desk, DeskError};

pub use digitise::{ImportedComponent, ImportedResult};
pub use find::Found;
pub use pages::{ArchiveExport, choices_from_edits};
pub use papers::DossierForm;
pub use reuse::Reused;

/// The statuses' names as the command line takes them (`received`, …).
pub const STATUS_NAMES: [&str; 8] = [
    "received",
    "digitising",
    "digitised",
    "processing",
    "result_ready",
    "returned",
    "supplement_requested",
    "refused",
];

/// The applicant as printed in the QR code on the front of a CCCD, which a
/// barcode scanner types into the intake form.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
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
    let qr = crate::card::front_qr(text, "cccdQr")?;
    let d = qr.date_of_birth;
    Ok(ApplicantPrefill {
        id_number: qr.id_number,
        full_name: qr.full_name,
        birth_date: format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        sex: bhxh_core::reference::pid::Sex::parse(&qr.sex).map(Into::into),
        address: qr.address,
    })
}

impl Desk {
    /// Take a dossier in: code, register number, return date, checklist and
    /// audit entry in one transaction.
    pub fn dossier_intake(&self, input: &IntakeInput) -> Result<Intake, DeskError> {
        self.change(Action::TakeIn, |tx, actor, now| {
            Ok(dossiers::intake(tx, actor, &input.clone().into(), now)?.into())
        })
    }

    /// The applicant's open dossiers of the same procedure, asked while the
    /// intake form is filled in (before "Tiếp nhận"): a lookup by ID number,
    /// so an audited view (its count, never the ID, in the detail).
    pub fn dossier_open_same(
        &self,
        applicant_id: &str,
        procedure_code: &str,
    ) -> Result<Vec<crate::dto::OpenSame>, DeskError> {
        let id = applicant_id.trim();
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Vec::new());
        }
        self.view(Action::TakeIn, |conn, _| {
            let open = dossiers::open_same(conn, id, procedure_code.trim(), None)?;
            let viewed = Viewed {
                entity: "dossier",
                entity_id: open.first().map(|o| o.code.clone()).unwrap_or_default(),
                detail: serde_json::json!({ "openSame": procedure_code.trim(), "count": open.len() }),
            };
            Ok((crate::dto::all(open), viewed))
        })
    }

    /// One dossier with its checklist and history. Viewing is logged
    /// (Decree 13: it holds personal data).
    pub fn dossier_get(&self, code: &str) -> Result<Dossier, DeskError> {
        self.view(Action::ViewDossier, |conn, _| {
            let d = dossiers::get(conn, code)?;
            let viewed = Viewed {
                entity: "dossier",
                entity_id: d.code.clone(),
                detail: serde_json::json!({}),
            };
            Ok((d.into(), viewed))
        })
    }

    /// Move a dossier along its flow; a supplement request or a refusal needs
    /// its reason.
    pub fn dossier_set_status(
        &self,
        code: &str,
        to: DossierStatus,
        note: &str,
    ) -> Result<Dossier, DeskError> {
        self.change(Action::MoveDossier, |tx, actor, now| {
            Ok(dossiers::set_status(tx, actor, code, to.into(), note, now)?.into())
        })
    }

    /// Give a dossier a later return date with the reason (the apology
    /// paper, form 04, prints both dates and the reason).
    pub fn dossier_extend(
        &self,
        code: &str,
        new_due_on: chrono::NaiveDate,
        reason: &str,
    ) -> Result<Dossier, DeskError> {
        self.change(Action::MoveDossier, |tx, actor, now| {
            Ok(dossiers::extend(tx, actor, code, new_due_on, reason, now)?.into())
        })
    }

    /// Search by code, ID number, name or procedure (marks and đ ignored).
    /// The results show personal data: the query and the codes found are
    /// logged.
    pub fn dossier_search(&self, q: &SearchQuery) -> Result<Vec<DossierSummary>, DeskError> {
        self.view(Action::ViewDossier, |conn, now| {
            let found = dossiers::search(conn, &q.clone().into(), now.date_naive())?;
            let viewed = Viewed {
                entity: "dossier",
                entity_id: found
                    .iter()
                    .map(|d| d.code.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                detail: serde_json::json!({
                    "search": q.text,
                    "status": q.status,
                    "count": found.len(),
                }),
            };
            Ok((dto::all(found), viewed))
        })
    }

    /// The month's dossier figures ("YYYY-MM").
    pub fn dossier_indicators(&self, month: &str) -> Result<MonthIndicators, DeskError> {
        self.read(Action::ViewPlan, |conn, now| {
            let m = bhxh_core::progress::Month::parse(month)?;
            Ok(dossiers::month_indicators(conn, m.year, m.month, now.date_naive())?.into())
        })
    }
}
