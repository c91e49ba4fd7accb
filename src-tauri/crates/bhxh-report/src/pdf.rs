//! PDF output: the page layout of Decree 30/2020 drawn with printpdf's operation lists.
//!
//! printpdf neither wraps nor justifies, so every line and every word is placed here, at an
//! absolute position (text matrix). Justified lines are drawn word by word: the PDF word
//! spacing operator does not apply to the two-byte (CID) fonts the embedded faces become.

use printpdf::{FontId, Op};

use crate::canvas::{Placed, black_boxes_ops, new_document, rule_ops, save_document, text_ops};

use crate::fonts::{Face, FaceData, FontSet};
use crate::layout::{CELL_PAD_X_MM, Geometry, Line, mm, wrap};
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
const PARA_GAP_PT: f32 = 6.0;
/// Vertical padding inside a table cell.
const CELL_PAD_Y_PT: f32 = 3.0;
/// Stroke width of table borders and header rules.
const RULE_PT: f32 = 0.5;
/// Distance from the bottom of a header line box down to the rule under it.
const RULE_GAP_PT: f32 = 1.5;
/// Blank space left for the signature and seal.
const SIGNATURE_SPACE_MM: f32 = 25.0;

/// Render a report as PDF bytes (A4 portrait, Liberation Serif embedded).
pub fn render_pdf(doc: &ReportDoc) -> Result<Vec<u8>, ReportError> {
    validate(doc)?;
    let doc = doc.normalized();
    let (pdf, fonts, ids) = new_document(&doc.pdf_title)?;
    let mut w = Writer::new(fonts, ids, Geometry::A4_PORTRAIT, TABLE_PT);
    w.header(&Header {
        parent_agency: &doc.parent_agency,
        agency: &doc.agency,
        number_line: &doc.number_line,
        date_line: &date_line(&doc.place, doc.date),
    });
    w.title(&doc.title, &doc.subject);
    w.addressee(&doc.addressee);
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => w.paragraph(text, Face::Bold, true),
            Block::Paragraph(text) => w.paragraph(text, Face::Regular, false),
            Block::Table(table) => w.table(table)?,
        }
    }
    w.closing(&doc);
    w.page_numbers();
    w.save(pdf, &doc.created, &doc.subject)
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

/// The two-column header of Decree 30/2020 (texts already NFC).
pub(crate) struct Header<'t> {
    /// Left column, caps: the parent agency.
    pub(crate) parent_agency: &'t str,
    /// Left column, caps, bold, a short rule under it: the issuing agency or unit.
    pub(crate) agency: &'t str,
    /// Under the left column ("Số: …"); may be empty.
    pub(crate) number_line: &'t str,
    /// Under the motto, italic ("Hà Nam, ngày 05 tháng 01 năm 2024").
    pub(crate) date_line: &'t str,
}

/// A signature block: title lines (bold caps), an italic note such as "(Ký và
/// ghi rõ họ tên)", space to sign, then the name in bold.
pub(crate) struct Signer<'t> {
    pub(crate) top: Vec<String>,
    pub(crate) note: Option<&'t str>,
    pub(crate) name: &'t str,
}

/// Lays out pages top to bottom; `y` is the top of the free space on the current page.
/// Reports and the one-stop forms other than the receipt are written with it.
pub(crate) struct Writer<'f> {
    fonts: &'f FontSet,
    ids: Vec<FontId>,
    geo: Geometry,
    table_pt: f32,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Tables laid out so far (for error messages).
    tables: usize,
}

impl<'f> Writer<'f> {
    /// A writer on the first page of `geo`, tables set at `table_pt`.
    pub(crate) fn new(fonts: &'f FontSet, ids: Vec<FontId>, geo: Geometry, table_pt: f32) -> Self {
        let mut w = Writer {
            fonts,
            ids,
            geo,
            table_pt,
            pages: Vec::new(),
            y: 0.0,
            tables: 0,
        };
        w.new_page();
        w
    }

    /// The pages into the document, saved.
    pub(crate) fn save(
        self,
        pdf: printpdf::PdfDocument,
        created: &chrono::DateTime<chrono::FixedOffset>,
        subject: &str,
    ) -> Result<Vec<u8>, ReportError> {
        let size = (self.geo.width_mm, self.geo.height_mm);
        save_document(pdf, self.pages, size, created, subject)
    }

    fn face(&self, face: Face) -> &FaceData {
        self.fonts.face(face)
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.geo.top();
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
        if self.y - height < self.geo.bottom() && self.y < self.geo.top() {
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

    /// The Art. 26 QR code on the first page: in the left margin beside the
    /// header when the margin holds it (A4 portrait, 30 mm), else above the
    /// header at the text's left edge.
    pub(crate) fn qr_mark(&mut self, text: &str) -> Result<(), ReportError> {
        const SIDE_MM: f32 = 25.0;
        if self.geo.left_mm >= SIDE_MM + 4.0 {
            let x = mm((self.geo.left_mm - SIDE_MM) / 2.0);
            let top = self.geo.page_height() - mm(3.0);
            let boxes = crate::qr::qr_boxes(text, x, top, mm(SIDE_MM))?;
            self.ops().extend(black_boxes_ops(&boxes));
        } else {
            let boxes = crate::qr::qr_boxes(text, self.geo.left(), self.y, mm(SIDE_MM))?;
            self.ops().extend(black_boxes_ops(&boxes));
            self.y -= mm(SIDE_MM + 2.0);
        }
        Ok(())
    }

    /// The form's number and source, small and italic, flush right in the
    /// top margin of the first page ("Mẫu số 01 – Thông tư 03/2025/TT-VPCP").
    pub(crate) fn form_label(&mut self, label: &str) {
        const LABEL_PT: f32 = 10.0;
        let italic = self.face(Face::Italic);
        let x = self.geo.right() - italic.width(label, LABEL_PT);
        let baseline = self.geo.page_height() - mm(10.0);
        let font = self.ids[Face::Italic.index()].clone();
        let ops = text_ops(
            &font,
            LABEL_PT,
            &[Placed {
                x,
                baseline,
                text: label,
            }],
        );
        self.ops().extend(ops);
    }

    /// Two-column header: agency on the left, national name and motto on the right.
    pub(crate) fn header(&mut self, doc: &Header<'_>) {
        let bold = self.face(Face::Bold);
        let date = doc.date_line;
        let right_natural = [
            bold.width(NATIONAL_NAME, HEADER_PT),
            bold.width(NATIONAL_MOTTO, BODY_PT),
            self.face(Face::Italic).width(date, BODY_PT),
        ]
        .into_iter()
        .fold(0.0_f32, f32::max);
        let gap = mm(3.0);
        let right_w = (right_natural + mm(1.0)).min(self.geo.text_width() * 0.62);
        let left_w = self.geo.text_width() - right_w - gap;
        let (lx, rx) = (self.geo.left(), self.geo.right() - right_w);
        let top_y = self.y;

        // Left column.
        let mut ly = self.centred_block(
            &nfc_upper(doc.parent_agency),
            Face::Regular,
            HEADER_PT,
            lx,
            left_w,
            top_y,
        );
        let agency = nfc_upper(doc.agency);
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
        let ly = self.centred_block(doc.number_line, Face::Regular, HEADER_PT, lx, left_w, num_y);
        let ry = self.centred_block(date, Face::Italic, BODY_PT, rx, right_w, y);
        self.y = ly.min(ry);
    }

    /// The title in caps and the subject under it, both bold and centred.
    pub(crate) fn title(&mut self, title: &str, subject: &str) {
        let y = self.y - 18.0;
        let y = self.centred_block(
            &nfc_upper(title),
            Face::Bold,
            BODY_PT,
            self.geo.left(),
            self.geo.text_width(),
            y,
        );
        self.y = self.centred_block(
            subject,
            Face::Bold,
            BODY_PT,
            self.geo.left(),
            self.geo.text_width(),
            y,
        );
        // A rule under the subject, 40 % of its widest line (Decree 30:
        // between a third and a half).
        let widest = wrap(
            self.face(Face::Bold),
            BODY_PT,
            subject,
            self.geo.text_width(),
            0.0,
        )
        .iter()
        .map(|l| l.natural_width(self.face(Face::Bold).width(" ", BODY_PT)))
        .fold(0.0_f32, f32::max);
        if widest > 0.0 {
            let short = widest * 0.4;
            let mid = self.geo.left() + self.geo.text_width() / 2.0;
            let rule_y = self.y - RULE_GAP_PT;
            self.rule(mid - short / 2.0, rule_y, mid + short / 2.0, rule_y);
            self.y = rule_y;
        }
        self.y -= 14.0;
    }

    /// "Kính gửi: …" under the title, centred, one line per addressee.
    pub(crate) fn addressee(&mut self, lines: &[String]) {
        match lines {
            [] => {}
            [one] => {
                self.y = self.centred_block(
                    &format!("Kính gửi: {one}"),
                    Face::Regular,
                    BODY_PT,
                    self.geo.left(),
                    self.geo.text_width(),
                    self.y,
                );
                self.y -= PARA_GAP_PT;
            }
            many => {
                self.y = self.centred_block(
                    "Kính gửi:",
                    Face::Regular,
                    BODY_PT,
                    self.geo.left(),
                    self.geo.text_width(),
                    self.y,
                );
                for l in many {
                    self.paragraph_indented(
                        &format!("- {l};"),
                        Face::Regular,
                        false,
                        mm(INDENT_MM * 2.0),
                    );
                }
            }
        }
    }

    /// A justified body paragraph (or heading) with the first-line indent.
    fn paragraph(&mut self, text: &str, face: Face, heading: bool) {
        self.paragraph_indented(text, face, heading, mm(INDENT_MM));
    }

    /// A justified paragraph whose first line is indented by `indent` points.
    pub(crate) fn paragraph_indented(
        &mut self,
        text: &str,
        face: Face,
        heading: bool,
        indent: f32,
    ) {
        let lines = wrap(
            self.face(face),
            BODY_PT,
            text,
            self.geo.text_width(),
            indent,
        );
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
                self.geo.left(),
                self.geo.text_width(),
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
                    self.table_pt,
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
                        self.table_pt,
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
                    self.table_pt,
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

    fn row_height(&self, lines: usize) -> f32 {
        lines as f32 * self.table_pt * LINE_SPACING + 2.0 * CELL_PAD_Y_PT
    }

    /// Draw lines `from..from + count` of every cell of a row at the current y, with borders.
    fn draw_row(&mut self, table: &Table, x0: f32, row: &PreparedRow, from: usize, count: usize) {
        let pad = mm(CELL_PAD_X_MM);
        let lh = self.table_pt * LINE_SPACING;
        let height = self.row_height(count);
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
                    top_y - CELL_PAD_Y_PT - shift - k as f32 * lh - self.table_pt * BASELINE_DROP;
                placed.extend(Self::place_line(
                    line,
                    self.face(row.face),
                    self.table_pt,
                    x + pad,
                    w - 2.0 * pad,
                    baseline,
                    align,
                ));
            }
            x += w;
        }
        self.draw(row.face, self.table_pt, &placed);

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
    pub(crate) fn table(&mut self, table: &Table) -> Result<(), ReportError> {
        self.tables += 1;
        let table_w: f32 = table.columns.iter().map(|c| mm(c.width_mm)).sum();
        let x0 = self.geo.left() + (self.geo.text_width() - table_w).max(0.0) / 2.0;
        let header = self.prepare_header(table);
        let header_h = self.row_height(header.line_count());
        let rows: Vec<PreparedRow> = table
            .rows
            .iter()
            .map(|r| self.prepare_row(table, r))
            .collect();
        let first_h = rows
            .first()
            .map(|r| self.row_height(r.line_count()))
            .unwrap_or(0.0);
        let page_room = self.geo.top() - self.geo.bottom() - header_h;
        if page_room < self.row_height(1) {
            return Err(ReportError::HeaderTooTall { table: self.tables });
        }

        self.reserve(header_h + first_h.min(page_room));
        self.draw_row(table, x0, &header, 0, header.line_count());
        for (i, row) in rows.iter().enumerate() {
            let lines = row.line_count();
            let h = self.row_height(lines);
            // A section row stays with the first row of its section.
            let keep = match rows.get(i + 1) {
                Some(next) if row.group => self.row_height(next.line_count()),
                _ => 0.0,
            };
            let fits = self.y - h >= self.geo.bottom();
            if fits && (self.y - h - keep >= self.geo.bottom() || h + keep > page_room) {
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
            let lh = self.table_pt * LINE_SPACING;
            // `fresh`: a page was just started; if even then no line fits (a header taller
            // than the page), one line per page overflows rather than looping for ever.
            let mut from = 0;
            let mut fresh = false;
            while from < lines {
                let room = ((self.y - self.geo.bottom() - 2.0 * CELL_PAD_Y_PT) / lh).floor();
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
        let half = self.geo.text_width() / 2.0;
        let (lx, rx) = (self.geo.left(), self.geo.left() + half);

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
        let signer = Signer {
            top: signer_top,
            note: None,
            name: &doc.signer_name,
        };
        let right_h = self.signer_height(&signer, half);

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
        let y = self.signer(&signer, rx, half, start);
        self.y = y.min(left_end);
    }

    /// Height of a signer block set in a column `width` wide.
    fn signer_height(&self, s: &Signer<'_>, width: f32) -> f32 {
        let bold = self.face(Face::Bold);
        let lines = |text: &str, face: &FaceData| wrap(face, BODY_PT, text, width, 0.0).len();
        let count: usize = s.top.iter().map(|t| lines(t, bold)).sum::<usize>()
            + s.note.map_or(0, |n| lines(n, self.face(Face::Italic)))
            + lines(s.name, bold);
        count as f32 * BODY_PT * LINE_SPACING + mm(SIGNATURE_SPACE_MM)
    }

    /// A signer block centred in `[x, x + width]` from `y` down; returns the y below it.
    fn signer(&mut self, s: &Signer<'_>, x: f32, width: f32, mut y: f32) -> f32 {
        for line in &s.top {
            y = self.centred_block(line, Face::Bold, BODY_PT, x, width, y);
        }
        if let Some(note) = s.note {
            y = self.centred_block(note, Face::Italic, BODY_PT, x, width, y);
        }
        y -= mm(SIGNATURE_SPACE_MM);
        self.centred_block(s.name, Face::Bold, BODY_PT, x, width, y)
    }

    /// Signer blocks side by side across the text area (a single one in the
    /// right half), kept together on one page.
    pub(crate) fn signatures(&mut self, signers: &[Signer<'_>]) {
        let n = signers.len().max(1);
        let col = self.geo.text_width() / n.max(2) as f32;
        let x0 = self.geo.right() - col * n as f32;
        let height = signers
            .iter()
            .map(|s| self.signer_height(s, col))
            .fold(0.0_f32, f32::max);
        self.y -= 6.0;
        self.reserve(height);
        let start = self.y;
        let mut end = start;
        for (i, s) in signers.iter().enumerate() {
            end = end.min(self.signer(s, x0 + col * i as f32, col, start));
        }
        self.y = end;
    }

    /// Page numbers centred in the top margin, from page 2 on.
    pub(crate) fn page_numbers(&mut self) {
        let regular = self.fonts.face(Face::Regular);
        let font = self.ids[Face::Regular.index()].clone();
        let baseline = self.geo.page_height() - mm(12.0);
        let mid = self.geo.left() + self.geo.text_width() / 2.0;
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
