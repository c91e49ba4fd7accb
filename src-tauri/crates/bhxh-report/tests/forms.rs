//! Forms 02, 03, 05 and 06 checked with real tools: poppler reads the
//! Vietnamese back exactly, lists every font as embedded, and the register
//! spans pages with its header row on each.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_report::testing::{self, pdf_pages, poppler, squash};
use bhxh_report::{
    NoticeDoc, NoticeKind, RegisterDoc, RegisterLine, TrackingDoc, TrackingStep, render_notice,
    render_register, render_tracking,
};
use chrono::{DateTime, FixedOffset, NaiveDate};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn notice(kind: NoticeKind) -> NoticeDoc {
    NoticeDoc {
        organisation: None,
        title: kind.title().into(),
        form_label: String::new(),
        qr_text: String::new(),
        old_due: None,
        new_due: None,
        kind,
        office_name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
        place: "Hà Nam".into(),
        dossier_code: "000.00.00.H41-240426-0001".into(),
        applicant_name: "Nguyễn Văn Đức".into(),
        applicant_id: "001093047064".into(),
        address: "Số 5 đường Lê Lợi, phường Quang Trung, thành phố Phủ Lý".into(),
        phone: "0912 345 678".into(),
        email: String::new(),
        matter: "Giải quyết hưởng chế độ ốm đau".into(),
        received_at: at("2024-04-26T09:05:00+07:00"),
        // Decomposed on purpose: the form prints NFC.
        reason: "Giấy ra viện thiếu chữ ky\u{301} của trưởng khoa".into(),
        to_supplement: vec!["Giấy ra viện (bản sao: 1)".into()],
        officer: "Trần Thị Hằng".into(),
        issued_at: at("2024-04-29T14:30:00+07:00"),
    }
}

/// Every font listed by pdffonts is embedded (and there is at least one), and is Liberation
/// Serif.
fn assert_fonts_embedded(pdf: &[u8]) {
    for row in testing::assert_fonts_embedded(pdf) {
        assert!(row.contains("LiberationSerif"), "{row}");
    }
}

#[test]
fn form_02_reads_back_in_vietnamese_exactly() {
    let pdf = render_notice(&notice(NoticeKind::Supplement)).unwrap();
    assert_eq!(pdf_pages(&pdf), 1);
    let info = poppler("pdfinfo", &[], &pdf);
    assert!(info.contains("595.276 x 841.89 pts"), "{info}");
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for needle in [
        "BẢO HIỂM XÃ HỘI TỈNH HÀ NAM",
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nam, ngày 29 tháng 4 năm 2024",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Mã hồ sơ: 000.00.00.H41-240426-0001",
        "Kính gửi: Ông/bà Nguyễn Văn Đức",
        "Số định danh cá nhân: 001093047064",
        "Số điện thoại: 0912 345 678",
        "Nội dung yêu cầu giải quyết: Giải quyết hưởng chế độ ốm đau",
        "Thời gian nhận hồ sơ: 09 giờ 05 phút, ngày 26/04/2024",
        "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:",
        "(1) Giấy ra viện (bản sao: 1)",
        "Lý do: Giấy ra viện thiếu chữ ký của trưởng khoa",
        "ông/bà liên hệ với Trần Thị Hằng",
        "NGƯỜI HƯỚNG DẪN",
        "(Ký và ghi rõ họ tên)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    assert!(text.ends_with("Trần Thị Hằng"), "{text}");
    assert!(!text.contains("TỪ CHỐI"), "{text}");
    assert_fonts_embedded(&pdf);
}

#[test]
fn form_03_reads_back_in_vietnamese_exactly() {
    let mut doc = notice(NoticeKind::Refusal);
    doc.reason = "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan".into();
    let pdf = render_notice(&doc).unwrap();
    assert_eq!(pdf_pages(&pdf), 1);
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for needle in [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Mã hồ sơ: 000.00.00.H41-240426-0001",
        "Bộ phận tiếp nhận và trả kết quả Bảo hiểm xã hội tỉnh Hà Nam tiếp nhận hồ sơ của: \
         Nguyễn Văn Đức",
        "không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: Thủ tục không thuộc \
         thẩm quyền giải quyết của cơ quan",
        "Xin thông báo cho ông/bà được biết và thực hiện./.",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Trần Thị Hằng",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    assert!(!text.contains("Giấy ra viện (bản sao"), "{text}");
    assert_fonts_embedded(&pdf);
}

#[test]
fn form_05_lists_every_hand_over_with_its_timeliness() {
    let due = day(2024, 5, 8);
    let step = |giver: &str, receiver: &str, status: &str, t: &str, note: &str| TrackingStep {
        due_on: due,
        giver: giver.into(),
        receiver: receiver.into(),
        status: status.into(),
        at: at(t),
        note: note.into(),
    };
    let doc = TrackingDoc {
        title: String::new(),
        form_label: "Mẫu số 05 – Thông tư 01/2018/TT-VPCP".into(),
        qr_text: String::new(),
        coordinating: "Bảo hiểm xã hội Việt Nam".into(),
        columns: Vec::new(),
        office_name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
        place: "Hà Nam".into(),
        dossier_code: "000.00.00.H41-240426-0001".into(),
        applicant_name: "Nguyễn Văn Đức".into(),
        applicant_id: "001093047064".into(),
        matter: "Giải quyết hưởng chế độ ốm đau".into(),
        received_at: at("2024-04-26T09:05:00+07:00"),
        due_on: due,
        steps: vec![
            step(
                "Nguyễn Văn Đức",
                "Trần Thị Hằng",
                "Đã tiếp nhận",
                "2024-04-26T09:05:00+07:00",
                "",
            ),
            step(
                "Trần Thị Hằng",
                "Lê Văn Bình",
                "Đã tiếp nhận → Đang giải quyết",
                "2024-05-08T10:00:00+07:00",
                "",
            ),
            step(
                "Lê Văn Bình",
                "Trần Thị Hằng",
                "Đang giải quyết → Có kết quả",
                "2024-05-09T16:20:00+07:00",
                "Chậm do chờ xác minh",
            ),
        ],
        printed_at: at("2024-05-10T08:00:00+07:00"),
    };
    let pdf = render_tracking(&doc).unwrap();
    assert_eq!(pdf_pages(&pdf), 1);
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for needle in [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Mã hồ sơ: 000.00.00.H41-240426-0001",
        "Hà Nam, ngày 10 tháng 5 năm 2024",
        "Kèm theo hồ sơ của: Nguyễn Văn Đức (số định danh cá nhân 001093047064)",
        "Cơ quan phối hợp giải quyết hồ sơ: Bảo hiểm xã hội Việt Nam",
        "Mẫu số 05 – Thông tư 01/2018/TT-VPCP",
        "Thời gian nhận hồ sơ: 09 giờ 05 phút, ngày 26/04/2024",
        "Thời gian hẹn trả kết quả: ngày 08/05/2024",
        "Thời gian giao, nhận hồ sơ",
        "Nguyễn Văn Đức → Trần Thị Hằng",
        "Trần Thị Hằng → Lê Văn Bình",
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "Chậm do chờ xác minh",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    assert_fonts_embedded(&pdf);
}

fn register(n: u32) -> RegisterDoc {
    let names = [
        "Nguyễn Văn Đức",
        "Phạm Thị Đào",
        "Lê Hoàng Yến",
        "Đỗ Minh Quý",
    ];
    RegisterDoc {
        title: String::new(),
        form_label: String::new(),
        columns: Vec::new(),
        office_name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
        place: "Hà Nam".into(),
        year: 2024,
        lines: (1..=n)
            .map(|i| RegisterLine {
                no: i,
                dossier_code: format!("000.00.00.H41-2404{:02}-{:04}", i % 28 + 1, i),
                procedure: "Giải quyết hưởng chế độ ốm đau".into(),
                sets: 1,
                applicant_name: names[i as usize % names.len()].into(),
                address: "Phủ Lý, Hà Nam".into(),
                phone: "0912345678".into(),
                handling_agency: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
                received_on: day(2024, 4, i % 28 + 1),
                due_on: day(2024, 5, i % 28 + 1),
                sent_on: (i % 2 == 0).then(|| day(2024, 4, 29)),
                result_on: None,
                returned_on: (i % 5 == 0).then(|| day(2024, 5, 20)),
                note: if i % 7 == 0 {
                    "Từ chối tiếp nhận".into()
                } else {
                    String::new()
                },
            })
            .collect(),
        printed_at: at("2024-12-31T16:00:00+07:00"),
    }
}

#[test]
fn the_register_spans_pages_with_its_header_on_each_and_every_code_once() {
    let doc = register(60);
    let pdf = render_register(&doc).unwrap();
    let info = poppler("pdfinfo", &[], &pdf);
    // A4 landscape.
    assert!(info.contains("841.89 x 595.276 pts"), "{info}");
    let pages = pdf_pages(&pdf);
    assert!(pages >= 3, "{info}");
    let all = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for needle in [
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "SỔ THEO DÕI HỒ SƠ",
        "Năm 2024",
        "Hà Nam, ngày 31 tháng 12 năm 2024",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in {all}");
    }
    for line in &doc.lines {
        assert_eq!(
            all.matches(&line.dossier_code).count(),
            1,
            "{} in {all}",
            line.dossier_code
        );
    }
    for page in 1..=pages {
        let p = page.to_string();
        let text = squash(&poppler("pdftotext", &["-raw", "-f", &p, "-l", &p], &pdf));
        for header in [
            "Mã hồ sơ",
            "Tên cá nhân, tổ chức",
            "Hẹn trả kết quả",
            "Ghi chú",
        ] {
            assert!(text.contains(header), "page {page}: {header:?} in {text}");
        }
        if page > 1 {
            // The page number first, centred in the top margin.
            assert!(text.starts_with(&format!("{page} ")), "page {page}: {text}");
        }
    }
    // Rows in register order: 1 … 60.
    let first = all.find("000.00.00.H41-240402-0001").unwrap();
    let last = all.find("000.00.00.H41-240405-0060").unwrap();
    assert!(first < last);
    assert_fonts_embedded(&pdf);
}

#[test]
fn an_empty_register_still_prints_its_header_row() {
    let pdf = render_register(&register(0)).unwrap();
    assert_eq!(pdf_pages(&pdf), 1);
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    assert!(text.contains("Mã hồ sơ"), "{text}");
    assert!(
        text.contains("Chưa có hồ sơ nào vào sổ năm 2024."),
        "{text}"
    );
}

#[test]
fn a_layout_naming_a_column_nobody_fills_is_refused() {
    let mut doc = register(1);
    doc.columns = vec![bhxh_bad_column()];
    let err = render_register(&doc).unwrap_err();
    assert!(err.to_string().contains("\"chu_ky\""), "{err}");
}

fn bhxh_bad_column() -> bhxh_report::FormColumn {
    bhxh_report::FormColumn::new("chu_ky", "Chữ ký", 20.0, bhxh_report::Align::Left)
}
