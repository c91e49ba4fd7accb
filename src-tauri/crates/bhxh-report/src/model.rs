//! What a report is made of, independent of the output format.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use unicode_normalization::UnicodeNormalization;

use crate::ReportError;
use crate::layout::{CELL_PAD_X_MM, TEXT_WIDTH_MM};

/// An administrative report ("báo cáo") with the header, body and closing of Decree 30/2020.
///
/// Texts may be given in any Unicode normalisation form; the renderers NFC-normalise them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportDoc {
    /// Parent agency, printed in caps (e.g. "BẢO HIỂM XÃ HỘI VIỆT NAM").
    pub parent_agency: String,
    /// Issuing agency, printed in caps, bold, with a short rule under it.
    pub agency: String,
    /// Document number and symbol, e.g. "Số: 12/BC-BHXH".
    pub number_line: String,
    /// Place name for the date line, e.g. "Hòa Bình".
    pub place: String,
    /// Date of the document; printed through [`date_line`].
    pub date: NaiveDate,
    /// Document kind, printed in caps, e.g. "BÁO CÁO".
    pub title: String,
    /// Subject ("trích yếu"), bold and centred under the title; wraps.
    pub subject: String,
    /// "Kính gửi:" lines, for a report sent to a superior agency (Decree
    /// 30/2020, Appendix I); empty for none. The recipients then start with
    /// "- Như trên;".
    pub addressee: Vec<String>,
    /// The body, in order.
    pub blocks: Vec<Block>,
    /// Lines under "Nơi nhận:", e.g. "- Lưu: VT, TCT.".
    pub recipients: Vec<String>,
    /// Authority line above the signer's title, e.g. "KT. GIÁM ĐỐC".
    pub signer_authority: Option<String>,
    /// Signer's title, e.g. "PHÓ GIÁM ĐỐC".
    pub signer_title: String,
    /// Signer's full name, printed bold under the space for the signature.
    pub signer_name: String,
    /// Creation time written to the PDF metadata.
    pub created: DateTime<FixedOffset>,
    /// Title written to the PDF metadata.
    pub pdf_title: String,
}

/// An organisation filing a dossier, as the one-stop papers print it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrgLine {
    pub name: String,
    /// Mã đơn vị BHXH, may be empty.
    pub unit_code: String,
    pub tax_code: String,
    pub address: String,
}

impl OrgLine {
    /// "Mã đơn vị: TA0001A; mã số thuế: 0101234567; địa chỉ: …".
    pub fn detail(&self) -> String {
        let mut parts = Vec::new();
        if !self.unit_code.trim().is_empty() {
            parts.push(format!("Mã đơn vị: {}", self.unit_code.trim()));
        }
        parts.push(format!("mã số thuế: {}", self.tax_code.trim()));
        if !self.address.trim().is_empty() {
            parts.push(format!("địa chỉ: {}", self.address.trim()));
        }
        let s = parts.join("; ");
        let mut c = s.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => s,
        }
    }
}

/// One piece of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A bold heading, e.g. "I. KẾT QUẢ THỰC HIỆN".
    Heading(String),
    /// A justified paragraph with a first-line indent. A `\n` starts a new paragraph.
    Paragraph(String),
    /// A bordered table.
    Table(Table),
}

/// A bordered table; its header row repeats on every page it spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text (bold, centred, wraps).
    pub header: String,
    /// Width on paper; all columns together must fit in the 165 mm text area.
    pub width_mm: f32,
    /// Alignment of the body cells.
    pub align: Align,
}

/// Horizontal alignment of text in a cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
    /// Both edges flush; the last line of the cell is left-aligned.
    Justify,
}

/// A table row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// One text per column. A group row may have a single cell.
    pub cells: Vec<String>,
    /// A section row: bold, its first cell spans all columns.
    pub group: bool,
}

impl Row {
    /// An ordinary row.
    pub fn new<S: Into<String>>(cells: impl IntoIterator<Item = S>) -> Self {
        Row {
            cells: cells.into_iter().map(Into::into).collect(),
            group: false,
        }
    }

    /// A section row whose text spans the whole table.
    pub fn group(text: impl Into<String>) -> Self {
        Row {
            cells: vec![text.into()],
            group: true,
        }
    }
}

/// The place and date line of Decree 30/2020: "Hòa Bình, ngày 05 tháng 01 năm 2024".
///
/// Days below 10 and the months January and February take a leading zero (so that
/// nothing can be written in front of them); other months do not.
pub fn date_line(place: &str, date: NaiveDate) -> String {
    let month = date.month();
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}

/// The applicant's phone and e-mail as one line of a form, or nothing when neither is known.
pub(crate) fn contact_line(phone: &str, email: &str) -> Option<String> {
    match (phone.trim(), email.trim()) {
        ("", "") => None,
        (ph, "") => Some(format!("Số điện thoại: {ph}")),
        ("", em) => Some(format!("Thư điện tử: {em}")),
        (ph, em) => Some(format!("Số điện thoại: {ph}    Thư điện tử: {em}")),
    }
}

/// Check what both renderers rely on, so that neither can panic or overflow a page.
pub(crate) fn validate(doc: &ReportDoc) -> Result<(), ReportError> {
    let min_mm = 2.0 * CELL_PAD_X_MM + 2.0;
    for (t, table) in tables(doc).enumerate() {
        let table_no = t + 1;
        if table.columns.is_empty() {
            return Err(ReportError::NoColumns { table: table_no });
        }
        for (c, col) in table.columns.iter().enumerate() {
            if !col.width_mm.is_finite() || col.width_mm < min_mm {
                return Err(ReportError::ColumnWidth {
                    table: table_no,
                    column: c + 1,
                    width_mm: col.width_mm,
                    min_mm,
                });
            }
        }
        let width_mm: f32 = table.columns.iter().map(|c| c.width_mm).sum();
        if width_mm > TEXT_WIDTH_MM + 0.01 {
            return Err(ReportError::TableTooWide {
                table: table_no,
                width_mm,
                available_mm: TEXT_WIDTH_MM,
            });
        }
        let expected = table.columns.len();
        for (r, row) in table.rows.iter().enumerate() {
            let found = row.cells.len();
            let ok = found == expected || (row.group && found == 1);
            if !ok {
                return Err(ReportError::RowCells {
                    table: table_no,
                    row: r + 1,
                    expected,
                    found,
                });
            }
        }
    }
    Ok(())
}

/// The tables of the body, in order.
pub(crate) fn tables(doc: &ReportDoc) -> impl Iterator<Item = &Table> {
    doc.blocks.iter().filter_map(|b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    })
}

/// NFC form of a text: fonts have glyphs for precomposed letters, and nothing here shapes
/// combining marks.
pub(crate) fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// NFC, upper-case form (Vietnamese upper-cases per Unicode: "đ" → "Đ").
pub(crate) fn nfc_upper(s: &str) -> String {
    nfc(&s.to_uppercase())
}

impl ReportDoc {
    /// A copy with every text NFC-normalised.
    pub(crate) fn normalized(&self) -> ReportDoc {
        let block = |b: &Block| match b {
            Block::Heading(s) => Block::Heading(nfc(s)),
            Block::Paragraph(s) => Block::Paragraph(nfc(s)),
            Block::Table(t) => Block::Table(Table {
                columns: t
                    .columns
                    .iter()
                    .map(|c| Column {
                        header: nfc(&c.header),
                        ..c.clone()
                    })
                    .collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| Row {
                        cells: r.cells.iter().map(|s| nfc(s)).collect(),
                        group: r.group,
                    })
                    .collect(),
            }),
        };
        ReportDoc {
            parent_agency: nfc(&self.parent_agency),
            agency: nfc(&self.agency),
            number_line: nfc(&self.number_line),
            place: nfc(&self.place),
            date: self.date,
            title: nfc(&self.title),
            subject: nfc(&self.subject),
            addressee: self.addressee.iter().map(|s| nfc(s)).collect(),
            blocks: self.blocks.iter().map(block).collect(),
            recipients: self.recipients.iter().map(|s| nfc(s)).collect(),
            signer_authority: self.signer_authority.as_deref().map(nfc),
            signer_title: nfc(&self.signer_title),
            signer_name: nfc(&self.signer_name),
            created: self.created,
            pdf_title: nfc(&self.pdf_title),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn date_line_pads_day_and_first_two_months_only() {
        assert_eq!(
            date_line("Hòa Bình", d(2024, 1, 5)),
            "Hòa Bình, ngày 05 tháng 01 năm 2024"
        );
        assert_eq!(
            date_line("Hà Nội", d(2024, 3, 15)),
            "Hà Nội, ngày 15 tháng 3 năm 2024"
        );
        assert_eq!(
            date_line("Hà Nội", d(2024, 2, 9)),
            "Hà Nội, ngày 09 tháng 02 năm 2024"
        );
        assert_eq!(
            date_line("Hà Nội", d(2024, 12, 31)),
            "Hà Nội, ngày 31 tháng 12 năm 2024"
        );
        assert_eq!(
            date_line("Hà Nội", d(2024, 10, 1)),
            "Hà Nội, ngày 01 tháng 10 năm 2024"
        );
    }

    #[test]
    fn normalized_turns_decomposed_text_into_nfc() {
        let doc = ReportDoc {
            place: "Ho\u{0300}a Bi\u{0300}nh".into(),
            ..Default::default()
        };
        assert_eq!(doc.normalized().place, "Hòa Bình");
        assert_eq!(
            nfc_upper("bảo hiểm xã hội tỉnh hòa bình, đề án"),
            "BẢO HIỂM XÃ HỘI TỈNH HÒA BÌNH, ĐỀ ÁN"
        );
    }
}
