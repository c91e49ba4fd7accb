//! Form 01 checked with real tools: poppler reads the text back exactly, and
//! the QR code, rasterised at scanner resolution, decodes to what was encoded.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_report::testing::{poppler, squash};
use bhxh_report::{ReceiptDoc, render_receipt};

fn receipt(documents: usize) -> ReceiptDoc {
    let received_at = chrono::DateTime::parse_from_rfc3339("2024-04-26T09:05:00+07:00").unwrap();
    ReceiptDoc {
        organisation: None,
        office_name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
        place: "Hà Nam".into(),
        dossier_code: "000.00.00.H41-240426-0001".into(),
        applicant_name: "Nguyễn Văn Đức".into(),
        applicant_id: "001093047064".into(),
        address: "Số 5 đường Lê Lợi, phường Quang Trung, thành phố Phủ Lý".into(),
        phone: "0912 345 678".into(),
        email: "duc.nguyen@example.vn".into(),
        matter: "Giải quyết hưởng chế độ ốm đau".into(),
        documents: (1..=documents)
            .map(|i| format!("Giấy ra viện số {i} (bản sao: 1)"))
            .collect(),
        sets: 1,
        title: bhxh_report::RECEIPT_TITLE.into(),
        form_label: "Mẫu số 01 – Thông tư 01/2018/TT-VPCP".into(),
        deadline: "05 ngày làm việc".into(),
        received_at,
        due_on: chrono::NaiveDate::from_ymd_opt(2024, 5, 8).unwrap(),
        return_to: "Tại Bộ phận tiếp nhận và trả kết quả".into(),
        register_year: 2024,
        register_no: 17,
        received_by: "Trần Thị Hằng".into(),
        // Version 2, with its 22-character MAC: the longest text the desk prints.
        qr_text: "BHXHDESK|2|01|000.00.00.H41-240426-0001|1.001667|001093047064|Giấy tiếp nhận hồ sơ và hẹn trả kết quả|BHXH Desk 000.00.00.H41|2024-04-26T09:05:00+07:00|2024-05-08|q9X3nJ0xW5c2VbT8mKz4Aw".into(),
    }
}

#[test]
fn both_copies_read_back_in_vietnamese_exactly() {
    let pdf = render_receipt(&receipt(2)).unwrap();
    let info = poppler("pdfinfo", &[], &pdf);
    assert!(info.contains("Pages:           2"), "{info}");
    // A5: 419.53 x 595.28 pts.
    assert!(info.contains("419.528 x 595.276 pts"), "{info}");
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    for needle in [
        "BẢO HIỂM XÃ HỘI TỈNH HÀ NAM",
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nam, ngày 26 tháng 4 năm 2024",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 000.00.00.H41-240426-0001",
        "(Liên 1: Lưu tại Bộ phận tiếp nhận và trả kết quả)",
        "(Liên 2: Giao người nộp hồ sơ)",
        "tiếp nhận hồ sơ của: Nguyễn Văn Đức",
        "Số định danh cá nhân: 001093047064",
        "Nội dung yêu cầu giải quyết: Giải quyết hưởng chế độ ốm đau",
        "(1) Giấy ra viện số 1 (bản sao: 1)",
        "(2) Giấy ra viện số 2 (bản sao: 1)",
        "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định là: 05 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 09 giờ 05 phút, ngày 26/04/2024",
        "5. Thời gian trả kết quả giải quyết hồ sơ: ngày 08/05/2024",
        "6. Đăng ký nhận kết quả: Tại Bộ phận tiếp nhận và trả kết quả",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 2024, Số thứ tự: 17",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Trần Thị Hằng",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    assert_eq!(text.matches("Nguyễn Văn Đức").count(), 4, "{text}");
}

/// Rasterise page `page` at `dpi` (as a scanner would) and decode its QR codes.
fn decode_qr(pdf: &[u8], page: u32, dpi: u32) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = dir.path().join("page");
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-gray", "-r", &dpi.to_string()])
        .args([
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            "-singlefile",
        ])
        .arg(&path)
        .arg(&out)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
    let img = image::open(dir.path().join("page.png")).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .into_iter()
        .map(|g| g.decode().unwrap().1)
        .collect()
}

#[test]
fn the_qr_code_on_each_copy_decodes_to_the_text_given() {
    let doc = receipt(3);
    let pdf = render_receipt(&doc).unwrap();
    for page in [1, 2] {
        assert_eq!(
            decode_qr(&pdf, page, 200),
            vec![doc.qr_text.clone()],
            "page {page}"
        );
    }
}

#[test]
fn a_long_checklist_flows_onto_another_page_and_a_huge_qr_text_is_refused() {
    let pdf = render_receipt(&receipt(40)).unwrap();
    let info = poppler("pdfinfo", &[], &pdf);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 4, "{info}");
    let text = squash(&poppler("pdftotext", &["-raw"], &pdf));
    assert_eq!(text.matches("(40) Giấy ra viện số 40").count(), 2);
    let mut doc = receipt(1);
    doc.qr_text = "x".repeat(5000);
    let err = render_receipt(&doc).unwrap_err();
    assert!(err.to_string().contains("mã QR"), "{err}");
}
