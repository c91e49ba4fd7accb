//! The readers of each kind of scan file: PNG, multi-page TIFF and PDFs of
//! scanned images. Each refuses a damaged file with a precise Vietnamese
//! message and never allocates what a file merely claims.

use crate::ScanError;
use crate::inspect::jpeg_info;
use crate::page::{MAX_PAGES, MAX_RASTER, Pixels, Raster, ScanPage, Space, guarded};

// ----- PNG ------------------------------------------------------------------

pub(crate) fn png_page(bytes: &[u8], page: usize) -> Result<ScanPage, ScanError> {
    let bad = |detail: String| ScanError::BadPng { page, detail };
    let decoder = image::codecs::png::PngDecoder::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(e.to_string()))?;
    // The decoder allocates the whole page from the header's dimensions: a
    // file of a hundred bytes can claim gigabytes. Refuse that first.
    let need = image::ImageDecoder::total_bytes(&decoder);
    if need > MAX_RASTER as u64 {
        let (w, h) = image::ImageDecoder::dimensions(&decoder);
        return Err(bad(format!(
            "ảnh {w}×{h} điểm quá lớn (quá {} MB khi giải nén)",
            MAX_RASTER >> 20
        )));
    }
    let img = image::DynamicImage::from_decoder(decoder).map_err(|e| bad(e.to_string()))?;
    let colour = img.color().has_color();
    let (width, height) = (img.width(), img.height());
    let raster = if colour {
        Raster {
            width,
            height,
            bits: 8,
            space: Space::Rgb,
            samples: img.into_rgb8().into_raw(),
        }
    } else {
        Raster {
            width,
            height,
            bits: 8,
            space: Space::Gray,
            samples: img.into_luma8().into_raw(),
        }
    };
    raster.into_page("png", png_phys(bytes))
}

/// The pHYs chunk's resolution (unit 1 = metre).
pub(crate) fn png_phys(bytes: &[u8]) -> Option<(f32, f32)> {
    let mut i = 8;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[i..i + 4].try_into().ok()?) as usize;
        let kind = &bytes[i + 4..i + 8];
        let data = bytes.get(i + 8..(i + 8).checked_add(len)?)?;
        if kind == b"pHYs" && data.len() == 9 && data[8] == 1 {
            let x = u32::from_be_bytes(data[0..4].try_into().ok()?) as f32 * 0.0254;
            let y = u32::from_be_bytes(data[4..8].try_into().ok()?) as f32 * 0.0254;
            return Some((x, y));
        }
        if kind == b"IDAT" {
            return None;
        }
        i += 12 + len;
    }
    None
}

// ----- TIFF -----------------------------------------------------------------

fn tiff_error(page: usize, e: tiff::TiffError) -> ScanError {
    use tiff::TiffError as E;
    let detail = match e {
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "tệp bị cắt cụt (dữ liệu ảnh kết thúc sớm)".to_owned()
        }
        E::IoError(io) => format!("lỗi đọc dữ liệu: {io}"),
        E::FormatError(f) => format!("sai cấu trúc TIFF ({f})"),
        E::UnsupportedError(u) => format!("kiểu TIFF chưa hỗ trợ ({u})"),
        E::LimitsExceeded | E::IntSizeError => "ảnh quá lớn để đọc".to_owned(),
        other => other.to_string(),
    };
    ScanError::BadTiff { page, detail }
}

fn tiff_dpi<R: std::io::Read + std::io::Seek>(
    dec: &mut tiff::decoder::Decoder<R>,
) -> Option<(f32, f32)> {
    use tiff::decoder::ifd::Value;
    use tiff::tags::Tag;
    let num = |v: Value| -> Option<f32> {
        match v {
            Value::Rational(n, d) if d != 0 => Some(n as f32 / d as f32),
            Value::Float(f) => Some(f),
            Value::Double(f) => Some(f as f32),
            // A list of one (some writers) or a plain integer.
            Value::List(mut l) if l.len() == 1 => l.pop().and_then(|v| match v {
                Value::Rational(n, d) if d != 0 => Some(n as f32 / d as f32),
                _ => None,
            }),
            other => other.into_u32().ok().map(|v| v as f32),
        }
    };
    let x = num(dec.find_tag(Tag::XResolution).ok()??)?;
    let y = num(dec.find_tag(Tag::YResolution).ok()??)?;
    let unit = dec
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .unwrap_or(2);
    let (x, y) = match unit {
        2 => (x, y),
        3 => (x * 2.54, y * 2.54),
        _ => return None,
    };
    (x.is_finite() && y.is_finite() && x > 0.0 && y > 0.0).then_some((x, y))
}

/// Over white: a pixel with alpha as it prints.
fn over_white(v: u8, a: u8) -> u8 {
    let v = u32::from(v) * u32::from(a) + 255 * (255 - u32::from(a));
    (v / 255) as u8
}

fn tiff_raster(
    width: u32,
    height: u32,
    colour: tiff::ColorType,
    data: tiff::decoder::DecodingResult,
) -> Result<Raster, String> {
    use tiff::ColorType as C;
    use tiff::decoder::DecodingResult as D;
    let be16 = |v: Vec<u16>| v.iter().flat_map(|s| s.to_be_bytes()).collect::<Vec<u8>>();
    let r = |bits, space, samples| Raster {
        width,
        height,
        bits,
        space,
        samples,
    };
    Ok(match (colour, data) {
        (C::Gray(1), D::U8(v)) => r(1, Space::Gray, v),
        (C::Gray(8), D::U8(v)) => r(8, Space::Gray, v),
        (C::Gray(16), D::U16(v)) => r(16, Space::Gray, be16(v)),
        (C::RGB(8), D::U8(v)) => r(8, Space::Rgb, v),
        (C::RGB(16), D::U16(v)) => r(16, Space::Rgb, be16(v)),
        (C::CMYK(8), D::U8(v)) => r(8, Space::Cmyk, v),
        (C::CMYK(16), D::U16(v)) => r(16, Space::Cmyk, be16(v)),
        (C::GrayA(8), D::U8(v)) => r(
            8,
            Space::Gray,
            v.chunks_exact(2).map(|p| over_white(p[0], p[1])).collect(),
        ),
        (C::RGBA(8), D::U8(v)) => r(
            8,
            Space::Rgb,
            v.chunks_exact(4)
                .flat_map(|p| [0, 1, 2].map(|c| over_white(p[c], p[3])))
                .collect(),
        ),
        (c, _) => {
            return Err(format!(
                "kiểu màu {c:?} chưa hỗ trợ (nhận: xám 1/8/16 bit, RGB 8/16 bit, CMYK, có hoặc không kênh trong suốt 8 bit)"
            ));
        }
    })
}

/// Every page of a TIFF, in order. A cut or damaged page refuses the file.
pub(crate) fn tiff_pages(bytes: &[u8], first_page: usize) -> Result<Vec<ScanPage>, ScanError> {
    guarded(|| tiff_pages_inner(bytes, first_page)).unwrap_or_else(|| {
        Err(ScanError::BadTiff {
            page: first_page,
            detail: "bộ đọc TIFF gặp lỗi không lường trước với tệp này".into(),
        })
    })
}

fn tiff_pages_inner(bytes: &[u8], first_page: usize) -> Result<Vec<ScanPage>, ScanError> {
    use tiff::decoder::{Decoder, DecodingResult};
    let mut dec =
        Decoder::new(std::io::Cursor::new(bytes)).map_err(|e| tiff_error(first_page, e))?;
    let mut out = Vec::new();
    loop {
        let page = first_page + out.len();
        if out.len() >= MAX_PAGES {
            return Err(ScanError::BadTiff {
                page,
                detail: format!("tệp có hơn {MAX_PAGES} trang"),
            });
        }
        let (width, height) = dec.dimensions().map_err(|e| tiff_error(page, e))?;
        if width == 0 || height == 0 {
            return Err(ScanError::BadTiff {
                page,
                detail: "kích thước ảnh bằng 0".into(),
            });
        }
        let colour = dec.colortype().map_err(|e| tiff_error(page, e))?;
        let dpi = tiff_dpi(&mut dec);
        let mut buf = DecodingResult::U8(Vec::new());
        let layout = dec
            .read_image_to_buffer(&mut buf)
            .map_err(|e| tiff_error(page, e))?;
        if layout.planes > 1 {
            return Err(ScanError::BadTiff {
                page,
                detail: "ảnh lưu màu theo từng mặt phẳng (PlanarConfiguration = 2) chưa hỗ trợ; hãy quét lại kiểu xen kẽ (chunky)".into(),
            });
        }
        let raster = tiff_raster(width, height, colour, buf)
            .and_then(|r| r.check_len().map(|_| r))
            .map_err(|detail| ScanError::BadTiff { page, detail })?;
        out.push(raster.into_page("tiff", dpi)?);
        if !dec.more_images() {
            break;
        }
        dec.next_image().map_err(|e| tiff_error(page + 1, e))?;
    }
    Ok(out)
}

// ----- PDF of scanned images ------------------------------------------------

pub(crate) fn pdf_pages(bytes: &[u8]) -> Result<Vec<ScanPage>, ScanError> {
    use lopdf::{Document, LoadOptions};
    // Checks the header, the end marker and encryption first.
    crate::inspect::inspect_pdf(bytes)?;
    let doc = Document::load_mem_with_options(
        bytes,
        LoadOptions {
            max_decompressed_size: Some(MAX_RASTER),
            ..LoadOptions::default()
        },
    )
    .map_err(|e| ScanError::BadPdf(e.to_string()))?;
    let pages = doc.get_pages();
    if pages.len() > MAX_PAGES {
        return Err(ScanError::BadPdf(format!("tệp có hơn {MAX_PAGES} trang")));
    }
    let mut out = Vec::with_capacity(pages.len());
    for (i, (_, id)) in pages.iter().enumerate() {
        let page = i + 1;
        out.push(
            pdf_page(&doc, *id, page).map_err(|detail| ScanError::BadPdfPage { page, detail })?,
        );
    }
    Ok(out)
}

/// A page's entry, looked up through its parents (Resources and MediaBox
/// are inherited).
fn inherited<'a>(
    doc: &'a lopdf::Document,
    page: lopdf::ObjectId,
    key: &[u8],
) -> Option<&'a lopdf::Object> {
    let mut dict = doc.get_dictionary(page).ok()?;
    for _ in 0..64 {
        if let Ok(v) = dict.get(key) {
            return doc.dereference(v).ok().map(|(_, o)| o);
        }
        let parent = dict.get(b"Parent").ok()?.as_reference().ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn pdf_page(doc: &lopdf::Document, id: lopdf::ObjectId, page: usize) -> Result<ScanPage, String> {
    use lopdf::Object;
    let media: Vec<f32> = inherited(doc, id, b"MediaBox")
        .and_then(|o| o.as_array().ok())
        .map(|a| a.iter().filter_map(|v| v.as_float().ok()).collect())
        .unwrap_or_default();
    let (w_pt, h_pt) = match media.as_slice() {
        [x0, y0, x1, y1] => ((x1 - x0).abs(), (y1 - y0).abs()),
        _ => return Err("thiếu hoặc sai khung trang (MediaBox)".into()),
    };
    let xobjects = inherited(doc, id, b"Resources")
        .and_then(|r| r.as_dict().ok())
        .and_then(|r| r.get(b"XObject").ok())
        .and_then(|x| doc.dereference(x).ok())
        .and_then(|(_, x)| x.as_dict().ok());
    // The page's largest image is the scan (a scanner may add a small logo
    // or an OCR text layer; neither matters here).
    let mut best: Option<&lopdf::Stream> = None;
    let area = |s: &lopdf::Stream| {
        let n = |k: &[u8]| s.dict.get(k).and_then(Object::as_i64).unwrap_or(0).max(0);
        n(b"Width").saturating_mul(n(b"Height"))
    };
    for (_, v) in xobjects.iter().flat_map(|d| d.iter()) {
        let Ok((_, Object::Stream(s))) = doc.dereference(v) else {
            continue;
        };
        let is_image = s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image");
        let is_mask = matches!(s.dict.get(b"ImageMask"), Ok(Object::Boolean(true)));
        if is_image && !is_mask && best.is_none_or(|b| area(s) > area(b)) {
            best = Some(s);
        }
    }
    let Some(img) = best else {
        return Err("không có ảnh quét trên trang (tệp PDF không phải bản quét?)".into());
    };
    let dim = |k: &[u8]| -> Result<u32, String> {
        img.dict
            .get(k)
            .and_then(Object::as_i64)
            .ok()
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("ảnh thiếu hoặc sai {}", String::from_utf8_lossy(k)))
    };
    let (width, height) = (dim(b"Width")?, dim(b"Height")?);
    let dpi = (w_pt > 1.0 && h_pt > 1.0)
        .then(|| (width as f32 * 72.0 / w_pt, height as f32 * 72.0 / h_pt));
    let filters: Vec<Vec<u8>> = match img.dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    };
    if filters.last().map(Vec::as_slice) == Some(b"DCTDecode".as_slice()) {
        if filters.len() != 1 {
            return Err("ảnh JPEG được nén thêm một lớp: chưa hỗ trợ".into());
        }
        // Some writers pad the stream after the JPEG's end marker.
        let mut jpeg = img.content.as_slice();
        while let [rest @ .., b'\r' | b'\n' | b' ' | b'\t' | 0] = jpeg {
            jpeg = rest;
        }
        let mut info = jpeg_info(jpeg, page).map_err(|e| e.to_string())?;
        info.dpi = dpi.or(info.dpi);
        return Ok(ScanPage {
            info,
            pixels: Pixels::Jpeg(jpeg.to_vec()),
            own_file: None,
        });
    }
    if let Some(f) = filters.iter().find(|f| {
        !matches!(
            f.as_slice(),
            b"FlateDecode" | b"LZWDecode" | b"ASCII85Decode"
        )
    }) {
        return Err(format!(
            "ảnh nén kiểu {} chưa đọc được (nhận JPEG/DCTDecode và FlateDecode)",
            String::from_utf8_lossy(f)
        ));
    }
    let space = match img.dict.get(b"ColorSpace").map(|o| doc.dereference(o)) {
        Ok(Ok((_, Object::Name(n)))) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" => Space::Gray,
            b"DeviceRGB" | b"CalRGB" => Space::Rgb,
            b"DeviceCMYK" => Space::Cmyk,
            other => {
                return Err(format!(
                    "không gian màu {} chưa hỗ trợ",
                    String::from_utf8_lossy(other)
                ));
            }
        },
        Ok(Ok((_, Object::Array(a)))) => {
            let kind = a.first().and_then(|o| o.as_name().ok());
            let n = a
                .get(1)
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").and_then(Object::as_i64).ok());
            match (kind, n) {
                (Some(b"ICCBased"), Some(1)) => Space::Gray,
                (Some(b"ICCBased"), Some(3)) => Space::Rgb,
                (Some(b"ICCBased"), Some(4)) => Space::Cmyk,
                (Some(b"CalGray"), _) => Space::Gray,
                (Some(b"CalRGB"), _) => Space::Rgb,
                (k, _) => {
                    return Err(format!(
                        "không gian màu {} chưa hỗ trợ",
                        String::from_utf8_lossy(k.unwrap_or(b"?"))
                    ));
                }
            }
        }
        _ => return Err("ảnh thiếu không gian màu (ColorSpace)".into()),
    };
    let bits = img
        .dict
        .get(b"BitsPerComponent")
        .and_then(Object::as_i64)
        .unwrap_or(8);
    let bits = match (bits, space) {
        (1, Space::Gray) => 1,
        (8, _) => 8,
        (16, _) => 16,
        (b, _) => return Err(format!("ảnh {b} bit mỗi thành phần màu chưa hỗ trợ")),
    };
    let samples = if filters.is_empty() {
        img.content.clone()
    } else {
        img.decompressed_content_with_limit(MAX_RASTER)
            .map_err(|e| format!("không giải nén được ảnh ({e})"))?
    };
    let raster = Raster {
        width,
        height,
        bits,
        space,
        samples,
    };
    raster.check_len()?;
    raster.into_page("pdf", dpi).map_err(|e| e.to_string())
}
