//! The one-stop forms of Circular 01/2018/TT-VPCP besides the receipt (form 01,
//! `receipt.rs`): 02 "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" and 03 "Phiếu
//! từ chối tiếp nhận giải quyết hồ sơ" ([`render_notice`]), 05 "Phiếu kiểm soát
//! quá trình giải quyết hồ sơ" ([`render_tracking`]), all A4 portrait, and 06
//! "Sổ theo dõi hồ sơ" ([`render_register`]), A4 landscape.
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

/// Form 02 or form 03.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Form 02: the papers must be completed.
    Supplement,
    /// Form 03: the dossier is not taken in.
    Refusal,
}

impl NoticeKind {
    /// The form's number in Circular 01/2018 ("02", "03").
    pub fn form(self) -> &'static str {
        match self {
            NoticeKind::Supplement => "02",
            NoticeKind::Refusal => "03",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            NoticeKind::Supplement => SUPPLEMENT_TITLE,
            NoticeKind::Refusal => REFUSAL_TITLE,
        }
    }
}

/// Everything form 02 or 03 prints.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeDoc {
    pub kind: NoticeKind,
    /// The office, e.g. "Bảo hiểm xã hội tỉnh Hà Nam" (printed in capitals).
    pub office_name: String,
    /// Place for the date line, e.g. "Hà Nam".
    pub place: String,
    pub dossier_code: String,
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

/// One hand-over of a dossier on form 05.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingStep {
    /// Who handed the dossier over (the applicant for the first step).
    pub giver: String,
    /// Who took it (the applicant when a result or a refusal goes back).
    pub receiver: String,
    /// What the step did, e.g. "Đã tiếp nhận → Đang số hóa".
    pub status: String,
    pub at: DateTime<FixedOffset>,
    pub note: String,
}

/// Everything form 05 prints.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingDoc {
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

/// Everything form 06 prints: one year's book.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterDoc {
    pub office_name: String,
    pub place: String,
    pub year: i32,
    /// In register-number order.
    pub lines: Vec<RegisterLine>,
    pub printed_at: DateTime<FixedOffset>,
}

/// A form being written: the document and its pages.
struct Form<'f> {
    pdf: PdfDocument,
    w: Writer<'f>,
}

impl Form<'_> {
    /// A document with the header, the title and the subject line under it.
    fn start(
        title: &str,
        subject: &str,
        office_name: &str,
        place: &str,
        date: NaiveDate,
        geo: Geometry,
        table_pt: f32,
    ) -> Result<Form<'static>, ReportError> {
        let (pdf, fonts, ids) = new_document(&format!("{title} — {subject}"))?;
        let mut w = Writer::new(fonts, ids, geo, table_pt);
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
    let mut f = Form::start(
        doc.kind.title(),
        &code,
        &doc.office_name,
        &doc.place,
        doc.issued_at.date_naive(),
        Geometry::A4_PORTRAIT,
        TRACKING_TABLE_PT,
    )?;
    match doc.kind {
        NoticeKind::Supplement => f.line(&format!("Hồ sơ của: {}", doc.applicant_name)),
        NoticeKind::Refusal => f.line(&format!(
            "{DESK_UNIT} {} tiếp nhận hồ sơ của: {}",
            doc.office_name, doc.applicant_name
        )),
    }
    f.line(&format!("Số định danh cá nhân: {}", doc.applicant_id));
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
    }
    let title = match doc.kind {
        NoticeKind::Supplement => "NGƯỜI HƯỚNG DẪN",
        NoticeKind::Refusal => "NGƯỜI TIẾP NHẬN HỒ SƠ",
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

/// Render form 05 as PDF bytes (A4).
pub fn render_tracking(doc: &TrackingDoc) -> Result<Vec<u8>, ReportError> {
    let code = format!("Mã hồ sơ: {}", doc.dossier_code);
    let mut f = Form::start(
        TRACKING_TITLE,
        &code,
        &doc.office_name,
        &doc.place,
        doc.printed_at.date_naive(),
        Geometry::A4_PORTRAIT,
        TRACKING_TABLE_PT,
    )?;
    f.line(&format!(
        "Người nộp hồ sơ: {} (số định danh cá nhân {})",
        doc.applicant_name, doc.applicant_id
    ));
    f.line(&format!("Nội dung yêu cầu giải quyết: {}", doc.matter));
    f.line(&format!(
        "Cơ quan (bộ phận) giải quyết hồ sơ: {}",
        doc.office_name
    ));
    f.line(&format!(
        "Thời gian nhận hồ sơ: {}",
        time_text(&doc.received_at)
    ));
    f.line(&format!(
        "Thời gian hẹn trả kết quả: ngày {}",
        day_text(doc.due_on)
    ));
    let table = Table {
        columns: vec![
            column("STT", 10.0, Align::Center),
            column("Bên giao → bên nhận", 42.0, Align::Left),
            column("Nội dung", 33.0, Align::Left),
            column("Thời gian giao, nhận hồ sơ", 30.0, Align::Center),
            column(
                "Kết quả giải quyết (trước hạn/ đúng hạn/ quá hạn)",
                24.0,
                Align::Center,
            ),
            column("Ghi chú", 26.0, Align::Left),
        ],
        rows: doc
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Row::new([
                    (i + 1).to_string(),
                    nfc(&format!("{} → {}", s.giver, s.receiver)),
                    nfc(&s.status),
                    time_text(&s.at),
                    timeliness(s.at.date_naive(), doc.due_on).to_owned(),
                    nfc(&s.note),
                ])
            })
            .collect(),
    };
    f.w.table(&table)?;
    f.finish(&doc.printed_at, &code)
}

/// The register's columns (Circular 01/2018, form 06), `code_mm` wide for
/// the dossier code so that a code is never cut; the three free-text
/// columns share what the text area leaves.
fn register_columns(text_width_mm: f32, code_mm: f32) -> Vec<Column> {
    const DATE_MM: f32 = 18.0;
    let fixed = 10.0 + 12.0 + 24.0 + 5.0 * DATE_MM + 20.0 + code_mm;
    let free = (text_width_mm - fixed).max(3.0 * 12.0);
    vec![
        column("STT", 10.0, Align::Center),
        column("Mã hồ sơ", code_mm, Align::Left),
        column("Tên thủ tục hành chính", free * 0.36, Align::Left),
        column("Số lượng hồ sơ (bộ)", 12.0, Align::Center),
        column("Tên cá nhân, tổ chức", free * 0.30, Align::Left),
        column("Địa chỉ, số điện thoại", free * 0.34, Align::Left),
        column("Cơ quan chủ trì giải quyết", 24.0, Align::Left),
        column("Nhận hồ sơ", DATE_MM, Align::Center),
        column("Hẹn trả kết quả", DATE_MM, Align::Center),
        column(
            "Chuyển hồ sơ đến cơ quan giải quyết",
            DATE_MM,
            Align::Center,
        ),
        column("Nhận kết quả từ cơ quan giải quyết", DATE_MM, Align::Center),
        column("Trả kết quả", DATE_MM, Align::Center),
        column("Ghi chú", 20.0, Align::Left),
    ]
}

/// Render form 06, one year's register, as PDF bytes (A4 landscape; the
/// header row repeats on every page).
pub fn render_register(doc: &RegisterDoc) -> Result<Vec<u8>, ReportError> {
    let geo = Geometry::A4_LANDSCAPE;
    let subject = format!("Năm {}", doc.year);
    let mut f = Form::start(
        REGISTER_TITLE,
        &subject,
        &doc.office_name,
        &doc.place,
        doc.printed_at.date_naive(),
        geo,
        REGISTER_TABLE_PT,
    )?;
    let regular = crate::fonts::FontSet::get()?.face(Face::Regular);
    let widest_code = doc
        .lines
        .iter()
        .map(|l| regular.width(&nfc(&l.dossier_code), REGISTER_TABLE_PT))
        .fold(0.0_f32, f32::max);
    let code_mm = (widest_code / mm(1.0) + 2.0 * CELL_PAD_X_MM + 1.0).clamp(30.0, 60.0);
    let columns = register_columns(geo.text_width() / mm(1.0), code_mm);
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
            Row::new([
                l.no.to_string(),
                nfc(&l.dossier_code),
                nfc(&l.procedure),
                format!("{:02}", l.sets),
                nfc(&l.applicant_name),
                nfc(&contact),
                nfc(&l.handling_agency),
                day_text(l.received_on),
                day_text(l.due_on),
                date(l.sent_on),
                date(l.result_on),
                date(l.returned_on),
                nfc(&l.note),
            ])
        })
        .collect();
    if rows.is_empty() {
        rows.push(Row::group(format!(
            "Chưa có hồ sơ nào vào sổ năm {}.",
            doc.year
        )));
    }
    f.w.table(&Table { columns, rows })?;
    f.finish(
        &doc.printed_at,
        &format!("{REGISTER_TITLE} năm {}", doc.year),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_columns_fill_the_landscape_text_area() {
        let geo = Geometry::A4_LANDSCAPE;
        let width = geo.text_width() / mm(1.0);
        let cols = register_columns(width, 40.0);
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
