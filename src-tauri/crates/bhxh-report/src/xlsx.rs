//! XLSX output: the same header lines, body texts and tables as the PDF, one worksheet,
//! for offices that re-work the figures in a spreadsheet.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::model::{Align, Block, ReportDoc, date_line, nfc_upper, tables, validate};
use crate::{NATIONAL_MOTTO, NATIONAL_NAME, RECIPIENTS_LABEL, ReportError};

/// Name of the single worksheet.
const SHEET_NAME: &str = "Báo cáo";
/// Millimetres per unit of Excel column width (one "0" of the default font, about 7 px).
const MM_PER_WIDTH_UNIT: f64 = 1.9;
const FONT: &str = "Times New Roman";

/// Render a report as XLSX bytes: one worksheet, texts in NFC, tables with borders.
pub fn render_xlsx(doc: &ReportDoc) -> Result<Vec<u8>, ReportError> {
    validate(doc)?;
    let doc = doc.normalized();

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;

    // The sheet is as wide as the widest table, and at least four columns.
    let mut widths_mm: Vec<f32> = Vec::new();
    for table in tables(&doc) {
        for (i, col) in table.columns.iter().enumerate() {
            match widths_mm.get_mut(i) {
                Some(w) => *w = w.max(col.width_mm),
                None => widths_mm.push(col.width_mm),
            }
        }
    }
    while widths_mm.len() < 4 {
        widths_mm.push(40.0);
    }
    for (i, w) in widths_mm.iter().enumerate() {
        sheet.set_column_width(col(i), f64::from(*w) / MM_PER_WIDTH_UNIT)?;
    }
    let last = widths_mm.len() - 1;
    let mid = widths_mm.len() / 2;
    let total_mm: f32 = widths_mm.iter().sum();

    let base = Format::new().set_font_name(FONT).set_text_wrap();
    let centred = |size: f64| {
        base.clone()
            .set_font_size(size)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
    };
    let f_parent = centred(13.0);
    let f_agency = centred(13.0).set_bold();
    let f_national = centred(13.0).set_bold();
    let f_motto = centred(14.0).set_bold();
    let f_date = centred(14.0).set_italic();
    let f_title = centred(14.0).set_bold();
    let f_para = base
        .clone()
        .set_font_size(14.0)
        .set_align(FormatAlign::Justify)
        .set_align(FormatAlign::Top);
    let f_heading = f_para.clone().set_bold();
    let cell = base
        .clone()
        .set_font_size(12.0)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let f_th = cell
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let f_group = cell.clone().set_bold().set_align(FormatAlign::Left);
    let f_recip_label = base.clone().set_font_size(12.0).set_bold().set_italic();
    let f_recip = base.clone().set_font_size(11.0);

    let mut r: u32 = 0;
    let date = date_line(&doc.place, doc.date);
    let header = [
        (
            (nfc_upper(&doc.parent_agency), &f_parent),
            (NATIONAL_NAME.to_string(), &f_national),
        ),
        (
            (nfc_upper(&doc.agency), &f_agency),
            (NATIONAL_MOTTO.to_string(), &f_motto),
        ),
        ((doc.number_line.clone(), &f_parent), (date, &f_date)),
    ];
    for ((left_text, left_fmt), (right_text, right_fmt)) in &header {
        put(sheet, r, 0, mid.saturating_sub(1), left_text, left_fmt)?;
        put(sheet, r, mid, last, right_text, right_fmt)?;
        r += 1;
    }
    r += 1;
    put(sheet, r, 0, last, &nfc_upper(&doc.title), &f_title)?;
    r += 1;
    put(sheet, r, 0, last, &doc.subject, &f_title)?;
    fit_height(sheet, r, &doc.subject, total_mm, 14.0)?;
    r += 2;

    for block in &doc.blocks {
        match block {
            Block::Heading(text) | Block::Paragraph(text) => {
                let fmt = if matches!(block, Block::Heading(_)) {
                    &f_heading
                } else {
                    &f_para
                };
                for para in text.split('\n') {
                    put(sheet, r, 0, last, para, fmt)?;
                    fit_height(sheet, r, para, total_mm, 14.0)?;
                    r += 1;
                }
            }
            Block::Table(table) => {
                let ncols = table.columns.len();
                for (i, c) in table.columns.iter().enumerate() {
                    sheet.write_string_with_format(r, col(i), &c.header, &f_th)?;
                }
                r += 1;
                for row in &table.rows {
                    if row.group {
                        let text = row.cells.first().map(String::as_str).unwrap_or("");
                        put(sheet, r, 0, ncols - 1, text, &f_group)?;
                    } else {
                        for (i, (text, c)) in row.cells.iter().zip(&table.columns).enumerate() {
                            let fmt = match c.align {
                                Align::Left => cell.clone().set_align(FormatAlign::Left),
                                Align::Center => cell.clone().set_align(FormatAlign::Center),
                                Align::Right => cell.clone().set_align(FormatAlign::Right),
                                Align::Justify => cell.clone().set_align(FormatAlign::Justify),
                            };
                            sheet.write_string_with_format(r, col(i), text, &fmt)?;
                        }
                    }
                    r += 1;
                }
                r += 1;
            }
        }
    }

    r += 1;
    let signer_rows: Vec<&str> = doc
        .signer_authority
        .iter()
        .map(String::as_str)
        .chain([doc.signer_title.as_str()])
        .collect();
    put(
        sheet,
        r,
        0,
        mid.saturating_sub(1),
        RECIPIENTS_LABEL,
        &f_recip_label,
    )?;
    for (lr, recipient) in (r + 1..).zip(&doc.recipients) {
        put(sheet, lr, 0, mid.saturating_sub(1), recipient, &f_recip)?;
    }
    let mut rr = r;
    for s in signer_rows {
        put(sheet, rr, mid, last, &nfc_upper(s), &f_agency)?;
        rr += 1;
    }
    rr += 3;
    put(sheet, rr, mid, last, &doc.signer_name, &f_agency)?;

    Ok(workbook.save_to_buffer()?)
}

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// Write a text over columns `c0..=c1` of a row, merging them when there are several.
fn put(
    sheet: &mut Worksheet,
    row: u32,
    c0: usize,
    c1: usize,
    text: &str,
    fmt: &Format,
) -> Result<(), ReportError> {
    if c1 <= c0 {
        sheet.write_string_with_format(row, col(c0), text, fmt)?;
    } else {
        sheet.merge_range(row, col(c0), row, col(c1), text, fmt)?;
    }
    Ok(())
}

/// Give a merged, wrapped row enough height for its text (Excel does not grow merged rows).
fn fit_height(
    sheet: &mut Worksheet,
    row: u32,
    text: &str,
    width_mm: f32,
    size_pt: f64,
) -> Result<(), ReportError> {
    // Average Times glyph is about 0.45 em wide.
    let chars_per_line = (f64::from(width_mm) / (size_pt * 0.45 * 25.4 / 72.0)).max(1.0);
    let lines = (text.chars().count() as f64 / chars_per_line)
        .ceil()
        .max(1.0);
    sheet.set_row_height(row, lines * size_pt * 1.3)?;
    Ok(())
}
