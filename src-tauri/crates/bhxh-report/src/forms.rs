//! The one-stop papers besides the receipt (`receipt.rs`), in both sets the
//! desk prints from (Circular 01/2018/TT-VPCP before 1/7/2025, Decree
//! 118/2025/NĐ-CP and Circular 03/2025/TT-VPCP after): the supplement request,
//! the refusal, the apology with a new date, the stop notice
//! ([`render_notice`]), the control sheet ([`render_tracking`]), all A4
//! portrait, and the register ([`render_register`]), A4 landscape.
//!
//! What changes between sets is data, handed in by the caller from the
//! reference data of the dossier's date: each paper's number and title, and
//! the columns of the control sheet and the register ([`FormColumn`]: a key
//! this module fills, a header, a width), so a corrected column needs no
//! code. Every paper but the register carries the QR code of Circular
//! 01/2023 Art. 26 in its top left margin.
//!
//! They are written with the report writer (`pdf.rs`): the same two-column
//! header (the office and "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" left, the national
//! name and motto right), tables whose header row repeats on every page, page
//! numbers from page 2, every font embedded. Plain values in, bytes out: the
//! caller (the app) reads the dossier and its history from the store.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use printpdf::PdfDocument;

use crate::ReportError;
use crate::canvas::new_document;
use crate::fonts::Face;
use crate::layout::{CELL_PAD_X_MM, Geometry, mm};
use crate::model::{Align, Column, Row, Table, contact_line, date_line, nfc};
use crate::pdf::{Header, Signer, Writer};

/// The unit that prints these papers (left column of the header, in caps).
pub const DESK_UNIT: &str = "Bộ phận tiếp nhận và trả kết quả";
/// Title of form 02.
pub const SUPPLEMENT_TITLE: &str = "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ";
/// Title of form 03.
pub const REFUSAL_TITLE: &str = "Phiếu từ chối tiếp nhận giải quyết hồ sơ";
/// Title of form 05.
pub const TRACKING_TITLE: &str = "Phiếu kiểm soát quá trình giải quyết hồ sơ";
/// Title of form 06.
pub const REGISTER_TITLE: &str = "Sổ theo dõi hồ sơ";

/// Table text of forms 05 (portrait) and 06 (landscape, thirteen columns).
const TRACKING_TABLE_PT: f32 = 11.0;
const REGISTER_TABLE_PT: f32 = 9.0;
const SIGN_NOTE: &str = "(Ký và ghi rõ họ tên)";

/// A one-page letter to the applicant about their dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The papers must be completed (form 02 in both sets).
    Supplement,
    /// The dossier is not taken in (form 03 in both sets).
    Refusal,
    /// The result will be late: an apology and a new date (form 04).
    Apology,
    /// Handling stops, with its reason (form 05 of Circular 03/2025).
    Stop,
}

impl NoticeKind {
    /// The title in Circular 01/2018 (the default when no reference data
    /// names one).
    pub fn title(self) -> &'static str {
        match self {
            NoticeKind::Supplement => SUPPLEMENT_TITLE,
            NoticeKind::Refusal => REFUSAL_TITLE,
            NoticeKind::Apology => "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            NoticeKind::Stop => "Thông báo dừng giải quyết hồ sơ",
        }
    }
}

/// Everything a notice prints.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeDoc {
    pub kind: NoticeKind,
    /// The paper's title in the set of the dossier's date.
    pub title: String,
    /// "Mẫu số 02 – Thông tư 03/2025/TT-VPCP".
    pub form_label: String,
    /// The Art. 26 QR text (time of issue: this print); empty prints none.
    pub qr_text: String,
    /// Form 04: the date first given and the new one.
    pub old_due: Option<NaiveDate>,
    pub new_due: Option<NaiveDate>,
    /// The office, e.g. "Bảo hiểm xã hội tỉnh Hà Nam" (printed in capitals).
    pub office_name: String,
    /// Place for the date line, e.g. "Hà Nam".
    pub place: String,
    pub dossier_code: String,
    /// The organisation filing, when the applicant hands papers in for it.
    pub organisation: Option<crate::OrgLine>,
    pub applicant_name: String,
    pub applicant_id: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// The procedure (requested matter).
    pub matter: String,
    pub received_at: DateTime<FixedOffset>,
    /// Why: the note recorded with the status move.
    pub reason: String,
    /// Form 02: the papers to add or complete, one line each (the checklist's
    /// components not handed in). Empty: the reason says what is missing.
    pub to_supplement: Vec<String>,
    /// The officer who recorded the move (signs the form).
    pub officer: String,
    /// When the move was recorded: the form's date.
    pub issued_at: DateTime<FixedOffset>,
}

/// One hand-over of a dossier on the control sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingStep {
    /// The hand-over's own deadline (the step's share of the time, from
    /// the reference data), which its result is judged against.
    pub due_on: NaiveDate,
    /// Who handed the dossier over (the applicant for the first step).
    pub giver: String,
    /// Who took it (the applicant when a result or a refusal goes back).
    pub receiver: String,
    /// What the step did, e.g. "Đã tiếp nhận → Đang số hóa".
    pub status: String,
    pub at: DateTime<FixedOffset>,
    pub note: String,
}

/// Everything the control sheet prints.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingDoc {
    pub title: String,
    pub form_label: String,
    pub qr_text: String,
    /// Agencies that take part ("Cơ quan phối hợp giải quyết hồ sơ"), may be empty.
    pub coordinating: String,
    /// The table's columns, from the layout of the paper set.
    pub columns: Vec<FormColumn>,
    pub office_name: String,
    pub place: String,
    pub dossier_code: String,
    pub applicant_name: String,
    pub applicant_id: String,
    pub matter: String,
    pub received_at: DateTime<FixedOffset>,
    pub due_on: NaiveDate,
    /// The steps, oldest first.
    pub steps: Vec<TrackingStep>,
    /// When the sheet is printed (its date and the PDF's).
    pub printed_at: DateTime<FixedOffset>,
}

/// One dossier on the register (form 06).
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterLine {
    /// The yearly register number ("Số thứ tự" on the receipt).
    pub no: u32,
    pub dossier_code: String,
    pub procedure: String,
    pub sets: u32,
    pub applicant_name: String,
    pub address: String,
    pub phone: String,
    /// The agency in charge of the decision ("Cơ quan chủ trì giải quyết").
    pub handling_agency: String,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Sent on for a decision (first move to processing).
    pub sent_on: Option<NaiveDate>,
    /// The result came back (first move to result ready).
    pub result_on: Option<NaiveDate>,
    /// The result, or a refusal, handed to the applicant.
    pub returned_on: Option<NaiveDate>,
    pub note: String,
}

/// Everything the register prints: one year's book.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterDoc {
    pub title: String,
    pub form_label: String,
    /// The table's columns, from the layout of the paper set.
    pub columns: Vec<FormColumn>,
    pub office_name: String,
    pub place: String,
    pub year: i32,
    /// In register-number order.
    pub lines: Vec<RegisterLine>,
    pub printed_at: DateTime<FixedOffset>,
}

/// One column of a form's table as the reference data lays it out: which
/// value fills it (`key`), its header and its width (0: a share of what the
/// fixed columns leave, by `weight`).
#[derive(Debug, Clone, PartialEq)]
pub struct FormColumn {
    pub key: String,
    pub header: String,
    pub width_mm: f32,
    pub weight: f32,
    pub align: Align,
}

impl FormColumn {
    pub fn new(key: &str, header: &str, width_mm: f32, align: Align) -> FormColumn {
        FormColumn {
            key: key.to_owned(),
            header: header.to_owned(),
            width_mm,
            weight: 1.0,
            align,
        }
    }
}

/// Keys the control sheet fills.
pub const TRACKING_KEYS: [&str; 9] = [
    "no",
    "handover",
    "handover_steps",
    "content",
    "time",
    "result",
    "giver_sign",
    "receiver_sign",
    "note",
];
/// Keys the register fills.
pub const REGISTER_KEYS: [&str; 14] = [
    "no",
    "code",
    "procedure",
    "sets",
    "applicant",
    "contact",
    "agency",
    "received",
    "due",
    "sent",
    "result",
    "returned",
    "sign",
    "note",
];

/// The control sheet's columns of Circular 01/2018 (form 05), when the
/// reference data gives none.
pub fn default_tracking_columns() -> Vec<FormColumn> {
    vec![
        FormColumn::new("no", "STT", 10.0, Align::Center),
        FormColumn::new("handover", "Bên giao → bên nhận", 42.0, Align::Left),
        FormColumn::new("content", "Nội dung", 33.0, Align::Left),
        FormColumn::new("time", "Thời gian giao, nhận hồ sơ", 30.0, Align::Center),
        FormColumn::new(
            "result",
            "Kết quả giải quyết (trước hạn/ đúng hạn/ quá hạn)",
            24.0,
            Align::Center,
        ),
        FormColumn::new("note", "Ghi chú", 26.0, Align::Left),
    ]
}

/// The register's columns of Circular 01/2018 (form 06), when the reference
/// data gives none.
pub fn default_register_columns() -> Vec<FormColumn> {
    let flex = |key: &str, header: &str, weight: f32| FormColumn {
        weight,
        ..FormColumn::new(key, header, 0.0, Align::Left)
    };
    vec![
        FormColumn::new("no", "STT", 10.0, Align::Center),
        FormColumn::new("code", "Mã hồ sơ", 0.0, Align::Left),
        flex("procedure", "Tên thủ tục hành chính", 0.36),
        FormColumn::new("sets", "Số lượng hồ sơ (bộ)", 12.0, Align::Center),
        flex("applicant", "Tên cá nhân, tổ chức", 0.30),
        flex("contact", "Địa chỉ, số điện thoại", 0.34),
        FormColumn::new("agency", "Cơ quan chủ trì giải quyết", 24.0, Align::Left),
        FormColumn::new("received", "Nhận hồ sơ", 18.0, Align::Center),
        FormColumn::new("due", "Hẹn trả kết quả", 18.0, Align::Center),
        FormColumn::new(
            "sent",
            "Chuyển hồ sơ đến cơ quan giải quyết",
            18.0,
            Align::Center,
        ),
        FormColumn::new(
            "result",
            "Nhận kết quả từ cơ quan giải quyết",
            18.0,
            Align::Center,
        ),
        FormColumn::new("returned", "Trả kết quả", 18.0, Align::Center),
        FormColumn::new("note", "Ghi chú", 20.0, Align::Left),
    ]
}

/// The columns laid out across `text_width_mm`: the code column (`code`
/// key, width 0) as wide as `code_mm`, the flexible ones sharing the rest.
fn lay_out(cols: &[FormColumn], text_width_mm: f32, code_mm: f32) -> Vec<Column> {
    let fixed: f32 = cols
        .iter()
        .map(|c| {
            if c.width_mm > 0.0 {
                c.width_mm
            } else if c.key == "code" {
                code_mm
            } else {
                0.0
            }
        })
        .sum();
    let weights: f32 = cols
        .iter()
        .filter(|c| c.width_mm <= 0.0 && c.key != "code")
        .map(|c| c.weight.max(0.01))
        .sum();
    let flexible = cols
        .iter()
        .filter(|c| c.width_mm <= 0.0 && c.key != "code")
        .count();
    let free = (text_width_mm - fixed).max(12.0 * flexible as f32);
    cols.iter()
        .map(|c| {
            let width_mm = if c.width_mm > 0.0 {
                c.width_mm
            } else if c.key == "code" {
                code_mm
            } else {
                free * c.weight.max(0.01) / weights.max(0.01)
            };
            column(&c.header, width_mm, c.align)
        })
        .collect()
}

/// Every key known, or the first that is not.
fn check_keys(form: &str, cols: &[FormColumn], known: &[&str]) -> Result<(), ReportError> {
    match cols.iter().find(|c| !known.contains(&c.key.as_str())) {
        Some(c) => Err(ReportError::UnknownColumn {
            form: form.to_owned(),
            key: c.key.clone(),
        }),
        None => Ok(()),
    }
}

/// A form being written: the document and its pages.
struct Form<'f> {
    pdf: PdfDocument,
    w: Writer<'f>,
}

impl Form<'_> {
    /// A document with the header, the title and the subject line under it.
    #[allow(clippy::too_many_arguments)] // the parts of a paper's head
    fn start(
        title: &str,
        subject: &str,
        office_name: &str,
        place: &str,
        date: NaiveDate,
        geo: Geometry,
        table_pt: f32,
        form_label: &str,
        qr_text: &str,
    ) -> Result<Form<'static>, ReportError> {
        let (pdf, fonts, ids) = new_document(&format!("{title} — {subject}"))?;
        let mut w = Writer::new(fonts, ids, geo, table_pt);
        if !qr_text.is_empty() {
            w.qr_mark(qr_text)?;
        }
        if !form_label.trim().is_empty() {
            w.form_label(&nfc(form_label));
        }
        w.header(&Header {
            parent_agency: &nfc(office_name),
            agency: DESK_UNIT,
            number_line: "",
            date_line: &date_line(&nfc(place), date),
        });
        w.title(title, &nfc(subject));
        Ok(Form { pdf, w })
    }

    /// A line of the form: left flush, justified if it wraps.
    fn line(&mut self, text: &str) {
        self.w
            .paragraph_indented(&nfc(text), Face::Regular, false, 0.0);
    }

    fn finish(
        mut self,
        created: &DateTime<FixedOffset>,
        subject: &str,
    ) -> Result<Vec<u8>, ReportError> {
        self.w.page_numbers();
        self.w.save(self.pdf, created, &nfc(subject))
    }
}

fn time_text(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{:02} giờ {:02} phút, ngày {:02}/{:02}/{}",
        t.hour(),
        t.minute(),
        t.day(),
        t.month(),
        t.year()
    )
}

fn day_text(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Render form 02 or form 03 as PDF bytes (A4).
pub fn render_notice(doc: &NoticeDoc) -> Result<Vec<u8>, ReportError> {
    let code = format!("Mã hồ sơ: {}", doc.dossier_code);
    let title = if doc.title.trim().is_empty() {
        doc.kind.title()
    } else {
        doc.title.as_str()
    };
    let mut f = Form::start(
        title,
        &code,
        &doc.office_name,
        &doc.place,
        doc.issued_at.date_naive(),
        Geometry::A4_PORTRAIT,
        TRACKING_TABLE_PT,
        &doc.form_label,
        &doc.qr_text,
    )?;
    let addressee = match &doc.organisation {
        Some(org) => org.name.clone(),
        None => format!("Ông/bà {}", doc.applicant_name),
    };
    match doc.kind {
        NoticeKind::Supplement | NoticeKind::Apology | NoticeKind::Stop => {
            f.line(&format!("Kính gửi: {addressee}"))
        }
        NoticeKind::Refusal => f.line(&format!(
            "{DESK_UNIT} {} tiếp nhận hồ sơ của: {}",
            doc.office_name,
            doc.organisation
                .as_ref()
                .map_or(doc.applicant_name.as_str(), |o| o.name.as_str())
        )),
    }
    if let Some(org) = &doc.organisation {
        f.line(&org.detail());
        f.line(&format!(
            "Người nộp hồ sơ: {} (số định danh cá nhân {})",
            doc.applicant_name, doc.applicant_id
        ));
    } else {
        f.line(&format!("Số định danh cá nhân: {}", doc.applicant_id));
    }
    if !doc.address.trim().is_empty() {
        f.line(&format!("Địa chỉ: {}", doc.address));
    }
    if let Some(c) = contact_line(&doc.phone, &doc.email) {
        f.line(&c);
    }
    f.line(&format!("Nội dung yêu cầu giải quyết: {}", doc.matter));
    f.line(&format!(
        "Thời gian nhận hồ sơ: {}",
        time_text(&doc.received_at)
    ));
    match doc.kind {
        NoticeKind::Supplement => {
            f.line("Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:");
            if doc.to_supplement.is_empty() {
                f.line("(1) Bổ sung, hoàn thiện theo lý do nêu dưới đây.");
            }
            for (i, item) in doc.to_supplement.iter().enumerate() {
                f.line(&format!("({}) {item}", i + 1));
            }
            f.line(&format!("Lý do: {}", doc.reason));
            f.line(&format!(
                "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ với {}, \
                 {} {}, để được hướng dẫn.",
                doc.officer,
                DESK_UNIT.to_lowercase(),
                doc.office_name
            ));
        }
        NoticeKind::Refusal => {
            f.line(&format!(
                "Qua nghiên cứu, xem xét, đối chiếu với các quy định hiện hành, {} thông báo \
                 không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: {}",
                DESK_UNIT.to_lowercase(),
                doc.reason
            ));
            f.line("Xin thông báo cho ông/bà được biết và thực hiện./.");
        }
        NoticeKind::Apology => {
            let old = doc.old_due.map(day_text).unwrap_or_default();
            let new = doc.new_due.map(day_text).unwrap_or_default();
            f.line(&format!(
                "Ngày hẹn trả kết quả giải quyết hồ sơ: {old}. Tuy nhiên đến nay, {} chưa trả \
                 kết quả giải quyết hồ sơ cho ông/bà.",
                doc.office_name
            ));
            f.line(&format!("Lý do: {}", doc.reason));
            f.line(&format!(
                "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của ông/bà. {} \
                 xin lỗi ông/bà và đề nghị gia hạn thời gian giải quyết, hẹn trả kết quả vào \
                 ngày {new}.",
                doc.office_name
            ));
            f.line("Xin trân trọng cảm ơn sự hợp tác của ông/bà./.");
        }
        NoticeKind::Stop => {
            f.line(&format!(
                "{} thông báo dừng giải quyết hồ sơ nêu trên với lý do: {}",
                doc.office_name, doc.reason
            ));
            f.line("Xin thông báo cho ông/bà được biết./.");
        }
    }
    let title = match doc.kind {
        NoticeKind::Supplement => "NGƯỜI HƯỚNG DẪN",
        NoticeKind::Refusal => "NGƯỜI TIẾP NHẬN HỒ SƠ",
        NoticeKind::Apology | NoticeKind::Stop => "THỦ TRƯỞNG CƠ QUAN",
    };
    let officer = nfc(&doc.officer);
    f.w.signatures(&[Signer {
        top: vec![title.to_owned()],
        note: Some(SIGN_NOTE),
        name: &officer,
    }]);
    f.finish(&doc.issued_at, &code)
}

/// Whether a step came before, on or after the return date.
fn timeliness(at: NaiveDate, due: NaiveDate) -> &'static str {
    match at.cmp(&due) {
        std::cmp::Ordering::Less => "Trước hạn",
        std::cmp::Ordering::Equal => "Đúng hạn",
        std::cmp::Ordering::Greater => "Quá hạn",
    }
}

fn column(header: &str, width_mm: f32, align: Align) -> Column {
    Column {
        header: header.to_owned(),
        width_mm,
        align,
    }
}

/// Render the control sheet as PDF bytes (A4): one row per hand-over,
/// each judged against its own deadline, with cells for the giver's and
/// the receiver's signatures when the layout has them.
pub fn render_tracking(doc: &TrackingDoc) -> Result<Vec<u8>, ReportError> {
    let code = format!("Mã hồ sơ: {}", doc.dossier_code);
    let columns = if doc.columns.is_empty() {
        default_tracking_columns()
    } else {
        doc.columns.clone()
    };
    check_keys(&doc.form_label, &columns, &TRACKING_KEYS)?;
    let title = if doc.title.trim().is_empty() {
        TRACKING_TITLE
    } else {
        doc.title.as_str()
    };
    let mut f = Form::start(
        title,
        &code,
        &doc.office_name,
        &doc.place,
        doc.printed_at.date_naive(),
        Geometry::A4_PORTRAIT,
        TRACKING_TABLE_PT,
        &doc.form_label,
        &doc.qr_text,
    )?;
    f.line(&format!(
        "Kèm theo hồ sơ của: {} (số định danh cá nhân {})",
        doc.applicant_name, doc.applicant_id
    ));
    f.line(&format!("Nội dung yêu cầu giải quyết: {}", doc.matter));
    f.line(&format!(
        "Cơ quan (bộ phận) giải quyết hồ sơ: {}",
        doc.office_name
    ));
    if !doc.coordinating.trim().is_empty() {
        f.line(&format!(
            "Cơ quan phối hợp giải quyết hồ sơ: {}",
            doc.coordinating
        ));
    }
    f.line(&format!(
        "Thời gian nhận hồ sơ: {}",
        time_text(&doc.received_at)
    ));
    f.line(&format!(
        "Thời gian hẹn trả kết quả: ngày {}",
        day_text(doc.due_on)
    ));
    let text_mm = Geometry::A4_PORTRAIT.text_width() / mm(1.0);
    let table = Table {
        columns: lay_out(&columns, text_mm, 30.0),
        rows: doc
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Row::new(columns.iter().map(|c| match c.key.as_str() {
                    "no" => (i + 1).to_string(),
                    "handover" => nfc(&format!("{} → {}", s.giver, s.receiver)),
                    "handover_steps" => {
                        nfc(&format!("1. Giao: {} 2. Nhận: {}", s.giver, s.receiver))
                    }
                    "content" => nfc(&s.status),
                    "time" => time_text(&s.at),
                    "result" => timeliness(s.at.date_naive(), s.due_on).to_owned(),
                    "note" => nfc(&s.note),
                    // Signature cells stay blank for the pen.
                    _ => String::new(),
                }))
            })
            .collect(),
    };
    f.w.table(&table)?;
    f.finish(&doc.printed_at, &code)
}

/// Render one year's register as PDF bytes (A4 landscape; the header row
/// repeats on every page).
pub fn render_register(doc: &RegisterDoc) -> Result<Vec<u8>, ReportError> {
    let geo = Geometry::A4_LANDSCAPE;
    let subject = format!("Năm {}", doc.year);
    let layout = if doc.columns.is_empty() {
        default_register_columns()
    } else {
        doc.columns.clone()
    };
    check_keys(&doc.form_label, &layout, &REGISTER_KEYS)?;
    let title = if doc.title.trim().is_empty() {
        REGISTER_TITLE
    } else {
        doc.title.as_str()
    };
    let mut f = Form::start(
        title,
        &subject,
        &doc.office_name,
        &doc.place,
        doc.printed_at.date_naive(),
        geo,
        REGISTER_TABLE_PT,
        &doc.form_label,
        "",
    )?;
    let regular = crate::fonts::FontSet::get()?.face(Face::Regular);
    let widest_code = doc
        .lines
        .iter()
        .map(|l| regular.width(&nfc(&l.dossier_code), REGISTER_TABLE_PT))
        .fold(0.0_f32, f32::max);
    let code_mm = (widest_code / mm(1.0) + 2.0 * CELL_PAD_X_MM + 1.0).clamp(30.0, 60.0);
    let columns = lay_out(&layout, geo.text_width() / mm(1.0), code_mm);
    let date = |d: Option<NaiveDate>| d.map(day_text).unwrap_or_default();
    let mut rows: Vec<Row> = doc
        .lines
        .iter()
        .map(|l| {
            let contact = [l.address.trim(), l.phone.trim()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            Row::new(layout.iter().map(|c| match c.key.as_str() {
                "no" => l.no.to_string(),
                "code" => nfc(&l.dossier_code),
                "procedure" => nfc(&l.procedure),
                "sets" => format!("{:02}", l.sets),
                "applicant" => nfc(&l.applicant_name),
                "contact" => nfc(&contact),
                "agency" => nfc(&l.handling_agency),
                "received" => day_text(l.received_on),
                "due" => day_text(l.due_on),
                "sent" => date(l.sent_on),
                "result" => date(l.result_on),
                "returned" => date(l.returned_on),
                "note" => nfc(&l.note),
                // "sign": blank, for the applicant's signature.
                _ => String::new(),
            }))
        })
        .collect();
    if rows.is_empty() {
        rows.push(Row::group(format!(
            "Chưa có hồ sơ nào vào sổ năm {}.",
            doc.year
        )));
    }
    f.w.table(&Table { columns, rows })?;
    f.finish(&doc.printed_at, &format!("{title} năm {}", doc.year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_columns_fill_the_landscape_text_area() {
        let geo = Geometry::A4_LANDSCAPE;
        let width = geo.text_width() / mm(1.0);
        let cols = lay_out(&default_register_columns(), width, 40.0);
        assert_eq!(cols.len(), 13);
        let sum: f32 = cols.iter().map(|c| c.width_mm).sum();
        assert!((sum - width).abs() < 0.01, "{sum} vs {width}");
        assert!(cols.iter().all(|c| c.width_mm >= 10.0));
    }

    #[test]
    fn timeliness_compares_with_the_return_date() {
        let due = NaiveDate::from_ymd_opt(2024, 5, 8).unwrap();
        assert_eq!(timeliness(due.pred_opt().unwrap(), due), "Trước hạn");
        assert_eq!(timeliness(due, due), "Đúng hạn");
        assert_eq!(timeliness(due.succ_opt().unwrap(), due), "Quá hạn");
    }
}
