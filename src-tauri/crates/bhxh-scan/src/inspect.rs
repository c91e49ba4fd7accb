//! What a scanned page is, read from its header (size, resolution,
//! colour), and the checks a received PDF passes before it is kept as it
//! came.

use crate::ScanError;
use crate::page::image_file_pages;

/// The least resolution the law accepts.
pub const MIN_DPI: u32 = 200;

/// What a scanned page is, read from its header.
#[derive(Debug, Clone, PartialEq)]
pub struct PageInfo {
    /// "jpeg", "png", "tiff", or "pdf" (an image taken from a PDF page).
    pub format: &'static str,
    pub width_px: u32,
    pub height_px: u32,
    /// Resolution stored in the file, if any.
    pub dpi: Option<(f32, f32)>,
    /// Three colour components (RGB/YCbCr), not grey or black and white.
    pub colour: bool,
}

impl PageInfo {
    /// Vietnamese warnings for the desk: low resolution, not in colour.
    pub fn warnings(&self, page: usize) -> Vec<String> {
        let mut w = Vec::new();
        match self.dpi {
            Some((x, y)) if x.min(y) < MIN_DPI as f32 => w.push(format!(
                "Trang {page}: độ phân giải {:.0} dpi, thấp hơn {MIN_DPI} dpi theo quy định.",
                x.min(y)
            )),
            None => w.push(format!(
                "Trang {page}: ảnh không ghi độ phân giải; coi như {MIN_DPI} dpi."
            )),
            _ => {}
        }
        if !self.colour {
            w.push(format!("Trang {page}: ảnh không phải ảnh màu."))
        }
        w
    }

    pub(crate) fn dpi_or_default(&self) -> (f32, f32) {
        match self.dpi {
            Some((x, y)) if x > 0.0 && y > 0.0 => (x, y),
            _ => (MIN_DPI as f32, MIN_DPI as f32),
        }
    }
}

/// Read a JPEG's frame header and JFIF density, checking its structure
/// (markers in order, a scan, the end marker): a cut or garbled file is refused.
pub(crate) fn jpeg_info(bytes: &[u8], page: usize) -> Result<PageInfo, ScanError> {
    let bad = |detail: &str| ScanError::BadJpeg {
        page,
        detail: detail.to_owned(),
    };
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(bad("thiếu mã bắt đầu SOI"));
    }
    let mut i = 2;
    let mut frame: Option<(u32, u32, u8)> = None;
    let mut dpi = None;
    loop {
        if i + 4 > bytes.len() {
            return Err(bad("tệp bị cắt cụt trước phần dữ liệu ảnh"));
        }
        if bytes[i] != 0xFF {
            return Err(bad(&format!("byte {i}: không phải mã đánh dấu")));
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let seg = bytes
            .get(i + 4..i + 2 + len)
            .filter(|_| len >= 2)
            .ok_or_else(|| bad("đoạn đánh dấu vượt quá cuối tệp"))?;
        match marker {
            // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if seg.len() < 6 {
                    return Err(bad("phần đầu khung ảnh quá ngắn"));
                }
                let h = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                let w = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                if w == 0 || h == 0 {
                    return Err(bad("kích thước ảnh bằng 0"));
                }
                frame = Some((w, h, seg[5]));
            }
            // APP0 "JFIF\0": units 1 = dots per inch, 2 = per cm.
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                let x = f32::from(u16::from_be_bytes([seg[8], seg[9]]));
                let y = f32::from(u16::from_be_bytes([seg[10], seg[11]]));
                dpi = match seg[7] {
                    1 => Some((x, y)),
                    2 => Some((x * 2.54, y * 2.54)),
                    _ => None,
                };
            }
            // SOS: entropy-coded data follows until EOI.
            0xDA => {
                let Some((w, h, components)) = frame else {
                    return Err(bad("thiếu phần đầu khung ảnh (SOF) trước dữ liệu"));
                };
                let tail = &bytes[bytes.len().saturating_sub(2)..];
                if tail != [0xFF, 0xD9] {
                    return Err(bad("thiếu mã kết thúc EOI: tệp bị cắt cụt"));
                }
                return Ok(PageInfo {
                    format: "jpeg",
                    width_px: w,
                    height_px: h,
                    dpi,
                    colour: components == 3,
                });
            }
            0xD9 => return Err(bad("gặp mã kết thúc trước dữ liệu ảnh")),
            _ => {}
        }
        i += 2 + len;
    }
}

/// Check a PDF that is kept as it came (a received original, perhaps signed):
/// whole, not locked; returns its page count. The bytes are never rewritten.
pub fn inspect_pdf(bytes: &[u8]) -> Result<u32, ScanError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(ScanError::BadPdf("thiếu phần đầu %PDF-".into()));
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(ScanError::BadPdf("thiếu dấu kết thúc %%EOF".into()));
    }
    if tail.windows(8).any(|w| w == b"/Encrypt") {
        return Err(ScanError::EncryptedPdf);
    }
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| ScanError::BadPdf(e.to_string()))?;
    if doc.is_encrypted() {
        return Err(ScanError::EncryptedPdf);
    }
    let pages = doc.get_pages().len();
    if pages == 0 {
        return Err(ScanError::BadPdf("không có trang nào".into()));
    }
    u32::try_from(pages).map_err(|_| ScanError::BadPdf("quá nhiều trang".into()))
}

/// What a scanned page is, without assembling anything. For a TIFF, every
/// page is read (a cut file is refused) and the first page's info returned;
/// [`inspect_pages`] gives them all.
pub fn inspect_page(bytes: &[u8], page: usize) -> Result<PageInfo, ScanError> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return jpeg_info(bytes, page);
    }
    inspect_pages(bytes, page)?
        .into_iter()
        .next()
        .ok_or(ScanError::UnknownFormat { page })
}

/// Every page of an image file (one for JPEG and PNG, all of a TIFF's),
/// numbered from `first_page`.
pub fn inspect_pages(bytes: &[u8], first_page: usize) -> Result<Vec<PageInfo>, ScanError> {
    Ok(image_file_pages(bytes, first_page)?
        .into_iter()
        .map(|p| p.info)
        .collect())
}
