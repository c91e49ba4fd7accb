//! Reading the QR codes printed on a page (the scan inbox's cover sheets):
//! the page is turned grey and handed to `rqrr`, which runs behind a
//! `catch_unwind` guard like every third-party decoder here.

use crate::ScanError;
use crate::page::{Pixels, ScanPage, Space, guarded};

impl ScanPage {
    /// The page as an 8-bit grey image (for reading QR codes).
    pub fn luma(&self, page: usize) -> Result<image::GrayImage, ScanError> {
        match &self.pixels {
            Pixels::Jpeg(b) => {
                let img =
                    guarded(|| image::load_from_memory_with_format(b, image::ImageFormat::Jpeg))
                        .ok_or_else(|| ScanError::BadJpeg {
                            page,
                            detail: "bộ giải mã JPEG gặp lỗi không lường trước".into(),
                        })?
                        .map_err(|e| ScanError::BadJpeg {
                            page,
                            detail: e.to_string(),
                        })?;
                Ok(img.into_luma8())
            }
            Pixels::Flate { bits, space, .. } => {
                let (w, h) = (self.info.width_px, self.info.height_px);
                let samples = self.samples()?;
                let n = space.components();
                let row = (w as usize * n * usize::from(*bits)).div_ceil(8);
                let sample = |x: usize, y: usize, c: usize| -> u8 {
                    let r = &samples[y * row..];
                    match bits {
                        1 => {
                            let i = x * n + c;
                            if r[i / 8] & (0x80 >> (i % 8)) != 0 {
                                255
                            } else {
                                0
                            }
                        }
                        16 => r[(x * n + c) * 2],
                        _ => r[x * n + c],
                    }
                };
                if samples.len() < row * h as usize {
                    return Err(ScanError::Pdf("dữ liệu ảnh thiếu".into()));
                }
                Ok(image::GrayImage::from_fn(w, h, |x, y| {
                    let (x, y) = (x as usize, y as usize);
                    let v = match space {
                        Space::Gray => sample(x, y, 0),
                        Space::Rgb => {
                            let (r, g, b) = (
                                u32::from(sample(x, y, 0)),
                                u32::from(sample(x, y, 1)),
                                u32::from(sample(x, y, 2)),
                            );
                            ((r * 299 + g * 587 + b * 114) / 1000) as u8
                        }
                        Space::Cmyk => {
                            let k = 255 - u32::from(sample(x, y, 3));
                            let ink = (u32::from(sample(x, y, 0))
                                + u32::from(sample(x, y, 1))
                                + u32::from(sample(x, y, 2)))
                                / 3;
                            ((255 - ink) * k / 255) as u8
                        }
                    };
                    image::Luma([v])
                }))
            }
        }
    }

    /// The texts of the QR codes found on the page (those that decode).
    pub fn qr_texts(&self, page: usize) -> Result<Vec<String>, ScanError> {
        let luma = self.luma(page)?;
        Ok(guarded(move || {
            let mut img = rqrr::PreparedImage::prepare(luma);
            img.detect_grids()
                .into_iter()
                .filter_map(|g| g.decode().ok().map(|(_, text)| text))
                .collect()
        })
        .unwrap_or_default())
    }
}
