//! Scans assembled into PDFs, checked with poppler's tools: the JPEG comes
//! out of the PDF byte for byte, a PNG pixel for pixel, pages print at 100%.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_report::testing::{poppler, squash};
use bhxh_scan::{ScanError, assemble_scans, inspect_page, inspect_pdf};
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::{GrayImage, RgbImage};

fn rgb(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    })
}

fn jpeg(img: &RgbImage, dpi: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, 85);
    enc.set_pixel_density(PixelDensity::dpi(dpi));
    enc.encode_image(img).unwrap();
    out
}

fn png(img: &image::DynamicImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Files `pdfimages` pulls out of a PDF, in page order.
fn extracted(pdf: &[u8], args: &[&str]) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.pdf");
    std::fs::write(&path, pdf).unwrap();
    let status = std::process::Command::new("pdfimages")
        .args(args)
        .arg(&path)
        .arg(dir.path().join("img"))
        .status()
        .expect("pdfimages (poppler-utils)");
    assert!(status.success());
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("img"))
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn jpeg_pages_go_in_byte_for_byte_at_their_printed_size() {
    let a = jpeg(&rgb(800, 1132), 200);
    let b = jpeg(&rgb(566, 400), 300);
    let (pdf, infos) = assemble_scans(
        &[&a, &b],
        "Tờ khai",
        Some("Số hóa: Trần Thị Hằng, 25/11/2026 10:15"),
    )
    .unwrap();
    assert_eq!(infos.len(), 2);
    assert!(
        infos[0].colour && infos[0].warnings(1).is_empty(),
        "{:?}",
        infos[0]
    );
    assert_eq!(extracted(&pdf, &["-all"]), vec![a, b]);
    let info = poppler("pdfinfo", &["-f", "1", "-l", "2"], &pdf);
    // 800 px at 200 dpi = 288 pt; 566 px at 300 dpi = 135.84 pt.
    assert!(info.contains("Page    1 size:  288 x 407.52 pts"), "{info}");
    assert!(info.contains("Page    2 size:  135.84 x 96 pts"), "{info}");
    let text = squash(&poppler("pdftotext", &["-f", "1", "-l", "1"], &pdf));
    assert!(
        text.contains("Số hóa: Trần Thị Hằng, 25/11/2026 10:15"),
        "{text}"
    );
    let second = squash(&poppler("pdftotext", &["-f", "2", "-l", "2"], &pdf));
    assert!(second.is_empty(), "the stamp is on page 1 only: {second}");
}

#[test]
fn png_pages_are_kept_pixel_for_pixel() {
    let img = image::DynamicImage::ImageRgb8(rgb(300, 200));
    let (pdf, infos) = assemble_scans(&[&png(&img)], "Giấy ra viện", None).unwrap();
    assert_eq!(infos[0].format, "png");
    // No resolution in the file: said so, and laid out at 200 dpi.
    assert!(infos[0].warnings(1)[0].contains("không ghi độ phân giải"));
    let out = extracted(&pdf, &["-png"]);
    assert_eq!(out.len(), 1);
    let back = image::load_from_memory(&out[0]).unwrap().into_rgb8();
    assert_eq!(back, rgb(300, 200));
}

#[test]
fn damaged_low_resolution_and_grey_scans_are_told_apart() {
    let good = jpeg(&rgb(200, 280), 200);
    let cut = &good[..good.len() - 100];
    match assemble_scans(&[&good, cut], "x", None) {
        Err(ScanError::BadJpeg { page: 2, detail }) => {
            assert!(detail.contains("cắt cụt"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    let mut garbled = good.clone();
    garbled[2] = 0x00;
    assert!(matches!(
        inspect_page(&garbled, 1),
        Err(ScanError::BadJpeg { page: 1, .. })
    ));
    assert!(matches!(
        assemble_scans(&[b"GIF89a...."], "x", None),
        Err(ScanError::UnknownFormat { page: 1 })
    ));
    assert!(matches!(
        assemble_scans(&[], "x", None),
        Err(ScanError::NoPages)
    ));
    let mut bad_png = png(&image::DynamicImage::ImageRgb8(rgb(50, 50)));
    let n = bad_png.len();
    bad_png.truncate(n / 2);
    assert!(matches!(
        inspect_page(&bad_png, 3),
        Err(ScanError::BadPng { page: 3, .. })
    ));

    let low = inspect_page(&jpeg(&rgb(100, 140), 50), 1).unwrap();
    assert!(
        low.warnings(1)[0].contains("50 dpi"),
        "{:?}",
        low.warnings(1)
    );
    let grey = GrayImage::from_fn(100, 100, |x, _| image::Luma([x as u8]));
    let mut g = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut g, 85);
    enc.set_pixel_density(PixelDensity::dpi(300));
    enc.encode_image(&grey).unwrap();
    let info = inspect_page(&g, 4).unwrap();
    assert!(!info.colour);
    assert_eq!(
        info.warnings(4),
        vec!["Trang 4: ảnh không phải ảnh màu.".to_owned()]
    );
    // A grey JPEG still goes in byte for byte, as DeviceGray.
    let (pdf, _) = assemble_scans(&[&g], "x", None).unwrap();
    assert_eq!(extracted(&pdf, &["-all"]), vec![g]);
}

#[test]
fn a_kept_pdf_is_counted_and_a_cut_or_locked_one_refused() {
    let a = jpeg(&rgb(200, 280), 200);
    let (pdf, _) = assemble_scans(&[&a, &a, &a], "x", None).unwrap();
    assert_eq!(inspect_pdf(&pdf).unwrap(), 3);
    let cut = &pdf[..pdf.len() * 2 / 3];
    assert!(matches!(inspect_pdf(cut), Err(ScanError::BadPdf(_))));
    assert!(matches!(inspect_pdf(b"<html>"), Err(ScanError::BadPdf(_))));
    // An encrypted PDF made by qpdf, the way a locked file arrives.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("a.pdf");
    let locked = dir.path().join("b.pdf");
    std::fs::write(&plain, &pdf).unwrap();
    let made = std::process::Command::new("qpdf")
        .args(["--encrypt", "", "chu-so-huu", "256", "--"])
        .arg(&plain)
        .arg(&locked)
        .status()
        .expect("qpdf (Debian package qpdf)");
    assert!(made.success());
    let err = inspect_pdf(&std::fs::read(&locked).unwrap()).unwrap_err();
    assert!(matches!(err, ScanError::EncryptedPdf), "{err}");
    assert!(err.to_string().contains("mật khẩu"));
}

#[test]
fn turned_and_reordered_pages_keep_their_jpeg_bytes_and_carry_rotate() {
    use bhxh_scan::edit::{Rotation, assemble_turned, looks_blank, page_rotations, preview};
    let a = jpeg(&rgb(400, 566), 200);
    let b = jpeg(&rgb(566, 400), 200);
    let c = jpeg(
        &RgbImage::from_pixel(400, 566, image::Rgb([250, 248, 245])),
        200,
    );
    let pa = bhxh_scan::read_pages(&a).unwrap().remove(0);
    let pb = bhxh_scan::read_pages(&b).unwrap().remove(0);
    let pc = bhxh_scan::read_pages(&c).unwrap().remove(0);
    // the blank sheet is told apart from the printed ones
    assert!(looks_blank(&pc).unwrap());
    assert!(!looks_blank(&pa).unwrap());
    let black = jpeg(&RgbImage::from_pixel(400, 566, image::Rgb([0, 0, 0])), 200);
    let black = bhxh_scan::read_pages(&black).unwrap().remove(0);
    assert!(
        !looks_blank(&black).unwrap(),
        "a black sheet is not an empty page"
    );
    // b first, turned a quarter clockwise; a upside down; c dropped
    let turned = [
        (&pb, Rotation::from_degrees(90).unwrap()),
        (&pa, Rotation::from_degrees(-180).unwrap()),
    ];
    let pdf = assemble_turned(
        &turned,
        "Tờ khai",
        Some("Số hóa: Lê Văn An, 02/12/2026 09:00"),
    )
    .unwrap();
    assert_eq!(page_rotations(&pdf).unwrap(), vec![90, 180]);
    // the scanner's bytes, untouched, in the new order
    assert_eq!(extracted(&pdf, &["-all"]), vec![b.clone(), a.clone()]);
    let info = poppler("pdfinfo", &["-f", "1", "-l", "2"], &pdf);
    assert!(info.contains("Page    1 rot:   90"), "{info}");
    assert!(info.contains("Page    2 rot:   180"), "{info}");
    // nothing turned: no /Rotate at all
    let plain = assemble_turned(&[(&pa, Rotation::default())], "Tờ khai", None).unwrap();
    assert_eq!(page_rotations(&plain).unwrap(), vec![0]);
    // a preview is a small JPEG
    let p = preview(&pa, 160).unwrap();
    let img = image::load_from_memory(&p).unwrap();
    assert!(
        img.width() <= 160 && img.height() <= 160,
        "{}x{}",
        img.width(),
        img.height()
    );
}

#[test]
fn the_archival_copy_is_pdf_a_2b_with_the_ocr_words_hidden_over_the_scans() {
    use bhxh_scan::archive::{ArchiveInfo, ArchivePage, archival_copy};
    use bhxh_scan::edit::Rotation;
    use bhxh_scan::ocr::OcrWord;
    use chrono::TimeZone;
    let a = jpeg(&rgb(800, 1132), 200);
    let b = jpeg(&rgb(566, 400), 200);
    let pa = bhxh_scan::read_pages(&a).unwrap().remove(0);
    let pb = bhxh_scan::read_pages(&b).unwrap().remove(0);
    let word = |t: &str, x: f32, y: f32| OcrWord {
        text: t.into(),
        x,
        y,
        w: 0.2,
        h: 0.03,
    };
    let words_a = [
        word("Bệnh", 0.1, 0.2),
        word("viện", 0.35, 0.2),
        word("Tây", 0.1, 0.3),
        word("Nguyên", 0.35, 0.3),
    ];
    let words_b = [word("Đắk", 0.1, 0.5), word("Lắk", 0.4, 0.5)];
    let pages = [
        ArchivePage {
            page: &pa,
            rotate: Rotation::default(),
            words: &words_a,
        },
        ArchivePage {
            page: &pb,
            rotate: Rotation::from_degrees(90).unwrap(),
            words: &words_b,
        },
    ];
    let created = chrono::FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 12, 2, 9, 30, 0)
        .unwrap();
    let pdf = archival_copy(
        &pages,
        &ArchiveInfo {
            title: "Giấy ra viện – hồ sơ 000.00.17.H23-261202-0001",
            author: "Bảo hiểm xã hội tỉnh Đắk Lắk",
            created,
            stamp: Some("Số hóa: Lê Văn An, 02/12/2026 09:00"),
        },
    )
    .unwrap();
    // the header PDF/A asks for: version 1.7 and a binary comment line
    assert!(pdf.starts_with(b"%PDF-1.7"), "{:?}", &pdf[..12]);
    let second = pdf.split(|c| *c == b'\n').nth(1).unwrap();
    assert!(
        second.starts_with(b"%") && second.iter().skip(1).take(4).all(|c| *c >= 128),
        "{second:?}"
    );
    // the scans, byte for byte, and the turn
    assert_eq!(extracted(&pdf, &["-all"]), vec![a, b]);
    let info = poppler("pdfinfo", &["-f", "1", "-l", "2"], &pdf);
    assert!(info.contains("Page    2 rot:   90"), "{info}");
    assert!(info.contains("Title:           Giấy ra viện"), "{info}");
    assert!(
        info.contains("Author:          Bảo hiểm xã hội tỉnh Đắk Lắk"),
        "{info}"
    );
    // the words, found by a text search, though nothing shows
    let text = squash(&poppler("pdftotext", &[], &pdf));
    for w in ["Bệnh viện", "Tây Nguyên", "Đắk Lắk", "Số hóa: Lê Văn An"] {
        assert!(text.contains(w), "{w}: {text}");
    }
    // XMP: PDF/A-2b, and the same title, author and dates as the info dictionary
    let xmp = poppler("pdfinfo", &["-meta"], &pdf);
    for needle in [
        "<pdfaid:part>2</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "Giấy ra viện – hồ sơ 000.00.17.H23-261202-0001",
        "Bảo hiểm xã hội tỉnh Đắk Lắk",
        "<xmp:CreateDate>2026-12-02T09:30:00+07:00</xmp:CreateDate>",
    ] {
        assert!(xmp.contains(needle), "{needle}: {xmp}");
    }
    // every font embedded
    let fonts = poppler("pdffonts", &[], &pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        assert_eq!(cols[cols.len() - 5], "yes", "not embedded: {r}");
    }
    // the output intent: GTS_PDFA1 with an RGB display profile
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let catalog = doc.catalog().unwrap();
    let intents = catalog.get(b"OutputIntents").unwrap().as_array().unwrap();
    let intent = intents[0].as_dict().unwrap();
    assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
    let icc = doc
        .get_object(
            intent
                .get(b"DestOutputProfile")
                .unwrap()
                .as_reference()
                .unwrap(),
        )
        .unwrap()
        .as_stream()
        .unwrap();
    assert_eq!(icc.dict.get(b"N").unwrap().as_i64().unwrap(), 3);
    assert_eq!(&icc.content[36..40], b"acsp");
    assert_eq!(&icc.content[16..20], b"RGB ");
    // and every CID font names its glyph map
    for obj in doc.objects.values() {
        if let Ok(d) = obj.as_dict()
            && d.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"CIDFontType2".as_slice())
        {
            assert!(d.has(b"CIDToGIDMap"));
        }
    }
    assert!(doc.trailer.has(b"ID"));
    // and qpdf finds the file sound
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("luu-tru.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let check = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn a_crooked_page_is_told_apart_from_a_straight_one() {
    use bhxh_scan::edit::skew_degrees;
    let dir = tempfile::tempdir().unwrap();
    let font = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../assets/fonts/LiberationSerif-Regular.ttf");
    let text = (0..20)
        .map(|i| format!("Dòng {i}: Tờ khai tham gia bảo hiểm xã hội, bảo hiểm y tế"))
        .collect::<Vec<_>>()
        .join("\n");
    let page = |name: &str, turn: &str| -> Vec<u8> {
        let out = dir.path().join(name);
        let ok = std::process::Command::new("convert")
            .args([
                "-size",
                "1654x2339",
                "-density",
                "200",
                "xc:white",
                "-fill",
                "black",
                "-font",
            ])
            .arg(&font)
            .args(["-pointsize", "12", "-annotate", "+150+200"])
            .arg(&text)
            .args(["-background", "white", "-rotate", turn, "-quality", "90"])
            .arg(&out)
            .status()
            .expect("ImageMagick convert");
        assert!(ok.success());
        std::fs::read(&out).unwrap()
    };
    let read = |b: &[u8]| bhxh_scan::read_pages(b).unwrap().remove(0);
    let straight = skew_degrees(&read(&page("thang.jpg", "0")))
        .unwrap()
        .unwrap();
    assert!(straight.abs() < 0.3, "straight page: {straight}°");
    let crooked = skew_degrees(&read(&page("nghieng.jpg", "3")))
        .unwrap()
        .unwrap();
    assert!(
        (crooked - 3.0).abs() < 0.5,
        "3° clockwise read as {crooked}°"
    );
    let other = skew_degrees(&read(&page("nghieng-trai.jpg", "-2")))
        .unwrap()
        .unwrap();
    assert!(
        (other + 2.0).abs() < 0.5,
        "2° anticlockwise read as {other}°"
    );
    // a blank page says nothing
    let blank = jpeg(
        &RgbImage::from_pixel(400, 566, image::Rgb([250, 250, 250])),
        200,
    );
    assert_eq!(skew_degrees(&read(&blank)).unwrap(), None);
}
