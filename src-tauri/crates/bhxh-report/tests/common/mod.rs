//! A sample report shared by the integration tests and the bench example: a progress
//! report of a provincial office on the 2024 plan (27 items in 9 sections).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use bhxh_report::{Align, Block, Column, ReportDoc, Row, Table};
use chrono::{FixedOffset, NaiveDate, TimeZone};

pub const PARAGRAPH: &str = "Thực hiện Quyết định số 147/QĐ-BHXH ngày 31/01/2024 của Bảo hiểm xã hội Việt Nam \
ban hành Kế hoạch triển khai Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực \
điện tử phục vụ chuyển đổi số quốc gia giai đoạn 2022 - 2025, tầm nhìn đến năm 2030 (Đề án 06) \
năm 2024, Bảo hiểm xã hội tỉnh Hòa Bình báo cáo kết quả thực hiện như sau:";

pub const SECTIONS: [(&str, usize); 9] = [
    ("Công tác lãnh đạo, chỉ đạo", 4),
    ("Triển khai Nghị quyết 175/NQ-CP", 2),
    (
        "Kiện toàn mô hình tổ chức, bồi dưỡng, tập huấn, bố trí nhân sự",
        2,
    ),
    ("Hoàn thiện quy định, hướng dẫn nghiệp vụ", 2),
    (
        "Nâng cấp phần mềm nghiệp vụ, mở rộng hạ tầng, đảm bảo an ninh, an toàn thông tin",
        2,
    ),
    (
        "Cải cách TTHC, cung cấp DVC, dịch vụ thanh toán trực tuyến",
        8,
    ),
    ("Hoàn thiện, phát triển CSDL quốc gia về bảo hiểm", 3),
    ("Nghiên cứu, ứng dụng tiện ích từ CCCD gắn chip", 2),
    ("Công tác truyền thông và thi đua, khen thưởng", 2),
];

pub const OFFICERS: [&str; 3] = ["Nguyễn Thị Ánh Tuyết", "Trần Văn Đức", "Lê Hoàng Yến"];

pub fn columns() -> Vec<Column> {
    let c = |header: &str, width_mm: f32, align: Align| Column {
        header: header.to_string(),
        width_mm,
        align,
    };
    vec![
        c("STT", 12.0, Align::Center),
        c("Nội dung công việc", 63.0, Align::Justify),
        c("Đơn vị chủ trì", 25.0, Align::Left),
        c("Thời hạn", 25.0, Align::Center),
        c("Người theo dõi", 40.0, Align::Left),
    ]
}

/// The 27 items of the plan as a table with one group row per section.
pub fn plan_table() -> Table {
    let mut rows = Vec::new();
    let mut item = 0;
    let roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"];
    for (s, (name, count)) in SECTIONS.iter().enumerate() {
        rows.push(Row::group(format!("{}. {name}", roman[s])));
        for _ in 0..*count {
            item += 1;
            rows.push(Row::new([
                item.to_string(),
                format!("Nhiệm vụ {item}: triển khai Đề án 06 tại Hòa Bình"),
                "Văn phòng".to_string(),
                if item % 3 == 0 {
                    "Năm 2024".to_string()
                } else {
                    format!("Tháng {}/2024", item % 12 + 1)
                },
                OFFICERS[item % 3].to_string(),
            ]));
        }
    }
    Table {
        columns: columns(),
        rows,
    }
}

pub fn sample() -> ReportDoc {
    ReportDoc {
        parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
        agency: "Bảo hiểm xã hội tỉnh Hòa Bình".into(),
        number_line: "Số: 12/BC-BHXH".into(),
        place: "Hòa Bình".into(),
        date: NaiveDate::from_ymd_opt(2024, 1, 5).unwrap(),
        title: "Báo cáo".into(),
        subject: "Kết quả thực hiện Kế hoạch triển khai Đề án 06 năm 2024 \
                  của Bảo hiểm xã hội tỉnh Hòa Bình"
            .into(),
        addressee: vec![],
        blocks: vec![
            Block::Paragraph(PARAGRAPH.into()),
            Block::Heading("I. KẾT QUẢ THỰC HIỆN".into()),
            Block::Paragraph(
                "Bảo hiểm xã hội tỉnh đã quán triệt, triển khai đầy đủ các nhiệm vụ được giao; \
                 100% công chức, viên chức được tập huấn; 100% hồ sơ được số hóa; tỷ lệ người \
                 hưởng tại đô thị nhận chế độ không dùng tiền mặt đạt 68%."
                    .into(),
            ),
            Block::Heading("II. TIẾN ĐỘ CÁC NHIỆM VỤ".into()),
            Block::Table(plan_table()),
            Block::Heading("III. KIẾN NGHỊ, ĐỀ XUẤT".into()),
            Block::Paragraph(
                "Đề nghị Bảo hiểm xã hội Việt Nam tiếp tục nâng cấp phần mềm nghiệp vụ, \
                 bổ sung thiết bị xác thực sinh trắc học tại bộ phận một cửa."
                    .into(),
            ),
        ],
        recipients: vec![
            "- BHXH Việt Nam (Tổ công tác Đề án 06);".into(),
            "- Giám đốc, các Phó Giám đốc;".into(),
            "- Lưu: VT, TCT.".into(),
        ],
        signer_authority: Some("KT. Giám đốc".into()),
        signer_title: "Phó Giám đốc".into(),
        signer_name: "Nguyễn Thị Ánh Tuyết".into(),
        created: FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2024, 1, 5, 9, 30, 0)
            .unwrap(),
        pdf_title: "Báo cáo kết quả thực hiện Đề án 06 năm 2024".into(),
    }
}
