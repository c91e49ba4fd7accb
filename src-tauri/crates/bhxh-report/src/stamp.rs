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
use crate::canvas::{Placed, filled_boxes_ops, text_ops};
use crate::fonts::{Face, FontSet};
use crate::layout::PT_PER_MM;
use crate::model::nfc;

/// Point size of the stamp's text.
const SIZE: f32 = 9.0;
/// Distance from the page's top and left edges.
const MARGIN_MM: f32 = 5.0;

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
    let mut ops = vec![Op::SaveGraphicsState];
    ops.push(Op::SetFillColor {
        col: printpdf::Color::Rgb(printpdf::Rgb {
            r: 1.0,
            g: 1.0,
            b: 1.0,
            icc_profile: None,
        }),
    });
    ops.extend(filled_boxes_ops(&[(
        left - 3.0,
        top - SIZE - 3.0,
        width,
        SIZE + 6.0,
    )]));
    ops.push(Op::RestoreGraphicsState);
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
