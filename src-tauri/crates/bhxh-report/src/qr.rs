//! The QR code of Circular 01/2023/TT-VPCP Art. 26 as vector boxes (no
//! raster image): it prints sharp at any resolution and decodes from a
//! 200 dpi scan.

use qrcode::{EcLevel, QrCode};

use crate::ReportError;

/// The QR code's dark modules as boxes, its top-left corner at (`x`, `y_top`).
pub(crate) fn qr_boxes(
    text: &str,
    x: f32,
    y_top: f32,
    side: f32,
) -> Result<Vec<(f32, f32, f32, f32)>, ReportError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L)
        .map_err(|e| ReportError::Qr(e.to_string()))?;
    let n = code.width();
    // Four modules of quiet zone on each side, inside `side`.
    let module = side / (n as f32 + 8.0);
    let origin_x = x + 4.0 * module;
    let origin_y = y_top - 4.0 * module;
    let colors = code.to_colors();
    let mut boxes = Vec::new();
    for row in 0..n {
        // Runs of dark modules on a row become one box: fewer path segments.
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                boxes.push((
                    origin_x + start as f32 * module,
                    origin_y - (row as f32 + 1.0) * module,
                    (col - start) as f32 * module,
                    module,
                ));
            } else {
                col += 1;
            }
        }
    }
    Ok(boxes)
}
