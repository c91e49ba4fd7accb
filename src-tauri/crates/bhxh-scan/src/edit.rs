//! Page tools: a component's pages turned, reordered or dropped, as a new
//! assembled PDF made from the same scanned pages. A turn is the page's
//! `/Rotate` entry (ISO 32000-1, 7.7.3.3): the image stream, a JPEG byte
//! for byte, is the very one of the first assembly. Also what the officer
//! sees of a page before choosing: a small preview and whether it looks
//! blank.

use lopdf::{Document, Object};

use crate::ScanError;
use crate::assemble::assemble_pages;
use crate::page::ScanPage;

/// A quarter turn clockwise as a page is shown: 0, 90, 180 or 270 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rotation(u16);

impl Rotation {
    /// A rotation in degrees, clockwise; any multiple of 90, negative too
    /// (-90 is 270). Anything else is refused.
    pub fn from_degrees(deg: i32) -> Result<Self, ScanError> {
        if deg % 90 != 0 {
            return Err(ScanError::Rotation(deg));
        }
        let d = deg.rem_euclid(360);
        u16::try_from(d)
            .map(Rotation)
            .map_err(|_| ScanError::Rotation(deg))
    }

    pub fn degrees(self) -> u16 {
        self.0
    }

    /// This rotation turned further by `other`.
    pub fn then(self, other: Rotation) -> Rotation {
        Rotation((self.0 + other.0) % 360)
    }
}

/// Assemble pages, each with its turn, into one PDF as
/// [`assemble_pages`] does; a turned page gets `/Rotate`, nothing else
/// about it changes.
pub fn assemble_turned(
    pages: &[(&ScanPage, Rotation)],
    title: &str,
    stamp: Option<&str>,
) -> Result<Vec<u8>, ScanError> {
    let refs: Vec<&ScanPage> = pages.iter().map(|(p, _)| *p).collect();
    let pdf = assemble_pages(&refs, title, stamp)?;
    if pages.iter().all(|(_, r)| r.0 == 0) {
        return Ok(pdf);
    }
    let mut doc = Document::load_mem(&pdf).map_err(|e| ScanError::Pdf(e.to_string()))?;
    let ids: Vec<_> = doc.get_pages().into_values().collect();
    if ids.len() != pages.len() {
        return Err(ScanError::Pdf(format!(
            "tệp ghép có {} trang thay vì {}",
            ids.len(),
            pages.len()
        )));
    }
    for (id, (_, rot)) in ids.into_iter().zip(pages) {
        if rot.0 != 0 {
            doc.get_dictionary_mut(id)
                .map_err(|e| ScanError::Pdf(e.to_string()))?
                .set("Rotate", Object::Integer(i64::from(rot.0)));
        }
    }
    let mut out = Vec::with_capacity(pdf.len() + 64 * pages.len());
    doc.save_to(&mut out)
        .map_err(|e| ScanError::Pdf(e.to_string()))?;
    Ok(out)
}

/// Each page's `/Rotate` in a PDF (0 when absent), in page order.
pub fn page_rotations(pdf: &[u8]) -> Result<Vec<u16>, ScanError> {
    let doc = Document::load_mem(pdf).map_err(|e| ScanError::BadPdf(e.to_string()))?;
    let mut out = Vec::new();
    for id in doc.get_pages().into_values() {
        let rot = doc
            .get_dictionary(id)
            .ok()
            .and_then(|d| d.get(b"Rotate").ok())
            .and_then(|o| o.as_i64().ok())
            .unwrap_or(0);
        out.push(u16::try_from(rot.rem_euclid(360)).unwrap_or(0));
    }
    Ok(out)
}

/// A preview of a page, at most `max_px` on its longer side, as a JPEG
/// (for the page strip; never stored).
pub fn preview(page: &ScanPage, max_px: u32) -> Result<Vec<u8>, ScanError> {
    let small = small_image(page, max_px)?;
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(small.to_rgb8())
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .map_err(|e| ScanError::Pdf(format!("không tạo được ảnh xem trước: {e}")))?;
    Ok(out)
}

/// Whether a page looks blank: almost no dark marks on it (a sheet's
/// empty back through a duplex feeder). Only a hint for the officer.
pub fn looks_blank(page: &ScanPage) -> Result<bool, ScanError> {
    let grey = small_image(page, 400)?.to_luma8();
    let total = grey.pixels().len().max(1);
    // The paper's own tone, not pure white: a page is blank when next to
    // nothing is much darker than its usual shade.
    let (hist, paper) = tones(&grey);
    // A dark sheet (or a black frame from a scanner with its lid open) is
    // not an empty page.
    if paper < 150 {
        return Ok(false);
    }
    let ink: usize = hist[..usize::from(ink_below(paper))].iter().sum();
    // fewer than 0.1% of the points are ink
    Ok(ink * 1000 < total)
}

/// How far a page's lines of text lean, in degrees (positive: clockwise as
/// the page is shown), found by shearing its ink until the rows of text
/// line up best; `None` when there is too little ink to tell. Pages that
/// lean a degree or more are worth scanning again (the law asks for the
/// paper as it is; a crooked copy is harder to read and to OCR).
pub fn skew_degrees(page: &ScanPage) -> Result<Option<f32>, ScanError> {
    let grey = small_image(page, 1000)?.to_luma8();
    let (w, h) = grey.dimensions();
    let total = grey.pixels().len().max(1);
    let (_, paper) = tones(&grey);
    let dark = ink_below(paper);
    let ink: Vec<(f32, f32)> = grey
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] < dark)
        .map(|(x, y, _)| (x as f32, y as f32))
        .collect();
    if ink.len() < 200 || ink.len() * 2 > total {
        return Ok(None);
    }
    let rows = h as usize + w as usize;
    let score = |deg: f32| -> f64 {
        let t = deg.to_radians().tan();
        let mut bins = vec![0u32; rows * 2];
        for &(x, y) in &ink {
            let r = (y - x * t).round() as i64 + rows as i64;
            if let Some(b) = usize::try_from(r).ok().and_then(|r| bins.get_mut(r)) {
                *b += 1;
            }
        }
        bins.iter().map(|&c| f64::from(c) * f64::from(c)).sum()
    };
    // Coarse then fine: half-degree steps over ±8°, then tenths around the best.
    let best = |from: f32, to: f32, step: f32| {
        let mut a = from;
        let (mut best, mut at) = (f64::MIN, from);
        while a <= to + f32::EPSILON {
            let s = score(a);
            if s > best {
                (best, at) = (s, a);
            }
            a += step;
        }
        at
    };
    let coarse = best(-8.0, 8.0, 0.5);
    Ok(Some(best(coarse - 0.5, coarse + 0.5, 0.1)))
}

/// A grey page's histogram and its paper's tone (the median: most of a
/// page is paper).
fn tones(grey: &image::GrayImage) -> ([usize; 256], u8) {
    let mut hist = [0usize; 256];
    for p in grey.pixels() {
        hist[usize::from(p.0[0])] += 1;
    }
    let total = grey.pixels().len().max(1);
    let mut seen = 0;
    for (v, n) in hist.iter().enumerate().rev() {
        seen += n;
        if seen * 2 >= total {
            return (hist, u8::try_from(v).unwrap_or(255));
        }
    }
    (hist, 255)
}

/// Below this tone a point is ink on paper of tone `paper`.
fn ink_below(paper: u8) -> u8 {
    paper.saturating_sub(80)
}

fn small_image(page: &ScanPage, max_px: u32) -> Result<image::DynamicImage, ScanError> {
    let (file, _) = page.to_file()?;
    let img = crate::page::guarded(|| image::load_from_memory(&file))
        .ok_or_else(|| ScanError::Pdf("bộ giải mã ảnh gặp lỗi với trang này".into()))?
        .map_err(|e| ScanError::Pdf(format!("không giải mã được trang: {e}")))?;
    Ok(img.thumbnail(max_px.max(16), max_px.max(16)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations_are_quarter_turns_only() {
        assert_eq!(Rotation::from_degrees(-90).unwrap().degrees(), 270);
        assert_eq!(Rotation::from_degrees(450).unwrap().degrees(), 90);
        assert!(Rotation::from_degrees(45).is_err());
        let r = Rotation::from_degrees(270).unwrap();
        assert_eq!(r.then(Rotation::from_degrees(180).unwrap()).degrees(), 90);
    }
}
