//! Vietnamese OCR with the real Tesseract and its `vie` model: text set in
//! the desk's own font (Liberation Serif) at 200 and 300 dpi, clean, noisy
//! and skewed, read back; the character error rates are printed (figures for
//! docs/benchmarks.md, never assertions), and what the desk relies on is
//! asserted: the words a search would use are found on a clean 300 dpi
//! page, and a blank page is flagged, not silently empty.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;
use std::process::Command;

use bhxh_scan::ocr::{character_error_rate, ocr_page};

const TEXT: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\
Độc lập - Tự do - Hạnh phúc\n\
TỜ KHAI THAM GIA, ĐIỀU CHỈNH THÔNG TIN BẢO HIỂM XÃ HỘI\n\
Họ và tên: Nguyễn Thị Hường. Ngày sinh: 05/01/1993.\n\
Địa chỉ: thôn Đồng Xoài, xã Ea Kar, tỉnh Đắk Lắk.\n\
Đề nghị hưởng chế độ thai sản theo Luật Bảo hiểm xã hội.";

fn font() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../assets/fonts/LiberationSerif-Regular.ttf")
        .display()
        .to_string()
}

/// The text set at `dpi`, with ImageMagick's extra operators (noise, skew).
fn render(dir: &Path, dpi: u32, extra: &[&str]) -> Vec<u8> {
    let out = dir.join(format!("page-{dpi}-{}.png", extra.len()));
    let status = Command::new("convert")
        .args(["-density", &dpi.to_string(), "-units", "PixelsPerInch"])
        .args(["-background", "white", "-fill", "black", "-font", &font()])
        .args(["-pointsize", "12"])
        // The text as an argument: Debian's ImageMagick policy refuses `@file`.
        .arg(format!("label:{TEXT}"))
        .args(["-bordercolor", "white", "-border", "80"])
        .args(extra)
        .args(["-colorspace", "Gray"])
        .arg(&out)
        .status()
        .expect("ImageMagick convert: scripts/deps.sh test");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

#[test]
fn vietnamese_text_is_read_and_a_blank_page_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, u32, &[&str]); 4] = [
        ("300 dpi, clean", 300, &[]),
        ("200 dpi, clean", 200, &[]),
        (
            "300 dpi, noise and 1.5° skew",
            300,
            &["-attenuate", "0.4", "+noise", "Gaussian", "-rotate", "1.5"],
        ),
        (
            "200 dpi, noise and 1.5° skew",
            200,
            &["-attenuate", "0.4", "+noise", "Gaussian", "-rotate", "1.5"],
        ),
    ];
    for (name, dpi, extra) in cases {
        let page = render(dir.path(), dpi, extra);
        let read = ocr_page(&page, "vie").unwrap();
        let cer = character_error_rate(TEXT, &read.text);
        println!(
            "OCR {name}: CER {:.2}% ({} words, mean confidence {:.0})",
            cer * 100.0,
            read.words,
            read.confidence
        );
        if dpi == 300 && extra.is_empty() {
            for word in ["Nguyễn", "Hường", "Đắk", "thai", "sản"] {
                assert!(read.text.contains(word), "{word} not in {:?}", read.text);
            }
            assert!(!read.unreadable());
        }
    }
    // A blank page: nothing read, and said so.
    let blank = dir.path().join("blank.png");
    assert!(
        Command::new("convert")
            .args(["-size", "1654x2339", "xc:white"])
            .arg(&blank)
            .status()
            .unwrap()
            .success()
    );
    let read = ocr_page(&std::fs::read(&blank).unwrap(), "vie").unwrap();
    assert!(read.unreadable(), "{read:?}");
}
