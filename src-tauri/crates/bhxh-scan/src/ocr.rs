//! Vietnamese OCR of a scanned page with Tesseract (Debian `tesseract-ocr`
//! and its `vie` model), run as a program on a private temporary copy of
//! the page: the text, and how sure Tesseract was of it, so a page it could
//! not read is flagged for the officer instead of being silently empty.
//!
//! Pages larger than [`MAX_OCR_PIXELS`] (a 600 dpi A4 scan) are downsampled
//! to about 300 dpi before OCR so memory stays bounded; the sealed original
//! is never touched (OCR works on a copy).

use std::io::Write;
use std::process::{Command, Stdio};

/// Above this many pixels a page is downsampled for OCR (A4 at ~350 dpi).
pub const MAX_OCR_PIXELS: u64 = 3000 * 4200;

/// A page's text as Tesseract read it.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrPage {
    /// The words, in reading order, lines separated by `\n`.
    pub text: String,
    /// Mean word confidence, 0–100 (0 when no word was found).
    pub confidence: f32,
    /// How many words were read.
    pub words: usize,
    /// Each word and where it is on the page, for a searchable copy.
    pub boxes: Vec<OcrWord>,
}

/// A word OCR read and its box, as fractions of the page's width and
/// height from its top left corner (so it fits the page at any resolution).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OcrWord {
    #[serde(rename = "t")]
    pub text: String,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl OcrPage {
    /// Whether the officer should look at the page: no words, or words
    /// Tesseract was mostly unsure of.
    pub fn unreadable(&self) -> bool {
        self.words == 0 || self.confidence < 45.0
    }
}

/// Why OCR did not run.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error(
        "Chưa cài Tesseract hoặc bộ dữ liệu tiếng Việt (gói tesseract-ocr, tesseract-ocr-vie): {0}"
    )]
    Missing(String),
    #[error("Tesseract không đọc được trang: {0}")]
    Failed(String),
    #[error("Không đọc được ảnh của trang để nhận dạng chữ: {0}")]
    Image(String),
}

/// Read the text of one page image (JPEG, PNG or TIFF bytes).
pub fn ocr_page(bytes: &[u8], lang: &str) -> Result<OcrPage, OcrError> {
    let input = downsampled(bytes)?;
    let dir = tempfile::tempdir().map_err(|e| OcrError::Failed(e.to_string()))?;
    let path = dir.path().join("trang");
    {
        let mut f = std::fs::File::create(&path).map_err(|e| OcrError::Failed(e.to_string()))?;
        f.write_all(input.as_deref().unwrap_or(bytes))
            .map_err(|e| OcrError::Failed(e.to_string()))?;
    }
    let out = Command::new("tesseract")
        .arg(&path)
        .args(["stdout", "-l", lang, "--psm", "3", "tsv"])
        // One page at a time, one thread: OCR runs behind the counter's work.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| OcrError::Missing(e.to_string()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if err.contains("Failed loading language") || err.contains("Error opening data file") {
            return Err(OcrError::Missing(err.trim().to_owned()));
        }
        return Err(OcrError::Failed(err.trim().to_owned()));
    }
    Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout)))
}

/// A copy of a page too large for OCR, scaled to about 300 dpi as PNG;
/// `None` when the page is fine as it is.
fn downsampled(bytes: &[u8]) -> Result<Option<Vec<u8>>, OcrError> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| OcrError::Image(e.to_string()))?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| OcrError::Image(e.to_string()))?;
    let pixels = u64::from(w) * u64::from(h);
    if pixels <= MAX_OCR_PIXELS {
        return Ok(None);
    }
    let img = image::load_from_memory(bytes).map_err(|e| OcrError::Image(e.to_string()))?;
    let scale = (MAX_OCR_PIXELS as f64 / pixels as f64).sqrt();
    let (nw, nh) = (
        ((f64::from(w) * scale) as u32).max(1),
        ((f64::from(h) * scale) as u32).max(1),
    );
    let small = img.to_luma8();
    let small = image::imageops::resize(&small, nw, nh, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    small
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| OcrError::Image(e.to_string()))?;
    Ok(Some(out))
}

/// Tesseract's TSV: level, page, block, paragraph, line, word, left, top,
/// width, height, conf, text. Words (level 5) with conf ≥ 0.
fn parse_tsv(tsv: &str) -> OcrPage {
    let mut text = String::new();
    let mut last_line: Option<(u32, u32, u32)> = None;
    let (mut sum, mut words) = (0.0f32, 0usize);
    let mut boxes = Vec::new();
    let (mut page_w, mut page_h) = (0.0f32, 0.0f32);
    let num = |c: &str| c.trim().parse::<f32>().unwrap_or(0.0);
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(12, '\t').collect();
        if cols.len() < 12 {
            continue;
        }
        if cols[0] == "1" {
            (page_w, page_h) = (num(cols[8]), num(cols[9]));
            continue;
        }
        if cols[0] != "5" {
            continue;
        }
        let word = cols[11].trim();
        let conf: f32 = cols[10].parse().unwrap_or(-1.0);
        if word.is_empty() || conf < 0.0 {
            continue;
        }
        let key = (
            cols[2].parse().unwrap_or(0),
            cols[3].parse().unwrap_or(0),
            cols[4].parse().unwrap_or(0),
        );
        match last_line {
            Some(k) if k == key => text.push(' '),
            Some(_) => text.push('\n'),
            None => {}
        }
        last_line = Some(key);
        text.push_str(word);
        sum += conf;
        words += 1;
        if page_w > 0.0 && page_h > 0.0 {
            let f = |v: f32, of: f32| (v / of).clamp(0.0, 1.0);
            boxes.push(OcrWord {
                text: word.to_owned(),
                x: f(num(cols[6]), page_w),
                y: f(num(cols[7]), page_h),
                w: f(num(cols[8]), page_w),
                h: f(num(cols[9]), page_h),
            });
        }
    }
    OcrPage {
        text,
        confidence: if words == 0 { 0.0 } else { sum / words as f32 },
        words,
        boxes,
    }
}

/// The character error rate of `read` against `truth`: edit distance over
/// the truth's length, on whitespace-normalised NFC text.
pub fn character_error_rate(truth: &str, read: &str) -> f64 {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let a: Vec<char> = norm(truth).chars().collect();
    let b: Vec<char> = norm(read).chars().collect();
    if a.is_empty() {
        return if b.is_empty() { 0.0 } else { 1.0 };
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_make_lines_and_a_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t1000\t2000\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t100\t200\t300\t40\t90\tGiấy\n\
                   5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tkhai\n\
                   4\t1\t1\t1\t2\t0\t0\t0\t1\t1\t-1\t\n\
                   5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\tsinh\n";
        let p = parse_tsv(tsv);
        assert_eq!(p.text, "Giấy khai\nsinh");
        assert_eq!(p.words, 3);
        assert!((p.confidence - 80.0).abs() < 0.01);
        assert!(!p.unreadable());
        assert!(parse_tsv("").unreadable());
        // the first word's box, as fractions of the 1000 × 2000 page
        let b = &p.boxes[0];
        assert_eq!(b.text, "Giấy");
        assert_eq!((b.x, b.y, b.w, b.h), (0.1, 0.1, 0.3, 0.02));
        assert_eq!(p.boxes.len(), 3);
    }

    #[test]
    fn error_rate_counts_edits() {
        assert_eq!(character_error_rate("Đắk Lắk", "Đắk Lắk"), 0.0);
        assert!((character_error_rate("abcd", "abxd") - 0.25).abs() < 1e-9);
        assert_eq!(character_error_rate("", ""), 0.0);
    }
}
