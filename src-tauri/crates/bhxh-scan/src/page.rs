//! Scanned pages as the desk receives them: one JPEG or PNG per page, a
//! multi-page TIFF, or a PDF of scanned images (what a scanner's "scan to
//! folder" writes). Each page is read into a [`ScanPage`]: a JPEG stays its
//! bytes, anything else is decoded once into its samples, kept compressed
//! with zlib (exactly what a PDF's `FlateDecode` image holds), so a page goes
//! into the assembled PDF without loss.
//!
//! The QR codes on a page are read with `rqrr`, for the scan inbox's cover
//! sheets. Every reader here refuses a damaged file with a precise
//! Vietnamese message and never panics (the third-party decoders run
//! behind `catch_unwind` as a last guard).

use std::borrow::Cow;
use std::io::{Read as _, Write as _};

use crate::ScanError;
use crate::formats::{pdf_pages, png_page, tiff_pages};
use crate::inspect::{PageInfo, jpeg_info};

/// Most pages read from one file (a scanner's batch is far below this).
pub const MAX_PAGES: usize = 2000;
/// Largest decoded page, in bytes (an A3 page at 600 dpi in colour is ~210 MB).
pub(crate) const MAX_RASTER: usize = 512 * 1024 * 1024;

/// How a page's samples are stored (PDF colour spaces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Space {
    Gray,
    Rgb,
    Cmyk,
}

impl Space {
    pub(crate) fn components(self) -> usize {
        match self {
            Space::Gray => 1,
            Space::Rgb => 3,
            Space::Cmyk => 4,
        }
    }

    pub(crate) fn pdf_name(self) -> &'static str {
        match self {
            Space::Gray => "DeviceGray",
            Space::Rgb => "DeviceRGB",
            Space::Cmyk => "DeviceCMYK",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Pixels {
    /// A JPEG file, byte for byte (a PDF takes it as `DCTDecode`).
    Jpeg(Vec<u8>),
    /// Samples, rows byte-aligned, 16-bit samples big-endian (PDF's
    /// layout), compressed with zlib.
    Flate {
        data: Vec<u8>,
        bits: u8,
        space: Space,
    },
}

/// One scanned page, ready to go into a PDF or to be read for a QR code.
#[derive(Debug, Clone)]
pub struct ScanPage {
    pub info: PageInfo,
    pub(crate) pixels: Pixels,
    /// The page's own file when it came as one (a PNG alone): kept as it came.
    pub(crate) own_file: Option<Vec<u8>>,
}

/// A decoded raster before compression.
pub(crate) struct Raster {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) bits: u8,
    pub(crate) space: Space,
    pub(crate) samples: Vec<u8>,
}

impl Raster {
    fn row_bytes(&self) -> usize {
        (self.width as usize * self.space.components() * usize::from(self.bits)).div_ceil(8)
    }

    pub(crate) fn check_len(&self) -> Result<(), String> {
        // The dimensions come from the file: refuse an absurd page before
        // anything is computed or allocated for it.
        let need = self
            .row_bytes()
            .checked_mul(self.height as usize)
            .filter(|n| *n <= MAX_RASTER)
            .ok_or_else(|| {
                format!(
                    "ảnh {}×{} điểm quá lớn (quá {} MB khi giải nén)",
                    self.width,
                    self.height,
                    MAX_RASTER >> 20
                )
            })?;
        if self.samples.len() < need {
            return Err(format!(
                "dữ liệu ảnh thiếu: cần {need} byte, chỉ có {} byte",
                self.samples.len()
            ));
        }
        Ok(())
    }

    pub(crate) fn into_page(
        mut self,
        format: &'static str,
        dpi: Option<(f32, f32)>,
    ) -> Result<ScanPage, ScanError> {
        let need = self.row_bytes() * self.height as usize;
        self.samples.truncate(need);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let data = z
            .write_all(&self.samples)
            .and_then(|_| z.finish())
            .map_err(|e| ScanError::Pdf(e.to_string()))?;
        Ok(ScanPage {
            info: PageInfo {
                format,
                width_px: self.width,
                height_px: self.height,
                dpi,
                colour: self.space != Space::Gray,
            },
            pixels: Pixels::Flate {
                data,
                bits: self.bits,
                space: self.space,
            },
            own_file: None,
        })
    }
}

fn is_jpeg(b: &[u8]) -> bool {
    b.starts_with(&[0xFF, 0xD8])
}
fn is_png(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
}
fn is_tiff(b: &[u8]) -> bool {
    b.starts_with(b"II*\0")
        || b.starts_with(b"MM\0*")
        || b.starts_with(b"II+\0")
        || b.starts_with(b"MM\0+")
}
fn is_pdf(b: &[u8]) -> bool {
    b.starts_with(b"%PDF-")
}

/// Which kind of scan file this is, from its first bytes.
pub fn scan_kind(bytes: &[u8]) -> Option<&'static str> {
    if is_jpeg(bytes) {
        Some("jpeg")
    } else if is_png(bytes) {
        Some("png")
    } else if is_tiff(bytes) {
        Some("tiff")
    } else if is_pdf(bytes) {
        Some("pdf")
    } else {
        None
    }
}

/// The pages of one image file (JPEG, PNG or TIFF, which may hold several
/// pages), numbered from `first_page` in error messages.
pub(crate) fn image_file_pages(
    bytes: &[u8],
    first_page: usize,
) -> Result<Vec<ScanPage>, ScanError> {
    if is_jpeg(bytes) {
        let info = jpeg_info(bytes, first_page)?;
        Ok(vec![ScanPage {
            info,
            pixels: Pixels::Jpeg(bytes.to_vec()),
            own_file: None,
        }])
    } else if is_png(bytes) {
        let mut page = png_page(bytes, first_page)?;
        page.own_file = Some(bytes.to_vec());
        Ok(vec![page])
    } else if is_tiff(bytes) {
        tiff_pages(bytes, first_page)
    } else {
        Err(ScanError::UnknownFormat { page: first_page })
    }
}

/// Every page of a scan file: JPEG, PNG, TIFF (all its pages) or a PDF of
/// scanned images (each page's image; a page without one is refused).
pub fn read_pages(bytes: &[u8]) -> Result<Vec<ScanPage>, ScanError> {
    if is_pdf(bytes) {
        guarded(|| pdf_pages(bytes)).unwrap_or_else(|| {
            Err(ScanError::BadPdf(
                "bộ đọc PDF gặp lỗi không lường trước với tệp này".into(),
            ))
        })
    } else {
        image_file_pages(bytes, 1)
    }
}

/// Run a third-party decoder, turning a panic into `None`.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

// ----- A page as a file of its own ------------------------------------------

impl ScanPage {
    /// The JPEG bytes this page is embedded with, byte for byte, when it is
    /// a JPEG (a single-page JPEG scan: the file as the scanner wrote it).
    pub fn jpeg_bytes(&self) -> Option<&[u8]> {
        match &self.pixels {
            Pixels::Jpeg(b) => Some(b),
            _ => None,
        }
    }

    /// The decoded samples (rows byte-aligned, PDF layout).
    pub(crate) fn samples(&self) -> Result<Cow<'_, [u8]>, ScanError> {
        match &self.pixels {
            Pixels::Jpeg(b) => Ok(Cow::Borrowed(b)),
            Pixels::Flate { data, .. } => {
                let mut out = Vec::new();
                flate2::read::ZlibDecoder::new(data.as_slice())
                    .take(MAX_RASTER as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| ScanError::Pdf(e.to_string()))?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// The page as a file of its own: a JPEG byte for byte, a PNG as it
    /// came, anything else as a lossless PNG with its resolution. Returns the
    /// bytes and the media type.
    pub fn to_file(&self) -> Result<(Vec<u8>, &'static str), ScanError> {
        if let Some(own) = &self.own_file {
            return Ok((own.clone(), "image/png"));
        }
        let (bits, space) = match &self.pixels {
            Pixels::Jpeg(b) => return Ok((b.clone(), "image/jpeg")),
            Pixels::Flate { bits, space, .. } => (*bits, *space),
        };
        let (w, h) = (self.info.width_px, self.info.height_px);
        let samples = self.samples()?;
        let n = space.components();
        let row = (w as usize * n * usize::from(bits)).div_ceil(8);
        let fail =
            |e: &dyn std::fmt::Display| ScanError::Pdf(format!("không ghi được ảnh PNG: {e}"));
        if samples.len() < row * h as usize {
            return Err(fail(&"dữ liệu ảnh thiếu"));
        }
        let (data, colour): (Vec<u8>, image::ExtendedColorType) = match (space, bits) {
            (Space::Gray, 1) => {
                let mut out = Vec::with_capacity(w as usize * h as usize);
                for y in 0..h as usize {
                    let r = &samples[y * row..(y + 1) * row];
                    out.extend((0..w as usize).map(|x| {
                        if r[x / 8] & (0x80 >> (x % 8)) != 0 {
                            255
                        } else {
                            0
                        }
                    }));
                }
                (out, image::ExtendedColorType::L8)
            }
            (Space::Gray, 8) => (samples.into_owned(), image::ExtendedColorType::L8),
            (Space::Rgb, 8) => (samples.into_owned(), image::ExtendedColorType::Rgb8),
            // PNG's 16-bit samples are big-endian, like PDF's; the encoder
            // takes native-endian words.
            (Space::Gray, 16) | (Space::Rgb, 16) => {
                let words: Vec<u8> = samples
                    .chunks_exact(2)
                    .flat_map(|c| u16::from_be_bytes([c[0], c[1]]).to_ne_bytes())
                    .collect();
                let t = if space == Space::Gray {
                    image::ExtendedColorType::L16
                } else {
                    image::ExtendedColorType::Rgb16
                };
                (words, t)
            }
            // PNG has no CMYK: converted to RGB (the only case that is not
            // lossless; the assembled PDF keeps the CMYK samples).
            (Space::Cmyk, _) => {
                let step = usize::from(bits / 8);
                let s = |i: usize| u32::from(samples[i * step]);
                let px = w as usize * h as usize;
                let mut out = Vec::with_capacity(px * 3);
                for p in 0..px {
                    let k = 255 - s(p * 4 + 3);
                    for c in 0..3 {
                        out.push(((255 - s(p * 4 + c)) * k / 255) as u8);
                    }
                }
                (out, image::ExtendedColorType::Rgb8)
            }
            _ => return Err(fail(&"kiểu ảnh lạ")),
        };
        let mut png = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut png),
            &data,
            w,
            h,
            colour,
        )
        .map_err(|e| fail(&e))?;
        Ok((with_phys(png, self.info.dpi), "image/png"))
    }
}

/// A PNG with a pHYs chunk (dots per metre) after its header.
fn with_phys(png: Vec<u8>, dpi: Option<(f32, f32)>) -> Vec<u8> {
    let Some((x, y)) = dpi else { return png };
    // Signature (8) + IHDR chunk (4 + 4 + 13 + 4).
    const AFTER_IHDR: usize = 33;
    if png.len() < AFTER_IHDR || &png[12..16] != b"IHDR" {
        return png;
    }
    let per_metre = |d: f32| (d / 0.0254).round() as u32;
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    chunk.extend_from_slice(b"pHYs");
    chunk.extend_from_slice(&per_metre(x).to_be_bytes());
    chunk.extend_from_slice(&per_metre(y).to_be_bytes());
    chunk.push(1);
    let mut crc = flate2::Crc::new();
    crc.update(&chunk[4..]);
    chunk.extend_from_slice(&crc.sum().to_be_bytes());
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend_from_slice(&png[..AFTER_IHDR]);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[AFTER_IHDR..]);
    out
}
