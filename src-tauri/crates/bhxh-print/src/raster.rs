//! The arithmetic of printing a page as a picture, for print systems that
//! take pictures rather than PDF (the Windows spooler, [`crate::Spooler`]):
//! where a page goes on the printable area and at what size it is rendered
//! ([`fit`]), and reading the bitmap the renderer hands back ([`Dib`]). Pure
//! code, tested on every platform.

/// A page's size in device-independent pixels (1/96 inch), as
/// `Windows.Data.Pdf` gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSize {
    pub width: f64,
    pub height: f64,
}

/// The printable area of the paper, in the printer's pixels, and its
/// resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    pub width: i32,
    pub height: i32,
    pub dpi_x: i32,
    pub dpi_y: i32,
}

/// Where a page goes, in the printer's pixels from the printable area's
/// top-left corner, and the size of the bitmap to render it at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    pub bitmap_width: u32,
    pub bitmap_height: u32,
}

/// The most detail a page is rendered with: 300 dpi is what a scanned A4
/// carries (the desk scans at 200–300 dpi) and keeps one page's bitmap under
/// 40 MB; the printer stretches it to its own resolution.
pub const MAX_RENDER_DPI: f64 = 300.0;

/// A page at its true size, centred on the printable area, or shrunk to fit
/// it (never enlarged: an A5 receipt prints as A5). `None` for a page or an
/// area with no size.
pub fn fit(page: PageSize, area: Area) -> Option<Placement> {
    let usable = |v: f64| v.is_finite() && v > 0.0;
    if !usable(page.width) || !usable(page.height) {
        return None;
    }
    if area.width <= 0 || area.height <= 0 || area.dpi_x <= 0 || area.dpi_y <= 0 {
        return None;
    }
    // The page in inches, then in the printer's pixels.
    let (w_in, h_in) = (page.width / 96.0, page.height / 96.0);
    let (w_px, h_px) = (w_in * f64::from(area.dpi_x), h_in * f64::from(area.dpi_y));
    let scale = (f64::from(area.width) / w_px)
        .min(f64::from(area.height) / h_px)
        .min(1.0);
    let width = ((w_px * scale).floor() as i32).clamp(1, area.width);
    let height = ((h_px * scale).floor() as i32).clamp(1, area.height);
    let dpi = MAX_RENDER_DPI
        .min(f64::from(area.dpi_x))
        .min(f64::from(area.dpi_y));
    let bitmap_width = ((w_in * scale * dpi).round() as u32).clamp(1, width as u32);
    let bitmap_height = ((h_in * scale * dpi).round() as u32).clamp(1, height as u32);
    Some(Placement {
        x: (area.width - width) / 2,
        y: (area.height - height) / 2,
        width,
        height,
        bitmap_width,
        bitmap_height,
    })
}

/// A device-independent bitmap as a BMP file holds it: 24 or 32 bits per
/// pixel, uncompressed (or 32-bit with the standard BGRA masks, which is
/// the same layout), rows padded to four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dib<'a> {
    pub width: i32,
    /// Positive when the rows go bottom-up, negative when top-down (as the
    /// BMP header says; GDI takes it as is).
    pub height: i32,
    pub bits_per_pixel: u16,
    /// The rows, `stride × |height|` bytes.
    pub pixels: &'a [u8],
}

/// Why a bitmap could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DibError {
    #[error("ảnh BMP bị cắt cụt: cần {needed} byte, có {have}")]
    Truncated { needed: u64, have: usize },
    #[error("không phải ảnh BMP (thiếu chữ ký \"BM\")")]
    NotBmp,
    #[error("ảnh BMP có phần đầu {0} byte không được hỗ trợ")]
    Header(u32),
    #[error("ảnh BMP {width}×{height} không hợp lệ")]
    Size { width: i32, height: i32 },
    #[error("ảnh BMP {0} bit mỗi điểm ảnh không được hỗ trợ (chỉ 24 hoặc 32)")]
    Depth(u16),
    #[error("ảnh BMP nén kiểu {0} không được hỗ trợ")]
    Compression(u32),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl<'a> Dib<'a> {
    /// Read a BMP file (file header, then a BITMAPINFOHEADER or a later
    /// version of it), checking that every row it promises is there.
    pub fn parse(bmp: &'a [u8]) -> Result<Dib<'a>, DibError> {
        let short = |needed: u64| DibError::Truncated {
            needed,
            have: bmp.len(),
        };
        if bmp.len() < 2 {
            return Err(short(54));
        }
        if &bmp[..2] != b"BM" {
            return Err(DibError::NotBmp);
        }
        let offset = u32_at(bmp, 10).ok_or_else(|| short(14))?;
        let header = u32_at(bmp, 14).ok_or_else(|| short(18))?;
        if !(40..=124).contains(&header) {
            return Err(DibError::Header(header));
        }
        if bmp.len() < 14 + header as usize {
            return Err(short(14 + u64::from(header)));
        }
        let width = u32_at(bmp, 18).ok_or_else(|| short(22))? as i32;
        let height = u32_at(bmp, 22).ok_or_else(|| short(26))? as i32;
        let planes = u16_at(bmp, 26).ok_or_else(|| short(28))?;
        let bits = u16_at(bmp, 28).ok_or_else(|| short(30))?;
        let compression = u32_at(bmp, 30).ok_or_else(|| short(34))?;
        if width <= 0 || height == 0 || height == i32::MIN || planes != 1 {
            return Err(DibError::Size { width, height });
        }
        if bits != 24 && bits != 32 {
            return Err(DibError::Depth(bits));
        }
        match compression {
            0 => {}
            // BI_BITFIELDS: only the masks that make it plain BGRA. They
            // follow a 40-byte header, and sit at the same place inside a
            // V4 or V5 one.
            3 if bits == 32 => {
                let masks = (u32_at(bmp, 54), u32_at(bmp, 58), u32_at(bmp, 62));
                if masks != (Some(0x00FF_0000), Some(0x0000_FF00), Some(0x0000_00FF)) {
                    return Err(DibError::Compression(compression));
                }
            }
            other => return Err(DibError::Compression(other)),
        }
        let stride = (u64::from(width as u32) * u64::from(bits)).div_ceil(32) * 4;
        let rows = u64::from(height.unsigned_abs());
        let needed = u64::from(offset) + stride * rows;
        if needed > bmp.len() as u64 {
            return Err(short(needed));
        }
        let start = offset as usize;
        let end = needed as usize;
        Ok(Dib {
            width,
            height,
            bits_per_pixel: bits,
            pixels: &bmp[start..end],
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A4 in DIPs (210 × 297 mm).
    const A4: PageSize = PageSize {
        width: 793.7,
        height: 1122.5,
    };

    /// A BMP as Windows' encoder writes it: file header, 40-byte header,
    /// `bits` per pixel, rows bottom-up.
    fn bmp(width: i32, height: i32, bits: u16, compression: u32, extra: &[u8]) -> Vec<u8> {
        let stride = ((width as usize * bits as usize).div_ceil(32)) * 4;
        let offset = 14 + 40 + extra.len();
        let mut b = Vec::new();
        b.extend_from_slice(b"BM");
        b.extend_from_slice(
            &((offset + stride * height.unsigned_abs() as usize) as u32).to_le_bytes(),
        );
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&(offset as u32).to_le_bytes());
        b.extend_from_slice(&40u32.to_le_bytes());
        b.extend_from_slice(&width.to_le_bytes());
        b.extend_from_slice(&height.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        b.extend_from_slice(&compression.to_le_bytes());
        b.extend_from_slice(&[0; 20]);
        b.extend_from_slice(extra);
        b.extend(std::iter::repeat_n(
            0xAB,
            stride * height.unsigned_abs() as usize,
        ));
        b
    }

    #[test]
    fn an_a4_page_on_an_a4_printer_is_shrunk_to_the_printable_area_and_centred() {
        // A4 at 600 dpi with the usual 1/6-inch margins: 4760 × 6814 pixels.
        let area = Area {
            width: 4760,
            height: 6814,
            dpi_x: 600,
            dpi_y: 600,
        };
        let p = fit(A4, area).unwrap();
        assert!(p.width <= area.width && p.height <= area.height);
        // the page's shape is kept (within a pixel)
        let ratio = f64::from(p.width) / f64::from(p.height);
        assert!((ratio - A4.width / A4.height).abs() < 0.001, "{p:?}");
        // the width binds (4760 / 4961 < 6814 / 7016); centred down the page
        assert_eq!(p.width, 4760);
        assert_eq!(p.x, 0);
        assert_eq!(p.y, (6814 - p.height) / 2);
        assert!(p.y > 0);
        // rendered at 300 dpi, not 600
        assert!((2300..=2480).contains(&p.bitmap_width), "{p:?}");
        assert!((3300..=3508).contains(&p.bitmap_height), "{p:?}");
    }

    #[test]
    fn a_small_page_keeps_its_true_size() {
        // A5 (148 × 210 mm) on an A4 printer at 300 dpi.
        let a5 = PageSize {
            width: 559.4,
            height: 793.7,
        };
        let area = Area {
            width: 2380,
            height: 3407,
            dpi_x: 300,
            dpi_y: 300,
        };
        let p = fit(a5, area).unwrap();
        assert_eq!((p.width, p.height), (1748, 2480));
        assert_eq!((p.bitmap_width, p.bitmap_height), (1748, 2480));
        assert_eq!((p.x, p.y), ((2380 - 1748) / 2, (3407 - 2480) / 2));
    }

    #[test]
    fn a_low_resolution_printer_gets_a_bitmap_no_larger_than_it_prints() {
        let area = Area {
            width: 1190,
            height: 1703,
            dpi_x: 150,
            dpi_y: 150,
        };
        let p = fit(A4, area).unwrap();
        assert!(p.bitmap_width <= p.width as u32 && p.bitmap_height <= p.height as u32);
    }

    #[test]
    fn sizes_that_are_not_sizes_place_nothing() {
        let area = Area {
            width: 100,
            height: 100,
            dpi_x: 96,
            dpi_y: 96,
        };
        for page in [
            PageSize {
                width: 0.0,
                height: 10.0,
            },
            PageSize {
                width: f64::NAN,
                height: 10.0,
            },
            PageSize {
                width: 10.0,
                height: f64::INFINITY,
            },
            PageSize {
                width: -5.0,
                height: 10.0,
            },
        ] {
            assert_eq!(fit(page, area), None, "{page:?}");
        }
        assert_eq!(fit(A4, Area { dpi_x: 0, ..area }), None);
        assert_eq!(fit(A4, Area { width: 0, ..area }), None);
    }

    #[test]
    fn a_bmp_from_the_renderer_is_read_with_its_rows() {
        let b = bmp(3, 2, 32, 0, &[]);
        let d = Dib::parse(&b).unwrap();
        assert_eq!((d.width, d.height, d.bits_per_pixel), (3, 2, 32));
        assert_eq!(d.pixels.len(), 3 * 4 * 2);
        // 24 bits: rows padded to four bytes (3 × 3 = 9 → 12)
        let b = bmp(3, -2, 24, 0, &[]);
        let d = Dib::parse(&b).unwrap();
        assert_eq!((d.height, d.pixels.len()), (-2, 24));
        // 32 bits with the BGRA masks
        let masks: Vec<u8> = [0x00FF_0000u32, 0x0000_FF00, 0x0000_00FF]
            .iter()
            .flat_map(|m| m.to_le_bytes())
            .collect();
        assert!(Dib::parse(&bmp(2, 2, 32, 3, &masks)).is_ok());
    }

    #[test]
    fn a_malformed_bmp_is_refused_with_its_reason() {
        let good = bmp(4, 4, 32, 0, &[]);
        assert_eq!(Dib::parse(b"PK\x03\x04"), Err(DibError::NotBmp));
        assert!(matches!(
            Dib::parse(&good[..good.len() - 1]),
            Err(DibError::Truncated { .. })
        ));
        for cut in 0..60 {
            // never a panic, whatever the length
            assert!(Dib::parse(&good[..cut]).is_err(), "{cut}");
        }
        assert_eq!(Dib::parse(&bmp(4, 4, 8, 0, &[])), Err(DibError::Depth(8)));
        assert_eq!(
            Dib::parse(&bmp(4, 4, 32, 1, &[])),
            Err(DibError::Compression(1))
        );
        let swapped: Vec<u8> = [0x0000_00FFu32, 0x0000_FF00, 0x00FF_0000]
            .iter()
            .flat_map(|m| m.to_le_bytes())
            .collect();
        assert_eq!(
            Dib::parse(&bmp(2, 2, 32, 3, &swapped)),
            Err(DibError::Compression(3))
        );
        assert!(matches!(
            Dib::parse(&bmp(0, 4, 32, 0, &[])),
            Err(DibError::Size { .. })
        ));
        // a header promising more rows than the file holds
        let mut huge = bmp(4, 4, 32, 0, &[]);
        huge[22..26].copy_from_slice(&i32::MAX.to_le_bytes());
        assert!(matches!(Dib::parse(&huge), Err(DibError::Truncated { .. })));
        let mut wide = bmp(4, 4, 32, 0, &[]);
        wide[18..22].copy_from_slice(&i32::MAX.to_le_bytes());
        assert!(matches!(Dib::parse(&wide), Err(DibError::Truncated { .. })));
        let mut min = bmp(4, 4, 32, 0, &[]);
        min[22..26].copy_from_slice(&i32::MIN.to_le_bytes());
        assert!(matches!(Dib::parse(&min), Err(DibError::Size { .. })));
    }
}
