//! Drawing primitives shared by the documents: text at absolute positions,
//! rules and filled boxes, as printpdf operations.

use printpdf::{
    Color, FontId, Line as PdfLine, LinePoint, Op, PdfFontHandle, Point, Polygon, PolygonRing, Pt,
    Rgb, TextItem, TextMatrix, WindingOrder,
};

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
