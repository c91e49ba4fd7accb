//! Form 01 of the one-stop desk (Circular 01/2018/TT-VPCP): "Giấy tiếp nhận hồ
//! sơ và hẹn trả kết quả", on A5 portrait, in two copies ("Liên 1" kept by
//! the office, "Liên 2" for the applicant), each starting on its own page with
//! the QR code of Circular 01/2023 Art. 26 in the top left corner.
//!
//! The QR code is drawn as vector boxes (no raster image), so it prints sharp
//! at any resolution and a scan of the receipt decodes.

use chrono::{Datelike, NaiveDate, Timelike};
use printpdf::{FontId, Op};

use crate::canvas::{Placed, black_boxes_ops, new_document, rule_ops, save_document, text_ops};
use crate::fonts::{Face, FontSet};
use crate::layout::{mm, wrap};
use crate::model::{contact_line, date_line, nfc, nfc_upper};
use crate::qr::qr_boxes;
use crate::{NATIONAL_MOTTO, NATIONAL_NAME, ReportError};

const PAGE_W_MM: f32 = 148.0;
const PAGE_H_MM: f32 = 210.0;
const MARGIN_TOP_MM: f32 = 10.0;
const MARGIN_BOTTOM_MM: f32 = 12.0;
const MARGIN_LEFT_MM: f32 = 15.0;
const MARGIN_RIGHT_MM: f32 = 10.0;
/// Side of the QR code, quiet zone included. Level L at 30 mm decodes from a
/// 200 dpi scan (the legal minimum); denser codes did not, reliably.
const QR_MM: f32 = 30.0;
const HEADER_PT: f32 = 9.0;
const TITLE_PT: f32 = 11.5;
const BODY_PT: f32 = 10.5;
const SMALL_PT: f32 = 9.0;
const LINE_SPACING: f32 = 1.25;
const BASELINE_DROP: f32 = 0.95;
const SIGNATURE_SPACE_MM: f32 = 16.0;

/// The title of form 01 in both paper sets (Circular 01/2018 and 03/2025):
/// the default when the reference data gives none.
pub const RECEIPT_TITLE: &str = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả";

/// Everything form 01 prints. Plain values: the caller (the app) reads them
/// from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptDoc {
    /// The form's title in the paper set of the receipt date.
    pub title: String,
    /// "Mẫu số 01 – Thông tư 03/2025/TT-VPCP", printed top right.
    pub form_label: String,
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
    /// Papers handed in, one line each ("Tờ khai … (bản chính: 1)").
    pub documents: Vec<String>,
    pub sets: u32,
    /// The deadline as the law words it: "05 ngày làm việc",
    /// "20 ngày (không kể ngày nghỉ lễ, Tết)".
    pub deadline: String,
    pub received_at: chrono::DateTime<chrono::FixedOffset>,
    pub due_on: NaiveDate,
    /// Where the result is collected ("Tại Bộ phận tiếp nhận và trả kết quả").
    pub return_to: String,
    pub register_year: i32,
    pub register_no: u32,
    pub received_by: String,
    /// The text the QR code carries (built by the caller, Circular 01/2023 Art. 26).
    pub qr_text: String,
}

fn page_w() -> f32 {
    mm(PAGE_W_MM)
}
fn left() -> f32 {
    mm(MARGIN_LEFT_MM)
}
fn right() -> f32 {
    page_w() - mm(MARGIN_RIGHT_MM)
}
fn width() -> f32 {
    right() - left()
}
fn top() -> f32 {
    mm(PAGE_H_MM - MARGIN_TOP_MM)
}
fn bottom() -> f32 {
    mm(MARGIN_BOTTOM_MM)
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
}

struct Pages<'f> {
    fonts: &'f FontSet,
    ids: Vec<FontId>,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Pages<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = top();
    }

    /// Lines of `text` in `[x, x + w]` from `y` down; returns the y below them.
    /// With `flow`, a line that does not fit goes to a new page.
    #[allow(clippy::too_many_arguments)] // a text box: position, size, face, alignment
    fn text(
        &mut self,
        text: &str,
        face: Face,
        size: f32,
        x: f32,
        w: f32,
        mut y: f32,
        align: Align,
        indent: f32,
        flow: bool,
    ) -> f32 {
        let fonts = self.fonts;
        let data = fonts.face(face);
        let lines = wrap(data, size, &nfc(text), w, 0.0);
        let space = data.width(" ", size);
        let lh = size * LINE_SPACING;
        let mut ops = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if flow && y - lh < bottom() {
                let font = self.ids[face.index()].clone();
                let done = std::mem::take(&mut ops);
                self.flush(&font, size, done);
                self.new_page();
                y = self.y;
            }
            let (lx, lw) = if i == 0 {
                (x, w)
            } else {
                (x + indent, w - indent)
            };
            let natural = line.natural_width(space);
            let mut cx = match align {
                Align::Left => lx,
                Align::Center => lx + (lw - natural) / 2.0,
            };
            let baseline = y - size * BASELINE_DROP;
            for word in &line.words {
                ops.push((cx, baseline, word.text.clone()));
                cx += word.width + space;
            }
            y -= lh;
        }
        let font = self.ids[face.index()].clone();
        self.flush(&font, size, ops);
        y
    }

    fn flush(&mut self, font: &FontId, size: f32, words: Vec<(f32, f32, String)>) {
        let placed: Vec<Placed<'_>> = words
            .iter()
            .map(|(x, b, t)| Placed {
                x: *x,
                baseline: *b,
                text: t,
            })
            .collect();
        let ops = text_ops(font, size, &placed);
        self.ops().extend(ops);
    }

    /// A body paragraph across the page, continuing on a new page if needed.
    fn para(&mut self, text: &str, face: Face, indent_mm: f32) {
        let y = self.y;
        self.y = self.text(
            text,
            face,
            BODY_PT,
            left(),
            width(),
            y,
            Align::Left,
            mm(indent_mm),
            true,
        );
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32) {
        self.ops().extend(rule_ops(x1, y, x2, y, 0.5));
    }
}

fn two(n: u32) -> String {
    format!("{n:02}")
}

/// Render form 01 (two copies) as PDF bytes.
pub fn render_receipt(doc: &ReceiptDoc) -> Result<Vec<u8>, ReportError> {
    let (pdf, fonts, ids) = new_document(&format!("{} {}", doc.title, doc.dossier_code))?;
    let mut p = Pages {
        fonts,
        ids,
        pages: Vec::new(),
        y: top(),
    };
    // Built once: both copies carry the same code.
    let qr = qr_boxes(&doc.qr_text, left() - mm(4.0), top() + mm(4.0), mm(QR_MM))?;
    for copy in [
        "Liên 1: Lưu tại Bộ phận tiếp nhận và trả kết quả",
        "Liên 2: Giao người nộp hồ sơ",
    ] {
        p.new_page();
        p.ops().extend(black_boxes_ops(&qr));
        copy_page(&mut p, doc, copy);
    }
    save_document(
        pdf,
        p.pages,
        (PAGE_W_MM, PAGE_H_MM),
        &doc.received_at,
        &format!("Mã hồ sơ {}", doc.dossier_code),
    )
}

fn copy_page(p: &mut Pages<'_>, doc: &ReceiptDoc, copy: &str) {
    // Header: beside the QR code, the office (left) and the national name (right).
    let qr_right = left() - mm(4.0) + mm(QR_MM) + mm(1.0);
    let avail = right() - qr_right;
    // The national name on one line; the office's name wraps in what is left.
    let right_w =
        (p.fonts.face(Face::Bold).width(NATIONAL_NAME, HEADER_PT) + mm(1.0)).min(avail * 0.7);
    let left_w = avail - right_w - mm(1.0);
    let rx = right() - right_w;
    let y0 = top();
    let ly = p.text(
        &nfc_upper(&doc.office_name),
        Face::Regular,
        HEADER_PT,
        qr_right,
        left_w,
        y0,
        Align::Center,
        0.0,
        false,
    );
    let ly = p.text(
        &nfc_upper(crate::forms::DESK_UNIT),
        Face::Bold,
        HEADER_PT,
        qr_right,
        left_w,
        ly,
        Align::Center,
        0.0,
        false,
    );
    let short = mm(14.0);
    p.rule(
        qr_right + (left_w - short) / 2.0,
        qr_right + (left_w + short) / 2.0,
        ly - 1.5,
    );
    let ry = p.text(
        NATIONAL_NAME,
        Face::Bold,
        HEADER_PT,
        rx,
        right_w,
        y0,
        Align::Center,
        0.0,
        false,
    );
    let ry = p.text(
        NATIONAL_MOTTO,
        Face::Bold,
        HEADER_PT + 0.5,
        rx,
        right_w,
        ry,
        Align::Center,
        0.0,
        false,
    );
    let motto_w = p
        .fonts
        .face(Face::Bold)
        .width(NATIONAL_MOTTO, HEADER_PT + 0.5);
    let mx = rx + (right_w - motto_w.min(right_w)) / 2.0;
    p.rule(mx, mx + motto_w.min(right_w), ry - 1.5);
    let ry = p.text(
        &date_line(&doc.place, doc.received_at.date_naive()),
        Face::Italic,
        HEADER_PT + 0.5,
        rx,
        right_w,
        ry - 4.0,
        Align::Center,
        0.0,
        false,
    );
    let qr_bottom = top() + mm(4.0) - mm(QR_MM);
    p.y = ly.min(ry).min(qr_bottom) - 6.0;

    // Title, code and copy.
    let y = p.y;
    let y = p.text(
        &nfc_upper(&doc.title),
        Face::Bold,
        TITLE_PT,
        left(),
        width(),
        y,
        Align::Center,
        0.0,
        false,
    );
    let y = p.text(
        &format!("Mã hồ sơ: {}", doc.dossier_code),
        Face::Bold,
        BODY_PT,
        left(),
        width(),
        y - 2.0,
        Align::Center,
        0.0,
        false,
    );
    let y = p.text(
        &format!("({copy})"),
        Face::Italic,
        SMALL_PT,
        left(),
        width(),
        y,
        Align::Center,
        0.0,
        false,
    );
    let y = if doc.form_label.trim().is_empty() {
        y
    } else {
        p.text(
            &nfc(&doc.form_label),
            Face::Italic,
            SMALL_PT,
            left(),
            width(),
            y,
            Align::Center,
            0.0,
            false,
        )
    };
    p.y = y - 6.0;

    match &doc.organisation {
        Some(org) => {
            p.para(
                &format!(
                    "Bộ phận tiếp nhận và trả kết quả {} tiếp nhận hồ sơ của: {}",
                    nfc(&doc.office_name),
                    nfc(&org.name)
                ),
                Face::Regular,
                0.0,
            );
            p.para(&nfc(&org.detail()), Face::Regular, 0.0);
            p.para(
                &format!(
                    "Người nộp hồ sơ: {} (số định danh cá nhân {})",
                    doc.applicant_name, doc.applicant_id
                ),
                Face::Regular,
                0.0,
            );
        }
        None => {
            p.para(
                &format!(
                    "Bộ phận tiếp nhận và trả kết quả {} tiếp nhận hồ sơ của: {}",
                    nfc(&doc.office_name),
                    doc.applicant_name
                ),
                Face::Regular,
                0.0,
            );
            p.para(
                &format!("Số định danh cá nhân: {}", doc.applicant_id),
                Face::Regular,
                0.0,
            );
        }
    }
    if !doc.address.trim().is_empty() {
        p.para(&format!("Địa chỉ: {}", doc.address), Face::Regular, 0.0);
    }
    if let Some(c) = contact_line(&doc.phone, &doc.email) {
        p.para(&c, Face::Regular, 0.0);
    }
    p.para(
        &format!("Nội dung yêu cầu giải quyết: {}", doc.matter),
        Face::Regular,
        0.0,
    );
    p.para("1. Thành phần hồ sơ nộp gồm:", Face::Regular, 0.0);
    for (i, d) in doc.documents.iter().enumerate() {
        p.para(&format!("({}) {d}", i + 1), Face::Regular, 5.0);
    }
    p.para(
        &format!("2. Số lượng hồ sơ: {} (bộ)", two(doc.sets)),
        Face::Regular,
        0.0,
    );
    p.para(
        &format!(
            "3. Thời gian giải quyết hồ sơ theo quy định là: {}",
            doc.deadline
        ),
        Face::Regular,
        0.0,
    );
    let r = doc.received_at;
    p.para(
        &format!(
            "4. Thời gian nhận hồ sơ: {} giờ {} phút, ngày {}/{}/{}",
            two(r.hour()),
            two(r.minute()),
            two(r.day()),
            two(r.month()),
            r.year()
        ),
        Face::Regular,
        0.0,
    );
    p.para(
        &format!(
            "5. Thời gian trả kết quả giải quyết hồ sơ: ngày {}",
            doc.due_on.format("%d/%m/%Y")
        ),
        Face::Bold,
        0.0,
    );
    p.para(
        &format!("6. Đăng ký nhận kết quả: {}", doc.return_to),
        Face::Regular,
        0.0,
    );
    p.para(
        &format!(
            "Vào Sổ theo dõi hồ sơ, Quyển số: {}, Số thứ tự: {}",
            doc.register_year, doc.register_no
        ),
        Face::Italic,
        0.0,
    );

    // Signatures: applicant left, receiving officer right.
    let block = SMALL_PT * LINE_SPACING * 2.0 + mm(SIGNATURE_SPACE_MM) + BODY_PT * 2.0;
    if p.y - block < bottom() {
        p.new_page();
    }
    let half = width() / 2.0;
    let y = p.y - 6.0;
    let l = p.text(
        "NGƯỜI NỘP HỒ SƠ",
        Face::Bold,
        SMALL_PT,
        left(),
        half,
        y,
        Align::Center,
        0.0,
        false,
    );
    p.text(
        "(Ký và ghi rõ họ tên)",
        Face::Italic,
        SMALL_PT,
        left(),
        half,
        l,
        Align::Center,
        0.0,
        false,
    );
    let r = p.text(
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        Face::Bold,
        SMALL_PT,
        left() + half,
        half,
        y,
        Align::Center,
        0.0,
        false,
    );
    let r = p.text(
        "(Ký và ghi rõ họ tên)",
        Face::Italic,
        SMALL_PT,
        left() + half,
        half,
        r,
        Align::Center,
        0.0,
        false,
    );
    let sy = r - mm(SIGNATURE_SPACE_MM);
    p.text(
        &doc.applicant_name,
        Face::Bold,
        BODY_PT,
        left(),
        half,
        sy,
        Align::Center,
        0.0,
        false,
    );
    let end = p.text(
        &doc.received_by,
        Face::Bold,
        BODY_PT,
        left() + half,
        half,
        sy,
        Align::Center,
        0.0,
        false,
    );
    p.y = end;
}
