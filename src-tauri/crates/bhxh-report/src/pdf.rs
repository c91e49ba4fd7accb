//! PDF output: the page layout of Decree 30/2020 drawn with printpdf's operation lists.
//!
//! printpdf neither wraps nor justifies, so every line and every word is placed here, at an
//! absolute position (text matrix). Justified lines are drawn word by word: the PDF word
//! spacing operator does not apply to the two-byte (CID) fonts the embedded faces become.

use chrono::{Datelike, Timelike};
use printpdf::{FontId, Op, PdfDocument, PdfPage, PdfParseErrorSeverity, PdfSaveOptions};

use crate::canvas::{Placed, rule_ops, text_ops};

use crate::fonts::{Face, FaceData, FontSet};
use crate::layout::{
    CELL_PAD_X_MM, Line, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM, MARGIN_TOP_MM,
    PAGE_HEIGHT_MM, PAGE_WIDTH_MM, mm, wrap,
};
use crate::model::{Align, Block, ReportDoc, Row, Table, date_line, nfc_upper, validate};
use crate::{NATIONAL_MOTTO, NATIONAL_NAME, RECIPIENTS_LABEL, ReportError};

/// Body text size.
const BODY_PT: f32 = 14.0;
/// Header lines of the left column and the national name.
const HEADER_PT: f32 = 13.0;
/// Table text size.
const TABLE_PT: f32 = 12.0;
/// "Nơi nhận:" and the recipient list.
const RECIPIENTS_LABEL_PT: f32 = 12.0;
const RECIPIENTS_PT: f32 = 11.0;
/// Page number in the top margin.
const PAGE_NO_PT: f32 = 13.0;
/// Line height as a multiple of the font size.
const LINE_SPACING: f32 = 1.2;
/// Baseline distance below the top of a line box, as a multiple of the font size: a bit
/// more than the font's ascender (0.891 em), so that glyph boxes stay inside the line box.
const BASELINE_DROP: f32 = 0.95;
/// First-line indent of body paragraphs (1.27 cm).
const INDENT_MM: f32 = 12.7;
/// Space after a body paragraph.
const PARA_GAP_PT: f32 = 4.0;
/// Vertical padding inside a table cell.
const CELL_PAD_Y_PT: f32 = 3.0;
/// Stroke width of table borders and header rules.
const RULE_PT: f32 = 0.5;
/// Distance from the bottom of a header line box down to the rule under it.
const RULE_GAP_PT: f32 = 1.5;
/// Blank space left for the signature and seal.
const SIGNATURE_SPACE_MM: f32 = 25.0;

fn page_width() -> f32 {
    mm(PAGE_WIDTH_MM)
}
fn page_height() -> f32 {
    mm(PAGE_HEIGHT_MM)
}
fn left() -> f32 {
    mm(MARGIN_LEFT_MM)
}
fn right() -> f32 {
    page_width() - mm(MARGIN_RIGHT_MM)
}
fn text_width() -> f32 {
    right() - left()
}
fn top() -> f32 {
    page_height() - mm(MARGIN_TOP_MM)
}
fn bottom() -> f32 {
    mm(MARGIN_BOTTOM_MM)
}

/// Render a report as PDF bytes (A4 portrait, Liberation Serif embedded).
pub fn render_pdf(doc: &ReportDoc) -> Result<Vec<u8>, ReportError> {
    validate(doc)?;
    let doc = doc.normalized();
    let fonts = FontSet::get()?;

    let mut pdf = PdfDocument::new(&doc.pdf_title);
    let ids: Vec<FontId> = Face::ALL
        .iter()
        .map(|f| pdf.add_font(&fonts.face(*f).parsed))
        .collect();

    let mut w = Writer {
        fonts,
        ids,
        pages: Vec::new(),
        y: 0.0,
        tables: 0,
    };
    w.new_page();
    w.header(&doc);
    w.title(&doc);
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => w.paragraph(text, Face::Bold, true),
            Block::Paragraph(text) => w.paragraph(text, Face::Regular, false),
            Block::Table(table) => w.table(table)?,
        }
    }
    w.closing(&doc);
    w.page_numbers();

    let pages = w
        .pages
        .into_iter()
        .map(|ops| {
            PdfPage::new(
                printpdf::Mm(PAGE_WIDTH_MM),
                printpdf::Mm(PAGE_HEIGHT_MM),
                ops,
            )
        })
        .collect();
    pdf.with_pages(pages);

    let info = &mut pdf.metadata.info;
    let created = pdf_date(&doc.created);
    info.creation_date = created;
    info.modification_date = created;
    info.metadata_date = created;
    info.producer = "BHXH Desk".to_string();
    info.creator = "BHXH Desk".to_string();
    info.subject = doc.subject.clone();

    let mut warnings = Vec::new();
    let bytes = pdf.save(&PdfSaveOptions::default(), &mut warnings);
    let errors: Vec<String> = warnings
        .iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg.clone())
        .collect();
    if !errors.is_empty() {
        return Err(ReportError::Pdf(errors.join("; ")));
    }
    Ok(bytes)
}

/// printpdf writes every date as UTC ("+00'00'"), so hand it the instant in UTC.
pub(crate) fn pdf_date(t: &chrono::DateTime<chrono::FixedOffset>) -> printpdf::OffsetDateTime {
    let t = t.with_timezone(&chrono::Utc);
    printpdf::OffsetDateTime::new_in_offset(
        printpdf::Date {
            year: t.year(),
            month: t.month() as u8,
            day: t.day() as u8,
        },
        printpdf::Time {
            hour: t.hour() as u8,
            minute: t.minute() as u8,
            second: t.second() as u8,
            millisecond: 0,
        },
        printpdf::Offset {
            hours: 0,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    )
}

/// A table row broken into lines, one list per column (a group row has one list).
struct PreparedRow {
    cells: Vec<Vec<Line>>,
    face: Face,
    group: bool,
    header: bool,
}

impl PreparedRow {
    fn line_count(&self) -> usize {
        self.cells.iter().map(Vec::len).max().unwrap_or(0).max(1)
    }
}

/// Lays out pages top to bottom; `y` is the top of the free space on the current page.
struct Writer<'f> {
    fonts: &'f FontSet,
    ids: Vec<FontId>,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Tables laid out so far (for error messages).
    tables: usize,
}

impl Writer<'_> {
    fn face(&self, face: Face) -> &FaceData {
        self.fonts.face(face)
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = top();
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Make sure `height` points are free on this page, starting a new page if not.
    fn reserve(&mut self, height: f32) {
        if self.y - height < bottom() && self.y < top() {
            self.new_page();
        }
    }

    /// Draw texts in one face and size, each at its own absolute position.
    fn draw(&mut self, face: Face, size: f32, items: &[Placed<'_>]) {
        let ops = text_ops(&self.ids[face.index()], size, items);
        self.ops().extend(ops);
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.ops().extend(rule_ops(x1, y1, x2, y2, RULE_PT));
    }

    /// Texts of one line, placed in `[x, x + width]` with the given alignment.
    fn place_line<'l>(
        line: &'l Line,
        face: &FaceData,
        size: f32,
        x: f32,
        width: f32,
        baseline: f32,
        align: Align,
    ) -> Vec<Placed<'l>> {
        let space = face.width(" ", size);
        let x = x + line.indent;
        let width = width - line.indent;
        let natural = line.natural_width(space);
        let gaps = line.words.len().saturating_sub(1);
        let (start, gap) = match align {
            Align::Justify if !line.last && gaps > 0 => {
                let words: f32 = line.words.iter().map(|w| w.width).sum();
                (x, (width - words) / gaps as f32)
            }
            Align::Justify | Align::Left => (x, space),
            Align::Center => (x + (width - natural) / 2.0, space),
            Align::Right => (x + width - natural, space),
        };
        let mut out = Vec::with_capacity(line.words.len());
        let mut cx = start;
        for word in &line.words {
            out.push(Placed {
                x: cx,
                baseline,
                text: &word.text,
            });
            cx += word.width + gap;
        }
        out
    }

    /// Centred lines of one face in a column; returns the y below them.
    fn centred_block(
        &mut self,
        text: &str,
        face: Face,
        size: f32,
        x: f32,
        width: f32,
        mut y: f32,
    ) -> f32 {
        let lines = wrap(self.face(face), size, text, width, 0.0);
        let lh = size * LINE_SPACING;
        let mut placed = Vec::new();
        for line in &lines {
            let baseline = y - size * BASELINE_DROP;
            placed.extend(Self::place_line(
                line,
                self.face(face),
                size,
                x,
                width,
                baseline,
                Align::Center,
            ));
            y -= lh;
        }
        self.draw(face, size, &placed);
        y
    }

    /// Two-column header: agency on the left, national name and motto on the right.
    fn header(&mut self, doc: &ReportDoc) {
        let bold = self.face(Face::Bold);
        let date = date_line(&doc.place, doc.date);
        let right_natural = [
            bold.width(NATIONAL_NAME, HEADER_PT),
            bold.width(NATIONAL_MOTTO, BODY_PT),
            self.face(Face::Italic).width(&date, BODY_PT),
        ]
        .into_iter()
        .fold(0.0_f32, f32::max);
        let gap = mm(3.0);
        let right_w = (right_natural + mm(1.0)).min(text_width() * 0.62);
        let left_w = text_width() - right_w - gap;
        let (lx, rx) = (left(), right() - right_w);
        let top_y = self.y;

        // Left column.
        let mut ly = self.centred_block(
            &nfc_upper(&doc.parent_agency),
            Face::Regular,
            HEADER_PT,
            lx,
            left_w,
            top_y,
        );
        let agency = nfc_upper(&doc.agency);
        let agency_lines = wrap(self.face(Face::Bold), HEADER_PT, &agency, left_w, 0.0);
        let agency_w = agency_lines
            .iter()
            .map(|l| l.natural_width(self.face(Face::Bold).width(" ", HEADER_PT)))
            .fold(0.0_f32, f32::max);
        ly = self.centred_block(&agency, Face::Bold, HEADER_PT, lx, left_w, ly);
        let short = (agency_w * 0.4).max(mm(15.0));
        let rule_y = ly - RULE_GAP_PT;
        self.rule(
            lx + (left_w - short) / 2.0,
            rule_y,
            lx + (left_w + short) / 2.0,
            rule_y,
        );

        // Right column.
        let mut ry = self.centred_block(NATIONAL_NAME, Face::Bold, HEADER_PT, rx, right_w, top_y);
        let motto_w = self.face(Face::Bold).width(NATIONAL_MOTTO, BODY_PT);
        ry = self.centred_block(NATIONAL_MOTTO, Face::Bold, BODY_PT, rx, right_w, ry);
        let rule_y = ry - RULE_GAP_PT;
        let motto_x = rx + (right_w - motto_w.min(right_w)) / 2.0;
        self.rule(motto_x, rule_y, motto_x + motto_w.min(right_w), rule_y);

        // Number and date share a baseline, under both rules.
        let y = ly.min(ry) - RULE_GAP_PT - 6.0;
        // Same baseline for the 13 pt number and the 14 pt date.
        let num_y = y - (BODY_PT - HEADER_PT) * BASELINE_DROP;
        let ly = self.centred_block(
            &doc.number_line,
            Face::Regular,
            HEADER_PT,
            lx,
            left_w,
            num_y,
        );
        let ry = self.centred_block(&date, Face::Italic, BODY_PT, rx, right_w, y);
        self.y = ly.min(ry);
    }

    fn title(&mut self, doc: &ReportDoc) {
        let y = self.y - 18.0;
        let y = self.centred_block(
            &nfc_upper(&doc.title),
            Face::Bold,
            BODY_PT,
            left(),
            text_width(),
            y,
        );
        self.y = self.centred_block(&doc.subject, Face::Bold, BODY_PT, left(), text_width(), y);
        self.y -= 14.0;
    }

    /// A justified body paragraph (or heading) with the first-line indent.
    fn paragraph(&mut self, text: &str, face: Face, heading: bool) {
        let lines = wrap(self.face(face), BODY_PT, text, text_width(), mm(INDENT_MM));
        let lh = BODY_PT * LINE_SPACING;
        // Keep a heading with at least two lines of what follows.
        let keep = if heading { 2.0 * lh } else { 0.0 };
        self.reserve(lh + keep);
        for line in &lines {
            self.reserve(lh);
            let baseline = self.y - BODY_PT * BASELINE_DROP;
            let placed = Self::place_line(
                line,
                self.face(face),
                BODY_PT,
                left(),
                text_width(),
                baseline,
                Align::Justify,
            );
            self.draw(face, BODY_PT, &placed);
            self.y -= lh;
        }
        self.y -= PARA_GAP_PT;
    }

    fn prepare_row(&self, table: &Table, row: &Row) -> PreparedRow {
        let pad = mm(CELL_PAD_X_MM);
        if row.group {
            let width: f32 = table.columns.iter().map(|c| mm(c.width_mm)).sum();
            let text = row.cells.first().map(String::as_str).unwrap_or("");
            PreparedRow {
                cells: vec![wrap(
                    self.face(Face::Bold),
                    TABLE_PT,
                    text,
                    width - 2.0 * pad,
                    0.0,
                )],
                face: Face::Bold,
                group: true,
                header: false,
            }
        } else {
            let cells = table
                .columns
                .iter()
                .zip(&row.cells)
                .map(|(col, text)| {
                    wrap(
                        self.face(Face::Regular),
                        TABLE_PT,
                        text,
                        mm(col.width_mm) - 2.0 * pad,
                        0.0,
                    )
                })
                .collect();
            PreparedRow {
                cells,
                face: Face::Regular,
                group: false,
                header: false,
            }
        }
    }

    fn prepare_header(&self, table: &Table) -> PreparedRow {
        let pad = mm(CELL_PAD_X_MM);
        let cells = table
            .columns
            .iter()
            .map(|col| {
                wrap(
                    self.face(Face::Bold),
                    TABLE_PT,
                    &col.header,
                    mm(col.width_mm) - 2.0 * pad,
                    0.0,
                )
            })
            .collect();
        PreparedRow {
            cells,
            face: Face::Bold,
            group: false,
            header: true,
        }
    }

    fn row_height(lines: usize) -> f32 {
        lines as f32 * TABLE_PT * LINE_SPACING + 2.0 * CELL_PAD_Y_PT
    }

    /// Draw lines `from..from + count` of every cell of a row at the current y, with borders.
    fn draw_row(&mut self, table: &Table, x0: f32, row: &PreparedRow, from: usize, count: usize) {
        let pad = mm(CELL_PAD_X_MM);
        let lh = TABLE_PT * LINE_SPACING;
        let height = Self::row_height(count);
        let top_y = self.y;
        let widths: Vec<f32> = if row.group {
            vec![table.columns.iter().map(|c| mm(c.width_mm)).sum()]
        } else {
            table.columns.iter().map(|c| mm(c.width_mm)).collect()
        };
        let mut placed = Vec::new();
        let mut x = x0;
        for (i, (lines, w)) in row.cells.iter().zip(&widths).enumerate() {
            let align = if row.header {
                Align::Center
            } else if row.group {
                Align::Left
            } else {
                table.columns.get(i).map(|c| c.align).unwrap_or_default()
            };
            // A header cell is centred vertically in its row.
            let shift = if row.header {
                (row.line_count().saturating_sub(lines.len())) as f32 * lh / 2.0
            } else {
                0.0
            };
            for (k, line) in lines.iter().skip(from).take(count).enumerate() {
                let baseline =
                    top_y - CELL_PAD_Y_PT - shift - k as f32 * lh - TABLE_PT * BASELINE_DROP;
                placed.extend(Self::place_line(
                    line,
                    self.face(row.face),
                    TABLE_PT,
                    x + pad,
                    w - 2.0 * pad,
                    baseline,
                    align,
                ));
            }
            x += w;
        }
        self.draw(row.face, TABLE_PT, &placed);

        let bottom_y = top_y - height;
        let x_end = x0 + widths.iter().sum::<f32>();
        self.rule(x0, top_y, x_end, top_y);
        self.rule(x0, bottom_y, x_end, bottom_y);
        let mut x = x0;
        self.rule(x, top_y, x, bottom_y);
        for w in &widths {
            x += w;
            self.rule(x, top_y, x, bottom_y);
        }
        self.y = bottom_y;
    }

    /// A table whose header row repeats on each page; a row moves whole to the next page
    /// unless it is taller than a page, in which case it is split between lines.
    fn table(&mut self, table: &Table) -> Result<(), ReportError> {
        self.tables += 1;
        let table_w: f32 = table.columns.iter().map(|c| mm(c.width_mm)).sum();
        let x0 = left() + (text_width() - table_w).max(0.0) / 2.0;
        let header = self.prepare_header(table);
        let header_h = Self::row_height(header.line_count());
        let rows: Vec<PreparedRow> = table
            .rows
            .iter()
            .map(|r| self.prepare_row(table, r))
            .collect();
        let first_h = rows
            .first()
            .map(|r| Self::row_height(r.line_count()))
            .unwrap_or(0.0);
        let page_room = top() - bottom() - header_h;
        if page_room < Self::row_height(1) {
            return Err(ReportError::HeaderTooTall { table: self.tables });
        }

        self.reserve(header_h + first_h.min(page_room));
        self.draw_row(table, x0, &header, 0, header.line_count());
        for (i, row) in rows.iter().enumerate() {
            let lines = row.line_count();
            let h = Self::row_height(lines);
            // A section row stays with the first row of its section.
            let keep = match rows.get(i + 1) {
                Some(next) if row.group => Self::row_height(next.line_count()),
                _ => 0.0,
            };
            let fits = self.y - h >= bottom();
            if fits && (self.y - h - keep >= bottom() || h + keep > page_room) {
                self.draw_row(table, x0, row, 0, lines);
                continue;
            }
            if h <= page_room {
                self.new_page();
                self.draw_row(table, x0, &header, 0, header.line_count());
                self.draw_row(table, x0, row, 0, lines);
                continue;
            }
            // Taller than a page: split between lines, header repeated on each page.
            let lh = TABLE_PT * LINE_SPACING;
            // `fresh`: a page was just started; if even then no line fits (a header taller
            // than the page), one line per page overflows rather than looping for ever.
            let mut from = 0;
            let mut fresh = false;
            while from < lines {
                let room = ((self.y - bottom() - 2.0 * CELL_PAD_Y_PT) / lh).floor();
                let fit = match room {
                    r if r >= 1.0 => r as usize,
                    _ if fresh => 1,
                    _ => 0,
                };
                if fit == 0 {
                    self.new_page();
                    self.draw_row(table, x0, &header, 0, header.line_count());
                    fresh = true;
                    continue;
                }
                let count = fit.min(lines - from);
                self.draw_row(table, x0, row, from, count);
                from += count;
                if from < lines {
                    self.new_page();
                    self.draw_row(table, x0, &header, 0, header.line_count());
                    fresh = true;
                }
            }
        }
        self.y -= 10.0;
        Ok(())
    }

    /// "Nơi nhận:" on the left half, the signer block centred in the right half.
    fn closing(&mut self, doc: &ReportDoc) {
        let half = text_width() / 2.0;
        let (lx, rx) = (left(), left() + half);

        let label_lines = wrap(
            self.face(Face::BoldItalic),
            RECIPIENTS_LABEL_PT,
            RECIPIENTS_LABEL,
            half,
            0.0,
        );
        let recipient_lines: Vec<Line> = doc
            .recipients
            .iter()
            .flat_map(|r| wrap(self.face(Face::Regular), RECIPIENTS_PT, r, half - 6.0, 0.0))
            .collect();
        let left_h = label_lines.len() as f32 * RECIPIENTS_LABEL_PT * LINE_SPACING
            + recipient_lines.len() as f32 * RECIPIENTS_PT * LINE_SPACING;

        let mut signer_top: Vec<String> = Vec::new();
        if let Some(a) = &doc.signer_authority {
            signer_top.push(nfc_upper(a));
        }
        signer_top.push(nfc_upper(&doc.signer_title));
        let bold = self.face(Face::Bold);
        let top_lines: usize = signer_top
            .iter()
            .map(|s| wrap(bold, BODY_PT, s, half, 0.0).len())
            .sum();
        let name_lines = wrap(bold, BODY_PT, &doc.signer_name, half, 0.0).len();
        let right_h =
            (top_lines + name_lines) as f32 * BODY_PT * LINE_SPACING + mm(SIGNATURE_SPACE_MM);

        self.y -= 6.0;
        self.reserve(left_h.max(right_h));
        let start = self.y;

        // Left: recipients.
        let mut y = start;
        let mut placed = Vec::new();
        for line in &label_lines {
            let baseline = y - RECIPIENTS_LABEL_PT * BASELINE_DROP;
            placed.extend(Self::place_line(
                line,
                self.face(Face::BoldItalic),
                RECIPIENTS_LABEL_PT,
                lx,
                half,
                baseline,
                Align::Left,
            ));
            y -= RECIPIENTS_LABEL_PT * LINE_SPACING;
        }
        self.draw(Face::BoldItalic, RECIPIENTS_LABEL_PT, &placed);
        let mut placed = Vec::new();
        for line in &recipient_lines {
            let baseline = y - RECIPIENTS_PT * BASELINE_DROP;
            placed.extend(Self::place_line(
                line,
                self.face(Face::Regular),
                RECIPIENTS_PT,
                lx,
                half,
                baseline,
                Align::Left,
            ));
            y -= RECIPIENTS_PT * LINE_SPACING;
        }
        self.draw(Face::Regular, RECIPIENTS_PT, &placed);
        let left_end = y;

        // Right: signer.
        let mut y = start;
        for line in &signer_top {
            y = self.centred_block(line, Face::Bold, BODY_PT, rx, half, y);
        }
        y -= mm(SIGNATURE_SPACE_MM);
        y = self.centred_block(&doc.signer_name, Face::Bold, BODY_PT, rx, half, y);
        self.y = y.min(left_end);
    }

    /// Page numbers centred in the top margin, from page 2 on.
    fn page_numbers(&mut self) {
        let regular = self.fonts.face(Face::Regular);
        let font = self.ids[Face::Regular.index()].clone();
        let baseline = page_height() - mm(12.0);
        let mid = left() + text_width() / 2.0;
        for (i, ops) in self.pages.iter_mut().enumerate().skip(1) {
            let number = (i + 1).to_string();
            let x = mid - regular.width(&number, PAGE_NO_PT) / 2.0;
            // First in the content stream, so text extraction reads it first, as a person does.
            let number_ops = text_ops(
                &font,
                PAGE_NO_PT,
                &[Placed {
                    x,
                    baseline,
                    text: &number,
                }],
            );
            ops.splice(0..0, number_ops);
        }
    }
}
