//! Drawing primitives shared by the documents: text at absolute positions,
//! rules and filled boxes, as printpdf operations; and the start and end of
//! every document (fonts embedded, metadata, saving).

use chrono::{Datelike, Timelike};
use printpdf::{
    Color, FontId, Line as PdfLine, LinePoint, Op, PdfDocument, PdfFontHandle, PdfPage,
    PdfParseErrorSeverity, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem,
    TextMatrix, WindingOrder,
};

use crate::ReportError;
use crate::fonts::{Face, FontSet};

/// A new PDF with the four faces added (ids in [`Face::index`] order).
pub(crate) fn new_document(
    title: &str,
) -> Result<(PdfDocument, &'static FontSet, Vec<FontId>), ReportError> {
    let fonts = FontSet::get()?;
    let mut pdf = PdfDocument::new(title);
    let ids = Face::ALL
        .iter()
        .map(|f| pdf.add_font(&fonts.face(*f).parsed))
        .collect();
    Ok((pdf, fonts, ids))
}

/// Put the pages (all `width_mm` × `height_mm`) into the document, set its
/// metadata (dates from `created`, never the clock) and save it.
pub(crate) fn save_document(
    mut pdf: PdfDocument,
    pages: Vec<Vec<Op>>,
    (width_mm, height_mm): (f32, f32),
    created: &chrono::DateTime<chrono::FixedOffset>,
    subject: &str,
) -> Result<Vec<u8>, ReportError> {
    let pages = pages
        .into_iter()
        .map(|ops| PdfPage::new(printpdf::Mm(width_mm), printpdf::Mm(height_mm), ops))
        .collect();
    pdf.with_pages(pages);
    let info = &mut pdf.metadata.info;
    let created = pdf_date(created);
    info.creation_date = created;
    info.modification_date = created;
    info.metadata_date = created;
    info.producer = "BHXH Desk".to_string();
    info.creator = "BHXH Desk".to_string();
    info.subject = subject.to_string();
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

/// A text to draw at an absolute position (points, y up from the page bottom).
pub(crate) struct Placed<'t> {
    pub(crate) x: f32,
    pub(crate) baseline: f32,
    pub(crate) text: &'t str,
}

/// Texts of one font and size, each placed with its own text matrix.
pub(crate) fn text_ops(font: &FontId, size: f32, items: &[Placed<'_>]) -> Vec<Op> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut ops = Vec::with_capacity(items.len() * 2 + 3);
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFont {
        font: PdfFontHandle::External(font.clone()),
        size: Pt(size),
    });
    for item in items {
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(item.x), Pt(item.baseline)),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(item.text.to_string())],
        });
    }
    ops.push(Op::EndTextSection);
    ops
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    }
}

/// A straight rule of the given stroke width.
pub(crate) fn rule_ops(x1: f32, y1: f32, x2: f32, y2: f32, width: f32) -> Vec<Op> {
    vec![
        Op::SetOutlineThickness { pt: Pt(width) },
        Op::DrawLine {
            line: PdfLine {
                points: vec![point(x1, y1), point(x2, y2)],
                is_closed: false,
            },
        },
    ]
}

/// Black filled axis-aligned boxes `(x, y, w, h)`, y being the bottom edge:
/// one path, so a QR code of a thousand modules stays one operation.
pub(crate) fn black_boxes_ops(boxes: &[(f32, f32, f32, f32)]) -> Vec<Op> {
    if boxes.is_empty() {
        return Vec::new();
    }
    let mut ops = vec![Op::SetFillColor {
        col: Color::Rgb(Rgb {
            r: 0.0,
            g: 0.0,
            b: 0.0,
            icc_profile: None,
        }),
    }];
    ops.extend(filled_boxes_ops(boxes));
    ops
}

/// Boxes `(x, y, w, h)` filled with the current fill colour, as one path.
pub(crate) fn filled_boxes_ops(boxes: &[(f32, f32, f32, f32)]) -> Vec<Op> {
    let rings = boxes
        .iter()
        .map(|&(x, y, w, h)| PolygonRing {
            points: vec![
                point(x, y),
                point(x + w, y),
                point(x + w, y + h),
                point(x, y + h),
            ],
        })
        .collect();
    vec![Op::DrawPolygon {
        polygon: Polygon {
            rings,
            mode: printpdf::PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        },
    }]
}
