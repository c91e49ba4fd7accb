//! Multi-page TIFF scans and scanned-image PDFs, checked with poppler's
//! tools: every TIFF page becomes a PDF page pixel for pixel at its printed
//! size; the pages of a PDF made by img2pdf come back as they went in; a
//! QR code on a page is read back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::io::Cursor;

use bhxh_report::testing::poppler;
use bhxh_scan::{ScanError, assemble_scans, inspect_page, inspect_pages, read_pages};
use image::{GrayImage, RgbImage};
use tiff::encoder::{Compression, Rational, TiffEncoder, colortype};
use tiff::tags::ResolutionUnit;

fn rgb(w: u32, h: u32, seed: u8) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x % 251) as u8 ^ seed,
            (y % 241) as u8,
            ((x + y) % 239) as u8,
        ])
    })
}

/// One page of a test TIFF.
enum Page {
    Rgb(RgbImage, u32),
    Gray(GrayImage, u32),
    Rgb16(u32, u32, u32),
}

fn tiff(pages: &[Page], compression: Compression) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out)
        .unwrap()
        .with_compression(compression);
    for p in pages {
        let dpi = |d: u32| Rational { n: d, d: 1 };
        match p {
            Page::Rgb(img, d) => {
                let mut i = enc
                    .new_image::<colortype::RGB8>(img.width(), img.height())
                    .unwrap();
                i.resolution(ResolutionUnit::Inch, dpi(*d));
                i.write_data(img.as_raw()).unwrap();
            }
            Page::Gray(img, d) => {
                let mut i = enc
                    .new_image::<colortype::Gray8>(img.width(), img.height())
                    .unwrap();
                // Dots per centimetre, as some scanners write it.
                i.resolution(ResolutionUnit::Centimeter, Rational { n: *d, d: 1 });
                i.write_data(img.as_raw()).unwrap();
            }
            Page::Rgb16(w, h, d) => {
                let data: Vec<u16> = (0..w * h * 3).map(|v| (v * 37 % 65521) as u16).collect();
                let mut i = enc.new_image::<colortype::RGB16>(*w, *h).unwrap();
                i.resolution(ResolutionUnit::Inch, dpi(*d));
                i.write_data(&data).unwrap();
            }
        }
    }
    out.into_inner()
}

fn with_file<T>(bytes: &[u8], name: &str, f: impl FnOnce(&std::path::Path) -> T) -> T {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    f(&path)
}

/// `pdfimages -list`: (page, width, height, colour, bpc, filter) of each image.
fn image_list(pdf: &[u8]) -> Vec<(u32, u32, u32, String, u32, String)> {
    let text = poppler("pdfimages", &["-list"], pdf);
    text.lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[0].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
                f[5].to_owned(),
                f[7].parse().unwrap(),
                f[8].to_owned(),
            )
        })
        .collect()
}

/// The images of a PDF as PNG files, via `pdfimages -png`.
fn images_png(pdf: &[u8]) -> Vec<image::DynamicImage> {
    with_file(pdf, "s.pdf", |path| {
        let dir = path.parent().unwrap();
        let ok = std::process::Command::new("pdfimages")
            .arg("-png")
            .arg(path)
            .arg(dir.join("img"))
            .status()
            .expect("pdfimages (poppler-utils)");
        assert!(ok.success());
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("img"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| image::open(p).unwrap())
            .collect::<Vec<_>>()
    })
}

#[test]
fn every_page_of_a_tiff_becomes_a_pdf_page_pixel_for_pixel() {
    let a = rgb(600, 848, 0);
    let g = GrayImage::from_fn(300, 400, |x, y| image::Luma([((x * y) % 256) as u8]));
    let c = rgb(400, 300, 0x55);
    // Page 1: RGB at 300 dpi; page 2: grey at 59 dots/cm (~150 dpi); page
    // 3: RGB again; LZW-compressed, as many scanners write.
    let file = tiff(
        &[
            Page::Rgb(a.clone(), 300),
            Page::Gray(g.clone(), 59),
            Page::Rgb(c.clone(), 200),
        ],
        Compression::Lzw,
    );
    let infos = inspect_pages(&file, 1).unwrap();
    assert_eq!(infos.len(), 3);
    assert_eq!(inspect_page(&file, 1).unwrap(), infos[0]);
    let (pdf, infos) = assemble_scans(&[&file], "Hồ sơ", Some("Số hóa: Trần Thị Hằng")).unwrap();
    assert_eq!(infos.len(), 3);
    assert_eq!(infos[0].format, "tiff");
    assert!(infos[0].warnings(1).is_empty(), "{:?}", infos[0]);
    // Low resolution and grey: both said, with the page number.
    let w = infos[1].warnings(2);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].contains("Trang 2: độ phân giải 150 dpi"), "{w:?}");
    assert_eq!(w[1], "Trang 2: ảnh không phải ảnh màu.");

    let info = poppler("pdfinfo", &["-f", "1", "-l", "3"], &pdf);
    assert!(info.contains("Pages:           3"), "{info}");
    // 600 px at 300 dpi = 144 pt; 300 px at 59 dpcm (149.86 dpi) = 144.14 pt.
    assert!(info.contains("Page    1 size:  144 x 203.52 pts"), "{info}");
    assert!(
        info.contains("Page    2 size:  144.135 x 192.179 pts"),
        "{info}"
    );
    assert!(info.contains("Page    3 size:  144 x 108 pts"), "{info}");
    let list = image_list(&pdf);
    assert_eq!(
        list,
        vec![
            (1, 600, 848, "rgb".into(), 8, "image".into()),
            (2, 300, 400, "gray".into(), 8, "image".into()),
            (3, 400, 300, "rgb".into(), 8, "image".into()),
        ]
    );
    let back = images_png(&pdf);
    assert_eq!(back[0].to_rgb8(), a);
    assert_eq!(back[1].to_luma8(), g);
    assert_eq!(back[2].to_rgb8(), c);
}

#[test]
fn tiffs_and_jpegs_mix_and_sixteen_bit_samples_stay_sixteen_bit() {
    let mut jpeg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(&rgb(200, 280, 1)).unwrap();
    let deep = tiff(&[Page::Rgb16(120, 80, 300)], Compression::Uncompressed);
    let (pdf, infos) = assemble_scans(&[&jpeg, &deep, &jpeg], "x", None).unwrap();
    assert_eq!(
        infos.iter().map(|i| i.format).collect::<Vec<_>>(),
        ["jpeg", "tiff", "jpeg"]
    );
    let list = image_list(&pdf);
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].5, "jpeg");
    assert_eq!(
        (list[1].1, list[1].2, list[1].4, list[1].5.as_str()),
        (120, 80, 16, "image")
    );
}

#[test]
fn a_cut_or_garbled_tiff_is_refused_with_its_page() {
    let pages = [
        Page::Rgb(rgb(300, 400, 0), 200),
        Page::Rgb(rgb(300, 400, 9), 200),
    ];
    let file = tiff(&pages, Compression::Uncompressed);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&rgb(50, 50, 0))
        .unwrap();
    // Cut anywhere, the file is refused: never a page of zeros.
    for cut in [file.len() / 4, file.len() / 2, file.len() - 40, 8] {
        let err = assemble_scans(&[&jpeg, &file[..cut]], "x", None).unwrap_err();
        match &err {
            ScanError::BadTiff { page, detail } => {
                assert!(*page >= 2, "{err}");
                assert!(!detail.is_empty());
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
        let text = err.to_string();
        assert!(text.starts_with("Trang "), "{text}");
        assert!(text.contains("ảnh TIFF hỏng"), "{text}");
    }
    // Cut in the first page's pixels: said to be cut.
    let err = inspect_page(&file[..file.len() / 4], 1).unwrap_err();
    assert!(err.to_string().contains("cắt cụt"), "{err}");
    // A TIFF header with nothing behind it.
    let err = inspect_page(b"II*\0\x08\0\0\0", 5).unwrap_err();
    assert!(matches!(err, ScanError::BadTiff { page: 5, .. }), "{err:?}");
    // Bytes garbled in the first directory.
    let mut garbled = file.clone();
    let ifd = u32::from_le_bytes(garbled[4..8].try_into().unwrap()) as usize;
    for b in &mut garbled[ifd..ifd + 40] {
        *b = 0xEE;
    }
    assert!(matches!(
        inspect_page(&garbled, 1),
        Err(ScanError::BadTiff { .. })
    ));
    assert!(matches!(
        assemble_scans(&[b"GIF89a...."], "x", None),
        Err(ScanError::UnknownFormat { page: 1 })
    ));
}

/// A QR code as a scanner sees it: `scale` pixels a module, quiet zone.
fn qr_image(text: &str, scale: u32) -> GrayImage {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    let size = (n + 8) * scale;
    GrayImage::from_fn(size * 2, size * 3, |x, y| {
        let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
        let dark = mx >= 0
            && my >= 0
            && (mx as u32) < n
            && (my as u32) < n
            && colors[(my as u32 * n + mx as u32) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 20 } else { 235 }])
    })
}

#[test]
fn pages_of_a_scanned_pdf_come_back_as_they_went_in_and_their_qr_reads() {
    let text = "BHXHDESK|1|01|000.00.00.H41-261125-0001|BHXH.01|001093047064|Giấy tiếp nhận hồ sơ và hẹn trả kết quả|BHXH Desk 000.00.00.H41|2026-11-25T09:00:00+07:00|2026-12-02";
    let cover = image::DynamicImage::ImageLuma8(qr_image(text, 6));
    let mut cover_png = Cursor::new(Vec::new());
    cover
        .write_to(&mut cover_png, image::ImageFormat::Png)
        .unwrap();
    let cover_png = cover_png.into_inner();
    let mut jpeg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(&rgb(400, 566, 3)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let p1 = dir.path().join("bia.png");
    let p2 = dir.path().join("trang.jpg");
    let out = dir.path().join("quet.pdf");
    std::fs::write(&p1, &cover_png).unwrap();
    std::fs::write(&p2, &jpeg).unwrap();
    let ok = std::process::Command::new("img2pdf")
        .args(["--imgsize", "200dpi"])
        .arg(&p1)
        .arg(&p2)
        .arg("-o")
        .arg(&out)
        .status()
        .expect("img2pdf");
    assert!(ok.success());
    let pdf = std::fs::read(&out).unwrap();

    let pages = read_pages(&pdf).unwrap();
    assert_eq!(pages.len(), 2);
    // 200 dpi from the page size, as img2pdf laid it out.
    let (dx, dy) = pages[0].info.dpi.unwrap();
    assert!(
        (dx - 200.0).abs() < 0.5 && (dy - 200.0).abs() < 0.5,
        "{dx} {dy}"
    );
    assert_eq!(pages[0].qr_texts(1).unwrap(), vec![text.to_owned()]);
    assert!(pages[1].qr_texts(2).unwrap().is_empty());
    // The JPEG comes out byte for byte; the PNG page pixel for pixel, with
    // its resolution.
    let (bytes, media) = pages[1].to_file().unwrap();
    assert_eq!((bytes == jpeg, media), (true, "image/jpeg"));
    let (bytes, media) = pages[0].to_file().unwrap();
    assert_eq!(media, "image/png");
    assert_eq!(
        image::load_from_memory(&bytes).unwrap().to_luma8(),
        cover.to_luma8()
    );
    let again = read_pages(&bytes).unwrap();
    let (dx, _) = again[0].info.dpi.unwrap();
    assert!((dx - 200.0).abs() < 0.5, "{dx}");

    // A TIFF's pages read the same way, a QR page among them.
    let file = tiff(
        &[
            Page::Rgb(rgb(300, 300, 0), 200),
            Page::Gray(qr_image(text, 5), 79),
        ],
        Compression::Deflate(Default::default()),
    );
    let pages = read_pages(&file).unwrap();
    assert_eq!(pages.len(), 2);
    assert!(pages[0].qr_texts(1).unwrap().is_empty());
    assert_eq!(pages[1].qr_texts(2).unwrap(), vec![text.to_owned()]);

    // A cut PDF, and a PDF page with no image, are refused precisely.
    assert!(matches!(
        read_pages(&pdf[..pdf.len() / 2]),
        Err(ScanError::BadPdf(_))
    ));
    let (typed, _) = assemble_scans(&[&jpeg], "x", None).unwrap();
    assert_eq!(read_pages(&typed).unwrap().len(), 1);
    let report = common::typed_pdf();
    let err = read_pages(&report).unwrap_err();
    assert!(
        matches!(err, ScanError::BadPdfPage { page: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("không có ảnh quét"), "{err}");
}

#[test]
fn damaged_tiffs_and_pdfs_are_refused_or_read_never_a_panic() {
    let file = tiff(
        &[
            Page::Rgb(rgb(40, 30, 0), 200),
            Page::Gray(GrayImage::new(20, 10), 79),
        ],
        Compression::Lzw,
    );
    let (pdf, _) = assemble_scans(&[&file], "x", None).unwrap();
    let mut state = 0x9E37_79B9u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize
    };
    for original in [&file, &pdf] {
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 4 {
                let i = next() % bytes.len();
                bytes[i] = next() as u8;
            }
            if next() % 5 == 0 {
                bytes.truncate(next() % bytes.len());
            }
            // Whatever the damage: a value or a Vietnamese error, and each
            // page read has its samples.
            match read_pages(&bytes) {
                Ok(pages) => {
                    for (i, p) in pages.iter().enumerate() {
                        let _ = p.qr_texts(i + 1);
                        let _ = p.to_file();
                    }
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
    }
}

/// Found reading the decoders for the `scan_pages` fuzz target: a PNG of a hundred bytes whose
/// header claims 100 000 × 100 000 pixels of 16-bit RGBA made the decoder
/// allocate 80 GB (the process aborts, no `catch_unwind` helps).
#[test]
fn a_png_claiming_absurd_dimensions_is_refused_before_decoding() {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(&out[start..]);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 0]); // 16-bit RGBA
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    let err = read_pages(&png).unwrap_err();
    assert!(matches!(err, ScanError::BadPng { page: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("quá lớn"), "{err}");
    assert!(inspect_page(&png, 1).is_err());
}

/// Found reading the decoders for the `scan_pages` fuzz target: a scanned PDF whose image says
/// 2^31 × 2^30 pixels of 16-bit CMYK. The byte count overflowed (to 0 in a
/// release build, so the page was taken and reading its QR code then tried
/// to allocate 2^61 bytes); it is refused with the page's number.
#[test]
fn a_pdf_image_claiming_absurd_dimensions_is_refused() {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => 2_147_483_648i64,
            "Height" => 1_073_741_824i64,
            "ColorSpace" => "DeviceCMYK",
            "BitsPerComponent" => 16,
        },
        b"x".to_vec(),
    );
    let image_id = doc.add_object(image);
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut pdf = Vec::new();
    doc.save_to(&mut pdf).unwrap();
    let err = read_pages(&pdf).unwrap_err();
    assert!(
        matches!(err, ScanError::BadPdfPage { page: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("quá lớn"), "{err}");
}
