//! The papers of the one-stop desk, made from a dossier's record: the
//! receipt, the supplement request, the refusal, the apology with a new
//! date, the stop notice, the control sheet and the yearly register, as PDF
//! bytes or files. Every paper printed is logged (it carries personal data).
//!
//! A dossier prints from the paper set in force on its receipt date (kept
//! with it: Circular 01/2018/TT-VPCP before 1/7/2025, Circular
//! 03/2025/TT-VPCP after), so a reprint of a 2024 dossier shows the 2018
//! papers. Titles, numbers and the tables' columns come from the reference
//! data ([`rules::paper_forms`]). Every paper but the register carries the
//! signed QR code of Circular 01/2023 Art. 26, its time of issue this print.

use std::path::Path;

use bhxh_core::dossiers::{self, ComponentLine, Dossier, Status, qr};
use bhxh_core::office::{self, Office};
use bhxh_core::reference::calendar::WorkCalendar;
use bhxh_core::reference::rules::{self, PaperForm};
use bhxh_core::{CoreError, Timestamp};
use bhxh_report::{
    Align, FormColumn, NoticeDoc, NoticeKind, ReceiptDoc, RegisterDoc, RegisterLine, TrackingDoc,
    TrackingStep, render_notice, render_receipt, render_register, render_tracking,
};
use serde::{Deserialize, Serialize};

use bhxh_core::office::audit::Actor;

use crate::policy::Action;
use crate::{Desk, DeskError, paths};

/// A paper made, with what its audit entry and its print job say.
struct Paper {
    pdf: Vec<u8>,
    entity: &'static str,
    entity_id: String,
    detail: serde_json::Value,
    /// The print job's title: the form and the dossier code, nothing
    /// personal (a queue's job list is visible to every user).
    title: String,
}

impl Paper {
    fn of_dossier(d: &Dossier, paper: &PaperForm, pdf: Vec<u8>) -> Paper {
        Paper {
            pdf,
            entity: "dossier",
            entity_id: d.code.clone(),
            detail: serde_json::json!({ "form": paper.number, "set": paper.set_code }),
            title: bhxh_print::job_title(&["BHXH Desk", &format!("Mẫu {}", paper.number), &d.code]),
        }
    }
}

/// Where a paper went, for its audit entry.
enum Output<'a> {
    Bytes,
    File,
    Printer(&'a bhxh_print::Submitted),
}

/// A paper the print system took.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Printed {
    /// The queue it went to.
    pub printer: String,
    /// The print system's job id (`desk-1`).
    pub job_id: String,
    /// The job's title (the form and the dossier code).
    pub title: String,
}

impl Desk {
    /// Form 01 of a dossier as PDF bytes (two copies). Printing is logged.
    pub fn dossier_receipt(&self, code: &str) -> Result<Vec<u8>, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let paper = self.make_receipt(code)?;
        self.audit_paper(&actor, &paper, Output::Bytes)?;
        Ok(paper.pdf)
    }

    /// Form 01, made but not yet logged (the caller logs it once it is out).
    fn make_receipt(&self, code: &str) -> Result<Paper, DeskError> {
        let (d, paper) = {
            let conn = self.store.conn()?;
            let d = dossiers::get(&conn, code)?;
            let paper = paper_of(&conn, &d.paper_set, "receipt")?;
            (d, paper)
        };
        let office = self.paper_office()?;
        let received_at = bhxh_core::parse_ts(&d.received_at)?;
        let doc = ReceiptDoc {
            organisation: org_line(&d),
            title: paper.title.clone(),
            form_label: form_label(&paper),
            deadline: format!("{:02} {}", d.processing_days, d.deadline_unit.label_vi()),
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
            received_at,
            due_on: d.due_on,
            return_to: d.return_via.label_vi().to_owned(),
            register_year: d.register_year,
            register_no: d.register_no,
            received_by: d.received_by_name.clone(),
            qr_text: self.paper_qr(&d, &paper, &office, Some(d.due_on))?,
        };
        let pdf = render_receipt(&doc).map_err(|e| DeskError::Render(e.to_string()))?;
        Ok(Paper::of_dossier(&d, &paper, pdf))
    }

    /// An audit entry for a paper printed or saved (Decree 13: printing
    /// personal data is logged), in its own transaction once the paper is
    /// out: made (`Bytes`), written where the user chose, or taken by the
    /// print system.
    fn audit_paper(&self, actor: &Actor, paper: &Paper, output: Output) -> Result<(), DeskError> {
        let mut detail = paper.detail.clone();
        if let Some(map) = detail.as_object_mut() {
            match output {
                Output::Bytes => {}
                Output::File => {
                    map.insert("output".into(), "file".into());
                }
                Output::Printer(s) => {
                    map.insert("output".into(), "printer".into());
                    map.insert("printer".into(), s.queue.clone().into());
                    map.insert("job".into(), s.job_id.clone().into());
                }
            }
        }
        self.record(actor, "print", paper.entity, &paper.entity_id, detail)
    }

    /// Write a paper to `path` (atomically), then log it.
    fn save_paper(&self, actor: &Actor, paper: &Paper, path: &Path) -> Result<(), DeskError> {
        paths::write_atomic(path, &paper.pdf)?;
        self.audit_paper(actor, paper, Output::File)
    }

    /// Send a paper to the print system (`printer`, or its default), then
    /// log it with the queue and the job id.
    fn print_paper(
        &self,
        actor: &Actor,
        paper: &Paper,
        printer: Option<&str>,
    ) -> Result<Printed, DeskError> {
        let done = self
            .printer()
            .print_pdf(printer, &paper.title, &paper.pdf)?;
        self.audit_paper(actor, paper, Output::Printer(&done))?;
        Ok(Printed {
            printer: done.queue,
            job_id: done.job_id,
            title: paper.title.clone(),
        })
    }

    /// A paper of a dossier as PDF bytes (A4), from the dossier's paper set.
    /// A supplement request, refusal or stop notice only for a dossier whose
    /// move was recorded (it prints the reason noted with it); an apology
    /// only after an extension ([`Desk::dossier_extend`]). Printing is logged.
    pub fn dossier_form(&self, code: &str, form: DossierForm) -> Result<Vec<u8>, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let paper = self.make_form(code, form)?;
        self.audit_paper(&actor, &paper, Output::Bytes)?;
        Ok(paper.pdf)
    }

    /// A paper of a dossier, made but not yet logged.
    fn make_form(&self, code: &str, form: DossierForm) -> Result<Paper, DeskError> {
        if form == DossierForm::Receipt {
            return self.make_receipt(code);
        }
        let (d, paper, extension, calendar) = {
            let conn = self.store.conn()?;
            let d = dossiers::get(&conn, code)?;
            let paper = paper_of(&conn, &d.paper_set, form.kind())?;
            let extension = dossiers::last_extension(&conn, &d.code)?;
            (d, paper, extension, WorkCalendar::load(&conn)?)
        };
        let office = self.paper_office()?;
        let now = self.now();
        let qr_text = self.paper_qr(&d, &paper, &office, None)?;
        let pdf = match form {
            // Made above, before any of this was read.
            DossierForm::Receipt => return self.make_receipt(code),
            DossierForm::Supplement | DossierForm::Refusal | DossierForm::Stop => {
                let kind = match form {
                    DossierForm::Supplement => NoticeKind::Supplement,
                    DossierForm::Refusal => NoticeKind::Refusal,
                    _ => NoticeKind::Stop,
                };
                render_notice(&notice(&d, &office, kind, &paper, qr_text)?)
            }
            DossierForm::Apology => {
                let Some(ext) = extension else {
                    return Err(CoreError::Conflict(format!(
                        "Hồ sơ {} chưa được gia hạn, nên không in được {} (mẫu {}). \
                         Hãy ghi ngày hẹn mới và lý do trước.",
                        d.code, paper.title, paper.number
                    ))
                    .into());
                };
                let mut doc = notice_base(&d, &office, NoticeKind::Apology, &paper, qr_text)?;
                doc.reason = ext.reason;
                doc.officer = ext.staff_name;
                doc.issued_at = bhxh_core::parse_ts(&ext.at)?;
                doc.old_due = Some(ext.old_due_on);
                doc.new_due = Some(ext.new_due_on);
                render_notice(&doc)
            }
            DossierForm::Tracking => {
                render_tracking(&tracking(&d, &office, now, &paper, qr_text, &calendar)?)
            }
        }
        .map_err(|e| DeskError::Render(e.to_string()))?;
        Ok(Paper::of_dossier(&d, &paper, pdf))
    }

    /// A paper of a dossier by its number in the dossier's own paper set
    /// ("05" is the control sheet of a 2024 dossier and the stop notice of
    /// a 2026 one).
    pub fn dossier_form_by_number(&self, code: &str, number: &str) -> Result<Vec<u8>, DeskError> {
        let form = self.dossier_form_numbered(code, number)?;
        self.dossier_form(code, form)
    }

    /// Which of the dossier's papers is number `number` of its set.
    pub fn dossier_form_numbered(
        &self,
        code: &str,
        number: &str,
    ) -> Result<DossierForm, DeskError> {
        let form = {
            let conn = self.store.conn()?;
            let d = dossiers::get(&conn, code)?;
            let forms = rules::paper_forms(&conn, &d.paper_set)?;
            let n = number.trim();
            let found = forms
                .iter()
                .find(|f| f.number == n || f.number.trim_start_matches('0') == n)
                .ok_or_else(|| {
                    CoreError::invalid(
                        "form",
                        format!(
                            "Bộ mẫu {} của hồ sơ {} không có mẫu số \"{n}\" (có: {}).",
                            d.paper_set,
                            d.code,
                            forms
                                .iter()
                                .map(|f| format!("{} {}", f.number, f.title))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    )
                })?;
            if found.kind == "register" {
                return Err(CoreError::invalid(
                    "form",
                    format!(
                        "Mẫu {} là sổ theo dõi của cả năm: in bằng lệnh in sổ theo dõi.",
                        found.number
                    ),
                )
                .into());
            }
            DossierForm::of_kind(&found.kind).ok_or_else(|| {
                CoreError::Corrupt(format!("loại mẫu \"{}\" không biết", found.kind))
            })?
        };
        Ok(form)
    }

    /// [`Desk::dossier_form_by_number`] written to `path` atomically.
    pub fn dossier_form_by_number_to(
        &self,
        code: &str,
        number: &str,
        path: &Path,
    ) -> Result<(), DeskError> {
        let form = self.dossier_form_numbered(code, number)?;
        self.dossier_form_to(code, form, path)
    }

    /// Print a paper of the dossier on `printer` (the print system's
    /// default when `None`), through a private temporary file removed once
    /// the print system has the job. The job's title names the form and the
    /// dossier code, nothing personal. Logged with the queue and job id
    /// once the print system took it.
    pub fn dossier_print(
        &self,
        code: &str,
        form: DossierForm,
        printer: Option<&str>,
    ) -> Result<Printed, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let paper = self.make_form(code, form)?;
        self.print_paper(&actor, &paper, printer)
    }

    /// The paper [`Desk::dossier_print`] would print, for the window's
    /// preview: the same PDF (its QR signed now), kept in memory and not
    /// logged, since nothing leaves the desk. Needs the print right.
    pub fn dossier_form_preview(
        &self,
        code: &str,
        form: DossierForm,
    ) -> Result<crate::dto::PaperPreview, DeskError> {
        self.authorize(Action::PrintPaper)?;
        Ok(crate::dto::PaperPreview::of(
            &self.make_form(code, form)?.pdf,
        ))
    }

    /// [`Desk::dossier_print`] of the paper numbered `number` in the
    /// dossier's set.
    pub fn dossier_print_by_number(
        &self,
        code: &str,
        number: &str,
        printer: Option<&str>,
    ) -> Result<Printed, DeskError> {
        let form = self.dossier_form_numbered(code, number)?;
        self.dossier_print(code, form, printer)
    }

    /// The signed Art. 26 QR text of a paper printed now.
    fn paper_qr(
        &self,
        d: &Dossier,
        paper: &PaperForm,
        office: &Office,
        due: Option<chrono::NaiveDate>,
    ) -> Result<String, DeskError> {
        let qr = qr::PaperQr::new(
            &paper.number,
            &d.code,
            &d.procedure_code,
            &d.applicant_id,
            &paper.title,
            &format!("BHXH Desk {}", office.agency_code),
            self.now(),
            due,
        )
        .and_then(|q| match &d.organisation {
            Some(o) => q.with_organisation(&o.tax_code),
            None => Ok(q),
        })
        .map_err(|e| CoreError::invalid("qr", e.to_string()))?;
        Ok(qr.to_signed_text(self.paper_key()?.as_bytes()))
    }

    /// Write form 02, 03 or 05 to `path` atomically.
    pub fn dossier_form_to(
        &self,
        code: &str,
        form: DossierForm,
        path: &Path,
    ) -> Result<(), DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let paper = self.make_form(code, form)?;
        self.save_paper(&actor, &paper, path)
    }

    /// A paper of a dossier issued electronically: made, signed with the
    /// office's token (`pin`, used for this signing only, never kept),
    /// written to `path` atomically and logged with its signer; nothing is
    /// written when the signing fails (wrong PIN, revoked certificate, a
    /// timestamp server set up but not answering). It takes the right to
    /// sign as well as to print. Returns the certificate holder's name.
    pub fn dossier_form_signed_to(
        &self,
        code: &str,
        form: DossierForm,
        path: &Path,
        pin: &str,
    ) -> Result<String, DeskError> {
        self.authorize(Action::PrintPaper)?;
        let actor = self.authorize(Action::SignDossier)?;
        let mut paper = self.make_form(code, form)?;
        let (signed, holder, serial) = self.sign_paper(&actor, &paper.pdf, pin)?;
        paper.pdf = signed;
        if let Some(map) = paper.detail.as_object_mut() {
            map.insert("signedBy".into(), holder.clone().into());
            map.insert("certificateSerial".into(), serial.into());
        }
        self.save_paper(&actor, &paper, path)?;
        Ok(holder)
    }

    /// Form 06, the register of `year` (A4 landscape, one row per dossier in
    /// register-number order). Printing is logged.
    pub fn dossier_register(&self, year: i32) -> Result<Vec<u8>, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let paper = self.make_register(year)?;
        self.audit_paper(&actor, &paper, Output::Bytes)?;
        Ok(paper.pdf)
    }

    /// Form 06 of `year`, made but not yet logged.
    fn make_register(&self, year: i32) -> Result<Paper, DeskError> {
        if !(2000..=9999).contains(&year) {
            return Err(CoreError::invalid("year", format!("Năm {year} không hợp lệ.")).into());
        }
        let office = self.paper_office()?;
        // The register of a year prints from the set in force at its end (or
        // today, for the current year).
        let on = chrono::NaiveDate::from_ymd_opt(year, 12, 31)
            .map_or(self.now().date_naive(), |end| {
                end.min(self.now().date_naive())
            });
        let paper = {
            let conn = self.store.conn()?;
            let set = rules::paper_set_at(&conn, on)?;
            paper_of(&conn, &set, "register")?
        };
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
            title: paper.title.clone(),
            form_label: form_label(&paper),
            columns: columns_of(&paper)?,
            office_name: office.name.clone(),
            place: office.province_name.clone(),
            year,
            lines,
            printed_at: self.now(),
        })
        .map_err(|e| DeskError::Render(e.to_string()))?;
        Ok(Paper {
            pdf,
            entity: "dossier_register",
            entity_id: year.to_string(),
            detail: serde_json::json!({ "form": paper.number, "set": paper.set_code, "dossiers": count }),
            title: bhxh_print::job_title(&[
                "BHXH Desk",
                &format!("Mẫu {}", paper.number),
                &format!("Sổ theo dõi hồ sơ năm {year}"),
            ]),
        })
    }

    /// Print form 06 of `year` (see [`Desk::dossier_print`]).
    pub fn dossier_register_print(
        &self,
        year: i32,
        printer: Option<&str>,
    ) -> Result<Printed, DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let paper = self.make_register(year)?;
        self.print_paper(&actor, &paper, printer)
    }

    /// Write form 06 of `year` to `path` atomically.
    pub fn dossier_register_to(&self, year: i32, path: &Path) -> Result<(), DeskError> {
        let actor = self.authorize(Action::PrintPaper)?;
        let paper = self.make_register(year)?;
        self.save_paper(&actor, &paper, path)
    }

    /// Write form 01 to `path` atomically.
    pub fn dossier_receipt_to(&self, code: &str, path: &Path) -> Result<(), DeskError> {
        self.dossier_form_to(code, DossierForm::Receipt, path)
    }
}

/// The papers of one dossier, by what they are (their numbers differ
/// between paper sets: see [`Desk::dossier_form_by_number`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DossierForm {
    /// "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" (01).
    Receipt,
    /// "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" (02).
    Supplement,
    /// "Phiếu từ chối tiếp nhận giải quyết hồ sơ" (03).
    Refusal,
    /// The apology and new date (04).
    Apology,
    /// "Thông báo dừng giải quyết hồ sơ" (05 of Circular 03/2025 only).
    Stop,
    /// "Phiếu kiểm soát quá trình giải quyết hồ sơ" (05, then 06).
    Tracking,
}

impl DossierForm {
    pub const ALL: [DossierForm; 6] = [
        DossierForm::Receipt,
        DossierForm::Supplement,
        DossierForm::Refusal,
        DossierForm::Apology,
        DossierForm::Stop,
        DossierForm::Tracking,
    ];

    /// The kind of paper in the reference data.
    pub fn kind(self) -> &'static str {
        match self {
            DossierForm::Receipt => "receipt",
            DossierForm::Supplement => "supplement",
            DossierForm::Refusal => "refusal",
            DossierForm::Apology => "apology",
            DossierForm::Stop => "stop",
            DossierForm::Tracking => "tracking",
        }
    }

    pub fn of_kind(kind: &str) -> Option<DossierForm> {
        DossierForm::ALL.into_iter().find(|f| f.kind() == kind)
    }
}

/// The organisation filing a dossier, as its papers print it.
fn org_line(d: &Dossier) -> Option<bhxh_report::OrgLine> {
    d.organisation.as_ref().map(|o| bhxh_report::OrgLine {
        name: o.name.clone(),
        unit_code: o.unit_code.clone(),
        tax_code: o.tax_code.clone(),
        address: o.address.clone(),
    })
}

/// The paper of `kind` in `set`, or a message saying the set has none.
fn paper_of(conn: &rusqlite::Connection, set: &str, kind: &str) -> Result<PaperForm, CoreError> {
    let forms = rules::paper_forms(conn, set)?;
    forms.into_iter().find(|f| f.kind == kind).ok_or_else(|| {
        CoreError::Conflict(format!(
            "Bộ mẫu {set} (theo ngày tiếp nhận của hồ sơ) không có loại giấy này ({kind})."
        ))
    })
}

/// "Mẫu số 01 – Thông tư 03/2025/TT-VPCP": the number and the act the set
/// comes from (its basis up to the first comma or bracket).
fn form_label(p: &PaperForm) -> String {
    let act = p.basis.split([',', '(']).next().unwrap_or_default().trim();
    if act.is_empty() {
        format!("Mẫu số {}", p.number)
    } else {
        format!("Mẫu số {} – {act}", p.number)
    }
}

/// The table columns a paper's layout gives (none: the renderer's default).
fn columns_of(p: &PaperForm) -> Result<Vec<FormColumn>, CoreError> {
    let Some(cols) = p.layout.get("columns").and_then(|c| c.as_array()) else {
        return Ok(Vec::new());
    };
    let bad = |i: usize, what: &str| {
        CoreError::Corrupt(format!(
            "bố cục mẫu {} ({}): cột {} {what}",
            p.number,
            p.set_code,
            i + 1
        ))
    };
    cols.iter()
        .enumerate()
        .map(|(i, c)| {
            let text = |k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let width_mm = c
                .get("width_mm")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0);
            if !(0.0..=300.0).contains(&width_mm) {
                return Err(bad(i, "có độ rộng không hợp lệ"));
            }
            Ok(FormColumn {
                key: text("key").ok_or_else(|| bad(i, "thiếu \"key\""))?,
                header: text("header").ok_or_else(|| bad(i, "thiếu \"header\""))?,
                width_mm: width_mm as f32,
                weight: c
                    .get("weight")
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or(1.0) as f32,
                align: match text("align").as_deref() {
                    Some("center") => Align::Center,
                    Some("right") => Align::Right,
                    _ => Align::Left,
                },
            })
        })
        .collect()
}

/// Working days each step may take from the receipt, by the status it
/// moves to (the control sheet's layout, `step_deadlines`); a step not
/// listed has the dossier's own due date.
fn step_due(
    p: &PaperForm,
    d: &Dossier,
    to: Status,
    calendar: &WorkCalendar,
    received: chrono::NaiveDate,
) -> chrono::NaiveDate {
    p.layout
        .get("step_deadlines")
        .and_then(|v| v.as_array())
        .and_then(|steps| {
            steps
                .iter()
                .find(|s| s.get("status").and_then(|v| v.as_str()) == Some(to.as_str()))
        })
        .and_then(|s| s.get("working_days").and_then(serde_json::Value::as_u64))
        .map_or(d.due_on, |days| {
            calendar
                .add_working_days(received, u32::try_from(days).unwrap_or(u32::MAX))
                .min(d.due_on)
        })
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

/// The parts every notice shares, for `kind`, from the paper of the set.
fn notice_base(
    d: &Dossier,
    office: &Office,
    kind: NoticeKind,
    paper: &PaperForm,
    qr_text: String,
) -> Result<NoticeDoc, CoreError> {
    Ok(NoticeDoc {
        organisation: org_line(d),
        kind,
        title: paper.title.clone(),
        form_label: form_label(paper),
        qr_text,
        old_due: None,
        new_due: None,
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
        reason: String::new(),
        to_supplement: Vec::new(),
        officer: String::new(),
        issued_at: bhxh_core::parse_ts(&d.received_at)?,
    })
}

/// A supplement request, refusal or stop notice from the latest move to
/// that status, which holds its reason.
fn notice(
    d: &Dossier,
    office: &Office,
    kind: NoticeKind,
    paper: &PaperForm,
    qr_text: String,
) -> Result<NoticeDoc, CoreError> {
    let (status, missing) = match kind {
        NoticeKind::Supplement => (
            Status::SupplementRequested,
            "chưa có yêu cầu bổ sung, hoàn thiện nào được ghi nhận",
        ),
        NoticeKind::Refusal => (Status::Refused, "chưa được ghi nhận là từ chối tiếp nhận"),
        NoticeKind::Stop | NoticeKind::Apology => {
            (Status::Stopped, "chưa được ghi nhận là dừng giải quyết")
        }
    };
    let event = d
        .events
        .iter()
        .rev()
        .find(|e| e.to_status == status)
        .ok_or_else(|| {
            CoreError::Conflict(format!(
                "Hồ sơ {} {missing}, nên không in được {} (mẫu {}).",
                d.code, paper.title, paper.number
            ))
        })?;
    let mut doc = notice_base(d, office, kind, paper, qr_text)?;
    doc.reason = event.note.clone();
    if kind == NoticeKind::Supplement {
        doc.to_supplement = d
            .components
            .iter()
            .filter(|c| !c.received)
            .map(component_text)
            .collect();
    }
    doc.officer = event.staff_name.clone();
    doc.issued_at = bhxh_core::parse_ts(&event.at)?;
    Ok(doc)
}

/// Form 05: each recorded move is a hand-over. The applicant hands the
/// papers in at the first; a result, a supplement request or a refusal goes
/// back to the applicant; any other move passes the dossier from whoever
/// recorded the previous move to whoever recorded this one.
fn tracking(
    d: &Dossier,
    office: &Office,
    now: Timestamp,
    paper: &PaperForm,
    qr_text: String,
    calendar: &WorkCalendar,
) -> Result<TrackingDoc, CoreError> {
    let mut steps = Vec::with_capacity(d.events.len());
    let mut holder = d.applicant_name.clone();
    let received = bhxh_core::parse_ts(&d.received_at)?.date_naive();
    for e in &d.events {
        let back = matches!(
            e.to_status,
            Status::Returned | Status::SupplementRequested | Status::Refused | Status::Stopped
        );
        let (giver, receiver) = if back {
            (e.staff_name.clone(), d.applicant_name.clone())
        } else {
            (holder.clone(), e.staff_name.clone())
        };
        holder = e.staff_name.clone();
        steps.push(TrackingStep {
            due_on: step_due(paper, d, e.to_status, calendar, received),
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
        title: paper.title.clone(),
        form_label: form_label(paper),
        qr_text,
        coordinating: String::new(),
        columns: columns_of(paper)?,
        office_name: office.name.clone(),
        place: office.province_name.clone(),
        dossier_code: d.code.clone(),
        applicant_name: match &d.organisation {
            Some(o) => format!(
                "{} (mã số thuế {}), người nộp {}",
                o.name, o.tax_code, d.applicant_name
            ),
            None => d.applicant_name.clone(),
        },
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
