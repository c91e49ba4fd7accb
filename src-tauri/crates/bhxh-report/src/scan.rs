//! Scanned pages assembled into one PDF per dossier component (Circular
//! 01/2023: PDF, colour, at least 200 dpi, 100% scale, the paper's page
//! count and order).
//!
//! A JPEG goes in **byte for byte** (an image XObject with `DCTDecode`): no
//! quality is lost and the bytes hashed at intake are the bytes in the PDF.
//! A PNG, and every page of a TIFF (which may hold several: read with the
//! `tiff` crate, since `image` reads only the first), is decoded and stored
//! losslessly (`FlateDecode` of the samples, 1, 8 or 16 bits, grey, RGB or
//! CMYK, as scanned). Each page takes the
//! scan's physical size from its resolution, so the PDF prints at 100%.
//! The digitiser's name and time go top left on page 1 of this assembled
//! copy (never on a received, signed original: those are kept as they came).

use std::collections::BTreeMap;

use printpdf::{
    DictItem, ExternalStream, ExternalXObject, Op, PdfDocument, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions, Px, XObjectTransform,
};

use crate::canvas::{Placed, text_ops};
use crate::fonts::{Face, FontSet};
use crate::layout::PT_PER_MM;
use crate::model::nfc;
use crate::pages::{Pixels, ScanPage, Space, image_file_pages};

/// The least resolution the law accepts.
pub const MIN_DPI: u32 = 200;

/// Why a scan was refused. Vietnamese, for the digitisation desk.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("Trang {page}: không phải ảnh JPEG, PNG hoặc TIFF.")]
    UnknownFormat { page: usize },
    #[error("Trang {page}: ảnh JPEG hỏng ({detail}).")]
    BadJpeg { page: usize, detail: String },
    #[error("Trang {page}: ảnh PNG hỏng ({detail}).")]
    BadPng { page: usize, detail: String },
    #[error("Trang {page}: ảnh TIFF hỏng hoặc không đọc được ({detail}).")]
    BadTiff { page: usize, detail: String },
    #[error("Trang {page} của tệp PDF: {detail}.")]
    BadPdfPage { page: usize, detail: String },
    #[error("Không có trang nào để ghép.")]
    NoPages,
    #[error("Tệp PDF hỏng hoặc bị cắt cụt ({0}).")]
    BadPdf(String),
    #[error("Tệp PDF được đặt mật khẩu hoặc mã hóa: hãy xin bản không khóa để lưu trữ.")]
    EncryptedPdf,
    #[error("không nạp được phông chữ: {0}")]
    Font(String),
    #[error("lỗi khi ghi tệp PDF: {0}")]
    Pdf(String),
}

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

    fn dpi_or_default(&self) -> (f32, f32) {
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

fn image_stream(
    info: &PageInfo,
    content: Vec<u8>,
    filter: &str,
    bits: u8,
    space: Space,
) -> ExternalXObject {
    let name = |s: &str| DictItem::Name(s.as_bytes().to_vec());
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_owned(), name("XObject"));
    dict.insert("Subtype".to_owned(), name("Image"));
    dict.insert("Width".to_owned(), DictItem::Int(i64::from(info.width_px)));
    dict.insert(
        "Height".to_owned(),
        DictItem::Int(i64::from(info.height_px)),
    );
    dict.insert(
        "BitsPerComponent".to_owned(),
        DictItem::Int(i64::from(bits)),
    );
    dict.insert("ColorSpace".to_owned(), name(space.pdf_name()));
    dict.insert("Filter".to_owned(), name(filter));
    ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            // Never touched again: a JPEG stays the scanner's bytes.
            compress: false,
        },
        width: Some(Px(info.width_px as usize)),
        height: Some(Px(info.height_px as usize)),
        dpi: None,
    }
}

/// Assemble scanned pages (JPEG, PNG or TIFF files, in paper order; a TIFF
/// gives all its pages) into one PDF. `stamp`, when given, is printed top
/// left on page 1 ("Số hóa: …"). Every file is read and checked before
/// anything is made. Returns the PDF and each PDF page's info.
pub fn assemble_scans(
    files: &[&[u8]],
    title: &str,
    stamp: Option<&str>,
) -> Result<(Vec<u8>, Vec<PageInfo>), ScanError> {
    let mut pages = Vec::new();
    for bytes in files {
        pages.extend(image_file_pages(bytes, pages.len() + 1)?);
    }
    let refs: Vec<&ScanPage> = pages.iter().collect();
    let pdf = assemble_pages(&refs, title, stamp)?;
    Ok((pdf, pages.into_iter().map(|p| p.info).collect()))
}

/// Assemble pages already read (see [`crate::read_pages`]) into one PDF, as
/// [`assemble_scans`] does.
pub fn assemble_pages(
    pages: &[&ScanPage],
    title: &str,
    stamp: Option<&str>,
) -> Result<Vec<u8>, ScanError> {
    if pages.is_empty() {
        return Err(ScanError::NoPages);
    }
    let mut pdf = PdfDocument::new(title);
    let mut out_pages = Vec::with_capacity(pages.len());
    let font = match stamp {
        Some(_) => {
            let fonts = FontSet::get().map_err(|e| ScanError::Font(e.to_string()))?;
            Some(pdf.add_font(&fonts.face(Face::Regular).parsed))
        }
        None => None,
    };
    for (i, page) in pages.iter().enumerate() {
        let info = &page.info;
        let xobj = match &page.pixels {
            Pixels::Jpeg(bytes) => {
                let space = if info.colour { Space::Rgb } else { Space::Gray };
                image_stream(info, bytes.clone(), "DCTDecode", 8, space)
            }
            Pixels::Flate { data, bits, space } => {
                image_stream(info, data.clone(), "FlateDecode", *bits, *space)
            }
        };
        let (dx, dy) = info.dpi_or_default();
        let w_pt = info.width_px as f32 * 72.0 / dx;
        let h_pt = info.height_px as f32 * 72.0 / dy;
        let id = pdf.add_xobject(&xobj);
        let mut ops = vec![Op::UseXobject {
            id,
            transform: XObjectTransform {
                scale_x: Some(w_pt),
                scale_y: Some(h_pt),
                no_auto_scale: true,
                ..XObjectTransform::default()
            },
        }];
        if let (0, Some(text), Some(font)) = (i, stamp, font.as_ref()) {
            let size = 9.0;
            let text = nfc(text);
            // White box under the text so it reads on any scan.
            let fonts = FontSet::get().map_err(|e| ScanError::Font(e.to_string()))?;
            let width = fonts.face(Face::Regular).width(&text, size) + 6.0;
            let top = h_pt - 5.0 * PT_PER_MM;
            ops.extend(white_box(
                5.0 * PT_PER_MM - 3.0,
                top - size - 3.0,
                width,
                size + 6.0,
            ));
            ops.extend(text_ops(
                font,
                size,
                &[Placed {
                    x: 5.0 * PT_PER_MM,
                    baseline: top - size * 0.8,
                    text: &text,
                }],
            ));
        }
        out_pages.push(PdfPage::new(
            printpdf::Mm(w_pt / PT_PER_MM),
            printpdf::Mm(h_pt / PT_PER_MM),
            ops,
        ));
    }
    pdf.with_pages(out_pages);
    pdf.metadata.info.producer = "BHXH Desk".to_owned();
    pdf.metadata.info.creator = "BHXH Desk".to_owned();
    // No optimisation pass: it would walk (and copy) every image stream to
    // compress what must stay as it is; the page streams are a few bytes.
    let options = PdfSaveOptions {
        image_optimization: None,
        optimize: false,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let bytes = pdf.save(&options, &mut warnings);
    let errors: Vec<String> = warnings
        .iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg.clone())
        .collect();
    if !errors.is_empty() {
        return Err(ScanError::Pdf(errors.join("; ")));
    }
    Ok(bytes)
}

fn white_box(x: f32, y: f32, w: f32, h: f32) -> Vec<Op> {
    let mut ops = vec![Op::SaveGraphicsState];
    ops.push(Op::SetFillColor {
        col: printpdf::Color::Rgb(printpdf::Rgb {
            r: 1.0,
            g: 1.0,
            b: 1.0,
            icc_profile: None,
        }),
    });
    ops.extend(crate::canvas::filled_boxes_ops(&[(x, y, w, h)]));
    ops.push(Op::RestoreGraphicsState);
    ops
}
