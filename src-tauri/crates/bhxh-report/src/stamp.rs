//! The stamp the desk prints on a copy it makes: one line of text top left
//! on a page, on a white box so it reads over any scan ("Số hóa: Nguyễn Văn
//! A, 02/12/2026 09:15").
//!
//! Other crates draw into their own printpdf documents (the scan assembler
//! in `bhxh-scan`); this is where the font and the lettering live, so every
//! paper the desk makes uses the same face and the same care with
//! Vietnamese text (NFC before it is measured or drawn).

use printpdf::{Op, PdfDocument};

use crate::ReportError;
use crate::canvas::{Placed, filled_boxes_ops, rule_ops, text_ops};
use crate::fonts::{Face, FontSet};
use crate::layout::PT_PER_MM;
use crate::model::nfc;

/// Point size of the stamp's text.
const SIZE: f32 = 9.0;
/// Distance from the page's top and left edges.
const MARGIN_MM: f32 = 5.0;

/// A white box `(x, y, w, h)` (y its bottom edge), so what is drawn on it
/// reads over any scan.
fn white_box_ops(x: f32, y: f32, w: f32, h: f32) -> Vec<Op> {
    let mut ops = vec![Op::SaveGraphicsState];
    ops.push(Op::SetFillColor {
        col: printpdf::Color::Rgb(printpdf::Rgb {
            r: 1.0,
            g: 1.0,
            b: 1.0,
            icc_profile: None,
        }),
    });
    ops.extend(filled_boxes_ops(&[(x, y, w, h)]));
    ops.push(Op::RestoreGraphicsState);
    ops
}

/// The operations that draw `text` top left on a page `page_height_pt`
/// high, adding the regular face to `doc` (subset and embedded when the
/// document is saved).
pub fn top_left(
    doc: &mut PdfDocument,
    page_height_pt: f32,
    text: &str,
) -> Result<Vec<Op>, ReportError> {
    let fonts = FontSet::get()?;
    let face = fonts.face(Face::Regular);
    let font = doc.add_font(&face.parsed);
    let text = nfc(text);
    let width = face.width(&text, SIZE) + 6.0;
    let left = MARGIN_MM * PT_PER_MM;
    let top = page_height_pt - MARGIN_MM * PT_PER_MM;
    let mut ops = white_box_ops(left - 3.0, top - SIZE - 3.0, width, SIZE + 6.0);
    ops.extend(text_ops(
        &font,
        SIZE,
        &[Placed {
            x: left,
            baseline: top - SIZE * 0.8,
            text: &text,
        }],
    ));
    Ok(ops)
}

/// One word of hidden text: its box in points from the page's bottom left.
#[derive(Debug, Clone, Copy)]
pub struct HiddenWord<'t> {
    pub text: &'t str,
    pub x: f32,
    pub bottom: f32,
    pub width: f32,
    pub height: f32,
}

/// The operations that lay `words` on a page as invisible text (rendering
/// mode 3, ISO 32000-1 9.3.6): found by a search and selectable, never
/// seen nor printed — the text layer of a searchable scan. Each word is
/// stretched to its box.
pub fn hidden_words(
    doc: &mut PdfDocument,
    words: &[HiddenWord<'_>],
) -> Result<Vec<Op>, ReportError> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let fonts = FontSet::get()?;
    let face = fonts.face(Face::Regular);
    let font = doc.add_font(&face.parsed);
    let mut ops = vec![
        Op::StartTextSection,
        Op::SetTextRenderingMode {
            mode: printpdf::TextRenderingMode::Invisible,
        },
    ];
    for w in words {
        let text = nfc(w.text);
        let size = w.height.max(1.0);
        let natural = face.width(&text, size);
        if text.trim().is_empty() || natural <= 0.0 {
            continue;
        }
        ops.push(Op::SetFont {
            font: printpdf::PdfFontHandle::External(font.clone()),
            size: printpdf::Pt(size),
        });
        ops.push(Op::SetHorizontalScaling {
            percent: (w.width / natural * 100.0).clamp(5.0, 2000.0),
        });
        ops.push(Op::SetTextMatrix {
            matrix: printpdf::TextMatrix::Translate(
                printpdf::Pt(w.x),
                printpdf::Pt(w.bottom + size * 0.2),
            ),
        });
        ops.push(Op::ShowText {
            items: vec![printpdf::TextItem::Text(text)],
        });
    }
    ops.push(Op::EndTextSection);
    Ok(ops)
}

/// Point size of a signature's visible mark.
const SIGNATURE_SIZE: f32 = 6.5;

/// A signature's visible mark, drawn where the stamp is: `lines` (two, as
/// a rule: who signed and why, then the unit and when) on a white box with
/// a thin border, as a one-page PDF exactly as large as the mark — at least
/// `min_width_pt` wide, as wide as the longest line needs. The signer turns
/// that page into the signature field's appearance. Returns the PDF and
/// its width and height in points.
pub fn signature_mark(
    lines: &[&str],
    min_width_pt: f32,
) -> Result<(Vec<u8>, f32, f32), ReportError> {
    let fonts = FontSet::get()?;
    let face = fonts.face(Face::Regular);
    let lines: Vec<String> = lines.iter().map(|l| nfc(l)).collect();
    let widest = lines
        .iter()
        .map(|l| face.width(l, SIGNATURE_SIZE))
        .fold(0.0_f32, f32::max);
    let width = (widest + 6.0).max(min_width_pt);
    let leading = SIGNATURE_SIZE * 1.15;
    let height = leading * lines.len().max(1) as f32 + 4.0;
    let mut doc = PdfDocument::new("Chữ ký số");
    let font = doc.add_font(&face.parsed);
    let mut ops = white_box_ops(0.0, 0.0, width, height);
    // The border: four thin rules just inside the edge.
    let e = 0.4;
    for (x1, y1, x2, y2) in [
        (e, e, width - e, e),
        (width - e, e, width - e, height - e),
        (width - e, height - e, e, height - e),
        (e, height - e, e, e),
    ] {
        ops.extend(rule_ops(x1, y1, x2, y2, 0.5));
    }
    let placed: Vec<Placed<'_>> = lines
        .iter()
        .enumerate()
        .map(|(i, text)| Placed {
            x: 3.0,
            baseline: height - 2.0 - leading * (i as f32 + 1.0) + SIGNATURE_SIZE * 0.25,
            text,
        })
        .collect();
    ops.extend(text_ops(&font, SIGNATURE_SIZE, &placed));
    let page = printpdf::PdfPage::new(
        printpdf::Mm(width / PT_PER_MM),
        printpdf::Mm(height / PT_PER_MM),
        ops,
    );
    doc.with_pages(vec![page]);
    doc.metadata.info.producer = "BHXH Desk".to_owned();
    doc.metadata.info.creator = "BHXH Desk".to_owned();
    let mut warnings = Vec::new();
    // Uncompressed: the signer copies the page's drawing as it is.
    let options = printpdf::PdfSaveOptions {
        optimize: false,
        ..printpdf::PdfSaveOptions::default()
    };
    let bytes = doc.save(&options, &mut warnings);
    let errors: Vec<String> = warnings
        .iter()
        .filter(|w| w.severity == printpdf::PdfParseErrorSeverity::Error)
        .map(|w| w.msg.clone())
        .collect();
    if !errors.is_empty() {
        return Err(ReportError::Pdf(errors.join("; ")));
    }
    Ok((bytes, width, height))
}
