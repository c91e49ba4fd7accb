//! The PDF checked with real tools (poppler-utils): text, fonts, page size, margins.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use bhxh_report::testing::{poppler, squash};
use bhxh_report::{Align, Block, Column, ReportDoc, Row, Table, render_pdf};
use common::{PARAGRAPH, sample};

const PT_PER_MM: f64 = 72.0 / 25.4;

/// A word box from `pdftotext -bbox`, in points from the top-left corner.
#[derive(Debug)]
struct WordBox {
    page: usize,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
    text: String,
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let start = tag.find(&key).unwrap() + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

fn word_boxes(pdf: &[u8]) -> Vec<WordBox> {
    let html = poppler("pdftotext", &["-bbox"], pdf);
    let mut boxes = Vec::new();
    for (p, page) in html.split("<page ").skip(1).enumerate() {
        for word in page.split("<word ").skip(1) {
            let (tag, rest) = word.split_once('>').unwrap();
            let text = rest.split("</word>").next().unwrap().to_string();
            boxes.push(WordBox {
                page: p + 1,
                x_min: attr(tag, "xMin"),
                y_min: attr(tag, "yMin"),
                x_max: attr(tag, "xMax"),
                y_max: attr(tag, "yMax"),
                text,
            });
        }
    }
    boxes
}

#[test]
fn text_comes_back_exactly_in_vietnamese() {
    let pdf = render_pdf(&sample()).unwrap();
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for expected in [
        "BẢO HIỂM XÃ HỘI VIỆT NAM",
        "BẢO HIỂM XÃ HỘI TỈNH HÒA BÌNH",
        "Số: 12/BC-BHXH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hòa Bình, ngày 05 tháng 01 năm 2024",
        "BÁO CÁO",
        "Kết quả thực hiện Kế hoạch triển khai Đề án 06 năm 2024 của Bảo hiểm xã hội tỉnh Hòa Bình",
        PARAGRAPH,
        "I. KẾT QUẢ THỰC HIỆN",
        "Nội dung công việc",
        "VI. Cải cách TTHC, cung cấp DVC, dịch vụ thanh toán trực tuyến",
        "Nhiệm vụ 27: triển khai Đề án 06 tại Hòa Bình",
        "Nguyễn Thị Ánh Tuyết",
        "Nơi nhận:",
        "- BHXH Việt Nam (Tổ công tác Đề án 06);",
        "- Lưu: VT, TCT.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn decomposed_input_is_drawn_as_precomposed_letters() {
    let mut doc = sample();
    // "Hòa Bình" with combining grave accents (NFD).
    doc.place = "Ho\u{300}a Bi\u{300}nh".into();
    doc.blocks = vec![Block::Paragraph("Đe\u{302}\u{300} a\u{301}n 06".into())];
    let pdf = render_pdf(&doc).unwrap();
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    assert!(
        text.contains("Hòa Bình, ngày 05 tháng 01 năm 2024"),
        "{text}"
    );
    assert!(text.contains("Đề án 06"), "{text}");
}

#[test]
fn fonts_are_embedded_with_unicode_maps() {
    let pdf = render_pdf(&sample()).unwrap();
    let fonts = poppler("pdffonts", &[], &pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    // Regular, bold, italic (date line) and bold italic ("Nơi nhận:").
    assert_eq!(rows.len(), 4, "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name, "CID", "TrueType", encoding, emb, sub, uni, object id, generation
        assert_eq!(cols[4], "yes", "not embedded: {row}");
        assert_eq!(cols[6], "yes", "no ToUnicode map: {row}");
    }
}

#[test]
fn page_is_a4_with_metadata() {
    let pdf = render_pdf(&sample()).unwrap();
    let info = poppler("pdfinfo", &[], &pdf);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {name} in {info}"))
            .to_string()
    };
    assert!(field("Page size:").starts_with("595.27"), "{info}");
    assert!(field("Page size:").contains("x 841.89 pts (A4)"), "{info}");
    assert_eq!(field("Pages:"), "3");
    assert_eq!(
        field("Title:"),
        "Báo cáo kết quả thực hiện Đề án 06 năm 2024"
    );
    assert_eq!(field("Producer:"), "BHXH Desk");
    // 09:30 at +07:00 is 02:30 UTC.
    assert_eq!(field("CreationDate:"), "Fri Jan  5 02:30:00 2024 UTC");
}

#[test]
fn text_stays_inside_the_margins_and_pages_are_numbered_from_two() {
    let pdf = render_pdf(&sample()).unwrap();
    let boxes = word_boxes(&pdf);
    let page_h = 297.0 * PT_PER_MM;
    let left = 30.0 * PT_PER_MM;
    let right = (210.0 - 15.0) * PT_PER_MM;
    let top = 20.0 * PT_PER_MM;
    let bottom = page_h - 20.0 * PT_PER_MM;
    let tol = 0.5 * PT_PER_MM;
    let pages = boxes.iter().map(|b| b.page).max().unwrap();
    assert_eq!(pages, 3);

    for b in &boxes {
        assert!(b.x_min >= left - tol, "left margin: {b:?}");
        assert!(b.x_max <= right + tol, "right margin: {b:?}");
        assert!(b.y_max <= bottom + tol, "bottom margin: {b:?}");
        let in_top_margin = b.y_min < top;
        if in_top_margin {
            // Only the page number lives in the top margin, from page 2 on.
            assert!(b.page >= 2, "page 1 has text in the top margin: {b:?}");
            assert_eq!(b.text, b.page.to_string(), "{b:?}");
            assert!(b.y_max <= top, "{b:?}");
            let centre = (b.x_min + b.x_max) / 2.0;
            assert!(
                (centre - (left + right) / 2.0).abs() < 2.0,
                "not centred: {b:?}"
            );
        }
    }
    for page in 2..=pages {
        assert!(
            boxes
                .iter()
                .any(|b| b.page == page && b.y_min < top && b.text == page.to_string()),
            "page {page} has no number in the top margin"
        );
    }
    // Justified lines of the first paragraph reach the right margin.
    let reaching = boxes
        .iter()
        .filter(|b| b.page == 1 && b.x_max > right - 1.0 * PT_PER_MM)
        .count();
    assert!(
        reaching >= 4,
        "only {reaching} words reach the right margin"
    );
    // The header starts at the top margin, not lower.
    let first = boxes
        .iter()
        .filter(|b| b.page == 1)
        .map(|b| b.y_min)
        .fold(f64::MAX, f64::min);
    assert!(
        first >= top && first < top + 5.0 * PT_PER_MM,
        "first line at {first}"
    );
}

#[test]
fn the_table_header_repeats_on_each_page_it_spans() {
    let pdf = render_pdf(&sample()).unwrap();
    for page in ["1", "2", "3"] {
        let text = squash(&poppler(
            "pdftotext",
            &["-raw", "-f", page, "-l", page],
            &pdf,
        ));
        assert!(text.contains("Người theo dõi"), "page {page}: {text}");
        assert!(text.contains("Thời hạn"), "page {page}: {text}");
    }
    // The rows are in order and none is lost at a page break.
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    let mut from = 0;
    for item in 1..=27 {
        let needle = format!("Nhiệm vụ {item}:");
        let at = text[from..]
            .find(&needle)
            .unwrap_or_else(|| panic!("{needle}"));
        from += at + needle.len();
    }
}

#[test]
fn a_row_taller_than_a_page_is_split_between_lines() {
    let long: Vec<String> = (1..=90)
        .map(|i| format!("Dòng số {i} của một ô rất dài."))
        .collect();
    let doc = ReportDoc {
        title: "Báo cáo".into(),
        blocks: vec![Block::Table(Table {
            columns: vec![
                Column {
                    header: "STT".into(),
                    width_mm: 15.0,
                    align: Align::Center,
                },
                Column {
                    header: "Nội dung".into(),
                    width_mm: 150.0,
                    align: Align::Left,
                },
            ],
            rows: vec![
                Row::new(["1", "Hòa Bình"]),
                Row::new(["2".to_string(), long.join("\n")]),
                Row::new(["3", "Kết thúc"]),
            ],
        })],
        ..sample()
    };
    let pdf = render_pdf(&doc).unwrap();
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for line in &long {
        assert!(text.contains(line.as_str()), "{line}");
    }
    assert!(text.contains("Kết thúc"));
    // 90 lines of 14.4 pt do not fit on one page: the row spans two pages, each with the header.
    let info = poppler("pdfinfo", &[], &pdf);
    assert!(
        info.contains("Pages:           3") || info.contains("Pages:           2"),
        "{info}"
    );
    let page2 = squash(&poppler("pdftotext", &["-raw", "-f", "2", "-l", "2"], &pdf));
    assert!(page2.starts_with("2 STT Nội dung"), "{page2}");
}

#[test]
fn a_report_sent_up_has_kinh_gui_under_the_subject_and_paragraphs_six_points_apart() {
    let mut doc = sample();
    doc.addressee = vec!["Bảo hiểm xã hội Việt Nam".into()];
    doc.recipients = vec![
        "- Như trên;".into(),
        "- Giám đốc, các Phó Giám đốc;".into(),
        "- Lưu: VT, VP, 02.".into(),
    ];
    let pdf = render_pdf(&doc).unwrap();
    let words = word_boxes(&pdf);
    let find = |t: &str| {
        words
            .iter()
            .find(|w| w.text == t)
            .unwrap_or_else(|| panic!("no word {t:?}"))
    };
    // "Kính gửi:" sits under the subject's last word and above the body.
    let kinh = find("Kính");
    let subject_end = find("Bình");
    let body_start = words
        .iter()
        .find(|w| w.y_min > kinh.y_max && w.page == 1)
        .unwrap();
    assert!(
        kinh.y_min > subject_end.y_max,
        "{kinh:?} vs {subject_end:?}"
    );
    assert!(body_start.y_min > kinh.y_max);
    let line: Vec<&str> = words
        .iter()
        .filter(|w| (w.y_min - kinh.y_min).abs() < 1.0)
        .map(|w| w.text.as_str())
        .collect();
    assert_eq!(line.join(" "), "Kính gửi: Bảo hiểm xã hội Việt Nam");
    // Centred: as much room left of it as right of it (within 2 mm).
    let first = words
        .iter()
        .find(|w| (w.y_min - kinh.y_min).abs() < 1.0)
        .unwrap();
    let last = words
        .iter()
        .rev()
        .find(|w| (w.y_min - kinh.y_min).abs() < 1.0 && w.page == kinh.page)
        .unwrap();
    let left_room = first.x_min - 30.0 * PT_PER_MM;
    let right_room = (210.0 - 15.0) * PT_PER_MM - last.x_max;
    assert!(
        (left_room - right_room).abs() < 2.0 * PT_PER_MM,
        "{left_room} vs {right_room}"
    );

    // "Nơi nhận:" starts with the addressee, "- Như trên;", and ends with
    // the archive line.
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    let at = text.find("Nơi nhận:").unwrap();
    let tail = &text[at..];
    assert!(tail.contains("- Như trên;"), "{tail}");
    assert!(
        tail.find("- Như trên;") < tail.find("- Lưu: VT, VP, 02."),
        "{tail}"
    );

    // Lines of one paragraph are one line pitch apart; a new paragraph
    // (the heading "I.") is at least 6 pt further down.
    let heading = find("I.");
    let mut tops: Vec<f64> = words
        .iter()
        .filter(|w| w.page == heading.page && w.y_min < heading.y_min - 1.0 && w.y_min > kinh.y_max)
        .map(|w| w.y_min)
        .collect();
    tops.sort_by(f64::total_cmp);
    tops.dedup_by(|a, b| (*a - *b).abs() < 1.0);
    assert!(tops.len() >= 3, "{tops:?}");
    let pitch = tops
        .windows(2)
        .map(|p| p[1] - p[0])
        .fold(f64::MAX, f64::min);
    let before_heading = heading.y_min - tops[tops.len() - 1];
    assert!(
        before_heading >= pitch + 5.9,
        "paragraph gap {before_heading:.1} pt vs line pitch {pitch:.1} pt"
    );
}

#[test]
fn a_signature_mark_reads_back_word_for_word_and_fits_its_lines() {
    let lines = [
        "Bản sao điện tử – ký số bởi: Nguyễn Văn Đức",
        "Bảo hiểm xã hội tỉnh Đắk Lắk – 09:15 ngày 03/12/2026",
    ];
    let (pdf, width, height) = bhxh_report::stamp::signature_mark(&lines, 260.0).unwrap();
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for line in lines {
        assert!(text.contains(&squash(line)), "{line:?} not in {text:?}");
    }
    // The page is the mark: as wide as its longer line needs (at least the
    // width asked), two lines high; its fonts embedded.
    assert!(
        width >= 260.0 && height > 13.0 && height < 24.0,
        "{width} × {height}"
    );
    let fonts = poppler("pdffonts", &[], &pdf);
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "{fonts}"
    );
    // A longer line makes a wider mark.
    let long = "Bản sao điện tử – ký số bởi: Công ty Trách nhiệm hữu hạn Một thành viên Xây dựng và Thương mại Đắk Lắk";
    let (_, wider, _) = bhxh_report::stamp::signature_mark(&[long], 260.0).unwrap();
    assert!(wider > width, "{wider} ≤ {width}");
}
