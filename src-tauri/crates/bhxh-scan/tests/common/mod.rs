//! Helpers shared by the scan tests: a PDF of typed text (no scanned image)
//! made by `bhxh-report`. (Poppler's tools on PDF bytes: `bhxh_report::testing`.)

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use bhxh_report::{Block, ReportDoc};
use chrono::{FixedOffset, NaiveDate, TimeZone};

/// A one-page PDF of typed text: a report, not a scan.
pub fn typed_pdf() -> Vec<u8> {
    bhxh_report::render_pdf(&ReportDoc {
        parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
        agency: "Bảo hiểm xã hội tỉnh Hòa Bình".into(),
        number_line: "Số: 12/BC-BHXH".into(),
        place: "Hòa Bình".into(),
        date: NaiveDate::from_ymd_opt(2024, 1, 5).unwrap(),
        title: "Báo cáo".into(),
        subject: "Kết quả thực hiện".into(),
        addressee: vec![],
        blocks: vec![Block::Paragraph(
            "Văn bản đánh máy, không phải ảnh quét.".into(),
        )],
        recipients: vec!["- Lưu: VT.".into()],
        signer_authority: None,
        signer_title: "Giám đốc".into(),
        signer_name: "Nguyễn Thị Ánh Tuyết".into(),
        created: FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2024, 1, 5, 9, 30, 0)
            .unwrap(),
        pdf_title: "Báo cáo".into(),
    })
    .unwrap()
}
